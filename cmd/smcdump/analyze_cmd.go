package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

func init() { registerCommand(newAnalyzeCmd) }

// Exit codes (README "Exit codes").
const (
	codeOK    = 0
	codeError = 1
	codeUsage = 2
	codeGate  = 3 // a --fail-on condition was met
	// codeDamaged: an input was damaged but readable (damaged regions were
	// reported and skipped, the rest analyzed); below every other code.
	codeDamaged = 4
)

type analyzeOptions struct {
	json     bool
	failOn   []string
	all      bool
	evidence string
	filter   string
	maxConns int
	seq      []string
	pairs    []string
	noUDP    bool
	stats    []string
	plot     string
	html     string
	minConf  float64
	keep     int
	points   []string
	maxPkts  int
	threads  int
	order    string // --order: time or given
	fileList string // -V: more files, named one per line
	merge    bool   // --merge: the files merged packet by packet by time
	// UDP stream bounds (memory)
	maxStreams  int
	keepStreams int
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
Several files are read as one capture (rotated files), in the order of
their first packets' times (--order given: as given; a shell glob lists
tcpdump -C's files name, name1, name10, name2, ...; -V LIST names them
one per line). Captures made at the same time (several interfaces or hosts)
are analyzed merged packet by packet with --merge. Files compressed with
gzip, zstd, lz4 or bzip2 (tcpdump -z, logrotate) are read as they are,
whatever their names. Frames inside VXLAN, Geneve, GRE, ERSPAN and
IP-in-IP tunnels are analyzed as the frames inside (an underlay or a
mirror collector's capture); the filter accepts a tunnel packet when it
accepts it as captured or the frame inside (a filter that only excludes,
such as "not port 22", must accept both).

With --point NAME=FILE[,FILE...] given for each capture point in path order
(client, router, server; sender, switch, receiver), the captures are joined:
where the SMC option was stripped or added, where datagrams were lost,
duplicated or reordered, clock offsets and per-hop delays.

Exit status: 0 ok, 1 error reading input, 2 usage, 3 a --fail-on condition met,
4 an input was damaged (damaged regions skipped and reported, the rest analyzed).`,
		Example: `  smcdump analyze trace.pcapng
  smcdump analyze --point client=c.pcapng --point router=r.pcapng --point server=s.pcapng
  smcdump analyze --json trace.pcapng > report.json
  smcdump analyze --fail-on fallback,timeout ci-trace.pcapng
  smcdump analyze trace.pcapng -- host 10.1.1.10 and tcp port 5000
  ls /var/tmp/cap.pcapng* | smcdump analyze -V -
  smcdump analyze --merge eth0.pcapng eth1.pcapng`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(o.points) > 0 || o.fileList != "" {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.order != "time" && o.order != "given" {
				return &exitError{codeUsage, fmt.Errorf("analyze: --order %q: want time or given", o.order)}
			}
			if o.merge && (o.order == "given" || len(o.points) > 0) {
				return &exitError{codeUsage, errors.New("analyze: --merge merges the files by time: not with --order given or --point")}
			}
			if o.threads < 0 {
				return &exitError{codeUsage, fmt.Errorf("analyze: --threads %d: want 1 or more (0: the default)", o.threads)}
			}
			if len(o.points) > 0 {
				return runMultipoint(cmd, o, args)
			}
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
			if o.fileList != "" {
				listed, err := readFileList(o.fileList, cmd.InOrStdin())
				if err != nil {
					return &exitError{codeUsage, fmt.Errorf("analyze: %w", err)}
				}
				if o.fileList == "-" && slices.Contains(append(files, listed...), "-") {
					return &exitError{codeUsage, errors.New("analyze: -V - reads the file names from standard input: no capture can be read from it too")}
				}
				files = append(files, listed...)
			}
			if len(files) == 0 {
				return &exitError{codeUsage, errors.New("analyze: no capture file given")}
			}
			if f := cmd.Flags(); f.Changed("max-connections") && !f.Changed("keep") {
				fmt.Fprintln(cmd.ErrOrStderr(), "smcdump: --max-connections is deprecated, use --keep")
				o.keep = o.maxConns
				if o.keep == 0 {
					o.keep = -1 // 0 meant all
				}
			}
			return runAnalyze(cmd, o, files)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the report as JSON (schema smcdump.analyze/v2, see README)")
	f.StringSliceVar(&o.failOn, "fail-on", nil, "exit with status 3 when a condition holds: fallback, decline, timeout, error, unknown, unverified (SMC-R link not verifiable and TCP silent after the Confirm), option-echoed (a server echoed the SMC option without being an SMC listener), any, loss[=N] (messages missing in the capture), drops (kernel counters show the receiving host dropped or discarded datagrams: socket overflow, no socket, rp_filter, receive errors, group not joined, ...), icmp (ICMP errors in the capture say UDP datagrams were discarded after the capture point: port unreachable, TTL exceeded, no route, too big; traceroute's probes excepted) (comma-separated)")
	f.BoolVarP(&o.all, "all", "a", false, "also list plain TCP connections (no SMC option on the SYN)")
	f.StringVar(&o.evidence, "evidence", "auto", "per-connection evidence: auto (when ≤ 25 connections), yes, no")
	f.StringVarP(&o.fileList, "file-list", "V", "", "also read the capture files named in this file (one name per line; - for standard input), for rotations too long for the command line")
	f.BoolVar(&o.merge, "merge", false, "merge the files packet by packet by time stamp (as mergecap does) and analyze the result: captures of several interfaces or hosts made at the same time")
	f.StringVar(&o.order, "order", "time", "order of several files (one capture, e.g. a rotation): time (by each file's first packet) or given (as on the command line, as mergecap -a joins them)")
	f.StringVarP(&o.filter, "filter", "f", "", "pcap-filter expression applied to every frame before analysis (and to the frame inside a tunnel, or the IP packet behind MPLS labels or PPPoE)")
	// --max-connections overlapped --keep: a hidden, deprecated alias.
	f.IntVar(&o.maxConns, "max-connections", 0, "deprecated: use --keep")
	_ = f.MarkHidden("max-connections")
	f.StringArrayVar(&o.seq, "seq", nil, "force a UDP sequence format: FORMAT or SELECTOR=FORMAT (mtools, mtools-dec, rtp, ts, rtp-ts, moldudp64, mdp3, offset:O:W:be|le, none); repeatable")
	f.StringArrayVar(&o.pairs, "pair", nil, "A/B legs carrying the same feed: SELECTOR-A,SELECTOR-B (e.g. 239.1.1.1:5000,239.2.1.1:5000); repeatable")
	f.BoolVar(&o.noUDP, "no-udp", false, "skip the UDP stream (multicast gap) analysis")
	f.IntVar(&o.keep, "keep", analyze.DefaultMaxConnections, "connections kept in detail (memory bound); counts and groups always cover all; -1 = no limit")
	f.IntVar(&o.maxStreams, "max-streams", analyze.DefaultMaxStreams, "UDP streams tracked at once (memory bound); beyond it the least recently active are finished early and the report says so; -1 = no limit")
	f.IntVar(&o.keepStreams, "keep-streams", analyze.DefaultKeepStreams, "UDP streams listed in detail (memory bound): those with the most loss, gaps and undecodable datagrams, then the most traffic; the others are summed; -1 = no limit")
	f.StringVar(&o.plot, "plot", "", "write a plot of sequence number against time per UDP stream, gaps marked, to this file: SVG (name ending in .svg or without extension) or PNG (.png); - writes the SVG to standard output and the report to standard error")
	f.StringVar(&o.html, "html", "", "also write the report as one self-contained HTML page (handshake ladders, stream timelines, counters) to this file; - writes it to standard output and the report to standard error")
	f.Float64Var(&o.minConf, "min-confidence", 0, "UDP sequence-format detection confidence (0..1) below which a stream is only counted (0 = 0.5)")
	f.StringArrayVar(&o.stats, "stats", nil, "kernel counter snapshot taken around the capture (smcdump stats -o file, saved smcr stats / netstat -s / nstat text, or a directory of raw /proc and netlink files); give it twice: --stats BEFORE --stats AFTER")
	f.StringArrayVar(&o.points, "point", nil, "a capture point NAME=FILE[,FILE...], repeated in path order (e.g. --point client=c.pcapng --point router=r.pcapng --point server=s.pcapng): join the points and say where the SMC option was stripped or datagrams were lost; --fail-on stripped, lost-between")
	f.IntVar(&o.threads, "threads", 0, "goroutines analyzing a capture file: 1 reads, decompresses, decodes and analyzes in one; 2 (the default when more than one CPU is available) reads in one while the other decodes and analyzes, with --json a third encodes the connection list, and a bzip2 file is decompressed on every CPU (same output)")
	f.IntVar(&o.maxPkts, "max-packets", 0, "with --point: TCP/UDP packets kept per point for matching (memory bound; 0 = 2000000)")
	return cmd
}

func runAnalyze(cmd *cobra.Command, o analyzeOptions, files []string) error {
	gates, err := report.ParseGates(o.failOn)
	if err != nil {
		return &exitError{codeUsage, err}
	}
	plotFmt, err := plotFormat(o.plot)
	if err != nil {
		return &exitError{codeUsage, err}
	}
	if o.plot == "-" && o.html == "-" {
		return &exitError{codeUsage, errors.New("analyze: --plot - and --html - both want standard output")}
	}
	cfg := analyze.Config{All: o.all, NoUDP: o.noUDP, MaxConnections: o.keep, Threads: o.threads, GivenOrder: o.order == "given", Merge: o.merge}
	if o.keep >= 0 && os.Getenv("GOMEMLIMIT") == "" {
		// The analysis' tables are bounded (docs/architecture.md "Memory
		// bounds"); a soft limit keeps the garbage collector from letting
		// the heap grow to twice the live data (GOMEMLIMIT overrides).
		debug.SetMemoryLimit(analyzeMemoryLimit)
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(analyzeGCPercent)
		}
	}
	for _, p := range o.stats {
		snap, err := analyze.LoadSnapshot(p)
		if err != nil {
			return &exitError{codeError, fmt.Errorf("--stats %s: %v", p, err)}
		}
		cfg.Snapshots = append(cfg.Snapshots, snap)
	}
	for _, r := range o.seq {
		rule, err := mcast.ParseSeqRule(r)
		if err != nil {
			return &exitError{codeUsage, fmt.Errorf("--seq %s: %v", r, err)}
		}
		cfg.Multicast.Seq = append(cfg.Multicast.Seq, rule)
	}
	for _, p := range o.pairs {
		pair, err := mcast.ParsePair(p)
		if err != nil {
			return &exitError{codeUsage, err}
		}
		cfg.Multicast.Pairs = append(cfg.Multicast.Pairs, pair)
	}
	cfg.Multicast.MinConfidence = o.minConf
	if o.maxStreams == 0 || o.keepStreams == 0 {
		return &exitError{codeUsage, errors.New("analyze: --max-streams and --keep-streams must be positive, or -1 for no limit")}
	}
	cfg.Multicast.MaxStreams, cfg.Multicast.FinishWhenFull, cfg.Multicast.KeepStreams = max(o.maxStreams, -1), true, max(o.keepStreams, -1)
	cfg.Multicast.Plot = o.plot != "" || o.html != ""
	var embedded analyze.SnapshotSpan // for --html: the smc-tools tables (earliest and latest only)
	if o.html != "" && len(cfg.Snapshots) == 0 {
		cfg.Custom = func(_ int, cb pcapfile.CustomBlock) {
			// Decoded lazily: only the two kept ones completely (the
			// analysis reports the blocks that cannot be decoded).
			embedded.AddBlock("", cb)
		}
	}
	if o.filter != "" {
		flt, err := bpffilter.NewExpr(o.filter, bpffilter.Offline)
		if err != nil {
			return &exitError{codeUsage, err}
		}
		cfg.Filter = flt
	}
	cfg.Stdin = cmd.InOrStdin()
	out := cmd.OutOrStdout()
	if o.plot == "-" || o.html == "-" {
		out = cmd.ErrOrStderr() // standard output carries the plot or page
	}
	var jw *report.JSONWriter
	if o.json {
		// Every connection is written as the analysis finishes it, not
		// kept (--keep bounds only the list --html shows).
		jw = report.NewJSONWriter(out)
		cfg.OnListed = jw.Connection
		cfg.KeepNone = o.html == ""
		if cfg.Parallel() {
			// A third goroutine encodes the connections (same output).
			jw.Go()
			cfg.ListedLag = report.JSONLag
		}
	}
	rep, runErr := analyze.Run(context.Background(), cfg, files)
	if jw != nil {
		// The connections written before anything else goes out (the
		// messages below may share standard error with the report).
		if err := jw.Wait(); err != nil {
			return err
		}
	}
	for _, f := range rep.Files {
		for _, sk := range f.FilterSkipped {
			fmt.Fprintf(cmd.ErrOrStderr(), "smcdump: %s: filter: %s\n", f.Path, sk.Text)
		}
	}
	if runErr != nil && (jw == nil || !jw.Started()) {
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
	if jw != nil {
		if err := jw.Finish(rep); err != nil {
			return err
		}
	} else {
		ev := o.evidence == "yes" || o.evidence == "auto" && len(rep.Connections)+rep.Rows.Len() <= 25
		if err := rep.WriteText(out, report.TextOptions{Evidence: ev}); err != nil {
			return err
		}
	}
	if o.plot != "" {
		if err := writePlot(o.plot, plotFmt, rep, cmd.OutOrStdout()); err != nil {
			return &exitError{codeError, err}
		}
	}
	if o.html != "" {
		snaps := cfg.Snapshots
		if len(snaps) == 0 && !embedded.Empty() {
			snaps = []*kstat.Snapshot{embedded.Earliest()}
			if embedded.Several() {
				snaps = append(snaps, embedded.Latest())
			}
		}
		if err := writeHTML(o.html, rep, snaps, cmd.OutOrStdout()); err != nil {
			return &exitError{codeError, err}
		}
	}
	if runErr != nil {
		return &exitError{codeError, runErr}
	}
	for _, c := range rep.Caveats(gates) {
		fmt.Fprintln(cmd.ErrOrStderr(), "smcdump: "+c)
	}
	if msg := rep.Check(gates); msg != "" {
		return &exitError{codeGate, errors.New(msg)}
	}
	if rep.Damaged() {
		return &exitError{codeDamaged, fmt.Errorf("damaged input: %d damaged region(s), %d bytes skipped (the rest was analyzed)", rep.Summary.DamagedRegions, rep.Summary.SkippedBytes)}
	}
	return nil
}

// analyzeMemoryLimit is the Go runtime's soft memory limit for analyze (the
// live data stays below it with the default bounds: at most about 45 MB,
// with 8192 open SMC handshakes). Peak RSS is about this plus the read
// buffers (4 MiB, analyze/pipeline.go) plus the binary's resident pages
// (about 10 MiB): under 85 MiB for every stress input (docs/architecture.md
// "Memory bounds"). 88 MiB let it reach 112; 60 MiB made 8192 open
// handshakes cost 27% more CPU in the collector.
const analyzeMemoryLimit = 64 << 20

// analyzeGCPercent is the collector's growth target under that limit (GOGC
// overrides): the heap may grow to three times the live data rather than
// twice, still never past the limit, so the memory bound is the limit's
// and captures with a small live heap and much short-lived garbage are
// collected less often. 200,000 short UDP flows: 2.55 -> 2.15 s of CPU
// (peak RSS 43 -> 57 MiB), a million open handshakes 5.0 -> 4.6 s (RSS the
// same, at the limit); the corpora within noise (GOGC=200 against 100,
// two runs each).
const analyzeGCPercent = 200

// plotFormat returns the image format for a --plot name: "svg" for "-",
// names ending in .svg and names without an extension, "png" for .png; any
// other extension is a usage error (nothing is analyzed).
func plotFormat(name string) (string, error) {
	if name == "" || name == "-" {
		return "svg", nil
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".svg", "":
		return "svg", nil
	case ".png":
		return "png", nil
	default:
		return "", fmt.Errorf("--plot %s: unknown image format %q (want a name ending in .svg or .png, or - for SVG on standard output)", name, ext)
	}
}

// writePlot writes the multicast plot as SVG or PNG to the file path, or
// as SVG to stdout for "-".
func writePlot(path, format string, rep *report.Report, stdout io.Writer) error {
	if rep.Multicast == nil {
		return fmt.Errorf("--plot: the capture has no UDP streams to plot")
	}
	write := rep.Multicast.WritePlot
	if format == "png" {
		write = rep.Multicast.WritePlotPNG
	}
	if path == "-" {
		if err := write(stdout); err != nil {
			return fmt.Errorf("--plot: %v", err)
		}
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %v", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("--plot: %v", err)
	}
	return f.Close()
}
