// Package session runs a live capture end to end: it opens the capture
// handle, writes the packets to a (rotating) pcapng or pcap output with the
// kernel-counter snapshots and the ring's statistics, hands every packet to
// a consumer (the printer, or a live analysis), and stops on a packet
// count, a write limit, context cancellation or SIGINT/SIGTERM. SIGUSR1
// reports the counters and SIGUSR2 flushes the output where the system has
// them. It is the library behind "smcdump -i"; the CLI only turns flags
// into a Config.
package session

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// ErrStop, returned by Config.Opened, ends Run early without an error
// (e.g. after listing the data link types).
var ErrStop = errors.New("session: stop")

// Config configures Run.
type Config struct {
	// Capture configures the capture handle.
	Capture capture.Config
	// Open opens the handle; nil means capture.Open (tests replace it).
	Open func(capture.Config) (*capture.Handle, error)
	// Output, when not nil, writes the packets to a file. Run fills in its
	// Interfaces, Stats, FlushError and Snapshot.
	Output *pcapfile.OutputConfig
	// Count stops after this many packets (0: no limit).
	Count uint64
	// Packet, when set, is called for every packet, in order (after it was
	// written, when writing). The packet is valid only during the call. An
	// error stops the capture and is returned.
	Packet func(p *pcapfile.Packet) error
	// Snapshot takes a kernel-counter snapshot (JSON, see
	// pcapfile.Output.WriteKstat) for a pcapng Output: one before the
	// capture starts, one every SnapshotInterval, one at each rotation and
	// one at the end. Nil stores none.
	Snapshot func(ctx context.Context) ([]byte, error)
	// SnapshotInterval is the period of the snapshots (0: only at the start,
	// at rotations and at the end).
	SnapshotInterval time.Duration
	// Opened is called once the handle is open, before the output is
	// (checks on the interfaces). ErrStop ends Run with a nil error.
	Opened func(h *capture.Handle) error
	// Ready is called once the output (nil when not writing) is open, before
	// the first packet is read (drop privileges, print the banner).
	Ready func(h *capture.Handle, out *pcapfile.Output) error
	// Warn receives problems that do not stop the capture (a snapshot that
	// could not be taken); it is called at most once. May be nil.
	Warn func(error)
	// Progress, when set, is called every second with the number of
	// packets handled so far (from another goroutine).
	Progress func(n uint64)
	// Signals makes Run handle SIGINT and SIGTERM (stop), SIGUSR1 (call
	// Info) and SIGUSR2 (flush the output) while it runs.
	Signals bool
	// Info is called on SIGUSR1 with the packets handled so far and the
	// ring counters. May be nil.
	Info func(n uint64, c capture.Counters)
	// KeepCapturing, with Packet, goes on handing packets to Packet after
	// the output reached its file limit (-G with -W: the files are done)
	// instead of stopping (the live monitor).
	KeepCapturing bool
	// Drained, when set, is called once the last packet was handled, before
	// the final snapshot is taken and the output is closed (flush what the
	// consumer buffered).
	Drained func()
}

// Result describes a finished capture.
type Result struct {
	// Packets is the number of packets handled: written to the files when
	// writing (packets still buffered at a write error never reached
	// them), delivered otherwise.
	Packets uint64
	// Lost counts packets lost to a write error: read from the ring but
	// never written.
	Lost uint64
	// Counters are the ring counters of all interfaces.
	Counters capture.Counters
	// Rings are the counters of every ring (several per interface with
	// capture.Config.Fanout).
	Rings []capture.RingCounters
}

// session is one running capture.
type session struct {
	cfg      Config
	h        *capture.Handle
	out      *pcapfile.Output
	rec      *recorder
	captured atomic.Uint64
}

