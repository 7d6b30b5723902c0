package pcapfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Format is an output file format.
type Format int

const (
	// FormatPcapng writes pcapng with statistics and kstat blocks (default).
	FormatPcapng Format = iota
	// FormatPcap writes legacy pcap (one link type, no statistics).
	FormatPcap
)

// ParseFormat parses "pcapng" or "pcap".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "pcapng":
		return FormatPcapng, nil
	case "pcap":
		return FormatPcap, nil
	}
	return 0, fmt.Errorf("unknown format %q (want pcapng or pcap)", s)
}

// ErrFileLimit is returned by Output.WritePacket when -G rotation with a -W
// limit has produced the maximum number of files (tcpdump then exits with
// status 0).
var ErrFileLimit = errors.New("pcapfile: maximum number of files reached")

// OutputConfig configures an Output.
type OutputConfig struct {
	// Path is the file name ("-" for Stdout). With RotateEvery it may contain
	// strftime(3) conversions.
	Path string
	// Stdout receives the capture when Path is "-".
	Stdout io.Writer
	// Format selects pcapng (default) or pcap.
	Format Format
	// Micro selects microsecond pcap timestamps (magic a1b2c3d4).
	Micro bool
	// Section describes the pcapng section header.
	Section SectionInfo
	// Interfaces are written as IDBs (pcapng); pcap uses the first one's link
	// type and snaplen, and all must share the link type.
	Interfaces []Interface
	// RotateSize starts a new file when the current one exceeds this many
	// bytes (tcpdump -C); 0 disables.
	RotateSize int64
	// RotateEvery starts a new file after this long (tcpdump -G); 0 disables.
	RotateEvery time.Duration
	// MaxFiles is tcpdump -W: with RotateSize a ring of MaxFiles files; with
	// RotateEvery stop after MaxFiles files (ErrFileLimit).
	MaxFiles int
	// PacketBuffered flushes after every packet (tcpdump -U).
	PacketBuffered bool
	// BufferSize is the write buffer size; 0 means DefaultWriteBuffer.
	BufferSize int
	// Stats returns the cumulative interface counters, written as ISBs at the
	// end of every pcapng file (also rotated ones). May be nil.
	Stats func() ([]InterfaceStats, error)
	// FileOpened is called with the name of each new file (not the first)
	// once it is started, with the Output locked: it must not call the
	// Output's methods. May be nil.
	FileOpened func(name string)
	// Snapshot takes a kernel-counter snapshot (JSON, see WriteKstat) and
	// returns it with the time it was taken (kstat.Snapshot.TakenAt). It is
	// called with the Output locked when a pcapng file is due to rotate, and
	// the snapshot ends the current file, so that each file's packets lie
	// between its start and end snapshots. With RotateEvery, packets stamped
	// before takenAt (still in the ring when it was taken) go to the current
	// file and the first packet stamped at or after takenAt starts the next
	// one, which begins with the same snapshot. With RotateSize the next
	// file starts at once (its size must stay bounded), with the newest
	// earlier snapshot that precedes its first packet and then this one.
	// ok false rotates without a snapshot. May be nil.
	Snapshot func() (snapshotJSON []byte, takenAt time.Time, ok bool)
	// FlushInterval bounds how long a packet stays in the write buffer:
	// buffered data is written at least every FlushInterval/2 by a
	// background goroutine (0: only when the buffer is full, on Flush and
	// on Close). A crash (SIGKILL, power loss) then loses at most the
	// packets of the last FlushInterval instead of up to BufferSize bytes.
	FlushInterval time.Duration
	// FlushError is called (from the background flusher, without the lock)
	// when a timed flush fails, e.g. with "no space left on device": the
	// caller may be blocked waiting for packets and would otherwise notice
	// only at its next write. May be nil.
	FlushError func(error)
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
	// Location is used for strftime names; nil means time.Local.
	Location *time.Location
}

// DefaultFlushInterval is the FlushInterval the capture command uses: a
// crash loses at most about the last second of packets.
const DefaultFlushInterval = time.Second

type packetWriter interface {
	WritePacket(p *Packet) error
	Flush() error
	Size() int64
	Packets() (written, lost uint64)
	Pending() bool
}

