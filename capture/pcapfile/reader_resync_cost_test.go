package pcapfile

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestResyncCostLinear: a damaged region full of candidate block headers
// (type EPB, a length close to the read buffer's size, a trailing length
// that never matches) must be skipped in time linear in its size. Before
// the resync look-ahead was bounded, every candidate refilled the buffer
// (about 10 s per MB). The deadline (within) is generous: it catches hangs,
// it does not time the reader.
func TestResyncCostLinear(t *testing.T) {
	var b []byte
	b = append(b, shb()...)
	b = append(b, idb(1, 0x80|10, "eth0")...)
	n := uint32(readerBufSize - 4) // ≡ 4 mod 8: the trailing length lands on a type word
	for len(b) < 2<<20 {
		b = binary.LittleEndian.AppendUint32(b, blockEPB)
		b = binary.LittleEndian.AppendUint32(b, n)
	}
	p := filepath.Join(t.TempDir(), "resync.pcapng")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	within(t, p, len(b), func() {
		fr, err := OpenFile(p, nil)
		if err != nil {
			panic(err)
		}
		defer fr.Close()
		for {
			if _, err := fr.Next(); err != nil {
				return
			}
		}
	})
}

// within runs fn and fails the test naming the input if it does not return
// within 5 s + 2 s per MB of input.
func within(t *testing.T, name string, size int, fn func()) {
	t.Helper()
	limit := 5*time.Second + time.Duration(size)*2*time.Second/(1<<20)
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s: panic: %v", name, p)
		}
	case <-time.After(limit):
		t.Fatalf("%s: did not finish within %v (%d bytes): a loop without progress?", name, limit, size)
	}
}
