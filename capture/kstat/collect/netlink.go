package collect

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// Result is what Query read from the kernel.
type Result struct {
	Available     bool          // the SMC_GEN_NETLINK family exists
	Note          string        // why not, when !Available
	FamilyID      uint16        // dynamic family ID
	FamilyVersion uint8         // family version (1)
	Replies       []smcnl.Reply // one per command in smcnl.Commands, in that order
}

// Query issues every dump command in smcnl.Commands on c and keeps the raw
// replies (decode them with smcnl.Decode). A missing family is reported in
// Result (Available=false, Note smcnl.NoteModuleAbsent), not as an error. A
// command the kernel rejects (older kernels) is recorded with its errno.
// Only transport failures are returned as errors.
func Query(c *genetlink.Conn) (*Result, error) {
	fam, err := c.GetFamily(smcnl.FamilyName)
	if errors.Is(err, os.ErrNotExist) {
		return &Result{Note: smcnl.NoteModuleAbsent}, nil
	}
	if err != nil {
		return nil, err
	}
	res := &Result{Available: true, FamilyID: fam.ID, FamilyVersion: fam.Version}
	for _, cmd := range smcnl.Commands {
		req := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: smcnl.FamilyVersion}}
		if _, err := c.Send(req, fam.ID, netlink.Request|netlink.Dump); err != nil {
			return nil, err
		}
		_, nmsgs, err := c.Receive()
		r := smcnl.Reply{Command: cmd}
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
// connection) and returns the raw reply (decode it with smcnl.ParseDiag).
// errno is non-zero when the kernel refused the dump; ENOENT (2) means no
// SMC module.
func QueryDiag(c *netlink.Conn) (raw []byte, errno int32, err error) {
	req := netlink.Message{
		Header: netlink.Header{Type: smcnl.SockDiagByFamily, Flags: netlink.Request | netlink.Dump},
		Data:   smcnl.DiagRequest(),
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

// reframe turns messages read through mdlayher/netlink back into the raw
// bytes the kernel sent (nlmsghdr included, native byte order).
func reframe(msgs []netlink.Message) []byte {
	var b []byte
	for _, m := range msgs {
		b = smcnl.AppendMessage(b, binary.NativeEndian, uint16(m.Header.Type), uint16(m.Header.Flags), m.Header.Sequence, m.Data)
	}
	return b
}
