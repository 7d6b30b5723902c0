package smcproto

import "encoding/binary"

// Accept/Confirm lengths and offsets (docs/smc-protocol.md section 5.5).
const (
	acLenRv1      = 68  // SMC-R v1, exact
	acFixedR      = 56  // SMC-R fields after the header, peer id to initial psn
	acLenDv1      = 48  // SMC-D v1, exact
	acMinLenRv2   = 108 // SMC-R v2 minimum
	acMinLenDv2   = 78  // SMC-D v2 minimum
	fceOffR       = 104 // first-contact extension offset, SMC-R v2
	fceOffD       = 74  // first-contact extension offset, SMC-D v2
	fceLenV20     = 36  // FCE without the v2.1 fields
	fceLenV21     = 52  // FCE with max_conns/max_links/feature_mask
	gidListHdrLen = 4   // count + 3 reserved
)

// AcceptConfirm is the layout shared by Accept (server → client) and Confirm
// (client → server), docs/smc-protocol.md section 5. The SMC-R or SMC-D layout is
// chosen from Header.TypeV1() (as Wireshark does), not from the eyecatcher.
//
// SMC-R (typev1 R):
//
//	 8 peer ID  16 GID  32 MAC  38 QPN(3)  41 rkey  45 RMBE index
//	46 RMBE alert token  50 bufsize<<4|mtu  52 RMB vaddr  61 PSN(3)
//	v1: trailer at 64 (68 bytes). v2: 64 EID(32), 96 reserved, 104 FCE,
//	then (Confirm with first contact) GID list, then trailer.
//
// SMC-D (typev1 D):
//
//	 8 ISM GID  16 DMB token  24 DMBE index  25 bufsize<<4  28 link ID
//	v1: reserved, trailer at 44 (48 bytes). v2: 32 CHID, 34 EID(32),
//	66 extended GID, 74 FCE, then trailer.
//
// Fields of the layout not chosen stay zero. Decoded values never alias the
// input.
type AcceptConfirm struct {
	Header Header

	// SMC-R (valid iff Header.TypeV1() == PathR).
	PeerID         PeerID
	GID            GID
	MAC            [6]byte
	QPN            uint32 // 24 bit
	RKey           uint32
	RMBEIndex      uint8
	RMBEAlertToken uint32 // connection token, used in CDC messages
	BufSizeCode    uint8  // RMBE (SMC-R) or DMBE (SMC-D) compressed size, 4 bit
	MTUCode        uint8  // SMC-R QP MTU code, 4 bit (1 = 256 … 5 = 4096)
	RMBVAddr       uint64
	PSN            uint32 // 24 bit initial packet sequence number

	// SMC-D (valid iff Header.TypeV1() == PathD); BufSizeCode is shared.
	ISMGID    uint64
	DMBToken  uint64
	DMBEIndex uint8
	LinkID    uint32
	CHID      uint16 // v2 only
	ExtGID    uint64 // v2 only: extended GID of an emulated ISM device

	// v2 (Header.Version >= 2).
	EID string // negotiated EID, trailing blanks/NULs trimmed
	// FCE is the first-contact extension: present iff Version >= 2 and
	// Header.FirstContact(). Its length (FCE.Len) comes from the message
	// length for SMC-D (36 or 52) and is always 52 for SMC-R.
	FCE *FirstContactExt
	// GIDList holds the alternate RoCE GIDs of an SMC-R v2 Confirm with first
	// contact; nil otherwise or when empty.
	GIDList []GID
}

// FirstContactExt is the v2 first-contact extension (section 5.3).
type FirstContactExt struct {
	V2Direct    bool   // SMC-Rv2: peers on the same subnet (byte 0 bit 7)
	OSType      uint8  // 1 z/OS, 2 Linux, 3 AIX, 15 unknown (byte 1 bits 7-4)
	Release     uint8  // negotiated SMC release: 0 v2.0, 1 v2.1 (byte 1 bits 3-0)
	Hostname    string // trailing blanks/NULs trimmed
	MaxConns    uint8  // v2.1 (Len 52)
	MaxLinks    uint8  // v2.1 (Len 52)
	FeatureMask uint16 // v2.1 (Len 52)
	Len         int    // 36 or 52 bytes on the wire; 0 in the encoder means default
}

