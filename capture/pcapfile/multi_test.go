package pcapfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type mpkt struct {
	ts    time.Time
	data  string
	iface int
	path  string
}

// readMulti reads every packet of m and the largest number of files it
// held open at once.
func readMulti(t *testing.T, m *MultiReader) (pkts []mpkt, maxOpen int) {
	t.Helper()
	defer m.Close()
	for {
		p, path, err := m.Next()
		if err == io.EOF {
			return pkts, maxOpen
		}
		if err != nil {
			t.Fatal(err)
		}
		maxOpen = max(maxOpen, m.open.Len()+1)
		pkts = append(pkts, mpkt{p.Info.Timestamp, string(p.Data), p.Info.InterfaceIndex, path})
	}
}

// writeNamed writes a pcapng file with one interface (name, Ethernet) and a
// packet per time, each frame holding its label.
func writeNamed(t *testing.T, path, ifName string, times []time.Time, label string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, SectionInfo{}, []Interface{{Name: ifName, LinkType: LinkTypeEthernet}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, ts := range times {
		frame := make([]byte, 60)
		copy(frame, label+string(rune('a'+i)))
		if err := w.WritePacketData(0, ts, frame, len(frame), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Synthetic files: a rotation of 30 files read merged holds at most two
// open and gives the packets in time order, on one interface; files that
// overlap in time are merged packet by packet (ties: the file listed
// first); interfaces keep their identity by name; concatenation keeps the
// order listed; a missing file is reported and the others read.
func TestMultiReader(t *testing.T) {
	dir := t.TempDir()
	at := func(ms int) time.Time { return time.Date(2026, 12, 5, 9, 0, 0, ms*int(time.Millisecond), time.UTC) }
	var rot []string
	for i := range 30 {
		p := filepath.Join(dir, "rot"+string(rune('A'+i)))
		writeNamed(t, p, "eth1", []time.Time{at(10 * i), at(10*i + 5)}, "r")
		rot = append(rot, p)
	}
	shuffled := slices.Clone(rot)
	slices.Reverse(shuffled)
	ordered, _ := TimeOrder(shuffled)
	pkts, maxOpen := readMulti(t, NewMultiReader(ordered, nil, false))
	if len(pkts) != 60 || maxOpen > 2 {
		t.Fatalf("rotation: %d packets, %d files open at most; want 60, 2", len(pkts), maxOpen)
	}
	for i, p := range pkts {
		if !p.ts.Equal(at(10*(i/2)+5*(i%2))) || p.iface != 0 || p.path != rot[i/2] {
			t.Fatalf("rotation packet %d: %+v", i, p)
		}
	}

	// Two interfaces captured at the same time, and a third file on eth0
	// again: eth0 and eth1 are two interfaces, the third file's eth0 the
	// first's.
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	writeNamed(t, a, "eth0", []time.Time{at(1), at(3), at(5), at(5)}, "A")
	writeNamed(t, b, "eth1", []time.Time{at(2), at(3), at(4)}, "B")
	writeNamed(t, c, "eth0", []time.Time{at(6)}, "C")
	ordered, _ = TimeOrder([]string{c, b, a})
	m := NewMultiReader(ordered, nil, false)
	pkts, _ = readMulti(t, m)
	var got []string
	for _, p := range pkts {
		got = append(got, p.data[:2]+string(rune('0'+p.iface)))
	}
	if want := []string{"Aa0", "Ba1", "Ab0", "Bb1", "Bc1", "Ac0", "Ad0", "Ca0"}; !slices.Equal(got, want) {
		t.Errorf("merged: %v, want %v", got, want)
	}
	if ifs := m.Interfaces(); len(ifs) != 2 || ifs[0].Name != "eth0" || ifs[1].Name != "eth1" || ifs[1].Index != 1 {
		t.Errorf("interfaces %+v", ifs)
	}

	// Concatenated as listed: file by file, time going back between them.
	pkts, _ = readMulti(t, NewMultiReader([]string{b, a}, nil, true))
	got = got[:0]
	for _, p := range pkts {
		got = append(got, p.data[:2])
	}
	if want := []string{"Ba", "Bb", "Bc", "Aa", "Ab", "Ac", "Ad"}; !slices.Equal(got, want) {
		t.Errorf("concatenated: %v, want %v", got, want)
	}

	// A missing file and a non-capture: reported; the others read, each
	// reported done once.
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("not a capture at all"), 0o644)
	m = NewMultiReader([]string{a, filepath.Join(dir, "missing"), bad, c}, nil, false)
	done := map[string]int{}
	m.OnDone = func(path string, fr *FileReader, err error) {
		done[path]++
		if err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	pkts, _ = readMulti(t, m)
	if errs := m.OpenErrors(); len(pkts) != 5 || len(errs) != 2 || errs[0].Path != filepath.Join(dir, "missing") || errs[1].Path != bad {
		t.Errorf("with missing files: %d packets, open errors %v", len(pkts), errs)
	}
	if done[a] != 1 || done[c] != 1 || len(done) != 2 {
		t.Errorf("done: %v", done)
	}
}

// OnOpen sees each file opened, before its first packet is read (its
// options can still be set), with the reader OnDone gets; Reader is the
// reader of the packet Next returned last (synthetic files).
func TestMultiReaderOnOpenAndReader(t *testing.T) {
	dir := t.TempDir()
	at := func(ms int) time.Time { return time.Date(2026, 12, 5, 9, 0, 0, ms*int(time.Millisecond), time.UTC) }
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeNamed(t, a, "eth0", []time.Time{at(1), at(3)}, "A")
	writeNamed(t, b, "eth1", []time.Time{at(2)}, "B")
	m := NewMultiReader([]string{a, filepath.Join(dir, "missing"), b}, nil, false)
	opened := map[*FileReader]string{}
	m.OnOpen = func(path string, fr *FileReader) {
		if fr.Format() != "pcapng" || fr.frame != 0 {
			t.Errorf("%s: opened as %q, %d packets read", path, fr.Format(), fr.frame)
		}
		fr.HoldImplausibleTimes = true
		opened[fr] = path
	}
	counted := map[string]int{}
	m.OnDone = func(path string, fr *FileReader, err error) {
		if opened[fr] != path || !fr.HoldImplausibleTimes {
			t.Errorf("done %s: reader opened as %q", path, opened[fr])
		}
	}
	if m.Reader() != nil {
		t.Errorf("Reader before the first packet: not nil")
	}
	for {
		_, path, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if opened[m.Reader()] != path {
			t.Errorf("packet of %s: Reader is %q's", path, opened[m.Reader()])
		}
		counted[path]++
	}
	if m.Reader() != nil || len(opened) != 2 || counted[a] != 2 || counted[b] != 1 {
		t.Errorf("after the end: Reader %v, opened %v, packets %v", m.Reader(), opened, counted)
	}
	m.Close()
}

// Standard input among the files of a merge is opened first (it cannot be
// peeked) and the others in time order, whatever order they are given in:
// the merge is in time order. More files overlapping in time than
// MaxMergeOpen stop the merge with an error naming the bound.
func TestMultiReaderStdinAndBound(t *testing.T) {
	dir := t.TempDir()
	at := func(s int) time.Time { return time.Date(2026, 12, 5, 9, 0, s, 0, time.UTC) }
	early, late := filepath.Join(dir, "early"), filepath.Join(dir, "late")
	writeNamed(t, early, "eth0", []time.Time{at(3), at(4), at(5)}, "E")
	writeNamed(t, late, "eth0", []time.Time{at(8), at(9), at(10)}, "L")
	stdinFile := filepath.Join(dir, "stdin")
	var times []time.Time
	for s := range 10 {
		times = append(times, at(s))
	}
	writeNamed(t, stdinFile, "eth0", times, "S")
	order := MergeOrder([]string{late, "-", early})
	if want := []string{"-", early, late}; !slices.Equal(order, want) {
		t.Fatalf("MergeOrder: %v, want %v", order, want)
	}
	b, err := os.ReadFile(stdinFile)
	if err != nil {
		t.Fatal(err)
	}
	pkts, _ := readMulti(t, NewMultiReader(order, bytes.NewReader(b), false))
	if len(pkts) != 16 || !slices.IsSortedFunc(pkts, func(x, y mpkt) int { return x.ts.Compare(y.ts) }) {
		var ts []int
		for _, p := range pkts {
			ts = append(ts, p.ts.Second())
		}
		t.Errorf("with standard input: %d packets at %v, want 16 in time order", len(pkts), ts)
	}

	files := map[string][]byte{}
	var paths []string
	for i := range MaxMergeOpen + 1 {
		var buf bytes.Buffer
		w, _ := NewNgWriter(&buf, SectionInfo{}, []Interface{{Name: "eth0", LinkType: LinkTypeEthernet}}, 0)
		w.WritePacketData(0, at(1), make([]byte, 60), 60, 0)
		w.WritePacketData(0, at(50), make([]byte, 60), 60, 0)
		w.Flush()
		name := fmt.Sprint("f", i)
		files[name] = buf.Bytes()
		paths = append(paths, name)
	}
	m := memMulti(files, paths, false)
	defer m.Close()
	var n int
	for {
		_, _, err := m.Next()
		if err == io.EOF {
			t.Fatalf("%d files overlapping: merged without error", len(paths))
		}
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("more than %d files overlap in time", MaxMergeOpen)) {
				t.Errorf("error %v", err)
			}
			break
		}
		n++
	}
	if m.open.Len() > MaxMergeOpen {
		t.Errorf("%d files open, bound %d", m.open.Len(), MaxMergeOpen)
	}
}

// memMulti is a MultiReader over files held in memory (name → bytes).
func memMulti(files map[string][]byte, paths []string, concat bool) *MultiReader {
	m := NewMultiReader(paths, nil, concat)
	m.openFile = func(path string, _ io.Reader) (*FileReader, error) {
		b, ok := files[path]
		if !ok {
			return nil, os.ErrNotExist
		}
		return NewFileReader(bytes.NewReader(b))
	}
	m.peekFile = func(path string) (time.Time, bool) {
		fr, err := m.openFile(path, nil)
		if err != nil {
			return time.Time{}, false
		}
		p, err := fr.Next()
		if err != nil {
			return time.Time{}, false
		}
		return p.Info.Timestamp, true
	}
	return m
}

// FuzzMultiReader: two fuzzed files (the input after its first two bytes,
// cut where those two bytes say), merged and concatenated, give every packet
// each file gives alone, and merging delivers no file's first packet after
// a later packet of another file. Seeds: the synthetic traces, two by two.
// The files are held in memory.
func FuzzMultiReader(f *testing.F) {
	names := []string{"reassembly.pcap", "smcr-v2-link.pcapng", "smcd-v2-ipv6.pcap", "isb-dumpcap-microseconds.pcapng"}
	for i, a := range names {
		b := synthFile(f, names[(i+1)%len(names)])
		ab := append(synthFile(f, a), b...)
		if len(ab)+2 <= fuzzMaxInput {
			cut := len(ab) - len(b)
			f.Add(append([]byte{byte(cut >> 8), byte(cut)}, ab...))
		}
	}
	defer func(old int64) { decompressLimit = old }(decompressLimit)
	decompressLimit = 4 * fuzzMaxInput
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		if len(in) > fuzzMaxInput {
			in = in[:fuzzMaxInput]
		}
		cut := int(in[0])<<8 | int(in[1])
		in = in[2:]
		c := min(cut, len(in))
		files := map[string][]byte{"a": in[:c], "b": in[c:]}
		paths := []string{"a", "b"}
		alone := map[string][]mpkt{}
		for _, p := range paths {
			fr, err := NewFileReader(bytes.NewReader(files[p]))
			if err != nil {
				continue
			}
			for {
				pk, err := fr.Next()
				if err != nil {
					break
				}
				alone[p] = append(alone[p], mpkt{ts: pk.Info.Timestamp, data: string(pk.Data)})
			}
		}
		for _, concat := range []bool{false, true} {
			got := map[string][]mpkt{}
			pkts, _ := readMulti(t, memMulti(files, paths, concat))
			for i, p := range pkts {
				got[p.path] = append(got[p.path], mpkt{ts: p.ts, data: p.data})
				if !concat && i > 0 && p.path != pkts[i-1].path && p.ts.Before(pkts[i-1].ts) && len(got[p.path]) == 1 {
					t.Fatalf("merged: %s's first packet at %v after %v", p.path, p.ts, pkts[i-1].ts)
				}
			}
			for _, p := range paths {
				if !slices.EqualFunc(got[p], alone[p], func(x, y mpkt) bool { return x.ts.Equal(y.ts) && x.data == y.data }) {
					t.Fatalf("concatenate %v: %s gave %d packets, %d alone", concat, p, len(got[p]), len(alone[p]))
				}
			}
		}
	})
}

// A reader from OpenFile gives its read buffer back when closed: Next then
// reports an error instead of reading into a buffer another reader may
// use, and closing twice gives it back once.
func TestReadBufferRecycledAtClose(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.pcapng")
	writeNamed(t, p, "eth0", []time.Time{time.Unix(1, 0), time.Unix(2, 0)}, "X")
	fr, err := OpenFile(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fr.Next(); err != nil {
		t.Fatal(err)
	}
	fr.Close()
	fr.Close()
	if _, err := fr.Next(); err == nil {
		t.Errorf("Next after Close: no error")
	}
	if b := GetReadBuffer(10); len(b) != ReadBufferSize {
		t.Errorf("GetReadBuffer(10): %d bytes, want %d", len(b), ReadBufferSize)
	}
	if b := GetReadBuffer(ReadBufferSize + 1); len(b) != ReadBufferSize+1 {
		t.Errorf("GetReadBuffer(size+1): %d bytes", len(b))
	}
}
