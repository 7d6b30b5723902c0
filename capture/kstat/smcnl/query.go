package smcnl

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// NoteModuleAbsent is Result.Note when the kernel has no SMC_GEN_NETLINK
// family, i.e. the smc module is not loaded (or not built).
const NoteModuleAbsent = "SMC module not loaded (no SMC_GEN_NETLINK generic netlink family)"

// Reply is the raw reply to one dump command.
type Reply struct {
	Command uint8  // SMC_GEN_NETLINK command, or 0 for smc_diag
	Raw     []byte // netlink messages with nlmsghdr, native byte order
	Errno   int32  // non-zero when the kernel answered with this error
}

// Result is what Query read from the kernel.
type Result struct {
	Available     bool    // the SMC_GEN_NETLINK family exists
	Note          string  // why not, when !Available
	FamilyID      uint16  // dynamic family ID
	FamilyVersion uint8   // family version (1)
	Replies       []Reply // one per command in Commands, in that order
}

// Query issues every dump command in Commands on c and keeps the raw
// replies. A missing family is reported in Result (Available=false), not as
// an error. A command the kernel rejects (older kernels) is recorded with
// its errno. Only transport failures are returned as errors.
func Query(c *genetlink.Conn) (*Result, error) {
	fam, err := c.GetFamily(FamilyName)
	if errors.Is(err, os.ErrNotExist) {
		return &Result{Note: NoteModuleAbsent}, nil
	}
	if err != nil {
		return nil, err
	}
	res := &Result{Available: true, FamilyID: fam.ID, FamilyVersion: fam.Version}
	for _, cmd := range Commands {
		req := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: FamilyVersion}}
		if _, err := c.Send(req, fam.ID, netlink.Request|netlink.Dump); err != nil {
			return nil, err
		}
		_, nmsgs, err := c.Receive()
		r := Reply{Command: cmd}
		if err != nil {
			var en syscall.Errno
			if !errors.As(err, &en) {
				return nil, err
			}
			r.Errno = int32(en)
		}
		r.Raw = reframe(nmsgs)
		res.Replies = append(res.Replies, r)
	}
	return res, nil
}

// QueryDiag dumps all SMC sockets over sock_diag on c (a NETLINK_SOCK_DIAG
// connection) and returns the raw reply. errno is non-zero when the kernel
// refused the dump; ENOENT (2) means no SMC module.
func QueryDiag(c *netlink.Conn) (raw []byte, errno int32, err error) {
	req := netlink.Message{
		Header: netlink.Header{Type: SockDiagByFamily, Flags: netlink.Request | netlink.Dump},
		Data:   DiagRequest(),
	}
	if _, err := c.Send(req); err != nil {
		return nil, 0, err
	}
	msgs, err := c.Receive()
	if err != nil {
		var en syscall.Errno
		if !errors.As(err, &en) {
			return nil, 0, err
		}
		return reframe(msgs), int32(en), nil
	}
	return reframe(msgs), 0, nil
}

func reframe(msgs []netlink.Message) []byte {
	var b []byte
	for _, m := range msgs {
		b = AppendMessage(b, binary.NativeEndian, uint16(m.Header.Type), uint16(m.Header.Flags), m.Header.Sequence, m.Data)
	}
	return b
}

// Decode builds the parsed view from raw replies (Result.Replies, or replies
// read from files). Replies with an errno are skipped. order is the
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
