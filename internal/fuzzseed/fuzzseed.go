// Package fuzzseed supports the checked-in seed corpora of the module's fuzz
// targets (testdata/fuzz/FuzzX/seed-* in each package, Go's corpus file
// format "go test fuzz v1"). Each package with fuzz targets has a
// TestWriteFuzzSeeds that extracts real bytes from the lab traces
// (testdata/lab/out) and, where present, the public sample captures, and
// rewrites its seed files when SMCDUMP_FUZZ_SEEDS is set:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
//
// The extraction is deterministic, so rerunning it changes nothing unless
// the traces or the extraction changed. Corpus entries not named seed-*
// (inputs found by fuzzing and checked in) are left alone.
//
// The package has no dependencies beyond the standard library so any
// package's tests can use it; it reads pcap and pcapng files and walks
// Ethernet, Linux cooked (v1, v2), raw IP and loopback headers down to TCP
// and UDP, which is all the seed extraction needs.
package fuzzseed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Enabled reports whether seed files are to be rewritten.
func Enabled() bool { return os.Getenv("SMCDUMP_FUZZ_SEEDS") != "" }

// Writer collects the seeds of one fuzz target and writes them.
type Writer struct {
	dir   string
	n     int
	max   int
	seen  map[string]bool
	err   error
	names []string
}

// NewWriter prepares testdata/fuzz/<target> below pkgDir, removing its old
// seed-* files. At most max entries are written (later ones are ignored).
func NewWriter(pkgDir, target string, max int) *Writer {
	w := &Writer{dir: filepath.Join(pkgDir, "testdata", "fuzz", target), max: max, seen: map[string]bool{}}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		w.err = err
		return w
	}
	old, _ := filepath.Glob(filepath.Join(w.dir, "seed-*"))
	for _, p := range old {
		if err := os.Remove(p); err != nil && w.err == nil {
			w.err = err
		}
	}
	return w
}

// Add writes one entry (values in the fuzz function's argument order and
// types) unless an identical one was written or the limit is reached. label
// names its origin and becomes part of the file name.
func (w *Writer) Add(label string, vals ...any) {
	if w.err != nil || w.n >= w.max {
		return
	}
	b, err := EncodeEntry(vals...)
	if err != nil {
		w.err = err
		return
	}
	if w.seen[string(b)] {
		return
	}
	w.seen[string(b)] = true
	name := fmt.Sprintf("seed-%03d-%s", w.n, sanitize(label))
	w.n++
	w.names = append(w.names, name)
	w.err = os.WriteFile(filepath.Join(w.dir, name), b, 0o644)
}

// Full reports whether the limit is reached.
func (w *Writer) Full() bool { return w.n >= w.max }

// Close returns the first error and fails when no seed was written.
func (w *Writer) Close() error {
	if w.err == nil && w.n == 0 {
		return fmt.Errorf("%s: no seeds extracted", w.dir)
	}
	return w.err
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 48 {
			break
		}
	}
	return b.String()
}

// EncodeEntry renders values in the corpus file format.
func EncodeEntry(vals ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch x := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", x)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", x)
		case bool:
			fmt.Fprintf(&b, "bool(%v)\n", x)
		case int:
			fmt.Fprintf(&b, "int(%d)\n", x)
		case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			fmt.Fprintf(&b, "%T(%d)\n", x, x)
		case float64:
			fmt.Fprintf(&b, "float64(%v)\n", x)
		default:
			return nil, fmt.Errorf("fuzzseed: unsupported type %T", v)
		}
	}
	return b.Bytes(), nil
}

// DecodeEntry parses a corpus file into its values ([]byte, string, bool,
// integers as int64 or uint64, floats as float64). It accepts what
// "go test" writes, including rune and float literals.
func DecodeEntry(b []byte) ([]any, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "go test fuzz v1" {
		return nil, errors.New("fuzzseed: not a corpus file")
	}
	var vals []any
	for i, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		v, err := decodeValue(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+2, err)
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func decodeValue(s string) (any, error) {
	e, err := parser.ParseExpr(s)
	if err != nil {
		return nil, err
	}
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil, fmt.Errorf("not a conversion: %s", s)
	}
	typ := strings.ReplaceAll(s[:strings.IndexByte(s, '(')], " ", "")
	arg := call.Args[0]
	neg := false
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		neg, arg = true, u.X
	}
	var lit string
	switch a := arg.(type) {
	case *ast.BasicLit:
		lit = a.Value
	case *ast.Ident:
		lit = a.Name // true, false
	default:
		if c, ok := arg.(*ast.CallExpr); ok && typ[0] == 'f' { // math.Float64frombits(...)
			if l, ok := c.Args[0].(*ast.BasicLit); ok {
				u, err := strconv.ParseUint(l.Value, 0, 64)
				if err != nil {
					return nil, err
				}
				return math.Float64frombits(u), nil
			}
		}
		return nil, fmt.Errorf("unsupported literal in %s", s)
	}
	switch typ {
	case "[]byte", "string":
		u, err := strconv.Unquote(lit)
		if err != nil {
			return nil, err
		}
		if typ == "string" {
			return u, nil
		}
		return []byte(u), nil
	case "bool":
		return lit == "true", nil
	case "float32", "float64":
		f, err := strconv.ParseFloat(lit, 64)
		if neg {
			f = -f
		}
		return f, err
	}
	if strings.HasPrefix(lit, "'") {
		r, _, _, err := strconv.UnquoteChar(lit[1:len(lit)-1], '\'')
		if err != nil {
			return nil, err
		}
		lit = strconv.Itoa(int(r))
	}
	if strings.HasPrefix(typ, "u") || typ == "byte" {
		return strconv.ParseUint(lit, 0, 64)
	}
	n, err := strconv.ParseInt(lit, 0, 64)
	if neg {
		n = -n
	}
	return n, err
}

