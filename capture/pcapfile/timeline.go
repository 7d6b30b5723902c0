package pcapfile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time stamps out of line (docs/capture.md §3.3.2). An analysis expires
// state by packet time: a hole in a multicast sequence is lost once it has
// waited a second, an SMC handshake times out after 6 s of capture time, a
// closed connection is finished 5 s after it closed. One frame stamped far
// ahead of the frames around it (a damaged record, a bogus clock) would move
// that clock on and expire everything at once; the frames after it are back
// at their times, so the analysis' time would then go back.
//
// With HoldImplausibleTimes the reader therefore keeps a clock of its own,
// the time of the last frame it returned at its own time, and takes a frame
// whose time is more than JumpThreshold away from it (a jump) only when the
// frames after it confirm it:
//
//   - A frame within JumpThreshold of the clock is returned at once, at its
//     own time (the clock follows it, also a little back).
//   - A jump is held, with the frames after it, until JumpConfirm more
//     frames have been read. A jump ahead is confirmed when none of them is
//     more than JumpThreshold earlier than the latest frame held (time did
//     not go back: a real pause in the traffic); a jump behind is confirmed
//     when all of them are more than JumpThreshold behind the clock too (the
//     capture's clock was set back). The held frames are then returned at
//     their own times and the clock moves.
//   - Otherwise the first frame that contradicts the jump ends it: the held
//     frames more than JumpThreshold from that frame are returned at the
//     clock's time, each noted (once per file and direction, with a count
//     and the frame numbers); those in line with it keep their times. That
//     frame is then judged on its own.
//   - At the end of the file no frame can confirm a jump: the held frames
//     are believed when two or more of them agree (a jump and a frame
//     that did not contradict it), when the jump is at most
//     JumpBelieveAtEnd (a capture left running overnight, a rotation
//     whose next file goes on after a pause) or at most the largest jump
//     the file's frames confirmed before (a sparse capture's own pace);
//     otherwise (one frame alone, further away: a damaged record, a bogus
//     clock) it is returned at the clock's time, noted.
//   - The first frame of a file has no clock to compare with: its time is
//     the clock, tentatively, and it is held until the frame after it is
//     judged. When that frame jumps back more than JumpThreshold and the
//     jump is confirmed, the first frame was ahead of the frames after it:
//     it takes the time of the frame after it, noted. Otherwise it keeps its
//     own (a first frame far in the past expires nothing). A first frame
//     with an implausible time stamp (checkTS, which has no earlier time
//     to hold it at) takes the time of the frame after it.
//
// Frames are never reordered or dropped, only delayed: the frames held are
// copied (their bytes in the read buffer are gone once the next frame is
// read). Interface statistics and custom blocks between them reach OnStats
// and OnCustom before the held frames are returned. Per frame not held the
// cost is one comparison; nothing is allocated.
const (
	// JumpThreshold: a frame further than this from the clock is a jump.
	JumpThreshold = time.Second
	// JumpConfirm is the number of frames after a jump that must agree
	// with it: one or two frames out of line are not believed.
	JumpConfirm = 2
	// JumpBelieveAtEnd is the largest jump of one frame alone believed at
	// the end of a file, where no frame after it can confirm it (unless
	// the file confirmed a larger one before). A week: captures are left
	// running overnight and over weekends, and end with a frame or two
	// long after the traffic; a time stamp damaged at random is years
	// away. (One hour cut real endings: a CLC timeout before a capture's
	// last frame two hours later became "the capture ended", exit 0.)
	JumpBelieveAtEnd = 7 * 24 * time.Hour
	// maxJumpFrames bounds the frame numbers a jump note lists.
	maxJumpFrames = 8
)

const jumpNs = int64(JumpThreshold)

// timeline is the clock of a reader that holds implausible times.
type timeline struct {
	steady bool  // set, and nothing held or queued (settle)
	set    bool  // clock is known
	clock  int64 // ns: the time of the last frame returned at its own time
	// Frames held (copies), each with its block's offset. held[:j] is
	// the file's first frame (j 1) or nothing: its time is the clock,
	// tentatively, until the frame after it is judged. held[j:n] are a
	// jump and the frames after it (j == n: none): ahead, the jump is
	// ahead of the clock; max, the latest time among them; jump, the
	// jump's own time.
	held     [JumpConfirm + 1]Packet
	heldOff  [JumpConfirm + 1]int64
	heldImpl [JumpConfirm + 1]bool // its time stamp was implausible (checkTS)
	n, j     int
	ahead    bool
	max      int64
	jump     int64
	// out[outI:outN]: frames decided, to be returned in order.
	out        [JumpConfirm + 2]*Packet
	outBuf     [JumpConfirm + 1]Packet
	outHeld    [JumpConfirm + 1]bool // outBuf[i] was given another time (TimeHeld)
	outI, outN int
	err        error // what ended reading while frames were held
	paced      int64 // ns: the largest jump confirmed so far
	firstImpl  bool  // the first frame, held, has an implausible time stamp (checkTS)
	aheadNote  jumpNote
	behindNote jumpNote
}

