package kstat

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// labSnapshotFiles are the snapshots smcdump stats saved on the real-kernel
// lab (testdata/lab).
func labSnapshotFiles(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(labSnap, "*", "snap", "*", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no lab snapshots (%v)", err)
	}
	return paths
}

// checkPeek checks PeekSnapshot against ReadSnapshot on b: a sure ID is
// ReadSnapshot's, and a document PeekSnapshot is sure of can only fail
// ReadSnapshot on a member's type, never on its syntax, schema or time.
func checkPeek(t *testing.T, b []byte) (sure bool) {
	t.Helper()
	id, sure := PeekSnapshot(b)
	if !sure {
		return false
	}
	s, err := ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		// Sure means a well-formed document with that identity: the
		// rest may still fail on a member's value (a type, base64, an
		// address that does not parse), never on the syntax or the
		// schema.
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "schema") {
			t.Fatalf("PeekSnapshot sure, ReadSnapshot: %v", err)
		}
		return true
	}
	if !id.TakenAt.Equal(s.TakenAt) || id.TakenAt.Location().String() != s.TakenAt.Location().String() || id.Hostname != s.Hostname || id.NetNS != s.NetNS {
		t.Fatalf("PeekSnapshot %+v, ReadSnapshot %v %q %q", id, s.TakenAt, s.Hostname, s.NetNS)
	}
	return true
}

// TestPeekSnapshotLab: the identity of every real-kernel snapshot is read
// as ReadSnapshot reads it, and every cut copy is not sure.
func TestPeekSnapshotLab(t *testing.T) {
	for _, p := range labSnapshotFiles(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !checkPeek(t, b) {
			t.Errorf("%s: not sure", p)
		}
		// Cut anywhere before the end of the object: never sure.
		end := bytes.LastIndexByte(b, '}')
		for _, n := range []int{0, 1, end / 3, end / 2, end - 1, end} {
			if _, sure := PeekSnapshot(b[:n]); sure {
				t.Errorf("%s cut at %d of %d: sure", p, n, len(b))
			}
		}
	}
}

