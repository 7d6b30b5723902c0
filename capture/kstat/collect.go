package kstat

import "context"

// Options configures Collect.
type Options struct {
	// NetNS names a network namespace (/run/netns/NAME) to snapshot; ""
	// means the caller's namespace.
	NetNS string
	// SkipSMC leaves out the SMC netlink queries.
	SkipSMC bool
}

// Collect takes a snapshot now: SMC generic netlink state and smc_diag
// sockets, and the /proc files of procnet.Files, all from the network
// namespace opts.NetNS. Raw bytes are kept in Snapshot.Raw and the parsed
// view is built from them. An absent SMC module is reported in
// Snapshot.SMC.Note, not as an error. Linux only.
func Collect(ctx context.Context, opts Options) (*Snapshot, error) {
	return collect(ctx, opts)
}
