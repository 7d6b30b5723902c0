package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
)

func init() { registerCommand(newReadCmd) }

type readOptions struct {
	file    string
	count   int
	verbose int
	print   analyze.PrintOptions
}

func newReadCmd() *cobra.Command {
	var o readOptions
	cmd := &cobra.Command{
		Use:   "read -r FILE [flags] [FILTER-EXPRESSION]",
		Short: "Print one tcpdump-style line per packet, with SMC CLC messages decoded inline",
		Example: `  smcdump read -r trace.pcapng
  smcdump read -r trace.pcapng -v 'tcp port 5000'
  smcdump read -r trace.pcapng --json | jq .clc`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.file == "" {
				return &exitError{codeUsage, errors.New("read: -r FILE is required")}
			}
			o.print.Verbose = o.verbose
			return readFile(cmd.OutOrStdout(), cmd.ErrOrStderr(), o.file, strings.Join(args, " "), o.count, o.print)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "read", "r", "", "capture file to read (pcap or pcapng; - for stdin)")
	f.IntVarP(&o.count, "count", "c", 0, "stop after this many packets")
	f.CountVarP(&o.verbose, "verbose", "v", "print every CLC field under the packet line")
	f.BoolVarP(&o.print.NoResolve, "numeric", "n", false, "do not resolve names (smcdump never does; for tcpdump compatibility)")
	f.BoolVarP(&o.print.LinkHeader, "link-header", "e", false, "print the link-level header")
	f.BoolVarP(&o.print.Hex, "hex", "X", false, "print each packet in hex and ASCII")
	f.BoolVarP(&o.print.Quiet, "quiet", "q", false, "print less protocol information")
	f.BoolVar(&o.print.JSON, "json", false, "print one JSON object per packet")
	f.BoolVarP(&o.print.Number, "number", "#", false, "print the frame number at the start of each line")
	f.BoolVarP(&o.print.AbsoluteSeq, "absolute-tcp-sequence-numbers", "S", false, "print absolute TCP sequence numbers")
	f.BoolVar(&o.print.DateTime, "tttt", false, "print the date with each timestamp")
	return cmd
}

// readFile prints every frame of a capture file (tcpdump -r). The expression,
// when not empty, is evaluated on each frame with the offline BPF program.
func readFile(stdout, stderr io.Writer, path, expr string, count int, po analyze.PrintOptions) error {
	var nf func(analyze.LinkType) (analyze.FrameFilter, error)
	if expr != "" {
		var err error
		if nf, err = offlineFilter(expr); err != nil {
			return &exitError{codeUsage, err}
		}
	}
	fr, err := analyze.OpenFile(path)
	if err != nil {
		return &exitError{codeError, err}
	}
	defer fr.Close()
	bw := bufio.NewWriterSize(stdout, 256<<10)
	defer bw.Flush()
	p := analyze.NewPrinter(bw, po)
	filters := map[analyze.LinkType]analyze.FrameFilter{}
	printed := 0
	for {
		pkt, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &exitError{codeError, err}
		}
		if nf != nil {
			flt, ok := filters[pkt.LinkType]
			if !ok {
				if flt, err = nf(pkt.LinkType); err != nil {
					return &exitError{codeUsage, err}
				}
				filters[pkt.LinkType] = flt
			}
			if !flt.Match(pkt.Data, pkt.Info.Length) {
				continue
			}
		}
		if err := p.PrintPacket(pkt); err != nil {
			return err
		}
		printed++
		if count > 0 && printed >= count {
			break
		}
	}
	bw.Flush()
	for _, pr := range fr.Problems() {
		fmt.Fprintf(stderr, "smcdump: %s: %s\n", path, pr)
	}
	if n := fr.ProblemCount() - len(fr.Problems()); n > 0 {
		fmt.Fprintf(stderr, "smcdump: %s: %d more problems\n", path, n)
	}
	if regions, skipped := fr.Damage(); regions > 0 {
		return &exitError{codeDamaged, fmt.Errorf("%s: damaged input: %d damaged region(s), %d bytes skipped (the rest was read)", path, regions, skipped)}
	}
	return nil
}
