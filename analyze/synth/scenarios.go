package synth

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/smcdump/smcdump/smcproto"
)

// Scenario is one synthetic regression trace. Every scenario is built from
// the smcproto encoders and the layouts in docs/smc-protocol.md; none of them was
// produced by a kernel.
type Scenario struct {
	Name        string
	Description string
	Link        Link
	VLANs       []uint16
	SnapLen     int
	Nano        bool
	// Expect is the verdict the analyzer must give for each connection, in
	// order of first packet: "outcome/reason" (reason may be empty).
	Expect []string
	Build  func(w *Writer) error
}

// Pcapng says whether the scenario's capture is written as pcapng: an
// Ethernet capture without VLAN tags or a snaplen (the others need pcap's
// per-file link type, snaplen and nanosecond magic as the scenario sets
// them).
func (s Scenario) Pcapng() bool {
	return s.Link == Ethernet && len(s.VLANs) == 0 && s.SnapLen == 0
}

// Capture builds the scenario's capture in memory, pcapng when Pcapng
// says so and pcap otherwise.
func (s Scenario) Capture() ([]byte, error) {
	var buf bytes.Buffer
	var w *Writer
	var err error
	if s.Pcapng() {
		w, err = NewPcapng(&buf, s.Link, "eth0", Start)
	} else {
		w, err = NewPcap(&buf, s.Link, Start, s.Nano)
	}
	if err != nil {
		return nil, err
	}
	w.VLANs, w.SnapLen = s.VLANs, s.SnapLen
	if err := s.Build(w); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Start is the synthetic clock's start for every scenario.
var Start = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)

