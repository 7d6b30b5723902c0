package multipoint

import (
	"fmt"
	"strings"
	"testing"
)

// TestPointMessagesBounded: a point keeps at most maxPointMessages
// problems and notes over all its files, counts the rest, and says so in
// its last message; below the bound nothing is added.
func TestPointMessagesBounded(t *testing.T) {
	var d pointData
	for i := range 3 * maxPointMessages / 2 {
		d.problem(fmt.Sprintf("f%d.pcap: problem", i))
		d.note(fmt.Sprintf("f%d.pcap: note", i))
	}
	d.endMessages()
	if len(d.problems) != maxPointMessages+1 || len(d.notes) != maxPointMessages+1 {
		t.Fatalf("%d problems, %d notes kept, want %d each", len(d.problems), len(d.notes), maxPointMessages+1)
	}
	want := fmt.Sprintf("%d more problems", maxPointMessages/2)
	if last := d.problems[len(d.problems)-1]; !strings.HasPrefix(last, want) {
		t.Errorf("last problem %q, want it to start %q", last, want)
	}
	if last := d.notes[len(d.notes)-1]; !strings.HasPrefix(last, fmt.Sprintf("%d more notes", maxPointMessages/2)) {
		t.Errorf("last note %q", last)
	}
	var few pointData
	few.problem("a")
	few.note("b")
	few.endMessages()
	if len(few.problems) != 1 || len(few.notes) != 1 {
		t.Errorf("below the bound: %q, %q", few.problems, few.notes)
	}
}
