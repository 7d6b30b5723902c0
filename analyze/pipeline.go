package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/prefetch"
)

// Reading a capture file in two goroutines (Config.Threads): the reading
// goroutine reads the file (the read system calls, which copy it) and walks
// its records (capture/pcapfile), counts and filters the frames; the
// calling goroutine decodes and analyzes them (connection tracking, UDP
// streams, callbacks) in file order.
//
// What crosses between the two processors is kept small: a frame travels
// as its pcapfile.Packet packed into one 64-byte item (pipeItem), not
// decoded. Decoding on the reading side instead (a 430-byte item per frame,
// written by one processor and read by the other) cost 40 % more CPU than
// one goroutine on the issue-14 corpora, all of it in moving those cache
// lines between the processors; decoding into the analyzing side's own
// frame keeps it in that processor's cache.
//
// The frames are not copied after the read. The file is read into buffers
// that the file reader hands off when it must read past their end, instead
// of sliding the unread bytes over frames already returned
// (FileReader.SetBufferSwap; a regular file is mapped instead, a window at
// a time, where pcapfile.MapAuto finds that cheaper). Frames travel in batches of
// frames and in-file events (interface statistics and custom blocks, which
// the sequential reader handles within Next, and the interfaces as they are
// described) in file order; the batch that closes a window or buffer
// carries it, and the analyzing side unmaps or recycles it once it has
// analyzed that batch.
//
// Memory is fixed: pipeBatches batches of pipeBatchItems items (64 KiB of
// items each), and either pipeChunks read buffers of the file reader's size
// (1 MiB from OpenFile) or at most pipeWindows+1 mapped windows of 4 MiB
// (the reader's, and those whose frames are still being analyzed: the
// reader hands its window off, waiting for one to be unmapped, before it
// maps the next); windows and buffers are larger only while blocks larger
// than them are read. Nothing is allocated per frame. One window handed
// off is enough: the reader only waits when it leaves its window while the
// analyzing side is still a whole window behind (the batches in flight
// hold at most 16,384 frames: a quarter of a window of 60-byte frames,
// more than a window of long ones, when the reader waits for the window
// and the read buffers bound what is in flight).
// Mapped pages count in the resident set: 8 MiB windows (16 MiB mapped)
// were measured 2% faster in wall time than 4 MiB with three handed off;
// 4 MiB with one handed off (8 MiB mapped) measured the same CPU time as
// 8 MiB on corpus B (--json, 5 runs each, 0.73 s against 0.75 s), and
// keep peak RSS 8 MiB lower (docs/architecture.md "Memory bounds").
const (
	pipeBatches = 16 // batches in flight (queued, being filled or analyzed)
	pipeChunks  = 4  // read buffers in use, the file reader's own included
	pipeWindows = 1  // mapped windows handed off and not yet unmapped
	// pipeFreeGroup: the analyzing side returns analyzed batches this many
	// at a time while more are queued (readParallel).
	pipeFreeGroup = pipeBatches / 2
)

// The analyzing side prefetches the first pipePrefetchBytes of the frame
// pipePrefetch items ahead of the one it analyzes: the reading goroutine's
// read system call wrote them, so they are in the other processor's
// cache, and decoding them waited on the transfer (decode.Decode 6 % of
// the CPU on corpus C, 1 % with one goroutine). Measured on corpus C
// (medians of 7): 4 ahead 0.596 s CPU, 8: 0.588 s, 16: 0.592 s, 32:
// 0.601 s, none: 0.625 s.
const (
	pipePrefetchW     = 8
	pipePrefetch      = 16
	pipePrefetchBytes = 128 // link, IP and TCP headers and the start of a CLC message
)

// pipeBatchItems is the number of frames and events per batch (a variable
// for tests). Each hand-over between the goroutines that finds the other
// waiting costs a wake-up and, on the waiting side, the scheduler's spin
// before it sleeps: with 256 items a million closed handshakes (analysis
// the slower side) spent 6 % of their CPU in futex and the scheduler,
// 1 % with 1024.
var pipeBatchItems = 1024

