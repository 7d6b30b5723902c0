package smcproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeFixtures(t *testing.T) {
	for _, tt := range clcFixtures() {
		t.Run(tt.name, func(t *testing.T) {
			if got := int(binary.BigEndian.Uint16(tt.in[5:7])); got != len(tt.in) {
				t.Fatalf("fixture length field %d != %d bytes", got, len(tt.in))
			}
			got, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			diff(t, tt.want, got)
			// Encoding the expected value reproduces the exact bytes.
			enc, err := tt.want.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			if !bytes.Equal(enc, tt.in) {
				t.Errorf("MarshalBinary:\n got % x\nwant % x", enc, tt.in)
			}
			// Trailing bytes after the message are ignored.
			got2, err := Decode(append(append([]byte(nil), tt.in...), 0xde, 0xad))
			if err != nil {
				t.Fatalf("Decode with trailing data: %v", err)
			}
			diff(t, tt.want, got2)
		})
	}
}

func TestDecodeTruncatedPrefixes(t *testing.T) {
	for _, tt := range clcFixtures() {
		for n := 0; n < len(tt.in); n++ {
			_, err := Decode(tt.in[:n])
			if !errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: Decode(first %d bytes) err = %v, want ErrTruncated", tt.name, n, err)
			}
		}
	}
}

// mutate returns a copy of the fixture named name with f applied.
func mutate(name string, f func([]byte) []byte) []byte {
	for _, fx := range clcFixtures() {
		if fx.name == name {
			return f(append([]byte(nil), fx.in...))
		}
	}
	panic("no fixture " + name)
}

func setLen(b []byte) []byte {
	binary.BigEndian.PutUint16(b[5:7], uint16(len(b)))
	return b
}

func TestDecodeMalformed(t *testing.T) {
	const (
		p52  = "proposal 52 v1 rfc style ipv4 iparea_offset 0"
		p92  = "proposal 92 v2 sender only v1 paths (typev1 B typev2 N)"
		p132 = "proposal 132 v2 with v1 and v2 SMC-R, no eids"
		p224 = "proposal 224 v2 SMC-Dv2 only (loopback-ism) with eid"
		a68  = "accept 68 SMC-R v1 first contact"
		c108 = "confirm 108 SMC-R v2 not first contact"
		c180 = "confirm 180 SMC-R v2 first contact with 1 gids"
		a78  = "accept 78 SMC-D v2 not first contact (loopback-ism)"
		d28  = "decline 28 v1 placeholder peer id NOSMCDEV"
	)
	tests := []struct {
		name    string
		in      []byte
		wantOff int
	}{
		{"proposal v1 length one too long", mutate(p52, func(b []byte) []byte {
			return setLen(append(b[:48], 0, 0xe2, 0xd4, 0xc3, 0xd9))
		}), 5},
		{"proposal v1 ipv6 count past the end", mutate(p52, func(b []byte) []byte { b[47] = 1; return b }), 48},
		{"proposal ipv6 count 9", mutate(p52, func(b []byte) []byte { b[47] = 9; return b }), 47},
		{"proposal ipv4 prefix length 33", mutate(p52, func(b []byte) []byte { b[44] = 33; return b }), 44},
		{"proposal v1 typev1 N", mutate(p52, func(b []byte) []byte { b[7] = 0x12; return b }), 7},
		{"proposal bad trailer", mutate(p52, func(b []byte) []byte { b[51] = 0; return b }), 48},
		{"proposal v2 iparea_offset inside smc-d area", mutate(p92, func(b []byte) []byte { b[39] = 0; return b }), 38},
		{"proposal v2 ext offset overlapping prefix area", mutate(p132, func(b []byte) []byte { b[51] = 0x1c; return b }), 50},
		{"proposal v2 ext offset past end", mutate(p132, func(b []byte) []byte { b[50] = 0x10; return b }), 4184},
		{"proposal eid count 9", mutate(p224, func(b []byte) []byte { b[80] = 9; return b }), 80},
		{"proposal eid count 2 does not fit", mutate(p224, func(b []byte) []byte { b[80] = 2; return b }), 86},
		{"proposal ism gid count 9", mutate(p224, func(b []byte) []byte { b[81] = 9; return b }), 81},
		{"proposal ism gid count 3 does not fit", mutate(p224, func(b []byte) []byte { b[81] = 3; return b }), 220},
		{"proposal smcd_v2_ext_offset overlapping eids", mutate(p224, func(b []byte) []byte { b[87] = 0x20; return b }), 86},
		{"accept v1 R length 69", mutate(a68, func(b []byte) []byte { return setLen(append(b[:64], 0, 0xe2, 0xd4, 0xc3, 0xd9)) }), 5},
		{"accept typev1 N", mutate(a68, func(b []byte) []byte { b[7] = 0x1a; return b }), 7},
		{"accept v1 D length 68", mutate(a68, func(b []byte) []byte { b[7] = 0x19; return b }), 5},
		{"confirm v2 R below 108", mutate(c108, func(b []byte) []byte { return setLen(append(b[:100], 0xe2, 0xd4, 0xc3, 0xd9)) }), 5},
		{"confirm v2 R first contact without room for fce", mutate(c108, func(b []byte) []byte { b[7] = 0x28; return b }), 104},
		{"confirm gid count 5 does not fit", mutate(c180, func(b []byte) []byte { b[156] = 5; return b }), 156},
		{"accept v2 D below 78", mutate(a78, func(b []byte) []byte { return setLen(append(b[:70], 0xe2, 0xd4, 0xc3, 0xc4)) }), 5},
		{"accept v2 D first contact without room for fce", mutate(a78, func(b []byte) []byte { b[7] = 0x29; return b }), 74},
		{"decline length 30", mutate(d28, func(b []byte) []byte { return setLen(append(b, 0, 0)) }), 5},
		{"decline length 12", mutate(d28, func(b []byte) []byte { return setLen(append(b[:8], 0xe2, 0xd4, 0xc3, 0xd9)) }), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.in)
			if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrTruncated) {
				t.Fatalf("err = %v (msg %+v), want ErrMalformed", err, m)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %T is not *DecodeError", err)
			}
			if de.Offset != tt.wantOff {
				t.Errorf("offset = %d, want %d (%v)", de.Offset, tt.wantOff, err)
			}
		})
	}
}

