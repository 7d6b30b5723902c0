package procnet

import (
	"bufio"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Counters holds named counters grouped by section, e.g.
// Counters["Udp"]["RcvbufErrors"]. It is what /proc/net/snmp and
// /proc/net/netstat hold (header/value line pairs, docs/multicast-udp.md 4.1-4.2)
// and, with the single section "", what /proc/net/snmp6 holds.
type Counters map[string]map[string]uint64

// Get returns the counter section.name and whether it is present. Absent
// counters (older kernels) are reported as not present, never as zero.
func (c Counters) Get(section, name string) (uint64, bool) {
	v, ok := c[section][name]
	return v, ok
}

// Names returns "Section.Name" for every counter, sorted.
func (c Counters) Names() []string {
	var out []string
	for s, m := range c {
		for n := range m {
			out = append(out, s+"."+n)
		}
	}
	sort.Strings(out)
	return out
}

// Signed holds the few counters that are signed gauges and were negative
// (Tcp.MaxConn is -1 on Linux), keyed "Section.Name".
type Signed map[string]int64

// MaxLine is the longest line the parsers accept: an explicit memory bound
// per line. A longer line is reported as such (ScanError), never as the end
// of the input.
const MaxLine = 4 << 20

// NewScanner returns a line scanner bounded by MaxLine. Its buffer starts
// at bufio's 4 KiB and grows only for longer lines: a snapshot parses a
// dozen small files, and a 64 KiB buffer for each was most of the memory
// (and, cleared on allocation, much of the time) a snapshot decode took.
func NewScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, MaxLine)
	return sc
}

func newScanner(r io.Reader) *bufio.Scanner { return NewScanner(r) }

// ScanError turns the error of a line scanner that stopped at 1-based line
// line of file into a ParseError: a line longer than MaxLine says so.
func ScanError(file string, line int, err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return perr(file, line, "", "line %d longer than %d bytes (the parser's limit)", line, MaxLine)
	}
	return perr(file, line, "", "read: %v", err)
}

// ParsePairs parses a file made of "Section: Name1 Name2 ..." header lines,
// each followed by a "Section: v1 v2 ..." value line (/proc/net/snmp,
// /proc/net/netstat). The values are zipped with the names by position.
// Negative values (Tcp MaxConn) go to the returned Signed map. file names the
// input in errors.
func ParsePairs(file string, r io.Reader) (Counters, Signed, error) {
	c := Counters{}
	var signed Signed
	sc := newScanner(r)
	var hdr []string
	var hdrSection string
	hdrLine := 0
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		sec, rest, ok := strings.Cut(line, ":")
		if !ok || sec == "" || strings.ContainsAny(sec, " \t") {
			return nil, nil, perr(file, n, line, "expected \"Section: ...\"")
		}
		fields := strings.Fields(rest)
		if hdr == nil {
			hdr, hdrSection, hdrLine = fields, sec, n
			if len(fields) == 0 {
				hdr = []string{}
			}
			continue
		}
		if sec != hdrSection {
			return nil, nil, perr(file, n, line, "value line for section %q follows header of section %q (line %d)", sec, hdrSection, hdrLine)
		}
		if len(fields) != len(hdr) {
			return nil, nil, perr(file, n, line, "%d values for %d names in header line %d", len(fields), len(hdr), hdrLine)
		}
		m := c[sec]
		if m == nil {
			m = make(map[string]uint64, len(hdr))
			c[sec] = m
		}
		for i, f := range fields {
			if strings.HasPrefix(f, "-") {
				v, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					return nil, nil, perr(file, n, line, "value %d (%s): %q is not a number", i+1, hdr[i], f)
				}
				if signed == nil {
					signed = Signed{}
				}
				signed[sec+"."+hdr[i]] = v
				continue
			}
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil, nil, perr(file, n, line, "value %d (%s): %q is not a number", i+1, hdr[i], f)
			}
			m[hdr[i]] = v
		}
		hdr = nil
	}
	if err := sc.Err(); err != nil {
		return nil, nil, ScanError(file, n+1, err)
	}
	if hdr != nil {
		return nil, nil, perr(file, hdrLine, hdrSection+":", "header line without value line")
	}
	return c, signed, nil
}

// ParseFlat parses "Name value" lines (/proc/net/snmp6; also /proc/net/dev_snmp6/IF)
// into the single section "" of a Counters.
func ParseFlat(file string, r io.Reader) (Counters, error) {
	m := map[string]uint64{}
	sc := newScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, perr(file, n, line, "expected \"Name value\"")
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return nil, perr(file, n, line, "%q is not a number", f[1])
		}
		m[f[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, ScanError(file, n+1, err)
	}
	return Counters{"": m}, nil
}
