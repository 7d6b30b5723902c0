package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/smcdump/smcdump/analyze"
)

// readFlags are the flags of reading and printing packets, shared by the root
// command (smcdump -r FILE, live capture) and "smcdump read": one definition,
// so the two cannot drift. Their meaning and output follow tcpdump 4.99.
type readFlags struct {
	file       string // -r
	fileList   string // -V
	filterFile string // -F
	count      int    // -c
	verbose    int    // -v, -vv, -vvv
	numeric    int    // -n, -nn (smcdump never resolves names)
	noDomain   bool   // -N (no names to shorten)
	timeFmt    int    // -t .. -ttttt
	legacyTTTT bool   // --tttt (before -tttt existed)
	hexASCII   int    // -X, -XX
	hexOnly    int    // -x, -xx
	ascii      int    // -A
	precision  string // --time-stamp-precision
	nano       bool   // --nano
	micro      bool   // --micro
	frames     string // --frames
	print      analyze.PrintOptions
	flags      *pflag.FlagSet // where they were registered (Changed)
}

func (r *readFlags) register(f *pflag.FlagSet) {
	r.flags = f
	f.StringVarP(&r.file, "read", "r", "", "read packets from this file (pcap or pcapng; - for standard input)")
	f.StringVarP(&r.fileList, "file-list", "V", "", "read the capture files named in this file (one name per line; - for standard input)")
	f.StringVarP(&r.filterFile, "filter-file", "F", "", "read the filter expression from this file")
	f.IntVarP(&r.count, "count", "c", 0, "stop after this many packets")
	f.CountVarP(&r.verbose, "verbose", "v", "more detail: IP header fields and checksums (-v, -vv), every CLC field under the line; with -w, a packet count every second")
	f.CountVarP(&r.numeric, "numeric", "n", "do not convert addresses or ports to names (smcdump never does; -n and -nn are accepted)")
	f.BoolVarP(&r.noDomain, "no-domain", "N", false, "do not print domain names (smcdump prints no host names; accepted)")
	f.CountVarP(&r.timeFmt, "time-format", "t", "-t: no time stamp; -tt: seconds since 1970; -ttt: delta since the previous packet; -tttt: date and time; -ttttt: delta since the first packet (all UTC)")
	f.BoolVar(&r.legacyTTTT, "tttt", false, "the same as -tttt")
	f.BoolVarP(&r.print.LinkHeader, "link-header", "e", false, "print the link-level header")
	f.CountVarP(&r.hexASCII, "hex-ascii", "X", "print each packet in hex and ASCII, without its link-level header (-XX: with it)")
	f.CountVarP(&r.hexOnly, "hex", "x", "print each packet in hex, without its link-level header (-xx: with it)")
	f.CountVarP(&r.ascii, "ascii", "A", "print each packet in ASCII, without its link-level header")
	f.BoolVarP(&r.print.Quiet, "quiet", "q", false, "print less protocol information")
	f.BoolVar(&r.print.JSON, "json", false, "print one JSON object per packet")
	f.BoolVarP(&r.print.Number, "number", "#", false, "print the packet number at the start of each line (with --frames: the frame number)")
	f.StringVar(&r.frames, "frames", "", "with -r: only these frames, numbered as analyze's evidence and Wireshark number them (pcapng custom blocks count): N, N-M, comma-separated; per file")
	f.BoolVarP(&r.print.AbsoluteSeq, "absolute-tcp-sequence-numbers", "S", false, "print absolute TCP sequence numbers")
	f.BoolVarP(&r.print.NoChecksum, "dont-verify-checksums", "K", false, "do not verify IP, TCP and UDP checksums (with -v)")
	f.StringVar(&r.precision, "time-stamp-precision", "", "micro or nano: time stamps printed (and, with -w --format pcap, written) in microseconds or nanoseconds")
	f.BoolVar(&r.nano, "nano", false, "the same as --time-stamp-precision=nano")
	f.BoolVar(&r.micro, "micro", false, "the same as --time-stamp-precision=micro (with --format pcap: microsecond file, magic a1b2c3d4)")
	_ = f.MarkHidden("tttt")
}