// Frame is one captured frame.
type Frame struct {
	LinkType uint32
	Time     time.Time
	Data     []byte
	Wire     int
}

// ReadFrames reads every frame of a pcap or pcapng file (stopping quietly
// at the first damage: seeds need only some frames).
func ReadFrames(path string) ([]Frame, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFrames(b)
}

// ParseFrames parses pcap or pcapng bytes.
func ParseFrames(b []byte) ([]Frame, error) {
	if len(b) < 24 {
		return nil, io.ErrUnexpectedEOF
	}
	if binary.LittleEndian.Uint32(b) == 0x0A0D0D0A {
		return parseNg(b), nil
	}
	var bo binary.ByteOrder = binary.LittleEndian
	magic := bo.Uint32(b)
	if magic != 0xa1b2c3d4 && magic != 0xa1b23c4d {
		bo = binary.BigEndian
		magic = bo.Uint32(b)
	}
	if magic != 0xa1b2c3d4 && magic != 0xa1b23c4d {
		return nil, errors.New("fuzzseed: not a capture file")
	}
	nano := magic == 0xa1b23c4d
	lt := bo.Uint32(b[20:]) & 0xffff
	var out []Frame
	for p := b[24:]; len(p) >= 16; {
		n := int(bo.Uint32(p[8:]))
		if n > len(p)-16 {
			break
		}
		sub := int64(bo.Uint32(p[4:]))
		if !nano {
			sub *= 1000
		}
		out = append(out, Frame{LinkType: lt, Time: time.Unix(int64(bo.Uint32(p)), sub).UTC(), Data: p[16 : 16+n], Wire: int(bo.Uint32(p[12:]))})
		p = p[16+n:]
	}
	return out, nil
}

func parseNg(b []byte) []Frame {
	var bo binary.ByteOrder = binary.LittleEndian
	type iface struct {
		lt  uint32
		res float64 // units per second
	}
	var ifs []iface
	var out []Frame
	for len(b) >= 12 {
		typ := bo.Uint32(b)
		if typ == 0x0A0D0D0A {
			if bo.Uint32(b[8:]) != 0x1A2B3C4D {
				bo = binary.BigEndian
			}
			ifs = nil
		}
		n := int(bo.Uint32(b[4:]))
		if n < 12 || n > len(b) || n%4 != 0 {
			break
		}
		body := b[8 : n-4]
		switch typ {
		case 1: // IDB
			if len(body) >= 8 {
				in := iface{lt: uint32(bo.Uint16(body)), res: 1e6}
				for o := body[8:]; len(o) >= 4; {
					code, l := bo.Uint16(o), int(bo.Uint16(o[2:]))
					if 4+l > len(o) || code == 0 {
						break
					}
					if code == 9 && l == 1 {
						r := o[4]
						if r&0x80 != 0 {
							in.res = math.Pow(2, float64(r&0x7f))
						} else {
							in.res = math.Pow(10, float64(r))
						}
					}
					o = o[4+(l+3)&^3:]
				}
				ifs = append(ifs, in)
			}
		case 6: // EPB
			if len(body) >= 20 {
				id := int(bo.Uint32(body))
				ts := uint64(bo.Uint32(body[4:]))<<32 | uint64(bo.Uint32(body[8:]))
				c := int(bo.Uint32(body[12:]))
				if id < len(ifs) && c <= len(body)-20 {
					sec := float64(ts) / ifs[id].res
					s := math.Floor(sec)
					out = append(out, Frame{LinkType: ifs[id].lt, Time: time.Unix(int64(s), int64((sec-s)*1e9)).UTC(),
						Data: body[20 : 20+c], Wire: int(bo.Uint32(body[16:]))})
				}
			}
		}
		b = b[n:]
	}
	return out
}

// Packet is a frame decoded down to the transport layer.
type Packet struct {
	L3       []byte // the IP packet
	IPv6     bool
	Src, Dst netip.Addr
	Proto    uint8
	Fragment bool // not the first fragment, or more follow
	// TCP or UDP (first fragment only)
	SrcPort, DstPort uint16
	Seq              uint32
	Flags            uint8  // TCP flags
	Options          []byte // TCP options
	Payload          []byte
}

