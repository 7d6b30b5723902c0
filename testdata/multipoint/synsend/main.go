//go:build linux

// synsend sends TCP SYNs carrying the SMC option (kind 254, ExID
// 0xE2D4C3D9), as an AF_SMC socket's SYN does, from a raw IPv4 socket: the
// test lab of analyze/multipoint uses it where the smc kernel module is not
// available. The peer's kernel answers each SYN (SYN-ACK, or RST-ACK when
// nothing listens); the local kernel resets what it gets back.
//
//	synsend -src 10.88.1.1 -dst 10.88.2.1 -port 5000 -n 20 -gap 20ms
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"syscall"
	"time"
)

func main() {
	src := flag.String("src", "", "source IPv4 address (bound)")
	dst := flag.String("dst", "", "destination IPv4 address")
	port := flag.Int("port", 5000, "destination port")
	n := flag.Int("n", 10, "SYNs to send (each from its own source port)")
	gap := flag.Duration("gap", 20*time.Millisecond, "pause between SYNs")
	sport := flag.Int("sport", 40000, "first source port")
	flag.Parse()
	s, err1 := netip.ParseAddr(*src)
	d, err2 := netip.ParseAddr(*dst)
	if err1 != nil || err2 != nil || !s.Is4() || !d.Is4() || *n < 0 || *n > 10000 {
		fmt.Fprintln(os.Stderr, "usage: synsend -src A -dst B [-port P] [-n N] [-gap D]")
		os.Exit(2)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_TCP)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synsend: raw socket:", err)
		os.Exit(1)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: s.As4()}); err != nil {
		fmt.Fprintln(os.Stderr, "synsend: bind:", err)
		os.Exit(1)
	}
	to := &syscall.SockaddrInet4{Addr: d.As4()}
	sent := 0
	for i := 0; i < *n; i++ {
		seg := syn(s.As4(), d.As4(), uint16(*sport+i), uint16(*port), uint32(0x10000000+i*7919))
		if err := syscall.Sendto(fd, seg, 0, to); err != nil {
			fmt.Fprintln(os.Stderr, "synsend: sendto:", err)
			os.Exit(1)
		}
		sent++
		time.Sleep(*gap)
	}
	fmt.Printf("{\"sent\": %d}\n", sent)
}

// syn builds a SYN with options MSS 1460, SMC (254/6/E2D4C3D9), NOP, NOP,
// SACK permitted.
func syn(src, dst [4]byte, sport, dport uint16, seq uint32) []byte {
	opts := []byte{2, 4, 0x05, 0xb4, 254, 6, 0xE2, 0xD4, 0xC3, 0xD9, 1, 1, 4, 2, 1, 1}
	b := make([]byte, 20+len(opts))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = byte(len(b)/4) << 4
	b[13] = 0x02 // SYN
	binary.BigEndian.PutUint16(b[14:], 64240)
	copy(b[20:], opts)
	// checksum over the pseudo-header and the segment
	var sum uint32
	add := func(x []byte) {
		for i := 0; i+1 < len(x); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(x[i:]))
		}
		if len(x)%2 == 1 {
			sum += uint32(x[len(x)-1]) << 8
		}
	}
	add(src[:])
	add(dst[:])
	sum += 6 + uint32(len(b))
	add(b)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[16:], ^uint16(sum))
	return b
}
