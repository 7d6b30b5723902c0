package pcapfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// timelineFile writes a pcap file (nanoseconds) with one frame per time
// (seconds after base); each frame's bytes carry its index (synthetic).
func timelineFile(t testing.TB, base time.Time, secs []float64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewPcapWriter(&b, LinkTypeEthernet, 65535, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range secs {
		if err := w.WritePacketData(base.Add(time.Duration(s*float64(time.Second))), timelineFrame(i), 100); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func timelineFrame(i int) []byte { return bytes.Repeat([]byte{byte(i + 1)}, 100) }

// TestHoldTimeJumps: with HoldImplausibleTimes a frame whose time jumps
// more than JumpThreshold from the frames before it is taken at its own
// time only when the JumpConfirm frames after it agree; otherwise it is
// taken at the time of the frame before it and noted once per direction
// with a count (synthetic files: the times are made up for each case).
func TestHoldTimeJumps(t *testing.T) {
	base := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	const year = 365 * 24 * 3600.0
	for _, tc := range []struct {
		name string
		secs []float64
		// want: the time each frame is returned at (seconds after
		// base); nil: every frame at its own time
		want  []float64
		notes []string // substrings of the notes, in order
	}{
		{name: "in order with pauses", secs: []float64{0, 0.1, 0.2, 5, 5.1, 9, 30, 30.1}},
		{name: "small steps back", secs: []float64{0, 0.5, 0.2, 0.9, 0.1, 1.0}},
		{name: "one frame ahead", secs: []float64{0, 0.1, year, 0.2, 0.3},
			want:  []float64{0, 0.1, 0.1, 0.2, 0.3},
			notes: []string{"frame 3: timestamp 2027-11-22 07:00:00.000000 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:00.100000"}},
		{name: "two frames ahead", secs: []float64{0, 0.1, year, year + 0.001, 0.2, 0.3},
			want:  []float64{0, 0.1, 0.1, 0.1, 0.2, 0.3},
			notes: []string{"frame 3: timestamp", "ahead of the frames around it; analyzed at", "; likewise 1 more frame (4)"}},
		{name: "a minute ahead", secs: []float64{0, 0.1, 60.1, 0.2, 0.3},
			want:  []float64{0, 0.1, 0.1, 0.2, 0.3},
			notes: []string{"frame 3: timestamp 2026-11-22 07:01:00.100000 is 1m0s ahead"}},
		{name: "real pause confirmed", secs: []float64{0, 0.1, 3600, 3600.1, 3600.2, 3600.3}},
		{name: "real pause, sparse frames after", secs: []float64{0, 0.1, 3600, 3605, 3612, 3620}},
		// three frames out of line are believed (JumpConfirm 2); the
		// last frame, as far behind them, too (the file's own pace)
		{name: "three frames ahead are a pause", secs: []float64{0, 0.1, year, year + 0.1, year + 0.2, 0.3}},
		{name: "three frames ahead are a pause, then back", secs: []float64{0, 0.1, year, year + 0.1, year + 0.2, 0.3, 0.4, 0.5, 0.6}},
		{name: "ahead, then a real pause", secs: []float64{0, 0.1, year, 3600, 3600.1, 3600.2},
			want:  []float64{0, 0.1, 0.1, 3600, 3600.1, 3600.2},
			notes: []string{"frame 3: timestamp 2027-11-22"}},
		{name: "one frame behind", secs: []float64{100, 100.1, 100 - year, 100.2, 100.3},
			want:  []float64{100, 100.1, 100.1, 100.2, 100.3},
			notes: []string{"frame 3: timestamp 2025-11-22 07:01:40.000000 is 365 days behind the frames around it; analyzed at 2026-11-22 07:01:40.100000"}},
		{name: "clock set back, confirmed", secs: []float64{100, 100.1, 10, 10.1, 10.2, 10.3}},
		{name: "ahead and behind", secs: []float64{100, year, 100.1, 100 - year, 100.2, year, 100.3, 100.4},
			want:  []float64{100, 100, 100.1, 100.1, 100.2, 100.2, 100.3, 100.4},
			notes: []string{"frame 2: timestamp", "ahead of", "likewise 1 more frame (6)", "frame 4: timestamp", "behind"}},
		{name: "first frame ahead", secs: []float64{year, 0, 0.1, 0.2},
			want:  []float64{0, 0, 0.1, 0.2},
			notes: []string{"frame 1: timestamp 2027-11-22 07:00:00.000000 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:00.000000"}},
		{name: "first frame behind", secs: []float64{-year, 0, 0.1, 0.2}}, // the past expires nothing: believed
		{name: "first frame ahead, last frame ahead", secs: []float64{year, 0, 0.1, 0.2, 0.3, 30 * 86400},
			want:  []float64{0, 0, 0.1, 0.2, 0.3, 0.3},
			notes: []string{"frame 1: timestamp", "; likewise 1 more frame (6)"}},
		{name: "second frame ahead", secs: []float64{0, year, 0.1, 0.2},
			want:  []float64{0, 0, 0.1, 0.2},
			notes: []string{"frame 2: timestamp"}},
		{name: "last frame after a pause", secs: []float64{0, 0.1, 600}},
		{name: "last two frames after a pause", secs: []float64{0, 0.1, 3000, 3000.5}},
		{name: "last frame far ahead", secs: []float64{0, 0.1, year},
			want:  []float64{0, 0.1, 0.1},
			notes: []string{"frame 3: timestamp 2027-11-22"}},
		// a capture left running: its last frames hours (up to a week)
		// after the traffic are believed, and two frames agreeing with
		// each other at any distance
		{name: "last two frames hours ahead", secs: []float64{0, 0.1, 7200, 7200.5}},
		{name: "last frame hours ahead", secs: []float64{0, 0.1, 0.2, 8 * 3600}},
		{name: "last two frames a year ahead", secs: []float64{0, 0.1, year, year + 2}},
		{name: "last frame over a week ahead", secs: []float64{0, 0.1, 0.2, 8 * 86400},
			want:  []float64{0, 0.1, 0.2, 0.2},
			notes: []string{"frame 4: timestamp 2026-11-30 07:00:00.000000 is 8 days ahead"}},
		{name: "last frame after a pause as long as one before", secs: []float64{0, 0.1, 9 * 86400, 9*86400 + 0.1, 9*86400 + 0.2, 18 * 86400}},
		{name: "last frame after a longer pause than one before", secs: []float64{0, 0.1, 7200, 7200.1, 7200.2, 7200.2 + 8*86400},
			want:  []float64{0, 0.1, 7200, 7200.1, 7200.2, 7200.2},
			notes: []string{"frame 6: timestamp 2026-11-30 09:00:00.200000 is 8 days ahead"}},
		{name: "one frame", secs: []float64{year}},
		{name: "two frames far apart", secs: []float64{0, year}, want: []float64{0, 0}, notes: []string{"frame 2"}},
		{name: "every other frame ahead", secs: []float64{0, year, 0.1, year, 0.2, year, 0.3, year, 0.4, year, 0.5, year, 0.6, year, 0.7, year, 0.8, year, 0.9, year, 1.0, year, 1.1},
			want:  []float64{0, 0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.9, 0.9, 1.0, 1.0, 1.1},
			notes: []string{"frame 2: timestamp", "; likewise 10 more frames (4, 6, 8, 10, 12, 14, 16, 18, …)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := timelineFile(t, base, tc.secs)
			for _, size := range []int{64 << 10, 64} { // 64: a refill at every frame
				fr, err := NewFileReaderSize(bytes.NewReader(file), size)
				if err != nil {
					t.Fatal(err)
				}
				fr.HoldImplausibleTimes = true
				var got []time.Time
				for i := 0; ; i++ {
					p, err := fr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if p.Frame != i+1 || !bytes.Equal(p.Data, timelineFrame(i)) {
						t.Fatalf("packet %d: frame %d, data %x…", i, p.Frame, p.Data[:4])
					}
					own := base.Add(time.Duration(tc.secs[i] * float64(time.Second)))
					if held := fr.TimeHeld(p); held == p.Info.Timestamp.Equal(own) {
						t.Errorf("frame %d at %s (own %s): TimeHeld %v", p.Frame, p.Info.Timestamp.Format(noteTime), own.Format(noteTime), held)
					}
					got = append(got, p.Info.Timestamp)
				}
				if _, err := fr.Next(); err != io.EOF {
					t.Errorf("after the end: %v", err)
				}
				want := tc.want
				if want == nil {
					want = tc.secs
				}
				if len(got) != len(want) {
					t.Fatalf("%d packets, want %d", len(got), len(want))
				}
				for i, w := range want {
					if wt := base.Add(time.Duration(w * float64(time.Second))); !got[i].Equal(wt) {
						t.Errorf("frame %d at %s, want %s", i+1, got[i].Format(noteTime), wt.Format(noteTime))
					}
				}
				var msgs []string
				for _, n := range fr.Notes() {
					msgs = append(msgs, n.String())
				}
				all := strings.Join(msgs, "\n")
				at := 0
				for _, s := range tc.notes {
					i := strings.Index(all[at:], s)
					if i < 0 {
						t.Errorf("notes %q: no %q (in order)", all, s)
						break
					}
					at += i + len(s)
				}
				if len(tc.notes) == 0 && len(msgs) > 0 {
					t.Errorf("notes %q, want none", all)
				}
				if fr.ProblemCount() != 0 {
					t.Errorf("problems %v", fr.Problems())
				}
			}
		})
	}
}

// TestHoldTimeJumpsNoteOffset: the note names the offset of the record
// whose time was out of line, and the times are left as the file says
// without HoldImplausibleTimes (synthetic file).
func TestHoldTimeJumpsNoteOffset(t *testing.T) {
	base := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	file := timelineFile(t, base, []float64{0, 0.1, 1e6, 0.2, 0.3})
	for _, hold := range []bool{false, true} {
		fr, ts := readTimes(t, file, hold)
		if !hold {
			if fr.NoteCount() != 0 || !ts[2].Equal(base.Add(1e6*time.Second)) {
				t.Errorf("without hold: notes %v, frame 3 at %v", fr.Notes(), ts[2])
			}
			continue
		}
		// 24-byte file header, then records of 16 + 100 bytes
		if n := fr.Notes(); len(n) != 1 || n[0].Offset != 24+2*116 {
			t.Errorf("notes %v, want one at offset %d", n, 24+2*116)
		}
	}
}

// TestHoldTimeJumpsPcapng: the same in a pcapng file, with an interface
// statistics block and a custom block among the frames held, a Simple
// Packet Block (no time of its own: the clock's) and an implausible time
// (synthetic file).
func TestHoldTimeJumpsPcapng(t *testing.T) {
	base := uint64(time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC).UnixMicro())
	var w ngBuilder
	w.shb()
	w.idb(LinkTypeEthernet, "eth0")
	frame := bytes.Repeat([]byte{0xab}, 60)
	w.epb(0, base, frame)
	w.epb(0, base+100_000, frame)
	w.epb(0, base+3600e6*24*400, frame) // 400 days ahead
	w.isb(0, base+3600e6*24*400, 5)
	w.blk(0x00000BAD, append([]byte{0x00, 0x00, 0x7a, 0x69}, []byte("custom")...))
	w.epb(0, base+200_000, frame)
	w.blk(3, append([]byte{60, 0, 0, 0}, frame...)) // SPB
	w.epb(0, 1<<62, frame)                          // year 146,000
	w.epb(0, base+300_000, frame)
	fr, err := NewFileReader(bytes.NewReader(w.b))
	if err != nil {
		t.Fatal(err)
	}
	fr.HoldImplausibleTimes = true
	var got []string
	var events []string
	fr.OnStats = func(InterfaceStats) { events = append(events, fmt.Sprintf("isb after %d frames", len(got))) }
	for p, err := fr.Next(); err == nil; p, err = fr.Next() {
		held := ""
		if fr.TimeHeld(p) {
			held = " held"
		}
		got = append(got, fmt.Sprintf("%d %s%s", p.Frame, p.Info.Timestamp.Format("15:04:05.000"), held))
	}
	want := "1 07:00:00.000 2 07:00:00.100 3 07:00:00.100 held 5 07:00:00.200 6 07:00:00.200 7 07:00:00.200 held 8 07:00:00.300"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("frames %s\nwant   %s", g, want)
	}
	if len(events) != 1 || events[0] != "isb after 2 frames" {
		t.Errorf("statistics blocks: %v (read before the frame held is returned)", events)
	}
	if fr.NoteCount() != 2 || fr.ProblemCount() != 0 {
		t.Errorf("notes %v problems %v", fr.Notes(), fr.Problems())
	}
}

// TestFirstPacketTimeHeld: a file's first packet stamped far ahead of the
// packets after it does not put the file last (TimeOrder, merges): its time
// is the one the analysis takes it at (synthetic files).
func TestFirstPacketTimeHeld(t *testing.T) {
	base := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	a, b := dir+"/a.pcap", dir+"/b.pcap"
	if err := os.WriteFile(a, timelineFile(t, base, []float64{365 * 86400, 10, 10.1, 10.2}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, timelineFile(t, base, []float64{20, 20.1}), 0o644); err != nil {
		t.Fatal(err)
	}
	if ft, ok := FirstPacketTime(a); !ok || !ft.Equal(base.Add(10*time.Second)) {
		t.Errorf("first packet time %v %v, want %v", ft, ok, base.Add(10*time.Second))
	}
	if got, moved := TimeOrder([]string{b, a}); !moved || got[0] != a {
		t.Errorf("order %v, want a first", got)
	}
}

// TestHoldImplausibleFirstFrame: a file's first packet with an implausible
// time stamp (no earlier packet to hold it at) takes the time of the packet
// after it, not the epoch, so that the capture's span starts with the
// capture; alone in its file it is taken at the epoch (synthetic).
func TestHoldImplausibleFirstFrame(t *testing.T) {
	base := uint64(time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC).UnixMicro())
	frame := bytes.Repeat([]byte{0xab}, 60)
	for _, tc := range []struct {
		name string
		ts   []uint64
		want string
	}{
		{"then plausible", []uint64{1 << 62, base, base + 100_000}, "1 07:00:00.000 held, 2 07:00:00.000, 3 07:00:00.100"},
		{"alone", []uint64{1 << 62}, "1 00:00:00.000 held"},
		{"then a jump", []uint64{1 << 62, base, base + 3600e6, base + 3600e6 + 1, base + 3600e6 + 2}, "1 07:00:00.000 held, 2 07:00:00.000, 3 08:00:00.000, 4 08:00:00.000, 5 08:00:00.000"},
	} {
		var w ngBuilder
		w.shb()
		w.idb(LinkTypeEthernet, "eth0")
		for _, ts := range tc.ts {
			w.epb(0, ts, frame)
		}
		fr, err := NewFileReader(bytes.NewReader(w.b))
		if err != nil {
			t.Fatal(err)
		}
		fr.HoldImplausibleTimes = true
		var got []string
		for p, err := fr.Next(); err == nil; p, err = fr.Next() {
			held := ""
			if fr.TimeHeld(p) {
				held = " held"
			}
			got = append(got, fmt.Sprintf("%d %s%s", p.Frame, p.Info.Timestamp.Format("15:04:05.000"), held))
		}
		if g := strings.Join(got, ", "); g != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, g, tc.want)
		}
	}
}

// readTimes reads every frame of file, holding times in line when hold,
// and returns the reader (its notes and problems) and the frames' times.
func readTimes(t *testing.T, file []byte, hold bool) (*FileReader, []time.Time) {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	fr.HoldImplausibleTimes = hold
	var ts []time.Time
	for p, err := fr.Next(); err == nil; p, err = fr.Next() {
		ts = append(ts, p.Info.Timestamp)
	}
	return fr, ts
}
