package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/textio"
)

const TimeLayout = "2006-01-02 15:04:05.000000"

// reportBufSize is the reports' output buffer: enough to write in large
// chunks, small enough that a short report costs little.
const reportBufSize = 32 << 10

// fmtTime is t in UTC as TimeLayout (appendTime).
func fmtTime(t time.Time) string {
	var b [len(TimeLayout)]byte
	return string(appendTime(b[:0], t))
}

// appendTime appends t in UTC as TimeLayout: digits put in place for the
// years 0 to 9999 (what time.Format gives, without parsing the layout for
// each of the report's thousands of times), AppendFormat for any other
// year.
func appendTime(buf []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(buf, TimeLayout)
	}
	h, mi, sec := t.Clock()
	var b [len(TimeLayout)]byte
	put := func(at, v, n int) {
		for i := at + n - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = ' '
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/1000, 6)
	return append(buf, b[:]...)
}

// TextOptions controls the text report.
type TextOptions struct {
	// Evidence prints the per-connection evidence blocks (frames and packet
	// times of every handshake step, and the CLC fields).
	Evidence bool
}

// WriteJSON writes the report as indented JSON (schema SchemaVersion), its
// connections from Connections (see JSONWriter for the layout).
func (r *Report) WriteJSON(w io.Writer) error {
	j := NewJSONWriter(w)
	j.report = true
	for _, c := range r.Connections {
		j.Connection(c)
	}
	return j.Finish(r)
}

// JSONWriter writes the JSON report with its connection list streamed: the
// schema and the connections first, each written as the analysis finishes
// it (analyze.Config.OnListed), then the sections known at the end (files,
// summary, fallbacks, services, peer_pairs, roce, multicast, counters,
// limits). Memory does not grow with the number of connections.
type JSONWriter struct {
	bw      *bufio.Writer
	ew      *textio.Writer
	n       int
	buf     []byte
	started bool // Connection was called (the caller's side)
	header  bool // the report's opening was written (the writing side)
	report  bool // WriteJSON: the connections are r.Connections
	// async, when set (Go), encodes and writes the connections in a
	// goroutine of its own.
	async *jsonAsync
}

// NewJSONWriter returns a writer of one JSON report to w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	bw := bufio.NewWriterSize(w, reportBufSize)
	return &JSONWriter{bw: bw, ew: textio.New(bw)}
}

// Started reports whether a connection was written (or handed to the
// writing goroutine).
func (j *JSONWriter) Started() bool { return j.started }

func (j *JSONWriter) start() {
	if !j.header {
		j.header = true
		j.ew.Printf("{\n  \"schema\": %q,\n  \"connections\": [", SchemaVersion)
	}
}

// Connection writes the next connection of the list (with Go, hands it to
// the writing goroutine).
func (j *JSONWriter) Connection(c *smcflow.Conn) {
	j.started = true
	if j.async != nil {
		j.async.add(j, c)
		return
	}
	j.encode(c)
}

// encode writes connection c.
func (j *JSONWriter) encode(c *smcflow.Conn) {
	j.start()
	j.buf = j.buf[:0]
	if j.n > 0 {
		j.buf = append(j.buf, ',')
	}
	j.n++
	j.buf = append(j.buf, "\n    "...)
	var err error
	j.buf, err = AppendConnJSON(j.buf, c, "    ")
	if err != nil && j.ew.Err == nil {
		j.ew.Err = err
	}
	j.ew.Write(j.buf)
}

// Finish writes the rest of the report and flushes. r.Connections is not
// written: the connections are those passed to Connection, all of them
// (analyze.Config.OnListed), so summary.not_listed is left out.
func (j *JSONWriter) Finish(r *Report) error {
	if err := j.Wait(); err != nil {
		return err
	}
	j.start()
	ew := j.ew
	if j.n > 0 {
		ew.Printf("\n  ")
	}
	ew.Printf("],\n")
	part := func(name string, v any, last bool) {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil && ew.Err == nil {
			ew.Err = err
		}
		ew.Printf("  %q: %s", name, b)
		if !last {
			ew.Printf(",")
		}
		ew.Printf("\n")
	}
	sum := r.Summary
	if j.report {
		sum.NotListed += r.Rows.Len()
	} else {
		sum.NotListed = 0
	}
	part("files", r.Files, false)
	if r.FileOrder != nil {
		part("file_order", r.FileOrder, false)
	}
	part("summary", sum, false)
	part("fallbacks", r.Fallbacks, false)
	part("services", r.Services, false)
	part("peer_pairs", r.PeerPairs, false)
	last := r.Multicast == nil && r.Counters == nil && len(r.Limits) == 0
	part("roce", r.RoCE, last)
	if r.Multicast != nil {
		part("multicast", r.Multicast, r.Counters == nil && len(r.Limits) == 0)
	}
	if r.Counters != nil {
		part("counters", r.Counters, len(r.Limits) == 0)
	}
	if len(r.Limits) > 0 {
		part("limits", r.Limits, true)
	}
	ew.Printf("}\n")
	if ew.Err != nil {
		return ew.Err
	}
	return j.bw.Flush()
}

