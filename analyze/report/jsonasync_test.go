package report

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// ringRecord writes connection i into slot s: the record and every value
// it points to, all different for each i (as the tracker rewrites its
// compact records in place).
type ringSlot struct {
	c    smcflow.Conn
	end  time.Time
	link smcflow.LinkInfo
	smc  smcflow.SMCInfo
}

func (s *ringSlot) set(i int) *smcflow.Conn {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	s.end = t0.Add(time.Duration(i%977) * time.Microsecond)
	s.link = smcflow.LinkInfo{State: fmt.Sprintf("state-%d", i)}
	s.smc = smcflow.SMCInfo{Type: "SMC-R", Version: 2, Variant: fmt.Sprintf("v-%d", i)}
	s.c = smcflow.Conn{
		ID:            i + 1,
		Client:        netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+i%20000)),
		Server:        netip.MustParseAddrPort("10.1.1.20:5000"),
		Outcome:       smcflow.OutcomeSMC,
		Reason:        fmt.Sprintf("r%d", i),
		SMC:           &s.smc,
		Link:          &s.link,
		Times:         smcflow.Times{First: t0, Last: t0.Add(time.Second), End: &s.end},
		Packets:       i,
		Evidence:      []smcflow.Evidence{},
		DetailOmitted: true,
	}
	return &s.c
}

// TestJSONWriterGoLag: a JSONWriter in its own goroutine (Go), given
// records that are rewritten in place JSONLag connections later (a ring
// of JSONLag slots, as the tracker's compact records with ListedLag), and
// slowed down so that the caller is always as far ahead as it may be,
// writes the same bytes as one that encodes each record at once. (With a
// ring of 320 or of 383 records instead, fewer than the writer may hold,
// the output differed, and the race detector reported the rewrites: the
// test reaches the lag. Measured when it was written; not kept, as it
// races on purpose.)
func TestJSONWriterGoLag(t *testing.T) {
	const n = 7*JSONLag + 13
	var want bytes.Buffer
	sync := NewJSONWriter(&want)
	var one ringSlot
	for i := range n {
		sync.Connection(one.set(i))
	}
	rep := &Report{}
	if err := sync.Finish(rep); err != nil {
		t.Fatal(err)
	}
	run := func(slots int) string {
		t.Helper()
		defer func(h func()) { jsonBatchHook = h }(jsonBatchHook)
		first := true
		jsonBatchHook = func() {
			// The first batch waits long enough for the caller to fill
			// every batch it may (microseconds of work), the others a
			// little: the caller stays as far ahead as it can.
			d := 100 * time.Microsecond
			if first {
				d, first = 20*time.Millisecond, false
			}
			time.Sleep(d)
		}
		var got bytes.Buffer
		w := NewJSONWriter(&got)
		w.Go()
		ring := make([]ringSlot, slots)
		for i := range n {
			w.Connection(ring[i%slots].set(i))
		}
		if err := w.Finish(rep); err != nil {
			t.Fatal(err)
		}
		return got.String()
	}
	if got := run(JSONLag); got != want.String() {
		t.Fatalf("Go with a ring of JSONLag (%d) records: output differs from the one-goroutine writer at byte %d", JSONLag, firstDiff(got, want.String()))
	}
	if !strings.Contains(want.String(), fmt.Sprintf(`"id": %d,`, n)) {
		t.Errorf("the last connection (%d) is not in the report", n)
	}
}

// TestJSONWriterGoNothing: a writer in its own goroutine that is given no
// connection writes the same report as one that is not, and Started stays
// false (no goroutine is started).
func TestJSONWriterGoNothing(t *testing.T) {
	var a, b bytes.Buffer
	w := NewJSONWriter(&a)
	w.Go()
	if err := w.Finish(&Report{}); err != nil || w.Started() {
		t.Fatalf("Finish: %v, Started %v", err, w.Started())
	}
	if err := NewJSONWriter(&b).Finish(&Report{}); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("got\n%s\nwant\n%s", a.String(), b.String())
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
