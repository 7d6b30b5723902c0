package pcapfile

import (
	"container/heap"
	"fmt"
	"io"
	"slices"
	"time"
)

// MultiReader reads several capture files as one capture: by default merged
// packet by packet in time-stamp order (as mergecap merges), or one after
// the other in the order given (Concatenate: as tcpdump -V and mergecap -a
// read them). Interfaces of different files with the same name and link
// type (unnamed: the same index and link type) are one interface of the
// merged capture, so the files of a rotation share theirs.
//
// Files are opened as the merge reaches them: a file's first packet time is
// peeked (FirstPacketTime) and the file opened only once the packets before
// it are delivered, so a rotation of thousands of files holds one or two
// open at a time, files that overlap in time as many as overlap, and the
// custom blocks (kernel-counter snapshots) before a file's first packet
// come after the other files' packets before it. Nothing is buffered: a
// custom block between two packets of a file comes right after the first
// of them.
type MultiReader struct {
	// OnCustom, when set, receives every custom block of every file, in
	// the order the files' packets are delivered around it.
	OnCustom func(path string, cb CustomBlock)
	// OnStats, when set, receives every interface statistics block (ISB)
	// of every file, its Interface mapped to the merged capture's.
	OnStats func(path string, st InterfaceStats)
	// OnOpen, when set, is called for each file as it is opened, before
	// its first packet is read: the caller may set the reader's options
	// (HoldImplausibleTimes) and learn its format.
	OnOpen func(path string, fr *FileReader)
	// OnDone, when set, is called for each file when it has been read to
	// its end (or failed), before it is closed: its problems can be read
	// then. err is the error that ended it (nil at the end of the file).
	OnDone func(path string, fr *FileReader, err error)

	paths  []string
	stdin  io.Reader
	concat bool
	next   int // next file to open
	// The time of the next file's first packet (FirstPacketTime), peeked
	// before the file is opened: it is opened when the merge reaches that
	// time, so that the custom blocks before its first packet come in
	// their place, after the packets of the other files before it.
	peeked, peekOK bool
	peekTime       time.Time
	open           srcHeap
	cur            *mrSource // source of the packet delivered last: advanced next
	ifaces         []Interface
	ifKeys         map[ifKey]int
	openErrs       []FileError // files that could not be opened
	fatal          error       // MaxMergeOpen exceeded: the merge stops

	// openFile and peekFile open a file and peek its first packet's time:
	// OpenFile and FirstPacketTime (tests read from memory).
	openFile func(path string, stdin io.Reader) (*FileReader, error)
	peekFile func(path string) (time.Time, bool)
}

type ifKey struct {
	name string
	idx  int // for unnamed interfaces
	lt   LinkType
}

type mrSource struct {
	path  string
	fr    *FileReader
	p     *Packet
	order int   // position in the file list (ties: earlier file first)
	ifMap []int // file interface index → merged index
}

type srcHeap []*mrSource

