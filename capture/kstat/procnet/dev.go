package procnet

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

func errf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// Interface is one line of /proc/net/dev (docs/multicast-udp.md 4.7). RxDrop is
// rx_dropped + rx_missed_errors in the kernel.
type Interface struct {
	Name         string `json:"name"`
	RxBytes      uint64 `json:"rx_bytes"`
	RxPackets    uint64 `json:"rx_packets"`
	RxErrs       uint64 `json:"rx_errs"`
	RxDrop       uint64 `json:"rx_drop"`
	RxFifo       uint64 `json:"rx_fifo"`
	RxFrame      uint64 `json:"rx_frame"`
	RxCompressed uint64 `json:"rx_compressed"`
	RxMulticast  uint64 `json:"rx_multicast"`
	TxBytes      uint64 `json:"tx_bytes"`
	TxPackets    uint64 `json:"tx_packets"`
	TxErrs       uint64 `json:"tx_errs"`
	TxDrop       uint64 `json:"tx_drop"`
	TxFifo       uint64 `json:"tx_fifo"`
	TxColls      uint64 `json:"tx_colls"`
	TxCarrier    uint64 `json:"tx_carrier"`
	TxCompressed uint64 `json:"tx_compressed"`
}

func (i *Interface) fields() []*uint64 {
	return []*uint64{&i.RxBytes, &i.RxPackets, &i.RxErrs, &i.RxDrop, &i.RxFifo, &i.RxFrame, &i.RxCompressed, &i.RxMulticast,
		&i.TxBytes, &i.TxPackets, &i.TxErrs, &i.TxDrop, &i.TxFifo, &i.TxColls, &i.TxCarrier, &i.TxCompressed}
}

// ParseDev parses /proc/net/dev. Lines are split on the first ':' because
// old kernels printed no space after it.
func ParseDev(file string, r io.Reader) ([]Interface, error) {
	sc := newScanner(r)
	n := 0
	var out []Interface
	for sc.Scan() {
		n++
		line := sc.Text()
		if n <= 2 {
			if !strings.Contains(line, "|") {
				return nil, perr(file, n, line, "expected /proc/net/dev header line")
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, perr(file, n, line, "expected \"IFACE: counters\"")
		}
		f := strings.Fields(rest)
		var it Interface
		it.Name = strings.TrimSpace(name)
		ptrs := it.fields()
		if len(f) != len(ptrs) {
			return nil, perr(file, n, line, "%d counters, want %d", len(f), len(ptrs))
		}
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, perr(file, n, line, "counter %d: %q is not a number", i+1, s)
			}
			*ptrs[i] = v
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, ScanError(file, n+1, err)
	}
	return out, nil
}

// SoftnetCPU is one line of /proc/net/softnet_stat (docs/multicast-udp.md 4.8).
// Columns that the kernel does not print are nil.
type SoftnetCPU struct {
	Line        int     `json:"line"`      // 0-based line index
	Processed   uint64  `json:"processed"` // column 1
	Dropped     uint64  `json:"dropped"`   // column 2: backlog full
	TimeSqueeze uint64  `json:"time_squeeze"`
	ReceivedRPS *uint64 `json:"received_rps,omitempty"` // column 10
	FlowLimit   *uint64 `json:"flow_limit,omitempty"`   // column 11
	BacklogLen  *uint64 `json:"backlog_len,omitempty"`  // column 12
	CPU         *uint64 `json:"cpu,omitempty"`          // column 13: CPU index
	Columns     int     `json:"columns"`                // how many columns the kernel printed
}

// ParseSoftnet parses /proc/net/softnet_stat: one line per online CPU, hex
// values, 3 or more columns (kernels print 9 to 15).
func ParseSoftnet(file string, r io.Reader) ([]SoftnetCPU, error) {
	sc := newScanner(r)
	n := 0
	var out []SoftnetCPU
	for sc.Scan() {
		n++
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, perr(file, n, line, "%d columns, want at least 3", len(f))
		}
		vals := make([]uint64, len(f))
		for i, s := range f {
			v, err := strconv.ParseUint(s, 16, 64)
			if err != nil {
				return nil, perr(file, n, line, "column %d: %q is not hex", i+1, s)
			}
			vals[i] = v
		}
		c := SoftnetCPU{Line: len(out), Processed: vals[0], Dropped: vals[1], TimeSqueeze: vals[2], Columns: len(f)}
		opt := func(i int) *uint64 {
			if i < len(vals) {
				v := vals[i]
				return &v
			}
			return nil
		}
		c.ReceivedRPS, c.FlowLimit, c.BacklogLen, c.CPU = opt(9), opt(10), opt(11), opt(12)
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, ScanError(file, n+1, err)
	}
	return out, nil
}