// Output writes packets to a file (or stdout) with tcpdump-style rotation.
// Methods are safe for concurrent use.
type Output struct {
	mu        sync.Mutex
	cfg       OutputConfig
	w         packetWriter
	ng        *NgWriter // nil for pcap
	f         *os.File  // nil for stdout
	name      string
	fileStart time.Time
	cCount    int
	gFiles    int
	files     []string
	err       error
	pend      *pendingRotation
	filePkts  int // packets written into the current file
	// recent kernel-counter snapshots (newest last, at most maxKstatHist),
	// to start a size-rotated file with one that precedes its first packet
	hist []kstatRec
	// packets written to and lost by the files already closed
	doneWritten, doneLost uint64
	stopFlush             chan struct{}
	flushDone             chan struct{}
	stopOnce              sync.Once
}

// pendingRotation is a rotation that is due but waits for the first packet
// stamped at or after the boundary snapshot.
type pendingRotation struct {
	byTime  bool
	at      time.Time // wait for a packet stamped at or after at; zero: rotate now
	snap    []byte
	snapAt  time.Time
	written bool      // snap is already in the current file
	due     time.Time // when the rotation became due (Now)
}

type kstatRec struct {
	at time.Time
	b  []byte
}

const maxKstatHist = 8

// writeKstat writes a snapshot into the current file and remembers it.
func (o *Output) writeKstat(b []byte, at time.Time) error {
	if err := o.ng.WriteKstat(b); err != nil {
		return o.wrap(err)
	}
	if at.IsZero() {
		var s struct {
			TakenAt time.Time `json:"taken_at"`
		}
		if json.Unmarshal(b, &s) != nil || s.TakenAt.IsZero() {
			return nil
		}
		at = s.TakenAt
	}
	if n := len(o.hist); len(b) == 0 || n > 0 && &o.hist[n-1].b[0] == &b[0] {
		return nil // the same snapshot again (boundary: end, then start)
	}
	if len(o.hist) == maxKstatHist {
		o.hist = append(o.hist[:0], o.hist[1:]...)
	}
	o.hist = append(o.hist, kstatRec{at, b})
	return nil
}

// startSnapshot returns the newest remembered snapshot taken no later than
// t, or nil.
func (o *Output) startSnapshot(t time.Time) []byte {
	for i := len(o.hist) - 1; i >= 0; i-- {
		if !o.hist[i].at.After(t) {
			return o.hist[i].b
		}
	}
	return nil
}

// NewOutput opens the first file and writes its headers.
func NewOutput(cfg OutputConfig) (*Output, error) {
	if cfg.Path == "" {
		return nil, errors.New("pcapfile: no output path")
	}
	if len(cfg.Interfaces) == 0 {
		return nil, errors.New("pcapfile: output needs at least one interface")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Path == "-" && (cfg.RotateSize > 0 || cfg.RotateEvery > 0) {
		return nil, errors.New("pcapfile: cannot rotate when writing to standard output")
	}
	if cfg.Format == FormatPcap {
		for _, ifc := range cfg.Interfaces[1:] {
			if ifc.LinkType != cfg.Interfaces[0].LinkType {
				return nil, fmt.Errorf("pcapfile: pcap format needs one link type, but %s and %s differ; use pcapng", cfg.Interfaces[0].Name, ifc.Name)
			}
		}
	}
	o := &Output{cfg: cfg}
	if err := o.open(); err != nil {
		return nil, err
	}
	if cfg.FlushInterval > 0 {
		o.stopFlush, o.flushDone = make(chan struct{}), make(chan struct{})
		go o.flusher(cfg.FlushInterval)
	}
	return o, nil
}

// flusher writes buffered data every interval/2, so no packet waits in the
// buffer much longer than that while packets flow.
func (o *Output) flusher(interval time.Duration) {
	defer close(o.flushDone)
	tk := time.NewTicker(max(interval/2, time.Millisecond))
	defer tk.Stop()
	for {
		select {
		case <-o.stopFlush:
			return
		case <-tk.C:
			var ferr error
			o.mu.Lock()
			if o.w != nil && (o.err == nil || errors.Is(o.err, ErrFileLimit)) && o.w.Pending() {
				if err := o.flushLocked(); err != nil {
					ferr = err
					if o.err == nil {
						o.err = err
					}
				}
			}
			o.mu.Unlock()
			if ferr != nil && o.cfg.FlushError != nil {
				o.cfg.FlushError(ferr)
			}
		}
	}
}

// FileName returns the name tcpdump would use for rotation count cnt at time
// t: strftime conversions (when RotateEvery is set) and a numeric suffix
// (zero-padded to the width of MaxFiles when MaxFiles is set).
func (o *Output) FileName(t time.Time, cnt int) string {
	maxFiles := o.cfg.MaxFiles
	if o.cfg.RotateSize == 0 {
		maxFiles = 0 // tcpdump numbers files only with -C
	}
	return makeFilename(o.cfg.Path, o.cfg.RotateEvery > 0, t.In(o.cfg.Location), cnt, maxFiles)
}

func makeFilename(path string, strf bool, t time.Time, cnt, maxFiles int) string {
	name := path
	if strf {
		name = Strftime(path, t)
	}
	width := 0
	if maxFiles > 0 {
		width = len(strconv.Itoa(maxFiles))
	}
	if cnt == 0 && width == 0 {
		return name
	}
	s := strconv.Itoa(cnt)
	for len(s) < width {
		s = "0" + s
	}
	return name + s
}

func (o *Output) open() error {
	now := o.cfg.Now()
	var w io.Writer
	if o.cfg.Path == "-" {
		if o.cfg.Stdout == nil {
			return errors.New("pcapfile: no standard output writer")
		}
		w = o.cfg.Stdout
		o.name = "-"
		o.f = nil
	} else {
		name := o.FileName(now, o.cCount)
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s: %w", name, pe.Err)
			}
			return err
		}
		o.f, o.name, w = f, name, f
	}
	o.fileStart = now
	o.filePkts = 0
	o.files = append(o.files, o.name)
	if o.cfg.Format == FormatPcap {
		ifc := o.cfg.Interfaces[0]
		pw, err := NewPcapWriter(w, ifc.LinkType, ifc.SnapLen, o.cfg.Micro, o.cfg.BufferSize)
		if err != nil {
			return err
		}
		o.w, o.ng = pw, nil
	} else {
		nw, err := NewNgWriter(w, o.cfg.Section, o.cfg.Interfaces, o.cfg.BufferSize)
		if err != nil {
			return err
		}
		o.w, o.ng = nw, nw
	}
	// Put the headers on disk at once, so that the file is valid even if
	// a later write fails (disk full).
	return o.flushLocked()
}

