package report

import (
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// ConnRow is the compact record the text report keeps of a listed
// connection beyond the first ones kept in detail (docs/architecture.md
// "Memory bounds"): what its line of the connection table shows, in 80
// bytes (one pointer, nil unless the row cannot be packed; TestRowBytes
// measures it). The
// addresses are packed, the outcome is a small number, the detail column
// an index into the table's interned texts, the times Unix nanoseconds.
type ConnRow struct {
	first  int64   // Times.First, Unix ns
	hs     float64 // handshake (or CLC) latency in ms; NaN: none
	delay  float64 // late Decline: ms after the Confirm
	client [16]byte
	server [16]byte
	cport  uint16
	sport  uint16
	id     uint32
	detail uint32 // RowTable.texts index of the detail column (without the delay)
	out    uint8  // index in outcomeOrder
	flags  uint8
	// full holds a connection the packed form cannot represent (an address
	// with a zone, a detail text beyond the interning bound); nil otherwise.
	full *smcflow.Conn
}

const (
	rowClient4 = 1 << iota // client address is IPv4
	rowServer4
	rowCLC  // hs is the CLC latency
	rowLate // detail is followed by the late Decline's delay
)

// maxRowTexts bounds the distinct detail texts interned (a Decline code is a
// wire value: a damaged capture may hold any); a row whose text is beyond
// it keeps its connection record instead.
const maxRowTexts = 4096

// RowTable holds the compact rows in listing order and the texts they share.
type RowTable struct {
	Rows  []ConnRow
	texts []string
	index map[string]uint32
}

// Len returns the number of rows.
func (t *RowTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.Rows)
}

// Add appends the row of c (a listed connection).
func (t *RowTable) Add(c *smcflow.Conn) {
	r := ConnRow{first: c.Times.First.UnixNano(), hs: math.NaN(), id: uint32(c.ID), out: uint8(outcomeIndex(c.Outcome))}
	ok := c.Client.Addr().Zone() == "" && c.Server.Addr().Zone() == "" && c.Times.First.Equal(time.Unix(0, r.first)) && c.ID >= 0 && c.ID <= math.MaxUint32 && outcomeOrder[r.out] == c.Outcome
	r.client, r.server = c.Client.Addr().As16(), c.Server.Addr().As16()
	r.cport, r.sport = c.Client.Port(), c.Server.Port()
	if c.Client.Addr().Is4() {
		r.flags |= rowClient4
	}
	if c.Server.Addr().Is4() {
		r.flags |= rowServer4
	}
	if !c.Client.Addr().IsValid() || !c.Server.Addr().IsValid() {
		ok = false
	}
	if c.Latency.HandshakeMS != nil {
		r.hs = *c.Latency.HandshakeMS
	} else if c.Latency.CLCMS != nil {
		r.hs = *c.Latency.CLCMS
		r.flags |= rowCLC
	}
	text, delay, late := connDetailParts(c)
	if late {
		r.flags |= rowLate
		r.delay = delay
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i, found := t.index[text]
	if !found && len(t.texts) < maxRowTexts {
		i, found = uint32(len(t.texts)), true
		t.texts = append(t.texts, text)
		t.index[text] = i
	}
	r.detail = i
	if !found || !ok || math.IsNaN(r.hs) && (c.Latency.HandshakeMS != nil || c.Latency.CLCMS != nil) {
		r.full = c
	}
	t.Rows = append(t.Rows, r)
}

func rowAddr(b [16]byte, is4 bool, port uint16) netip.AddrPort {
	a := netip.AddrFrom16(b)
	if is4 {
		a = a.Unmap()
	}
	return netip.AddrPortFrom(a, port)
}

// line writes row r's table line as writeConnections does for a Conn.
func (t *RowTable) line(buf []byte, r *ConnRow) []byte {
	if r.full != nil {
		return connLine(buf, r.full)
	}
	buf = append(buf, "  "...)
	buf = strconv.AppendUint(buf, uint64(r.id), 10)
	buf = append(buf, '\t')
	buf = appendAddrPort(buf, rowAddr(r.client, r.flags&rowClient4 != 0, r.cport))
	buf = append(buf, '\t')
	buf = appendAddrPort(buf, rowAddr(r.server, r.flags&rowServer4 != 0, r.sport))
	buf = append(buf, '\t')
	buf = append(buf, outcomeOrder[r.out]...)
	buf = append(buf, '\t')
	buf = append(buf, t.texts[r.detail]...)
	if r.flags&rowLate != 0 {
		buf = appendLate(buf, r.delay)
	}
	buf = append(buf, '\t')
	switch {
	case math.IsNaN(r.hs):
		buf = append(buf, '-')
	default:
		buf = appendMS(buf, r.hs, r.flags&rowCLC != 0)
	}
	buf = append(buf, '\t')
	buf = appendTime(buf, time.Unix(0, r.first))
	return append(buf, '\n')
}

// connLine is the connection table's line of c.
func connLine(buf []byte, c *smcflow.Conn) []byte {
	buf = append(buf, "  "...)
	buf = strconv.AppendInt(buf, int64(c.ID), 10)
	buf = append(buf, '\t')
	buf = appendAddrPort(buf, c.Client)
	buf = append(buf, '\t')
	buf = appendAddrPort(buf, c.Server)
	buf = append(buf, '\t')
	buf = append(buf, c.Outcome...)
	buf = append(buf, '\t')
	buf = append(buf, connDetail(c)...)
	buf = append(buf, '\t')
	switch {
	case c.Latency.HandshakeMS != nil:
		buf = appendMS(buf, *c.Latency.HandshakeMS, false)
	case c.Latency.CLCMS != nil:
		buf = appendMS(buf, *c.Latency.CLCMS, true)
	default:
		buf = append(buf, '-')
	}
	buf = append(buf, '\t')
	buf = appendTime(buf, c.Times.First)
	return append(buf, '\n')
}

// appendMS appends a handshake latency as the table shows it ("%.3f ms",
// with " (CLC)" when it is the CLC exchange's).
func appendMS(buf []byte, ms float64, clc bool) []byte {
	buf = strconv.AppendFloat(buf, ms, 'f', 3, 64)
	buf = append(buf, " ms"...)
	if clc {
		buf = append(buf, " (CLC)"...)
	}
	return buf
}

// appendAddrPort appends p as its String method gives it.
func appendAddrPort(buf []byte, p netip.AddrPort) []byte {
	if !p.Addr().IsValid() {
		return append(buf, "invalid AddrPort"...)
	}
	return p.AppendTo(buf)
}