// timePrecision resolves --time-stamp-precision, --nano and --micro to
// "micro", "nano" or "" (not given).
func (r *readFlags) timePrecision() (string, error) {
	p := strings.ToLower(r.precision)
	switch p {
	case "", "micro", "nano":
	default:
		return "", fmt.Errorf("unsupported time stamp precision %q (want micro or nano)", r.precision)
	}
	for _, x := range []struct {
		set  bool
		name string
	}{{r.nano, "nano"}, {r.micro, "micro"}} {
		if !x.set {
			continue
		}
		if p != "" && p != x.name {
			return "", fmt.Errorf("conflicting time stamp precisions: %s and %s", p, x.name)
		}
		p = x.name
	}
	return p, nil
}

// printOptions turns the flags into the printer's options.
func (r *readFlags) printOptions() (analyze.PrintOptions, error) {
	if r.flags != nil && r.flags.Changed("count") && r.count <= 0 {
		return analyze.PrintOptions{}, fmt.Errorf("invalid packet count %d", r.count) // as tcpdump
	}
	po := r.print
	po.Verbose = r.verbose
	po.HexASCII = r.hexASCII
	po.HexOnly = r.hexOnly
	po.ASCII = r.ascii
	if r.timeFmt > 5 {
		return po, fmt.Errorf("-t may be given at most 5 times (-ttttt)")
	}
	po.TimeFormat = r.timeFmt
	if r.legacyTTTT && po.TimeFormat == 0 {
		po.TimeFormat = 4
	}
	prec, err := r.timePrecision()
	if err != nil {
		return po, err
	}
	po.Nano = prec == "nano"
	po.InterfaceName = ifNameByIndex
	po.FrameNumbers = r.frames != ""
	return po, nil
}

// frameSet parses --frames (nil when not given).
func (r *readFlags) frameSet() (frameSet, error) {
	if r.frames == "" {
		return nil, nil
	}
	return parseFrames(r.frames)
}

// ifNameByIndex names an SLL2 frame's ifindex; nil uses the local system's
// interfaces, as tcpdump does. Tests set it for deterministic output.
var ifNameByIndex func(int) string

// expression is the filter expression: the -F file's content, or the
// command-line words.
func (r *readFlags) expression(args []string) (string, error) {
	expr := strings.TrimSpace(strings.Join(args, " "))
	if r.filterFile == "" {
		return expr, nil
	}
	if expr != "" {
		return "", fmt.Errorf("-F %s and an expression on the command line cannot be used together", r.filterFile)
	}
	b, err := os.ReadFile(r.filterFile)
	if err != nil {
		return "", err
	}
	// tcpdump (read_infile): "# comment" up to the end of the line is
	// blanked, so that error positions still point into the file
	for i := 0; i < len(b); i++ {
		if b[i] == '#' {
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		}
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", nil
	}
	return strings.TrimRight(string(b), " \t\r\n"), nil
}

// files are the capture files to read: -r FILE, or the names listed in the
// -V file (one per line, blank lines skipped), like tcpdump.
func (r *readFlags) files(stdin io.Reader) ([]string, error) {
	if r.fileList == "" {
		if r.file == "" {
			return nil, nil
		}
		return []string{r.file}, nil
	}
	if r.file != "" {
		return nil, fmt.Errorf("-r and -V cannot be used together")
	}
	return readFileList(r.fileList, stdin)
}

// readFileList returns the file names listed in the file list (one per
// line, blank lines skipped; "-": standard input), as tcpdump -V reads them.
func readFileList(list string, stdin io.Reader) ([]string, error) {
	var in io.Reader
	if list == "-" {
		in = stdin
	} else {
		f, err := os.Open(list)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	var names []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" {
			names = append(names, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-V %s: %w", list, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("-V %s: no file names", list)
	}
	return names, nil
}