// WriteText writes the human-readable report.
func (r *Report) WriteText(w io.Writer, o TextOptions) error {
	bw := bufio.NewWriterSize(w, reportBufSize)
	ew := textio.New(bw)
	r.writeHeader(ew)
	r.writeSummary(ew)
	r.writeLimits(ew)
	r.writeFallbacks(ew)
	r.writeRollups(ew, "Per service (server address:port)", "SERVICE", r.Services)
	r.writeRollups(ew, "Per peer pair (client → server)", "PEERS", r.PeerPairs)
	r.writeConnections(ew, o)
	if o.Evidence {
		r.writeEvidence(ew)
	}
	if r.Summary.IPIncomplete > 0 {
		ew.Printf("%d fragmented TCP segments, tunnel packets (GRE, IP in IP) or IPv6 datagrams with destination options could not be reassembled (a fragment missing from the capture, or fragments a receiver discards): what was inside them is not analyzed\n\n", r.Summary.IPIncomplete)
	}
	if r.Summary.UDPIncomplete > 0 {
		ew.Printf("%d fragmented UDP datagrams could not be reassembled (a fragment missing from the capture, or fragments a receiver discards: overlapping, inconsistent, past 64 KiB, or an IP ID reused): they never reached a socket and are not counted as received\n\n", r.Summary.UDPIncomplete)
	}
	if r.Multicast != nil && (len(r.Multicast.Streams) > 0 || r.Multicast.Membership != nil) && ew.Err == nil {
		ew.Err = r.Multicast.WriteText(ew)
		ew.Printf("\n")
	}
	if r.Counters != nil && ew.Err == nil {
		ew.Err = r.Counters.WriteText(ew)
	}
	if ew.Err != nil {
		return ew.Err
	}
	return bw.Flush()
}

// headerFilesInFull is how many files the text header describes one by one;
// beyond it, the first headerFilesHead and the last headerFilesTail are
// described, the others (a long rotation) summed on one line, except those
// with an error, damage or notes, which are always described.
const (
	headerFilesInFull = 12
	headerFilesHead   = 3
	headerFilesTail   = 2
)

func (r *Report) writeHeader(w *textio.Writer) {
	files := r.Files
	if len(files) > headerFilesInFull {
		var all fileSpan
		var truncated, filtered int
		for _, f := range files {
			all.add(f)
			truncated += f.Truncated
			filtered += f.Filtered
		}
		w.Printf("%d files, %d packets", len(files), all.packets)
		if all.ordered() {
			w.Printf(", %s – %s UTC (%.3f s)", fmtTime(*all.first), fmtTime(*all.last)[11:], all.last.Sub(*all.first).Seconds())
		}
		w.Printf("\n")
		if truncated > 0 {
			w.Printf("  %d packets were cut by the snaplen\n", truncated)
		}
		if filtered > 0 {
			w.Printf("  %s did not match the filter\n", plural(filtered, "packet"))
		}
	}
	r.writeFileOrder(w)
	// The files summed since the last one described: how many, the first
	// and last names, packets and time span.
	var skipped int
	var from, to, compression string
	var span fileSpan
	flush := func() {
		if skipped == 0 {
			return
		}
		w.Printf("... %s (%s … %s", plural(skipped, "more file"), from, to)
		if compression != "" && compression != "mixed" {
			w.Printf(", %s-compressed", compression)
		}
		w.Printf("): %d packets", span.packets)
		if span.ordered() {
			w.Printf(", %s – %s UTC", fmtTime(*span.first), fmtTime(*span.last)[11:])
		}
		w.Printf("\n")
		skipped, span, compression = 0, fileSpan{}, ""
	}
	for i, f := range files {
		if len(files) > headerFilesInFull && i >= headerFilesHead && i < len(files)-headerFilesTail &&
			f.Error == "" && f.DamagedRegions == 0 && f.ProblemCount == 0 && f.NoteCount == 0 {
			if skipped == 0 {
				from, compression = f.Path, f.Compression
			} else if compression != f.Compression {
				compression = "mixed"
			}
			to = f.Path
			span.add(f)
			skipped++
			continue
		}
		flush()
		r.writeFile(w, f)
	}
	flush()
	w.Printf("\n")
}

