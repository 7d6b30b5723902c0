package report

import (
	"fmt"
	"runtime/debug"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// The JSON report's connections can be encoded in a goroutine of their
// own (JSONWriter.Go), next to the analysis that lists them: encoding a
// connection record costs about as much as tracking its handshake (on
// corpus C, a third of the analyzing goroutine with --json). The records
// travel in batches of jsonBatch, at most jsonQueue of them queued; the
// analysis waits when the writer is that far behind. The order of the
// connections, and so the output, is the same as when Connection encodes
// each at once.
const (
	jsonBatch = 64
	jsonQueue = 4
	// jsonBatches is the number of batches in existence: the queued ones,
	// the one being encoded and the one being filled.
	jsonBatches = jsonQueue + 2
)

// JSONLag is how long a JSONWriter in its own goroutine (Go) needs each
// record it is given to stay valid: until JSONLag more connections have
// been given (analyze.Config.ListedLag). The caller fills batch j only
// once it has a free batch, that is once batch j-jsonBatches has been
// written (batches are written in order), so every record given before
// the jsonBatches·jsonBatch most recent ones has been written; one batch
// more covers the record whose storage is overwritten just before it is
// given.
const JSONLag = (jsonBatches + 1) * jsonBatch

type jsonAsync struct {
	batch   []*smcflow.Conn      // being filled (the caller's side)
	full    chan []*smcflow.Conn // to the writing goroutine, in order
	free    chan []*smcflow.Conn // written batches, for reuse
	done    chan struct{}        // closed when the writing goroutine ends
	running bool
	// The writing goroutine panicked with pv (stack: its stack); the
	// batches after that are not written.
	pv    any
	stack []byte
}

// Go makes Connection hand the connections to a goroutine that encodes and
// writes them, started at the first connection; Finish waits for it. Each
// record given to Connection (and what it points to) must stay unchanged
// until JSONLag more connections have been given, or Finish is called
// (analyze.Config.ListedLag = JSONLag). Call it before the first
// Connection.
func (j *JSONWriter) Go() {
	if j.async != nil || j.started {
		return
	}
	a := &jsonAsync{
		full: make(chan []*smcflow.Conn, jsonQueue),
		free: make(chan []*smcflow.Conn, jsonBatches),
		done: make(chan struct{}),
	}
	for range jsonBatches {
		a.free <- make([]*smcflow.Conn, 0, jsonBatch)
	}
	j.async = a
}

// add queues c, sending the batch when it is full.
func (a *jsonAsync) add(j *JSONWriter, c *smcflow.Conn) {
	if !a.running {
		a.running = true
		go a.run(j)
	}
	if a.batch == nil {
		a.batch = <-a.free
	}
	a.batch = append(a.batch, c)
	if len(a.batch) == cap(a.batch) {
		a.full <- a.batch
		a.batch = nil
	}
}

// jsonBatchHook, when set (tests), is called by the writing goroutine
// before it writes each batch.
var jsonBatchHook func()

// run is the writing goroutine.
func (a *jsonAsync) run(j *JSONWriter) {
	defer close(a.done)
	defer func() {
		if v := recover(); v != nil {
			a.pv, a.stack = v, debug.Stack()
			// Keep taking the batches so that the caller never waits.
			for b := range a.full {
				a.free <- b[:0]
			}
		}
	}()
	for b := range a.full {
		if jsonBatchHook != nil {
			jsonBatchHook()
		}
		for _, c := range b {
			j.encode(c)
		}
		clear(b)
		a.free <- b[:0]
	}
}

// wait sends the last batch and waits until every connection is written.
func (j *JSONWriter) wait() error {
	a := j.async
	if a == nil {
		return nil
	}
	j.async = nil
	if !a.running {
		return nil
	}
	if len(a.batch) > 0 {
		a.full <- a.batch
	}
	close(a.full)
	<-a.done
	if a.pv != nil {
		return fmt.Errorf("report: writing the JSON connection list: %v\n%s", a.pv, a.stack)
	}
	return nil
}