// parallel reports whether files are read in a second goroutine.
func (a *Analyzer) parallel() bool { return a.cfg.Parallel() }

// Parallel reports whether the configuration reads capture files in a
// second goroutine (Threads; the default when GOMAXPROCS is above 1).
func (c *Config) Parallel() bool {
	switch {
	case c.Threads == 1:
		return false
	case c.Threads > 1:
		return true
	}
	return runtime.GOMAXPROCS(0) > 1
}

type pipeKind uint8

const (
	pipeFrame  pipeKind = iota // the item is the frame (pipeItem.set)
	pipePacket                 // batch.pkts[aux] is the frame
	pipeStats                  // batch.stats[aux]
	pipeCustom                 // batch.custom[aux]
	pipeIface                  // batch.ifs[aux] is the file's next interface
)

// pipeItem is a frame or an event, one cache line: the fields of the
// frame's pcapfile.Packet, packed (the Packet itself is about 130 bytes).
// Writing the items costs the reading goroutine its store buffer (each
// line was last read by the other processor); at 136 bytes per frame that
// was 15 % of the CPU on corpus C (perf: the store after them, in
// pcapfile's nextPcap). Items of 32 bytes, two to a line (the frame
// number and interface name left to the analyzing side), measured no
// better than these (15 paired runs of bench/ab.sh on corpora A, B and C,
// 2026-12-06: 1–5 % more CPU, within the noise). A frame whose Packet does
// not fit (set returns false) travels whole in batch.pkts.
type pipeItem struct {
	data   unsafe.Pointer // Packet.Data's first byte
	frame  int
	sec    int64 // Info.Timestamp
	iface  string
	nsec   int32
	dlen   uint32 // len(Data) and Info.CaptureLength
	length uint32 // Info.Length
	aux    uint32 // Info.InterfaceIndex; the index of the event or Packet in the batch
	lt     pcapfile.LinkType
	dir    pcapfile.Direction
	kind   pipeKind
}

// set packs p into it, or reports that it does not fit. (Timestamps read
// from files carry no monotonic clock reading, which it would drop.)
func (it *pipeItem) set(p *pcapfile.Packet) bool {
	if p.Info.CaptureLength != len(p.Data) || uint64(len(p.Data)) > math.MaxUint32 ||
		p.Info.Length < 0 || uint64(p.Info.Length) > math.MaxUint32 ||
		p.Info.InterfaceIndex < 0 || uint64(p.Info.InterfaceIndex) > math.MaxUint32 ||
		p.KernelIfindex != 0 || p.Info.Timestamp.Location() != time.UTC {
		return false
	}
	it.data = unsafe.Pointer(unsafe.SliceData(p.Data))
	it.frame = p.Frame
	it.sec, it.nsec = p.Info.Timestamp.Unix(), int32(p.Info.Timestamp.Nanosecond())
	it.iface = p.Interface
	it.dlen, it.length, it.aux = uint32(len(p.Data)), uint32(p.Info.Length), uint32(p.Info.InterfaceIndex)
	it.lt, it.dir = p.LinkType, p.Direction
	return true
}

// packet unpacks it into p.
func (it *pipeItem) packet(p *pcapfile.Packet) {
	var data []byte
	if it.data != nil {
		data = unsafe.Slice((*byte)(it.data), it.dlen)
	}
	p.Set(it.frame, time.Unix(it.sec, int64(it.nsec)).UTC(), int(it.dlen), int(it.length), int(it.aux), it.lt, it.iface, it.dir, 0, data)
}

type pipeBatch struct {
	items  []pipeItem
	pkts   []pcapfile.Packet
	stats  []pcapfile.InterfaceStats
	custom []pcapfile.CustomBlock
	ifs    []pcapfile.Interface
	// chunk is the read buffer the frames of this and earlier batches
	// point into, free once this batch has been analyzed (nil when the
	// reader still uses it); release, when set, unmaps it instead (a
	// window of a mapped file).
	chunk   []byte
	release func()

	// The last batch of the file: how reading ended.
	end   bool
	abort bool  // err leaves the file's summary out (a filter error)
	err   error // reading stopped on it (nil: end of file)
	pv    any   // the reading goroutine panicked with this value
	stack []byte
}