// fileSpan sums files for the header: their packets, the earliest first
// and the latest last packet.
type fileSpan struct {
	packets     int
	first, last *time.Time
}

func (s *fileSpan) add(f FileInfo) {
	s.packets += f.Packets
	if f.First != nil && (s.first == nil || f.First.Before(*s.first)) {
		s.first = f.First
	}
	if f.Last != nil && (s.last == nil || f.Last.After(*s.last)) {
		s.last = f.Last
	}
}

// ordered reports whether the span has both ends, the last not before the
// first.
func (s fileSpan) ordered() bool {
	return s.first != nil && s.last != nil && !s.last.Before(*s.first)
}

// writeFileOrder says in which order several files were analyzed, and where
// time goes back between them.
func (r *Report) writeFileOrder(w *textio.Writer) {
	fo := r.FileOrder
	if fo == nil {
		return
	}
	if fo.By == "merged" {
		w.Printf("Files merged packet by packet by time stamp (--merge): frame numbers are those of the merged capture\n")
	}
	if fo.Reordered {
		w.Printf("Files analyzed in the order of their first packets' times, not as given (--order given keeps the order given)\n")
	}
	if n := len(fo.Overlaps) + fo.MoreOverlaps; n > 0 {
		why := "the files overlap in time, so they are not one rotation (captures of several interfaces or hosts made at the same time)"
		if fo.By == "given" {
			why = "the files were given out of time order (--order given), or are not one rotation"
		}
		where := "1 file boundary"
		if n > 1 {
			where = fmt.Sprintf("%d file boundaries", n)
		}
		w.Printf("Time goes back at %s: %s; connections and streams that cross such a boundary may look reordered, restarted or lost. Captures made at the same time are analyzed merged packet by packet with --merge (smcdump -V LIST -w writes the merged file); compare capture points with --point.\n",
			where, why)
		for _, o := range fo.Overlaps {
			w.Printf("  %s starts at %s, %.6f s before the end of %s (%s)\n", o.File, fmtTime(o.Start), o.BackSeconds, o.Previous, fmtTime(o.PreviousEnd))
		}
		if fo.MoreOverlaps > 0 {
			w.Printf("  ... %d more\n", fo.MoreOverlaps)
		}
	}
}

// writeFile describes one file of the header.
// maxIfacesListed bounds the interfaces a file's header line names.
const maxIfacesListed = 32

func (r *Report) writeFile(w *textio.Writer, f FileInfo) {
	if f.Error != "" && f.Format == "" {
		w.Printf("error: %s\n", f.Error) // not opened
		writeInputs(w, f.Inputs)
		return
	}
	if f.Error != "" {
		// Read in part: what was read, then why it ended.
		defer w.Printf("error: %s\n", f.Error)
	}
	writeFileLine(w, "", f.Path, f.Format, f.Variant, f.Compression, f.Packets, f.First, f.Last)
	own, ownCount := f.OwnProblems()
	if f.DamagedRegions > 0 {
		if len(f.Inputs) > 0 && ownCount == 0 {
			w.Printf("  damaged input: %s, %d bytes skipped (offsets below, in the merged files); the rest was analyzed\n", plural(f.DamagedRegions, "damaged region"), f.SkippedBytes)
		} else {
			w.Printf("  damaged file: %s, %d bytes skipped (offsets below); the rest was analyzed\n", plural(f.DamagedRegions, "damaged region"), f.SkippedBytes)
		}
	}
	writeIfaces(w, "  ", f.Interfaces)
	if f.InterfacesShared > 0 {
		w.Printf("  %d more interface descriptions than the 4096 kept: each shares the entry of an earlier section's identical one, or one per link type and time stamp resolution\n", f.InterfacesShared)
	}
	if f.Filtered > 0 {
		w.Printf("  %s did not match the filter\n", plural(f.Filtered, "packet"))
	}
	if len(f.Tunnels) > 0 {
		w.Printf("  %s\n", tunnelsText(f.Tunnels, f.MoreTunnelFrames))
	}
	if f.Truncated > 0 {
		w.Printf("  %d packets were cut by the snaplen\n", f.Truncated)
	}
	for _, st := range f.CaptureStats {
		w.Printf("  capture statistics (interface %d, %s):%s\n", st.Interface, fmtTime(st.Time), isbText(st))
	}
	if f.CaptureStatsOmitted > 0 {
		w.Printf("  %d more capture statistics blocks (listed: each interface's first and last)\n", f.CaptureStatsOmitted)
	}
	writeProblems(w, "  ", f.Compression, own, ownCount, f.Notes, f.NoteCount)
	writeInputs(w, f.Inputs)
}