// finish writes the ISBs, flushes and closes the current file.
func (o *Output) finish() error {
	var first error
	if o.ng != nil && o.cfg.Stats != nil {
		if st, err := o.cfg.Stats(); err == nil || len(st) > 0 {
			for _, is := range st {
				if is.Interface < len(o.cfg.Interfaces) {
					if err := o.ng.WriteStats(is); err != nil && first == nil {
						first = o.wrap(err)
					}
				}
			}
		}
	}
	if err := o.flushLocked(); err != nil && first == nil {
		first = err
	}
	w, l := o.w.Packets()
	o.doneWritten += w
	o.doneLost += l
	if o.f != nil {
		if err := o.f.Close(); err != nil && first == nil {
			first = o.wrap(err)
		}
		o.f = nil
	}
	return first
}

func (o *Output) wrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", o.name, err)
}

func (o *Output) flushLocked() error {
	if err := o.w.Flush(); err != nil {
		return o.wrap(err)
	}
	return nil
}

// rotateIfNeeded starts a new file before p is written when one is due, so
// no packet is lost or split across a rotation. With a Snapshot hook (pcapng)
// a snapshot taken at the rotation ends the old file, taken after every
// packet in it. With -G the rotation then waits for the first packet stamped
// at or after that snapshot, which also starts the new file: each file holds
// the packets between its two boundary snapshots. With -C (the file size
// must stay bounded, whatever the ring still holds) the new file starts at
// once, with the newest earlier snapshot that precedes its first packet,
// followed by the boundary one.
func (o *Output) rotateIfNeeded(p *Packet) error {
	if o.cfg.Path == "-" {
		return nil
	}
	if o.pend == nil {
		var byTime, bySize bool
		if o.cfg.RotateEvery > 0 && o.cfg.Now().Sub(o.fileStart) >= o.cfg.RotateEvery {
			byTime = true
		} else if o.cfg.RotateSize > 0 && o.w.Size() > o.cfg.RotateSize && o.filePkts > 0 {
			// (At least one packet per file: snapshots larger than -C
			// must not start a new file for every packet.)
			bySize = true
		}
		if !byTime && !bySize {
			return nil
		}
		o.pend = &pendingRotation{byTime: byTime, due: o.cfg.Now()}
		if o.ng != nil && o.cfg.Snapshot != nil {
			if b, at, ok := o.cfg.Snapshot(); ok && len(b) > 0 {
				o.pend.snap, o.pend.snapAt = b, at
				if byTime {
					o.pend.at = at
				}
			}
		}
	}
	if !o.pend.at.IsZero() && p.Info.Timestamp.Before(o.pend.at) &&
		o.cfg.Now().Sub(o.pend.due) < max(o.cfg.RotateEvery, time.Second) {
		// The packet predates the boundary: it stays in this file. (Not
		// for longer than one rotation period: a clock stepped back, or a
		// backlog that large, must not stop the rotation.)
		return nil
	}
	pr := o.pend
	o.pend = nil
	if pr.snap != nil && !pr.written {
		if err := o.writeKstat(pr.snap, pr.snapAt); err != nil {
			return err
		}
	}
	if pr.byTime {
		o.gFiles++
		if o.cfg.MaxFiles > 0 && o.gFiles >= o.cfg.MaxFiles {
			return ErrFileLimit
		}
		o.cCount = 0
	} else {
		o.cCount++
		if o.cfg.MaxFiles > 0 && o.cfg.RotateEvery == 0 && o.cCount >= o.cfg.MaxFiles {
			o.cCount = 0
		}
	}
	// The new file starts with the boundary snapshot, or, when p predates
	// it (-C: the ring's backlog) or there is none (no Snapshot function:
	// a capture file rewritten with its embedded snapshots passed through
	// WriteKstat), with the newest one that precedes p.
	start, startAt := pr.snap, pr.snapAt
	if pr.snap == nil || p.Info.Timestamp.Before(pr.snapAt) {
		if b := o.startSnapshot(p.Info.Timestamp); b != nil {
			start, startAt = b, time.Time{}
		}
	}
	if err := o.finish(); err != nil {
		return err
	}
	if err := o.open(); err != nil {
		return err
	}
	if start != nil {
		if err := o.writeKstat(start, startAt); err != nil {
			return err
		}
	}
	if o.cfg.FileOpened != nil {
		o.cfg.FileOpened(o.name)
	}
	return nil
}

