// Command msend is an msend-compatible multicast sender for smcdump's loss
// lab: same wire format as Informatica mtools msend (echo, "Message <hex>",
// stat). See ../README.md. It needs no privileges.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("msend", flag.ContinueOnError)
	burst := fs.Int("b", 1, "datagrams per burst")
	pause := fs.Int("p", 1000, "pause between bursts, ms")
	bursts := fs.Int("n", 0, "number of bursts (0 = infinite unless -c)")
	mlen := fs.Int("m", 0, "datagram length (0 = exactly the text)")
	dec := fs.Bool("d", false, "decimal counter")
	payload := fs.String("P", "", "fixed payload as hex (no counter)")
	statPause := fs.Int("s", 0, "ms to wait before sending 'stat' (0 = no stat)")
	sndbuf := fs.Int("S", 65536, "SO_SNDBUF (0 = system default)")
	count := fs.Int("c", 0, "total data datagrams (lab addition; overrides -n)")
	rate := fs.Float64("r", 0, "paced rate in datagrams/s (lab addition; 0 = bursts as -b/-p)")
	echoPause := fs.Int("E", 1000, "pause after the echo datagram, ms (lab addition)")
	quiet := fs.Bool("q", false, "quiet")
	bindAddr := fs.String("B", "", "bind to this local IPv4 address: the datagrams' source address (lab addition)")
	badSum := fs.Bool("X", false, "send over a raw socket with a wrong UDP checksum, from -B or the interface address (needs CAP_NET_RAW; lab addition)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pos := fs.Args()
	if len(pos) < 2 {
		fmt.Fprintln(os.Stderr, "usage: msend [options] group port [ttl] [interface]")
		return 2
	}
	group, port := pos[0], pos[1]
	ttl := 2
	if len(pos) > 2 {
		v, err := strconv.Atoi(pos[2])
		if err != nil {
			fmt.Fprintf(os.Stderr, "msend: bad ttl %q\n", pos[2])
			return 2
		}
		ttl = v
	}
	var fixed []byte
	if *payload != "" {
		b, err := hex.DecodeString(*payload)
		if err != nil {
			fmt.Fprintf(os.Stderr, "msend: -P: %v\n", err)
			return 2
		}
		fixed = b
	}
	raddr, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(group, port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "msend: %v\n", err)
		return 1
	}
	var laddr *net.UDPAddr
	if *bindAddr != "" {
		ip := net.ParseIP(*bindAddr)
		if ip == nil || ip.To4() == nil {
			fmt.Fprintf(os.Stderr, "msend: -B %q: want an IPv4 address\n", *bindAddr)
			return 2
		}
		laddr = &net.UDPAddr{IP: ip}
	}
	conn, err := net.ListenUDP("udp4", laddr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "msend: %v\n", err)
		return 1
	}
	defer conn.Close()
	if *sndbuf > 0 {
		if err := conn.SetWriteBuffer(*sndbuf); err != nil {
			fmt.Fprintf(os.Stderr, "msend: SO_SNDBUF: %v\n", err)
		}
	}
	pc := ipv4.NewPacketConn(conn)
	if raddr.IP.IsMulticast() {
		if err := pc.SetMulticastTTL(ttl); err != nil {
			fmt.Fprintf(os.Stderr, "msend: IP_MULTICAST_TTL: %v\n", err)
			return 1
		}
		if len(pos) > 3 {
			ifi, err := findInterface(pos[3])
			if err != nil {
				fmt.Fprintf(os.Stderr, "msend: %v\n", err)
				return 1
			}
			if err := pc.SetMulticastInterface(ifi); err != nil {
				fmt.Fprintf(os.Stderr, "msend: IP_MULTICAST_IF: %v\n", err)
				return 1
			}
		}
		_ = pc.SetMulticastLoopback(false)
	}
	total := *count
	if total == 0 {
		total = *burst * *bursts
	}
	// echo datagram: strlen + 1 (the NUL is included), docs section 1.3
	cmd := fmt.Sprintf("msend -b%d -m%d -n%d -p%d", *burst, *mlen, *bursts, *pause)
	if *dec {
		cmd += " -d"
	}
	if *quiet {
		cmd += " -q"
	}
	cmd += fmt.Sprintf(" -s%d -S%d %s", *statPause, *sndbuf, strings.Join(pos, " "))
	var sent, errs int
	write := func(b []byte) error { _, err := conn.WriteToUDP(b, raddr); return err }
	if *badSum {
		src := laddr
		if src == nil && len(pos) > 3 {
			src = &net.UDPAddr{IP: net.ParseIP(pos[3])}
		}
		if src == nil || src.IP.To4() == nil {
			fmt.Fprintln(os.Stderr, "msend: -X needs the source address: -B or an interface address")
			return 2
		}
		rw, err := newRawSender(src.IP.To4(), raddr, ttl)
		if err != nil {
			fmt.Fprintf(os.Stderr, "msend: -X: %v\n", err)
			return 1
		}
		defer rw.close()
		write = rw.send
	}
	send := func(b []byte) {
		if err := write(b); err != nil {
			errs++
			if errs <= 5 {
				fmt.Fprintf(os.Stderr, "msend: sendto: %v\n", err)
			}
		}
	}
	send(append([]byte("echo sender equiv cmd: "+cmd), 0))
	time.Sleep(time.Duration(*echoPause) * time.Millisecond)
	if !*quiet {
		fmt.Fprintf(os.Stderr, "Equiv cmd line: %s\n", cmd)
	}
	buf := make([]byte, 0, max(*mlen, 64))
	start := time.Now()
	for i := 0; total == 0 || i < total; i++ {
		if *rate > 0 {
			due := start.Add(time.Duration(float64(i) / *rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		} else if i > 0 && i%*burst == 0 {
			time.Sleep(time.Duration(*pause) * time.Millisecond)
		}
		send(message(buf[:0], uint64(i), *dec, *mlen, fixed))
		sent++
	}
	if *statPause > 0 {
		time.Sleep(time.Duration(*statPause) * time.Millisecond)
		send([]byte(fmt.Sprintf("stat %d", sent)))
	}
	fmt.Printf("{\"sent\":%d,\"errors\":%d}\n", sent, errs)
	return 0
}

// message builds one data datagram (docs/multicast-udp.md section 1.3).
func message(b []byte, n uint64, dec bool, mlen int, fixed []byte) []byte {
	if fixed != nil {
		return append(b, fixed...)
	}
	b = append(b, "Message "...)
	if dec {
		b = strconv.AppendUint(b, n, 10)
	} else {
		b = strconv.AppendUint(b, n, 16)
	}
	if mlen == 0 {
		return b
	}
	if mlen < len(b) {
		return b[:mlen]
	}
	for len(b) < mlen {
		b = append(b, 0)
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

// rawSender writes UDP datagrams with a deliberately wrong checksum through
// an IPPROTO_RAW socket (IP_HDRINCL): the receiving kernel counts them in
// Udp InCsumErrors and InErrors and delivers none.
type rawSender struct {
	fd       int
	src, dst [4]byte
	sport    uint16
	dport    uint16
	ttl      int
	id       uint16
}

func newRawSender(src net.IP, dst *net.UDPAddr, ttl int) (*rawSender, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
	if err != nil {
		return nil, err
	}
	r := &rawSender{fd: fd, sport: uint16(40000 + os.Getpid()%20000), dport: uint16(dst.Port), ttl: ttl}
	copy(r.src[:], src.To4())
	copy(r.dst[:], dst.IP.To4())
	return r, nil
}

func (r *rawSender) close() { _ = syscall.Close(r.fd) }

func (r *rawSender) send(payload []byte) error {
	ulen := 8 + len(payload)
	p := make([]byte, 20+ulen)
	p[0], p[8], p[9] = 0x45, byte(r.ttl), syscall.IPPROTO_UDP
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	r.id++
	binary.BigEndian.PutUint16(p[4:], r.id)
	copy(p[12:16], r.src[:])
	copy(p[16:20], r.dst[:]) // the kernel fills in the IP header checksum
	u := p[20:]
	binary.BigEndian.PutUint16(u[0:], r.sport)
	binary.BigEndian.PutUint16(u[2:], r.dport)
	binary.BigEndian.PutUint16(u[4:], uint16(ulen))
	copy(u[8:], payload)
	// the correct checksum over the pseudo header, then a wrong one
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(r.src[:])
	add(r.dst[:])
	sum += syscall.IPPROTO_UDP + uint32(ulen)
	add(u)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	good := ^uint16(sum)
	if good == 0 {
		good = 0xffff
	}
	bad := good + 1
	if bad == 0 || bad == 0xffff { // 0 means "no checksum"; 0xffff equals 0 in ones' complement
		bad = 1
	}
	binary.BigEndian.PutUint16(u[6:], bad)
	return syscall.Sendto(r.fd, p, 0, &syscall.SockaddrInet4{Addr: r.dst})
}
