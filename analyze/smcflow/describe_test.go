package smcflow

import (
	"fmt"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
	"github.com/smcdump/smcdump/smcproto"
)

// describeCLCFmt is DescribeCLC as it was written with fmt: the reference
// the strconv version must match byte for byte.
func describeCLCFmt(m smcproto.Message) string {
	h := m.Hdr()
	switch x := m.(type) {
	case *smcproto.Proposal:
		s := fmt.Sprintf("CLC Proposal v%d (v1:%s", h.Version, h.TypeV1())
		if h.Version >= 2 {
			s += fmt.Sprintf(" v2:%s", h.TypeV2())
		}
		s += ")"
		if x.V2 != nil && len(x.V2.EIDs) > 0 {
			s += fmt.Sprintf(" eids %d", len(x.V2.EIDs))
		}
		return s
	case *smcproto.Accept:
		return "CLC Accept " + acDescFmt(&x.AcceptConfirm)
	case *smcproto.Confirm:
		return "CLC Confirm " + acDescFmt(&x.AcceptConfirm)
	case *smcproto.Decline:
		s := fmt.Sprintf("CLC Decline v%d %s", h.Version, x.Diagnosis)
		if n := codeName(x.Diagnosis); n != "" {
			s += " " + n
		}
		if h.OutOfSync() {
			s += " out-of-sync"
		}
		return s
	}
	return "CLC " + h.Type.String()
}

func acDescFmt(m *smcproto.AcceptConfirm) string {
	t := "SMC-R"
	if m.Header.TypeV1() == smcproto.PathD {
		t = "SMC-D"
	}
	s := fmt.Sprintf("%sv%d", t, m.Header.Version)
	if m.Header.FirstContact() {
		s += " first-contact"
	}
	if t == "SMC-R" {
		s += fmt.Sprintf(" qpn %#06x buf %s mtu %d", m.QPN, byteSizeFmt(m.BufferSize()), m.MTU())
	} else {
		s += fmt.Sprintf(" gid %#016x buf %s", m.ISMGID, byteSizeFmt(m.BufferSize()))
	}
	return s
}

func byteSizeFmt(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// labCLCMessages decodes every CLC message of the real-kernel lab traces
// (testdata/lab/out); nil when they are absent.
func labCLCMessages(t *testing.T) []smcproto.Message {
	var out []smcproto.Message
	for _, p := range fuzzseed.Glob("../../testdata/lab/out/*/*.pcapng") {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			pk, ok := fuzzseed.DecodeFrame(f)
			if !ok || pk.Proto != 6 {
				continue
			}
			for _, b := range fuzzseed.CLCMessages(pk.Payload) {
				if m, err := smcproto.Decode(b); err == nil {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// TestDescribeCLCMatchesFmt: DescribeCLC (strconv) writes exactly what its
// fmt version wrote, for every lab CLC message and for synthetic variants
// of their fields (versions, flags, QPNs, buffer and MTU codes, ISM GIDs,
// decline codes of the table and unknown ones).
func TestDescribeCLCMatchesFmt(t *testing.T) {
	msgs := labCLCMessages(t)
	if len(msgs) == 0 {
		t.Log("no lab traces: synthetic messages only")
	}
	check := func(m smcproto.Message) {
		t.Helper()
		if got, want := DescribeCLC(m), describeCLCFmt(m); got != want {
			t.Fatalf("DescribeCLC = %q, fmt version %q (%+v)", got, want, m)
		}
	}
	for _, m := range msgs {
		check(m)
	}
	n := 0
	for _, v := range []uint8{0, 1, 2, 3, 15} {
		for fl := uint8(0); fl < 16; fl++ {
			h := smcproto.Header{Version: v, Flags: fl}
			for _, q := range []uint32{0, 1, 0xab, 0x1234, 0xfffff, 0xffffff} {
				for code := uint8(0); code < 16; code++ {
					ac := smcproto.AcceptConfirm{Header: h, QPN: q, BufSizeCode: code, MTUCode: code & 7, ISMGID: uint64(q) << (code * 3)}
					check(&smcproto.Accept{AcceptConfirm: ac})
					check(&smcproto.Confirm{AcceptConfirm: ac})
					n += 2
				}
			}
			p := &smcproto.Proposal{Header: h}
			check(p)
			p.V2 = &smcproto.ProposalV2Ext{EIDs: []string{"A", "B"}}
			check(p)
			for _, c := range []smcproto.Code{0, 0x03030000, 0x09990000, 0x0303000a, 0x12345678, 0xffffffff} {
				check(&smcproto.Decline{Header: h, Diagnosis: c})
			}
		}
	}
	for _, x := range []int{0, 1, 1023, 1024, 1025, 1 << 20, 3 << 20, 1<<20 + 1024, 1 << 40} {
		if ByteSize(x) != byteSizeFmt(x) {
			t.Fatalf("ByteSize(%d) = %q, want %q", x, ByteSize(x), byteSizeFmt(x))
		}
	}
	t.Logf("%d lab messages, %d synthetic accept/confirm variants", len(msgs), n)
}

func BenchmarkDescribeCLC(b *testing.B) {
	m := &smcproto.Accept{AcceptConfirm: smcproto.AcceptConfirm{Header: smcproto.Header{Version: 2, Flags: 0x09}, QPN: 0x5c, BufSizeCode: 1, MTUCode: 3}}
	b.ReportAllocs()
	for b.Loop() {
		_ = DescribeCLC(m)
	}
}

// TestEndpointHexMatchesFmt: the fmt-free endpoint texts of fillEndpoints
// equal their fmt formats.
func TestEndpointHexMatchesFmt(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xab, 0x1234, 0xffff, 0x12345678, 1 << 63, ^uint64(0)} {
		if got, want := hexPad(v, 16), fmt.Sprintf("%#016x", v); got != want {
			t.Errorf("hexPad(%#x, 16) = %q, want %q", v, got, want)
		}
		c := uint16(v)
		if got, want := hexPad(v, 16)+"/chid "+hexPad(uint64(c), 4), fmt.Sprintf("%#016x/chid %#04x", v, c); got != want {
			t.Errorf("ism gid text %q, want %q", got, want)
		}
	}
	for p := smcproto.PathType(0); p < 4; p++ {
		if got, want := "v1:"+p.String(), fmt.Sprintf("v1:%s", p); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
