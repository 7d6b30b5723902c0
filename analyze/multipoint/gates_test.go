package multipoint

import (
	"reflect"
	"testing"
)

func TestGates(t *testing.T) {
	if _, err := ParseGates([]string{"stripped,bogus"}); err == nil {
		t.Fatal("unknown condition accepted")
	}
	r := &Report{Verdicts: []Verdict{{Kind: "stripped", Message: "s"}, {Kind: "lost-between", Message: "l"}, {Kind: "only-at", Message: "o"}}}
	for _, c := range []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"stripped"}, []string{"s"}},
		{[]string{"lost-between"}, []string{"l"}},
		{[]string{" ANY "}, []string{"s", "l"}},
		{[]string{"stripped", "lost-between"}, []string{"s", "l"}},
	} {
		g, err := ParseGates(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Check(g); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: %v, want %v", c.in, got, c.want)
		}
	}
}