// Run runs the capture until Count packets were handled, the output's file
// limit is reached, ctx is cancelled, a signal stops it, or an error
// occurs; then it writes the final snapshot, closes the output and returns
// the counts. Packets already in the ring when it stops are still handled.
func Run(ctx context.Context, cfg Config) (Result, error) {
	s := &session{cfg: cfg}
	open := cfg.Open
	if open == nil {
		open = capture.Open
	}
	// The first kernel-counter snapshot is taken before the capture starts,
	// so that it precedes the first packet (capture/PCAPNG.md).
	var first []byte
	if cfg.Output != nil && cfg.Output.Format == pcapfile.FormatPcapng && cfg.Snapshot != nil {
		s.rec = newRecorder(cfg.Snapshot, cfg.SnapshotInterval, cfg.Warn)
		first = s.rec.snapshot()
	}
	h, err := open(cfg.Capture)
	if err != nil {
		return Result{}, err
	}
	defer h.Close()
	s.h = h
	if cfg.Opened != nil {
		if err := cfg.Opened(h); err != nil {
			if errors.Is(err, ErrStop) {
				return Result{}, nil
			}
			return Result{}, err
		}
	}
	if cfg.Output != nil {
		oc := *cfg.Output
		oc.Interfaces = h.Interfaces()
		oc.Stats = func() ([]pcapfile.InterfaceStats, error) {
			st, err := h.Stats()
			return st.ISBs(), err
		}
		// e.g. disk full while no packet arrives
		prevFE := oc.FlushError
		oc.FlushError = func(err error) {
			if prevFE != nil {
				prevFE(err)
			}
			h.Stop()
		}
		if s.rec != nil {
			oc.Snapshot = s.rec.boundary
		}
		if s.out, err = pcapfile.NewOutput(oc); err != nil {
			return Result{}, err
		}
		if s.rec != nil {
			s.rec.start(s.out, first)
		}
	}
	var res Result
	closed := false
	closeOut := func() error {
		if closed {
			return nil
		}
		closed = true
		if s.rec != nil {
			s.rec.stop() // final snapshot before the ISBs
		}
		if s.out == nil {
			return nil
		}
		err := s.out.Close()
		res.Packets, res.Lost = s.out.Packets()
		return err
	}
	defer closeOut()
	if cfg.Ready != nil {
		if err := cfg.Ready(h, s.out); err != nil {
			return Result{}, err
		}
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(done); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			h.Stop()
		case <-done:
		}
	}()
	if cfg.Signals {
		stopSignals := s.handleSignals(done)
		defer stopSignals()
	}
	if cfg.Progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := time.NewTicker(time.Second)
			defer tk.Stop()
			for {
				select {
				case <-done:
					return
				case <-tk.C:
					cfg.Progress(s.captured.Load())
				}
			}
		}()
	}

	unwritten, runErr := s.loop()
	if cfg.Drained != nil {
		cfg.Drained()
	}
	cerr := closeOut()
	st, _ := h.Stats()
	res.Counters = st.Total()
	res.Rings = st.Rings
	if s.out == nil {
		res.Packets = s.captured.Load()
	}
	res.Lost += unwritten
	if runErr == nil {
		runErr = cerr
	}
	return res, runErr
}

// loop reads batches until the end; it returns the number of packets read
// but refused after a write error, and the error that ended it.
func (s *session) loop() (unwritten uint64, runErr error) {
	cfg := s.cfg
	batch := make([]pcapfile.Packet, 512) // one ring block per call
	var n uint64                          // packets handled; the loop owns it
	writing := true                       // the output takes packets
	for {
		want := batch
		if cfg.Count > 0 {
			want = batch[:min(uint64(len(batch)), cfg.Count-n)]
		}
		got, err := s.h.NextBatch(want)
		if err == io.EOF {
			return unwritten, nil
		}
		if err != nil {
			return unwritten, err
		}
		pk := want[:got]
		stop := false
		if s.out != nil && writing {
			w, err := s.out.WritePackets(pk)
			pk = pk[:w] // the consumer sees what was written
			if cfg.Packet == nil {
				n += uint64(w)
			}
			if err != nil {
				switch {
				case !errors.Is(err, pcapfile.ErrFileLimit):
					runErr = err
					unwritten = uint64(got - w) // read from the ring, never written
					stop = true
				case cfg.KeepCapturing && cfg.Packet != nil:
					writing = false // the files are done; the consumer goes on
					pk = want[:got]
				default:
					stop = true
				}
			}
		}
		if cfg.Packet != nil {
			for i := range pk {
				if err := cfg.Packet(&pk[i]); err != nil {
					s.captured.Store(n)
					return unwritten, err
				}
				n++
			}
		}
		s.captured.Store(n) // published for Progress and Info
		if stop || cfg.Count > 0 && n >= cfg.Count {
			return unwritten, runErr
		}
	}
}

// flush writes the output's buffered data (SIGUSR2).
func (s *session) flush() {
	if s.out != nil {
		_ = s.out.Flush()
	}
}

// info reports the counters (SIGUSR1).
func (s *session) info() {
	if s.cfg.Info == nil {
		return
	}
	st, _ := s.h.Stats()
	s.cfg.Info(s.captured.Load(), st.Total())
}
