package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra. Commands return it when
// the outcome (not a failure of smcdump itself) must set a specific code, e.g.
// --fail-on gates.
type exitError struct {
	code int
	err  error // may be nil: then nothing is printed
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// subcommands holds constructors of the subcommands. Each command lives in its
// own file and registers itself from init, so independent commands do not
// share a file.
var subcommands []func() *cobra.Command

func registerCommand(f func() *cobra.Command) { subcommands = append(subcommands, f) }

// newRootCmd builds the command tree. The root command itself is the
// tcpdump-style live capture / file reader (see capture_cmd.go).
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "smcdump [flags] [expression]",
		Short: "Capture and analyze Linux SMC handshakes and UDP multicast streams",
		Long: `smcdump captures packets like tcpdump (pure Go, no libpcap) and explains
what it sees: which TCP connections negotiated SMC-R/SMC-D, which fell back to
TCP and why, and which UDP multicast streams lost messages and where.

  smcdump -i eth1 host 10.1.1.10          live capture, decoded lines
  smcdump -i eth1 -w trace.pcapng         write a capture (with kernel counters)
  smcdump analyze trace.pcapng            per-connection SMC verdicts, multicast gaps
  smcdump read -r trace.pcapng            one line per packet, SMC decoded inline
  smcdump explain 0x03010000              what a fallback/decline code means
  smcdump stats                           kernel SMC/UDP counters now`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
	}
	// A flag smcdump does not know is a usage error (status 2), as the
	// README documents, for every command.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{codeUsage, fmt.Errorf("%v (see %s --help)", err, c.CommandPath())}
	})
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	setupCaptureCommand(root)
	for _, f := range subcommands {
		root.AddCommand(f())
	}
	return root
}

// Main runs smcdump with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "smcdump: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "smcdump: %v\n", err)
	return 1
}
