// Command peer is the smcdump lab's AF_SMC test peer. It runs inside the
// qemu guests built by testdata/lab/run.sh and acts as a client or a server
// over AF_SMC (family 43, protocol 0 for IPv4 / 1 for IPv6, see
// docs/smc-protocol.md section 11) or plain TCP.
//
// Every connection is logged as one JSON line (to -log, default stdout) with
// the local and remote address, the bytes moved, any error, and the socket's
// SMC mode / fallback reason / peer diagnosis read from the kernel through
// smc_diag (sock_diag family AF_SMC) while the socket is still open.
//
// Usage:
//
//	peer server -addr 10.0.0.2:5000 [-tcp|-ipproto-smc] [-n 1] [-timeout 60s] [-log f]
//	peer client -addr 10.0.0.2:5000 [-tcp|-ipproto-smc] [-n 1] [-bytes 4096] [-parallel 1]
//	            [-connect-timeout 30s] [-log f]
//
// -ipproto-smc opens the SMC sockets as socket(AF_INET, SOCK_STREAM,
// IPPROTO_SMC) (Linux 6.11+) instead of AF_SMC.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

const afSMC = 43

// connLog is one line of the peer's log.
type connLog struct {
	Time      string    `json:"time"`
	Role      string    `json:"role"`
	Seq       int       `json:"seq"`
	Proto     string    `json:"proto"`            // "smc" or "tcp"
	Socket    string    `json:"socket,omitempty"` // family/protocol of socket(2)
	Local     string    `json:"local,omitempty"`
	Remote    string    `json:"remote"`
	BytesSent int       `json:"bytes_sent"`
	BytesRecv int       `json:"bytes_recv"`
	ConnectMS int64     `json:"connect_ms,omitempty"`
	Err       string    `json:"error,omitempty"`
	Diag      *diagInfo `json:"diag,omitempty"`
	DiagErr   string    `json:"diag_error,omitempty"`
	Event     string    `json:"event,omitempty"`
}

var (
	logMu  sync.Mutex
	logOut io.Writer = os.Stdout
)

func emit(l connLog) {
	l.Time = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(l)
	logMu.Lock()
	defer logMu.Unlock()
	logOut.Write(append(b, '\n'))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: peer server|client [flags]")
		os.Exit(2)
	}
	role := os.Args[1]
	fs := flag.NewFlagSet(role, flag.ExitOnError)
	addr := fs.String("addr", "10.0.0.2:5000", "server address (host:port)")
	tcp := fs.Bool("tcp", false, "use plain TCP (AF_INET/AF_INET6) instead of AF_SMC")
	fs.BoolVar(&ipprotoSMC, "ipproto-smc", false, "open SMC sockets as socket(AF_INET/AF_INET6, SOCK_STREAM, IPPROTO_SMC=256) (Linux 6.11+) instead of AF_SMC")
	n := fs.Int("n", 1, "number of connections (server: to accept before exiting)")
	nbytes := fs.Int("bytes", 4096, "client: bytes to send (server echoes them back)")
	par := fs.Int("parallel", 1, "client: concurrent connections")
	timeout := fs.Duration("timeout", 60*time.Second, "server: give up after this long")
	ctimeout := fs.Duration("connect-timeout", 30*time.Second, "client: per-connection connect timeout")
	backlog := fs.Int("backlog", 128, "server: listen backlog")
	limitHS := fs.Bool("limit-hs", false, "server: setsockopt SOL_SMC SMC_LIMIT_HS=1")
	acceptDelay := fs.Duration("accept-delay", 0, "server: sleep before the first accept")
	logf := fs.String("log", "", "log file (JSON lines), default stdout")
	fs.StringVar(&diagDir, "diag-dir", "", "write the raw smc_diag dump taken while the first connection is open to DIR/smc_diag.bin (+ index.json)")
	fs.Parse(os.Args[2:])
	if *logf != "" {
		f, err := os.OpenFile(*logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		logOut = f
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad -addr:", err)
		os.Exit(2)
	}
	switch role {
	case "server":
		err = server(ap, *tcp, *n, *timeout, *backlog, *limitHS, *acceptDelay)
	case "client":
		err = client(ap, *tcp, *n, *par, *nbytes, *ctimeout)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

func protoName(tcp bool) string {
	if tcp {
		return "tcp"
	}
	return "smc"
}

// ipprotoSMC: SMC sockets are opened as socket(AF_INET[6], SOCK_STREAM,
// IPPROTO_SMC) (Linux 6.11+, net/smc/smc_inet.c) instead of AF_SMC.
var ipprotoSMC bool

const ipprotoSMCNum = 256 // IPPROTO_SMC

func socketName(ap netip.AddrPort, tcp bool) string {
	v6 := ap.Addr().Is6() && !ap.Addr().Is4In6()
	fam := "AF_INET"
	if v6 {
		fam = "AF_INET6"
	}
	switch {
	case tcp:
		return fam + "/IPPROTO_TCP"
	case ipprotoSMC:
		return fam + "/IPPROTO_SMC"
	case v6:
		return "AF_SMC/SMCPROTO_SMC6"
	}
	return "AF_SMC/SMCPROTO_SMC"
}

func newSocket(ap netip.AddrPort, tcp bool) (int, error) {
	v6 := ap.Addr().Is6() && !ap.Addr().Is4In6()
	fam, proto := afSMC, 0
	if v6 {
		proto = 1 // SMCPROTO_SMC6
	}
	if ipprotoSMC && !tcp {
		fam, proto = unix.AF_INET, ipprotoSMCNum
		if v6 {
			fam = unix.AF_INET6
		}
	}
	if tcp {
		fam, proto = unix.AF_INET, 0
		if v6 {
			fam = unix.AF_INET6
		}
	}
	return unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, proto)
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

func saString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return ""
}

func sockInode(fd int) uint64 {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0
	}
	return st.Ino
}

