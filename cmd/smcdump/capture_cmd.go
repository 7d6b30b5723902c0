package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/capture/session"
)

// captureVersion is written to pcapng shb_userappl ("smcdump <version>").
var captureVersion = "0.1.0-dev"

// followFragmentsUsage is the help of --no-follow-fragments (capture and
// monitor).
const followFragmentsUsage = "with a filter, decide every IP fragment on its own as tcpdump does (by default the later fragments of a datagram whose first fragment the filter selects are captured too: they lack the ports a filter names)"

// captureOptions are the tcpdump-style flags of the root command.
type captureOptions struct {
	r             readFlags // -r, -c, -v, printing: shared with "smcdump read"
	ifaces        []string
	write         string
	snaplen       int
	noPromisc     bool
	bufferKiB     int
	fanout        int  // --fanout
	fanoutDefrag  bool // --fanout-defrag
	noFollowFrags bool // --no-follow-fragments
	direction     string
	rotateSize    string
	rotateSecs    int
	maxFiles      int
	user          string
	list          bool
	dump          int
	lineBuf       bool
	packetBuf     bool
	format        string
	statsInterval time.Duration
	cpuProfile    string
	printAlso     bool   // --print
	datalink      string // -y
	listDatalinks bool   // -L
	tstampType    string // -j
	listTstamp    bool   // -J
	postRotate    string // -z
	order         string // --order: several files with -w, merged by time or as given
	print         analyze.PrintOptions
}

// setupCaptureCommand installs the tcpdump-style flags and behaviour on the
// root command: live capture (-i), file reading (-r), writing (-w), filter
// dumps (-d), interface list (-D).
func setupCaptureCommand(root *cobra.Command) {
	var o captureOptions
	f := root.Flags()
	o.r.register(f)
	f.StringArrayVarP(&o.ifaces, "interface", "i", nil, "capture on this interface (repeatable; \"any\" for all, a number from -D)")
	f.StringVarP(&o.write, "write", "w", "", "write packets to this file (pcapng; - for standard output)")
	f.StringVar(&o.order, "order", "time", "with -V and -w: time merges the files' packets by time stamp (as mergecap), given writes the files one after the other as listed (as tcpdump -V)")
	f.BoolVar(&o.printAlso, "print", false, "with -w, also print the packets")
	f.IntVarP(&o.snaplen, "snapshot-length", "s", 0, "bytes to keep per packet (0 = 262144)")
	f.BoolVarP(&o.noPromisc, "no-promiscuous-mode", "p", false, "do not put the interface into promiscuous mode")
	f.IntVarP(&o.bufferKiB, "buffer-size", "B", capture.DefaultBufferKiB, "ring buffer size in KiB per interface (with --fanout, the total of its rings)")
	f.IntVar(&o.fanout, "fanout", capture.FanoutAuto, "rings per interface, flows hashed across them with PACKET_FANOUT and merged back in time order (-1: one per CPU the process may use, fewer under a cgroup CPU limit, when capturing on one interface; 0 or 1: a single ring)")
	f.BoolVar(&o.fanoutDefrag, "fanout-defrag", false, "with --fanout: reassemble IPv4 fragments before choosing the ring (the capture then holds the reassembled datagrams, not the fragments)")
	f.BoolVar(&o.noFollowFrags, "no-follow-fragments", false, followFragmentsUsage)
	f.StringVarP(&o.direction, "direction", "Q", "inout", "capture direction: in, out or inout")
	f.StringVarP(&o.rotateSize, "file-size", "C", "", "start a new file when the current one exceeds this many millions of bytes (k/m/g suffixes: KiB/MiB/GiB)")
	f.IntVarP(&o.rotateSecs, "rotate-seconds", "G", 0, "start a new file every this many seconds (-w may contain strftime conversions)")
	f.IntVarP(&o.maxFiles, "file-count", "W", 0, "with -C: ring of this many files; with -G: stop after this many files")
	f.StringVarP(&o.postRotate, "postrotate-command", "z", "", "with -C or -G: run this command with each closed file's name as its argument")
	f.StringVarP(&o.user, "relinquish-privileges", "Z", "", "drop privileges to this user after opening the capture and the first file")
	f.BoolVarP(&o.list, "list-interfaces", "D", false, "list the interfaces smcdump can capture on")
	f.StringVarP(&o.datalink, "linktype", "y", "", "data link type to capture with (see -L; EN10MB on Ethernet interfaces, LINUX_SLL2 on any)")
	f.BoolVarP(&o.listDatalinks, "list-data-link-types", "L", false, "list the data link types of the interface and exit")
	f.StringVarP(&o.tstampType, "time-stamp-type", "j", "", "time stamp type (see -J; smcdump supports host)")
	f.BoolVarP(&o.listTstamp, "list-time-stamp-types", "J", false, "list the time stamp types of the interface and exit")
	f.CountVarP(&o.dump, "dump-filter", "d", "print the compiled filter and exit (-dd: C array, -ddd: decimal)")
	f.BoolVarP(&o.lineBuf, "line-buffered", "l", false, "line-buffer standard output")
	f.BoolVarP(&o.packetBuf, "packet-buffered", "U", false, "flush output after every packet")
	f.StringVar(&o.format, "format", "pcapng", "output format for -w: pcapng or pcap")
	f.DurationVar(&o.statsInterval, "stats-interval", 10*time.Second, "store kernel counters in the pcapng file this often (0: only at start and end)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file (for benchmarking)")
	_ = f.MarkHidden("cpuprofile")
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if o.cpuProfile != "" {
			pf, err := os.Create(o.cpuProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(pf); err != nil {
				return err
			}
			defer func() { pprof.StopCPUProfile(); pf.Close() }()
		}
		// Bare "smcdump" shows the help; any flag or expression means a
		// capture, on the default interface when -i is not given (tcpdump).
		if len(args) == 0 && cmd.Flags().NFlag() == 0 {
			return cmd.Help()
		}
		po, err := o.r.printOptions()
		if err != nil {
			return usageErr("%v", err)
		}
		o.print = po
		expr, err := o.r.expression(args)
		if err != nil {
			return usageErr("%v", err)
		}
		return runCapture(cmd, &o, expr)
	}
}