// reset empties b for reuse. The items are overwritten, not cleared (that
// would cost as much as decoding): their stale pointers only keep buffers
// of this file alive, which are reused anyway.
func (b *pipeBatch) reset() {
	clear(b.custom)
	clear(b.pkts)
	b.items, b.pkts, b.stats, b.custom, b.ifs = b.items[:0], b.pkts[:0], b.stats[:0], b.custom[:0], b.ifs[:0]
}

// pipeline is one file being read in a second goroutine.
type pipeline struct {
	fr     *pcapfile.FileReader
	full   chan *pipeBatch // to the analyzing side, in file order
	free   chan *pipeBatch // analyzed batches, for reuse
	chunks chan []byte     // read buffers no frame points into
	// windows holds a token per mapped window handed off and not yet
	// unmapped.
	windows chan struct{}
	done    chan struct{} // closed when the analyzing side returns

	// reading side
	cur  *pipeBatch // batch being filled
	nb   int        // batches made
	nc   int        // read buffers made (the file reader's own included)
	sent int        // interfaces of the file sent to the analyzing side

	// analyzing side
	ifs []pcapfile.Interface // the file's interfaces as far as the current item
}

// stopReading is the panic that unwinds the reading goroutine when the
// analyzing side has returned (it panicked) and will not take more.
type stopReading struct{}

// ReaderPanic is the panic value the analyzing goroutine re-raises when
// the goroutine reading a file panicked (Config.Threads).
type ReaderPanic struct {
	Value any    // the value the reading goroutine panicked with
	Stack []byte // its stack at the panic
}

