package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/collect"
	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/spf13/cobra"
)

func init() { registerCommand(newStatsCmd) }

// statsFlags holds the flags of `smcdump stats`.
type statsFlags struct {
	json     bool
	watch    time.Duration
	count    int
	out      string
	netns    string
	read     string
	growRuns int
	snapshot string
	maxSocks int

	// smc-tools tables (see tablesFromFlags).
	sockets, all, listening, smcrSocks, smcdSocks    bool
	devices, linkgroups, links, smcrStats, smcdStats bool
	info, eid, pnet                                  bool
	detail                                           int
}

// collectSnapshot is collect.Collect; tests may replace it.
var collectSnapshot = collect.Collect

// codeNoSource: stats could not use any source (every /proc file and the
// SMC netlink queries failed); the snapshot with the errors is still printed.
const codeNoSource = 5

// failedSnapshot returns the exit error for a snapshot of which no source
// could be used, nil otherwise.
func failedSnapshot(s *kstat.Snapshot) error {
	if !s.Failed() {
		return nil
	}
	return &exitError{codeNoSource, fmt.Errorf("no kernel counter source could be used (%d failed, listed in the snapshot)", len(s.SourceErrors))}
}

func newStatsCmd() *cobra.Command {
	var f statsFlags
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Kernel SMC and UDP loss counters now (like smcr stats / netstat -s), or deltas with --watch",
		Long: `stats takes a snapshot of the kernel counters that explain SMC fallbacks and
UDP loss: SMC generic netlink statistics, fallback reasons, link groups and
devices, SMC sockets (smc_diag), /proc/net/snmp, snmp6, netstat, udp/tcp
socket queues and drops, /proc/net/dev and softnet_stat. Of each socket
table (udp, udp6, tcp, tcp6, and the SMC sockets of smc_diag that --sockets
lists) it keeps at most --max-sockets (1024; captures' snapshots too),
those with queued data or drops first (SMC: those that fell back first),
and counts the others.

Without the SMC kernel module the SMC section says so; the rest still works.
Every source is independent: a /proc file that is missing, empty or
malformed, or a failed netlink query, is listed with its reason (text:
"Sources not used"; JSON: "source_errors") and its bytes are kept (up to
64 KiB) in "raw"; the other sources are still shown.

Exit status: 0 snapshot taken (some sources may have failed: see the list),
1 error (cannot read the -r input, cannot enter the namespace), 2 usage,
5 no source at all could be used (the snapshot with the errors is printed).

  smcdump stats                        one snapshot, human readable
  smcdump stats --json -o before.json  save a snapshot (schema smcdump.kstat/v1)
  smcdump stats --watch 1s --count 10  counter deltas every second, 10 times;
                                       queues that keep growing are flagged
  smcdump stats --netns blue           inside network namespace /run/netns/blue
  smcdump stats -r DIR                 read raw netlink replies + /proc copies
                                       listed in DIR/index.json
  smcdump stats -r saved.txt           read a saved snapshot or saved tool output
                                       (smcss, smcr/smcd stats, device, linkgroup,
                                       info, seid, smc_pnet -s, netstat -s, nstat,
                                       ss -u -a -m, ethtool -S, /proc/net copies)
  smcdump stats -r capture.pcapng      list the snapshots embedded in a capture;
      --snapshot first|last|N          show one of them; --snapshot 1..2 the
                                       deltas between two (also for --watch -o files)

The tables operators know from smc-tools, with their columns and formats
(from the kernel, a saved snapshot, or a capture with --snapshot):

  smcdump stats --sockets [-a|-l] [-R|-D] [-d]   smcss [-a|-l] [-R|-D] [-d]
  smcdump stats --devices [-d]                   smcr device / smcd device
  smcdump stats --linkgroups                     smcr linkgroup / smcd linkgroup
  smcdump stats --links [-d|-dd]                 smcr linkgroup link-show
  smcdump stats --smcr-stats [-d]                smcr stats
  smcdump stats --smcd-stats [-d]                smcd stats
  smcdump stats --info                           smcr info / smcd info
  smcdump stats --eid                            smcd ueid show / seid show
  smcdump stats --pnet                           smc_pnet -s

-a, -l, -R, -D alone imply --sockets. With --json each table is printed with
one field per column.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print JSON (a snapshot; with --watch one delta per line)")
	fl.DurationVar(&f.watch, "watch", 0, "take a snapshot every `INTERVAL` and print the deltas")
	fl.IntVar(&f.count, "count", 0, "with --watch: stop after `N` deltas (0: until interrupted)")
	fl.StringVarP(&f.out, "output", "o", "", "save the snapshot to `FILE` as JSON (with --watch: every snapshot, one per line)")
	fl.StringVar(&f.netns, "netns", "", "snapshot inside network namespace `NAME` (/run/netns/NAME)")
	fl.StringVarP(&f.read, "read", "r", "", "read a saved snapshot or tool output from `FILE` instead of the kernel")
	fl.IntVar(&f.growRuns, "grow-intervals", 2, "with --watch: flag a socket queue that grew in `N` consecutive intervals")
	fl.IntVar(&f.maxSocks, "max-sockets", procnet.DefaultMaxSockets, "keep at most `N` sockets of each of /proc/net/udp, udp6, tcp, tcp6 (those with queued data or drops first) and of smc_diag (fallbacks first); 0: all")
	fl.StringVar(&f.snapshot, "snapshot", "", "with -r of a capture or a multi-snapshot file: show snapshot `first|last|N`, or the deltas N..M")
	fl.BoolVar(&f.sockets, "sockets", false, "SMC sockets as smcss prints them")
	fl.BoolVarP(&f.all, "all", "a", false, "sockets: all, including LISTEN and INIT (smcss -a)")
	fl.BoolVarP(&f.listening, "listening", "l", false, "sockets: only listening ones (smcss -l)")
	fl.BoolVarP(&f.smcrSocks, "smcr", "R", false, "sockets: SMC-R only, with role, IB device, port, link id and GIDs (smcss -R)")
	fl.BoolVarP(&f.smcdSocks, "smcd", "D", false, "sockets: SMC-D only, with GIDs, tokens and link id (smcss -D)")
	fl.CountVarP(&f.detail, "debug", "d", "details: smcss -d (shutdown, buffers, cursors), stats -d, device -d, link-show -d (-dd adds GIDs)")
	fl.BoolVar(&f.devices, "devices", false, "RDMA and ISM devices (smcr device, smcd device)")
	fl.BoolVar(&f.linkgroups, "linkgroups", false, "link groups (smcr linkgroup, smcd linkgroup)")
	fl.BoolVar(&f.links, "links", false, "links of the SMC-R link groups (smcr linkgroup link-show)")
	fl.BoolVar(&f.smcrStats, "smcr-stats", false, "SMC-R statistics as smcr stats prints them")
	fl.BoolVar(&f.smcdStats, "smcd-stats", false, "SMC-D statistics as smcd stats prints them")
	fl.BoolVar(&f.info, "info", false, "kernel and hardware SMC capabilities (smcr info)")
	fl.BoolVar(&f.eid, "eid", false, "user and system EIDs (smcd ueid show, smcd seid show)")
	fl.BoolVar(&f.pnet, "pnet", false, "PNET table (smc_pnet -s)")
	return cmd
}

func runStats(cmd *cobra.Command, f statsFlags) error {
	if f.watch < 0 || f.count < 0 {
		return &exitError{2, errors.New("--watch and --count must not be negative")}
	}
	if f.count > 0 && f.watch == 0 {
		if cmd.Flags().Changed("watch") {
			return &exitError{2, errors.New("--watch needs an interval above 0 (e.g. --watch 1s)")}
		}
		return &exitError{2, errors.New("--count needs --watch")}
	}
	if f.read != "" && (f.watch != 0 || f.netns != "") {
		return &exitError{2, errors.New("--read cannot be combined with --watch or --netns")}
	}
	if f.maxSocks < 0 {
		return &exitError{2, errors.New("--max-sockets must not be negative (0: all)")}
	}
	if f.snapshot != "" && f.read == "" {
		return &exitError{2, errors.New("--snapshot needs -r FILE")}
	}
	tables, err := tablesFromFlags(f)
	if err != nil {
		return &exitError{2, err}
	}
	if tables.Any() && f.watch != 0 {
		return &exitError{2, errors.New("the table selectors (--sockets, --devices, ...) show one snapshot; they cannot be combined with --watch")}
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	w := cmd.OutOrStdout()

	var save io.WriteCloser
	if f.out != "" {
		fh, err := os.Create(f.out)
		if err != nil {
			return err
		}
		save = fh
		defer fh.Close()
	}
	saveSnap := func(s *kstat.Snapshot) error {
		if save == nil {
			return nil
		}
		b, err := s.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = save.Write(append(b, '\n'))
		return err
	}

	if f.read != "" {
		snaps, fromCapture, notes, err := readSnapshots(f.read)
		if err != nil {
			return err
		}
		for _, n := range notes {
			fmt.Fprintf(cmd.ErrOrStderr(), "smcdump: %s: %s\n", f.read, n)
		}
		if len(snaps) == 0 {
			return fmt.Errorf("%s: no kernel counter snapshot in this file", f.read)
		}
		if f.snapshot == "" && (fromCapture || len(snaps) > 1) && !tables.Any() {
			return listSnapshots(w, f.read, snaps, f.json)
		}
		sel := f.snapshot
		if sel == "" {
			sel = "last"
		}
		a, b, isDelta, err := pickSnapshots(sel, len(snaps))
		if err != nil {
			return &exitError{2, err}
		}
		if isDelta {
			d := kstat.Diff(snaps[a], snaps[b])
			if f.json {
				bs, err := json.Marshal(d)
				if err != nil {
					return err
				}
				_, err = w.Write(append(bs, '\n'))
				return err
			}
			return kstat.WriteDelta(w, d, nil)
		}
		s := snaps[a]
		if err := saveSnap(s); err != nil {
			return err
		}
		if tables.Any() {
			if err := printTables(w, cmd.ErrOrStderr(), s, tables, f.json); err != nil {
				return err
			}
			return failedSnapshot(s)
		}
		if err := printSnapshot(w, s, f.json); err != nil {
			return err
		}
		return failedSnapshot(s)
	}

	opts := collect.Options{NetNS: f.netns, MaxSockets: f.maxSocks}
	if f.maxSocks == 0 {
		opts.MaxSockets = -1 // no bound
	}
	prev, err := collectSnapshot(ctx, opts)
	if err != nil {
		return err
	}
	if err := saveSnap(prev); err != nil {
		return err
	}
	if f.watch == 0 {
		if tables.Any() {
			if err := printTables(w, cmd.ErrOrStderr(), prev, tables, f.json); err != nil {
				return err
			}
			if err := closeSave(save); err != nil {
				return err
			}
			return failedSnapshot(prev)
		}
		if err := printSnapshot(w, prev, f.json); err != nil {
			return err
		}
		if err := closeSave(save); err != nil {
			return err
		}
		return failedSnapshot(prev)
	}
	if err := failedSnapshot(prev); err != nil {
		printSnapshot(w, prev, f.json)
		return err
	}
	if !f.json {
		fmt.Fprintf(w, "watching kernel counters every %s", f.watch)
		if f.netns != "" {
			fmt.Fprintf(w, " in netns %s", f.netns)
		}
		if !prev.SMC.Available && prev.SMC.Note != "" {
			fmt.Fprintf(w, "; SMC: %s", prev.SMC.Note)
		}
		fmt.Fprintln(w)
		writeSourceErrors(w, nil, prev)
	}
	g := kstat.GrowthTracker{MinIntervals: f.growRuns}
	t := time.NewTicker(f.watch)
	defer t.Stop()
	for n := 0; f.count == 0 || n < f.count; n++ {
		select {
		case <-ctx.Done():
			return closeSave(save)
		case <-t.C:
		}
		cur, err := collectSnapshot(ctx, opts)
		if err != nil {
			if ctx.Err() != nil {
				return closeSave(save)
			}
			return err
		}
		if err := saveSnap(cur); err != nil {
			return err
		}
		if err := failedSnapshot(cur); err != nil {
			printSnapshot(w, cur, f.json)
			return err
		}
		d := kstat.Diff(prev, cur)
		grow := g.Observe(d)
		if f.json {
			b, err := json.Marshal(struct {
				*kstat.Delta
				Growing []kstat.Growing `json:"growing,omitempty"`
			}{d, grow})
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		} else {
			if err := kstat.WriteDelta(w, d, grow); err != nil {
				return err
			}
			writeSourceErrors(w, prev, cur)
		}
		prev = cur
	}
	return closeSave(save)
}

// writeSourceErrors prints, in --watch text mode, the sources of cur that
// could not be used and were not already reported for prev: their counters
// are missing from the deltas.
func writeSourceErrors(w io.Writer, prev, cur *kstat.Snapshot) {
	seen := map[string]bool{}
	if prev != nil {
		for _, e := range prev.SourceErrors {
			seen[e.String()] = true
		}
	}
	for _, e := range cur.SourceErrors {
		if !seen[e.String()] {
			fmt.Fprintf(w, "    source not used: %s: %s error: %s\n", e.Source, e.Stage, e.Error)
		}
	}
}

func closeSave(c io.Closer) error {
	if c == nil {
		return nil
	}
	return c.Close()
}

func printSnapshot(w io.Writer, s *kstat.Snapshot, asJSON bool) error {
	if !asJSON {
		return s.WriteText(w)
	}
	b, err := s.MarshalJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}
