package mcast

import "bytes"

// Format auto-detection (docs/multicast-udp.md section 2, "Auto-detection"
// in 2.2, validity heuristics in 2.1). Each candidate scores the buffered
// datagrams in [0, 1]; the best score wins and is the stream's confidence.

// consecRatio returns the fraction of adjacent pairs whose counters differ
// by exactly 1 (mod 2^bits).
func consecRatio(vals []uint64, ok []bool, bits uint) float64 {
	mask := ^uint64(0)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	pairs, good := 0, 0
	for i := 1; i < len(vals); i++ {
		if !ok[i] || !ok[i-1] {
			continue
		}
		pairs++
		if (vals[i]-vals[i-1])&mask == 1 {
			good++
		}
	}
	if pairs == 0 {
		return 0
	}
	return float64(good) / float64(pairs)
}

// counterScore scores a candidate counter field over adjacent pairs of
// datagrams: a step of +1 counts fully, a step of 2..1024 (datagrams lost
// in between) 0.9, a small step back (reordering) 0.5; a repeat
// (duplicate) or a large jump counts nothing. So a +1 counter keeps a high
// score however much of the stream was lost, where counting +1 steps alone
// fell below the threshold at about 20 % loss over the 8 datagrams
// detection looks at first. A field needs at least two +1 steps, and +1 in
// a sixth of its forward steps or more: a timestamp or byte offset that
// grows by a constant other than 1 is not a counter. (Over 32 datagrams of
// a stream that lost 70 %, the second condition fails about one time in
// fifteen.)
func counterScore(vals []uint64, ok []bool, bits uint) float64 {
	mask := ^uint64(0)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	const near = 1024
	pairs, ones, fwd, back := 0, 0, 0, 0
	for i := 1; i < len(vals); i++ {
		if !ok[i] || !ok[i-1] {
			continue
		}
		pairs++
		switch d := (vals[i] - vals[i-1]) & mask; {
		case d == 1:
			ones++
		case d >= 2 && d <= near:
			fwd++
		case d != 0 && (-d)&mask <= near:
			back++
		}
	}
	if pairs == 0 || ones < 2 || 5*ones < fwd {
		return 0
	}
	return (float64(ones) + 0.9*float64(fwd) + 0.5*float64(back)) / float64(pairs)
}

func detectFormat(items []detItem) (Format, float64) {
	n := len(items)
	if n == 0 {
		return Format{Kind: FormatNone}, 0
	}
	best, bestScore := Format{Kind: FormatNone}, 0.0
	try := func(f Format, s float64) {
		if s > bestScore {
			best, bestScore = f, s
		}
	}
	try(Format{Kind: FormatMtools}, scoreMtools(items))
	rtp, rtpts := scoreRTP(items)
	try(Format{Kind: FormatRTPTS}, rtpts)
	try(Format{Kind: FormatRTP}, rtp)
	try(Format{Kind: FormatTS}, scoreTS(items))
	try(Format{Kind: FormatMold}, scoreMold(items))
	try(Format{Kind: FormatMDP3}, scoreMDP3(items))
	if bestScore < 0.7 {
		f, s := scoreGeneric(items)
		try(f, s)
	}
	return best, bestScore
}

func scoreMtools(items []detItem) float64 {
	var m MtoolsMessage
	good, data, echo := 0, 0, false
	for i := range items {
		if parseMtools(items[i].data, &m) == nil {
			good++
			if m.Kind == MtoolsData || m.Kind == MtoolsEcho {
				data++
			}
			// msend's echo text is a strong signature even with -P payloads
			echo = echo || m.Kind == MtoolsEcho && bytes.Contains(m.Text, []byte("equiv cmd"))
		}
	}
	if data == 0 {
		return 0
	}
	s := 0.99 * float64(good) / float64(len(items))
	if echo {
		s = max(s, 0.9)
	}
	return s
}