// TestPeekSnapshot: edge cases (synthetic documents).
func TestPeekSnapshot(t *testing.T) {
	const ok = `{"schema":"smcdump.kstat/v1","taken_at":"2026-01-02T03:04:05.123456789Z","hostname":"h1","netns":"ns","smc":{"available":true},"raw":[{"kind":"proc","name":"net/snmp","text":"Udp: a\nUdp: 1\n"},{"kind":"genl","name":"GET_STATS","base64":"AAEC"}]}`
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name string
		in   string
		sure bool
		host string
	}{
		{"plain", ok, true, "h1"},
		{"trailing data ignored (first document)", ok + "\n{garbage", true, "h1"},
		{"leading space", " \r\n\t" + ok, true, "h1"},
		{"escaped host", strings.Replace(ok, `"h1"`, `"h\u00e9\n"`, 1), true, "hé\n"},
		{"duplicate key: the last counts", strings.Replace(ok, `"netns"`, `"hostname":"h2","netns"`, 1), true, "h2"},
		{"no netns", strings.Replace(ok, `"netns":"ns",`, ``, 1), true, "h1"},
		{"numbers", strings.Replace(ok, `"smc":{`, `"x":[-0.5e+3,0,12,1E9,true,false,null,{},[]],"smc":{`, 1), true, "h1"},
		{"wrong member type (only ReadSnapshot sees it)", strings.Replace(ok, `"smc":{"available":true}`, `"smc":5`, 1), true, "h1"},
		{"empty", ``, false, ""},
		{"not an object", `[1]`, false, ""},
		{"empty object", `{}`, false, ""},
		{"no schema", strings.Replace(ok, `"schema":"smcdump.kstat/v1",`, ``, 1), false, ""},
		{"newer schema", strings.Replace(ok, `kstat/v1`, `kstat/v2`, 1), false, ""},
		{"upper-case key", strings.Replace(ok, `"hostname"`, `"Hostname"`, 1), false, ""},
		{"escaped key", strings.Replace(ok, `"hostname"`, `"host\u006eame"`, 1), false, ""},
		{"null host", strings.Replace(ok, `"h1"`, `null`, 1), false, ""},
		{"numeric host", strings.Replace(ok, `"h1"`, `1`, 1), false, ""},
		{"bad time", strings.Replace(ok, `2026-01-02T`, `2026-13-02T`, 1), false, ""},
		{"control character in a string", strings.Replace(ok, `Udp: a`, "Udp:\ta", 1), false, ""},
		{"bad escape", strings.Replace(ok, `Udp: a`, `Udp:\x`, 1), false, ""},
		{"short \\u", strings.Replace(ok, `Udp: a`, `\u12`, 1), false, ""},
		{"leading zero", strings.Replace(ok, `"smc":{`, `"x":01,"smc":{`, 1), false, ""},
		{"bare minus", strings.Replace(ok, `"smc":{`, `"x":-,"smc":{`, 1), false, ""},
		{"trailing comma", strings.Replace(ok, `"available":true}`, `"available":true,}`, 1), false, ""},
		{"missing colon", strings.Replace(ok, `"available":true`, `"available" true`, 1), false, ""},
		{"bad literal", strings.Replace(ok, `true`, `tru`, 1), false, ""},
		{"too deep", strings.Replace(ok, `"smc":{`, `"x":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)+`,"smc":{`, 1), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, sure := PeekSnapshot([]byte(tt.in))
			if sure != tt.sure {
				t.Fatalf("sure = %v, want %v", sure, tt.sure)
			}
			if sure && (!id.TakenAt.Equal(at) || id.Hostname != tt.host) {
				t.Errorf("id = %+v, want %v %q", id, at, tt.host)
			}
			checkPeek(t, []byte(tt.in))
		})
	}
}

// FuzzPeekSnapshot: PeekSnapshot never panics, and what it is sure of
// ReadSnapshot reads with the same identity (or fails only on a member's
// type). Seeded with real-kernel snapshots, whole and cut.
func FuzzPeekSnapshot(f *testing.F) {
	for i, p := range labSnapshotFiles(f) {
		if i%12 != 0 {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(`{"schema":"smcdump.kstat/v1","taken_at":"2026-01-02T03:04:05Z","hostname":"h\u00e9","x":[1,-2.5e3,null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkPeek(t, b)
	})
}

// BenchmarkPeekSnapshot reads the identity of a real-kernel snapshot.
func BenchmarkPeekSnapshot(b *testing.B) {
	js, err := os.ReadFile(labSnapshotFiles(b)[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(js)))
	b.ReportAllocs()
	for b.Loop() {
		if _, sure := PeekSnapshot(js); !sure {
			b.Fatal("not sure")
		}
	}
}

// BenchmarkReadSnapshot decodes a real-kernel snapshot completely.
func BenchmarkReadSnapshot(b *testing.B) {
	js, err := os.ReadFile(labSnapshotFiles(b)[0])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(js)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadSnapshot(bytes.NewReader(js)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPeekStr: the string scan, 8 bytes at a time, stops at a quote,
// backslash or control character wherever it lies in the word, and passes
// over bytes above 0x7f (compared with a byte-by-byte scan).
func TestPeekStr(t *testing.T) {
	ref := func(b []byte) (int, bool) { // the end of a string without escapes
		for i := 1; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				return i + 1, true
			case c < 0x20 || c == '\\':
				return i, false
			}
		}
		return len(b), false
	}
	for n := 0; n < 40; n++ {
		for _, special := range []byte{'"', '\\', 0x00, 0x1f, 0x0a} {
			for _, fill := range []byte{'a', 0x20, 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d} {
				b := append([]byte{'"'}, bytes.Repeat([]byte{fill}, n)...)
				b = append(b, special)
				b = append(b, bytes.Repeat([]byte{'b'}, 9)...)
				if special != '"' {
					b = append(b, '"')
				}
				p := peeker{b: b}
				ok := p.str()
				wantEnd, wantOK := ref(b)
				if special == '\\' {
					// an escape: `\b` is valid, so the string goes on to
					// the closing quote
					wantEnd, wantOK = len(b), true
				}
				if ok != wantOK || ok && p.i != wantEnd {
					t.Errorf("n=%d fill %#x special %#x: ok %v end %d, want %v %d", n, fill, special, ok, p.i, wantOK, wantEnd)
				}
			}
		}
	}
}