// Accept is the CLC Accept message (type 2).
type Accept struct{ AcceptConfirm }

// Confirm is the CLC Confirm message (type 3).
type Confirm struct{ AcceptConfirm }

// BufferSize returns the buffer size in bytes for BufSizeCode:
// 1 << (code + 14), i.e. 16 KiB << code (section 5.6).
func (m *AcceptConfirm) BufferSize() int { return 1 << (int(m.BufSizeCode&0x0F) + 14) }

// MTU returns the QP MTU in bytes for MTUCode (1 = 256 … 5 = 4096), 0 if the
// code is unknown.
func (m *AcceptConfirm) MTU() int {
	if m.MTUCode < 1 || m.MTUCode > 5 {
		return 0
	}
	return 128 << m.MTUCode
}

// Hdr returns the header.
func (m *Accept) Hdr() Header { return m.Header }

// Hdr returns the header.
func (m *Confirm) Hdr() Header { return m.Header }

// UnmarshalBinary decodes an Accept from the first Header.Length bytes of b.
func (m *Accept) UnmarshalBinary(b []byte) error { return m.unmarshal(b, TypeAccept, nil) }

// UnmarshalBinary decodes a Confirm from the first Header.Length bytes of b.
func (m *Confirm) UnmarshalBinary(b []byte) error { return m.unmarshal(b, TypeConfirm, nil) }

// MarshalBinary encodes the Accept. See AppendBinary.
func (m *Accept) MarshalBinary() ([]byte, error) { return m.appendBinary(nil, TypeAccept) }

// MarshalBinary encodes the Confirm. See AppendBinary.
func (m *Confirm) MarshalBinary() ([]byte, error) { return m.appendBinary(nil, TypeConfirm) }

// AppendBinary appends the encoded Accept to b. Header.Type and Header.Length
// are computed; a zero eyecatcher becomes SMCR or SMCD after TypeV1. The FCE
// is written iff Version >= 2 and the first-contact bit is set (zero-filled
// when FCE is nil).
func (m *Accept) AppendBinary(b []byte) ([]byte, error) { return m.appendBinary(b, TypeAccept) }

// AppendBinary appends the encoded Confirm to b; see Accept.AppendBinary. An
// SMC-R v2 Confirm with first contact also carries the GID list.
func (m *Confirm) AppendBinary(b []byte) ([]byte, error) { return m.appendBinary(b, TypeConfirm) }

