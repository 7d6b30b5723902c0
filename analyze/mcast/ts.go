package mcast

import "encoding/binary"

// MPEG-TS continuity counter check per PID (docs/multicast-udp.md section
// 2.2): CC advances by 1 (mod 16) only on packets with payload, stays on
// adaptation-only packets, the null PID 0x1FFF is excluded, one repeated
// packet is legal, the discontinuity_indicator allows a jump, and whole
// duplicated datagrams are removed before the check.

const maxTSEvents = 1000

type pidState struct {
	seen     bool
	cc       uint8
	dupRun   uint8
	fp       uint64 // fingerprint of the last packet with payload
	packets  uint64
	missing  uint64
	ccErrors uint64
	dups     uint64
	disc     uint64
}

// TSEvent is one continuity error on a PID.
type tsEvent struct {
	pid      uint16
	frame    int
	t        int64
	expected uint8
	got      uint8
	missing  uint64
	kind     string
}

type tsState struct {
	idx          []uint16   // PID -> 1 + index into pids (0 = not seen yet)
	pids         []pidState // per PID, in order of first appearance
	used         []uint16   // PIDs seen, in order of first appearance
	recent       [4]uint64  // payload hashes of the last datagrams (dedupe)
	nrecent      int
	dupDatagrams uint64
	syncErrors   uint64
	partial      uint64
	events       []tsEvent
	eventsOmit   uint64
	packets      uint64
}

func newTSState() *tsState {
	return &tsState{idx: make([]uint16, maxPIDs)}
}

func (s *tsState) isDup(h uint64) bool {
	for i := range min(s.nrecent, len(s.recent)) {
		if s.recent[i] == h {
			return true
		}
	}
	s.recent[s.nrecent%len(s.recent)] = h
	s.nrecent++
	return false
}

// resync forgets the expected CC of every PID (after a datagram-level gap
// the RTP sequence already accounts for the loss).
func (s *tsState) resync() {
	for i := range s.pids {
		s.pids[i].seen = false
	}
}

func (s *tsState) event(e tsEvent) {
	if len(s.events) < maxTSEvents {
		s.events = append(s.events, e)
	} else {
		s.eventsOmit++
	}
}

func tsFingerprint(b []byte) uint64 {
	return binary.LittleEndian.Uint64(b[4:12]) ^ binary.LittleEndian.Uint64(b[180:188])<<1
}

// allNull reports whether every TS packet of the datagram is a null packet
// (stuffing datagrams are identical by design and must not be deduplicated).
func allNull(b []byte, stride int) bool {
	for ; len(b) >= 3; b = b[min(stride, len(b)):] {
		if b[1]&0x1f != 0x1f || b[2] != 0xff {
			return false
		}
	}
	return true
}

func (s *tsState) datagram(st *stream, b []byte, ts int64, frame int) {
	stride := 188
	if len(b) >= 204 && len(b)%204 == 0 && len(b)%188 != 0 && b[204-188] != 0x47 {
		stride = 204
	}
	for len(b) > 0 {
		var p TSPacket
		if ds := parseTS(b, &p); ds != nil {
			if ds == stTSSync {
				s.syncErrors++
				st.noteErr(ds, frame, "ts")
			} else {
				// cut by the snaplen: the packets after it are unknown
				s.partial++
				s.resync()
			}
			return
		}
		pkt := b[:188]
		b = b[min(stride, len(b)):]
		s.packets++
		if p.PID == 0x1fff {
			continue
		}
		if s.idx[p.PID] == 0 {
			s.used = append(s.used, p.PID)
			s.pids = append(s.pids, pidState{})
			s.idx[p.PID] = uint16(len(s.pids))
		}
		ps := &s.pids[s.idx[p.PID]-1]
		ps.packets++
		if !ps.seen {
			ps.seen, ps.cc, ps.dupRun = true, p.CC, 0
			ps.fp = tsFingerprint(pkt)
			continue
		}
		if p.Discontinuity {
			ps.disc++
			ps.cc, ps.dupRun, ps.fp = p.CC, 0, tsFingerprint(pkt)
			continue
		}
		if !p.HasPayload {
			if p.CC != ps.cc {
				ps.ccErrors++
				s.event(tsEvent{pid: p.PID, frame: frame, t: ts, expected: ps.cc, got: p.CC, kind: "CC changed without payload"})
				ps.cc = p.CC
			}
			continue
		}
		if p.CC == ps.cc {
			ps.dupRun++
			ps.dups++
			if fp := tsFingerprint(pkt); ps.dupRun > 1 || fp != ps.fp {
				ps.ccErrors++
				s.event(tsEvent{pid: p.PID, frame: frame, t: ts, expected: (ps.cc + 1) & 15, got: p.CC, kind: "duplicate packets"})
			}
			continue
		}
		want := (ps.cc + 1) & 15
		if p.CC != want {
			miss := uint64((p.CC - want) & 15)
			ps.missing += miss
			ps.ccErrors++
			s.event(tsEvent{pid: p.PID, frame: frame, t: ts, expected: want, got: p.CC, missing: miss, kind: "missing packets"})
		}
		ps.cc, ps.dupRun, ps.fp = p.CC, 0, tsFingerprint(pkt)
	}
}