// writeFileLine writes a file's first line: path, format, packets and
// time span, indented by ind.
func writeFileLine(w *textio.Writer, ind, path, format, variant, compression string, packets int, first, last *time.Time) {
	w.Printf("%s%s: %s", ind, path, format)
	if variant != "" {
		w.Printf(" (%s)", variant)
	}
	if compression != "" {
		w.Printf(" (%s-compressed)", compression)
	}
	w.Printf(", %d packets", packets)
	switch {
	case first == nil || last == nil:
	case last.Before(*first):
		// Never a negative duration: say what is wrong.
		w.Printf(", first %s, last %s UTC (the last packet's time is before the first's)", fmtTime(*first), fmtTime(*last))
	default:
		w.Printf(", %s – %s UTC (%.3f s)", fmtTime(*first), fmtTime(*last)[11:], last.Sub(*first).Seconds())
	}
	w.Printf("\n")
}

// writeIfaces names a file's interfaces on one line, indented by ind.
// Interfaces described alike (the same interface in every section of a
// file made by concatenating captures, as cat of pcapng rotations does)
// are named once, with how many and their indexes, which the capture
// statistics refer to.
func writeIfaces(w *textio.Writer, ind string, ifaces []pcapfile.Interface) {
	type group struct {
		text string
		idx  []int
	}
	var groups []group
	at := map[string]int{}
	for n := range ifaces {
		s := ifaceText(&ifaces[n])
		g, ok := at[s]
		if !ok {
			g = len(groups)
			at[s] = g
			groups = append(groups, group{text: s})
		}
		groups[g].idx = append(groups[g].idx, n)
	}
	var ifs []string
	for n, g := range groups {
		if n == maxIfacesListed {
			more := 0
			for _, g := range groups[n:] {
				more += len(g.idx)
			}
			ifs = append(ifs, fmt.Sprintf("and %d more", more))
			break
		}
		s := g.text
		if len(g.idx) > 1 {
			s += fmt.Sprintf(" ×%d (interfaces %s)", len(g.idx), indexRanges(g.idx, 4))
		}
		ifs = append(ifs, s)
	}
	if len(ifs) > 0 {
		w.Printf("%sinterfaces: %s\n", ind, strings.Join(ifs, "; "))
	}
}

// indexRanges writes ascending indexes as ranges ("0–3, 8, 10–12"), at
// most max of them, then "…" and the last index.
func indexRanges(idx []int, max int) string {
	var b strings.Builder
	ranges := 0
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if ranges == max {
			fmt.Fprintf(&b, ", …, %d", idx[len(idx)-1])
			break
		}
		if ranges > 0 {
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d–%d", idx[i], idx[j])
		} else {
			fmt.Fprintf(&b, "%d", idx[i])
		}
		ranges++
		i = j + 1
	}
	return b.String()
}

// ifaceText describes an interface for writeIfaces: name, link type,
// snaplen when it cuts frames.
func ifaceText(i *pcapfile.Interface) string {
	s := i.LinkType.String()
	if i.Name != "" {
		s = i.Name + " " + s
	}
	if !i.LinkType.Supported() {
		s += " (link type not decoded by smcdump)"
	}
	if i.SnapLen != 0 && i.SnapLen < 262144 {
		s += fmt.Sprintf(" snaplen %d", i.SnapLen)
	}
	return s
}

// writeProblems lists a file's problems and notes with their offsets (in
// the decompressed data of a compressed file), indented by ind.
func writeProblems(w *textio.Writer, ind, compression string, problems []pcapfile.Problem, problemCount int, notes []pcapfile.Problem, noteCount int) {
	where := "offset"
	if compression != "" {
		where = "decompressed offset"
	}
	for _, p := range problems {
		w.Printf("%sfile problem at %s %d: %s\n", ind, where, p.Offset, p.Msg)
	}
	if problemCount > len(problems) {
		w.Printf("%s... %d more file problems\n", ind, problemCount-len(problems))
	}
	for _, p := range notes {
		w.Printf("%sfile note at %s %d: %s\n", ind, where, p.Offset, p.Msg)
	}
	if noteCount > len(notes) {
		w.Printf("%s... %d more file notes\n", ind, noteCount-len(notes))
	}
}

