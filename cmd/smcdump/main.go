// Command smcdump captures packets and analyzes Linux SMC handshakes and UDP
// multicast streams. See README.md for usage.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

func main() {
	stop := startProfiles(os.Getenv("SMCDUMP_CPUPROFILE"), os.Getenv("SMCDUMP_MEMPROFILE"))
	code := Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfiles writes Go profiles of the whole run for benchmarking
// (BENCHMARKS.md): a CPU profile to cpuFile and, at the end, a heap profile
// (in-use and allocated) to memFile; "" disables each. A profile that
// cannot be written is reported on stderr and does not change the run.
func startProfiles(cpuFile, memFile string) (stop func()) {
	var cpu *os.File
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "smcdump: SMCDUMP_CPUPROFILE: %v\n", err)
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if memFile == "" {
			return
		}
		f, err := os.Create(memFile)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "smcdump: SMCDUMP_MEMPROFILE: %v\n", err)
		}
	}
}
