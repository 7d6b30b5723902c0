package smcnl

import (
	"encoding/binary"
	"fmt"

	"github.com/smcdump/smcdump/smcproto"
)

// decodeErr returns the decode error of this package: a
// *smcproto.DecodeError (Layer "smcnl") wrapping smcproto.ErrTruncated or
// smcproto.ErrMalformed, e.g. "smcnl: GET_STATS reply: netlink length 8 < 16
// (offset 0): malformed".
func decodeErr(what string, off int, kind error, format string, a ...any) error {
	return &smcproto.DecodeError{Layer: "smcnl", Msg: what + ": " + fmt.Sprintf(format, a...), Offset: off, Err: kind}
}

// KernelError is a netlink error message (NLMSG_ERROR with a non-zero code)
// found in a raw reply.
type KernelError struct {
	Errno int32 // positive errno, e.g. 95 (EOPNOTSUPP)
}

// Error implements error.
func (e *KernelError) Error() string { return fmt.Sprintf("netlink error: errno %d", e.Errno) }

// Netlink message types used in raw replies.
const (
	nlmsgNoop    = 1
	nlmsgError   = 2
	nlmsgDone    = 3
	nlmsgHdrLen  = 16
	genlHdrLen   = 4
	nlmsgAlignTo = 4
)

// Message is one netlink message taken from a raw reply.
type Message struct {
	Type    uint16
	Flags   uint16
	Seq     uint32
	Offset  int    // offset of the nlmsghdr in the raw reply
	Payload []byte // bytes after the nlmsghdr; aliases the raw reply
}

// SplitMessages splits raw netlink bytes (one or more nlmsghdr-framed
// messages, as read from the socket) into messages. order is the byte order
// of the host that produced them (nil: this host's). NLMSG_NOOP and ACKs are
// skipped, NLMSG_DONE ends the reply, and an NLMSG_ERROR with a non-zero code
// is returned as *KernelError together with the messages before it. The
// payloads alias raw.
func SplitMessages(what string, raw []byte, order binary.ByteOrder) ([]Message, error) {
	if order == nil {
		order = binary.NativeEndian
	}
	var out []Message
	off := 0
	for off < len(raw) {
		if len(raw)-off < nlmsgHdrLen {
			return out, decodeErr(what, off, smcproto.ErrTruncated, "%d bytes left, netlink header needs 16", len(raw)-off)
		}
		l := int(order.Uint32(raw[off:]))
		if l < nlmsgHdrLen {
			return out, decodeErr(what, off, smcproto.ErrMalformed, "netlink length %d < 16", l)
		}
		if l > len(raw)-off {
			return out, decodeErr(what, off, smcproto.ErrTruncated, "netlink length %d exceeds the %d bytes left", l, len(raw)-off)
		}
		m := Message{
			Type:    order.Uint16(raw[off+4:]),
			Flags:   order.Uint16(raw[off+6:]),
			Seq:     order.Uint32(raw[off+8:]),
			Offset:  off,
			Payload: raw[off+nlmsgHdrLen : off+l],
		}
		next := off + (l+nlmsgAlignTo-1)&^(nlmsgAlignTo-1)
		if next > len(raw) {
			next = len(raw) // last message need not be padded
		}
		off = next
		switch m.Type {
		case nlmsgNoop:
			continue
		case nlmsgDone:
			return out, nil
		case nlmsgError:
			if len(m.Payload) < 4 {
				return out, decodeErr(what, m.Offset, smcproto.ErrTruncated, "error message without code")
			}
			code := int32(order.Uint32(m.Payload))
			if code == 0 {
				continue // ACK
			}
			if code < 0 {
				code = -code
			}
			return out, &KernelError{Errno: code}
		}
		out = append(out, m)
	}
	return out, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

// AppendMessage appends one netlink message with the given type, flags,
// sequence and payload to b in byte order order (nil: native). It exists to
// build raw replies in tests and to re-frame messages read through
// mdlayher/netlink.
func AppendMessage(b []byte, order binary.ByteOrder, typ, flags uint16, seq uint32, payload []byte) []byte {
	if order == nil {
		order = binary.NativeEndian
	}
	l := nlmsgHdrLen + len(payload)
	var h [nlmsgHdrLen]byte
	order.PutUint32(h[0:], uint32(l))
	order.PutUint16(h[4:], typ)
	order.PutUint16(h[6:], flags)
	order.PutUint32(h[8:], seq)
	b = append(b, h[:]...)
	b = append(b, payload...)
	for i := l; i < align4(l); i++ {
		b = append(b, 0)
	}
	return b
}