var (
	diagDir  string
	diagOnce sync.Once
)

// fillDiag looks the socket up in the kernel's smc_diag dump by inode. The
// first call also stores the raw dump when -diag-dir is set.
func fillDiag(l *connLog, fd int, tcp bool) {
	if tcp {
		return
	}
	if diagDir != "" {
		diagOnce.Do(func() { saveRawDiag(diagDir, l.Role, l.Seq) })
	}
	d, err := diagByInode(sockInode(fd))
	if err != nil {
		l.DiagErr = err.Error()
		return
	}
	l.Diag = d
}

func server(ap netip.AddrPort, tcp bool, n int, timeout time.Duration, backlog int, limitHS bool, acceptDelay time.Duration) error {
	fd, err := newSocket(ap, tcp)
	if err != nil {
		emit(connLog{Role: "server", Proto: protoName(tcp), Socket: socketName(ap, tcp), Local: ap.String(), Event: "socket", Err: "socket: " + err.Error()})
		return fmt.Errorf("socket %s: %w", socketName(ap, tcp), err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if limitHS {
		if err := unix.SetsockoptInt(fd, 286, 1, 1); err != nil { // SOL_SMC, SMC_LIMIT_HS
			return fmt.Errorf("setsockopt SMC_LIMIT_HS: %w", err)
		}
	}
	if err := unix.Bind(fd, sockaddr(ap)); err != nil {
		return fmt.Errorf("bind %s: %w", ap, err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	emit(connLog{Role: "server", Proto: protoName(tcp), Socket: socketName(ap, tcp), Remote: "", Local: ap.String(), Event: "listening"})
	if acceptDelay > 0 {
		time.Sleep(acceptDelay)
	}
	deadline := time.Now().Add(timeout)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		// poll with the overall deadline so the server never hangs forever.
		left := time.Until(deadline)
		if left <= 0 {
			emit(connLog{Role: "server", Seq: i, Proto: protoName(tcp), Event: "timeout", Err: fmt.Sprintf("accepted %d of %d before timeout", i, n)})
			break
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		np, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if err != nil && errors.Is(err, unix.EINTR) {
			i--
			continue
		}
		if np == 0 {
			emit(connLog{Role: "server", Seq: i, Proto: protoName(tcp), Event: "timeout", Err: fmt.Sprintf("accepted %d of %d before timeout", i, n)})
			break
		}
		cfd, rsa, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		if err != nil {
			emit(connLog{Role: "server", Seq: i, Proto: protoName(tcp), Event: "accept", Err: err.Error()})
			continue
		}
		wg.Add(1)
		go func(seq, cfd int, rsa unix.Sockaddr) {
			defer wg.Done()
			l := connLog{Role: "server", Seq: seq, Proto: protoName(tcp), Socket: socketName(ap, tcp), Remote: saString(rsa), Event: "conn"}
			if lsa, err := unix.Getsockname(cfd); err == nil {
				l.Local = saString(lsa)
			}
			fillDiag(&l, cfd, tcp)
			unix.SetNonblock(cfd, true) // so that deadlines work through the runtime poller
			f := os.NewFile(uintptr(cfd), "conn")
			defer f.Close()
			f.SetDeadline(time.Now().Add(30 * time.Second))
			buf := make([]byte, 16384)
			for {
				m, err := f.Read(buf)
				l.BytesRecv += m
				if m > 0 {
					w, werr := f.Write(buf[:m])
					l.BytesSent += w
					if werr != nil {
						l.Err = "write: " + werr.Error()
						break
					}
				}
				if err != nil {
					if err != io.EOF {
						l.Err = "read: " + err.Error()
					}
					break
				}
			}
			emit(l)
		}(i, cfd, rsa)
	}
	wg.Wait()
	unix.Close(fd)
	return nil
}

func client(ap netip.AddrPort, tcp bool, n, par, nbytes int, ctimeout time.Duration) error {
	sem := make(chan struct{}, max(par, 1))
	var wg sync.WaitGroup
	payload := []byte(strings.Repeat("smcdump-lab-", nbytes/12+1))[:nbytes]
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(seq int) {
			defer wg.Done()
			defer func() { <-sem }()
			oneClient(seq, ap, tcp, payload, ctimeout)
		}(i)
	}
	wg.Wait()
	return nil
}

func oneClient(seq int, ap netip.AddrPort, tcp bool, payload []byte, ctimeout time.Duration) {
	l := connLog{Role: "client", Seq: seq, Proto: protoName(tcp), Socket: socketName(ap, tcp), Remote: ap.String(), Event: "conn"}
	defer func() { emit(l) }()
	fd, err := newSocket(ap, tcp)
	if err != nil {
		l.Err = "socket: " + err.Error()
		return
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- unix.Connect(fd, sockaddr(ap)) }()
	select {
	case err = <-done:
	case <-time.After(ctimeout):
		l.ConnectMS = time.Since(start).Milliseconds()
		l.Err = fmt.Sprintf("connect: still blocked after %s (left blocked, not closed)", ctimeout)
		if lsa, err := unix.Getsockname(fd); err == nil {
			l.Local = saString(lsa)
		}
		fillDiag(&l, fd, tcp)
		return // the fd is leaked on purpose: closing may block as well.
	}
	l.ConnectMS = time.Since(start).Milliseconds()
	if lsa, lerr := unix.Getsockname(fd); lerr == nil {
		l.Local = saString(lsa)
	}
	if err != nil {
		l.Err = "connect: " + err.Error()
		fillDiag(&l, fd, tcp)
		unix.Close(fd)
		return
	}
	fillDiag(&l, fd, tcp)
	unix.SetNonblock(fd, true) // so that deadlines work through the runtime poller
	f := os.NewFile(uintptr(fd), "conn")
	defer f.Close()
	f.SetDeadline(time.Now().Add(30 * time.Second))
	w, err := f.Write(payload)
	l.BytesSent = w
	if err != nil {
		l.Err = "write: " + err.Error()
		return
	}
	buf := make([]byte, len(payload))
	r, err := io.ReadFull(f, buf)
	l.BytesRecv = r
	if err != nil {
		l.Err = "read: " + err.Error()
		return
	}
}
