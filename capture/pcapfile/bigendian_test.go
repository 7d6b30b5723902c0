package pcapfile

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// toBigEndianPcapng rewrites a little-endian pcapng file as the same file
// written by a big-endian host (s390x, where SMC runs on IBM Z, writes
// such files): every block's integer fields and the integer values of the
// options smcdump's files and the recorded traces carry are byte-swapped;
// packet data, strings and custom data stay as they are. A block or option
// it does not know fails the test, so that it never silently passes
// half-converted input.
func toBigEndianPcapng(t *testing.T, le []byte) []byte {
	t.Helper()
	L, B := binary.LittleEndian, binary.BigEndian
	out := make([]byte, 0, len(le))
	u32 := func(b []byte) { B.PutUint32(b, L.Uint32(b)) }
	u16 := func(b []byte) { B.PutUint16(b, L.Uint16(b)) }
	u64 := func(b []byte) { B.PutUint64(b, L.Uint64(b)) }
	// opts swaps an option list in place; val swaps one option's value.
	opts := func(b []byte, val func(code uint16, v []byte)) {
		for len(b) >= 4 {
			code, n := L.Uint16(b), int(L.Uint16(b[2:]))
			u16(b)
			u16(b[2:])
			if code == 0 {
				return
			}
			if 4+n > len(b) {
				t.Fatalf("option %d overruns its block", code)
			}
			switch code {
			case 1: // opt_comment
			case 2988, 2989, 19372, 19373: // custom options: PEN, then data
				u32(b[4:])
			default:
				val(code, b[4:4+n])
			}
			b = b[4+(n+3)&^3:]
		}
	}
	for off := 0; off < len(le); {
		typ, n := L.Uint32(le[off:]), int(L.Uint32(le[off+4:]))
		blk := append([]byte(nil), le[off:off+n]...)
		off += n
		u32(blk)
		u32(blk[4:])
		u32(blk[n-4:])
		body := blk[8 : n-4]
		switch typ {
		case blockSHB:
			u32(body)                                       // byte-order magic
			u16(body[4:])                                   // major
			u16(body[6:])                                   // minor
			u64(body[8:])                                   // section length
			opts(body[16:], func(code uint16, v []byte) {}) // hardware, os, user application: strings
		case blockIDB:
			u16(body)     // link type
			u32(body[4:]) // snaplen
			opts(body[8:], func(code uint16, v []byte) {
				switch code {
				case 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 15: // strings, addresses, bytes
				case 8, 14, 16, 17: // if_speed, if_tsoffset, if_txspeed, if_rxspeed
					u64(v)
				case 10: // if_tzone
					u32(v)
				default:
					t.Fatalf("IDB option %d not known to the converter", code)
				}
			})
		case blockEPB:
			for i := 0; i < 20; i += 4 {
				u32(body[i:]) // interface, time stamp high and low, captured and original length
			}
			capLen := int(B.Uint32(body[12:]))
			opts(body[20+(capLen+3)&^3:], func(code uint16, v []byte) {
				switch code {
				case 2, 6: // epb_flags, epb_queue
					u32(v)
				case 4, 5: // epb_dropcount, epb_packetid
					u64(v)
				case 3, 7: // epb_hash, epb_verdict
				default:
					t.Fatalf("EPB option %d not known to the converter", code)
				}
			})
		case blockISB:
			for i := 0; i < 12; i += 4 {
				u32(body[i:]) // interface, time stamp high and low
			}
			opts(body[12:], func(code uint16, v []byte) {
				switch code {
				case 2, 3: // isb_starttime, isb_endtime: high and low words
					u32(v)
					u32(v[4:])
				case 4, 5, 6, 7, 8:
					u64(v)
				default:
					t.Fatalf("ISB option %d not known to the converter", code)
				}
			})
		case blockCustom, 0x40000BAD:
			u32(body) // PEN; the custom data is opaque
		default:
			t.Fatalf("block type %#x not known to the converter", typ)
		}
		out = append(out, blk...)
	}
	return out
}

type readResult struct {
	Packets  []Packet
	Ifaces   []Interface
	Stats    []InterfaceStats
	Custom   []CustomBlock
	Problems []Problem
}

func readEverything(t *testing.T, b []byte) readResult {
	pkts, fr := readAll(t, b)
	return readResult{pkts, fr.Interfaces(), fr.Stats(), fr.CustomBlocks(), fr.Problems()}
}

// TestBigEndianPcapngReadsAlike reads every pcapng trace of the repository
// (the synthetic scenarios, and the lab's real-kernel traces with their
// kernel-counter snapshots) and the same file rewritten big-endian: the
// packets, interfaces, statistics and custom blocks read must be the same.
// tshark reads a few of the rewritten files too, with the same packet
// count (the converter writes what Wireshark takes for big-endian pcapng).
func TestBigEndianPcapngReadsAlike(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "synthetic", "*.pcapng"))
	lab, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "lab", "out", "*", "*.pcapng"))
	files = append(files, lab...)
	if len(files) < 20 {
		t.Fatalf("only %d traces found", len(files))
	}
	for i, f := range files {
		le, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		be := toBigEndianPcapng(t, le)
		if bytes.Equal(le, be) {
			t.Fatalf("%s: conversion changed nothing", f)
		}
		a, b := readEverything(t, le), readEverything(t, be)
		if i%10 == 0 {
			p := filepath.Join(t.TempDir(), "be.pcapng")
			if err := os.WriteFile(p, be, 0o644); err != nil {
				t.Fatal(err)
			}
			tsharkCount(t, p, len(a.Packets))
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the big-endian file reads differently: %d/%d packets, %d/%d stats, %d/%d custom blocks, problems %v / %v",
				f, len(a.Packets), len(b.Packets), len(a.Stats), len(b.Stats), len(a.Custom), len(b.Custom), a.Problems, b.Problems)
		}
	}
}
