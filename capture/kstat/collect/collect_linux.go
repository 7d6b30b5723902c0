//go:build linux

package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"golang.org/x/sys/unix"
)

func collect(ctx context.Context, opts Options) (*kstat.Snapshot, error) {
	type result struct {
		s   *kstat.Snapshot
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// setns affects only this OS thread: lock it, switch, collect,
		// switch back. If switching back fails the thread stays locked and
		// is discarded when the goroutine ends.
		runtime.LockOSThread()
		restore, err := enterNetNS(opts.NetNS)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		s, err := collectHere(ctx, opts)
		if restore() == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// enterNetNS switches the calling (locked) thread into the named network
// namespace and returns a function that switches it back.
func enterNetNS(name string) (func() error, error) {
	if name == "" {
		return func() error { return nil }, nil
	}
	path := name
	if !strings.Contains(name, "/") {
		path = "/run/netns/" + name
	}
	target, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("netns %s: %w", name, err)
	}
	defer target.Close()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("netns: current namespace: %w", err)
	}
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		orig.Close()
		return nil, fmt.Errorf("netns %s: setns: %w", name, err)
	}
	return func() error {
		defer orig.Close()
		return unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET)
	}, nil
}

// threadProcFS serves procnet.Files for the calling thread's network
// namespace: net/* from /proc/thread-self/net (/proc/self/net would show the
// main thread's namespace), the rest from /proc.
type threadProcFS struct{}

func (threadProcFS) path(name string) string {
	if strings.HasPrefix(name, "net/") {
		return "/proc/thread-self/" + name
	}
	return "/proc/" + name
}

func (f threadProcFS) Open(name string) (fs.File, error) { return os.Open(f.path(name)) }

// ReadFile reads a whole /proc file. /proc files report size 0, and
// fs.ReadFile's fallback would size its first read from that: a sysctl such
// as net/core/rmem_max then yields one byte ("4" for 4194304), because
// sysctl files answer only a read at offset 0. os.ReadFile starts with a
// 512-byte buffer.
func (f threadProcFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(f.path(name)) }

// dirProcFS serves procnet.Files from a directory standing in for /proc.
type dirProcFS string

func (d dirProcFS) Open(name string) (fs.File, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(name)))
}

func (d dirProcFS) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), filepath.FromSlash(name)))
}

// socketBound is Options.MaxSockets with its default applied.
func socketBound(max int) int {
	if max == 0 {
		return procnet.DefaultMaxSockets
	}
	return max
}

// readProc reads every file of procnet.Files from fsys into s.Raw, and
// records the files it could not read in s.SourceErrors.
func readProc(s *kstat.Snapshot, fsys fs.FS, maxSockets int) {
	maxSockets = socketBound(maxSockets)
	for _, name := range procnet.Files {
		b, err := fs.ReadFile(fsys, name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !procnet.Optional[name] {
				s.AddSourceError("/proc/"+name, kstat.StageRead, "missing (file does not exist)")
			}
			continue
		case err != nil:
			s.AddSourceError("/proc/"+name, kstat.StageRead, err.Error())
			continue
		}
		omitted, busy := 0, 0
		if procnet.IsSocketTable(name) {
			b, omitted, busy = procnet.KeepSockets(b, maxSockets)
		}
		s.Raw = append(s.Raw, kstat.RawSource{Kind: kstat.KindProc, Name: name, Text: string(b), Omitted: omitted, OmittedBusy: busy})
	}
}

func collectHere(ctx context.Context, opts Options) (*kstat.Snapshot, error) {
	s := &kstat.Snapshot{
		Schema:    kstat.Schema,
		TakenAt:   time.Now().UTC(),
		NetNS:     opts.NetNS,
		ByteOrder: kstat.OrderName(binary.NativeEndian),
		Source:    "live",
	}
	s.Hostname, _ = os.Hostname()
	s.Interfaces = interfaceNames()
	proc := "/proc"
	if opts.ProcRoot != "" {
		proc = opts.ProcRoot
	}
	if b, err := os.ReadFile(filepath.Join(proc, "sys/kernel/osrelease")); err == nil {
		s.Kernel = strings.TrimSpace(string(b))
	}
	if !opts.SkipSMC {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		collectSMC(s, opts.MaxSockets)
		if s.SMC.Available {
			collectPNET(s)
		}
	}
	var fsys fs.FS = threadProcFS{}
	if opts.ProcRoot != "" {
		fsys = dirProcFS(opts.ProcRoot)
	}
	readProc(s, fsys, opts.MaxSockets)
	if err := s.Decode(); err != nil {
		return nil, err
	}
	return s, nil
}

func collectSMC(s *kstat.Snapshot, maxSockets int) {
	c, err := Dial()
	if err != nil {
		s.AddSourceError("SMC_GEN_NETLINK", kstat.StageRead, "generic netlink unavailable: "+err.Error())
		s.SMC.Note = "generic netlink unavailable: " + err.Error()
		return
	}
	res, err := Query(c)
	c.Close()
	if err != nil {
		s.AddSourceError("SMC_GEN_NETLINK", kstat.StageRead, "query failed: "+err.Error())
		s.SMC.Note = "SMC_GEN_NETLINK query failed: " + err.Error()
		return
	}
	s.SMC.Available, s.SMC.Note = res.Available, res.Note
	for _, r := range res.Replies {
		s.Raw = append(s.Raw, kstat.RawSource{Kind: kstat.KindGenl, Name: smcnl.CommandName(r.Command), Errno: r.Errno, Bytes: r.Raw})
	}
	d, err := DialDiag()
	if err != nil {
		s.AddSourceError("smc_diag", kstat.StageRead, "sock_diag unavailable: "+err.Error())
		return
	}
	raw, errno, err := QueryDiag(d)
	d.Close()
	if err != nil {
		s.AddSourceError("smc_diag", kstat.StageRead, "query failed: "+err.Error())
		return
	}
	if errno == int32(unix.ENOENT) && !s.SMC.Available {
		return // no smc_diag without the module: nothing to keep
	}
	raw, left := smcnl.KeepDiag(raw, socketBound(maxSockets), binary.NativeEndian)
	omitted := 0
	for mode, n := range left {
		omitted += n
		s.SMC.NoteOmitted(smcnl.DiagModeName(mode), n)
	}
	s.Raw = append(s.Raw, kstat.RawSource{Kind: kstat.KindSockDiag, Name: "smc_diag", Errno: errno, Bytes: raw, Omitted: omitted})
}

// interfaceNames maps the interface indexes of the current network
// namespace to names (smc-tools' if_indextoname), for the Net-Dev columns.
func interfaceNames() map[uint32]string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	m := make(map[uint32]string, len(ifs))
	for _, i := range ifs {
		m[uint32(i.Index)] = i.Name
	}
	return m
}