// CLCMessages splits a TCP payload into the SMC CLC messages at its start
// (eyecatcher of SMC-R or SMC-D, length from the header), up to the first
// bytes that are not a whole message. Each is capped at its length.
func CLCMessages(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 8 && (binary.BigEndian.Uint32(b) == 0xE2D4C3D9 || binary.BigEndian.Uint32(b) == 0xE2D4C3C4) {
		n := int(binary.BigEndian.Uint16(b[5:]))
		if n < 8 || n > len(b) {
			break
		}
		out = append(out, b[:n:n])
		b = b[n:]
	}
	return out
}

// DecodeFrame walks a frame's link and IP headers. ok is false for anything else.
func DecodeFrame(f Frame) (p Packet, ok bool) {
	d := f.Data
	var et uint16
	switch f.LinkType {
	case 1: // Ethernet
		if len(d) < 14 {
			return p, false
		}
		et, d = binary.BigEndian.Uint16(d[12:]), d[14:]
		for (et == 0x8100 || et == 0x88A8) && len(d) >= 4 {
			et, d = binary.BigEndian.Uint16(d[2:]), d[4:]
		}
	case 113: // Linux cooked v1
		if len(d) < 16 {
			return p, false
		}
		et, d = binary.BigEndian.Uint16(d[14:]), d[16:]
	case 276: // Linux cooked v2
		if len(d) < 20 {
			return p, false
		}
		et, d = binary.BigEndian.Uint16(d), d[20:]
	case 101, 12, 14: // raw IP
		if len(d) == 0 {
			return p, false
		}
		et = 0x0800
		if d[0]>>4 == 6 {
			et = 0x86DD
		}
	case 0: // BSD loopback
		if len(d) < 4 {
			return p, false
		}
		et, d = 0x0800, d[4:]
		if len(d) > 0 && d[0]>>4 == 6 {
			et = 0x86DD
		}
	default:
		return p, false
	}
	p.L3 = d
	var l4 []byte
	switch et {
	case 0x0800:
		if len(d) < 20 || d[0]>>4 != 4 {
			return p, false
		}
		ihl := int(d[0]&15) * 4
		tot := int(binary.BigEndian.Uint16(d[2:]))
		if ihl < 20 || tot < ihl || len(d) < ihl {
			return p, false
		}
		tot = min(tot, len(d))
		fo := binary.BigEndian.Uint16(d[6:])
		p.Fragment = fo&0x3fff != 0
		p.Proto = d[9]
		p.Src, p.Dst = netip.AddrFrom4([4]byte(d[12:16])), netip.AddrFrom4([4]byte(d[16:20]))
		l4 = d[ihl:tot]
		if fo&0x1fff != 0 {
			return p, true
		}
	case 0x86DD:
		if len(d) < 40 || d[0]>>4 != 6 {
			return p, false
		}
		p.IPv6 = true
		p.Proto = d[6]
		p.Src, p.Dst = netip.AddrFrom16([16]byte(d[8:24])), netip.AddrFrom16([16]byte(d[24:40]))
		l4 = d[40:min(len(d), 40+int(binary.BigEndian.Uint16(d[4:])))]
	default:
		return p, false
	}
	switch p.Proto {
	case 6:
		if len(l4) < 20 {
			return p, false
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || off > len(l4) {
			return p, false
		}
		p.SrcPort, p.DstPort = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.Seq = binary.BigEndian.Uint32(l4[4:])
		p.Flags = l4[13]
		p.Options = l4[20:off]
		p.Payload = l4[off:]
	case 17:
		if len(l4) < 8 {
			return p, false
		}
		p.SrcPort, p.DstPort = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.Payload = l4[8:]
	}
	return p, true
}

// Glob returns the files matching the patterns, sorted, without duplicates.
func Glob(patterns ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, pat := range patterns {
		m, _ := filepath.Glob(pat)
		for _, p := range m {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// CaptureLike returns n bytes of capture-like data for compression tests:
// the lab recordings in labOut (real frames; testdata/lab/out from the
// package's directory), up to half of n, then pseudo-random, repetitive
// and textual stretches (deterministic).
func CaptureLike(labOut string, n int) ([]byte, error) {
	var b []byte
	files, _ := filepath.Glob(filepath.Join(labOut, "*", "*.pcapng"))
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		b = append(b, d...)
		if len(b) >= n/2 {
			break
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for len(b) < n {
		switch rng.IntN(3) {
		case 0:
			for range 4096 {
				b = append(b, byte(rng.Uint32()))
			}
		case 1:
			b = append(b, bytes.Repeat([]byte{byte(rng.Uint32())}, rng.IntN(5000))...)
		default:
			b = append(b, bytes.Repeat([]byte("SMC-Rv2 Proposal "), 200)...)
		}
	}
	return b[:n], nil
}
