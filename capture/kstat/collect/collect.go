// Package collect takes kernel counter snapshots live: it queries the SMC
// generic netlink families and smc_diag over netlink sockets and reads the
// /proc files of procnet.Files, inside a chosen network namespace, and
// returns a kstat.Snapshot that keeps every raw byte. Decoding, rendering and
// diffing snapshots live in package kstat, which links no netlink code: an
// analysis of files never imports this package.
package collect

import (
	"context"

	"github.com/smcdump/smcdump/capture/kstat"
)

// Options configures Collect.
type Options struct {
	// NetNS names a network namespace (/run/netns/NAME) to snapshot; ""
	// means the caller's namespace.
	NetNS string
	// SkipSMC leaves out the SMC netlink queries.
	SkipSMC bool
	// ProcRoot, when set, is a directory read instead of the live /proc for
	// the files of procnet.Files (a copy of /proc, or a test tree).
	ProcRoot string
	// MaxSockets bounds the sockets kept of each of /proc/net/udp, udp6,
	// tcp and tcp6, those with data queued or drops first
	// (procnet.KeepSockets), and of the smc_diag reply, those that fell
	// back to TCP first (smcnl.KeepDiag); the snapshot counts what it left
	// out. 0 means procnet.DefaultMaxSockets, a negative value no bound.
	MaxSockets int
}

// Collect takes a snapshot now: SMC generic netlink state and smc_diag
// sockets, and the /proc files of procnet.Files, all from the network
// namespace opts.NetNS. Raw bytes are kept in Snapshot.Raw and the parsed
// view is built from them. An absent SMC module is reported in
// Snapshot.SMC.Note, not as an error. Linux only.
//
// Every source is independent: a /proc file that is missing (unless
// procnet.Optional), unreadable, empty or malformed, or a failed netlink
// query, is recorded in Snapshot.SourceErrors and the others are still
// collected. Snapshot.Failed reports that no source could be used. The
// error is for the namespace switch and cancellation only.
func Collect(ctx context.Context, opts Options) (*kstat.Snapshot, error) {
	return collect(ctx, opts)
}
