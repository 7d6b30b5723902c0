package session

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// recorder stores kernel-counter snapshots in the output file: one taken
// before the capture starts, one every interval, one at each rotation (it
// ends the old file and starts the new one, see
// pcapfile.OutputConfig.Snapshot) and one when the capture stops, so every
// file's packets lie between its first and its last snapshot.
type recorder struct {
	take     func(ctx context.Context) ([]byte, error)
	interval time.Duration
	warn     func(error)
	out      *pcapfile.Output
	stopCh   chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	warned   bool
}

func newRecorder(take func(context.Context) ([]byte, error), interval time.Duration, warn func(error)) *recorder {
	return &recorder{take: take, interval: interval, warn: warn, stopCh: make(chan struct{})}
}

// snapshot takes one snapshot (nil on failure, reported once).
func (k *recorder) snapshot() []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := k.take(ctx)
	if err != nil {
		k.mu.Lock()
		if !k.warned && k.warn != nil {
			k.warn(err)
			k.warned = true
		}
		k.mu.Unlock()
		return nil
	}
	return b
}

// boundary is pcapfile.OutputConfig.Snapshot: a snapshot and the time it
// was taken (its taken_at, the time the counters start being read).
func (k *recorder) boundary() ([]byte, time.Time, bool) {
	b := k.snapshot()
	if b == nil {
		return nil, time.Time{}, false
	}
	var s struct {
		TakenAt time.Time `json:"taken_at"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.TakenAt.IsZero() {
		return nil, time.Time{}, false
	}
	return b, s.TakenAt, true
}

// start writes first (the snapshot taken before the capture started) and
// starts the periodic snapshots.
func (k *recorder) start(out *pcapfile.Output, first []byte) {
	k.out = out
	if first != nil {
		_ = out.WriteKstat(first)
	}
	if k.interval <= 0 {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		tk := time.NewTicker(k.interval)
		defer tk.Stop()
		for {
			select {
			case <-k.stopCh:
				return
			case <-tk.C:
				if b := k.snapshot(); b != nil {
					if err := out.WriteKstat(b); err != nil && !errors.Is(err, pcapfile.ErrFileLimit) {
						return
					}
				}
			}
		}
	}()
}

// stop writes the final snapshot into the last file (also after the -W
// limit ended the capture); call before the Output is closed.
func (k *recorder) stop() {
	close(k.stopCh)
	k.wg.Wait()
	if k.out == nil {
		return
	}
	if b := k.snapshot(); b != nil {
		_ = k.out.WriteKstat(b)
	}
}
