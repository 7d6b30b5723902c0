package smcproto_test

import (
	"fmt"

	"github.com/smcdump/smcdump/smcproto"
)

// A 44-byte SMCv2 Decline (synthetic bytes, docs/smc-protocol.md section 6): the
// sender had no usable SMC device.
func ExampleDecode() {
	b := []byte{
		0xe2, 0xd4, 0xc3, 0xd9, // eyecatcher SMCR
		0x04,       // type Decline
		0x00, 0x2c, // length 44
		0x20,                                           // version 2, no flags
		0x12, 0x34, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // peer ID
		0x03, 0x03, 0x00, 0x00, // peer diagnosis 0x03030000
		0x20, 0x00, 0x00, 0x00, // OS type 2 (Linux)
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // four more codes
		0xe2, 0xd4, 0xc3, 0xd9, // trailer
	}
	m, err := smcproto.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := m.(*smcproto.Decline)
	info, _ := smcproto.LookupCode(d.Diagnosis)
	fmt.Printf("%v v%d from %v: %v %s\n", d.Header.Type, d.Header.Version, d.PeerID, d.Diagnosis, info.Short)

	_, err = smcproto.Decode(b[:20])
	fmt.Println(err)
	// Output:
	// Decline v2 from 4660@02:00:00:00:00:01: 0x03030000 NOSMCDEV
	// smcproto: decline: header length 44, only 20 bytes present (offset 20): truncated: unexpected EOF
}

func ExampleLookupCode() {
	c, _ := smcproto.ParseCode("PEER_NO_SMC")
	info, ok := smcproto.LookupCode(c)
	fmt.Println(ok, info.Code, info.Name, info.Class, info.Side, info.OnWire)

	unknown := smcproto.Code(0x03ff0000)
	_, ok = smcproto.LookupCode(unknown)
	fmt.Println(ok, unknown, unknown.Class())
	// Output:
	// true 0x03010000 SMC_CLC_DECL_PEERNOSMC Configuration / capability mismatch local false
	// false 0x03ff0000 Configuration / capability mismatch
}

func ExampleParseTCPOptions() {
	opts := smcproto.AppendSMCOption([]byte{0x02, 0x04, 0x05, 0xb4}) // MSS 1460 + SMC
	o, err := smcproto.ParseTCPOptions(opts)
	fmt.Println(o.SMC, len(o.Experimental), err)
	// Output: true 1 <nil>
}
