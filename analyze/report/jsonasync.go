package report

import (
	"fmt"
	"runtime/debug"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// The JSON report's connections can be encoded in a goroutine of their
// own (JSONWriter.Go), next to the analysis that lists them: encoding a
// connection record costs about as much as tracking its handshake (on
// corpus C with --json, a quarter of the instructions). The records
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
// been given (analyze.Config.ListedLag). When the caller has sent a batch,
// at most jsonQueue are queued and one is being written, all the earlier
// ones written (in order); with the batch being filled, the records not
// yet written are fewer than jsonBatches·jsonBatch (384: a ring of 383
// fails TestJSONWriterGoLag, 384 passes), and JSONLag keeps a batch to
// spare.
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
// writes them, started at the first connection; Wait and Finish wait for
// it, and one of them must be called once Connection has been (else the
// goroutine is left waiting for more). Each record given to Connection
// (and what it points to) must stay unchanged until JSONLag more
// connections have been given, or Wait is called (analyze.Config.ListedLag
// = JSONLag). Call it before the first Connection.
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

// Wait sends the last batch to the writing goroutine (Go) and waits until
// every connection given is written, as far as it would be had Connection
// written each at once (the output buffer is not flushed): whatever the
// caller writes to the same destination next comes after them, as it
// would without Go. Connection then writes at once; Finish calls Wait.
// It returns the error of a writing goroutine that panicked.
func (j *JSONWriter) Wait() error {
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
