package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/kstat/collect"
)

// captureFilter implements capture.Filter with capture/bpffilter: Live code
// for the kernel, Offline code (via offlineFilter) for userland matching.
type captureFilter struct {
	expr    string
	offline func(analyze.LinkType) (analyze.FrameFilter, error)
}

func newCaptureFilter(expr string) (*captureFilter, error) {
	// Compile once for Ethernet up front so a bad expression fails before
	// any socket is opened, with the column of the offending token.
	if _, err := bpffilter.Compile(expr, bpffilter.Options{LinkType: bpffilter.Ethernet, Mode: bpffilter.Live}); err != nil {
		return nil, err
	}
	return &captureFilter{expr: expr}, nil
}

func (f *captureFilter) Expression() string { return f.expr }

func (f *captureFilter) KernelProgram(lt capture.LinkType, snaplen int) ([]bpf.Instruction, error) {
	return bpffilter.Compile(f.expr, bpffilter.Options{LinkType: bpffilter.LinkType(lt), Snaplen: uint32(snaplen), Mode: bpffilter.Live})
}

func (f *captureFilter) Matcher(lt capture.LinkType, snaplen int) (func([]byte, int) bool, error) {
	if f.offline == nil {
		nf, err := offlineFilter(f.expr)
		if err != nil {
			return nil, err
		}
		f.offline = nf
	}
	ff, err := f.offline(analyze.LinkType(lt))
	if err != nil {
		return nil, err
	}
	return ff.Match, nil
}

// dumpFilter implements -d/-dd/-ddd: print the program for the first -i
// interface (live code), the -r file's link type (offline code) or, with
// neither, Ethernet offline code (like tcpdump -y EN10MB).
func dumpFilter(w io.Writer, o *captureOptions, expr string) error {
	lt := bpffilter.Ethernet
	mode := bpffilter.Offline
	if o.r.file != "" {
		fr, err := analyze.OpenFile(o.r.file)
		if err != nil {
			return err
		}
		ifs := fr.Interfaces()
		fr.Close()
		if len(ifs) > 0 {
			lt = bpffilter.LinkType(ifs[0].LinkType)
		}
	} else if len(o.ifaces) > 0 {
		mode = bpffilter.Live
		if o.ifaces[0] == "any" {
			lt = bpffilter.LinuxSLL2
		}
	}
	prog, err := bpffilter.Compile(expr, bpffilter.Options{LinkType: lt, Snaplen: uint32(o.snaplen), Mode: mode})
	if err != nil {
		return usageErr("%v", err)
	}
	text, err := formatFilter(prog, min(o.dump, 3))
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// formatFilter prints a program like tcpdump -d (1), -dd (2), -ddd (3).
func formatFilter(prog []bpf.Instruction, level int) (string, error) {
	return bpffilter.Format(prog, level)
}

// dropPrivileges switches to user name (tcpdump -Z) after the capture
// sockets and the first output file are open. Files opened later (rotation)
// are created as that user.
func dropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("-Z: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("-Z: user %s has a non-numeric uid/gid", name)
	}
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		groups = groups[:0]
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil {
				groups = append(groups, g)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("-Z %s: setgroups: %w", name, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("-Z %s: setgid: %w", name, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("-Z %s: setuid: %w", name, err)
	}
	return nil
}

// kstatCollect takes one kernel-counter snapshot as JSON; the snapshots are
// stored in the pcapng file (capture/PCAPNG.md). Tests may replace it.
var kstatCollect = func(ctx context.Context) ([]byte, error) {
	s, err := collect.Collect(ctx, collect.Options{})
	if err != nil {
		return nil, err
	}
	return s.MarshalJSON()
}

// kstatRecorder stores kernel-counter snapshots in the output file: one taken
// before the capture starts, one every interval, one at each rotation (it
// ends the old file and starts the new one, see capture.OutputConfig.Snapshot)
// and one when the capture stops, so every file's packets lie between its
// first and its last snapshot.
type kstatRecorder struct {
	interval time.Duration
	out      *capture.Output
	stderr   io.Writer
	stopCh   chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	warned   bool
}

func newKstatRecorder(interval time.Duration, stderr io.Writer) *kstatRecorder {
	if kstatCollect == nil {
		return nil
	}
	return &kstatRecorder{interval: interval, stderr: stderr, stopCh: make(chan struct{})}
}

func (k *kstatRecorder) snapshot() []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := kstatCollect(ctx)
	if err != nil {
		k.mu.Lock()
		if !k.warned && k.stderr != nil {
			fmt.Fprintf(k.stderr, "smcdump: kernel counters not stored: %v\n", err)
			k.warned = true
		}
		k.mu.Unlock()
		return nil
	}
	return b
}

// boundary is capture.OutputConfig.Snapshot: a snapshot and the time it was
// taken (its taken_at, the time the counters start being read).
func (k *kstatRecorder) boundary() ([]byte, time.Time, bool) {
	b := k.snapshot()
	if b == nil {
		return nil, time.Time{}, false
	}
	var s struct {
		TakenAt time.Time `json:"taken_at"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.TakenAt.IsZero() {
		return nil, time.Time{}, false
	}
	return b, s.TakenAt, true
}

// start writes first (the snapshot taken before the capture started) and
// starts the periodic snapshots.
func (k *kstatRecorder) start(out *capture.Output, first []byte) {
	k.out = out
	if first != nil {
		_ = out.WriteKstat(first)
	}
	if k.interval <= 0 {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		tk := time.NewTicker(k.interval)
		defer tk.Stop()
		for {
			select {
			case <-k.stopCh:
				return
			case <-tk.C:
				if b := k.snapshot(); b != nil {
					if err := out.WriteKstat(b); err != nil && !errors.Is(err, capture.ErrFileLimit) {
						return
					}
				}
			}
		}
	}()
}

// stop writes the final snapshot into the last file (also after the -W
// limit ended the capture); call before the Output is closed.
func (k *kstatRecorder) stop() {
	close(k.stopCh)
	k.wg.Wait()
	if k.out == nil {
		return
	}
	if b := k.snapshot(); b != nil {
		_ = k.out.WriteKstat(b)
	}
}
