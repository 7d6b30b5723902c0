package analyze

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// mergedInputs is what merging found in its input files: their problems
// (each message prefixed with its file), damage, and the files that could
// not be read.
type mergedInputs struct {
	problems       []pcapfile.Problem
	problemCount   int
	regions        int
	skipped        int64
	failed         []report.FileInfo // files that could not be opened or read
	err            error             // the merge's own failure (writing, cancelled)
	firstFailedErr error
}

// mergeBufSize is the pcapng writer's buffer of the merged stream.
const mergeBufSize = 256 << 10

// analyzeMerged analyzes paths merged packet by packet by time stamp
// (Config.Merge): a goroutine merges them (pcapfile.MultiReader) into a
// pcapng stream, as mergecap would write it, which this goroutine analyzes
// as one file. Frame numbers are those of that stream; the inputs' damage
// is reported on its entry, each problem naming its file.
func (a *Analyzer) analyzeMerged(ctx context.Context, paths []string) error {
	mr := pcapfile.NewMergeReader(paths, a.cfg.Stdin)
	ordered := mr.Paths()
	var in mergedInputs
	mr.OnDone = func(path string, fr *pcapfile.FileReader, err error) {
		for _, p := range fr.Problems() {
			p.Msg = path + ": " + fr.ProblemText(p)
			if len(in.problems) < maxMergedProblems {
				in.problems = append(in.problems, p)
			}
		}
		in.problemCount += fr.ProblemCount()
		r, s := fr.Damage()
		in.regions, in.skipped = in.regions+r, in.skipped+s
		if err != nil {
			in.failed = append(in.failed, report.FileInfo{Path: path, Error: err.Error()})
		}
	}
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := writeMerged(ctx, mr, pw)
		mr.Close()
		pw.CloseWithError(err)
		if err != nil && err != io.ErrClosedPipe {
			in.err = err
		}
	}()
	name := fmt.Sprintf("%d files merged by time (%s … %s)", len(ordered), ordered[0], ordered[len(ordered)-1])
	fr, err := pcapfile.NewFileReaderSize(pr, 1<<20)
	if err == nil {
		err = a.AnalyzeReader(ctx, name, fr)
	}
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if the analysis ended early
	wg.Wait()
	for _, fe := range mr.OpenErrors() {
		in.failed = append(in.failed, report.FileInfo{Path: fe.Path, Error: fe.Err.Error()})
		if in.firstFailedErr == nil {
			in.firstFailedErr = fe.Err
		}
	}
	if len(a.report.Files) > 0 {
		fi := &a.report.Files[len(a.report.Files)-1]
		if fi.Path == name {
			fi.Problems = append(fi.Problems, in.problems...)
			fi.ProblemCount += in.problemCount
			fi.DamagedRegions += in.regions
			fi.SkippedBytes += in.skipped
		}
	}
	a.report.Files = append(a.report.Files, in.failed...)
	switch {
	case in.err != nil:
		return in.err
	case err != nil:
		return err
	}
	return in.firstFailedErr
}

// maxMergedProblems bounds the input problems listed on the merged entry
// (the others are counted), as each file's reader bounds its own.
const maxMergedProblems = 100

// writeMerged writes mr's packets, interfaces, interface statistics and
// kernel-counter snapshots to w as one pcapng section.
func writeMerged(ctx context.Context, mr *pcapfile.MultiReader, w io.Writer) error {
	var nw *pcapfile.NgWriter
	nIfs := 0 // interfaces described to nw
	// Snapshots before the first packet (no writer yet): the earliest and
	// the latest are kept, which is what the analysis uses.
	var firstSnap, lastSnap []byte
	var werr error
	mr.OnCustom = func(_ string, cb pcapfile.CustomBlock) {
		js, ok := pcapfile.KstatJSON(cb)
		switch {
		case !ok || werr != nil:
		case nw == nil && firstSnap == nil:
			firstSnap = append([]byte(nil), js...)
		case nw == nil:
			lastSnap = append(lastSnap[:0], js...)
		default:
			werr = nw.WriteKstat(append([]byte(nil), js...))
		}
	}
	addIfaces := func(upTo int) error {
		ifs := mr.Interfaces()
		for ; nIfs <= upTo && nIfs < len(ifs); nIfs++ {
			if err := nw.AddInterface(pcapfile.Rewritten(ifs[nIfs])); err != nil {
				return err
			}
		}
		return nil
	}
	mr.OnStats = func(_ string, st pcapfile.InterfaceStats) {
		if nw == nil || werr != nil {
			return // statistics before any packet: nothing they could qualify
		}
		if werr = addIfaces(st.Interface); werr == nil && st.Interface < nIfs {
			werr = nw.WriteStats(st)
		}
	}
	open := func() error {
		var ifs []pcapfile.Interface
		for _, ifc := range mr.Interfaces() {
			ifs = append(ifs, pcapfile.Rewritten(ifc))
		}
		if len(ifs) == 0 {
			ifs = []pcapfile.Interface{{LinkType: pcapfile.LinkTypeEthernet}}
		}
		nIfs = len(ifs)
		var err error
		if nw, err = pcapfile.NewNgWriter(w, pcapfile.SectionInfo{Application: "smcdump analyze --merge"}, ifs, mergeBufSize); err != nil {
			return err
		}
		for _, js := range [][]byte{firstSnap, lastSnap} {
			if js != nil {
				if err := nw.WriteKstat(js); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for n := 0; ; n++ {
		if n&0xfff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p, _, err := mr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if nw == nil {
			if err := open(); err != nil {
				return err
			}
		}
		if err := addIfaces(p.Info.InterfaceIndex); err != nil {
			return err
		}
		if err := nw.WritePacket(p); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
	}
	if nw == nil {
		if err := open(); err != nil {
			return err
		}
	}
	if werr != nil {
		return werr
	}
	return nw.Flush()
}
