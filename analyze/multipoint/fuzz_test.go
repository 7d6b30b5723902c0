package multipoint

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// FuzzJoin runs the whole multi-point analysis over frames the fuzzer
// spreads over three points (input: repeated point byte, length byte,
// frame bytes; raw IP link type) and prints both reports: no panic, and it
// ends. Seeds: real frames of the lab captures, spread as the lab saw them.
func FuzzJoin(f *testing.F) {
	for _, sc := range [][]string{{"stripped-client", "stripped-router", "stripped-server"}, {"udp-lost-sender", "udp-lost-router", "udp-lost-receiver"}} {
		var seed []byte
		for pi, name := range sc {
			fr, err := pcapfile.OpenFile(filepath.Join(td, name+".pcapng"), nil)
			if err != nil {
				f.Fatal(err)
			}
			for i := 0; i < 12; i++ {
				pk, err := fr.Next()
				if err != nil {
					break
				}
				if pk.LinkType != pcapfile.LinkTypeEthernet || len(pk.Data) < 14 || len(pk.Data) > 14+255 {
					continue
				}
				ip := pk.Data[14:]
				seed = append(seed, byte(pi), byte(len(ip)))
				seed = append(seed, ip...)
			}
			fr.Close()
		}
		f.Add(seed)
	}
	// resegmentation (synthetic): a 200-byte segment at a, its bytes in
	// two pieces at b and one piece at c, sequence numbers about to wrap
	{
		h := func(ttl byte, id uint16) hdr { return hdr{"10.0.0.1", "10.0.1.1", 40000, 5000, ttl, id} }
		var seed []byte
		add := func(pi byte, b []byte) { seed = append(append(seed, pi, byte(len(b))), b...) }
		d := bytes.Repeat([]byte{'r'}, 200)
		add(0, tcp4(h(64, 7), 0xFFFFFFA0, 1, 0x18, nil, d))
		add(1, tcp4(h(63, 7), 0xFFFFFFA0, 1, 0x10, nil, d[:100]))
		add(1, tcp4(h(63, 8), 0x00000004, 1, 0x18, nil, d[100:]))
		add(2, tcp4(h(62, 7), 0xFFFFFFA0, 1, 0x18, nil, d[:150]))
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		frames := make([][]sframe, 3)
		for i, n := 0, 0; i+2 <= len(in); n++ {
			pi, l := int(in[i])%3, int(in[i+1])
			i += 2
			l = min(l, len(in)-i)
			frames[pi] = append(frames[pi], sframe{time.Duration(n) * time.Microsecond, in[i : i+l]})
			i += l
		}
		dir := t.TempDir()
		var pts []Point
		for pi, fr := range frames {
			p := filepath.Join(dir, string(rune('a'+pi))+".pcap")
			writePcap(t, p, fr)
			pts = append(pts, Point{Name: string(rune('a' + pi)), Files: []string{p}})
		}
		rep, err := Run(context.Background(), Config{Points: pts, MaxPackets: 64})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rep.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
	})
}