// jumpNote is the note about the frames returned at another time than
// their own, in one direction.
type jumpNote struct {
	n    int    // frames
	idx  int    // the note's index in FileReader.notes, -1 when not kept
	msg  string // the note about the first of them
	more []int  // the frame numbers of the next ones (maxJumpFrames)
}

// How the frames held are released (releaseHeld).
const (
	confirmed    = iota // the jump is confirmed: at their own times
	contradicted        // by a frame: out of line with it, at the clock's time
	atEnd               // the end of the file: believed unless one frame alone jumps further than JumpBelieveAtEnd
)

// nextInTime is Next with time stamps held in line (HoldImplausibleTimes)
// when frames are held or queued, or p (when not nil) is a jump.
func (fr *FileReader) nextInTime(p *Packet) (*Packet, error) {
	tl := &fr.tl
	tl.steady = false
	if p != nil && fr.inLine(p) {
		tl.settle()
		return p, nil
	}
	for {
		if tl.outI < tl.outN {
			p := tl.out[tl.outI]
			tl.out[tl.outI] = nil
			tl.outI++
			tl.settle()
			return p, nil
		}
		tl.outI, tl.outN = 0, 0
		if err := tl.err; err != nil {
			tl.err = nil
			tl.settle()
			return nil, err
		}
		p, err := fr.next()
		if err != nil {
			if tl.n == 0 {
				return nil, err
			}
			fr.releaseHeld(atEnd, 0)
			tl.err = err
			continue
		}
		if fr.inLine(p) {
			tl.settle()
			return p, nil
		}
	}
}

// settle sets steady: nothing is held or queued (Next's one comparison).
func (tl *timeline) settle() {
	tl.steady = tl.set && tl.n == 0 && tl.outI >= tl.outN && tl.err == nil
}

func inJump(d int64) bool { return d <= jumpNs && d >= -jumpNs }

// inLine judges frame p, just read: true when it is returned now, at its
// own time. Otherwise it is held, or it decided what was held, which is
// queued in tl.out (and p after it, when in line).
func (fr *FileReader) inLine(p *Packet) bool {
	tl := &fr.tl
	ns := p.Info.Timestamp.UnixNano()
	switch {
	case tl.n == 0 && tl.set:
		if inJump(ns - tl.clock) {
			tl.clock = ns
			return true
		}
		fr.hold(p, ns, true)
		return false
	case tl.n == 0:
		// The file's first frame: the clock, until the next frame is
		// judged. A first frame whose time stamp is implausible
		// (checkTS: held at the epoch, there being no earlier frame)
		// sets no clock: it takes the time of the frame after it.
		tl.firstImpl = fr.TimeHeld(p)
		tl.set, tl.clock = !tl.firstImpl, ns
		fr.hold(p, ns, false)
		return false
	case tl.j == tl.n && tl.firstImpl:
		// The first frame's time stamp was implausible: it takes p's.
		tl.firstImpl = false
		tl.held[0].Info.Timestamp = p.Info.Timestamp
		tl.set, tl.clock = true, ns
		fr.releaseHeld(confirmed, 0)
	case tl.j == tl.n:
		// The first frame is held, p is the frame after it.
		if !inJump(ns - tl.clock) {
			fr.hold(p, ns, true)
			return false
		}
		fr.releaseHeld(confirmed, 0)
	case tl.ahead && ns < tl.max-jumpNs || !tl.ahead && ns >= tl.clock-jumpNs:
		// p contradicts the jump: it went back (or came back to the
		// clock). p is then judged on its own.
		fr.releaseHeld(contradicted, ns)
	case tl.n-tl.j < JumpConfirm:
		fr.hold(p, ns, false)
		return false
	default:
		// Confirmed: time did not go back (or stayed back) over
		// JumpConfirm frames. p is judged on its own: it may jump
		// further.
		fr.releaseHeld(confirmed, 0)
	}
	if fr.inLine(p) {
		tl.out[tl.outN] = p
		tl.outN++
	}
	return false
}

// hold keeps a copy of p (at ns); jump: p is a jump from the clock.
func (fr *FileReader) hold(p *Packet, ns int64, jump bool) {
	tl := &fr.tl
	if jump {
		tl.j = tl.n
		tl.ahead = ns > tl.clock
		tl.max, tl.jump = ns, ns
	}
	tl.max = max(tl.max, ns)
	q := &tl.held[tl.n]
	*q = *p
	q.Data = append([]byte(nil), p.Data...) // stays valid: never reused
	tl.heldOff[tl.n] = fr.pktOff
	tl.heldImpl[tl.n] = fr.TimeHeld(p)
	tl.n++
	if !jump && tl.n == 1 {
		tl.j = 1
	}
}

