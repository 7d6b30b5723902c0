package mcast

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// mixFeed feeds a synthetic mix of n short streams, one after another,
// whose report omitPlain must not change: mtools (hex, decimal and
// count-only msend -P runs), RTP, MPEG-TS, offset counters and
// unsequenced payloads, with losses, duplicates, undecodable and
// truncated datagrams and ICMP errors, unicast and multicast, IPv4 and
// IPv6, and some streams coming back after being finished; clean leaves
// out every problem (loss, duplicates, damage, ICMP errors).
func mixFeed(tr *Tracker, seed uint64, n int, clean bool) {
	rng := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	frame := 0
	d := &Datagram{}
	for i := 0; i < n; i++ {
		id := i
		if rng.IntN(8) == 0 && i > 10 {
			id = rng.IntN(i) // a stream seen again
		}
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(id >> 8), byte(id)}), 4000)
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 3, byte(id >> 8), byte(id)}), 5000)
		switch id % 5 {
		case 1:
			dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 10, 0, byte(id)}), 53)
		case 2:
			a := [16]byte{0xff, 0x15, 14: byte(id >> 8), 15: byte(id)}
			dst = netip.AddrPortFrom(netip.AddrFrom16(a), 5000)
			src = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0xd, 0xb8, 14: byte(id >> 8), 15: byte(id)}), 4000)
		}
		kind := id % 7
		count := 1 + rng.IntN(12)
		if rng.IntN(4) == 0 {
			count = 1
		}
		seq := uint64(rng.IntN(1000))
		for k := 0; k < count; k++ {
			switch r := rng.IntN(12); {
			case clean:
			case r == 0:
				seq += uint64(1 + rng.IntN(4)) // loss
			case r == 1:
				if seq > 0 {
					seq-- // duplicate
				}
			}
			var p []byte
			switch kind {
			case 0:
				p = strconv.AppendUint([]byte("Message "), seq, 16)
			case 1:
				p = strconv.AppendUint([]byte("Message "), seq, 10)
			case 2:
				p = make([]byte, 172)
				p[0], p[1] = 0x80, 96
				binary.BigEndian.PutUint16(p[2:], uint16(seq))
				binary.BigEndian.PutUint32(p[8:], uint32(id))
			case 3:
				p = make([]byte, 188*2)
				for j := 0; j < 2; j++ {
					q := p[j*188:]
					q[0], q[1], q[2], q[3] = 0x47, 0, 0x44, 0x10|byte((seq*2+uint64(j))&15)
				}
			case 4:
				p = make([]byte, 40)
				binary.BigEndian.PutUint32(p, uint32(seq))
			case 5:
				p = make([]byte, 20+rng.IntN(100))
				for j := range p {
					p[j] = byte(rng.IntN(256))
				}
			case 6: // msend -P: echo, payloads without a counter, stat
				switch {
				case k == 0:
					p = msendEcho("msend -P0102 239.1.2.3 14400")
				case k == count-1 && count > 2:
					p = []byte("stat " + strconv.Itoa(count-2+rng.IntN(3)))
				default:
					p = []byte{1, 2}
				}
			}
			if rng.IntN(20) == 0 && !clean {
				p = []byte{0xde, 0xad} // undecodable
			}
			d.Payload, d.Length, d.Truncated = p, len(p), false
			if rng.IntN(25) == 0 && len(p) > 4 && !clean {
				d.Payload, d.Truncated = p[:len(p)/2], true
			}
			frame++
			d.Frame = frame
			d.Time = t0.Add(time.Duration(frame) * time.Millisecond)
			d.Src, d.Dst = src, dst
			tr.Add(d)
			if rng.IntN(30) == 0 && !clean {
				kinds := []string{"port unreachable", "time exceeded", "host unreachable"}
				tr.ICMPError(src, dst, 0, 0, 0, 0, netip.AddrFrom4([4]byte{10, 0, 0, 1}), kinds[rng.IntN(len(kinds))], d.Time, frame)
			}
			seq++
		}
	}
}

// omitPlainReports returns what feed leaves in a tracker of cfg, as JSON,
// without and with omitPlain: the sums of the streams not listed before
// Report merges the streams still tracked (which could hide a first or
// last time), then the report.
func omitPlainReports(t *testing.T, cfg Config, feed func(*Tracker)) (without, with []byte) {
	t.Helper()
	report := func(off bool) []byte {
		noOmitPlain = off
		defer func() { noOmitPlain = false }()
		tr := NewTracker(cfg)
		feed(tr)
		b, err := json.Marshal(tr.fin.omitted)
		if err != nil {
			t.Fatal(err)
		}
		r, err := json.Marshal(tr.Report())
		if err != nil {
			t.Fatal(err)
		}
		return append(append(b, '\n'), r...)
	}
	return report(true), report(false)
}