// unmarshal decodes into m; with s, the first contact extension and the
// GID list are written into s's storage instead of new allocations
// (DecodeInto). Texts equal to the previous decode's are reused.
func (m *AcceptConfirm) unmarshal(b []byte, t MsgType, s *Scratch) error {
	oldEID := m.EID // strings are immutable: reusing an equal one is safe
	*m = AcceptConfirm{}
	msg, err := message(&m.Header, b, t, true)
	h := &m.Header
	if err != nil {
		return err
	}
	ctx := lower(t)
	v2 := h.Version >= 2
	n := int(h.Length)
	path := PathType(h.Flags & 3) // fields, not value methods: no copy of *h (see message)
	switch {
	case path != PathR && path != PathD:
		return malformed(7, "%s: path type %v is neither SMC-R nor SMC-D", ctx, path)
	case path == PathR && !v2 && n != acLenRv1:
		return malformed(5, "%s: SMC-R v1 length %d, must be %d", ctx, n, acLenRv1)
	case path == PathD && !v2 && n != acLenDv1:
		return malformed(5, "%s: SMC-D v1 length %d, must be %d", ctx, n, acLenDv1)
	case path == PathR && v2 && n < acMinLenRv2:
		return malformed(5, "%s: SMC-R v2 length %d is below the minimum %d", ctx, n, acMinLenRv2)
	case path == PathD && v2 && n < acMinLenDv2:
		return malformed(5, "%s: SMC-D v2 length %d is below the minimum %d", ctx, n, acMinLenDv2)
	}
	c := cursor{b: msg[:n-TrailerLen], ctx: ctx, off: HeaderLen}
	fceLen := fceLenV21
	if path == PathR {
		// The length checks above leave at least acLenRv1-TrailerLen
		// bytes before the trailer: the fixed SMC-R fields are read
		// without a check each (the checks, calls the inliner would not
		// make inline, were a fifth of the CLC decoding time).
		f := c.b[HeaderLen : HeaderLen+acFixedR]
		copy(m.PeerID[:], f[0:8])
		copy(m.GID[:], f[8:24])
		copy(m.MAC[:], f[24:30])
		m.QPN = uint32(f[30])<<16 | uint32(f[31])<<8 | uint32(f[32])
		m.RKey = binary.BigEndian.Uint32(f[33:37])
		m.RMBEIndex = f[37]
		m.RMBEAlertToken = binary.BigEndian.Uint32(f[38:42])
		m.BufSizeCode, m.MTUCode = f[42]>>4, f[42]&0x0F
		// f[43] reserved
		m.RMBVAddr = binary.BigEndian.Uint64(f[44:52])
		// f[52] reserved
		m.PSN = uint32(f[53])<<16 | uint32(f[54])<<8 | uint32(f[55])
		c.off = HeaderLen + acFixedR
		if v2 {
			m.EID = c.textReuse(eidLen, "eid", oldEID)
			c.skip(8, "reserved")
		}
	} else {
		m.ISMGID = c.u64("ism gid")
		m.DMBToken = c.u64("dmb token")
		m.DMBEIndex = c.u8("dmbe index")
		m.BufSizeCode = c.u8("dmbe size") >> 4
		c.skip(2, "reserved")
		m.LinkID = c.u32("link id")
		if v2 {
			m.CHID = c.u16("chid")
			m.EID = c.textReuse(eidLen, "eid", oldEID)
			m.ExtGID = c.u64("extended gid")
			// SMC-D FCE length from the message length (section 5.3).
			if len(c.b)-c.off < fceLenV21 {
				fceLen = fceLenV20
			}
		}
	}
	if c.err != nil {
		return c.err
	}
	if !v2 || h.Flags&0x08 == 0 {
		return nil
	}
	var f *FirstContactExt
	oldHost := ""
	var gids []GID
	si := 0 // s's storage slot: 0 Accept, 1 Confirm
	if t == TypeConfirm {
		si = 1
	}
	if s != nil {
		f = &s.fce[si]
		oldHost = f.Hostname
		*f = FirstContactExt{Len: fceLen}
		gids = s.gidList[si][:0]
	} else {
		f = &FirstContactExt{Len: fceLen}
	}
	start := c.off
	x := c.u8("first contact extension")
	f.V2Direct = x&0x80 != 0
	x = c.u8("first contact extension")
	f.OSType, f.Release = x>>4, x&0x0F
	c.skip(2, "first contact extension")
	f.Hostname = c.textReuse(32, "hostname", oldHost)
	if fceLen == fceLenV21 {
		f.MaxConns = c.u8("max conns")
		f.MaxLinks = c.u8("max links")
		f.FeatureMask = c.u16("feature mask")
		c.skip(12, "first contact extension")
	}
	if c.err != nil {
		return malformed(start, "%s: first contact bit set but the %d-byte first contact extension at offset %d does not fit in length %d", ctx, fceLen, start, n)
	}
	m.FCE = f
	if t == TypeConfirm && path == PathR && len(c.b)-c.off >= gidListHdrLen {
		cntOff := c.off
		cnt := int(c.u8("gid list count"))
		c.skip(3, "gid list")
		if len(c.b)-c.off < 16*cnt {
			return malformed(cntOff, "confirm: gid list count %d needs %d bytes, only %d before the trailer", cnt, 16*cnt, len(c.b)-c.off)
		}
		for i := 0; i < cnt; i++ {
			var g GID
			c.read(g[:], "gid list entry")
			gids = append(gids, g)
		}
		if s != nil {
			s.gidList[si] = gids
		}
		if len(gids) > 0 {
			m.GIDList = gids
		}
	}
	return c.err
}