func usageErr(format string, a ...any) error {
	return &exitError{codeUsage, fmt.Errorf(format, a...)}
}

func runCapture(cmd *cobra.Command, o *captureOptions, expr string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.list {
		devs, err := capture.ListDevices()
		if err != nil {
			return err
		}
		return capture.WriteDeviceList(stdout, devs)
	}
	files, err := o.r.files(cmd.InOrStdin())
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) > 0 {
		o.r.file = files[0] // -V: the first file gives -d its link type, -w its interfaces
	}
	if o.dump > 0 {
		return dumpFilter(cmd.InOrStdin(), stdout, o, expr)
	}
	if o.order != "time" && o.order != "given" {
		return usageErr("--order %q: want time or given", o.order)
	}
	frames, err := o.r.frameSet()
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) > 0 {
		if len(o.ifaces) > 0 {
			return usageErr("-r and -i cannot be used together")
		}
		if o.write == "" {
			return readFiles(cmd.InOrStdin(), stdout, stderr, files, expr, frames, o.r.count, o.print)
		}
		return rewriteFile(cmd, o, files, expr, frames)
	}
	if frames != nil {
		return usageErr("--frames selects frames of a file: use it with -r")
	}
	return liveCapture(cmd, o, expr)
}

// parseFileSize parses tcpdump's -C argument: millions of bytes, or KiB/MiB/GiB
// with a k/m/g suffix.
func parseFileSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1000000)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult, s = 1024, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1024*1024, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1024*1024*1024, s[:len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("invalid file size %q for -C", s)
	}
	return v * mult, nil
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// summaryLines are tcpdump's exit lines; "dropped by interface" only when
// nonzero, as tcpdump prints it.
func summaryLines(captured uint64, t capture.Counters) string {
	s := plural(captured, "packet captured", "packets captured") + "\n" +
		plural(t.Received, "packet received by filter", "packets received by filter") + "\n" +
		plural(t.Dropped, "packet dropped by kernel", "packets dropped by kernel") + "\n"
	if t.IfDropKnown && t.IfDropped > 0 {
		s += plural(t.IfDropped, "packet dropped by interface", "packets dropped by interface") + "\n"
	}
	return s
}