// Newer peers may send longer v2 messages (docs/smc-protocol.md section 2,
// "Receiver behaviour"); the decoder tolerates them.
func TestDecodeLongerV2Tolerated(t *testing.T) {
	for _, name := range []string{
		"proposal 132 v2 with v1 and v2 SMC-R, no eids",
		"confirm 108 SMC-R v2 not first contact",
		"accept 160 SMC-R v2 first contact",
		"accept 78 SMC-D v2 not first contact (loopback-ism)",
	} {
		var want Message
		for _, fx := range clcFixtures() {
			if fx.name == name {
				want = fx.want
			}
		}
		in := mutate(name, func(b []byte) []byte {
			tr := append([]byte(nil), b[len(b)-4:]...)
			b = append(b[:len(b)-4], make([]byte, 16)...)
			return setLen(append(b, tr...))
		})
		got, err := Decode(in)
		if err != nil {
			t.Errorf("%s + 16 bytes: %v", name, err)
			continue
		}
		setHdrLen(want, uint16(len(in)))
		diff(t, want, got)
	}
}

func setHdrLen(m Message, n uint16) {
	switch x := m.(type) {
	case *Proposal:
		x.Header.Length = n
	case *Accept:
		x.Header.Length = n
	case *Confirm:
		x.Header.Length = n
	case *Decline:
		x.Header.Length = n
	}
}

