package main

import (
	"errors"

	"github.com/smcdump/smcdump/analyze"
)

// offlineFilter compiles a pcap-filter expression for offline use, once per
// link type.
func offlineFilter(expr string) (func(analyze.LinkType) (analyze.FrameFilter, error), error) {
	return nil, errors.New("filter expressions are not supported yet")
}
