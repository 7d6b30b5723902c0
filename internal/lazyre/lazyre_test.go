package lazyre

import "testing"

// TestNewCompilesOnce: the expression is compiled at the first call, the
// same *regexp.Regexp returned after.
func TestNewCompilesOnce(t *testing.T) {
	re := New(`^a(\d+)$`)
	a, b := re(), re()
	if a != b {
		t.Error("two calls returned two compilations")
	}
	if m := a.FindStringSubmatch("a42"); len(m) != 2 || m[1] != "42" {
		t.Errorf("match %q", m)
	}
}

// TestNewBadExpressionPanicsAtUse: a bad expression does not panic when
// declared, only when used (regexp.MustCompile).
func TestNewBadExpressionPanicsAtUse(t *testing.T) {
	re := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("no panic at first use of a bad expression")
		}
	}()
	re()
}
