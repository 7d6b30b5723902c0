package procnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"strconv"
	"strings"
)

// Files lists the files a snapshot reads, relative to a /proc root. Files
// that a kernel does not have (snmp6 without IPv6) are skipped.
var Files = []string{
	"net/snmp", "net/snmp6", "net/netstat",
	"net/udp", "net/udp6", "net/tcp", "net/tcp6",
	"net/dev", "net/softnet_stat",
	"sys/net/core/rmem_max", "sys/net/core/rmem_default",
}

// Optional lists the files of Files that a healthy kernel may lack: the
// IPv6 ones without IPv6, and the sysctls, which exist only in the initial
// network namespace. A missing file not listed here is an error.
var Optional = map[string]bool{
	"net/snmp6": true, "net/udp6": true, "net/tcp6": true,
	"sys/net/core/rmem_max": true, "sys/net/core/rmem_default": true,
}

// Tree is the parsed content of the /proc files in Files.
type Tree struct {
	SNMP    Counters `json:"snmp,omitempty"`    // net/snmp
	Signed  Signed   `json:"signed,omitempty"`  // negative gauges in net/snmp (Tcp.MaxConn)
	SNMP6   Counters `json:"snmp6,omitempty"`   // net/snmp6, section ""
	Netstat Counters `json:"netstat,omitempty"` // net/netstat (TcpExt, IpExt, ...)
	// Sockets holds net/udp, udp6, tcp, tcp6 in that order, each in file order.
	Sockets []Socket     `json:"sockets,omitempty"`
	Dev     []Interface  `json:"dev,omitempty"`
	Softnet []SoftnetCPU `json:"softnet,omitempty"`
	RmemMax *uint64      `json:"rmem_max,omitempty"`     // sys/net/core/rmem_max
	RmemDef *uint64      `json:"rmem_default,omitempty"` // sys/net/core/rmem_default
	// Omitted counts, per socket table ("udp", "udp6", "tcp", "tcp6"), the
	// socket lines a bounded snapshot left out (KeepSockets). A table not
	// listed is whole: a socket missing from it does not exist.
	Omitted map[string]int `json:"sockets_omitted,omitempty"`
	// OmittedBusy counts those of Omitted that had data queued or drops
	// (more such sockets than the bound); a table not listed left out
	// only idle sockets.
	OmittedBusy map[string]int `json:"sockets_omitted_busy,omitempty"`
}

// NoteOmitted records n socket lines left out of the table of file name
// (e.g. "net/udp" or "udp"), busy of them with data queued or drops.
func (t *Tree) NoteOmitted(name string, n, busy int) {
	base := name[strings.LastIndexByte(name, '/')+1:]
	add := func(m *map[string]int, v int) {
		if v <= 0 {
			return
		}
		if *m == nil {
			*m = map[string]int{}
		}
		(*m)[base] += v
	}
	add(&t.Omitted, n)
	add(&t.OmittedBusy, busy)
}

// IdleOmitted reports whether the table of proto left out no socket that
// had data queued or drops: a socket missing from it either did not exist
// or had nothing queued and no drops.
func (t *Tree) IdleOmitted(proto string) bool { return t == nil || t.OmittedBusy[proto] == 0 }

// Whole reports whether the socket table of proto ("udp", "tcp6", ...) was
// kept whole (it may still be absent from the tree).
func (t *Tree) Whole(proto string) bool { return t == nil || t.Omitted[proto] == 0 }

// IsSocketTable reports whether name (e.g. "net/udp6") is a socket table:
// udp, udp6, tcp or tcp6.
func IsSocketTable(name string) bool {
	switch name[strings.LastIndexByte(name, '/')+1:] {
	case "udp", "udp6", "tcp", "tcp6":
		return true
	}
	return false
}

// Parse parses data as the file name (one of Files, or a base name such as
// "snmp" or "udp6") and merges it into t. order is the byte order of the host
// that produced the file (see ParseSockets).
func (t *Tree) Parse(name string, data []byte, order binary.ByteOrder) error {
	r := bytes.NewReader(data)
	base := name[strings.LastIndexByte(name, '/')+1:]
	if len(bytes.TrimSpace(data)) == 0 {
		// Every file in Files has content on a running kernel.
		return perr(name, 1, "", "empty file")
	}
	var err error
	switch base {
	case "snmp":
		t.SNMP, t.Signed, err = ParsePairs(name, r)
	case "netstat":
		t.Netstat, _, err = ParsePairs(name, r)
	case "snmp6":
		t.SNMP6, err = ParseFlat(name, r)
	case "udp", "udp6", "tcp", "tcp6":
		var s []Socket
		s, err = ParseSockets(name, base, order, r)
		t.Sockets = append(t.Sockets, s...)
	case "dev":
		t.Dev, err = ParseDev(name, r)
	case "softnet_stat":
		t.Softnet, err = ParseSoftnet(name, r)
	case "rmem_max", "rmem_default":
		s := strings.TrimSpace(string(data))
		v, perr2 := strconv.ParseUint(s, 10, 64)
		if perr2 != nil {
			return perr(name, 1, s, "not a number")
		}
		if base == "rmem_max" {
			t.RmemMax = &v
		} else {
			t.RmemDef = &v
		}
	default:
		return errf("procnet: unknown file %q", name)
	}
	return err
}

// ReadFS reads every file in Files that exists under fsys and parses it. It
// returns the parsed tree and the raw bytes read, keyed by the name in Files.
// A file that does not exist is skipped; any other error is returned.
func ReadFS(fsys fs.FS, order binary.ByteOrder) (*Tree, map[string][]byte, error) {
	t := &Tree{}
	raw := map[string][]byte{}
	for _, name := range Files {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		raw[name] = b
		if err := t.Parse(name, b, order); err != nil {
			return nil, nil, err
		}
	}
	return t, raw, nil
}