// writeInputs describes the files of a merged entry (FileInfo.Inputs)
// under it, each as its own entry would be described: its problems and
// notes at offsets in that file. Beyond headerFilesInFull, as in the
// header, the first headerFilesHead and last headerFilesTail are
// described, and every one with a problem, a note or an error; the others
// are summed on one line.
func writeInputs(w *textio.Writer, inputs []MergedInput) {
	var skipped int
	var from, to string
	var span fileSpan
	flush := func() {
		if skipped == 0 {
			return
		}
		names := from
		if skipped > 1 {
			names += " … " + to
		}
		w.Printf("  ... %s (%s): %d packets", plural(skipped, "more merged file"), names, span.packets)
		if span.ordered() {
			w.Printf(", %s – %s UTC", fmtTime(*span.first), fmtTime(*span.last)[11:])
		}
		w.Printf("\n")
		skipped, span = 0, fileSpan{}
	}
	for i, in := range inputs {
		if len(inputs) > headerFilesInFull && i >= headerFilesHead && i < len(inputs)-headerFilesTail &&
			in.Error == "" && in.DamagedRegions == 0 && in.ProblemCount == 0 && in.NoteCount == 0 {
			if skipped == 0 {
				from = in.Path
			}
			to = in.Path
			span.add(FileInfo{Packets: in.Packets, First: in.First, Last: in.Last})
			skipped++
			continue
		}
		flush()
		writeFileLine(w, "  merged from ", in.Path, in.Format, in.Variant, in.Compression, in.Packets, in.First, in.Last)
		if in.DamagedRegions > 0 {
			w.Printf("    damaged file: %s, %d bytes skipped (offsets below); the rest was analyzed\n", plural(in.DamagedRegions, "damaged region"), in.SkippedBytes)
		}
		writeIfaces(w, "    ", in.Interfaces)
		writeProblems(w, "    ", in.Compression, in.Problems, in.ProblemCount, in.Notes, in.NoteCount)
		if in.Error != "" {
			w.Printf("    error: %s\n", in.Error)
		}
	}
	flush()
}

// maxTunnelsText bounds the tunnels named in a file's text section.
const maxTunnelsText = 8

