// Package smcflow follows TCP connections and their SMC handshakes and
// decides each connection's verdict: the SMC option on SYN and SYN-ACK, the
// CLC messages (Proposal, Accept, Confirm, Decline) decoded from the
// reassembled streams, RoCE frames and the SMC-R link they show, and the
// rules of docs/verdicts.md that turn those events into an Outcome, a
// reason, a one-sentence summary, the evidence and a remedy (Conn).
//
// Feed a Tracker every decoded frame in capture order (HandleTCP,
// HandleRoCE, Advance) and call Finish at the end; package analyze does
// that for whole captures, the per-packet printer for live output.
package smcflow
