package smcflow

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/smcdump/smcdump/smcproto"
)

// RoCE visibility (docs/smc-protocol.md sections 0 and 9): SMC-R's LLC link
// control and CDC cursor messages travel as RC SENDs over RoCE, its data as
// RDMA WRITEs. A host capture normally cannot see them; with soft-RoCE or a
// port mirror they are UDP port 4791 (RoCEv2) or EtherType 0x8915 (RoCEv1)
// frames that start with an InfiniBand Base Transport Header (BTH).

const RoCEV2Port = 4791

// BTH is the decoded InfiniBand Base Transport Header (12 bytes).
type BTH struct {
	Opcode uint8
	padCnt int
	DestQP uint32
	PSN    uint32
}

func parseBTH(b []byte) (BTH, bool) {
	if len(b) < 12 {
		return BTH{}, false
	}
	return BTH{
		Opcode: b[0],
		padCnt: int(b[1]>>4) & 3,
		DestQP: uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]),
		PSN:    uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11]),
	}, true
}

// rcKind classifies RC opcodes (InfiniBand spec, table 38).
func rcKind(op uint8) (kind string, extHdr int) {
	if op>>5 != 0 { // not RC
		return "", 0
	}
	switch op & 0x1f {
	case 0x00, 0x01, 0x02:
		return "send", 0
	case 0x03:
		return "send", 4 // immediate
	case 0x04:
		return "send-only", 0
	case 0x05:
		return "send-only", 4
	case 0x06:
		return "write", 16 // RETH
	case 0x07, 0x08:
		return "write", 0
	case 0x09:
		return "write", 4
	case 0x0A:
		return "write", 16
	case 0x0B:
		return "write", 20
	case 0x11:
		return "ack", 4
	case 0x16:
		return "send", 4
	case 0x17:
		return "send-only", 4
	}
	return "other", 0
}

type llcEvent struct {
	frame int
	t     time.Time
	typ   string
	resp  bool
	del   uint32
}

type qpStats struct {
	packets    int
	first      time.Time
	writes     int
	writeBytes int64
	llc        []llcEvent // bounded
	llcCount   map[string]int
}

// qpKey identifies a queue pair by the receiver's address and QP number
// (QP numbers are per host: both peers often use the same numbers).
type qpKey struct {
	dst netip.Addr // zero for RoCEv1 (no IP header)
	qp  uint32
}

type roceTracker struct {
	total  int
	first  time.Time
	qps    map[qpKey]*qpStats
	tokens map[qpKey]int // CDC messages per (receiver, connection token)
	// OnLLC is called for each decoded LLC/CDC message (printer).
	OnLLC func(frame int, l *smcproto.LLC)
}

func newRoCETracker() *roceTracker {
	return &roceTracker{qps: make(map[qpKey]*qpStats), tokens: make(map[qpKey]int)}
}

// handle processes a RoCE payload starting at the BTH, sent to dst. wireLen
// is the payload length on the wire.
func (r *roceTracker) handle(dst netip.Addr, b []byte, wireLen, frameNo int, ts time.Time) (BTH, *smcproto.LLC, bool) {
	h, ok := parseBTH(b)
	if !ok {
		return h, nil, false
	}
	r.total++
	if r.first.IsZero() {
		r.first = ts
	}
	k := qpKey{dst, h.DestQP}
	q := r.qps[k]
	if q == nil {
		if len(r.qps) > 1<<16 {
			return h, nil, true
		}
		q = &qpStats{first: ts, llcCount: map[string]int{}}
		r.qps[k] = q
	}
	q.packets++
	kind, ext := rcKind(h.Opcode)
	// payload between the headers and the 4-byte ICRC
	pl := wireLen - 12 - ext - 4 - h.padCnt
	switch kind {
	case "write":
		q.writes++
		if pl > 0 {
			q.writeBytes += int64(pl)
		}
	case "send-only":
		start := 12 + ext
		end := start + pl
		if pl <= 0 || end > len(b) {
			return h, nil, true
		}
		l, err := smcproto.DecodeLLC(b[start:end])
		if err != nil {
			return h, nil, true
		}
		if l.CDC != nil && (len(r.tokens) < 1<<16 || r.tokens[qpKey{dst, l.CDC.Token}] > 0) {
			r.tokens[qpKey{dst, l.CDC.Token}]++
		}
		name := l.Type.String()
		q.llcCount[name]++
		if len(q.llc) < 64 {
			q.llc = append(q.llc, llcEvent{frame: frameNo, t: ts, typ: name, resp: l.Response, del: l.Reason})
		}
		if r.OnLLC != nil {
			r.OnLLC(frameNo, l)
		}
		return h, l, true
	}
	return h, nil, true
}