// tunnelsText is the line that says which tunnels frames were analyzed
// inside: "analyzed inside tunnels: 1200 frames in VXLAN vni 42
// 192.0.2.1 > 192.0.2.2; ...".
func tunnelsText(ts []Tunnel, more int) string {
	total := more
	for _, t := range ts {
		total += t.Frames
	}
	var parts []string
	for i, t := range ts {
		if i == maxTunnelsText {
			rest := 0
			for _, u := range ts[i:] {
				rest += u.Frames
			}
			parts = append(parts, fmt.Sprintf("%s in %d more tunnels", plural(rest, "frame"), len(ts)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s in %s", plural(t.Frames, "frame"), TunnelLabel(t)))
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("%s in tunnels beyond the first %d", plural(more, "frame"), MaxTunnels))
	}
	return fmt.Sprintf("%s analyzed inside tunnels: %s", plural(total, "frame"), strings.Join(parts, "; "))
}

// standardTunnelPort is the IANA port of each UDP tunnel kind, which
// TunnelLabel leaves out (VXLAN on Linux's 8472 is named with its port).
var standardTunnelPort = map[string]uint16{"VXLAN": 4789, "VXLAN-GPE": 4790, "Geneve": 6081}

// TunnelLabel names one tunnel: kind, port when not the kind's own, ID,
// outer endpoints (in address order: "10.0.0.1 <> 10.0.0.2"), and the
// depth when tunnels are nested.
func TunnelLabel(t Tunnel) string {
	s := t.Kind
	if t.Port != 0 && t.Port != standardTunnelPort[t.Kind] {
		s += fmt.Sprintf(" port %d", t.Port)
	}
	if t.ID != nil {
		switch t.Kind {
		case "VXLAN", "VXLAN-GPE", "Geneve":
			s += fmt.Sprintf(" vni %d", *t.ID)
		case "GRE":
			s += fmt.Sprintf(" key %#x", *t.ID)
		default:
			s += fmt.Sprintf(" session %d", *t.ID)
		}
	}
	// a tunnel is both directions between its endpoints (decode's zones
	// are): named in address order, with no direction
	a, b := t.Src, t.Dst
	if x, err1 := netip.ParseAddr(a); err1 == nil {
		if y, err2 := netip.ParseAddr(b); err2 == nil && x.Compare(y) > 0 {
			a, b = b, a
		}
	}
	s += " " + a + " <> " + b
	if t.Depth > 1 {
		s += fmt.Sprintf(" (%d tunnels deep)", t.Depth)
	}
	return s
}

func isbText(st pcapfile.InterfaceStats) string {
	var s string
	add := func(n string, v *uint64) {
		if v != nil {
			s += fmt.Sprintf(" %s %d", n, *v)
		}
	}
	add("received", st.IfRecv)
	add("dropped by interface/kernel (ifdrop)", st.IfDrop)
	add("dropped by OS (osdrop)", st.OSDrop)
	add("accepted by filter", st.FilterAccept)
	add("delivered", st.UsrDeliv)
	if s == "" {
		s = " no counters"
	}
	if st.Microseconds {
		s += " (times in microseconds, not at the interface's if_tsresol: dumpcap writes them so)"
	}
	return s
}

func (r *Report) writeSummary(w *textio.Writer) {
	s := r.Summary
	if s.TCPConnections == 0 && r.RoCE.Frames == 0 {
		w.Printf("SMC summary: no TCP connections in the capture\n\n")
		return
	}
	w.Printf("SMC summary: %d of %d TCP connections attempted SMC", s.SMCAttempts, s.TCPConnections)
	if s.PlainTCP > 0 {
		w.Printf(" (%d plain TCP)", s.PlainTCP)
	}
	w.Printf("\n")
	if s.NoHandshake > 0 {
		w.Printf("  %d more connections started before the capture and show no sign of SMC (not analyzed; --all lists them)\n", s.NoHandshake)
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, c := range s.ByOutcome {
		extra := ""
		switch c.Name {
		case string(smcflow.OutcomeSMC):
			extra = countsText(s.ByVariant)
		case string(smcflow.OutcomeUnknown):
			extra = countsText(s.UnknownByReason)
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", c.Name, c.Count, extra)
	}
	tw.Flush()
	if r.RoCE.Frames > 0 {
		w.Printf("  RoCE frames in the capture: %d (SMC-R link traffic is visible)\n", r.RoCE.Frames)
	}
	w.Printf("\n")
}

// countsText writes counts as "name n, name n".
func countsText(cs []Count) string {
	var v []string
	for _, x := range cs {
		v = append(v, fmt.Sprintf("%s %d", x.Name, x.Count))
	}
	return strings.Join(v, ", ")
}

// writeLimits lists the memory bounds the analysis reached.
func (r *Report) writeLimits(w *textio.Writer) {
	if len(r.Limits) == 0 {
		return
	}
	w.Printf("Memory bounds reached (the counts above still cover every connection)\n")
	for _, l := range r.Limits {
		w.Printf("  %s (bound %d): %s\n", l.Name, l.Value, l.Meaning)
	}
	w.Printf("\n")
}

func (r *Report) writeFallbacks(w *textio.Writer) {
	if len(r.Fallbacks) == 0 {
		return
	}
	w.Printf("Fallbacks and handshake errors by cause\n")
	for _, g := range r.Fallbacks {
		head := fmt.Sprintf("%s: %s", g.Outcome, g.Reason)
		if g.Code != "" {
			head += " " + g.Code
			if g.Name != "" {
				head += " " + smcflow.ShortName(g.Name)
			}
		}
		if g.By != "" {
			if g.Reason == smcflow.ReasonPeerNoSMC {
				head += " (on the client, no CLC exchanged)"
			} else {
				head += " by " + g.By
			}
		}
		w.Printf("  %4d × %s\n", g.Count, head)
		if g.Meaning != "" {
			w.Printf("         meaning: %s\n", g.Meaning)
		}
		if g.Remedy != "" {
			w.Printf("         remedy:  %s\n", g.Remedy)
		}
		ids := make([]string, 0, len(g.Connections))
		for _, id := range g.Connections {
			ids = append(ids, fmt.Sprintf("#%d", id))
		}
		more := ""
		if g.Count > len(g.Connections) {
			more = fmt.Sprintf(" (+%d more)", g.Count-len(g.Connections))
		}
		w.Printf("         connections: %s%s\n", strings.Join(ids, " "), more)
	}
	w.Printf("\n")
}

func (r *Report) writeRollups(w *textio.Writer, title, col string, rs []Rollup) {
	if len(rs) == 0 {
		return
	}
	w.Printf("%s\n", title)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\tTOTAL\tSMC\tFALLBACK\tERROR\tUNKNOWN\tDETAIL\n", col)
	shown := rs
	if len(shown) > TextRollupRows {
		shown = shown[:TextRollupRows]
	}
	for _, ru := range shown {
		get := func(o smcflow.Outcome) int {
			for _, c := range ru.Outcomes {
				if c.Name == string(o) {
					return c.Count
				}
			}
			return 0
		}
		var det []string
		for _, v := range ru.Variants {
			det = append(det, fmt.Sprintf("%s×%d", v.Name, v.Count))
		}
		for _, v := range ru.Reasons {
			det = append(det, fmt.Sprintf("%s×%d", v.Name, v.Count))
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%s\n", ru.Key, ru.Total, get(smcflow.OutcomeSMC), get(smcflow.OutcomeFallback), get(smcflow.OutcomeHandshakeError), get(smcflow.OutcomeUnknown), strings.Join(det, ", "))
	}
	tw.Flush()
	if n := len(rs) - len(shown); n > 0 {
		conns := 0
		for _, ru := range rs[len(shown):] {
			conns += ru.Total
		}
		w.Printf("  ... %d more rows (%d connections) in the JSON report\n", n, conns)
	}
	w.Printf("\n")
}

// TextRollupRows is how many rows of each rollup the text report shows
// (the largest; the JSON report has up to MaxRollups).
const TextRollupRows = 50

// tableChunk is how many connection rows share one column layout: the
// table is aligned per chunk, so writing it holds one chunk, not the table.
const tableChunk = 1000

// connDetail is the short "what" column of the connection table.
func connDetail(c *smcflow.Conn) string {
	s, delay, late := connDetailParts(c)
	if late {
		s += lateText(delay)
	}
	return s
}

// connDetailParts returns the detail column of c without a late Decline's
// delay, and that delay (ms) when there is one.
func connDetailParts(c *smcflow.Conn) (string, float64, bool) {
	switch {
	case c.Outcome == smcflow.OutcomeSMC && c.SMC != nil:
		s := c.SMC.Variant
		if c.SMC.FirstContact {
			s += " first-contact"
		}
		if c.Link != nil {
			s += " link:" + c.Link.State
		}
		return s, 0, false
	case c.Decline != nil:
		s := c.Decline.Code + " " + smcflow.ShortName(c.Decline.Name) + " by " + c.Decline.By
		if c.Decline.Late && c.Decline.DelayMS != nil {
			return s, *c.Decline.DelayMS, true
		}
		return s, 0, false
	case c.Reason == smcflow.ReasonPeerNoSMC:
		return "0x03010000 PEERNOSMC (client)", 0, false
	}
	return c.Reason, 0, false
}

func lateText(delayMS float64) string { return string(appendLate(nil, delayMS)) }

// appendLate appends lateText(delayMS).
func appendLate(buf []byte, delayMS float64) []byte {
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, delayMS/1000, 'f', 3, 64)
	return append(buf, "s after Confirm"...)
}

func (r *Report) writeConnections(w *textio.Writer, o TextOptions) {
	n := len(r.Connections) + r.Rows.Len()
	if n == 0 {
		if r.Summary.TCPConnections > 0 {
			w.Printf("No connections with SMC involvement.\n\n")
		}
		return
	}
	if r.Summary.NotListed > 0 {
		w.Printf("Connections (the first %d; %d more are counted above but not listed: raise --keep)\n", n, r.Summary.NotListed)
	} else {
		w.Printf("Connections\n")
	}
	// Aligned as the other tables (tabwriter.NewWriter(w, 2, 8, 2, ' ',
	// 0)), a chunk of rows at a time, by textio.Table: its thousands of
	// rows took most of the text report's time through tabwriter.
	tw := textio.NewTable(w, 2, 2)
	tw.Write([]byte("  #\tCLIENT\tSERVER\tOUTCOME\tDETAIL\tHANDSHAKE\tSTART (UTC)\n"))
	var buf []byte
	for i := range n {
		if i > 0 && i%tableChunk == 0 {
			tw.Flush()
		}
		if i < len(r.Connections) {
			buf = connLine(buf[:0], r.Connections[i])
		} else {
			buf = r.Rows.line(buf[:0], &r.Rows.Rows[i-len(r.Connections)])
		}
		tw.Write(buf)
	}
	tw.Flush()
	w.Printf("\n")
}

func (r *Report) writeEvidence(w *textio.Writer) {
	if len(r.Connections)+r.Rows.Len() == 0 {
		return
	}
	w.Printf("Evidence\n")
	omitted := r.Rows.Len()
	defer func() {
		if omitted > 0 {
			w.Printf("(%d more connections listed above keep no evidence: only the first %d kept connections do, a memory bound)\n", omitted, len(r.Connections)+r.Rows.Len()-omitted)
		}
		w.Printf("\n")
	}()
	for _, c := range r.Connections {
		if c.DetailOmitted {
			omitted++
			continue
		}
		in := ""
		if c.Tunnel != "" {
			in = " (inside " + c.Tunnel + ")"
		}
		w.Printf("#%d %s → %s%s: %s\n", c.ID, c.Client, c.Server, in, c.Summary)
		for _, e := range c.Evidence {
			file := ""
			if e.File != "" {
				file = e.File + " "
			}
			w.Printf("    %sframe %-6d %s  %s  %s\n", file, e.Frame, fmtTime(e.Time), e.Dir, e.What)
		}
		if c.Decline != nil && c.Decline.Remedy != "" {
			w.Printf("    remedy: %s\n", c.Decline.Remedy)
		}
		if c.ClientInfo != nil {
			w.Printf("    client: %s\n", endpointText(c.ClientInfo))
		}
		if c.ServerInfo != nil {
			w.Printf("    server: %s\n", endpointText(c.ServerInfo))
		}
		if c.SMC != nil && (c.SMC.EID != "" || c.SMC.Release != nil) {
			s := "    negotiated:"
			if c.SMC.Release != nil {
				s += fmt.Sprintf(" release v2.%d", *c.SMC.Release)
			}
			if c.SMC.EID != "" {
				s += " eid " + c.SMC.EID
			}
			if c.SMC.Direct != nil {
				s += fmt.Sprintf(" direct %v", *c.SMC.Direct)
			}
			if c.SMC.MaxConns > 0 {
				s += fmt.Sprintf(" max_conns %d max_links %d", c.SMC.MaxConns, c.SMC.MaxLinks)
			}
			w.Printf("%s\n", s)
		}
		if l := c.Link; l != nil {
			s := fmt.Sprintf("    link: %s, client qpn %s, server qpn %s", l.State, l.ClientQPN, l.ServerQPN)
			if l.RoCEPackets > 0 {
				s += fmt.Sprintf(", %d RoCE packets", l.RoCEPackets)
			}
			for _, x := range l.LLC {
				s += fmt.Sprintf(", %s×%d", x.Type, x.Count)
			}
			if l.CDCMessages > 0 {
				s += fmt.Sprintf(", CDC×%d", l.CDCMessages)
			}
			if l.RDMAWrites > 0 {
				s += fmt.Sprintf(", RDMA writes×%d (%d bytes)", l.RDMAWrites, l.RDMABytes)
			}
			w.Printf("%s\n", s)
		}
		for _, n := range c.Notes {
			w.Printf("    note: %s\n", n)
		}
	}
}

func endpointText(e *smcflow.Endpoint) string {
	var p []string
	add := func(k, v string) {
		if v != "" {
			p = append(p, k+" "+v)
		}
	}
	add("offered", e.Offered)
	add("peer-id", e.PeerID)
	add("gid", e.GID)
	add("mac", e.MAC)
	add("qpn", e.QPN)
	add("token", e.Token)
	if e.BufferBytes > 0 {
		add("buffer", smcflow.ByteSize(e.BufferBytes))
	}
	if e.MTU > 0 {
		add("mtu", fmt.Sprint(e.MTU))
	}
	add("ism-gid", e.ISMGID)
	add("dmb-token", e.DMBToken)
	add("chid", e.CHID)
	add("host", e.Hostname)
	add("os", e.OS)
	if e.Release != nil {
		add("release", fmt.Sprintf("v2.%d", *e.Release))
	}
	add("rocev2-gid", e.RoCEv2GID)
	add("ipv4-prefix", e.IPv4Prefix)
	if len(e.IPv6Prefixes) > 0 {
		add("ipv6-prefixes", strings.Join(e.IPv6Prefixes, ","))
	}
	if len(e.EIDs) > 0 {
		add("eids", strings.Join(e.EIDs, ","))
	}
	if len(e.ISMGIDs) > 0 {
		add("ism-gids", strings.Join(e.ISMGIDs, ","))
	}
	if len(e.GIDList) > 0 {
		add("gid-list", strings.Join(e.GIDList, ","))
	}
	add("seid", e.SEID)
	return strings.Join(p, ", ")
}

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
