package main

import "encoding/binary"

// Synthetic pcapng blocks for the command's tests (little-endian, built
// here, not captured).

// ngBlock is a block of type typ around body (padded to 32 bits).
func ngBlock(typ uint32, body []byte) []byte {
	le := binary.LittleEndian
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	return le.AppendUint32(append(le.AppendUint32(le.AppendUint32(nil, typ), n), body...), n)
}

// ngSHB is a section header block (version 1.0, section length unknown).
func ngSHB() []byte {
	le := binary.LittleEndian
	return ngBlock(0x0a0d0d0a, cat(le.AppendUint32(nil, 0x1a2b3c4d), le.AppendUint16(le.AppendUint16(nil, 1), 0), le.AppendUint64(nil, ^uint64(0))))
}

// ngIDB is an interface description block: link type lt, snaplen 65535,
// if_name name.
func ngIDB(lt uint16, name string) []byte {
	le := binary.LittleEndian
	opt := le.AppendUint16(le.AppendUint16(nil, 2), uint16(len(name)))
	opt = append(opt, name...)
	for len(opt)%4 != 0 {
		opt = append(opt, 0)
	}
	return ngBlock(1, cat(le.AppendUint16(le.AppendUint16(nil, lt), 0), le.AppendUint32(nil, 65535), opt, make([]byte, 4)))
}

// ngEPB is an enhanced packet block of interface iface at us microseconds
// (the default resolution), data captured whole.
func ngEPB(iface uint32, us uint64, data []byte) []byte {
	le := binary.LittleEndian
	return ngBlock(6, cat(le.AppendUint32(nil, iface), le.AppendUint32(le.AppendUint32(nil, uint32(us>>32)), uint32(us)),
		le.AppendUint32(le.AppendUint32(nil, uint32(len(data))), uint32(len(data))), data))
}