// assign fills Conn.Link of an SMC-R connection as it is finished, from
// the RoCE frames seen until then (captureEnd: the capture's end so far).
//
// li, when not nil, is the storage of c.Link (a record nobody keeps: it is
// overwritten); nil allocates it.
func (r *roceTracker) assign(c *Conn, captureEnd time.Time, li *LinkInfo) {
	if !c.smcR || c.SMC == nil || c.SMC.Type != "SMC-R" {
		return
	}
	if li == nil {
		li = &LinkInfo{}
	}
	*li = LinkInfo{ClientQPN: qpnText(c.clientQPN), ServerQPN: qpnText(c.serverQPN)}
	c.Link = li
	if r.total == 0 {
		li.State = "not-visible"
		if !c.noSummary {
			c.Notes = append(c.Notes, "the SMC-R link is not visible in this capture (no RoCE frames): the capture cannot show whether the link worked")
		}
		if linkUnverifiedCandidate(c) {
			if idle := captureEnd.Sub(c.Times.Last); idle >= linkUnverifiedIdle {
				c.Reason = ReasonLinkUnverified
				if c.noSummary {
					return
				}
				c.Summary = fmt.Sprintf("%s negotiated (Proposal → Accept → Confirm), link not verified: no RoCE frame in the capture and the TCP connection silent for %.1f s after the Confirm, without Decline or FIN — healthy if the link carries the data over RDMA (hardware RoCE is invisible to a host capture), stalled if its set-up hung (seen with Linux 6.1 and soft-RoCE)", c.SMC.Variant, idle.Seconds())
				c.Notes = append(c.Notes, fmt.Sprintf("after the Confirm the TCP connection stayed silent for %.1f s until the capture ended, with no Decline and no FIN: either the link carries the data over RDMA (invisible here), or its set-up hung without the kernel's CONFIRM_LINK timeout (which would send Decline 0x02010000 about 3 s after the Confirm), as seen with Linux 6.1 and soft-RoCE; check `smcr linkgroup link-show` and dmesg on both hosts", idle.Seconds()))
			}
		}
		return
	}
	counts := map[string]int{}
	for _, k := range []qpKey{{c.clientIP, c.clientQPN}, {c.serverIP, c.serverQPN}} {
		q := r.qps[k]
		if q == nil && !k.dst.IsValid() {
			continue
		}
		if q == nil {
			q = r.qps[qpKey{qp: k.qp}] // RoCEv1
		}
		if q == nil {
			continue
		}
		li.RoCEPackets += q.packets
		li.RDMAWrites += q.writes
		li.RDMABytes += q.writeBytes
		if li.FirstRoCE == nil || q.first.Before(*li.FirstRoCE) {
			li.FirstRoCE = timep(q.first)
		}
		for k, v := range q.llcCount {
			counts[k] += v
		}
		for _, e := range q.llc {
			if (e.typ == "CONFIRM_LINK") && (li.ConfirmedAt == nil || e.t.Before(*li.ConfirmedAt)) && e.resp {
				li.ConfirmedAt = timep(e.t)
				li.ConfirmFrame = e.frame
			}
			if e.typ == "DELETE_LINK" && e.del != 0 {
				li.DeleteReasons = append(li.DeleteReasons, fmt.Sprintf("%#08x", e.del))
			}
		}
	}
	delete(counts, "CDC")
	li.CDCMessages = r.tokens[qpKey{c.clientIP, c.clientTok}] + r.tokens[qpKey{c.serverIP, c.serverTok}]
	for k, v := range counts {
		li.LLC = append(li.LLC, LLCCount{Type: k, Count: v})
	}
	sort.Slice(li.LLC, func(i, j int) bool { return li.LLC[i].Type < li.LLC[j].Type })
	switch {
	case li.ConfirmedAt != nil:
		li.State = "confirmed"
	case li.RoCEPackets > 0:
		li.State = "active"
	default:
		li.State = "stalled"
	}
	if c.noSummary {
		return
	}
	switch li.State {
	case "confirmed":
		if c.SMC.FirstContact {
			c.Summary += fmt.Sprintf("; link confirmed at %s (LLC CONFIRM_LINK response, frame %d)", li.ConfirmedAt.Format("15:04:05.000000"), li.ConfirmFrame)
		} else {
			c.Summary += fmt.Sprintf("; reuses the link confirmed at %s (frame %d)", li.ConfirmedAt.Format("15:04:05.000000"), li.ConfirmFrame)
		}
	case "active":
		c.Summary += "; RoCE traffic on the link's queue pairs (no CONFIRM_LINK in the capture: an existing link was reused or its set-up was not captured)"
	default:
		if c.Outcome == OutcomeSMC {
			c.Summary += "; but no RoCE traffic for this link in the capture and no Decline: link set-up stalled"
		}
	}
	if li.CDCMessages > 0 || li.RDMAWrites > 0 {
		c.Summary += fmt.Sprintf("; %d CDC messages for this connection, %d RDMA writes (%d bytes) on the link", li.CDCMessages, li.RDMAWrites, li.RDMABytes)
	}
}

// qpnText formats a queue pair number as fmt's "%#06x" does (without fmt:
// it runs for every SMC-R connection).
func qpnText(q uint32) string { return hexPad(uint64(q), 6) }

// RoCEV1Payload returns the BTH start of a RoCEv1 frame (after the 40-byte
// GRH).
func RoCEV1Payload(b []byte) ([]byte, bool) {
	if len(b) < 40+12 || b[0]>>4 != 6 || b[6] != 0x1b {
		return nil, false
	}
	pl := int(binary.BigEndian.Uint16(b[4:]))
	end := 40 + pl
	if end > len(b) {
		end = len(b)
	}
	return b[40:end], true
}

// linkUnverifiedIdle is how long a first-contact SMC-R connection must stay
// silent after its Confirm, until the capture ends, for its link to count
// as unverified when the capture holds no RoCE frame.
const linkUnverifiedIdle = 5 * time.Second

// linkUnverifiedCandidate reports whether c is an established first-contact
// SMC-R connection that neither declined nor closed: link-unverified if the
// capture holds no RoCE frame and c stays silent for linkUnverifiedIdle
// until the capture ends (roceTracker.assign).
func linkUnverifiedCandidate(c *Conn) bool {
	return c.smcR && c.SMC != nil && c.SMC.Type == "SMC-R" && c.Outcome == OutcomeSMC &&
		c.SMC.FirstContact && c.Times.End == nil && c.Times.Confirm != nil
}