func (h srcHeap) Len() int { return len(h) }
func (h srcHeap) Less(i, j int) bool {
	if c := h[i].p.Info.Timestamp.Compare(h[j].p.Info.Timestamp); c != 0 {
		return c < 0
	}
	return h[i].order < h[j].order
}
func (h srcHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *srcHeap) Push(x any)   { *h = append(*h, x.(*mrSource)) }
func (h *srcHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// NewMultiReader reads paths ("-" is stdin) as one capture. Merging
// (concatenate false) expects paths in MergeOrder: files are opened in that
// order, each when the merge reaches its first packet.
func NewMultiReader(paths []string, stdin io.Reader, concatenate bool) *MultiReader {
	return &MultiReader{paths: paths, stdin: stdin, concat: concatenate, ifKeys: map[ifKey]int{}, openFile: OpenFile, peekFile: FirstPacketTime}
}

// Interfaces returns the merged capture's interfaces so far (more are added
// as files are opened); Packet.Info.InterfaceIndex indexes it.
func (m *MultiReader) Interfaces() []Interface { return m.ifaces }

// FileError is a file that could not be opened, and why.
type FileError struct {
	Path string
	Err  error
}

// OpenErrors returns the files that could not be opened (missing, not a
// capture), in the order they were tried; the other files are still read.
func (m *MultiReader) OpenErrors() []FileError { return m.openErrs }

// MaxMergeOpen bounds the files a merge holds open at once (each with its
// read buffer, 1 MiB): files that overlap in time are open together, a
// rotation needs one or two. When more overlap, Next returns an error
// naming the time and the count (merge them in groups) instead of reading
// more memory than the bound.
const MaxMergeOpen = 32

// openNext opens the next file and, when it has a packet, adds it to the
// merge.
func (m *MultiReader) openNext() {
	path := m.paths[m.next]
	order := m.next
	m.next++
	m.peeked = false
	fr, err := m.openFile(path, m.stdin)
	if err != nil {
		m.openErrs = append(m.openErrs, FileError{path, err})
		return
	}
	s := &mrSource{path: path, fr: fr, order: order}
	if m.OnOpen != nil {
		m.OnOpen(path, fr)
	}
	if m.OnCustom != nil {
		fr.OnCustom = func(cb CustomBlock) { m.OnCustom(path, cb) }
	}
	if m.OnStats != nil {
		fr.OnStats = func(st InterfaceStats) {
			if !m.mapUpTo(s, st.Interface) {
				return // an interface the file does not describe
			}
			st.Interface = s.ifMap[st.Interface]
			m.OnStats(path, st)
		}
	}
	if m.advance(s) {
		heap.Push(&m.open, s)
	}
}

// reachedNext reports whether the next file is to be opened now: when
// concatenating, once the files before it are done; when merging, once no
// open file has a packet earlier than its first one (or when that time is
// unknown: no packet, standard input, unreadable).
func (m *MultiReader) reachedNext() bool {
	if m.next >= len(m.paths) {
		return false
	}
	if m.open.Len() == 0 {
		return true
	}
	if m.concat {
		return false
	}
	if !m.peeked {
		m.peeked = true
		m.peekTime, m.peekOK = m.peekFile(m.paths[m.next])
	}
	return !m.peekOK || !m.peekTime.After(m.open[0].p.Info.Timestamp)
}

// advance reads s's next packet; false (and s closed) at its end.
func (m *MultiReader) advance(s *mrSource) bool {
	p, err := s.fr.Next()
	if err != nil {
		if err == io.EOF {
			err = nil
		}
		if m.OnDone != nil {
			m.OnDone(s.path, s.fr, err)
		}
		s.fr.Close()
		s.p = nil
		return false
	}
	if i := p.Info.InterfaceIndex; m.mapUpTo(s, i) {
		p.Info.InterfaceIndex = s.ifMap[i]
	}
	s.p = p
	return true
}

// mapUpTo maps s's interfaces up to index i to the merged capture's; false
// when the file describes no interface i.
func (m *MultiReader) mapUpTo(s *mrSource, i int) bool {
	for len(s.ifMap) <= i && len(s.ifMap) < len(s.fr.Interfaces()) {
		m.mapIface(s, s.fr.Interfaces()[len(s.ifMap)])
	}
	return i >= 0 && i < len(s.ifMap)
}

func (m *MultiReader) mapIface(s *mrSource, ifc Interface) {
	k := ifKey{name: ifc.Name, lt: ifc.LinkType}
	if ifc.Name == "" {
		k.idx = len(s.ifMap)
	}
	j, ok := m.ifKeys[k]
	// Within one file every interface stays its own (the sections of a
	// concatenated pcapng file may describe "eth0" twice); across files the
	// first match is taken.
	if ok && slices.Contains(s.ifMap, j) {
		ok = false
	}
	if !ok {
		j = len(m.ifaces)
		out := ifc
		out.Index = j
		m.ifaces = append(m.ifaces, out)
		m.ifKeys[k] = j
	}
	s.ifMap = append(s.ifMap, j)
}

// Next returns the next packet of the merged capture (valid until the next
// call), and the path of its file; io.EOF after the last.
func (m *MultiReader) Next() (*Packet, string, error) {
	if s := m.cur; s != nil {
		m.cur = nil
		if m.advance(s) {
			heap.Push(&m.open, s)
		}
	}
	if m.fatal != nil {
		return nil, "", m.fatal
	}
	for m.reachedNext() {
		if m.open.Len() >= MaxMergeOpen {
			m.fatal = fmt.Errorf("more than %d files overlap in time at %s (%s and the ones open with it): merge them in groups of fewer first",
				MaxMergeOpen, m.open[0].p.Info.Timestamp.UTC().Format("2006-01-02 15:04:05.000000"), m.paths[m.next])
			return nil, "", m.fatal
		}
		m.openNext()
	}
	if m.open.Len() == 0 {
		return nil, "", io.EOF
	}
	s := heap.Pop(&m.open).(*mrSource)
	m.cur = s
	return s.p, s.path, nil
}

// Reader returns the reader of the file whose packet Next returned last
// (the same pointer OnOpen and OnDone get): nil before the first packet
// and after the last.
func (m *MultiReader) Reader() *FileReader {
	if m.cur == nil {
		return nil
	}
	return m.cur.fr
}

// Close closes the files still open, each reported to OnDone first (read
// as far as the merge went: its problems so far).
func (m *MultiReader) Close() {
	done := func(s *mrSource) {
		if m.OnDone != nil {
			m.OnDone(s.path, s.fr, nil)
		}
		s.fr.Close()
	}
	if m.cur != nil {
		done(m.cur)
		m.cur = nil
	}
	for _, s := range m.open {
		done(s)
	}
	m.open = nil
	m.next = len(m.paths)
}

// MergeOrder orders files for a merge (NewMultiReader with concatenate
// false), which opens them in that order, each when the merge reaches its
// first packet: by their first packets' times (TimeOrder), with standard
// input ("-", which cannot be peeked) first, open from the start.
func MergeOrder(paths []string) []string {
	var out []string
	for _, f := range mergeOrder(paths) {
		out = append(out, f.path)
	}
	return out
}

func mergeOrder(paths []string) []firstPacket {
	var stdin []firstPacket
	var files []string
	for _, p := range paths {
		if p == "-" {
			stdin = append(stdin, firstPacket{path: p})
		} else {
			files = append(files, p)
		}
	}
	return append(stdin, timeOrder(files)...)
}

// NewMergeReader reads paths merged by time stamp: NewMultiReader over
// MergeOrder(paths), using the first-packet times MergeOrder peeked
// instead of peeking each file again.
func NewMergeReader(paths []string, stdin io.Reader) *MultiReader {
	fs := mergeOrder(paths)
	ordered := make([]string, len(fs))
	firsts := make(map[string]firstPacket, len(fs))
	for i, f := range fs {
		ordered[i] = f.path
		firsts[f.path] = f
	}
	m := NewMultiReader(ordered, stdin, false)
	m.peekFile = func(path string) (time.Time, bool) {
		if f, ok := firsts[path]; ok && path != "-" {
			return f.first, f.ok
		}
		return FirstPacketTime(path)
	}
	return m
}

// Paths returns the files in the order they are read.
func (m *MultiReader) Paths() []string { return m.paths }
