package kstat

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// rawDirIndex is the index.json of a raw snapshot directory as the SMC qemu
// lab (testdata/lab/smcnl) writes it.
type rawDirIndex struct {
	Kernel    string `json:"kernel"`
	Hostname  string `json:"hostname"`
	Side      string `json:"side"`
	NetNS     string `json:"netns"`
	Time      string `json:"time"`
	ByteOrder string `json:"byte_order"`
	Files     []struct {
		File        string `json:"file"`
		Kind        string `json:"kind"`
		Family      string `json:"family"`
		CommandName string `json:"command_name"`
		Source      string `json:"source"`
	} `json:"files"`
}

// ReadRawDir reads a directory of raw sources described by an index.json:
// one file per netlink dump holding the response bytes exactly as read from
// the socket (NLMSG_DONE / NLMSG_ERROR included), and verbatim /proc copies.
// This is the layout of the SMC lab (testdata/lab/out/<kernel>/snap/...).
func ReadRawDir(fsys fs.FS) (*Snapshot, error) {
	b, err := fs.ReadFile(fsys, "index.json")
	if err != nil {
		return nil, err
	}
	var idx rawDirIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if strings.HasPrefix(idx.ByteOrder, "big") {
		order = binary.BigEndian
	}
	var raw []RawSource
	var failed []SourceError
	smc := false
	for _, f := range idx.Files {
		data, err := fs.ReadFile(fsys, f.File)
		if err != nil {
			// One unreadable source does not hide the others.
			name := f.File
			switch {
			case f.Kind == "proc" && f.Source != "":
				name = f.Source
			case f.Kind == "genl" && f.Family == "SMC_PNETID":
				name = "SMC_PNETID"
			case f.Kind == "genl" && f.CommandName != "":
				name = "SMC_GEN_NETLINK " + f.CommandName
			case f.Kind == "sock_diag":
				name = "smc_diag"
			}
			failed = append(failed, SourceError{Source: name, Stage: StageRead, Error: err.Error()})
			continue
		}
		switch {
		case f.Kind == "genl" && f.Family == smcnl.FamilyName:
			r := RawSource{Kind: KindGenl, Name: f.CommandName, Bytes: data}
			if _, err := smcnl.SplitMessages(f.File, data, order); err != nil {
				if ke, ok := err.(*smcnl.KernelError); ok {
					r.Errno = ke.Errno
				}
			}
			raw = append(raw, r)
			smc = true
		case f.Kind == "genl" && f.Family == "SMC_PNETID" && f.CommandName == PNETCommand:
			r := RawSource{Kind: KindGenl, Name: PNETCommand, Bytes: data}
			if _, err := smcnl.SplitMessages(f.File, data, order); err != nil {
				if ke, ok := err.(*smcnl.KernelError); ok {
					r.Errno = ke.Errno
				}
			}
			raw = append(raw, r)
		case f.Kind == "sock_diag":
			raw = append(raw, RawSource{Kind: KindSockDiag, Name: "smc_diag", Bytes: data})
		case f.Kind == "proc":
			raw = append(raw, RawSource{Kind: KindProc, Name: strings.TrimPrefix(f.Source, "/proc/"), Text: string(data)})
		}
	}
	s, err := Decode(raw, order)
	if err != nil {
		return nil, err
	}
	s.SourceErrors = append(failed, s.SourceErrors...)
	s.Source = "raw directory"
	s.Hostname, s.Kernel, s.NetNS = idx.Hostname, idx.Kernel, idx.NetNS
	if t, err := time.Parse(time.RFC3339Nano, idx.Time); err == nil {
		s.TakenAt = t.UTC()
	}
	s.SMC.Available = smc
	return s, nil
}
