package smcproto

import "encoding/binary"

// cursor is a bounds-checked big-endian reader over one message, in the
// spirit of golang.org/x/crypto/cryptobyte.String with a sticky error like
// github.com/mdlayher/netlink's AttributeDecoder (check Err once at the end).
// Reads past the end never panic: they set err (ErrMalformed, because the
// cursor always covers a complete message whose length field has already been
// checked against the input; running out inside it means the message's own
// offsets or counts are impossible) and return zero values.
type cursor struct {
	b []byte // the message area that may be read (without the trailer)
	// off is the next read position, relative to the message start; it
	// is never negative nor past len(b) (need relies on it): a cursor is
	// made with an offset inside b (every message is at least
	// HeaderLen+TrailerLen long, an LLC message at least llcLenV1), and
	// only seek and successful reads move it.
	off int
	ctx string // message name for error texts, e.g. "proposal"
	err error
}

// need reports whether n more bytes can be read, recording the error when
// not. The check is inlined; the error path is not.
func (c *cursor) need(n int, field string) bool {
	// off is never negative nor past len(b) (seek), so len(b)-off is not
	// negative, and a negative n compares as a huge unsigned one: one
	// comparison covers both, and need stays within the inliner's budget
	// (with n >= 0 as a separate test it did not, and every field read
	// paid a call: a fifth of the CLC decoding time).
	if c.err == nil && uint(n) <= uint(len(c.b)-c.off) {
		return true
	}
	return c.needSlow(n, field)
}

// fieldByField makes fixed decline every block (a test compares the two
// ways of reading).
var fieldByField = false

// fixed returns the next n bytes and moves past them when they are all
// there and no error was recorded; otherwise nil, without moving. A decoder
// reads a fixed-layout block from it at fixed offsets, one check for the
// block, and falls back to reading field by field when it is nil, so that
// the error names the first field that does not fit.
func (c *cursor) fixed(n int) []byte {
	if c.err != nil || uint(n) > uint(len(c.b)-c.off) || fieldByField {
		return nil
	}
	b := c.b[c.off : c.off+n : c.off+n]
	c.off += n
	return b
}

func (c *cursor) needSlow(n int, field string) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || c.off < 0 || c.off > len(c.b) || len(c.b)-c.off < n {
		c.err = malformed(c.off, "%s: %s (%d bytes at offset %d) extends past the end of the message body (%d bytes before the trailer)",
			c.ctx, field, n, c.off, len(c.b))
		return false
	}
	return true
}

// seek moves to an absolute offset; field names the area that starts there.
func (c *cursor) seek(off int, field string) {
	if c.err != nil {
		return
	}
	if off < 0 || off > len(c.b) {
		c.err = malformed(off, "%s: %s starts at offset %d, past the end of the message body (%d bytes before the trailer)",
			c.ctx, field, off, len(c.b))
		return
	}
	c.off = off
}

func (c *cursor) skip(n int, field string) {
	if c.need(n, field) {
		c.off += n
	}
}

func (c *cursor) bytes(n int, field string) []byte {
	if !c.need(n, field) {
		return nil
	}
	v := c.b[c.off : c.off+n : c.off+n]
	c.off += n
	return v
}

func (c *cursor) read(dst []byte, field string) {
	if c.need(len(dst), field) {
		copy(dst, c.b[c.off:])
		c.off += len(dst)
	}
}

func (c *cursor) u8(field string) uint8 {
	if !c.need(1, field) {
		return 0
	}
	v := c.b[c.off]
	c.off++
	return v
}

func (c *cursor) u16(field string) uint16 {
	if !c.need(2, field) {
		return 0
	}
	v := binary.BigEndian.Uint16(c.b[c.off:])
	c.off += 2
	return v
}

func (c *cursor) u24(field string) uint32 {
	if !c.need(3, field) {
		return 0
	}
	v := uint32(c.b[c.off])<<16 | uint32(c.b[c.off+1])<<8 | uint32(c.b[c.off+2])
	c.off += 3
	return v
}

func (c *cursor) u32(field string) uint32 {
	if !c.need(4, field) {
		return 0
	}
	v := binary.BigEndian.Uint32(c.b[c.off:])
	c.off += 4
	return v
}

func (c *cursor) u64(field string) uint64 {
	if !c.need(8, field) {
		return 0
	}
	v := binary.BigEndian.Uint64(c.b[c.off:])
	c.off += 8
	return v
}

// text reads an n-byte blank/NUL padded ASCII field and returns it with
// trailing blanks and NULs removed (a copy; never aliases the input).
func (c *cursor) text(n int, field string) string {
	return trimText(c.bytes(n, field))
}

// textReuse is text, returning old instead of a new copy when the field
// holds the same text (no allocation when a decoder sees a text again).
func (c *cursor) textReuse(n int, field, old string) string {
	b := trimBytes(c.bytes(n, field))
	if string(b) == old {
		return old
	}
	return string(b)
}

// trimBytes returns b without its trailing blanks and NULs. It passes
// eight bytes at a time while they are all padding (a byte is a blank or
// a NUL exactly when no bit other than 0x20 is set): the EIDs and host
// names of CLC messages are mostly padding, and a byte at a time this was
// a sixth of decoding an Accept or a Confirm.
func trimBytes(b []byte) []byte {
	end := len(b)
	for end >= 8 && binary.LittleEndian.Uint64(b[end-8:end])&^0x2020202020202020 == 0 {
		end -= 8
	}
	for end > 0 && (b[end-1] == ' ' || b[end-1] == 0) {
		end--
	}
	return b[:end]
}

func trimText(b []byte) string {
	b = trimBytes(b)
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// writer helpers: put* write into a pre-sized buffer at absolute offsets.

func put24(b []byte, v uint32) {
	b[0] = byte(v >> 16)
	b[1] = byte(v >> 8)
	b[2] = byte(v)
}

// putText writes s blank-padded into dst (len(dst) bytes). An empty string
// is written as all zeros, as Linux does for an absent EID.
func putText(dst []byte, s string, field string) error {
	if len(s) > len(dst) {
		return encodeError("%s %q is longer than %d bytes", field, s, len(dst))
	}
	if s == "" {
		clear(dst)
		return nil
	}
	n := copy(dst, s)
	for i := n; i < len(dst); i++ {
		dst[i] = ' '
	}
	return nil
}
