package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/multipoint"
)

// runMultipoint runs "smcdump analyze --point NAME=FILE... ": flags →
// multipoint.Config → multipoint.Run.
func runMultipoint(cmd *cobra.Command, o analyzeOptions, args []string) error {
	if len(args) > 0 {
		return &exitError{codeUsage, fmt.Errorf("analyze: with --point, give every file to a point (unexpected %q)", args[0])}
	}
	if o.fileList != "" {
		return &exitError{codeUsage, errors.New("analyze: with --point, give every file to a point (-V is for one capture point)")}
	}
	if o.filter != "" || len(o.stats) > 0 || o.plot != "" || len(o.pairs) > 0 {
		return &exitError{codeUsage, errors.New("analyze: --filter, --stats, --plot and --pair are single-point options (not with --point)")}
	}
	gates, err := multipoint.ParseGates(o.failOn)
	if err != nil {
		return &exitError{codeUsage, err}
	}
	cfg := multipoint.Config{MaxPackets: o.maxPkts, PerPoint: &analyze.Config{NoUDP: o.noUDP, MaxConnections: o.keep, Threads: o.threads},
		Stdin: cmd.InOrStdin(), GivenOrder: o.order == "given"}
	for _, s := range o.points {
		p, err := multipoint.ParsePoint(s)
		if err != nil {
			return &exitError{codeUsage, err}
		}
		cfg.Points = append(cfg.Points, p)
	}
	if len(cfg.Points) < 2 {
		return &exitError{codeUsage, errors.New("analyze: --point needs at least two capture points")}
	}
	rep, err := multipoint.Run(context.Background(), cfg)
	if err != nil {
		if rep == nil {
			return &exitError{codeError, err}
		}
	}
	out := cmd.OutOrStdout()
	if o.json {
		if werr := rep.WriteJSON(out); werr != nil {
			return werr
		}
	} else if werr := rep.WriteText(out); werr != nil {
		return werr
	}
	if err != nil {
		return &exitError{codeError, err}
	}
	met := rep.Check(gates)
	if len(met) > 0 {
		return &exitError{codeGate, fmt.Errorf("--fail-on: %s", strings.Join(met, "; "))}
	}
	if rep.Damaged() {
		return &exitError{codeDamaged, errors.New("damaged input: see the points' problems (the rest was analyzed)")}
	}
	return nil
}
