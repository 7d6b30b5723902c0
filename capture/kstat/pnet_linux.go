//go:build linux

package kstat

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// collectPNET dumps the PNET table (generic netlink family SMC_PNETID,
// command SMC_PNETID_GET, what `smc_pnet -s` shows) and keeps the raw reply.
// A kernel without the family (no smc module) adds nothing; a failed query
// is recorded in s.SourceErrors as source "SMC_PNETID".
func (s *Snapshot) collectPNET() {
	c, err := smcnl.Dial()
	if err != nil {
		return // collectSMC already reported generic netlink trouble
	}
	defer c.Close()
	fam, err := c.GetFamily("SMC_PNETID")
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		s.AddSourceError("SMC_PNETID", StageRead, err.Error())
		return
	}
	req := genetlink.Message{Header: genetlink.Header{Command: 1, Version: 1}} // SMC_PNETID_GET
	if _, err := c.Send(req, fam.ID, netlink.Request|netlink.Dump); err != nil {
		s.AddSourceError("SMC_PNETID", StageRead, err.Error())
		return
	}
	_, msgs, err := c.Receive()
	r := RawSource{Kind: KindGenl, Name: pnetCommand}
	if err != nil {
		var en syscall.Errno
		if !errors.As(err, &en) {
			s.AddSourceError("SMC_PNETID", StageRead, err.Error())
			return
		}
		r.Errno = int32(en)
	}
	for _, m := range msgs {
		r.Bytes = smcnl.AppendMessage(r.Bytes, binary.NativeEndian, uint16(m.Header.Type), uint16(m.Header.Flags), m.Header.Sequence, m.Data)
	}
	s.Raw = append(s.Raw, r)
}
