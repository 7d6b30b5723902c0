//go:build unix

// Command rusage runs a command and appends one line to the file -o:
// "wall_s user_s sys_s maxrss_kib exit_code", with microsecond resolution
// (GNU time rounds CPU times to 10 ms, too coarse for sub-second runs).
// The command's standard output and error are discarded. bench/perf.sh
// uses it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "append the measurement to this file (default stderr)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rusage [-o FILE] COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, "rusage:", err)
			os.Exit(2)
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var u, s time.Duration
	var rss int64
	if ru != nil {
		u = time.Duration(ru.Utime.Nano())
		s = time.Duration(ru.Stime.Nano())
		rss = int64(ru.Maxrss) // KiB on Linux
	}
	line := fmt.Sprintf("%.4f %.4f %.4f %d %d\n", wall.Seconds(), u.Seconds(), s.Seconds(), rss, code)
	w := os.Stderr
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rusage:", err)
			os.Exit(2)
		}
		defer f.Close()
		w = f
	}
	fmt.Fprint(w, line)
}