// rotates reports whether rotateIfNeeded has anything to check: a rotation
// is configured or pending. The callers ask first: inlined, it spares a
// capture without -G/-C a call per packet.
func (o *Output) rotates() bool {
	return o.pend != nil || o.cfg.RotateEvery > 0 || o.cfg.RotateSize > 0
}

// WritePacket writes p, rotating first if needed.
func (o *Output) WritePacket(p *Packet) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if o.rotates() {
		if err := o.rotateIfNeeded(p); err != nil {
			o.err = err
			return err
		}
	}
	if err := o.w.WritePacket(p); err != nil {
		o.err = o.wrap(err)
		return o.err
	}
	o.filePkts++
	if o.cfg.PacketBuffered {
		if err := o.flushLocked(); err != nil {
			o.err = err
			return err
		}
	}
	return nil
}

// AddInterface adds an interface after the output was opened (a capture
// file read with -r whose later section or IDB describes another one): the
// current pcapng file gets its IDB at once, and every file after a
// rotation describes it too. Its id is the number of interfaces before it.
// A pcap file has one link type: an interface with another is an error.
func (o *Output) AddInterface(ifc Interface) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if o.cfg.Format == FormatPcap && ifc.LinkType != o.cfg.Interfaces[0].LinkType {
		return fmt.Errorf("pcapfile: pcap format needs one link type, but %s and %s differ; use pcapng", o.cfg.Interfaces[0].Name, ifc.Name)
	}
	o.cfg.Interfaces = append(o.cfg.Interfaces[:len(o.cfg.Interfaces):len(o.cfg.Interfaces)], ifc)
	if o.ng != nil {
		if err := o.ng.AddInterface(ifc); err != nil {
			o.err = o.wrap(err)
			return o.err
		}
	}
	return nil
}

// Interfaces returns the number of interfaces the output describes.
func (o *Output) Interfaces() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.cfg.Interfaces)
}

// WritePackets writes pkts in order (one lock for the batch), rotating
// between packets as needed. It returns how many were written.
func (o *Output) WritePackets(pkts []Packet) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range pkts {
		if o.err != nil {
			return i, o.err
		}
		if o.rotates() {
			if err := o.rotateIfNeeded(&pkts[i]); err != nil {
				o.err = err
				return i, err
			}
		}
		if err := o.w.WritePacket(&pkts[i]); err != nil {
			o.err = o.wrap(err)
			return i, o.err
		}
		o.filePkts++
		if o.cfg.PacketBuffered {
			if err := o.flushLocked(); err != nil {
				o.err = err
				return i, err
			}
		}
	}
	return len(pkts), nil
}