func scoreRTP(items []detItem) (rtp, rtpts float64) {
	var h RTPHeader
	vals := make([]uint64, len(items))
	ok := make([]bool, len(items))
	valid, ts := 0, 0
	var ssrc uint32
	for i := range items {
		if parseRTP(items[i].data, !items[i].trunc, &h) != nil {
			continue
		}
		if valid > 0 && h.SSRC != ssrc {
			continue
		}
		ssrc = h.SSRC
		valid++
		vals[i], ok[i] = uint64(h.Seq), true
		if isTS(items[i].data[h.HeaderLen:], items[i].trunc) {
			ts++
		}
	}
	if valid == 0 {
		return 0, 0
	}
	v := float64(valid) / float64(len(items))
	if len(items) == 1 {
		// One datagram has no sequence to check: a valid-looking header
		// alone stays below the default minimum confidence (0.5), as a
		// quarter of DNS messages (ID 0x80xx-0xbfxx) would pass for RTP.
		rtp = 0.45 * v
	} else {
		rtp = 0.45*v + 0.5*consecRatio(vals, ok, 16)
	}
	if ts == valid {
		rtpts = min(1, rtp+0.04)
	}
	return rtp, rtpts
}

func isTS(b []byte, trunc bool) bool { return tsStride(b, trunc) != 0 }

// tsStride returns the TS packet size of a datagram (188, or 204 with
// Reed-Solomon bytes) or 0 if b is not a sequence of TS packets.
func tsStride(b []byte, trunc bool) int {
	for _, n := range [2]int{188, 204} {
		if len(b) < n || (!trunc && len(b)%n != 0) {
			continue
		}
		ok := true
		for p := b; len(p) >= n; p = p[n:] {
			if p[0] != 0x47 {
				ok = false
				break
			}
		}
		if ok {
			return n
		}
	}
	return 0
}

func scoreTS(items []detItem) float64 {
	good := 0
	for i := range items {
		if isTS(items[i].data, items[i].trunc) {
			good++
		}
	}
	return 0.95 * float64(good) / float64(len(items))
}

func scoreMold(items []detItem) float64 {
	var h MoldHeader
	valid := 0
	pairs, good := 0, 0
	var next uint64
	var prevOK bool
	for i := range items {
		if parseMold(items[i].data, !items[i].trunc, &h) != nil {
			prevOK = false
			continue
		}
		valid++
		if prevOK {
			pairs++
			if h.Seq == next {
				good++
			}
		}
		next, prevOK = h.Seq+uint64(h.Count), h.Count != 0xffff
	}
	if valid == 0 {
		return 0
	}
	s := 0.5 * float64(valid) / float64(len(items))
	if pairs > 0 {
		s += 0.48 * float64(good) / float64(pairs)
	}
	return s
}

func scoreMDP3(items []detItem) float64 {
	var h MDP3Header
	vals := make([]uint64, len(items))
	ok := make([]bool, len(items))
	valid := 0
	const y2000, y2100 = 946684800e9, 4102444800e9
	for i := range items {
		if parseMDP3(items[i].data, !items[i].trunc, &h) != nil || h.SendingTime < y2000 || h.SendingTime > y2100 {
			continue
		}
		valid++
		vals[i], ok[i] = uint64(h.MsgSeqNum), true
	}
	if valid == 0 {
		return 0
	}
	return 0.4*float64(valid)/float64(len(items)) + 0.55*consecRatio(vals, ok, 32)
}

// scoreGeneric looks for a +1 counter at offsets 0..12 (u32/u64, BE/LE),
// e.g. iperf2 (int32 BE @0), iperf3 (u32 BE @8), sockperf (u64 BE @0).
func scoreGeneric(items []detItem) (Format, float64) {
	if len(items) < 4 {
		return Format{}, 0
	}
	vals := make([]uint64, len(items))
	ok := make([]bool, len(items))
	var best Format
	bestS := 0.0
	// On a tie the narrower field: a 64-bit big-endian counter below 2^32
	// reads the same as a 32-bit one after four zero bytes. Taken as 32
	// bits, a 64-bit counter's carry at 2^32 is a wrap, which the
	// sequence space follows; taken as 64 bits, a 32-bit counter's wrap
	// would be a jump back.
	for _, w := range []int{4, 8} {
		for off := 0; off <= 12; off += 4 {
			for _, be := range []bool{true, false} {
				f := Format{Kind: FormatOffset, Offset: off, Width: w, BigEndian: be}
				for i := range items {
					vals[i], ok[i] = readCounter(items[i].data, f)
				}
				if s := 0.7 * counterScore(vals, ok, uint(8*w)); s > bestS {
					best, bestS = f, s
				}
			}
		}
	}
	return best, bestS
}
