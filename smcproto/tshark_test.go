package smcproto

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// pcapWriter builds a classic little-endian pcap file (linktype Ethernet)
// with hand-made Ethernet/IPv4/TCP or UDP frames, so the synthetic fixtures
// can be given to tshark. Timestamps are fixed (deterministic).
type pcapWriter struct {
	buf bytes.Buffer
	n   int
}

func newPcap() *pcapWriter {
	w := &pcapWriter{}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // LINKTYPE_ETHERNET
	w.buf.Write(hdr)
	return w
}

func (w *pcapWriter) frame(l4proto byte, l4 []byte) {
	eth := unhex(`020000000002 020000000001 0800`)
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 64, l4proto
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(ip[6:], 0x4000)
	copy(ip[12:], []byte{192, 0, 2, 1})
	copy(ip[16:], []byte{192, 0, 2, 2})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	pkt := append(append(eth, ip...), l4...)
	rec := make([]byte, 16)
	w.n++
	binary.LittleEndian.PutUint32(rec[0:], 1700000000+uint32(w.n))
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(pkt)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(pkt)))
	w.buf.Write(rec)
	w.buf.Write(pkt)
}

// tcp adds one TCP segment of a new connection (its own port pair, so every
// CLC message starts a fresh stream for Wireshark's heuristic).
func (w *pcapWriter) tcp(payload []byte) {
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], uint16(40000+w.n))
	binary.BigEndian.PutUint16(tcp[2:], 45000)
	binary.BigEndian.PutUint32(tcp[4:], 1000)
	binary.BigEndian.PutUint32(tcp[8:], 1)
	tcp[12], tcp[13] = 5<<4, 0x18 // PSH ACK
	binary.BigEndian.PutUint16(tcp[14:], 0xffff)
	w.frame(6, append(tcp, payload...))
}

// roce adds a RoCEv2 RC SEND_ONLY (UDP 4791, BTH, payload, ICRC).
func (w *pcapWriter) roce(payload []byte) {
	bth := unhex(`04 40 ffff 00 000011 00 000001`) // SEND_ONLY, pad 0, pkey, dest QP 0x11, PSN 1
	l := 8 + len(bth) + len(payload) + 4
	udp := make([]byte, 8)
	binary.BigEndian.PutUint16(udp[0:], 49152)
	binary.BigEndian.PutUint16(udp[2:], 4791)
	binary.BigEndian.PutUint16(udp[4:], uint16(l))
	b := append(append(udp, bth...), payload...)
	w.frame(17, append(b, 0, 0, 0, 0)) // ICRC (not verified by Wireshark)
}

// tsharkFields runs tshark on the pcap and returns one map per frame.
func tsharkFields(t *testing.T, pcap []byte, fields []string) []map[string]string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark); skipping the Wireshark cross-check")
	}
	f := filepath.Join(t.TempDir(), "smc.pcap")
	if err := os.WriteFile(f, pcap, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-n", "-r", f, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f", "-e", "frame.number"}
	for _, fl := range fields {
		args = append(args, "-e", fl)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	var rows []map[string]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		cols := strings.Split(line, "\t")
		m := map[string]string{}
		for i, fl := range fields {
			if i+1 < len(cols) {
				m[fl] = cols[i+1]
			}
		}
		rows = append(rows, m)
	}
	return rows
}

