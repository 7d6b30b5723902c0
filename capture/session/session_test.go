package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestOpenError: a handle that cannot be opened ends Run with that error
// (no root needed).
func TestOpenError(t *testing.T) {
	want := errors.New("no such device")
	_, err := Run(t.Context(), Config{Open: func(capture.Config) (*capture.Handle, error) { return nil, want }})
	if !errors.Is(err, want) {
		t.Fatalf("Run = %v, want %v", err, want)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (CAP_NET_RAW); CI runs as root")
	}
}

// udpPort returns a free UDP port on loopback.
func udpPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sendUDP sends n datagrams to 127.0.0.1:port, then keeps sending (one
// every 10 ms, at most 500) until stop is closed, so that a capture that
// started late still sees its count.
func sendUDP(t *testing.T, port int, stop <-chan struct{}) {
	c, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	for i := range 500 {
		select {
		case <-stop:
			return
		default:
		}
		_, _ = c.Write([]byte{byte(i)})
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunWritesAndDelivers captures a bounded number of loopback
// datagrams: each is written to the pcapng file (between the first and the
// last kernel-counter snapshot, with the ring's ISB) and handed to the
// consumer, and Run stops at the count.
func TestRunWritesAndDelivers(t *testing.T) {
	needRoot(t)
	port := udpPort(t)
	flt, err := bpffilter.NewExpr(fmt.Sprintf("udp dst port %d", port), bpffilter.Live)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.pcapng")
	var snaps atomic.Int32
	stop := make(chan struct{})
	defer close(stop)
	var delivered []int
	const count = 5
	cfg := Config{
		Capture: capture.Config{Interfaces: []string{"lo"}, BufferKiB: 1024, Filter: flt},
		Output:  &pcapfile.OutputConfig{Path: path, Section: pcapfile.SectionInfo{Application: "session test"}},
		Count:   count,
		Snapshot: func(context.Context) ([]byte, error) {
			snaps.Add(1)
			return fmt.Appendf(nil, `{"taken_at":%q}`, time.Now().UTC().Format(time.RFC3339Nano)), nil
		},
		Packet: func(p *pcapfile.Packet) error {
			if p.Interface != "lo" || p.LinkType != pcapfile.LinkTypeEthernet {
				t.Errorf("packet %d on %q, link type %v", p.Frame, p.Interface, p.LinkType)
			}
			delivered = append(delivered, p.Frame)
			return nil
		},
		Ready: func(*capture.Handle, *pcapfile.Output) error {
			go sendUDP(t, port, stop)
			return nil
		},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second) // against hangs only
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != count || len(delivered) != count || res.Lost != 0 {
		t.Fatalf("result %+v, %d delivered, want %d", res, len(delivered), count)
	}
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var kstats int
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		if cb.PEN == pcapfile.KstatPEN {
			kstats++
		}
	}
	read := 0
	for {
		if _, err := fr.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		read++
	}
	if read != count || kstats < 2 || int(snaps.Load()) < 2 || len(fr.Stats()) != 1 {
		t.Fatalf("file: %d packets, %d snapshots (%d taken), %d ISBs; want %d packets, the first and last snapshot, one ISB",
			read, kstats, snaps.Load(), len(fr.Stats()), count)
	}
}

// TestRunStopsOnCancel: cancelling the context ends a capture that sees
// no packet, without error.
func TestRunStopsOnCancel(t *testing.T) {
	needRoot(t)
	port := udpPort(t)
	flt, err := bpffilter.NewExpr(fmt.Sprintf("udp dst port %d", port), bpffilter.Live)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	res, err := Run(ctx, Config{
		Capture: capture.Config{Interfaces: []string{"lo"}, BufferKiB: 1024, Filter: flt},
		Ready:   func(*capture.Handle, *pcapfile.Output) error { cancel(); return nil },
	})
	if err != nil || res.Packets != 0 {
		t.Fatalf("Run after cancel: %+v, %v", res, err)
	}
}

// TestOpenedStop: ErrStop from Opened ends Run early without an error and
// without reading packets.
func TestOpenedStop(t *testing.T) {
	needRoot(t)
	called := false
	res, err := Run(t.Context(), Config{
		Capture: capture.Config{Interfaces: []string{"lo"}, BufferKiB: 1024},
		Opened:  func(h *capture.Handle) error { return ErrStop },
		Ready:   func(*capture.Handle, *pcapfile.Output) error { called = true; return nil },
	})
	if err != nil || called || res.Packets != 0 {
		t.Fatalf("Run = %+v, %v; Ready called %v", res, err, called)
	}
}

// TestKeepCapturingAfterFileLimit: with KeepCapturing, reaching the -G/-W
// file limit ends the writing but not the capture: the consumer still gets
// every packet until the context is cancelled (smcdump monitor).
func TestKeepCapturingAfterFileLimit(t *testing.T) {
	needRoot(t)
	port := udpPort(t)
	flt, err := bpffilter.NewExpr(fmt.Sprintf("udp dst port %d", port), bpffilter.Live)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.pcapng")
	stop := make(chan struct{})
	defer close(stop)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second) // against hangs only
	defer cancel()
	const want = 40 // 10 ms apart: well past the 100 ms of the only file
	delivered := 0
	res, err := Run(ctx, Config{
		Capture:       capture.Config{Interfaces: []string{"lo"}, BufferKiB: 1024, Filter: flt},
		Output:        &pcapfile.OutputConfig{Path: path, RotateEvery: 100 * time.Millisecond, MaxFiles: 1, Section: pcapfile.SectionInfo{Application: "session test"}},
		KeepCapturing: true,
		Packet: func(p *pcapfile.Packet) error {
			if delivered++; delivered == want {
				cancel()
			}
			return nil
		},
		Ready: func(*capture.Handle, *pcapfile.Output) error {
			go sendUDP(t, port, stop)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if delivered < want || res.Packets == 0 || res.Packets >= uint64(delivered) || res.Lost != 0 {
		t.Fatalf("result %+v, %d delivered; want %d or more delivered, fewer written (the file limit), none lost", res, delivered, want)
	}
}
