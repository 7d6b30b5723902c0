package main

import (
	"context"
	"io"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/kstat/collect"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// dumpFilter implements -d/-dd/-ddd: print the program for the first -i
// interface (live code), the -r file's link type (offline code) or, with
// neither, Ethernet offline code (like tcpdump -y EN10MB).
func dumpFilter(stdin io.Reader, w io.Writer, o *captureOptions, expr string) error {
	lt := bpffilter.Ethernet
	mode := bpffilter.Offline
	if o.r.file != "" {
		fr, err := pcapfile.OpenFile(o.r.file, stdin)
		if err != nil {
			return err
		}
		ifs := fr.Interfaces()
		fr.Close()
		if len(ifs) > 0 {
			lt = bpffilter.LinkType(ifs[0].LinkType)
		}
	} else if len(o.ifaces) > 0 {
		mode = bpffilter.Live
		if o.ifaces[0] == "any" {
			lt = bpffilter.LinuxSLL2
		}
	}
	prog, err := bpffilter.Compile(expr, bpffilter.Options{LinkType: lt, Snaplen: uint32(o.snaplen), Mode: mode})
	if err == nil && bpffilter.RejectsAll(prog) {
		err = bpffilter.ErrRejectsAll // as pcap_compile, which tcpdump -d reports
	}
	if err != nil {
		return usageErr("%v", err)
	}
	text, err := formatFilter(prog, min(o.dump, 3))
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// formatFilter prints a program like tcpdump -d (1), -dd (2), -ddd (3).
func formatFilter(prog []bpf.Instruction, level int) (string, error) {
	return bpffilter.Format(prog, level)
}

// kstatCollect takes one kernel-counter snapshot as JSON; the snapshots are
// stored in the pcapng file (capture/PCAPNG.md) by the capture session.
// Tests may replace it.
var kstatCollect = func(ctx context.Context) ([]byte, error) {
	s, err := collect.Collect(ctx, collect.Options{})
	if err != nil {
		return nil, err
	}
	return s.MarshalJSON()
}
