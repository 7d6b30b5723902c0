package pcapfile

// Variants of the pcap format that old or vendor versions of libpcap and
// tcpdump wrote (docs/capture.md §3.2.1). They differ from the standard
// format in the magic number, the record header's length, the order of
// the two length fields, or the meaning of the link type; libpcap reads
// some of them and Wireshark all of them, telling them apart the way
// detectRecordHeader does.

const (
	// magicModified is Alexey Kuznetsov's patched libpcap's magic
	// (a1b2cd34, here as read little-endian): 24- or 28-byte record
	// headers.
	magicModified        = 0xa1b2cd34
	magicModifiedSwapped = 0x34cdb2a1
)

// The order of a record's caplen and len fields (lenSwap).
const (
	lengthsInOrder      = iota // caplen, then len (version 2.4)
	lengthsSwapped             // len, then caplen: versions before 2.3, and DG/UX's 543.0
	lengthsMaybeSwapped        // version 2.3: some writers swapped them; a caplen above len says so
)

// pcapVariant is one record header layout. The bytes after the standard
// 16 are not used (as libpcap does not): in the modified headers they are
// the interface index (4), the protocol (2), the Linux packet type (1) and
// padding (1), but converters such as editcap write a packet type of 0
// (PACKET_HOST) for every packet whose direction they do not know.
type pcapVariant struct {
	name   string
	recLen int
}

var (
	variantStandard = pcapVariant{"", 16}
	// Red Hat 6.1's tcpdump (patch of 1999-04-17): the standard magic with
	// the modified 24-byte record header.
	variantSS990417 = pcapVariant{"Red Hat 6.1 variant: standard magic, 24-byte record headers", 24}
	// Nokia IPSO's tcpdump: 4 more bytes of unknown meaning per record.
	variantNokia = pcapVariant{"Nokia IPSO variant: 20-byte record headers", 20}
	// Kuznetsov's patch of 1999-10-29 (editcap's "modpcap").
	variantSS991029 = pcapVariant{"modified (Kuznetsov) variant: magic a1b2cd34, 24-byte record headers", 24}
	// SuSE 6.3's tcpdump (patch of 1999-09-15): the modified magic and 4
	// more bytes (two CPU numbers and padding).
	variantSS990915 = pcapVariant{"SuSE 6.3 variant: magic a1b2cd34, 28-byte record headers", 28}
)

// aixLinkTypes maps the RFC 1573 interface types AIX's tcpdump writes as
// the link type (with version 2.2) to link types.
var aixLinkTypes = map[LinkType]LinkType{6: LinkTypeEthernet, 9: 6 /* Token Ring */, 15: 10 /* FDDI */, 24: LinkTypeNull}

// pcapVersion applies what the file header's version says: the order of
// the length fields, and AIX's link types and nanosecond timestamps
// (version 2.2 with one of AIX's interface types). It reports whether the
// file is AIX's.
func (fr *FileReader) pcapVersion(major, minor uint16) (aix bool) {
	fr.recLen = variantStandard.recLen
	switch {
	case major == 2 && minor < 3, major == 543:
		fr.lenSwap = lengthsSwapped
	case major == 2 && minor == 3:
		fr.lenSwap = lengthsMaybeSwapped
	}
	if major == 2 && minor == 2 {
		if lt, ok := aixLinkTypes[fr.pcapLink]; ok {
			fr.pcapLink, fr.pcapNano = lt, true
			fr.variant = "AIX variant: version 2.2, nanosecond timestamps, interface types as link types"
			return true
		}
	}
	return false
}

// recLens returns a record header's captured and original lengths.
func (fr *FileReader) recLens(h []byte) (incl, orig uint32) {
	incl, orig = fr.u32(h[8:]), fr.u32(h[12:])
	switch fr.lenSwap {
	case lengthsSwapped:
		return orig, incl
	case lengthsMaybeSwapped:
		if incl > orig {
			return orig, incl
		}
	}
	return incl, orig
}

