package mcast

import (
	"bytes"
	"strconv"
)

// Informatica msend decoding (docs/multicast-udp.md sections 1.3 and 1.9).

const maxMtSessions = 100

type mtSession struct {
	frame      int
	t          int64
	echo       string
	decimal    bool
	radixKnown bool
	startRecv  uint64
	startCount uint64
	statSent   int64 // -1 = no stat datagram yet
	statFrame  int
	recvAtStat uint64
}

type mtoolsState struct {
	radix     int // 0 = undecided, 10 or 16
	countOnly uint64
	echoes    uint64
	stats     uint64
	sessions  []mtSession
	sessOmit  uint64
	switched  bool // radix was inferred as decimal after data arrived
}

func (m *mtoolsState) cur() *mtSession {
	if len(m.sessions) == 0 {
		return nil
	}
	return &m.sessions[len(m.sessions)-1]
}

func (t *Tracker) processMtools(st *stream, p []byte, trunc bool, ts int64, frame int) {
	m := &t.mtM
	ms := st.mt
	if ds := parseMtools(p, m); ds != nil {
		if len(ms.sessions) > 0 && ms.echoes > 0 {
			// msend -P: fixed payload bytes, no counter (count-only stream)
			ms.countOnly++
			return
		}
		st.noteErr(ds, frame, st.format.String())
		return
	}
	sp := st.main
	switch m.Kind {
	case MtoolsEcho:
		ms.echoes++
		sp.reset(frame, ts, 0, "mtools echo (msend start)")
		sp.anchor(0, ts, frame) // msend counts from 0 after every echo
		dec := hasFlag(m.Text, "-d")
		if !st.forced { // the echo text is authoritative unless forced
			ms.radix = 16
			if dec {
				ms.radix = 10
			}
		}
		s := mtSession{frame: frame, t: ts, echo: string(truncText(m.Text, 160)), decimal: ms.radix == 10, radixKnown: true, startRecv: sp.received, startCount: ms.countOnly, statSent: -1}
		if len(ms.sessions) >= maxMtSessions {
			ms.sessOmit++
			copy(ms.sessions, ms.sessions[1:])
			ms.sessions = ms.sessions[:len(ms.sessions)-1]
		}
		ms.sessions = append(ms.sessions, s)
	case MtoolsStat:
		ms.stats++
		if s := ms.cur(); s != nil && s.statSent < 0 {
			s.statSent, s.statFrame = int64(m.Stat), frame
			s.recvAtStat = sp.received
		} else {
			ms.sessions = append(ms.sessions, mtSession{frame: frame, t: ts, statSent: int64(m.Stat), statFrame: frame, recvAtStat: sp.received})
			if len(ms.sessions) > maxMtSessions {
				ms.sessOmit++
				copy(ms.sessions, ms.sessions[1:])
				ms.sessions = ms.sessions[:maxMtSessions]
			}
		}
		// stat N: the sender sent 0..N-1, so a short tail is a gap.
		if m.Stat > 0 && sp.started && sp.hi+1 != sp.first { // some counter seen this run
			sp.observe(m.Stat, 0, ts, frame)
			if s := ms.cur(); s != nil {
				s.recvAtStat = sp.received
			}
		}
	case MtoolsCountOnly:
		ms.countOnly++
	case MtoolsData:
		if trunc && 8+len(m.Digits) == len(p) {
			// the snaplen may have cut the counter's digits
			st.noteErr(&dstat{trunc: true, off: 8, msg: "counter cut by the snaplen"}, frame, st.format.String())
			return
		}
		if ms.radix == 0 && m.HasAF {
			ms.radix = 16
		}
		var v uint64
		switch ms.radix {
		case 16:
			if !m.HexOK {
				st.noteErr(&dstat{off: 8, msg: "hex counter overflows 64 bits"}, frame, "mtools")
				return
			}
			v = m.Hex
		case 10:
			if !m.DecOK {
				st.noteErr(&dstat{off: 8, msg: "decimal counter has hex digits or overflows"}, frame, "mtools-dec")
				return
			}
			v = m.Dec
		default:
			if !m.HexOK {
				st.noteErr(&dstat{off: 8, msg: "counter overflows 64 bits"}, frame, "mtools")
				return
			}
			v = m.Hex
			// Decimal evidence: "...9" followed by the decimal successor
			// (e.g. 19 -> 20), which in hex would skip a..f.
			if sp.started && m.DecOK {
				if prev, ok := hexAsDec(sp.hi); ok && m.Dec == prev+1 && m.Hex != sp.hi+1 {
					if convertToDecimal(sp) {
						ms.radix = 10
						ms.switched = true
						v = m.Dec
						if s := ms.cur(); s != nil {
							s.decimal = true
						}
					}
				}
			}
		}
		if len(ms.sessions) == 0 {
			ms.sessions = append(ms.sessions, mtSession{frame: frame, t: ts, statSent: -1, startCount: ms.countOnly, startRecv: sp.received, decimal: ms.radix == 10})
		}
		if k := sp.observe(v, 1, ts, frame); k == obsInOrder || k == obsGap || k == obsFirst {
			t.sample(st, v, p)
		}
	}
}

// hexAsDec reinterprets the hex digits of v as a decimal number (v must have
// only 0-9 hex digits).
func hexAsDec(v uint64) (uint64, bool) {
	var buf [20]byte
	s := strconv.AppendUint(buf[:0], v, 16)
	d, err := strconv.ParseUint(string(s), 10, 64)
	return d, err == nil
}

// convertToDecimal rewrites a space fed with hex-read counters whose digits
// were really decimal. Holes are converted through their neighbours, which
// were received and so have only decimal digits.
func convertToDecimal(sp *seqSpace) bool {
	first, ok1 := hexAsDec(sp.first)
	hi, ok2 := hexAsDec(sp.hi)
	if !ok1 || !ok2 {
		return false
	}
	holes := sp.holes
	conv := make([]hole, len(holes))
	for i, h := range holes {
		lo, ok1 := hexAsDec(h.first - 1)
		up, ok2 := hexAsDec(h.last + 1)
		if !ok1 || !ok2 {
			return false
		}
		h.first, h.last = lo+1, up-1
		conv[i] = h
	}
	sp.first, sp.hi = first, hi
	sp.holes = sp.holes[:0]
	for _, h := range conv {
		if h.first <= h.last {
			sp.holes = append(sp.holes, h)
		}
	}
	return true
}

// hasFlag reports whether the echo text's "equiv cmd" contains the option.
func hasFlag(text []byte, flag string) bool {
	for _, f := range bytes.Fields(text) {
		if string(f) == flag {
			return true
		}
	}
	return false
}

func truncText(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return []byte(printable(b))
}
