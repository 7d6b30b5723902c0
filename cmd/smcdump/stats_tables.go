package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// tablesFromFlags turns the smc-tools selectors into a table set. The smcss
// options alone imply --sockets; their combinations follow smcss.
func tablesFromFlags(f statsFlags) (kstat.TableSet, error) {
	t := kstat.TableSet{
		Sockets: f.sockets, Devices: f.devices, LinkGroups: f.linkgroups, Links: f.links,
		SMCRStats: f.smcrStats, SMCDStats: f.smcdStats, Info: f.info, EID: f.eid, PNET: f.pnet, Detail: f.detail,
		SS: toolfmt.SMCSSOptions{All: f.all, Listening: f.listening, SMCR: f.smcrSocks, SMCD: f.smcdSocks, Debug: f.detail > 0},
	}
	if f.all || f.listening || f.smcrSocks || f.smcdSocks {
		t.Sockets = true
	}
	switch {
	case f.smcrSocks && f.smcdSocks:
		return t, errors.New("-R (SMC-R sockets) and -D (SMC-D sockets) exclude each other, as in smcss")
	case f.listening && f.all:
		return t, errors.New("-l (listening sockets) and -a (all sockets) exclude each other, as in smcss")
	case f.listening && (f.smcrSocks || f.smcdSocks || f.detail > 0):
		return t, errors.New("-l (listening sockets) cannot be combined with -R, -D or -d, as in smcss")
	}
	if f.detail > 0 && !t.Any() {
		return t, errors.New("-d/--debug adds details to a table: give one (--sockets, --devices, --links, --smcr-stats, ...)")
	}
	return t, nil
}

// printTables prints the selected smc-tools tables of s, or their JSON
// (which lists the sources that could not be used in "source_errors", and
// why SMC could not be read in "smc_unavailable"). In text the sources
// that could not be used, and SMC being unavailable, are named on errw, so
// that w holds only the tables, in smc-tools' layout.
func printTables(w, errw io.Writer, s *kstat.Snapshot, t kstat.TableSet, asJSON bool) error {
	if !asJSON {
		for _, e := range s.SourceErrors {
			fmt.Fprintf(errw, "smcdump: source not used: %s: %s error: %s\n", e.Source, e.Stage, e.Error)
		}
		if !s.SMC.Available && s.SMC.Note != "" && len(s.SMC.Sockets) == 0 {
			fmt.Fprintf(errw, "smcdump: SMC: %s\n", s.SMC.Note)
		}
		return s.WriteTables(w, t)
	}
	b, err := json.MarshalIndent(s.Tables(t), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// isCapture reports whether b starts like a pcap or pcapng file, or like a
// compressed file (a compressed capture: pcapfile reads it; anything else
// compressed gets pcapfile's error saying what it holds).
func isCapture(b []byte) bool {
	if pcapfile.CompressionOf(b) != "" {
		return true
	}
	if len(b) < 4 {
		return false
	}
	switch binary.LittleEndian.Uint32(b) {
	case 0x0a0d0d0a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

// readSnapshots reads the kernel counter snapshots of path: a raw snapshot
// directory, a capture (snapshots embedded by smcdump's capture), a JSON
// (lines) snapshot file, or saved tool text. notes report snapshots of a
// capture that could not be decoded (the others are still returned).
func readSnapshots(path string) (snaps []*kstat.Snapshot, fromCapture bool, notes []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, nil, err
	}
	if fi.IsDir() {
		// A directory of raw netlink replies and /proc copies with an
		// index.json (the SMC lab's snapshot layout).
		s, err := kstat.ReadRawDir(os.DirFS(path))
		if err != nil {
			return nil, false, nil, fmt.Errorf("%s: %w", path, err)
		}
		return []*kstat.Snapshot{s}, false, nil, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, false, nil, err
	}
	defer fh.Close()
	head := make([]byte, 6)
	n, _ := io.ReadFull(fh, head)
	if isCapture(head[:n]) {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			return nil, true, nil, fmt.Errorf("%s: %w", path, err)
		}
		defer fr.Close()
		fr.OnCustom = func(cb pcapfile.CustomBlock) {
			s, ok, err := analyze.EmbeddedSnapshot(cb)
			switch {
			case !ok:
			case err != nil:
				notes = append(notes, fmt.Sprintf("snapshot block at offset %d: %v", cb.Offset, err))
			default:
				snaps = append(snaps, s)
			}
		}
		for {
			if _, err := fr.Next(); err != nil {
				if err == io.EOF {
					break
				}
				return snaps, true, notes, fmt.Errorf("%s: %w", path, err)
			}
		}
		for _, p := range fr.Problems() {
			notes = append(notes, fr.ProblemText(p))
		}
		return snaps, true, notes, nil
	}
	b, err := io.ReadAll(io.MultiReader(bytes.NewReader(head[:n]), fh))
	if err != nil {
		return nil, false, nil, err
	}
	snaps, err = kstat.ReadSnapshots(bytes.NewReader(b))
	if err != nil {
		return nil, false, nil, fmt.Errorf("%s: %w", path, err)
	}
	return snaps, false, nil, nil
}

// listSnapshots prints the snapshots of a file with their times.
func listSnapshots(w io.Writer, path string, snaps []*kstat.Snapshot, asJSON bool) error {
	type entry struct {
		N        int    `json:"n"`
		Time     string `json:"time"`
		Hostname string `json:"hostname,omitempty"`
		NetNS    string `json:"netns,omitempty"`
		Sockets  int    `json:"smc_sockets"`
	}
	list := make([]entry, 0, len(snaps))
	for i, s := range snaps {
		n := len(s.SMC.Sockets)
		for _, v := range s.SMC.SocketsOmitted { // left out of a bounded snapshot
			n += v
		}
		list = append(list, entry{i + 1, s.TimeText(), s.Hostname, s.NetNS, n})
	}
	if asJSON {
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	ew := &bytes.Buffer{}
	fmt.Fprintf(ew, "%s: %d kernel counter snapshots\n", path, len(snaps))
	for _, e := range list {
		fmt.Fprintf(ew, "  %3d  %s", e.N, e.Time)
		if e.Hostname != "" {
			fmt.Fprintf(ew, "  %s", e.Hostname)
		}
		if e.NetNS != "" {
			fmt.Fprintf(ew, "  netns %s", e.NetNS)
		}
		fmt.Fprintf(ew, "  %d SMC sockets\n", e.Sockets)
	}
	fmt.Fprintf(ew, "show one with --snapshot first|last|N, the deltas between two with --snapshot N..M\n")
	_, err := w.Write(ew.Bytes())
	return err
}

// pickSnapshots resolves --snapshot: "first", "last", "N" (1-based), or
// "N..M" (deltas from N to M; first/last allowed at both ends).
func pickSnapshots(sel string, n int) (a, b int, delta bool, err error) {
	one := func(x string) (int, error) {
		switch strings.TrimSpace(x) {
		case "first":
			return 0, nil
		case "last":
			return n - 1, nil
		}
		v, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil || v < 1 || v > n {
			return 0, fmt.Errorf("--snapshot %q: want first, last, or a number 1..%d", x, n)
		}
		return v - 1, nil
	}
	if from, to, ok := strings.Cut(sel, ".."); ok {
		if a, err = one(from); err != nil {
			return
		}
		if b, err = one(to); err != nil {
			return
		}
		return a, b, true, nil
	}
	a, err = one(sel)
	return a, a, false, err
}