// detectWindow bounds the bytes detectRecordHeader looks at, and
// detectRecords the records.
const (
	detectWindow  = 64 << 10
	detectRecords = 8
	// libpcapMaxSnaplen is the largest snaplen libpcap captures with
	// (MAXIMUM_SNAPLEN): a longer record is a flaw of the layout.
	libpcapMaxSnaplen = 262144
)

// detectRecordHeader chooses the record header layout. With the modified
// magic it is Kuznetsov's 24-byte header (as libpcap reads it) unless the
// first records only line up as SuSE 6.3's 28-byte ones. With the standard
// microsecond magic it is the standard 16-byte header unless the first
// records do not line up with it and do, without a flaw, with Red Hat
// 6.1's 24-byte or Nokia's 20-byte header: a standard file with a damaged
// record stays standard (its damage is reported where it is), since an
// alternative layout must line up over at least two records. (A file of
// one record in a variant is therefore read as standard, with damage at
// its end: one record cannot tell a variant from a standard record
// followed by a few stray bytes.)
func (fr *FileReader) detectRecordHeader(modified bool) {
	cands := []pcapVariant{variantStandard, variantSS990417, variantNokia}
	switch {
	case modified:
		cands = []pcapVariant{variantSS991029, variantSS990915}
	case fr.pcapNano:
		cands = cands[:1]
	}
	// The layout is judged on what is buffered, read further only as far
	// as the second record's header (which the reader waits for before it
	// returns the first record anyway), so that a capture arriving through
	// a pipe is not held up; the whole window is read only when the first
	// layout has a flaw.
	choice := cands[0]
	b, _ := fr.r.Peek(min(fr.r.Buffered(), detectWindow))
	whole := false // b is the rest of the input
	d, n, next := fr.layoutFlaws(b, choice.recLen, whole)
	for d == 0 && n < 2 && next+choice.recLen > len(b) && next+choice.recLen <= detectWindow {
		var err error
		if b, err = fr.r.Peek(next + choice.recLen); err != nil {
			whole = true
		}
		d, n, next = fr.layoutFlaws(b, choice.recLen, whole)
		if whole {
			break
		}
	}
	if d > 0 && !whole && len(b) < detectWindow {
		var err error
		b, err = fr.r.Peek(min(fr.r.Size(), detectWindow))
		whole = err != nil
		d, _, _ = fr.layoutFlaws(b, choice.recLen, whole)
	}
	if d > 0 {
		for _, v := range cands[1:] {
			if d, n, _ := fr.layoutFlaws(b, v.recLen, whole); d == 0 && n >= 2 {
				choice = v
				break
			}
		}
	}
	fr.recLen = choice.recLen
	if choice.name != "" {
		fr.variant = choice.name
	}
}

// layoutFlaws reads up to detectRecords record headers of hl bytes from b
// and counts what is wrong with them (the checks Wireshark's heuristic
// makes, and a time more than a day from the first record's): it returns
// the flaws and the records read. whole says b ends where the input does:
// then a record that runs past the end, or bytes after the last record
// too few for a header, are a flaw too. next is the offset of the record
// header after the last one read.
func (fr *FileReader) layoutFlaws(b []byte, hl int, whole bool) (flaws, n, next int) {
	var first uint32
	off := 0
	for n < detectRecords && len(b)-off >= hl {
		h := b[off : off+hl]
		sec, frac := fr.u32(h), fr.u32(h[4:])
		incl, orig := fr.recLens(h)
		if n == 0 {
			first = sec
		}
		n++
		bad := 0
		if frac >= fr.pcapFracLimit() {
			bad++
		}
		if incl > libpcapMaxSnaplen {
			bad++
		}
		if orig > 64<<20 {
			bad++
		}
		if fr.pcapSnap != 0 && incl > fr.pcapSnap {
			bad++
		}
		if incl > orig {
			bad++
		}
		if d := int64(sec) - int64(first); d > 86400 || d < -86400 {
			bad++
		}
		flaws += bad
		if incl > maxBlockLen {
			break
		}
		off += hl + int(incl)
	}
	if whole && n < detectRecords && off != len(b) {
		flaws++ // a record past the end, or bytes after the last that are no record
	}
	return flaws, n, off
}