// ringLines add, for a capture with several rings on an interface
// (--fanout), the per-ring counters and the packets written out of time
// order.
func ringLines(rings []capture.RingCounters, t capture.Counters) string {
	var s strings.Builder
	for i := 0; i < len(rings); {
		j := i
		for j < len(rings) && rings[j].Interface == rings[i].Interface {
			j++
		}
		if j-i > 1 {
			var recv, drop []string
			for _, r := range rings[i:j] {
				recv = append(recv, fmt.Sprint(r.Received))
				drop = append(drop, fmt.Sprint(r.Dropped))
			}
			fmt.Fprintf(&s, "%d fanout rings on %s: %s received by filter, %s dropped by kernel\n",
				j-i, rings[i].Name, strings.Join(recv, " + "), strings.Join(drop, " + "))
		}
		i = j
	}
	if t.Late > 0 {
		s.WriteString(plural(t.Late, "packet", "packets") + " written out of time order (their ring was later than the merge window)\n")
	}
	if t.Unordered > 0 {
		s.WriteString(plural(t.Unordered, "packet", "packets") + " written out of time order as the kernel stamped them (one ring delivered them after a later one)\n")
	}
	return s.String()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && fileIsTerminal(f)
}

func (o *captureOptions) outputConfig(stdout io.Writer, ifaces []pcapfile.Interface, stats func() ([]pcapfile.InterfaceStats, error)) (pcapfile.OutputConfig, error) {
	format, err := pcapfile.ParseFormat(o.format)
	if err != nil {
		return pcapfile.OutputConfig{}, usageErr("%v", err)
	}
	size, err := parseFileSize(o.rotateSize)
	if err != nil {
		return pcapfile.OutputConfig{}, usageErr("%v", err)
	}
	if o.maxFiles < 0 || o.rotateSecs < 0 {
		return pcapfile.OutputConfig{}, usageErr("-W and -G must not be negative")
	}
	return pcapfile.OutputConfig{
		Path:           o.write,
		Stdout:         stdout,
		Format:         format,
		Micro:          o.micro(),
		Section:        pcapfile.SectionInfo{Application: "smcdump " + captureVersion},
		Interfaces:     ifaces,
		RotateSize:     size,
		RotateEvery:    time.Duration(o.rotateSecs) * time.Second,
		MaxFiles:       o.maxFiles,
		PacketBuffered: o.packetBuf,
		Stats:          stats,
	}, nil
}

