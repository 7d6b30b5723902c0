package multipoint

import (
	"hash/fnv"
	"net/netip"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

// pkt is what matching needs of one captured frame: the flow, the
// clock-independent identity and the SMC facts. It is a digest of the
// pipeline's decode.Frame (one decoder for every analysis, issue 11);
// decoding never panics and never reads past the captured bytes, and a
// frame cut by the snaplen keeps the fields that were captured (truncated
// is not malformed).
type pkt struct {
	ok         bool // IPv4/IPv6 with a TCP or UDP header
	proto      uint8
	src, dst   netip.Addr
	sport      uint16
	dport      uint16
	ttl        uint8
	ipID       uint32
	seq, ack   uint32
	flags      uint8
	payloadLen int    // on the wire
	payHash    uint64 // FNV-1a over the captured payload (0: no payload)
	payFull    bool   // the whole payload was captured
	smcOpt     bool   // SMC TCP option (kind 254, SMC ExID; smcproto.ParseTCPOptions)
	clc        uint8  // CLC message type at the start of the payload (0: none)
	fragment   bool
}

const (
	tcpFIN = decode.TCPFIN
	tcpSYN = decode.TCPSYN
	tcpRST = decode.TCPRST
	tcpACK = decode.TCPACK
)

// decodePacket decodes data of link type lt with the shared decoder into f
// and digests it into p.
func decodePacket(lt pcapfile.LinkType, data []byte, f *decode.Frame, p *pkt) {
	decode.DecodeInner(lt, data, f)
	digest(f, p)
}

// digest fills p from a decoded frame.
func digest(f *decode.Frame, p *pkt) {
	*p = pkt{fragment: f.Fragment, ipID: f.IPID}
	if f.Status != decode.StatusOK || f.Fragment && f.FragOff != 0 {
		return // undecodable, or not the first fragment: no transport header
	}
	if f.Proto != decode.ProtoTCP && f.Proto != decode.ProtoUDP {
		return
	}
	p.proto, p.ttl = f.Proto, f.TTL
	p.src, p.dst = f.Src, f.Dst
	p.sport, p.dport = f.SrcPort, f.DstPort
	p.payloadLen = f.PayloadLen
	if f.Proto == decode.ProtoTCP {
		p.seq, p.ack, p.flags = f.Seq, f.Ack, f.Flags
		if len(f.TCPOpts) > 0 {
			o, _ := smcproto.ParseTCPOptions(f.TCPOpts)
			p.smcOpt = o.SMC
		}
	} else if f.Fragment {
		// The first fragment of a UDP datagram: only its own bytes are
		// here, the datagram's length is not known from this frame.
		p.payloadLen = len(f.Payload)
	}
	if p.payloadLen < 0 {
		return
	}
	p.ok = true
	payload := f.Payload
	p.payFull = len(payload) >= p.payloadLen
	if len(payload) > 0 {
		h := fnv.New64a()
		_, _ = h.Write(payload)
		p.payHash = h.Sum64() | 1 // never 0
	}
	if p.proto == decode.ProtoTCP && len(payload) >= 5 && smcproto.HasEyecatcher(payload) && payload[4] >= 1 && payload[4] <= 4 {
		p.clc = payload[4]
	}
}