func (p *ReaderPanic) Error() string {
	return fmt.Sprintf("%v [in the goroutine reading the capture]\n\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic value when it is an error.
func (p *ReaderPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// readParallel reads fr in a second goroutine and analyzes its frames in
// this one, as readSequential does in one.
func (a *Analyzer) readParallel(ctx context.Context, name string, fileIdx int, fi *report.FileInfo, fr *pcapfile.FileReader, undecoded map[string]int, rs *readState) (abort bool, err error) {
	pl := &pipeline{
		fr:      fr,
		full:    make(chan *pipeBatch, pipeBatches),
		free:    make(chan *pipeBatch, pipeBatches),
		chunks:  make(chan []byte, pipeChunks),
		windows: make(chan struct{}, pipeWindows),
		done:    make(chan struct{}),
		nc:      1,
	}
	fr.OnStats = pl.addStats
	fr.OnCustom = pl.addCustom
	fr.SetBufferSwap(pl.swap)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pl.read(ctx, name, withInner(a.cfg.Filter), fileGuard(a.cfg.Filter, pl.fr), fi, rs)
	}()
	a.pipe = pl
	// A mapped file that is cut short while being read faults (SIGBUS)
	// where it was mapped: in either goroutine, that is a panic with the
	// fault address, turned into an error (see faultErr).
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		// Also when analyzing panicked: the reading goroutine stops at
		// its next batch and is waited for, so that nothing uses fr after
		// this returns.
		a.pipe = nil
		close(pl.done)
		wg.Wait()
		// The read buffers no frame points into go back for the next
		// file (a rotation of small files allocated them per file).
		for len(pl.chunks) > 0 {
			pcapfile.PutReadBuffer(<-pl.chunks)
		}
		fr.SetBufferSwap(nil)
		fr.OnStats = func(st pcapfile.InterfaceStats) { a.onStats(fileIdx, fr.Interfaces(), st) }
		fr.OnCustom = func(cb pcapfile.CustomBlock) { a.onCustom(name, fileIdx, cb) }
	}()
	defer func() {
		if v := recover(); v != nil {
			if e := faultErr(name, v); e != nil {
				abort, err = false, e
				return
			}
			panic(v)
		}
	}()
	var heldBuf [pipeBatches]*pipeBatch
	held := heldBuf[:0]
	for {
		b := <-pl.full
		for i := range b.items {
			if j := i + pipePrefetch; j < len(b.items) && b.items[j].data != nil {
				prefetch.Addr((*byte)(b.items[j].data), int(min(b.items[j].dlen, pipePrefetchBytes)))
			}
			it := &b.items[i]
			switch it.kind {
			case pipeFrame:
				it.packet(&a.pkt)
				decode.DecodeInner(a.pkt.LinkType, a.pkt.Data, &a.f)
				a.track(fi, undecoded, &a.pkt, &a.f)
			case pipePacket:
				p := &b.pkts[it.aux]
				decode.DecodeInner(p.LinkType, p.Data, &a.f)
				a.track(fi, undecoded, p, &a.f)
			case pipeStats:
				a.onStats(fileIdx, pl.ifs, b.stats[it.aux])
			case pipeCustom:
				a.onCustom(name, fileIdx, b.custom[it.aux])
			case pipeIface:
				pl.ifs = append(pl.ifs, b.ifs[it.aux])
			}
		}
		switch {
		case b.release != nil:
			b.release()
			<-pl.windows
		case b.chunk != nil:
			pl.chunks <- b.chunk // never blocks: room for every buffer made
		}
		b.chunk, b.release = nil, nil
		if b.end {
			if b.pv != nil {
				panic(&ReaderPanic{Value: b.pv, Stack: b.stack})
			}
			return b.abort, b.err
		}
		b.reset()
		// Analyzed batches go back in groups (pipeFreeGroup), not one by
		// one, when the reading side is ahead: it then waits for free
		// batches, and waking it for each one cost a wake-up and a sleep
		// per batch on both sides (futex 6 % of the CPU on a million
		// handshakes, where this side is the slower one). They are all
		// returned as soon as few batches are left queued, so that the
		// reading side refills the queue before this side runs dry (when
		// the two sides are about as fast, as on bulk TCP, returning them
		// only once the queue was empty cost wall time), and so always
		// before this side waits.
		held = append(held, b)
		if len(held) >= pipeFreeGroup || len(pl.full) <= pipeBatches/4 {
			for i, h := range held {
				pl.free <- h // never blocks: room for every batch made
				held[i] = nil
			}
			held = held[:0]
		}
	}
}

// read is the reading goroutine: readSequential's loop, with the frames
// sent to the analyzing side instead of analyzed. It always ends with a
// last batch (end), unless the analyzing side has returned.
func (pl *pipeline) read(ctx context.Context, name string, flt FrameFilter, guard *bpffilter.FileGuard, fi *report.FileInfo, rs *readState) {
	debug.SetPanicOnFault(true) // this goroutine's own setting
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopReading); ok {
				return
			}
			if e := faultErr(name, v); e != nil {
				pl.sendLast(func(b *pipeBatch) { b.end, b.err = true, e })
				return
			}
			stack := debug.Stack()
			pl.sendLast(func(b *pipeBatch) { b.end, b.pv, b.stack = true, v, stack })
		}
	}()
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				pl.end(false, err)
				return
			}
		}
		p, err := pl.fr.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if err = endFilter(guard, fi); err != nil {
					pl.end(true, err)
					return
				}
			}
			pl.end(false, err)
			return
		}
		rs.read(fi, p)
		if flt != nil {
			ok, err := matchFrame(guard, flt, p, fi)
			if err != nil {
				pl.end(true, filterErr(p, err))
				return
			}
			if !ok {
				fi.Filtered++
				continue
			}
		}
		if it := pl.add(pipeFrame); !it.set(p) {
			it.kind = pipePacket
			pl.cur.pkts = append(pl.cur.pkts, *p)
			it.aux = uint32(len(pl.cur.pkts) - 1)
		}
	}
}

// sendLast sends the last batch, set by set, after the reading goroutine
// panicked.
func (pl *pipeline) sendLast(set func(*pipeBatch)) {
	defer func() { _ = recover() }() // stopReading: nobody to tell
	set(pl.batch())
	pl.flush()
}

