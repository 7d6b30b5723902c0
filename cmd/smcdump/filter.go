package main

import (
	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture/bpffilter"
)

// offlineFilter returns a constructor of frame filters for expr, one per
// link type, using the same compiler as live capture (offline code
// generation: in-band checks only, run on the BPF VM). The expression is
// compiled once for Ethernet up front so syntax errors surface before any
// file is read.
func offlineFilter(expr string) (func(analyze.LinkType) (analyze.FrameFilter, error), error) {
	if _, err := bpffilter.Compile(expr, bpffilter.Options{LinkType: bpffilter.LinkType(analyze.LinkTypeEthernet), Mode: bpffilter.Offline}); err != nil {
		return nil, err
	}
	return func(lt analyze.LinkType) (analyze.FrameFilter, error) {
		f, err := bpffilter.NewFilter(expr, bpffilter.Options{LinkType: bpffilter.LinkType(lt), Mode: bpffilter.Offline})
		if err != nil {
			return nil, err
		}
		return f, nil
	}, nil
}
