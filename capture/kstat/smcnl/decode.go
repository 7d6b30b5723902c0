package smcnl

import (
	"encoding/binary"
	"errors"
)

// NoteModuleAbsent is the note (Snapshot.SMC.Note) when the kernel has no SMC_GEN_NETLINK
// family, i.e. the smc module is not loaded (or not built).
const NoteModuleAbsent = "SMC module not loaded (no SMC_GEN_NETLINK generic netlink family)"

// Reply is the raw reply to one dump command.
type Reply struct {
	Command uint8  // SMC_GEN_NETLINK command, or 0 for smc_diag
	Raw     []byte // netlink messages with nlmsghdr, native byte order
	Errno   int32  // non-zero when the kernel answered with this error
}

// Decode builds the parsed view from raw replies (as collected live by
// package capture/kstat/collect, or read from files). Replies with an errno are skipped. order is the
// producing host's byte order (nil: native).
func Decode(replies []Reply, order binary.ByteOrder) (*Info, error) {
	in := &Info{}
	for _, r := range replies {
		if r.Errno != 0 {
			continue
		}
		if err := in.DecodeReply(r.Command, r.Raw, order); err != nil {
			var ke *KernelError
			if errors.As(err, &ke) {
				continue
			}
			return nil, err
		}
	}
	return in, nil
}