// faultErr returns the error for a panic v that is a memory fault at an
// address (debug.SetPanicOnFault): the mapped capture file was cut short
// while being read. It returns nil for any other panic.
func faultErr(name string, v any) error {
	f, ok := v.(interface{ Addr() uintptr })
	if !ok {
		return nil
	}
	if name != "" {
		name += ": "
	}
	return fmt.Errorf("%sthe file changed while being read (cut short?): memory fault at %#x", name, f.Addr())
}

// batch returns the batch being filled, waiting for one when all are in
// flight.
func (pl *pipeline) batch() *pipeBatch {
	if pl.cur != nil {
		return pl.cur
	}
	select {
	case pl.cur = <-pl.free:
	default:
		if pl.nb < pipeBatches {
			pl.nb++
			pl.cur = &pipeBatch{items: make([]pipeItem, 0, pipeBatchItems)}
			break
		}
		select {
		case pl.cur = <-pl.free:
		case <-pl.done:
			panic(stopReading{})
		}
	}
	return pl.cur
}

// flush sends the batch being filled to the analyzing side.
func (pl *pipeline) flush() {
	select {
	case pl.full <- pl.batch():
		pl.cur = nil
	case <-pl.done:
		panic(stopReading{})
	}
}

// item appends an item to the batch being filled, sending it first when
// full.
func (pl *pipeline) item(kind pipeKind) *pipeItem {
	b := pl.batch()
	if len(b.items) == cap(b.items) {
		pl.flush()
		b = pl.batch()
	}
	n := len(b.items)
	if n+pipePrefetchW < cap(b.items) {
		prefetch.AddrW((*byte)(unsafe.Pointer(&b.items[:cap(b.items)][n+pipePrefetchW])), 1)
	}
	b.items = b.items[:n+1]
	it := &b.items[n]
	it.kind, it.aux = kind, 0
	return it
}

// add appends an item after the interfaces described since the last one
// (which the analyzing side needs from then on).
func (pl *pipeline) add(kind pipeKind) *pipeItem {
	if ifs := pl.fr.Interfaces(); pl.sent < len(ifs) {
		for ; pl.sent < len(ifs); pl.sent++ {
			it := pl.item(pipeIface)
			pl.cur.ifs = append(pl.cur.ifs, ifs[pl.sent])
			it.aux = uint32(len(pl.cur.ifs) - 1)
		}
	}
	return pl.item(kind)
}

func (pl *pipeline) addStats(st pcapfile.InterfaceStats) {
	it := pl.add(pipeStats)
	pl.cur.stats = append(pl.cur.stats, st)
	it.aux = uint32(len(pl.cur.stats) - 1)
}

func (pl *pipeline) addCustom(cb pcapfile.CustomBlock) {
	it := pl.add(pipeCustom)
	pl.cur.custom = append(pl.cur.custom, cb)
	it.aux = uint32(len(pl.cur.custom) - 1)
}

// end sends the last batch.
func (pl *pipeline) end(abort bool, err error) {
	b := pl.batch()
	b.end, b.abort, b.err = true, abort, err
	pl.flush()
}

// swap is the file reader's buffer swap: the buffer it leaves goes with the
// batch being filled (the last one whose frames point into it), and it
// gets one the analyzing side is done with, or a new one while fewer than
// pipeChunks exist.
func (pl *pipeline) swap(old []byte, release func(), min int) []byte {
	if release != nil {
		// A window of a mapped file: wait until fewer than pipeWindows
		// are being analyzed (the reader has mapped the next already).
		select {
		case pl.windows <- struct{}{}:
		case <-pl.done:
			panic(stopReading{})
		}
	}
	b := pl.batch()
	b.chunk, b.release = old, release
	pl.flush()
	if min == 0 {
		return nil // nothing to give back
	}
	for {
		var c []byte
		select {
		case c = <-pl.chunks:
		default:
			if pl.nc < pipeChunks {
				pl.nc++
				return pcapfile.GetReadBuffer(min)
			}
			select {
			case c = <-pl.chunks:
			case <-pl.done:
				panic(stopReading{})
			}
		}
		if cap(c) >= min {
			return c[:cap(c)]
		}
		pl.nc-- // smaller than the block to read: dropped
	}
}
