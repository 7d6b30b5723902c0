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

	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/collect"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/capture/session"
)

// RunConfig configures Run (smcdump monitor).
type RunConfig struct {
	Engine Config
	// Capture opens the live capture; nil means stats-only (--no-capture):
	// only the kernel counters are collected and exported.
	Capture *capture.Config
	// Output, when set, also writes the captured packets (-w, -C, -G, -W:
	// the same writer as smcdump -w, through capture/session). Interfaces,
	// Stats and Snapshot are filled in by Run.
	Output *pcapfile.OutputConfig
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
	// Collect takes a kernel counter snapshot; nil = collect.Collect.
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
	take := rc.Collect
	if take == nil {
		take = func(ctx context.Context) (*kstat.Snapshot, error) { return collect.Collect(ctx, collect.Options{}) }
	}
	var werr error
	ec := rc.Engine
	ec.NoCapture = rc.Capture == nil
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
		s, err := take(cctx)
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

	// The capture runs in capture/session (ring, output, rotation); the
	// handle and the output are published for the statistics goroutine
	// once they are open.
	var hp atomic.Pointer[capture.Handle]
	var op atomic.Pointer[pcapfile.Output]
	writeKstat := func(s *kstat.Snapshot) {
		if out := op.Load(); out != nil {
			if b, err := s.MarshalJSON(); err == nil {
				_ = out.WriteKstat(b)
			}
		}
	}
	var scfg session.Config
	if rc.Capture != nil {
		cc := *rc.Capture
		// An interface that goes down or is deleted does not stop the
		// monitor: it is reported, the others are captured on, and the
		// capture resumes on it when it is back.
		prevOnLink := cc.OnLink
		cc.OnLink = func(ev capture.LinkEvent) {
			e.Link(ev)
			linkLine(rc.Stderr, ev, len(cc.Interfaces))
			if prevOnLink != nil {
				prevOnLink(ev)
			}
		}
		scfg = session.Config{
			Capture:       cc,
			KeepCapturing: true, // -G with -W: monitoring goes on after the last file
			Ready: func(h *capture.Handle, out *pcapfile.Output) error {
				var names []string
				for _, ifc := range h.Interfaces() {
					names = append(names, ifc.Name)
				}
				e.Interfaces(names)
				for _, ifc := range h.Interfaces() {
					fmt.Fprintf(rc.Stderr, "smcdump: monitoring %s, link-type %s, snapshot length %d bytes\n",
						ifc.Name, ifc.LinkType, ifc.SnapLen)
				}
				hp.Store(h)
				if out != nil {
					op.Store(out)
				}
				return nil
			},
			Packet: func(p *pcapfile.Packet) error {
				e.Packet(p)
				return nil
			},
		}
		if rc.Output != nil {
			oc := *rc.Output
			oc.FlushInterval = pcapfile.DefaultFlushInterval
			oc.Snapshot = func() ([]byte, time.Time, bool) {
				s := snapshot()
				if s == nil {
					return nil, time.Time{}, false
				}
				b, err := s.MarshalJSON()
				return b, s.TakenAt, err == nil
			}
			scfg.Output = &oc
		}
	}

	// Time, capture statistics and kernel counters, from a second
	// goroutine (the engine is safe for that).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	captureStats := func() {
		h := hp.Load()
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
		// Snapshots on a ticker of their own: every StatsInterval, not
		// at the first second tick after it (which made 2s intervals
		// 2 to 3 s long).
		snap := time.NewTicker(rc.StatsInterval)
		defer snap.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				captureStats()
				e.Tick(now)
			case now := <-snap.C:
				captureStats()
				e.Tick(now)
				if s := snapshot(); s != nil {
					e.Counters(s)
					writeKstat(s)
				}
			}
		}
	}()

	var runErr error
	final := func() {
		// The last packet is handled and the output still open: the ring
		// counters and the final snapshot.
		close(stop)
		wg.Wait()
		captureStats()
		if s := snapshot(); s != nil {
			writeKstat(s)
			e.Counters(s)
		}
		op.Store(nil)
	}
	if rc.Capture != nil {
		var finalled atomic.Bool
		scfg.Drained = func() { finalled.Store(true); final() }
		_, runErr = session.Run(ctx, scfg)
		if !finalled.Load() {
			final() // the capture never started (open failed)
		}
	} else {
		<-ctx.Done()
		final()
	}
	e.Close()
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

// linkLine writes the stderr line of an interface going down or coming back.
func linkLine(w io.Writer, ev capture.LinkEvent, nIfaces int) {
	switch {
	case ev.Retry:
		fmt.Fprintf(w, "smcdump: %s is back but the capture cannot resume on it: %v\n", ev.Name, ev.Err)
	case ev.Up:
		fmt.Fprintf(w, "smcdump: %s is up again (ifindex %d): capturing on it again\n", ev.Name, ev.Ifindex)
	default:
		what := "went down"
		if ev.Gone {
			what = "was deleted"
		}
		goesOn := "monitoring goes on on the other interfaces"
		if nIfaces == 1 {
			goesOn = "monitoring goes on"
		}
		fmt.Fprintf(w, "smcdump: %s %s (%v): %s; capturing on %s again when it is back (looked up every second)\n", ev.Name, what, ev.Err, goesOn, ev.Name)
	}
}
