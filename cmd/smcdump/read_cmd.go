package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

func init() { registerCommand(newReadCmd) }

func newReadCmd() *cobra.Command {
	var r readFlags
	cmd := &cobra.Command{
		Use:   "read -r FILE [flags] [FILTER-EXPRESSION]",
		Short: "Print one tcpdump-style line per packet, with SMC CLC messages decoded inline",
		Long: `Print one tcpdump-style line per packet, with SMC CLC messages decoded inline.
"smcdump read -r FILE" and "smcdump -r FILE" are the same and take the same
flags (tcpdump's -A -c -e -F -K -n -N -q -S -t.. -v -V -x -X -# ...).`,
		Example: `  smcdump read -r trace.pcapng
  smcdump read -r trace.pcapng -v 'tcp port 5000'
  smcdump read -r trace.pcapng --json | jq .clc`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := r.files(cmd.InOrStdin())
			if err != nil {
				return &exitError{codeUsage, err}
			}
			if len(files) == 0 {
				return &exitError{codeUsage, errors.New("read: -r FILE (or -V FILE-LIST) is required")}
			}
			po, err := r.printOptions()
			if err != nil {
				return &exitError{codeUsage, err}
			}
			expr, err := r.expression(args)
			if err != nil {
				return &exitError{codeUsage, err}
			}
			frames, err := r.frameSet()
			if err != nil {
				return &exitError{codeUsage, err}
			}
			return readFiles(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), files, expr, frames, r.count, po)
		},
	}
	r.register(cmd.Flags())
	return cmd
}

// readFiles prints every frame of the capture files, one after the other
// (tcpdump -r, -V). The expression, when not empty, is evaluated on each
// frame with the offline BPF program; frames, when not nil, selects frames
// by number in each file; -c counts over all files.
func readFiles(stdin io.Reader, stdout, stderr io.Writer, paths []string, expr string, frames frameSet, count int, po analyze.PrintOptions) error {
	var flt *bpffilter.Expr
	if expr != "" {
		var err error
		if flt, err = bpffilter.NewExpr(expr, bpffilter.Offline); err != nil {
			return &exitError{codeUsage, err}
		}
	}
	bw := bufio.NewWriterSize(stdout, 256<<10)
	defer bw.Flush()
	p := analyze.NewPrinter(bw, po)
	printed := 0
	var damaged []string
	for _, path := range paths {
		done, err := func() (bool, error) {
			fr, err := pcapfile.OpenFile(path, stdin)
			if err != nil {
				return false, &exitError{codeError, err}
			}
			defer fr.Close()
			defer func() {
				bw.Flush()
				if d := printFileProblems(stderr, path, fr); d != "" {
					damaged = append(damaged, d)
				}
			}()
			var guard *bpffilter.FileGuard
			if flt != nil {
				guard = flt.Guard(fr.Interfaces)
				if fr.Format() == "pcap" {
					guard.Complete() // one link type: refused at once
				}
			}
			skipped := func(skips []*bpffilter.InterfaceError) {
				if len(skips) > 0 {
					bw.Flush()
				}
				for _, s := range skips {
					fmt.Fprintf(stderr, "smcdump: %s: filter: %v\n", path, s)
				}
			}
			// end ends reading the file: a filter that judges none of
			// its interfaces refuses it then (its interfaces may be
			// described after packets of others).
			end := func(done bool) (bool, error) {
				if guard == nil {
					return done, nil
				}
				skips, _, err := guard.End()
				if err != nil {
					return false, &exitError{codeUsage, err}
				}
				skipped(skips)
				return done, nil
			}
			for {
				pkt, err := fr.Next()
				if err == io.EOF {
					return end(false)
				}
				if err != nil {
					return false, &exitError{codeError, err}
				}
				if frames != nil && !frames.has(pkt.Frame) {
					if pkt.Frame > frames.last() {
						return end(false) // the next file numbers from 1 again
					}
					continue
				}
				if flt != nil {
					ok, skips, err := guard.Judge(pkt)
					if err != nil {
						return false, &exitError{codeUsage, err}
					}
					skipped(skips)
					if ok {
						if ok, err = flt.Match(pkt); err != nil {
							return false, &exitError{codeUsage, err}
						}
					}
					if !ok {
						continue
					}
				}
				if err := p.PrintPacket(pkt); err != nil {
					return false, err
				}
				printed++
				if count > 0 && printed >= count {
					return end(true)
				}
			}
		}()
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if len(damaged) > 0 {
		return &exitError{codeDamaged, fmt.Errorf("damaged input: %s (the rest was read)", strings.Join(damaged, "; "))}
	}
	return nil
}

// printFileProblems prints the problems fr found in path to stderr, one
// line each (read -r, and -r -w), and returns "PATH: N damaged region(s),
// M bytes skipped" when the file was damaged, "" otherwise.
func printFileProblems(stderr io.Writer, path string, fr *pcapfile.FileReader) string {
	for _, pr := range fr.Problems() {
		fmt.Fprintf(stderr, "smcdump: %s: %s\n", path, fr.ProblemText(pr))
	}
	if n := fr.ProblemCount() - len(fr.Problems()); n > 0 {
		fmt.Fprintf(stderr, "smcdump: %s: %d more problems\n", path, n)
	}
	// Notes are odd but no damage: no exit status 4.
	for _, n := range fr.Notes() {
		fmt.Fprintf(stderr, "smcdump: %s: note: %s\n", path, fr.ProblemText(n))
	}
	if n := fr.NoteCount() - len(fr.Notes()); n > 0 {
		fmt.Fprintf(stderr, "smcdump: %s: %d more notes\n", path, n)
	}
	if regions, skipped := fr.Damage(); regions > 0 {
		return fmt.Sprintf("%s: %d damaged region(s), %d bytes skipped", path, regions, skipped)
	}
	return ""
}
