package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
)

func init() { registerCommand(newAnalyzeCmd) }

// Exit codes (README "Exit codes").
const (
	codeOK    = 0
	codeError = 1
	codeUsage = 2
	codeGate  = 3 // a --fail-on condition was met
)

type analyzeOptions struct {
	json     bool
	failOn   []string
	all      bool
	evidence string
	filter   string
	maxConns int
}

func newAnalyzeCmd() *cobra.Command {
	var o analyzeOptions
	cmd := &cobra.Command{
		Use:   "analyze [flags] FILE... [-- FILTER-EXPRESSION]",
		Short: "Explain the SMC handshakes (and UDP streams) in capture files",
		Long: `Reads pcap/pcapng files and reports, per TCP connection, whether SMC was
negotiated (SMC-R/SMC-D, v1/v2) or why not: peer without the SMC option,
CLC Decline (who, code, meaning, remedy), late Decline after Confirm, CLC
timeout or abort, or "cannot tell" when the capture does not show it.
Several files are read in order as one capture (rotated files).

Exit status: 0 ok, 1 error reading input, 2 usage, 3 a --fail-on condition met.`,
		Example: `  smcdump analyze trace.pcapng
  smcdump analyze --json trace.pcapng > report.json
  smcdump analyze --fail-on fallback,timeout ci-trace.pcapng
  smcdump analyze trace.pcapng -- host 10.1.1.10 and tcp port 5000`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files := args
			if d := cmd.ArgsLenAtDash(); d >= 0 {
				files = args[:d]
				if expr := strings.Join(args[d:], " "); expr != "" {
					if o.filter != "" {
						o.filter = "(" + o.filter + ") and (" + expr + ")"
					} else {
						o.filter = expr
					}
				}
			}
			if len(files) == 0 {
				return &exitError{codeUsage, errors.New("analyze: no capture file given")}
			}
			return runAnalyze(cmd, o, files)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the report as JSON (schema smcdump.analyze/v1, see README)")
	f.StringSliceVar(&o.failOn, "fail-on", nil, "exit with status 3 when a condition holds: fallback, decline, timeout, error, unknown, any (comma-separated)")
	f.BoolVarP(&o.all, "all", "a", false, "also list plain TCP connections (no SMC option on the SYN)")
	f.StringVar(&o.evidence, "evidence", "auto", "per-connection evidence: auto (when ≤ 25 connections), yes, no")
	f.StringVarP(&o.filter, "filter", "f", "", "pcap-filter expression applied to every frame before analysis")
	f.IntVar(&o.maxConns, "max-connections", 0, "limit the connection table in text output (0 = all)")
	return cmd
}

func runAnalyze(cmd *cobra.Command, o analyzeOptions, files []string) error {
	gates, err := parseFailOn(o.failOn)
	if err != nil {
		return &exitError{codeUsage, err}
	}
	cfg := analyze.Config{All: o.all}
	if o.filter != "" {
		nf, err := offlineFilter(o.filter)
		if err != nil {
			return &exitError{codeUsage, err}
		}
		cfg.NewFilter = nf
	}
	rep, runErr := analyze.Run(context.Background(), cfg, files)
	if runErr != nil {
		failed := 0
		for _, f := range rep.Files {
			if f.Error != "" {
				failed++
			}
		}
		if failed == len(rep.Files) {
			return &exitError{codeError, runErr} // nothing to report: one line
		}
	}
	out := cmd.OutOrStdout()
	if o.json {
		if err := rep.WriteJSON(out); err != nil {
			return err
		}
	} else {
		ev := o.evidence == "yes" || o.evidence == "auto" && len(rep.Connections) <= 25
		if err := rep.WriteText(out, analyze.TextOptions{Evidence: ev, MaxConnections: o.maxConns}); err != nil {
			return err
		}
	}
	if runErr != nil {
		return &exitError{codeError, runErr}
	}
	if msg := checkGates(rep, gates); msg != "" {
		return &exitError{codeGate, errors.New(msg)}
	}
	return nil
}

var gateNames = []string{"fallback", "decline", "timeout", "error", "unknown", "any"}

func parseFailOn(v []string) (map[string]bool, error) {
	g := map[string]bool{}
	for _, s := range v {
		for _, x := range strings.Split(s, ",") {
			x = strings.TrimSpace(strings.ToLower(x))
			if x == "" {
				continue
			}
			ok := false
			for _, n := range gateNames {
				if n == x {
					ok = true
				}
			}
			if !ok {
				return nil, fmt.Errorf("--fail-on: unknown condition %q (want one of %s)", x, strings.Join(gateNames, ", "))
			}
			g[x] = true
		}
	}
	return g, nil
}

// checkGates returns a message naming the connections that meet a --fail-on
// condition, or "".
func checkGates(rep *analyze.Report, g map[string]bool) string {
	if len(g) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, c := range rep.Connections {
		switch c.Outcome {
		case analyze.OutcomeFallback:
			count["fallback"]++
			if c.Decline != nil {
				count["decline"]++
			}
		case analyze.OutcomeHandshakeError:
			count["error"]++
			switch c.Reason {
			case analyze.ReasonNoAccept, analyze.ReasonNoConfirm, analyze.ReasonNoProposal, analyze.ReasonAborted:
				count["timeout"]++
			}
		case analyze.OutcomeUnknown:
			count["unknown"]++
		}
	}
	count["any"] = count["fallback"] + count["error"] + count["unknown"]
	var hit []string
	for _, n := range gateNames {
		if g[n] && count[n] > 0 {
			hit = append(hit, fmt.Sprintf("%d %s", count[n], n))
		}
	}
	if len(hit) == 0 {
		return ""
	}
	return "--fail-on: " + strings.Join(hit, ", ")
}
