package analyze

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// mergedInputs is what merging found in its input files: each file read
// (its own entry, report.MergedInput), the files that could not be
// opened, and the merge's own failure.
type mergedInputs struct {
	inputs []*report.MergedInput
	idx    map[*pcapfile.FileReader]*report.MergedInput // the entries of the files open
	last   *pcapfile.FileReader                         // the reader of the last packet counted
	lastIn *report.MergedInput
	failed []report.FileInfo // files that could not be opened
	err    error             // the merge's own failure (writing, cancelled)
	// openErr and readErr are the first file that could not be opened
	// and the first whose reading stopped before its end.
	openErr, readErr error
}

// open registers a file the merge has opened. Its packets are taken at the
// previous packet's time when their time stamp is implausible, as when the
// file is analyzed on its own (AnalyzeReader): the merge orders them by
// that time, and the file's note says so.
func (in *mergedInputs) open(path string, fr *pcapfile.FileReader) {
	fr.HoldImplausibleTimes = true
	e := &report.MergedInput{Path: path, Format: fr.Format(), Variant: fr.Variant(), Compression: fr.Compression()}
	in.idx[fr] = e
	in.inputs = append(in.inputs, e)
}

// input returns the entry of fr (opened: open), nil for an unknown reader.
func (in *mergedInputs) input(fr *pcapfile.FileReader) *report.MergedInput {
	if fr == in.last {
		return in.lastIn
	}
	e, ok := in.idx[fr]
	if !ok {
		return nil
	}
	in.last, in.lastIn = fr, e
	return e
}

// packet counts the packet p of fr, as AnalyzeReader counts a file's
// (readState.read): all of them, the first and last time stamps.
func (in *mergedInputs) packet(fr *pcapfile.FileReader, p *pcapfile.Packet) {
	e := in.input(fr)
	if e == nil {
		return
	}
	e.Packets++
	t := p.Info.Timestamp
	if e.First == nil {
		e.First = timep(t)
		e.Last = timep(t)
		return
	}
	*e.Last = t
}

// done records what fr found in its file once the merge has read it (or
// stopped reading it): its interfaces, problems, notes and damage.
func (in *mergedInputs) done(path string, fr *pcapfile.FileReader, err error) {
	e := in.input(fr)
	if e == nil {
		in.open(path, fr)
		e = in.input(fr)
	}
	in.last, in.lastIn = nil, nil // the entry is final: the reader may be reused
	delete(in.idx, fr)
	e.Interfaces = fr.Interfaces()
	e.Problems, e.ProblemCount = fr.Problems(), fr.ProblemCount()
	e.Notes, e.NoteCount = fr.Notes(), fr.NoteCount()
	e.DamagedRegions, e.SkippedBytes = fr.Damage()
	if err != nil {
		e.Error = err.Error()
		if in.readErr == nil {
			in.readErr = fmt.Errorf("%s: %w", path, err)
		}
	}
}

// mergeBufSize is the pcapng writer's buffer of the merged stream.
const mergeBufSize = 256 << 10

// analyzeMerged analyzes paths merged packet by packet by time stamp
// (Config.Merge): a goroutine merges them (pcapfile.MultiReader) into a
// pcapng stream, as mergecap would write it, which this goroutine analyzes
// as one file. Frame numbers are those of that stream. Each input file is
// listed on the merged entry (report.FileInfo.Inputs) with its problems
// and notes, as its own entry would list them; the merged entry's damage
// counts include theirs.
func (a *Analyzer) analyzeMerged(ctx context.Context, paths []string) error {
	mr := pcapfile.NewMergeReader(paths, a.cfg.Stdin)
	ordered := mr.Paths()
	in := mergedInputs{idx: map[*pcapfile.FileReader]*report.MergedInput{}}
	mr.OnOpen = in.open
	mr.OnDone = in.done
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := writeMerged(ctx, mr, pw, in.packet)
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
		if in.openErr == nil {
			in.openErr = fe.Err
		}
	}
	// The merged entry: AnalyzeReader's, or one saying why the merged
	// stream could not be read, so that the inputs read are listed still.
	if n := len(a.report.Files); n == 0 || a.report.Files[n-1].Path != name {
		fi := report.FileInfo{Path: name}
		switch {
		case in.err != nil:
			fi.Error = in.err.Error()
		case err != nil:
			fi.Error = err.Error()
		}
		a.report.Files = append(a.report.Files, fi)
	}
	fi := &a.report.Files[len(a.report.Files)-1]
	for _, e := range in.inputs {
		fi.AddInput(*e)
	}
	a.report.Files = append(a.report.Files, in.failed...)
	switch {
	case in.err != nil:
		return in.err
	case err != nil:
		return err
	case in.openErr != nil:
		return in.openErr
	}
	return in.readErr
}

// writeMerged writes mr's packets, interfaces, interface statistics and
// kernel-counter snapshots to w as one pcapng section.
// count, when not nil, is called with each packet and the reader of its
// file.
func writeMerged(ctx context.Context, mr *pcapfile.MultiReader, w io.Writer, count func(*pcapfile.FileReader, *pcapfile.Packet)) error {
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
		if count != nil {
			count(mr.Reader(), p)
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