func liveCapture(cmd *cobra.Command, o *captureOptions, expr string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	dir, err := capture.ParseDirection(o.direction)
	if err != nil {
		return usageErr("%v", err)
	}
	if o.snaplen < 0 {
		return usageErr("invalid snapshot length %d", o.snaplen)
	}
	if o.bufferKiB <= 0 {
		return usageErr("invalid buffer size %d KiB", o.bufferKiB)
	}
	var names []string
	for _, i := range o.ifaces {
		n, err := capture.ResolveDevice(i)
		if err != nil {
			return usageErr("%v", err)
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		n, err := capture.DefaultDevice()
		if err != nil {
			return err
		}
		names = []string{n}
	}
	if o.listTstamp {
		writeTstampTypes(stdout, names)
		return nil
	}
	if err := o.checkTstampType(names); err != nil {
		return err
	}
	if len(names) > 1 {
		o.print.InterfaceColumn = true
	}
	var flt capture.Filter
	if expr != "" {
		if flt, err = bpffilter.NewExpr(expr, bpffilter.Live); err != nil {
			return usageErr("%v", err)
		}
	}
	cfg := session.Config{
		Capture: capture.Config{
			Interfaces:        names,
			Snaplen:           o.snaplen,
			BufferKiB:         o.bufferKiB,
			NoPromisc:         o.noPromisc,
			Direction:         dir,
			Filter:            flt,
			Fanout:            o.fanout,
			FanoutDefrag:      o.fanoutDefrag,
			NoFollowFragments: o.noFollowFrags,
		},
		Count:   uint64(max(o.r.count, 0)),
		Signals: true,
		Info: func(n uint64, t capture.Counters) {
			fmt.Fprintf(stderr, "smcdump: %s, %s, %s\n", plural(n, "packet captured", "packets captured"),
				plural(t.Received, "packet received by filter", "packets received by filter"),
				plural(t.Dropped, "packet dropped by kernel", "packets dropped by kernel"))
		},
		Warn: func(err error) { fmt.Fprintf(stderr, "smcdump: kernel counters not stored: %v\n", err) },
		Opened: func(h *capture.Handle) error {
			if o.listDatalinks {
				writeDatalinks(stdout, h.Interfaces())
				return session.ErrStop
			}
			return o.checkDatalink(h.Interfaces())
		},
	}
	pr := newPostRotate(o.postRotate, stderr)
	if o.write != "" {
		// Interfaces and Stats are filled in by the session.
		oc, err := o.outputConfig(stdout, nil, nil)
		if err != nil {
			return err
		}
		// A crash (SIGKILL, power loss) loses at most about the last second
		// of packets instead of the whole write buffer.
		oc.FlushInterval = pcapfile.DefaultFlushInterval
		pr.hook(&oc)
		cfg.Output = &oc
		cfg.Snapshot = kstatCollect
		cfg.SnapshotInterval = o.statsInterval
		if o.r.verbose > 0 {
			cfg.Progress = func(n uint64) { fmt.Fprintf(stderr, "Got %d\r", n) }
		}
	}
	// Printing without -w, or with --print.
	var bw *bufio.Writer
	if o.write == "" || o.printAlso {
		bw = bufio.NewWriterSize(stdout, 256<<10)
		printer := analyze.NewPrinter(bw, o.print)
		flushEach := o.lineBuf || o.packetBuf || isTerminal(stdout)
		cfg.Packet = func(p *pcapfile.Packet) error {
			if err := printer.PrintPacket(p); err != nil {
				return err
			}
			if flushEach {
				return bw.Flush()
			}
			return nil
		}
		cfg.Drained = func() { _ = bw.Flush() }
	}
	started := false
	cfg.Ready = func(h *capture.Handle, out *pcapfile.Output) error {
		started = true
		if out != nil {
			pr.opened(out)
		}
		if o.user != "" {
			if err := session.DropPrivileges(o.user); err != nil {
				return err
			}
		}
		// Banner, as tcpdump prints it.
		if (o.write == "" || o.printAlso) && o.r.verbose == 0 && !o.print.JSON {
			fmt.Fprintln(stderr, "smcdump: verbose output suppressed, use -v[v]... for full protocol decode")
		}
		for _, ifc := range h.Interfaces() {
			prefix := ""
			if o.write != "" || o.r.verbose > 0 {
				prefix = "smcdump: "
			}
			fmt.Fprintf(stderr, "%slistening on %s, link-type %s, snapshot length %d bytes\n",
				prefix, ifc.Name, ifc.LinkType.Description(), ifc.SnapLen)
		}
		return nil
	}
	res, runErr := session.Run(context.Background(), cfg)
	if bw != nil {
		_ = bw.Flush()
	}
	if o.write != "" {
		pr.finished()
		if o.r.verbose > 0 {
			fmt.Fprintln(stderr)
		}
	}
	if !started {
		return runErr // not opened, -L, or -y refused: no summary
	}
	fmt.Fprint(stderr, summaryLines(res.Packets, res.Counters))
	fmt.Fprint(stderr, ringLines(res.Rings, res.Counters))
	if res.Lost > 0 {
		fmt.Fprintln(stderr, plural(res.Lost, "packet lost to the write error", "packets lost to the write error"))
	}
	return runErr
}

// snapSeed hashes kernel-counter snapshots to drop repeats (rewriteFile).
var snapSeed = maphash.MakeSeed()

// rewriteFile implements -r FILE -w OUT [EXPR] and -V LIST -w OUT [EXPR]:
// copy the matching frames. Several files are written as one capture,
// merged by time stamp (as mergecap merges; a rotation's files are then
// simply in time order, whatever order they are listed in), or one after
// the other as listed with --order given (as tcpdump -V writes them);
// their interfaces with the same name and link type are one. The
// kernel-counter snapshots smcdump's capture embedded go along (the newest
// one before the first frame written, then every later one in its place,
// repeats dropped), so the written file still brackets its frames with
// counters; interfaces that an input describes later (another pcapng
// section, another file) are added to the output as their first frame
// comes. Damage in an input is reported and makes the exit status 4, as
// with analyze and read.
func rewriteFile(cmd *cobra.Command, o *captureOptions, files []string, expr string, frames frameSet) error {
	stderr := cmd.ErrOrStderr()
	var mr *pcapfile.MultiReader
	if o.order == "given" {
		mr = pcapfile.NewMultiReader(files, cmd.InOrStdin(), true)
	} else {
		mr = pcapfile.NewMergeReader(files, cmd.InOrStdin())
	}
	defer mr.Close()
	var damaged []string
	var readErr error
	mr.OnDone = func(path string, fr *pcapfile.FileReader, err error) {
		if d := printFileProblems(stderr, path, fr); d != "" {
			damaged = append(damaged, d)
		}
		if err != nil && readErr == nil {
			readErr = fmt.Errorf("%s: %w", path, err)
		}
	}
	var match func(*pcapfile.Packet) (bool, error)
	var guard *bpffilter.FileGuard
	if expr != "" {
		flt, err := bpffilter.NewExpr(expr, bpffilter.Offline)
		if err != nil {
			return usageErr("%v", err)
		}
		// The files are one capture: an interface of a link type the
		// expression cannot be compiled for is left out (said once),
		// unless that leaves none.
		// An input may describe an interface after packets of others:
		// the decision that none is judged waits for their end (guard.End).
		guard = flt.Guard(mr.Interfaces)
		match = func(p *pcapfile.Packet) (bool, error) {
			ok, skips, err := guard.Judge(p)
			for _, s := range skips {
				fmt.Fprintf(stderr, "smcdump: filter: %v\n", s)
			}
			if !ok || err != nil {
				return false, err
			}
			return flt.Match(p)
		}
	}
	var out *pcapfile.Output
	var written uint64
	pr := newPostRotate(o.postRotate, stderr)
	defer func() {
		if out != nil {
			out.Close()
		}
	}()
	// The snapshots: held until the output opens (the newest only), then
	// written as they come, except repeats of one written lately (each
	// rotated file starts with a copy of the newest snapshot before its
	// first packet, which the file before it holds). WriteKstat keeps the
	// bytes it is given.
	var heldSnap []byte
	var recent [8]uint64 // hashes of the snapshots written last
	var nRecent int
	seen := func(js []byte) bool {
		h := maphash.Bytes(snapSeed, js)
		if slices.Contains(recent[:min(nRecent, len(recent))], h) {
			return true
		}
		recent[nRecent%len(recent)] = h
		nRecent++
		return false
	}
	var snapErr error
	mr.OnCustom = func(_ string, cb pcapfile.CustomBlock) {
		js, ok := pcapfile.KstatJSON(cb)
		switch {
		case !ok:
		case out == nil:
			heldSnap = append(heldSnap[:0], js...)
		case snapErr == nil && !seen(js):
			snapErr = out.WriteKstat(append([]byte(nil), js...))
		}
	}
	open := func(ifs []pcapfile.Interface) error {
		oc, err := o.outputConfig(cmd.OutOrStdout(), ifs, nil)
		if err != nil {
			return err
		}
		pr.hook(&oc)
		if out, err = pcapfile.NewOutput(oc); err != nil {
			return err
		}
		pr.opened(out)
		if heldSnap != nil {
			seen(heldSnap)
			snapErr = out.WriteKstat(heldSnap)
		}
		return nil
	}
	for {
		ap, _, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if frames != nil && !frames.has(ap.Frame) {
			continue
		}
		if match != nil {
			ok, err := match(ap)
			if err != nil {
				return usageErr("%v", err)
			}
			if !ok {
				continue
			}
		}
		ifs := mr.Interfaces()
		if out == nil {
			var oifs []pcapfile.Interface
			for _, ifc := range ifs {
				oifs = append(oifs, pcapfile.Rewritten(ifc))
			}
			if err := open(oifs); err != nil {
				return err
			}
		}
		for n := out.Interfaces(); n <= ap.Info.InterfaceIndex && n < len(ifs); n++ {
			if err := out.AddInterface(pcapfile.Rewritten(ifs[n])); err != nil {
				return err
			}
		}
		if err := out.WritePacket(ap); err != nil {
			if errors.Is(err, pcapfile.ErrFileLimit) {
				break
			}
			return err
		}
		written++
		if o.r.count > 0 && written >= uint64(o.r.count) {
			break
		}
	}
	if guard != nil {
		// The expression judges none of the inputs' interfaces: refused,
		// nothing written (no packet matched).
		skips, _, err := guard.End()
		if err != nil {
			return usageErr("%v", err)
		}
		for _, s := range skips {
			fmt.Fprintf(stderr, "smcdump: filter: %v\n", s)
		}
	}
	if out == nil {
		// No matching packet: still write a valid (empty) file.
		var ifs []pcapfile.Interface
		for _, ifc := range mr.Interfaces() {
			ifs = append(ifs, pcapfile.Interface{Name: ifc.Name, LinkType: ifc.LinkType, SnapLen: ifc.SnapLen})
		}
		if len(ifs) == 0 {
			if errs := mr.OpenErrors(); len(errs) > 0 && len(files) == 1 {
				return errs[0].Err
			}
			ifs = []pcapfile.Interface{{LinkType: pcapfile.LinkTypeEthernet}}
		}
		if err := open(ifs); err != nil {
			return err
		}
	}
	mr.Close() // the files still open (-c, a file limit): their problems too
	err := out.Close()
	out = nil
	pr.finished()
	if err == nil && snapErr != nil && !errors.Is(snapErr, pcapfile.ErrFileLimit) {
		err = snapErr
	}
	if err != nil {
		return err
	}
	if errs := mr.OpenErrors(); len(errs) > 0 {
		if len(files) == 1 {
			return errs[0].Err
		}
		for _, fe := range errs[1:] {
			fmt.Fprintf(stderr, "smcdump: %v\n", fe.Err)
		}
		return fmt.Errorf("%v (%s; the other files were written)", errs[0].Err, plural(uint64(len(errs)), "file not read", "files not read"))
	}
	if readErr != nil {
		return readErr
	}
	if len(damaged) > 0 {
		return &exitError{codeDamaged, fmt.Errorf("damaged input: %s (the rest was written)", strings.Join(damaged, "; "))}
	}
	return nil
}