func TestUnmarshalWrongType(t *testing.T) {
	var p Proposal
	err := p.UnmarshalBinary(clcFixtures()[5].in) // an Accept
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

func TestAcceptConfirmHelpers(t *testing.T) {
	m := &AcceptConfirm{BufSizeCode: 2, MTUCode: 3}
	if m.BufferSize() != 64<<10 || m.MTU() != 1024 {
		t.Errorf("BufferSize %d MTU %d", m.BufferSize(), m.MTU())
	}
	m = &AcceptConfirm{BufSizeCode: 15, MTUCode: 0}
	if m.BufferSize() != 512<<20 || m.MTU() != 0 {
		t.Errorf("BufferSize %d MTU %d", m.BufferSize(), m.MTU())
	}
	m.MTUCode = 5
	if m.MTU() != 4096 {
		t.Errorf("MTU %d", m.MTU())
	}
}

func TestEncodeDefaults(t *testing.T) {
	// Minimal hand-built messages: lengths, type, eyecatchers and offsets are
	// filled in by the encoder.
	p := &Proposal{Header: Header{Version: 2, Flags: 0x0}, IPv4Prefix: pfx24, HasIPArea: true,
		V2: &ProposalV2Ext{EIDs: []string{"E"}}}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 164 || !HasEyecatcher(b) || b[4] != 1 {
		t.Fatalf("proposal: len %d % x", len(b), b[:8])
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	gp := got.(*Proposal)
	if gp.IPAreaOffset != 40 || gp.SMCDArea.V2ExtOffset != 36 || gp.V2.SMCDV2ExtOffset != 0 || gp.V2.EIDs[0] != "E" {
		t.Errorf("offsets: %+v %+v %+v", gp, gp.SMCDArea, gp.V2)
	}
	a := &Accept{AcceptConfirm{Header: Header{Version: 2, Flags: 0x9}, FCE: &FirstContactExt{Release: 1}}}
	b, err = a.MarshalBinary()
	if err != nil || len(b) != 130 || [4]byte(b[:4]) != EyecatcherD || [4]byte(b[126:]) != EyecatcherD {
		t.Fatalf("accept: %v len %d", err, len(b))
	}
	d := &Decline{Header: Header{Version: 1}, Diagnosis: 0x03030000}
	if b, err = d.MarshalBinary(); err != nil || len(b) != 28 {
		t.Fatalf("decline: %v len %d", err, len(b))
	}
	// Errors.
	for name, m := range map[string]Message{
		"version 0":    &Decline{},
		"eid too long": &Proposal{Header: Header{Version: 2}, V2: &ProposalV2Ext{EIDs: []string{string(make([]byte, 33))}}},
		"9 eids":       &Proposal{Header: Header{Version: 2}, V2: &ProposalV2Ext{EIDs: make([]string, 9)}},
		"v1 typev1 N":  &Proposal{Header: Header{Version: 1, Flags: 2}},
		"ipv6 as v4":   &Proposal{Header: Header{Version: 1}, IPv4Prefix: netipPrefix("::/0")},
		"accept N":     &Accept{AcceptConfirm{Header: Header{Version: 1, Flags: 2}}},
		"R fce 36":     &Confirm{AcceptConfirm{Header: Header{Version: 2, Flags: 8}, FCE: &FirstContactExt{Len: 36}}},
	} {
		prefix := []byte{1, 2, 3}
		out, err := m.AppendBinary(prefix)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if !bytes.Equal(out, prefix) {
			t.Errorf("%s: AppendBinary modified the prefix on error: % x", name, out)
		}
	}
}

func BenchmarkDecodeProposal(b *testing.B) {
	in := clcFixtures()[3].in // 132-byte v2 Proposal
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAccept(b *testing.B) {
	in := clcFixtures()[8].in // 160-byte SMC-R v2 Accept with FCE
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	var a Accept
	for b.Loop() {
		if err := a.UnmarshalBinary(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeDecline(b *testing.B) {
	in := clcFixtures()[len(clcFixtures())-1].in
	b.ReportAllocs()
	var d Decline
	for b.Loop() {
		if err := d.UnmarshalBinary(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalProposal(b *testing.B) {
	m, _ := Decode(clcFixtures()[3].in)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = m.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAcceptConfirmFixedRLayout: the SMC-R fields read without a check each
// (peer id to initial psn) fit in every length the decoder accepts.
func TestAcceptConfirmFixedRLayout(t *testing.T) {
	if acFixedR != acLenRv1-HeaderLen-TrailerLen || acMinLenRv2 < acLenRv1 {
		t.Fatalf("acFixedR %d, v1 length %d, v2 minimum %d", acFixedR, acLenRv1, acMinLenRv2)
	}
}

// TestFixedBlocksSameAsFields: reading the fixed-layout blocks at fixed
// offsets (cursor.fixed) decodes what reading them field by field does —
// the same message and the same error text — on the real CLC messages, the
// fixtures, every truncation of them (header length adjusted, so that the
// blocks are cut, not the input) and random byte changes.
func TestFixedBlocksSameAsFields(t *testing.T) {
	var inputs [][]byte
	for _, f := range clcFixtures() {
		inputs = append(inputs, f.in)
	}
	inputs = append(inputs, realCLC()...)
	rng := rand.New(rand.NewPCG(3, 4))
	var variants [][]byte
	for _, in := range inputs {
		variants = append(variants, in)
		for n := HeaderLen + TrailerLen; n < len(in); n++ {
			v := append(append([]byte(nil), in[:n-TrailerLen]...), in[len(in)-TrailerLen:]...)
			binary.BigEndian.PutUint16(v[5:7], uint16(n))
			variants = append(variants, v)
		}
		for range 200 {
			v := append([]byte(nil), in...)
			for range 1 + rng.IntN(3) {
				v[HeaderLen+rng.IntN(len(v)-HeaderLen-TrailerLen)] = byte(rng.IntN(256))
			}
			variants = append(variants, v)
		}
	}
	decode := func(b []byte, byField bool) (Message, string) {
		defer func(v bool) { fieldByField = v }(fieldByField)
		fieldByField = byField
		m, err := DecodeInto(b, new(Scratch))
		e := ""
		if err != nil {
			e = err.Error()
		}
		return m, e
	}
	for i, v := range variants {
		m1, e1 := decode(v, false)
		m2, e2 := decode(v, true)
		if e1 != e2 || !cmp.Equal(m1, m2, cmpOpts...) {
			t.Fatalf("variant %d (% x):\nfixed:    %q\nby field: %q\n%s", i, v, e1, e2, cmp.Diff(m2, m1, cmpOpts...))
		}
	}
	t.Logf("%d variants", len(variants))
}
