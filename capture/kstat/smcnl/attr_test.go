package smcnl

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/smcdump/smcdump/smcproto"
)

// nla builds one attribute (SYNTHETIC) in byte order o, padded to 4 bytes.
func nla(o binary.AppendByteOrder, typ uint16, payload []byte) []byte {
	b := o.AppendUint16(nil, uint16(nlaHeaderLen+len(payload)))
	b = o.AppendUint16(b, typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestAttrDecoder(t *testing.T) {
	le := binary.LittleEndian
	type attr struct {
		typ uint16
		n   int
	}
	tests := []struct {
		name    string
		in      []byte
		want    []attr
		wantErr bool // from newAttrDecoder or next
	}{
		{"empty", nil, nil, false},
		{"one u8 padded", nla(le, 3, []byte{7}), []attr{{3, 1}}, false},
		{"flags masked", nla(le, 0x8000|0x4000|5, []byte{1, 2, 3, 4}), []attr{{5, 4}}, false},
		{"zero length advances a header", append([]byte{0, 0, 9, 0}, nla(le, 2, nil)...), []attr{{9, 0}, {2, 0}}, false},
		{"last attribute unpadded (accepted)", nla(le, 1, []byte{1, 2, 3, 4, 5})[:9], []attr{{1, 5}}, false},
		{"short header", []byte{8, 0}, nil, true},
		{"length below header", []byte{2, 0, 1, 0}, nil, true},
		{"length past end", []byte{12, 0, 1, 0, 0, 0, 0, 0}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ad, err := newAttrDecoder(tt.in, le)
			if err != nil {
				if !tt.wantErr {
					t.Fatalf("newAttrDecoder: %v", err)
				}
				return
			}
			var got []attr
			for ad.next() {
				got = append(got, attr{ad.attrType(), len(ad.data)})
			}
			if (ad.err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", ad.err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("attribute %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestAttrDecoderValues(t *testing.T) {
	le := binary.LittleEndian
	var b []byte
	b = append(b, nla(le, 1, []byte{1})...)                           // u8
	b = append(b, nla(le, 2, le.AppendUint64(nil, 1<<40))...)         // u64
	b = append(b, nla(le, 3, le.AppendUint16(nil, 0x1016))...)        // uint of 2 bytes
	b = append(b, nla(le, 4, le.AppendUint32(nil, 262144))...)        // NLA_UINT as 4 bytes
	b = append(b, nla(le, 5, []byte("NET1  \x00\x00"))...)            // padded string
	b = append(b, nla(le, 6, nla(le, 1, le.AppendUint64(nil, 9)))...) // nest
	ad, err := newAttrDecoder(b, le)
	if err != nil {
		t.Fatal(err)
	}
	var u8 uint8
	var u64, u16, u32, nested uint64
	var s string
	for ad.next() {
		switch ad.attrType() {
		case 1:
			u8 = ad.u8()
		case 2:
			u64 = ad.u64()
		case 3:
			u16 = ad.uint()
		case 4:
			u32 = ad.uint()
		case 5:
			s = trimPad(ad.str())
		case 6:
			ad.nested(func(nad *attrDecoder) {
				for nad.next() {
					nested = nad.u64()
				}
			})
		}
	}
	if ad.err != nil || u8 != 1 || u64 != 1<<40 || u16 != 0x1016 || u32 != 262144 || s != "NET1" || nested != 9 {
		t.Errorf("err %v u8 %d u64 %d u16 %d u32 %d s %q nested %d", ad.err, u8, u64, u16, u32, s, nested)
	}

	// A fixed-size read of the wrong size stops the iteration with an error.
	ad, _ = newAttrDecoder(append(nla(le, 1, []byte{1, 2}), nla(le, 2, []byte{1})...), le)
	n := 0
	for ad.next() {
		n++
		ad.u8()
	}
	if n != 1 || ad.err == nil {
		t.Errorf("wrong-size u8: %d attributes read, err %v", n, ad.err)
	}
	// So does an integer of an impossible width.
	ad, _ = newAttrDecoder(nla(le, 1, []byte{1, 2, 3}), le)
	for ad.next() {
		ad.uint()
	}
	if ad.err == nil {
		t.Error("3-byte integer accepted")
	}
}

// TestDecodeReplyBigEndian: a reply recorded on a big-endian host (s390x, the
// home of SMC-D) decodes on any host when the snapshot says "big": attribute
// headers are read in the producer's byte order too. SYNTHETIC bytes.
func TestDecodeReplyBigEndian(t *testing.T) {
	be := binary.BigEndian
	sys := nla(be, 1 /* SMC_GEN_SYS_INFO */, append(append(
		nla(be, 1 /* SMC_NLA_SYS_VER */, []byte{2}),
		nla(be, 4 /* SMC_NLA_SYS_LOCAL_HOST */, []byte("s390host\x00"))...),
		nla(be, 6 /* SMC_NLA_SYS_IS_SMCR_V2 */, []byte{1})...))
	raw := AppendMessage(nil, be, 0x1d /* dynamic family ID */, 2, 1, append([]byte{CmdGetSysInfo, 1, 0, 0}, sys...))
	raw = AppendMessage(raw, be, nlmsgDone, 2, 1, []byte{0, 0, 0, 0})
	in := &Info{}
	if err := in.DecodeReply(CmdGetSysInfo, raw, be); err != nil {
		t.Fatal(err)
	}
	if in.SysInfo == nil || in.SysInfo.Version != 2 || in.SysInfo.LocalHost != "s390host" || in.SysInfo.SMCRv2 == nil || !*in.SysInfo.SMCRv2 {
		t.Errorf("sys info = %+v", in.SysInfo)
	}
}

// TestDecodeErrorFormat: smcnl's decode errors are smcproto.DecodeError
// values in the one format of docs/errors.md.
func TestDecodeErrorFormat(t *testing.T) {
	raw := AppendMessage(nil, nil, 0x1d, 0, 0, []byte{7, 1, 0, 0})
	binary.NativeEndian.PutUint32(raw, 8)
	err := (&Info{}).DecodeReply(CmdGetStats, raw, nil)
	var de *smcproto.DecodeError
	if !errors.As(err, &de) || de.Layer != "smcnl" || !errors.Is(err, smcproto.ErrMalformed) {
		t.Fatalf("err = %#v", err)
	}
	if want := "smcnl: GET_STATS reply: netlink length 8 < 16 (offset 0): malformed"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