var (
	cli   = netip.MustParseAddrPort("10.1.1.10:40001")
	srv   = netip.MustParseAddrPort("10.1.1.20:5000")
	cli6  = netip.MustParseAddrPort("[fd00::10]:40002")
	srv6  = netip.MustParseAddrPort("[fd00::20]:5000")
	peerA = smcproto.PeerID{0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	peerB = smcproto.PeerID{0x56, 0x78, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
	macA6 = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	macB6 = [6]byte{0x02, 0, 0, 0, 0, 0x02}
)

func gid4(a string) smcproto.GID {
	ip := netip.MustParseAddr(a)
	return smcproto.GID(netip.AddrFrom16(ip.As16()).As16())
}

func mustMarshal(m interface{ MarshalBinary() ([]byte, error) }) []byte {
	b, err := m.MarshalBinary()
	if err != nil {
		panic(err) // scenario construction bug, caught by the generating test
	}
	return b
}

// ProposalV1R is an SMC-R v1 Proposal as Linux ≥ 5.10 sends it when it only
// offers v1 (header version 2, typev2 N, SMC-D area present).
func ProposalV1R() []byte {
	p := &smcproto.Proposal{
		Header:     smcproto.Header{Version: 2, Flags: byte(smcproto.PathNone)<<2 | byte(smcproto.PathR)},
		PeerID:     peerA,
		GID:        smcproto.GID(netip.MustParseAddr("fe80::200:ff:fe00:1").As16()),
		MAC:        macA6,
		SMCDArea:   &smcproto.ProposalSMCDArea{},
		HasIPArea:  true,
		IPv4Prefix: netip.MustParsePrefix("10.1.1.0/24"),
	}
	return mustMarshal(p)
}

// ProposalV2R offers SMC-Rv2 only (v1 N), with two EIDs.
func ProposalV2R() []byte {
	p := &smcproto.Proposal{
		Header:   smcproto.Header{Version: 2, Flags: byte(smcproto.PathR)<<2 | byte(smcproto.PathNone)},
		SMCDArea: &smcproto.ProposalSMCDArea{},
		V2: &smcproto.ProposalV2Ext{
			Release: 1, RoCEv2GID: gid4("10.1.1.10"), MaxConns: 255, MaxLinks: 2,
			EIDs: []string{"SMCDUMP-TEST-EID", "SECOND-EID"},
		},
	}
	return mustMarshal(p)
}

// ProposalV2D offers SMC-Dv2 and SMC-D v1 (loopback-ism style).
func ProposalV2D() []byte {
	p := &smcproto.Proposal{
		Header:       smcproto.Header{Version: 2, Flags: byte(smcproto.PathD)<<2 | byte(smcproto.PathD)},
		SMCDArea:     &smcproto.ProposalSMCDArea{ISMGID: 0x1111222233334444, CHID: 0xffff},
		HasIPArea:    true,
		IPv4Prefix:   netip.MustParsePrefix("0.0.0.0/0"),
		IPv6Prefixes: []netip.Prefix{netip.MustParsePrefix("fd00::/64")},
		V2:           &smcproto.ProposalV2Ext{Release: 1},
		SMCDV2: &smcproto.ProposalSMCDV2Ext{GIDs: []smcproto.ISMGIDEntry{
			{GID: 0x1111222233334444, CHID: 0xffff}, {GID: 0x5555666677778888, CHID: 0xffff},
		}},
	}
	return mustMarshal(p)
}

func acceptR(version uint8, first bool, qpn, token uint32) *smcproto.AcceptConfirm {
	fl := byte(smcproto.PathR)
	if first {
		fl |= 0x08
	}
	m := &smcproto.AcceptConfirm{
		Header: smcproto.Header{Version: version, Flags: fl},
		PeerID: peerB, GID: gid4("10.1.1.20"), MAC: macB6, QPN: qpn, RKey: 0x1234,
		RMBEIndex: 1, RMBEAlertToken: token, BufSizeCode: 2, MTUCode: 3, RMBVAddr: 0xffff888800000000, PSN: 0x10,
	}
	if version >= 2 {
		m.EID = "SMCDUMP-TEST-EID"
		if first {
			m.FCE = &smcproto.FirstContactExt{V2Direct: true, OSType: 2, Release: 1, Hostname: "server-a", MaxConns: 255, MaxLinks: 2}
		}
	}
	return m
}

func acceptD(version uint8, first bool, gid, token uint64) *smcproto.AcceptConfirm {
	fl := byte(smcproto.PathD)
	if first {
		fl |= 0x08
	}
	m := &smcproto.AcceptConfirm{
		Header: smcproto.Header{Version: version, Flags: fl},
		ISMGID: gid, DMBToken: token, BufSizeCode: 1, LinkID: 0x00000300,
	}
	if version >= 2 {
		m.CHID = 0xffff
		m.EID = "SMCDUMP-TEST-EID"
		if first {
			m.FCE = &smcproto.FirstContactExt{OSType: 2, Release: 1, Hostname: "lo-host"}
		}
	}
	return m
}

func accept(m *smcproto.AcceptConfirm) []byte {
	return mustMarshal(&smcproto.Accept{AcceptConfirm: *m})
}
func confirm(m *smcproto.AcceptConfirm) []byte {
	return mustMarshal(&smcproto.Confirm{AcceptConfirm: *m})
}

func decline(version uint8, code uint32) []byte {
	return mustMarshal(&smcproto.Decline{Header: smcproto.Header{Version: version}, Diagnosis: smcproto.Code(code), OSType: 2})
}

// llc builds a 44-byte v1 LLC message, or a v2 one (type|0x20, 16-bit
// length) when v2 is set.
func llc(typ byte, resp bool, v2 bool) []byte {
	b := make([]byte, 44)
	b[0] = typ
	b[1] = 44
	if v2 {
		b[0] = 0x20 | typ
		b[1] = 0
		b[2] = 44
	}
	if resp {
		b[3] = 0x80
	}
	if typ == 1 {
		b[3] |= 0x03 // no RMBE eyecatcher bits, always set by Linux
	}
	return b
}

func cdc(seq uint16, token uint32, prod uint32) []byte {
	b := make([]byte, 44)
	b[0], b[1] = 0xFE, 44
	b[2], b[3] = byte(seq>>8), byte(seq)
	b[4], b[5], b[6], b[7] = byte(token>>24), byte(token>>16), byte(token>>8), byte(token)
	b[12], b[13], b[14], b[15] = byte(prod>>24), byte(prod>>16), byte(prod>>8), byte(prod)
	return b
}

func smcR(c *Conn, w *Writer, version uint8) error {
	var prop []byte
	if version >= 2 {
		prop = ProposalV2R()
	} else {
		prop = ProposalV1R()
	}
	steps := [][2]any{
		{true, prop},
		{false, accept(acceptR(version, true, 0x000011, 0x00000101))},
		{true, confirm(func() *smcproto.AcceptConfirm {
			m := acceptR(version, true, 0x000012, 0x00000202)
			m.PeerID, m.GID, m.MAC = peerA, gid4("10.1.1.10"), macA6
			if version >= 2 {
				m.GIDList = []smcproto.GID{gid4("10.1.2.10")}
			}
			return m
		}())},
	}
	for _, s := range steps {
		if err := c.Send(s[0].(bool), s[1].([]byte)); err != nil {
			return err
		}
		w.Advance(200 * time.Microsecond)
	}
	return nil
}

// agreed starts the standard test connection (cli → srv) with the SMC
// option on both SYN and SYN-ACK.
func agreed(w *Writer) (*Conn, error) {
	c := w.TCPConn(cli, srv, 1000, 5000)
	return c, c.Handshake(true, true)
}

// Scenarios returns every synthetic scenario.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name: "smcr-v1", Description: "SMC-R v1 established (Linux v2 client offering only v1); no RoCE in the capture",
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := smcR(c, w, 1); err != nil {
					return err
				}
				w.Advance(time.Second)
				if err := c.FIN(true); err != nil {
					return err
				}
				return c.FIN(false)
			},
		},
		{
			Name: "smcr-v2-link", Description: "SMC-Rv2 with first contact, then RoCEv2 LLC CONFIRM_LINK request/response, CDC and RDMA writes: link confirmed",
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 4294967000, 7000) // client ISN close to wraparound
				if err := c.Handshake(true, true); err != nil {
					return err
				}
				if err := smcR(c, w, 2); err != nil {
					return err
				}
				a, b := netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.1.1.20")
				// server → client CONFIRM_LINK request to the client's QP 0x12
				if err := w.RoCEv2(b, a, 0x04, 0x000012, 1, llc(1, false, true)); err != nil {
					return err
				}
				w.Advance(300 * time.Microsecond)
				if err := w.RoCEv2(a, b, 0x04, 0x000011, 1, llc(1, true, true)); err != nil {
					return err
				}
				w.Advance(time.Millisecond)
				if err := w.RoCEv2(a, b, 0x0A, 0x000011, 2, make([]byte, 16+1024)); err != nil { // RETH + data
					return err
				}
				if err := w.RoCEv2(a, b, 0x04, 0x000011, 3, cdc(1, 0x00000101, 1024)); err != nil {
					return err
				}
				return w.RoCEv2(b, a, 0x11, 0x000012, 3, make([]byte, 4))
			},
		},
		{
			Name: "smcd-v2-ipv6", Description: "SMC-Dv2 over IPv6 (loopback-ism style Proposal with two GID entries), first contact, release v2.1",
			Link: Null, Nano: true,
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli6, srv6, 11, 22)
				if err := c.Handshake(true, true); err != nil {
					return err
				}
				for _, s := range [][]byte{ProposalV2D(), accept(acceptD(2, true, 0x5555666677778888, 0xaaaa)), confirm(acceptD(2, true, 0x1111222233334444, 0xbbbb))} {
					from := !bytes.Equal(s[4:5], []byte{2})
					if err := c.Send(from, s); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name: "smcd-v1-sll2", Description: "SMC-D v1 (48-byte Accept/Confirm) captured with -i any (Linux cooked SLL2)",
			Link:   SLL2,
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 100, 200)
				if err := c.Handshake(true, true); err != nil {
					return err
				}
				p := &smcproto.Proposal{Header: smcproto.Header{Version: 1, Flags: byte(smcproto.PathD)}, PeerID: peerA,
					SMCDArea: &smcproto.ProposalSMCDArea{ISMGID: 0x1111222233334444}, HasIPArea: true, IPv4Prefix: netip.MustParsePrefix("10.1.1.0/24")}
				for i, s := range [][]byte{mustMarshal(p), accept(acceptD(1, true, 0x5555666677778888, 0xaaaa)), confirm(acceptD(1, true, 0x1111222233334444, 0xbbbb))} {
					if err := c.Send(i != 1, s); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name: "peer-no-smc", Description: "client offers SMC, server's SYN-ACK has no SMC option: fallback 0x03010000 on the client, no CLC",
			Expect: []string{"fallback/peer-no-smc"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 1, 2)
				if err := c.Handshake(true, false); err != nil {
					return err
				}
				if err := c.Send(true, []byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
					return err
				}
				return c.Send(false, []byte("HTTP/1.0 200 OK\r\n\r\n"))
			},
		},
		{
			Name: "plain-tcp", Description: "plain TCP (no SMC option) next to one SMC connection; plain connections are counted, not listed",
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				p := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40100"), netip.MustParseAddrPort("10.1.1.20:22"), 9, 19)
				if err := p.Handshake(false, false); err != nil {
					return err
				}
				if err := p.Send(true, []byte("SSH-2.0-OpenSSH\r\n")); err != nil {
					return err
				}
				c, err := agreed(w)
				if err != nil {
					return err
				}
				return smcR(c, w, 2)
			},
		},
		{
			Name: "decline-server-nosmcdev", Description: "server declines the Proposal with 0x03030000 (v2 Decline, 44 bytes); both continue as TCP",
			Expect: []string{"fallback/decline"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				if err := c.Send(false, decline(2, 0x03030000)); err != nil {
					return err
				}
				if err := c.Send(true, []byte("application data after fallback")); err != nil {
					return err
				}
				return c.Send(false, []byte("reply"))
			},
		},
		{
			Name: "decline-client-ipsec", Description: "client sends a v1 Decline 0x03020000 (IPsec) instead of a Proposal (28 bytes), then data",
			Expect: []string{"fallback/decline"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, append(decline(1, 0x03020000), []byte("data in the same segment")...)); err != nil {
					return err
				}
				return c.Send(false, []byte("reply"))
			},
		},
		{
			Name: "decline-after-confirm", Description: "SMC-Rv2 Proposal/Accept/Confirm, then the server declines 3 s later with 0x02010000 (CONFIRM_LINK timeout), as soft-RoCE between namespaces does",
			Expect: []string{"fallback/late-decline"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := smcR(c, w, 2); err != nil {
					return err
				}
				w.Advance(3 * time.Second)
				return c.Send(false, decline(2, 0x02010000))
			},
		},
		{
			Name: "no-accept-timeout", Description: "Proposal without an answer; the capture continues 8 s (keep-alive ACKs): CLC timeout",
			Expect: []string{"handshake-error/no-accept"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				for i := 0; i < 4; i++ {
					w.Advance(2 * time.Second)
					if err := c.ACK(false); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name: "no-confirm-rst", Description: "Accept sent, the client resets the connection instead of confirming: handshake aborted",
			Expect: []string{"handshake-error/aborted"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				if err := c.Send(false, accept(acceptR(2, true, 0x11, 0x101))); err != nil {
					return err
				}
				w.Advance(50 * time.Millisecond)
				return c.RST(true)
			},
		},
		{
			Name: "snaplen-truncated", Description: "captured with -s 96: the Proposal is cut by the snaplen, so the outcome cannot be told (never a fallback)",
			SnapLen: 96,
			Expect:  []string{"unknown/truncated"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				return c.Send(false, accept(acceptR(2, true, 0x11, 0x101)))
			},
		},
		{
			Name: "reassembly", Description: "CLC messages split over segments, delivered out of order, retransmitted, and Accept+Confirm-sized data sharing segments; QinQ VLAN",
			VLANs:  []uint16{100, 200},
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 0xfffffff0, 0x7ffffff0)
				if err := c.Handshake(true, true); err != nil {
					return err
				}
				p := ProposalV2R()
				// second half first, then the first half, then a retransmission of all
				if err := c.SendAt(true, 40, p[40:]); err != nil {
					return err
				}
				w.Advance(10 * time.Microsecond)
				if err := c.SendAt(true, 0, p[:40]); err != nil {
					return err
				}
				c.Skip(true, len(p)-40)
				if err := c.SendAt(true, -len(p), p); err != nil {
					return err
				}
				w.Advance(100 * time.Microsecond)
				c.MSS = 50
				if err := c.Send(false, accept(acceptR(2, true, 0x11, 0x101))); err != nil {
					return err
				}
				c.MSS = 0
				m := acceptR(2, true, 0x12, 0x202)
				m.GIDList = []smcproto.GID{gid4("10.1.2.10"), gid4("10.1.3.10")}
				return c.Send(true, confirm(m))
			},
		},
		{
			Name: "syn-not-captured", Description: "capture started after the TCP handshake: CLC messages still decoded, roles from the Proposal; a second connection shows only data",
			Expect: []string{"smc/"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 1000, 5000)
				c.CSeq, c.SSeq = 1001, 5001
				if err := smcR(c, w, 2); err != nil {
					return err
				}
				d := w.TCPConn(netip.MustParseAddrPort("10.1.1.11:40200"), srv, 1, 2)
				d.CSeq, d.SSeq = 77, 88
				return d.Send(true, []byte("some data in the middle of a stream"))
			},
		},
		{
			Name: "capture-ended", Description: "capture stops 1 s after the Proposal, before the 6 s CLC timeout: cannot tell",
			Expect: []string{"unknown/capture-ended"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				w.Advance(time.Second)
				return c.ACK(false)
			},
		},
		{
			Name: "protocol-error", Description: "server answers with a CLC header of impossible length (malformed): handshake error, then the server closes",
			Expect: []string{"handshake-error/protocol-error"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV1R()); err != nil {
					return err
				}
				bad := accept(acceptR(1, true, 0x11, 0x101))
				bad[5], bad[6] = 0, 70 // v1 Accept must be exactly 68 bytes
				bad = append(bad, 0, 0)
				if err := c.Send(false, bad); err != nil {
					return err
				}
				return c.FIN(false)
			},
		},
		{
			Name: "no-clc-data", Description: "SMC option exchanged but the client sends application data instead of a Proposal; the server then resets",
			Expect: []string{"handshake-error/no-clc"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, []byte("HELO")); err != nil {
					return err
				}
				return c.RST(false)
			},
		},
		{
			Name: "accept-not-captured", Description: "the capture dropped the server's Accept, but the client's Confirm proves it arrived: probably established, never a timeout",
			Expect: []string{"unknown/accept-not-captured"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				c.Skip(false, len(accept(acceptR(2, true, 0x11, 0x101))))
				if err := c.Send(true, confirm(acceptR(2, true, 0x12, 0x202))); err != nil {
					return err
				}
				w.Advance(10 * time.Second)
				if err := c.FIN(true); err != nil {
					return err
				}
				return c.FIN(false)
			},
		},
		{
			Name: "proposal-dropped", Description: "the capture dropped the client's Proposal (the server's ACK covers it) and nothing follows for 8 s: incomplete, not a CLC timeout",
			Expect: []string{"unknown/incomplete"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				c.Skip(true, len(ProposalV2R()))
				if err := c.ACK(false); err != nil {
					return err
				}
				w.Advance(8 * time.Second)
				return c.ACK(false)
			},
		},
		{
			Name: "mid-capture-decline", Description: "capture started after the TCP handshake; the first CLC message is a client Decline (client without a device), then data; plus a plain connection whose SYN-ACK (no option) is all that shows of its handshake",
			Expect: []string{"fallback/decline"},
			Build: func(w *Writer) error {
				c := w.TCPConn(cli, srv, 1000, 5000)
				c.CSeq, c.SSeq = 1001, 5001
				if err := c.Send(true, decline(2, 0x03030000)); err != nil {
					return err
				}
				if err := c.Send(true, []byte("data")); err != nil {
					return err
				}
				p := w.TCPConn(netip.MustParseAddrPort("10.1.1.12:40300"), netip.MustParseAddrPort("10.1.1.20:80"), 7, 8)
				if err := p.SYNACK(false); err != nil {
					return err
				}
				return p.Send(true, []byte("GET / HTTP/1.0\r\n\r\n"))
			},
		},
		{
			Name: "decline-after-rst", Description: "-i any reordering: the client's RST is captured before the server's Decline that caused the fallback; both are kept (the connection is finished 5 s after it closes)",
			Expect: []string{"fallback/decline"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV2R()); err != nil {
					return err
				}
				if err := c.RST(true); err != nil {
					return err
				}
				w.Advance(time.Millisecond)
				return c.Send(false, decline(2, 0x03030000))
			},
		},
		{
			Name: "decline-client-after-accept", Description: "raw-IP link type; client declines the Accept with 0x03040000 (mode not proposed)",
			Link:   RawIP,
			Expect: []string{"fallback/decline"},
			Build: func(w *Writer) error {
				c, err := agreed(w)
				if err != nil {
					return err
				}
				if err := c.Send(true, ProposalV1R()); err != nil {
					return err
				}
				if err := c.Send(false, accept(acceptD(1, true, 1, 2))); err != nil {
					return err
				}
				return c.Send(true, decline(1, 0x03040000))
			},
		},
		{
			Name: "option-echoed", Description: "three servers whose SYN-ACK echoes the SMC option without being SMC listeners (a TCP stack or middlebox reflecting unknown options): an HTTP server answers the Proposal with 400 and closes, an SSH server sends its banner first, an echo service sends the Proposal back; each client then resets (EPROTO). Labelled synthetic: Linux does not reflect unknown options, so no namespace can produce it",
			Expect: []string{"handshake-error/option-echoed", "handshake-error/option-echoed", "handshake-error/option-echoed"},
			Build: func(w *Writer) error {
				// HTTP: the Proposal is a bad request.
				h := w.TCPConn(cli, netip.MustParseAddrPort("10.1.1.30:80"), 1000, 5000)
				if err := h.Handshake(true, true); err != nil {
					return err
				}
				if err := h.Send(true, ProposalV2R()); err != nil {
					return err
				}
				w.Advance(300 * time.Microsecond)
				if err := h.Send(false, []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")); err != nil {
					return err
				}
				if err := h.FIN(false); err != nil {
					return err
				}
				if err := h.RST(true); err != nil {
					return err
				}
				// SSH: the banner comes before the Proposal.
				w.Advance(10 * time.Millisecond)
				s := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40003"), netip.MustParseAddrPort("10.1.1.31:22"), 2000, 6000)
				if err := s.Handshake(true, true); err != nil {
					return err
				}
				if err := s.Send(false, []byte("SSH-2.0-OpenSSH_9.6\r\n")); err != nil {
					return err
				}
				if err := s.Send(true, ProposalV1R()); err != nil {
					return err
				}
				if err := s.Send(false, []byte("Invalid SSH identification string.\r\n")); err != nil {
					return err
				}
				if err := s.FIN(false); err != nil {
					return err
				}
				if err := s.RST(true); err != nil {
					return err
				}
				// Echo service: the Proposal comes back.
				w.Advance(10 * time.Millisecond)
				e := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40004"), netip.MustParseAddrPort("10.1.1.32:7"), 3000, 7000)
				if err := e.Handshake(true, true); err != nil {
					return err
				}
				p := ProposalV2R()
				if err := e.Send(true, p); err != nil {
					return err
				}
				if err := e.Send(false, p); err != nil {
					return err
				}
				return e.RST(true)
			},
		},
		{
			Name: "frag-id-reuse", Description: "UDP multicast feed of fragmented datagrams: an IP ID reused after a datagram whose last fragment was lost, at once (shorter datagram, discarded) and after ipfrag_max_dist fragments (delivered); out-of-order and duplicate fragments",
			Build: fragIDReuse,
		},
	}
}

// SMCREstablished sends an SMC-R first-contact handshake (Proposal, Accept,
// Confirm) of the given version (1 or 2) on c, whose TCP handshake carried
// the SMC option on both sides.
func SMCREstablished(c *Conn, w *Writer, version uint8) error { return smcR(c, w, version) }