func (m *AcceptConfirm) appendBinary(b []byte, t MsgType) ([]byte, error) {
	h := m.Header
	ctx := lower(t)
	v2 := h.Version >= 2
	path := h.TypeV1()
	fc := v2 && h.FirstContact()
	var f FirstContactExt
	if m.FCE != nil {
		f = *m.FCE
	}
	var length int
	def := EyecatcherR
	switch path {
	case PathR:
		length = acLenRv1
		if v2 {
			length = fceOffR + TrailerLen
			if fc {
				if f.Len != 0 && f.Len != fceLenV21 {
					return b, encodeError("%s: SMC-R first contact extension length %d, must be %d", ctx, f.Len, fceLenV21)
				}
				f.Len = fceLenV21
				length += fceLenV21
				if t == TypeConfirm {
					if len(m.GIDList) > 255 {
						return b, encodeError("%s: %d gid list entries exceed 255", ctx, len(m.GIDList))
					}
					length += gidListHdrLen + 16*len(m.GIDList)
				}
			}
		}
	case PathD:
		def = EyecatcherD
		length = acLenDv1
		if v2 {
			length = fceOffD + TrailerLen
			if fc {
				switch f.Len {
				case 0:
					f.Len = fceLenV20
					if f.Release >= 1 {
						f.Len = fceLenV21
					}
				case fceLenV20, fceLenV21:
				default:
					return b, encodeError("%s: SMC-D first contact extension length %d, must be 36 or 52", ctx, f.Len)
				}
				length += f.Len
			}
		}
	default:
		return b, encodeError("%s: path type %v is neither SMC-R nor SMC-D", ctx, path)
	}
	b, a := grow(b, length)
	fail := func(err error) ([]byte, error) { return b[:len(b)-length], err }
	if err := putHeader(a, h, t, length, def); err != nil {
		return fail(err)
	}
	fceAt := 0
	if path == PathR {
		copy(a[8:16], m.PeerID[:])
		copy(a[16:32], m.GID[:])
		copy(a[32:38], m.MAC[:])
		put24(a[38:41], m.QPN)
		binary.BigEndian.PutUint32(a[41:45], m.RKey)
		a[45] = m.RMBEIndex
		binary.BigEndian.PutUint32(a[46:50], m.RMBEAlertToken)
		a[50] = m.BufSizeCode<<4 | m.MTUCode&0x0F
		binary.BigEndian.PutUint64(a[52:60], m.RMBVAddr)
		put24(a[61:64], m.PSN)
		if v2 {
			if err := putText(a[64:96], m.EID, "eid"); err != nil {
				return fail(err)
			}
		}
		fceAt = fceOffR
	} else {
		binary.BigEndian.PutUint64(a[8:16], m.ISMGID)
		binary.BigEndian.PutUint64(a[16:24], m.DMBToken)
		a[24] = m.DMBEIndex
		a[25] = m.BufSizeCode << 4
		binary.BigEndian.PutUint32(a[28:32], m.LinkID)
		if v2 {
			binary.BigEndian.PutUint16(a[32:34], m.CHID)
			if err := putText(a[34:66], m.EID, "eid"); err != nil {
				return fail(err)
			}
			binary.BigEndian.PutUint64(a[66:74], m.ExtGID)
		}
		fceAt = fceOffD
	}
	if fc {
		e := a[fceAt:]
		if f.V2Direct {
			e[0] = 0x80
		}
		e[1] = f.OSType<<4 | f.Release&0x0F
		if err := putText(e[4:36], f.Hostname, "hostname"); err != nil {
			return fail(err)
		}
		if f.Len == fceLenV21 {
			e[36] = f.MaxConns
			e[37] = f.MaxLinks
			binary.BigEndian.PutUint16(e[38:40], f.FeatureMask)
		}
		if t == TypeConfirm && path == PathR {
			g := e[f.Len:]
			g[0] = byte(len(m.GIDList))
			for i, gid := range m.GIDList {
				copy(g[gidListHdrLen+16*i:], gid[:])
			}
		}
	}
	return b, nil
}
