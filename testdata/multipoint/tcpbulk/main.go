// Command tcpbulk moves a fixed number of bytes over one TCP connection,
// for the multi-point lab (cmd/smcdump/multipoint_linux_test.go, case e):
//
//	tcpbulk -listen 10.88.2.1:5001            accept one connection, read to EOF
//	tcpbulk -connect 10.88.2.1:5001 -bytes N  send N bytes in 64 KiB writes
//
// It prints one JSON line ({"received": N} or {"sent": N}) and exits; the
// listener prints "ready" when it accepts connections and gives up after
// -timeout.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	listen := flag.String("listen", "", "address to accept one connection on")
	connect := flag.String("connect", "", "address to send to")
	n := flag.Int64("bytes", 16<<20, "bytes to send")
	timeout := flag.Duration("timeout", 20*time.Second, "give up after this long")
	flag.Parse()
	if err := run(*listen, *connect, *n, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "tcpbulk:", err)
		os.Exit(1)
	}
}

func run(listen, connect string, n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		defer ln.Close()
		_ = ln.(*net.TCPListener).SetDeadline(deadline)
		fmt.Println("ready")
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(deadline)
		got, err := io.Copy(io.Discard, c)
		fmt.Printf("{\"received\": %d}\n", got)
		return err
	}
	c, err := net.DialTimeout("tcp", connect, timeout)
	if err != nil {
		return err
	}
	_ = c.SetDeadline(deadline)
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte(i)
	}
	var sent int64
	for sent < n {
		k := min(int64(len(buf)), n-sent)
		w, err := c.Write(buf[:k])
		sent += int64(w)
		if err != nil {
			return err
		}
	}
	if err := c.Close(); err != nil {
		return err
	}
	fmt.Printf("{\"sent\": %d}\n", sent)
	return nil
}
