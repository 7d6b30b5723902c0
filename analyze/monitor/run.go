package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/kstat"
)

// RunConfig configures Run (smcdump monitor).
type RunConfig struct {
	Engine Config
	// Capture opens the live capture; nil means stats-only (--no-capture):
	// only the kernel counters are collected and exported.
	Capture *capture.Config
	// Output, when set, also writes the captured packets (-w, -C, -G, -W:
	// the same writer as smcdump -w). Interfaces, Stats and Snapshot are
	// filled in by Run.
	Output *capture.OutputConfig
	// Listen, when set, serves the Prometheus metrics at /metrics.
	Listen string
	// StatsInterval is how often kernel counters are collected (metrics,
	// and a counters event correlating the interval); 0 = 10 s.
	StatsInterval time.Duration
	// Events receives the event lines (text, or JSON lines with JSON).
	Events io.Writer
	JSON   bool
	// Stderr receives the startup lines and warnings.
	Stderr io.Writer
	// Collect takes a kernel counter snapshot; nil = kstat.Collect.
	Collect func(ctx context.Context) (*kstat.Snapshot, error)
	// Listening, when set, is called with the metrics address once it
	// accepts connections.
	Listening func(addr net.Addr)
}

// Run monitors until ctx is done, then finishes the analysis (open
// connections get their verdicts, streams their final counts) and returns.
func Run(ctx context.Context, rc RunConfig) error {
	if rc.StatsInterval <= 0 {
		rc.StatsInterval = 10 * time.Second
	}
	if rc.Stderr == nil {
		rc.Stderr = io.Discard
	}
	if rc.Events == nil {
		rc.Events = io.Discard
	}
	collect := rc.Collect
	if collect == nil {
		collect = func(ctx context.Context) (*kstat.Snapshot, error) { return kstat.Collect(ctx, kstat.Options{}) }
	}
	var werr error
	ec := rc.Engine
	ec.Emit = func(ev *Event) {
		if werr != nil {
			return
		}
		if rc.JSON {
			werr = ev.WriteJSON(rc.Events)
		} else {
			werr = ev.WriteText(rc.Events)
		}
	}
	e := New(ec)

	var warned atomic.Bool
	snapshot := func() *kstat.Snapshot {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := collect(cctx)
		if err != nil {
			if !warned.Swap(true) {
				fmt.Fprintf(rc.Stderr, "smcdump: kernel counters not collected: %v\n", err)
			}
			return nil
		}
		return s
	}

	var srv *http.Server
	srvDone := make(chan error, 1)
	if rc.Listen != "" {
		ln, err := net.Listen("tcp", rc.Listen)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(e.Registry(), promhttp.HandlerOpts{}))
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintln(w, "smcdump monitor: metrics at /metrics")
		})
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { srvDone <- srv.Serve(ln) }()
		fmt.Fprintf(rc.Stderr, "smcdump: metrics at http://%s/metrics\n", ln.Addr())
		if rc.Listening != nil {
			rc.Listening(ln.Addr())
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
	}

	// The first snapshot precedes the first packet.
	e.Counters(snapshot())

	var h *capture.Handle
	var out *capture.Output
	if rc.Capture != nil {
		var err error
		if h, err = capture.Open(*rc.Capture); err != nil {
			return err
		}
		defer h.Close()
		for _, ifc := range h.Interfaces() {
			fmt.Fprintf(rc.Stderr, "smcdump: monitoring %s, link-type %s, snapshot length %d bytes\n",
				ifc.Name, capture.LinkTypeName(ifc.LinkType), ifc.Snaplen)
		}
		if rc.Output != nil {
			oc := *rc.Output
			oc.Interfaces = h.Interfaces()
			oc.Stats = h.Stats
			oc.FlushInterval = capture.DefaultFlushInterval
			oc.FlushError = func(error) { h.Stop() }
			oc.Snapshot = func() ([]byte, time.Time, bool) {
				s := snapshot()
				if s == nil {
					return nil, time.Time{}, false
				}
				b, err := s.MarshalJSON()
				return b, s.TakenAt, err == nil
			}
			if out, err = capture.NewOutput(oc); err != nil {
				return err
			}
		}
	}

	// Time, capture statistics and kernel counters, from a second
	// goroutine (the engine is safe for that).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	captureStats := func() {
		if h == nil {
			return
		}
		st, err := h.Stats()
		if err != nil {
			return
		}
		ifs := h.Interfaces()
		now := time.Now()
		for i, is := range st.Interfaces {
			if i < len(ifs) {
				e.CaptureStats(i, ifs[i].Name, is.Received, is.Dropped, now)
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		next := time.Now().Add(rc.StatsInterval)
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				captureStats()
				e.Tick(now)
				if !now.Before(next) {
					next = now.Add(rc.StatsInterval)
					if s := snapshot(); s != nil {
						e.Counters(s)
						if out != nil {
							if b, err := s.MarshalJSON(); err == nil {
								_ = out.WriteKstat(b)
							}
						}
					}
				}
			}
		}
	}()
	if h != nil {
		go func() {
			select {
			case <-ctx.Done():
				h.Stop()
			case <-stop:
			}
		}()
	}

	var runErr error
	if h != nil {
		runErr = captureLoop(h, out, e)
	} else {
		<-ctx.Done()
	}
	close(stop)
	wg.Wait()
	captureStats()
	if s := snapshot(); s != nil {
		if out != nil {
			if b, err := s.MarshalJSON(); err == nil {
				_ = out.WriteKstat(b)
			}
		}
		e.Counters(s)
	}
	e.Close()
	if out != nil {
		if err := out.Close(); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr == nil {
		runErr = werr
	}
	if srv != nil {
		select {
		case err := <-srvDone:
			if err != nil && !errors.Is(err, http.ErrServerClosed) && runErr == nil {
				runErr = err
			}
		default:
		}
	}
	return runErr
}

// captureLoop reads the ring until the capture stops, writing the packets
// (with an Output) and feeding the engine.
func captureLoop(h *capture.Handle, out *capture.Output, e *Engine) error {
	ifaces := h.Interfaces()
	batch := make([]capture.Packet, 512)
	var ap analyze.Packet
	writing := out != nil
	for {
		n, err := h.NextBatch(batch)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		pk := batch[:n]
		if writing {
			if _, err := out.WritePackets(pk); err != nil {
				if !errors.Is(err, capture.ErrFileLimit) {
					return err
				}
				writing = false // -G with -W: the files are done, monitoring goes on
			}
		}
		for i := range pk {
			p := &pk[i]
			ap = analyze.Packet{LinkType: analyze.LinkType(ifaces[p.Iface].LinkType), Interface: ifaces[p.Iface].Name, Data: p.Data}
			ap.Info.Timestamp = p.Info.Timestamp.UTC()
			ap.Info.CaptureLength = p.Info.CaptureLength
			ap.Info.Length = p.Info.Length
			ap.Info.InterfaceIndex = p.Iface
			if p.PktType == capture.PacketOutgoing {
				ap.Direction = 2
			} else {
				ap.Direction = 1
			}
			e.Packet(&ap)
		}
	}
}