// WriteKstat stores a kernel-counter snapshot (JSON) in the current file as
// a custom block. It does nothing for pcap output.
func (o *Output) WriteKstat(snapshotJSON []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writeKstatLocked(snapshotJSON)
}

// writeKstatLocked is WriteKstat with o.mu held.
// After the -W file limit (ErrFileLimit) the last file is still open and
// takes the final snapshot.
func (o *Output) writeKstatLocked(snapshotJSON []byte) error {
	if o.err != nil && !errors.Is(o.err, ErrFileLimit) {
		return o.err
	}
	if o.ng == nil || o.w == nil {
		return nil
	}
	if pr := o.pend; pr != nil && pr.snap != nil && !pr.written {
		// A pending boundary snapshot precedes this one in the file.
		if err := o.writeKstat(pr.snap, pr.snapAt); err != nil {
			return err
		}
		pr.written = true
	}
	if err := o.writeKstat(snapshotJSON, time.Time{}); err != nil {
		return err
	}
	if o.cfg.PacketBuffered {
		return o.flushLocked()
	}
	return nil
}

// Flush writes buffered data to the file (tcpdump flushes on SIGUSR2).
func (o *Output) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.w == nil {
		return nil
	}
	return o.flushLocked()
}

// Packets returns how many packets reached the output files (written, over
// all files) and how many were accepted by WritePacket(s) but lost to a
// write error (lost: they were buffered when the write failed, e.g. "no
// space left on device"). Packets still buffered count in neither; after
// Close every accepted packet is in one of the two.
func (o *Output) Packets() (written, lost uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	written, lost = o.doneWritten, o.doneLost
	if o.w != nil {
		w, l := o.w.Packets()
		written += w
		lost += l
	}
	return written, lost
}

// Files returns the names of all files opened so far, in order.
func (o *Output) Files() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.files...)
}

// Close writes the final ISBs, flushes and closes the file. The file is
// valid pcapng (or pcap) even if an earlier write failed.
func (o *Output) Close() error {
	if o.stopFlush != nil {
		o.stopOnce.Do(func() {
			close(o.stopFlush)
			<-o.flushDone
		})
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.w == nil {
		return nil
	}
	if pr := o.pend; pr != nil && pr.snap != nil && !pr.written && o.ng != nil {
		// The boundary snapshot was taken after every packet in this file.
		_ = o.writeKstat(pr.snap, pr.snapAt)
		pr.written = true
	}
	err := o.finish()
	o.w = nil
	if err == nil && o.err != nil && !errors.Is(o.err, ErrFileLimit) {
		err = o.err
	}
	return err
}

// Strftime formats t with the strftime(3) conversions commonly used in
// tcpdump -G file names: %Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B %h %F %T
// %D %R %s %z %Z %n %t %%. Unknown conversions are copied as they are.
func Strftime(format string, t time.Time) string {
	var sb strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			sb.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			sb.WriteString(t.Format("06"))
		case 'm':
			sb.WriteString(t.Format("01"))
		case 'd':
			sb.WriteString(t.Format("02"))
		case 'e':
			sb.WriteString(t.Format("_2"))
		case 'H':
			sb.WriteString(t.Format("15"))
		case 'I':
			sb.WriteString(t.Format("03"))
		case 'M':
			sb.WriteString(t.Format("04"))
		case 'S':
			sb.WriteString(t.Format("05"))
		case 'p':
			sb.WriteString(t.Format("PM"))
		case 'j':
			fmt.Fprintf(&sb, "%03d", t.YearDay())
		case 'a':
			sb.WriteString(t.Format("Mon"))
		case 'A':
			sb.WriteString(t.Format("Monday"))
		case 'b', 'h':
			sb.WriteString(t.Format("Jan"))
		case 'B':
			sb.WriteString(t.Format("January"))
		case 'F':
			sb.WriteString(t.Format("2006-01-02"))
		case 'T':
			sb.WriteString(t.Format("15:04:05"))
		case 'D':
			sb.WriteString(t.Format("01/02/06"))
		case 'R':
			sb.WriteString(t.Format("15:04"))
		case 's':
			sb.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'z':
			sb.WriteString(t.Format("-0700"))
		case 'Z':
			sb.WriteString(t.Format("MST"))
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case '%':
			sb.WriteByte('%')
		default:
			sb.WriteByte('%')
			sb.WriteByte(format[i])
		}
	}
	return sb.String()
}
