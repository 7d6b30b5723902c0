package smcproto

import (
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites this package's checked-in seed corpora
// (testdata/fuzz/FuzzX/seed-*) from the real-kernel lab traces
// (testdata/lab/out): CLC messages and TCP options from the TCP
// connections, LLC/CDC messages from the RoCEv2 SEND payloads, decline
// codes from the Decline messages and the lab's tool outputs. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	traces := fuzzseed.Glob("../testdata/lab/out/*/*.pcapng")
	if len(traces) == 0 {
		t.Fatal("no lab traces")
	}
	clc := fuzzseed.NewWriter(".", "FuzzDecode", 40)
	opts := fuzzseed.NewWriter(".", "FuzzParseTCPOptions", 20)
	llc := fuzzseed.NewWriter(".", "FuzzDecodeLLC", 30)
	codes := fuzzseed.NewWriter(".", "FuzzParseCode", 30)
	seen := map[string]bool{}
	once := func(k string) bool {
		if seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	for _, p := range traces {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			pk, ok := fuzzseed.DecodeFrame(f)
			if !ok {
				continue
			}
			switch pk.Proto {
			case 6:
				if pk.Flags&0x02 != 0 && len(pk.Options) > 0 && once(fmt.Sprintf("opt %d %x %d", len(pk.Options), pk.Flags, pk.Options[0])) {
					opts.Add(fmt.Sprintf("syn-%d", len(pk.Options)), pk.Options)
				}
				for _, m := range fuzzseed.CLCMessages(pk.Payload) {
					n := len(m)
					if once(fmt.Sprintf("clc %d %d %x", m[4], n, m[7])) {
						clc.Add(fmt.Sprintf("type%d-len%d", m[4], n), m)
					}
					if m[4] == 4 && n >= 20 { // Decline: peer diagnosis
						c := fmt.Sprintf("0x%08x", binary.BigEndian.Uint32(m[16:]))
						if once("code " + c) {
							codes.Add("decline", c)
						}
					}
				}
			case 17:
				// RC SEND Only (BTH opcode 4): LLC and CDC messages.
				if pk.DstPort == 4791 && len(pk.Payload) >= 12+44+4 && pk.Payload[0] == 0x04 {
					m := pk.Payload[12 : len(pk.Payload)-4]
					if once(fmt.Sprintf("llc %x %d", m[0], len(m))) {
						llc.Add(fmt.Sprintf("type%02x-len%d", m[0], len(m)), m)
					}
				}
			}
		}
	}
	// Codes and names as the lab's tools print them.
	re := regexp.MustCompile(`SMC_CLC_DECL_[A-Z0-9_]+|0x0[0-9a-fA-F]{7}`)
	for _, p := range fuzzseed.Glob("../testdata/lab/out/*/*/*.txt", "../testdata/lab/out/*/*.json") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(b), -1) {
			if once("code " + m) {
				codes.Add("lab-tool", m)
			}
		}
	}
	for _, w := range []*fuzzseed.Writer{clc, opts, llc, codes} {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
