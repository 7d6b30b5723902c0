// Command smcdump captures packets and analyzes Linux SMC handshakes and UDP
// multicast streams. See README.md for usage.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
