// Package mcast finds lost, duplicated and reordered datagrams in UDP streams
// (multicast and unicast) read from a capture.
//
// The caller (package analyze) decodes link, IP and UDP headers and hands
// every UDP datagram to a Tracker as a Datagram. The Tracker groups datagrams
// into streams keyed by source, destination (group), ports, VLAN and capture
// interface, keeps per-stream counters and inter-arrival statistics, detects
// (or is told) the sequence format of each stream and runs a gap detector on
// the extracted sequence numbers. Report returns a deterministic summary that
// renders as text (WriteText) or JSON (encoding/json, stable field names).
//
// # Sequence formats
//
// The formats and their wire layouts follow docs/multicast-udp.md, section 2:
//
//   - mtools, mtools-dec: Informatica msend, ASCII "Message <n>" at offset 0
//     with the counter at offset 8 (hex by default, decimal with msend -d),
//     "echo ..." and "stat <N>" control datagrams (section 1.3, 1.9).
//   - rtp: RTP sequence number (u16 BE at 2), extended across wraps, one
//     sequence space per SSRC, RFC 3550 A.1 rules (section 2.1).
//   - ts: MPEG-TS continuity counter per PID, bare over UDP (section 2.2),
//     188- or 204-byte packets; whole duplicated datagrams are removed
//     first; loss is counted in TS packets (mod 16 per PID).
//   - rtp-ts: RTP carrying MPEG-TS (RFC 2250): loss is counted on the RTP
//     sequence; the TS CC check runs only across in-order RTP datagrams, so
//     its errors show loss inside the TS that RTP does not explain.
//   - moldudp64: Nasdaq MoldUDP64, session + u64 BE sequence + u16 BE count.
//   - mdp3: CME MDP 3.0 binary packet header, u32 LE MsgSeqNum at 0.
//   - offset:O:W:be|le: a generic counter of W bytes (1, 2, 4, 8) at offset O.
//   - none: count packets only.
//
// # Gap detection
//
// Each sequence space keeps the highest sequence number seen and a bounded,
// sorted list of open holes. A hole is a range skipped by a forward jump; a
// datagram that later fills (part of) a hole is counted as reordered ("late
// arrival is not loss"). A hole becomes a reported gap when the highest
// sequence moves more than the reorder window beyond it, when too many holes
// are open, or when the report is built. A datagram at or below the highest
// sequence that does not fill a hole is a duplicate. Large backward or
// forward jumps are treated as a sender restart (reset) once the next
// datagram continues from the new value (RFC 3550 A.1's "bad sequence"
// rule), never as a huge gap. Memory per stream is bounded and independent of
// the number of packets.
//
// # Capture drops
//
// AddCaptureDrop records the capture's own drop counters (pcapng Interface
// Statistics Blocks). Each reported gap shows how many packets the capture
// itself dropped on the stream's interface in a window covering the gap, so a
// capture artefact can be told from loss on the network (section 5, row 9).
//
// # A/B legs
//
// Streams carrying the same payloads at the same sequence numbers (sampled
// every 16th number) are paired automatically; Config.Pairs pairs streams by
// selector (--pair A,B). A Pair reports the loss on each leg and the ranges
// missing on both legs, which is the loss the application sees
// (docs/multicast-udp.md section 2.3, SMPTE 2022-7).
//
// # Retransmission flows
//
// An RTP retransmission flow (RFC 4588 RTX with its own SSRC or session and
// the original sequence number in its first two payload bytes; RIST TR-06-1,
// which resends the packet verbatim with SSRC|1) is recognised from the
// numbers it carries falling in the primary flow's gaps. Report.Retransmissions
// gives, per protected flow, the units lost on the primary, those recovered
// by retransmission with the delay from the gap's revealing datagram to the
// retransmission, and the unrecoverable rest; the retransmission flow's own
// numbering has no gaps and adds nothing to the loss (rtx.go).
//
// # Snaplen
//
// A datagram cut by the snaplen is never counted as lost. A stream whose
// captured bytes hold no sequence number has Stream.SnaplenCut with
// sequence_analysis "impossible"; cut datagrams without their number inside a
// sequenced stream fill the gaps they arrived in (gap verdict "snaplen").
//
// # Analyzing an mtools feed
//
// Capture on the receiver while msend runs (the capture must include the
// "echo" datagram that msend sends one second before the data and, with
// msend -s, the final "stat N"), then run the analyzer on the file; the
// stream is detected as mtools. Each msend run is a session: the expected
// counter restarts at 0 at every echo (so a lost "Message 0" is a gap), the
// counter radix comes from the echo text (-d means decimal) or is inferred,
// and "stat N" both reveals loss at the end of the run and is compared with
// what was captured. With msend -P (no counter) only the stat total can show
// loss. Use --seq GROUP:PORT=mtools-dec when the echo is missing and the
// counter is decimal.
//
// Reading the report: a gap in a capture taken on the receiver means the
// datagrams were lost before the capture tap (network, NIC ring, sender) or
// by the capture itself; the gap's verdict says which when the capture's drop
// counters are known ("capture" = capture artefact, "network" = the capture
// dropped nothing in that window). If the capture is complete but the
// application (mdump) still reports loss, the loss happened after the tap:
// compare with the receiver's Udp RcvbufErrors (docs section 5).
// Duplicates and reordered datagrams are listed separately and never reduce
// the loss count.
//
// # Ownership
//
// Tracker.Add never retains Datagram.Payload; it copies what it keeps.
// A Tracker is not safe for concurrent use.
package mcast
