// Package correlate joins what a capture showed with what the kernel counted
// over the same window, and names where an SMC fallback or a UDP loss came
// from, with the numbers that support it.
//
// Inputs are two kernel counter snapshots (capture/kstat) that bracket the
// capture, plus the capture's own findings in the types of this package
// ([SMCObserved], [UDPObserved]); this package does not import analyze, the
// analyzer fills these types in. Output is a list of [Verdict] values
// following the table in docs/multicast-udp.md section 5 (UDP) and the fallback
// rules of docs/smc-protocol.md section 7.4 (SMC), plus the datagrams a
// receiving kernel discarded before any socket (discarded-* verdicts: no
// socket, rp_filter, receive errors, group not joined).
//
// A list of verdicts never contradicts itself; [Contradictions] states the
// rules and checks any list (also one read back from a text report with
// [ParseText]).
package correlate
