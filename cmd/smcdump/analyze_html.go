package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/smcdump/smcdump/analyze/htmlreport"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/kstat"
)

// writeHTML writes the HTML report (--html) to path, or to stdout for "-".
// The snapshots' first and last by time are shown as before and after.
func writeHTML(path string, rep *report.Report, snaps []*kstat.Snapshot, stdout io.Writer) error {
	var o htmlreport.Options
	if len(snaps) > 0 {
		s := append([]*kstat.Snapshot(nil), snaps...)
		sort.SliceStable(s, func(i, j int) bool { return s[i].TakenAt.Before(s[j].TakenAt) })
		o.Before = s[0]
		if len(s) > 1 {
			o.After = s[len(s)-1]
		}
	}
	if path == "-" {
		if err := htmlreport.Write(stdout, rep, o); err != nil {
			return fmt.Errorf("--html: %v", err)
		}
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--html: %v", err)
	}
	if err := htmlreport.Write(f, rep, o); err != nil {
		f.Close()
		return fmt.Errorf("--html: %v", err)
	}
	return f.Close()
}
