package procnet

import "bytes"

// DefaultMaxSockets is the number of socket lines a snapshot keeps of each
// of /proc/net/udp, udp6, tcp and tcp6 unless told otherwise. A busy server
// has tens of thousands of TCP sockets: kept whole, each costs about 350
// bytes in every snapshot (the line and its parsed form) and its share of
// the parsing, so a capture that stores a snapshot every ten seconds would
// grow with the host's socket count instead of its traffic (18,000 sockets:
// 6.7 MB and 0.7 s of CPU per snapshot). With this bound the four tables stay
// under about 2 MB on any host, and the tables of a typical multicast
// receiver (tens of UDP sockets) stay whole.
const DefaultMaxSockets = 1024

// KeepSockets bounds the socket table data (the text of /proc/net/udp, udp6,
// tcp or tcp6) to its header and at most max socket lines. The lines that
// explain loss are kept first: those with data queued (a tx_queue or
// rx_queue other than zero) or a drops count other than zero; the other
// lines fill what is left of max in file order. Kept lines stay in file
// order and unchanged. It returns data itself when nothing needs to be left
// out (max < 0: no limit), the number of socket lines left out, and how
// many of those were busy (more busy lines than max): when none were, every
// socket left out had no data queued and no drops.
//
// It reads the columns as ParseSockets does (the header names them) but
// never fails: a line it cannot read is an ordinary line, kept or left out
// by its position, and ParseSockets reports it later. Time is linear in
// len(data); it allocates only the result.
func KeepSockets(data []byte, max int) (_ []byte, omitted, omittedBusy int) {
	if max < 0 {
		return data, 0, 0
	}
	// The header is the first line that is not blank, as for ParseSockets.
	hdrEnd := 0
	for {
		i := bytes.IndexByte(data[hdrEnd:], '\n')
		if i < 0 {
			return data, 0, 0 // a header alone (or nothing)
		}
		blank := len(bytes.TrimSpace(data[hdrEnd:hdrEnd+i])) == 0
		hdrEnd += i + 1
		if !blank {
			break
		}
	}
	dropsCol := -1 // data column of drops (header index - 2, see ParseSockets)
	for i, f := range bytes.Fields(data[:hdrEnd]) {
		if string(f) == "drops" {
			dropsCol = i - 2
		}
	}
	lines, busy := 0, 0
	for rest := data[hdrEnd:]; len(rest) > 0; {
		line, next := cutLine(rest)
		rest = next
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lines++
		if socketBusy(line, dropsCol) {
			busy++
		}
	}
	if lines <= max {
		return data, 0, 0
	}
	idle := max - min(busy, max) // idle lines that still fit
	omittedBusy = busy - min(busy, max)
	busy = min(busy, max)
	out := make([]byte, 0, hdrEnd+(len(data)-hdrEnd)/lines*max+64)
	out = append(out, data[:hdrEnd]...)
	kept := 0
	for rest := data[hdrEnd:]; len(rest) > 0 && kept < max; {
		line, next := cutLine(rest)
		rest = next
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if socketBusy(line, dropsCol) {
			if busy == 0 {
				continue
			}
			busy--
		} else {
			if idle == 0 {
				continue
			}
			idle--
		}
		out = append(out, line...)
		out = append(out, '\n')
		kept++
	}
	return out, lines - kept, omittedBusy
}

// cutLine splits off the first line of b (without its newline).
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// socketBusy reports whether a socket line has data queued (column 4,
// "tx:rx" in hex) or drops other than zero (column dropsCol, decimal; -1:
// none).
func socketBusy(line []byte, dropsCol int) bool {
	col := 0
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		f := line[i:j]
		switch {
		case col == 4:
			for _, c := range f {
				if c != '0' && c != ':' {
					return true
				}
			}
		case col == dropsCol:
			for _, c := range f {
				if c != '0' {
					return true
				}
			}
		}
		col++
		if col > 4 && col > dropsCol {
			return false
		}
		i = j
	}
	return false
}
