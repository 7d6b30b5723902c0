package report

import (
	"fmt"
	"math"
	"net/netip"
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
	hs := "-"
	switch {
	case math.IsNaN(r.hs):
	case r.flags&rowCLC != 0:
		hs = fmt.Sprintf("%.3f ms (CLC)", r.hs)
	default:
		hs = fmt.Sprintf("%.3f ms", r.hs)
	}
	detail := t.texts[r.detail]
	if r.flags&rowLate != 0 {
		detail += lateText(r.delay)
	}
	return fmt.Appendf(buf, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.id, rowAddr(r.client, r.flags&rowClient4 != 0, r.cport), rowAddr(r.server, r.flags&rowServer4 != 0, r.sport),
		outcomeOrder[r.out], detail, hs, fmtTime(time.Unix(0, r.first)))
}

// connLine is the connection table's line of c.
func connLine(buf []byte, c *smcflow.Conn) []byte {
	hs := "-"
	if c.Latency.HandshakeMS != nil {
		hs = fmt.Sprintf("%.3f ms", *c.Latency.HandshakeMS)
	} else if c.Latency.CLCMS != nil {
		hs = fmt.Sprintf("%.3f ms (CLC)", *c.Latency.CLCMS)
	}
	return fmt.Appendf(buf, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Client, c.Server, c.Outcome, connDetail(c), hs, fmtTime(c.Times.First))
}
