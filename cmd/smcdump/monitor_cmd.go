package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze/monitor"
	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/bpffilter"
)

func init() { registerCommand(newMonitorCmd) }

type monitorOptions struct {
	ifaces        []string
	json          bool
	listen        string
	noCapture     bool
	statsEvery    time.Duration
	snaplen       int
	bufferKiB     int
	noPromisc     bool
	noFollowFrags bool
	write         string
	rotateSize    string
	rotateSecs    int
	maxFiles      int
	maxConns      int
	maxStreams    int
	streamIdle    time.Duration
	maxExported   int
	maxServers    int
}

func newMonitorCmd() *cobra.Command {
	var o monitorOptions
	cmd := &cobra.Command{
		Use:   "monitor -i IFACE [-i IFACE...] [flags] [FILTER-EXPRESSION]",
		Short: "Live SMC verdicts and multicast loss, as events and Prometheus metrics",
		Long: `Captures like "smcdump -i" and runs the analysis of "smcdump analyze" on the
live frames. Prints one line per event as it happens (--json: JSON lines):
a connection's SMC verdict when its handshake resolves, a multicast gap, a
UDP stream starting and stopping, capture drops, and every --stats-interval
the kernel-counter verdicts of that interval. --listen serves Prometheus
metrics at /metrics. --no-capture exports only the kernel counters.
An interface that goes down or is deleted does not stop the monitor: it
is reported (an interface event, stderr, smcdump_capture_interface_up 0),
the other interfaces are still captured, and capturing resumes on it when
it is back (also re-created under the same name); the gaps its streams
show across the outage are outage-gap events, not loss.
Memory is bounded by the --max-* limits. Stops on SIGINT/SIGTERM.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMonitor(cmd, &o, strings.Join(args, " "))
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.ifaces, "interface", "i", nil, "capture on this interface (repeatable)")
	f.BoolVar(&o.json, "json", false, "print events as JSON lines (schema smcdump.monitor/v1)")
	f.StringVar(&o.listen, "listen", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. :9797)")
	f.BoolVar(&o.noCapture, "no-capture", false, "do not capture: export only the kernel counters (needs --listen)")
	f.DurationVar(&o.statsEvery, "stats-interval", 10*time.Second, "collect kernel counters and correlate them with the capture this often")
	f.IntVarP(&o.snaplen, "snapshot-length", "s", 0, "bytes to keep per packet (0 = 262144)")
	f.IntVarP(&o.bufferKiB, "buffer-size", "B", capture.DefaultBufferKiB, "ring buffer size in KiB per interface")
	f.BoolVarP(&o.noPromisc, "no-promiscuous-mode", "p", false, "do not put the interface into promiscuous mode")
	f.BoolVar(&o.noFollowFrags, "no-follow-fragments", false, followFragmentsUsage)
	f.StringVarP(&o.write, "write", "w", "", "also write the packets to this pcapng file (as smcdump -w)")
	f.StringVarP(&o.rotateSize, "file-size", "C", "", "with -w: new file when the current one exceeds this many millions of bytes")
	f.IntVarP(&o.rotateSecs, "rotate-seconds", "G", 0, "with -w: new file every this many seconds")
	f.IntVarP(&o.maxFiles, "file-count", "W", 0, "with -C: ring of this many files; with -G: stop writing after this many files")
	f.IntVar(&o.maxConns, "max-connections", monitor.DefaultMaxConnections, "TCP connections followed at once (the least recently active beyond it are finished early)")
	f.IntVar(&o.maxStreams, "max-streams", monitor.DefaultMaxStreams, "UDP streams tracked at once (beyond it the least recently active eighth stop, as idle streams do)")
	f.DurationVar(&o.streamIdle, "stream-idle", monitor.DefaultStreamIdle, "a UDP stream without datagrams for this long stops and leaves memory")
	f.IntVar(&o.maxExported, "max-exported-streams", monitor.DefaultMaxExportedStreams, "UDP streams with their own metric series")
	f.IntVar(&o.maxServers, "max-exported-servers", monitor.DefaultMaxExportedServers, "distinct server label values of the handshake metrics (then \"other\")")
	return cmd
}

func runMonitor(cmd *cobra.Command, o *monitorOptions, expr string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.maxConns <= 0 || o.maxStreams <= 0 || o.maxExported < 0 || o.maxServers <= 0 || o.streamIdle <= 0 || o.statsEvery <= 0 {
		return usageErr("the --max-* limits, --stream-idle and --stats-interval must be positive")
	}
	if o.statsEvery < time.Second {
		// each snapshot reads /proc and netlink tables: a few ms, more
		// with many sockets
		return usageErr("--stats-interval must be 1s or more (got %v)", o.statsEvery)
	}
	rc := monitor.RunConfig{
		Engine: monitor.Config{
			MaxConnections: o.maxConns, MaxStreams: o.maxStreams, StreamIdle: o.streamIdle,
			MaxExportedStreams: o.maxExported, MaxExportedServers: o.maxServers,
		},
		Listen: o.listen, StatsInterval: o.statsEvery, Events: stdout, JSON: o.json, Stderr: stderr,
	}
	if o.noCapture {
		if o.listen == "" {
			return usageErr("--no-capture needs --listen")
		}
		if len(o.ifaces) > 0 || o.write != "" || expr != "" {
			return usageErr("--no-capture takes no -i, -w or filter")
		}
	} else {
		if len(o.ifaces) == 0 {
			return usageErr("monitor needs -i IFACE (or --no-capture)")
		}
		if o.snaplen < 0 || o.bufferKiB <= 0 {
			return usageErr("invalid snapshot length or buffer size")
		}
		var names []string
		for _, i := range o.ifaces {
			n, err := capture.ResolveDevice(i)
			if err != nil {
				return usageErr("%v", err)
			}
			names = append(names, n)
		}
		cc := capture.Config{Interfaces: names, Snaplen: o.snaplen, BufferKiB: o.bufferKiB, NoPromisc: o.noPromisc, Direction: capture.DirectionInOut, NoFollowFragments: o.noFollowFrags}
		if expr != "" {
			flt, err := bpffilter.NewExpr(expr, bpffilter.Live)
			if err != nil {
				return usageErr("%v", err)
			}
			cc.Filter = flt
		}
		rc.Capture = &cc
		if o.write != "" {
			co := captureOptions{write: o.write, rotateSize: o.rotateSize, rotateSecs: o.rotateSecs, maxFiles: o.maxFiles, format: "pcapng"}
			oc, err := co.outputConfig(stdout, nil, nil)
			if err != nil {
				return err
			}
			rc.Output = &oc
		} else if o.rotateSize != "" || o.rotateSecs != 0 || o.maxFiles != 0 {
			return usageErr("-C, -G and -W need -w")
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return monitor.Run(ctx, rc)
}
