// udpdelay is a user-space UDP forwarder that holds every datagram for a
// fixed delay: the multi-point lab's delaying router where the kernel has no
// netem qdisc. Datagrams leave in arrival order, from the forwarder's own
// address (so the points see different 5-tuples: matching by payload).
//
//	udpdelay -listen 10.88.1.254:14500 -to 10.88.2.1:14400 -delay 20ms -idle 2s
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	listen := flag.String("listen", "", "address:port to receive on")
	to := flag.String("to", "", "address:port to forward to")
	delay := flag.Duration("delay", 20*time.Millisecond, "hold time")
	idle := flag.Duration("idle", 2*time.Second, "exit after this long without a datagram (once one arrived)")
	flag.Parse()
	in, err := net.ListenPacket("udp4", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpdelay:", err)
		os.Exit(1)
	}
	raddr, err := net.ResolveUDPAddr("udp4", *to)
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpdelay:", err)
		os.Exit(2)
	}
	// unconnected: ICMP port unreachable from a receiver without a socket
	// does not turn into errors on later sends
	out, err := net.ListenUDP("udp4", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpdelay:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	type held struct {
		due time.Time
		b   []byte
	}
	q := make(chan held, 100000)
	done := make(chan int)
	go func() {
		n := 0
		for h := range q {
			time.Sleep(time.Until(h.due))
			if _, err := out.WriteToUDP(h.b, raddr); err == nil {
				n++
			}
		}
		done <- n
	}()
	buf := make([]byte, 65536)
	got := 0
	for {
		if got > 0 {
			_ = in.SetReadDeadline(time.Now().Add(*idle))
		}
		n, _, err := in.ReadFrom(buf)
		if err != nil {
			break
		}
		got++
		q <- held{time.Now().Add(*delay), append([]byte(nil), buf[:n]...)}
	}
	close(q)
	fmt.Printf("{\"received\": %d, \"forwarded\": %d}\n", got, <-done)
}