// TestTsharkCrossCheck gives every real and synthetic CLC and LLC message to tshark
// (Wireshark's SMC dissector, packet-smc.c) and compares its fields with
// this package's decoding (docs/smc-protocol.md sections 14 and 15). Skipped when
// tshark is not installed.
func TestTsharkCrossCheck(t *testing.T) {
	type expect map[string]any // field → uint64-convertible or string
	w := newPcap()
	var exps []expect
	clc := realCLC()
	for _, fx := range clcFixtures() {
		clc = append(clc, fx.in)
	}
	for _, in := range clc {
		w.tcp(in)
		m, err := Decode(in)
		if err != nil {
			t.Fatal(err)
		}
		h := m.Hdr()
		e := expect{"smc.clc_msg": uint64(h.Type), "smc.length": uint64(h.Length)}
		switch x := m.(type) {
		case *Proposal:
			// Wireshark decodes the prefix area only when iparea_offset != 0.
			if x.HasIPArea && x.IPAreaOffset != 0 {
				e["smc.proposal.ipv6.prefix.count"] = uint64(len(x.IPv6Prefixes))
				e["smc.outgoing.interface.subnet.mask.number.of.significant.bits"] = uint64(x.IPv4Prefix.Bits())
				e["smc.outgoing.interface.subnet.mask"] = x.IPv4Prefix.Addr().String()
			}
			if x.V2 != nil {
				e["smc.proposal.eid.count"] = uint64(len(x.V2.EIDs))
				e["smc.proposal.smcv2_ext_offset"] = uint64(x.SMCDArea.V2ExtOffset)
				if len(x.V2.EIDs) > 0 {
					e["smc.proposal.eid"] = x.V2.EIDs[0]
				}
			}
			if x.SMCDV2 != nil {
				e["smc.proposal.ismv2_gid_count"] = uint64(len(x.SMCDV2.GIDs))
				e["smc.proposal.system.eid"] = x.SMCDV2.SEID
			}
		case *Accept:
			if h.TypeV1() == PathR {
				e["smc.accept.server.qp.number"] = uint64(x.QPN)
				e["smc.accept.server.rmb.element.alert.token"] = uint64(x.RMBEAlertToken)
				e["smc.accept.server.rmb.virtual.address"] = x.RMBVAddr
				e["smc.accept.initial.psn"] = uint64(x.PSN)
			} else {
				e["smc.accept.dmb.token"] = x.DMBToken
			}
			if x.FCE != nil {
				e["smc.accept.peer.host.name"] = x.FCE.Hostname
			}
		case *Confirm:
			if h.TypeV1() == PathR {
				e["smc.confirm.client.qp.number"] = uint64(x.QPN)
				e["smc.client.rmb.element.alert.token"] = uint64(x.RMBEAlertToken)
				if x.FCE != nil {
					e["smc.confirm.gid.list.entry_count"] = uint64(len(x.GIDList))
				}
			} else {
				e["smc.confirm.dmb.token"] = x.DMBToken
			}
			if x.FCE != nil {
				e["smc.confirm.peer.host.name"] = x.FCE.Hostname
			}
		case *Decline:
			e["smc.peer.diag.info"] = uint64(x.Diagnosis)
		}
		exps = append(exps, e)
	}
	llc := realLLC()
	for _, fx := range llcFixtures() {
		llc = append(llc, fx.in)
	}
	for _, in := range llc {
		w.roce(in)
		l, err := DecodeLLC(in)
		if err != nil {
			t.Fatal(err)
		}
		if l.LengthLE {
			// Wireshark reads the v2 length big-endian only and does not
			// recognise this message.
			exps = append(exps, expect{"smc.llc_msg": ""})
			continue
		}
		e := expect{"smc.llc_msg": uint64(in[0]), "smc.length": uint64(l.Length)}
		switch l.Type {
		case LLCConfirmLink:
			e["smc.confirm.link.sender.qp.number"] = uint64(l.QPN)
			e["smc.confirm.link.number"] = uint64(l.LinkNum)
			e["smc.confirm.link.sender.link.userid"] = uint64(l.LinkUserID)
			e["smc.confirm.link.max.links"] = uint64(l.MaxLinks)
		case LLCAddLink:
			e["smc.add.link.sender.qp.number"] = uint64(l.QPN)
			e["smc.add.link.link.number"] = uint64(l.LinkNum)
		case LLCDeleteLink:
			e["smc.delete.link.number"] = uint64(l.LinkNum)
			e["smc.delete.link.reason.code"] = uint64(l.Reason)
		case LLCCDC:
			e["smc.rmbe.ctrl.seqno"] = uint64(l.CDC.Seq)
			e["smc.rmbe.ctrl.alert.token"] = uint64(l.CDC.Token)
			e["smc.rmbe.ctrl.peer.prod.curs"] = uint64(l.CDC.ProdCount)
		}
		exps = append(exps, e)
	}
	fieldSet := map[string]bool{}
	for _, e := range exps {
		for k := range e {
			fieldSet[k] = true
		}
	}
	var fields []string
	for k := range fieldSet {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	rows := tsharkFields(t, w.buf.Bytes(), fields)
	if len(rows) != len(exps) {
		t.Fatalf("tshark returned %d frames, want %d", len(rows), len(exps))
	}
	for i, e := range exps {
		for k, want := range e {
			got := rows[i][k]
			switch v := want.(type) {
			case uint64:
				n, err := strconv.ParseUint(got, 0, 64)
				if err != nil || n != v {
					t.Errorf("frame %d %s: tshark %q, smcproto %#x", i+1, k, got, v)
				}
			case string:
				if strings.TrimRight(got, " ") != v {
					t.Errorf("frame %d %s: tshark %q, smcproto %q", i+1, k, got, v)
				}
			}
		}
	}
}
