// Command mrecv is a multicast receiver for smcdump's loss lab. It joins a
// group, optionally with a small SO_RCVBUF and a delay after each read (to
// overflow the socket buffer like "mdump -q -p1000/5"), logs which msend
// sequence numbers it received, and prints a JSON summary. See ../README.md.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("mrecv", flag.ContinueOnError)
	rcvbuf := fs.Int("r", 0, "SO_RCVBUF bytes (0 = system default)")
	force := fs.Bool("R", false, "use SO_RCVBUFFORCE for -r (needs CAP_NET_ADMIN; ignores net.core.rmem_max)")
	delay := fs.Duration("delay", 0, "sleep after every read")
	delayN := fs.Int("delay-n", 0, "apply -delay to the first N datagrams only (0 = all)")
	idle := fs.Duration("idle", time.Second, "exit after this long without datagrams (once one arrived)")
	timeout := fs.Duration("timeout", 30*time.Second, "exit after this long in any case")
	out := fs.String("o", "", "log received data sequence numbers to this file")
	leaveAfter := fs.Duration("leave-after", 0, "leave the group this long after joining it (0: never), then join it again after -leave-for")
	leaveFor := fs.Duration("leave-for", 2*time.Second, "with -leave-after: how long to stay out of the group")
	blockSrc := fs.String("block-source", "", "with -leave-after: block this source of the group (IP_BLOCK_SOURCE) instead of leaving the group, then unblock it")
	hold := fs.Bool("hold", false, "after printing the summary, keep the socket open until standard input closes (so a kernel-counter snapshot taken afterwards still lists the socket and its drops)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pos := fs.Args()
	if len(pos) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mrecv [options] group port [interface]")
		return 2
	}
	gaddr, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(pos[0], pos[1]))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mrecv: %v\n", err)
		return 1
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscallRawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			if serr == nil && *rcvbuf > 0 {
				opt := unix.SO_RCVBUF
				if *force {
					opt = unix.SO_RCVBUFFORCE
				}
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, *rcvbuf)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pconn, err := lc.ListenPacket(ctx(), "udp4", net.JoinHostPort(pos[0], pos[1]))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mrecv: %v\n", err)
		return 1
	}
	conn := pconn.(*net.UDPConn)
	defer conn.Close()
	var ifi *net.Interface
	if len(pos) > 2 {
		ifi, err = findInterface(pos[2])
		if err != nil {
			fmt.Fprintf(os.Stderr, "mrecv: %v\n", err)
			return 1
		}
	}
	if gaddr.IP.IsMulticast() {
		pc := ipv4.NewPacketConn(conn)
		group := &net.UDPAddr{IP: gaddr.IP}
		if err := pc.JoinGroup(ifi, group); err != nil {
			fmt.Fprintf(os.Stderr, "mrecv: IP_ADD_MEMBERSHIP: %v\n", err)
			return 1
		}
		if *leaveAfter > 0 && *blockSrc != "" {
			// IGMPv3: the kernel reports block {source}, later allow
			// {source}; a snooping switch that filters by source stops
			// and resumes forwarding that source to this host.
			src := &net.UDPAddr{IP: net.ParseIP(*blockSrc)}
			time.AfterFunc(*leaveAfter, func() {
				if err := pc.ExcludeSourceSpecificGroup(ifi, group, src); err != nil {
					fmt.Fprintf(os.Stderr, "mrecv: IP_BLOCK_SOURCE: %v\n", err)
					return
				}
				fmt.Println("blocked")
				time.AfterFunc(*leaveFor, func() {
					if err := pc.IncludeSourceSpecificGroup(ifi, group, src); err != nil {
						fmt.Fprintf(os.Stderr, "mrecv: IP_UNBLOCK_SOURCE: %v\n", err)
						return
					}
					fmt.Println("unblocked")
				})
			})
		} else if *leaveAfter > 0 {
			// The kernel sends the leave (IGMPv2 leave, IGMPv3 to_in {})
			// and, on joining again, a report: a snooping switch stops
			// and resumes forwarding the group to this host.
			time.AfterFunc(*leaveAfter, func() {
				if err := pc.LeaveGroup(ifi, group); err != nil {
					fmt.Fprintf(os.Stderr, "mrecv: IP_DROP_MEMBERSHIP: %v\n", err)
					return
				}
				fmt.Println("left")
				time.AfterFunc(*leaveFor, func() {
					if err := pc.JoinGroup(ifi, group); err != nil {
						fmt.Fprintf(os.Stderr, "mrecv: IP_ADD_MEMBERSHIP: %v\n", err)
						return
					}
					fmt.Println("joined")
				})
			})
		}
	}
	granted := 0
	if rc, err := conn.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { granted, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF) })
	}
	var log *bufio.Writer
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mrecv: %v\n", err)
			return 1
		}
		defer f.Close()
		log = bufio.NewWriter(f)
		defer log.Flush()
	}
	fmt.Println("ready")
	deadline := time.Now().Add(*timeout)
	buf := make([]byte, 65536)
	var datagrams, data, echoes int
	stat := int64(-1)
	seen := map[uint64]bool{}
	for {
		dl := deadline
		if datagrams > 0 {
			dl = minTime(deadline, time.Now().Add(*idle))
		}
		_ = conn.SetReadDeadline(dl)
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			fmt.Fprintf(os.Stderr, "mrecv: read: %v\n", err)
			return 1
		}
		datagrams++
		p := buf[:n]
		switch {
		case bytes.HasPrefix(p, []byte("Message ")):
			data++
			if v, ok := parseCounter(p[8:]); ok {
				seen[v] = true
				if log != nil {
					log.WriteString(strconv.FormatUint(v, 10))
					log.WriteByte('\n')
				}
			}
		case bytes.HasPrefix(p, []byte("echo ")):
			echoes++
		case bytes.HasPrefix(p, []byte("stat ")):
			if v, err := strconv.ParseInt(string(bytes.TrimRight(p[5:], "\x00")), 10, 64); err == nil {
				stat = v
			}
		}
		if *delay > 0 && (*delayN == 0 || datagrams <= *delayN) {
			time.Sleep(*delay)
		}
	}
	if log != nil {
		if err := log.Flush(); err != nil {
			fmt.Fprintf(os.Stderr, "mrecv: %v\n", err)
			return 1
		}
	}
	fmt.Printf("{\"datagrams\":%d,\"data\":%d,\"distinct\":%d,\"echoes\":%d,\"stat\":%d,\"rcvbuf\":%d}\n", datagrams, data, len(seen), echoes, stat, granted)
	if *hold {
		// The socket stays open (and keeps its drop counter in
		// /proc/net/udp) until the caller closes our standard input.
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	return 0
}

// parseCounter reads msend's hex counter up to the first NUL or non-hex digit.
func parseCounter(b []byte) (uint64, bool) {
	var v uint64
	n := 0
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return v, n > 0
		}
		v = v<<4 | uint64(d)
		n++
	}
	return v, n > 0
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func findInterface(s string) (*net.Interface, error) {
	if ip := net.ParseIP(s); ip != nil {
		ifs, err := net.Interfaces()
		if err != nil {
			return nil, err
		}
		for i := range ifs {
			addrs, _ := ifs[i].Addrs()
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
					return &ifs[i], nil
				}
			}
		}
		return nil, fmt.Errorf("no interface has address %s", s)
	}
	return net.InterfaceByName(s)
}