// TestOmitPlainSameReport: finishing plain streams without building their
// reports (omitPlain) gives the same report, byte for byte as JSON, as
// building every one, whatever the bounds.
func TestOmitPlainSameReport(t *testing.T) {
	for _, c := range []struct{ max, keep, n int }{{8, 3, 2000}, {40, 10, 3000}, {200, 50, 3000}, {16, 1000, 500}, {5, 1, 1000}} {
		for seed := uint64(1); seed <= 6; seed++ {
			clean := seed > 4
			want, got := omitPlainReports(t, Config{MaxStreams: c.max, FinishWhenFull: true, KeepStreams: c.keep}, func(tr *Tracker) {
				mixFeed(tr, seed, c.n, clean)
			})
			if string(got) != string(want) {
				t.Errorf("max %d keep %d seed %d: reports differ with omitPlain\nwithout: %.600s\nwith:    %.600s", c.max, c.keep, seed, want, got)
			}
		}
	}
}

// TestOmitPlainPublic is TestOmitPlainSameReport on the datagrams of the
// public RTP, MPEG-TS and multicast captures, fed in turn (one datagram of
// each capture after the other, retimed) with one stream tracked at a time
// and one listed: nearly every datagram finishes a stream.
func TestOmitPlainPublic(t *testing.T) {
	var all [][]Datagram
	for _, name := range []string{"test-162.pcap", "test-176.pcapng", "test-171.11.pcapng"} {
		ds, _ := readCapture(t, publicFile(t, name))
		all = append(all, ds)
	}
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	want, got := omitPlainReports(t, Config{MaxStreams: 1, FinishWhenFull: true, KeepStreams: 1}, func(tr *Tracker) {
		frame := 0
		for i := 0; ; i++ {
			fed := false
			for _, ds := range all {
				if i < len(ds) {
					d := ds[i]
					frame++
					d.Frame, d.Time = frame, t0.Add(time.Duration(frame)*time.Millisecond)
					tr.Add(&d)
					fed = true
				}
			}
			if !fed {
				return
			}
		}
	})
	if string(got) != string(want) {
		t.Errorf("reports differ with omitPlain\nwithout: %.800s\nwith:    %.800s", want, got)
	}
}

// FuzzOmitPlain: whatever the datagrams, finishing plain streams without
// their reports gives the report building every one gives. The input is
// records of a control byte (stream 0-7 in the low bits, 8: cut by the
// snaplen, 16: an ICMP error follows), a length byte and the payload;
// 3 streams are tracked at once and 2 listed.
func FuzzOmitPlain(f *testing.F) {
	rec := func(c byte, p []byte) []byte { return append([]byte{c, byte(len(p))}, p...) }
	var seed []byte
	for i := range 12 {
		seed = append(seed, rec(byte(i%5), strconv.AppendUint([]byte("Message "), uint64(i/5), 16))...)
	}
	f.Add(seed)
	f.Add(append(rec(1, msendEcho("msend -P0102 239.1.2.3 14400")), append(rec(1, []byte{1, 2}), rec(1, []byte("stat 4"))...)...))
	seedPublic(f, 6, func(p []byte) {
		var b []byte
		for i := range 5 {
			b = append(b, rec(byte(i), p[:min(len(p), 255)])...)
		}
		f.Add(b)
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		want, got := omitPlainReports(t, Config{MaxStreams: 3, FinishWhenFull: true, KeepStreams: 2}, func(tr *Tracker) {
			t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
			d := &Datagram{}
			for i, frame := 0, 1; i+1 < len(b); frame++ {
				c, n := b[i], int(b[i+1])
				p := b[i+2 : min(len(b), i+2+n)]
				i += 2 + n
				id := c & 7
				d.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, id}), 4000)
				d.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, 1, id}), 5000)
				d.Payload, d.Length, d.Truncated = p, len(p), false
				if c&8 != 0 {
					d.Length += 10
					d.Truncated = true
				}
				d.Frame, d.Time = frame, t0.Add(time.Duration(frame)*time.Millisecond)
				tr.Add(d)
				if c&16 != 0 {
					tr.ICMPError(d.Src, d.Dst, 0, 0, 0, 0, netip.AddrFrom4([4]byte{10, 0, 0, 254}), "port unreachable", d.Time, frame)
				}
			}
		})
		if string(got) != string(want) {
			t.Fatalf("reports differ with omitPlain\nwithout: %.800s\nwith:    %.800s", want, got)
		}
	})
}
