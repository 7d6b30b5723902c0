package multipoint

import (
	"fmt"
	"strings"
)

// GateNames are the --fail-on conditions of a multi-point analysis: a
// verdict kind ("stripped": the SMC option removed between two points,
// "lost-between": datagrams or segments lost between two points), or "any"
// for both.
var GateNames = []string{"stripped", "lost-between", "any"}

// Gates is a parsed set of --fail-on conditions.
type Gates map[string]bool

// ParseGates parses comma-separated conditions (each value may hold
// several); an unknown one is an error that names the valid ones.
func ParseGates(v []string) (Gates, error) {
	g := Gates{}
	for _, s := range v {
		for _, x := range strings.Split(s, ",") {
			x = strings.TrimSpace(strings.ToLower(x))
			if x == "" {
				continue
			}
			known := false
			for _, n := range GateNames {
				known = known || n == x
			}
			if !known {
				return nil, fmt.Errorf("--fail-on: unknown condition %q with --point (want one of %s)", x, strings.Join(GateNames, ", "))
			}
			g[x] = true
		}
	}
	return g, nil
}

// Check returns the messages of the verdicts that meet a gate, in report
// order; none when no gate is met.
func (r *Report) Check(g Gates) []string {
	var met []string
	for _, v := range r.Verdicts {
		if g["any"] && (v.Kind == "stripped" || v.Kind == "lost-between") || g[v.Kind] {
			met = append(met, v.Message)
		}
	}
	return met
}