// releaseHeld queues the frames held, in order, at the times how decides
// (q: the time of the frame that contradicted the jump). The file's first
// frame keeps its own time, except when the frames after it went back more
// than JumpThreshold and stayed back (confirmed): it was ahead of them and
// takes the time of the frame after it. The jump's frames keep their own
// times when confirmed, when in line with the frame that contradicted the
// jump, or at the end of the file when the jump is at most
// JumpBelieveAtEnd or the largest jump confirmed before; otherwise they
// take the clock's time, noted.
func (fr *FileReader) releaseHeld(how int, q int64) {
	tl := &fr.tl
	d := tl.jump - tl.clock
	if d < 0 {
		d = -d
	}
	if how == confirmed && tl.j < tl.n && (tl.j == 0 || tl.ahead) {
		tl.paced = max(tl.paced, d) // a pause (not a first frame out of line)
	}
	end := how == atEnd && tl.n-tl.j == 1 && d > max(int64(JumpBelieveAtEnd), tl.paced)
	for i := range tl.n {
		h := &tl.outBuf[i]
		*h = tl.held[i]
		tl.held[i] = Packet{}
		tl.outHeld[i] = tl.heldImpl[i]
		ns := h.Info.Timestamp.UnixNano()
		switch {
		case i < tl.j: // the first frame
			if how == confirmed && tl.j < tl.n && !tl.ahead {
				fr.noteJump(tl.heldOff[i], h, tl.jump)
				tl.outHeld[i] = true
			}
		case how == confirmed || how == atEnd && !end || how == contradicted && inJump(ns-q):
			tl.clock = ns
		default:
			fr.noteJump(tl.heldOff[i], h, tl.clock)
			tl.outHeld[i] = true
		}
		tl.out[tl.outN] = h
		tl.outN++
	}
	tl.n, tl.j = 0, 0
}

// TimeHeld reports whether p, the packet Next returned last, was given
// another time than its own with HoldImplausibleTimes: a time stamp out of
// line with the frames around it, or implausible (checkTS). Timing taken
// from such a packet (a delay, a clock offset) is not to be trusted.
func (fr *FileReader) TimeHeld(p *Packet) bool {
	tl := &fr.tl
	for i := range tl.outBuf {
		if p == &tl.outBuf[i] {
			return tl.outHeld[i]
		}
	}
	return p == &fr.pkt && fr.implFrame != 0 && p.Frame == fr.implFrame
}

// noteJump stamps q, held, with time at instead of its own, and notes it:
// the first frame in each direction with a note, the others counted in it.
func (fr *FileReader) noteJump(off int64, q *Packet, at int64) {
	tl := &fr.tl
	own := q.Info.Timestamp
	q.Info.Timestamp = time.Unix(0, at).UTC()
	d := own.Sub(q.Info.Timestamp)
	jn, how := &tl.aheadNote, "ahead of"
	if d < 0 {
		jn, how, d = &tl.behindNote, "behind", -d
	}
	jn.n++
	if jn.n > 1 {
		if len(jn.more) < maxJumpFrames {
			jn.more = append(jn.more, q.Frame)
		}
		return
	}
	jn.idx = -1
	if len(fr.notes) < maxProblems {
		jn.idx = len(fr.notes)
	}
	jn.msg = fmt.Sprintf("frame %d: timestamp %s is %s %s the frames around it; analyzed at %s",
		q.Frame, own.Format(noteTime), jumpSize(d), how, q.Info.Timestamp.Format(noteTime))
	fr.note(off, "%s", jn.msg)
}

const noteTime = "2006-01-02 15:04:05.000000"

// jumpNotes completes the jump notes with the frames counted since.
func (fr *FileReader) jumpNotes() {
	for _, jn := range []*jumpNote{&fr.tl.aheadNote, &fr.tl.behindNote} {
		if jn.n < 2 || jn.idx < 0 {
			continue
		}
		var fs strings.Builder
		for j, f := range jn.more {
			if j > 0 {
				fs.WriteString(", ")
			}
			fs.WriteString(strconv.Itoa(f))
		}
		if jn.n-1 > len(jn.more) {
			fs.WriteString(", …")
		}
		frames := "frames"
		if jn.n == 2 {
			frames = "frame"
		}
		fr.notes[jn.idx].Msg = fmt.Sprintf("%s; likewise %d more %s (%s)", jn.msg, jn.n-1, frames, fs.String())
	}
}

// jumpSize writes a jump's size: in days from two days on, else to the
// millisecond.
func jumpSize(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", (d+12*time.Hour)/(24*time.Hour))
	}
	return d.Round(time.Millisecond).String()
}
