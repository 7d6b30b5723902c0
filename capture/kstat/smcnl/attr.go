package smcnl

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Netlink attribute framing (include/uapi/linux/netlink.h): struct nlattr is
// nla_len (u16, header included) and nla_type (u16, whose two high bits are
// NLA_F_NESTED and NLA_F_NET_BYTEORDER), then the payload, padded to 4
// bytes. Decoding needs no netlink socket library: the bytes come from a
// snapshot file as often as from a socket.
const (
	nlaHeaderLen = 4
	nlaTypeMask  = 0x3fff // ^(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
)

var errAttrLength = errors.New("invalid attribute: length too short or too large")

// attrDecoder iterates over the netlink attributes of one payload. Its
// methods mirror the subset of mdlayher/netlink's AttributeDecoder this
// package used: the first error stops the iteration and is kept in err.
type attrDecoder struct {
	order binary.ByteOrder // of integers and of the attribute headers
	b     []byte
	i     int
	typ   uint16
	data  []byte
	err   error
}

// newAttrDecoder checks that b is a sequence of whole attributes and returns
// a decoder over them.
func newAttrDecoder(b []byte, order binary.ByteOrder) (*attrDecoder, error) {
	for i := 0; i < len(b); {
		if len(b)-i < nlaHeaderLen {
			return nil, errAttrLength
		}
		l := int(order.Uint16(b[i:]))
		if l < nlaHeaderLen {
			l = nlaHeaderLen // zero-length attributes advance by a header
		}
		i += align4(l)
	}
	return &attrDecoder{order: order, b: b}, nil
}

// next advances to the next attribute; false at the end or after an error.
func (ad *attrDecoder) next() bool {
	if ad.err != nil || ad.i >= len(ad.b) {
		return false
	}
	b := ad.b[ad.i:]
	if len(b) < nlaHeaderLen {
		ad.err = errAttrLength
		return false
	}
	l := int(ad.order.Uint16(b))
	ad.typ = ad.order.Uint16(b[2:])
	switch {
	case l > len(b):
		ad.err = errAttrLength
		return false
	case l == 0:
		ad.data = nil
		ad.i += nlaHeaderLen
	case l < nlaHeaderLen:
		ad.err = errAttrLength
		return false
	default:
		ad.data = b[nlaHeaderLen:l]
		ad.i += align4(l)
	}
	return true
}

// attrType is the current attribute's type without the flag bits.
func (ad *attrDecoder) attrType() uint16 { return ad.typ & nlaTypeMask }

// fail records the first error.
func (ad *attrDecoder) fail(err error) {
	if ad.err == nil {
		ad.err = err
	}
}

func (ad *attrDecoder) fixed(n int, what string) []byte {
	if ad.err != nil {
		return nil
	}
	if len(ad.data) != n {
		ad.fail(fmt.Errorf("attribute %d is not a %s; length: %d", ad.attrType(), what, len(ad.data)))
		return nil
	}
	return ad.data
}

func (ad *attrDecoder) u8() uint8 {
	if b := ad.fixed(1, "u8"); b != nil {
		return b[0]
	}
	return 0
}

func (ad *attrDecoder) u64() uint64 {
	if b := ad.fixed(8, "u64"); b != nil {
		return ad.order.Uint64(b)
	}
	return 0
}

// flag8 reads a u8 used as a boolean.
func (ad *attrDecoder) flag8() bool { return ad.u8() != 0 }

// uint decodes an NLA_UINT (4 or 8 bytes) or any fixed-size unsigned integer
// by its payload length.
func (ad *attrDecoder) uint() uint64 {
	if ad.err != nil {
		return 0
	}
	b := ad.data
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(ad.order.Uint16(b))
	case 4:
		return uint64(ad.order.Uint32(b))
	case 8:
		return ad.order.Uint64(b)
	}
	ad.fail(fmt.Errorf("attribute %d: integer of %d bytes", ad.attrType(), len(b)))
	return 0
}

// str returns the payload as a string without trailing NULs.
func (ad *attrDecoder) str() string {
	if ad.err != nil {
		return ""
	}
	b := ad.data
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b)
}

// do hands the payload to fn; fn's error stops the iteration.
func (ad *attrDecoder) do(fn func(b []byte) error) {
	if ad.err != nil {
		return
	}
	if err := fn(ad.data); err != nil {
		ad.fail(err)
	}
}

// nested decodes the payload as attributes with fn (same byte order).
func (ad *attrDecoder) nested(fn func(nad *attrDecoder)) {
	ad.do(func(b []byte) error {
		nad, err := newAttrDecoder(b, ad.order)
		if err != nil {
			return err
		}
		fn(nad)
		return nad.err
	})
}
