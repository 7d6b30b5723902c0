package monitor

import (
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// FuzzEngineFrames feeds arbitrary frames (2-byte length prefixed) through
// the live engine and renders every event: it never panics. Seeded with the
// frames of recorded lab traces (real bytes).
func FuzzEngineFrames(f *testing.F) {
	for _, path := range []string{"../../testdata/lab/out/6.12/b-no-device.pcapng", "../../testdata/lab/out/6.12/c-smcr-link.pcapng", "../../testdata/mcast/lab/nft-loss.pcapng"} {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			f.Fatal(err)
		}
		var seed []byte
		for n := 0; n < 64; n++ {
			p, err := fr.Next()
			if err != nil {
				break
			}
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(p.Data)))
			seed = append(seed, p.Data...)
		}
		fr.Close()
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := New(Config{MaxConnections: 64, MaxStreams: 8, MaxExportedStreams: 4, Emit: func(ev *Event) {
			_ = ev.WriteText(io.Discard)
			_ = ev.WriteJSON(io.Discard)
		}})
		ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for len(b) >= 2 {
			n := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			n = min(n, len(b))
			p := synthPacket(ts, b[:n])
			b = b[n:]
			e.Packet(p)
			ts = ts.Add(300 * time.Millisecond)
		}
		e.Tick(ts.Add(time.Hour))
		e.Close()
	})
}
