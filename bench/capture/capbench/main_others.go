//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "capbench: needs Linux (AF_PACKET, network namespaces)")
	os.Exit(1)
}
