//go:build linux

package collect

import (
	"errors"
	"os"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// collectPNET dumps the PNET table (generic netlink family SMC_PNETID,
// command SMC_PNETID_GET, what `smc_pnet -s` shows) and keeps the raw reply.
// A kernel without the family (no smc module) adds nothing; a failed query
// is recorded in s.SourceErrors as source "SMC_PNETID".
func collectPNET(s *kstat.Snapshot) {
	c, err := Dial()
	if err != nil {
		return // collectSMC already reported generic netlink trouble
	}
	defer c.Close()
	fam, err := c.GetFamily(smcnl.PNETIDFamilyName)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		s.AddSourceError("SMC_PNETID", kstat.StageRead, err.Error())
		return
	}
	req := genetlink.Message{Header: genetlink.Header{Command: smcnl.PNETIDCmdGet, Version: 1}}
	if _, err := c.Send(req, fam.ID, netlink.Request|netlink.Dump); err != nil {
		s.AddSourceError("SMC_PNETID", kstat.StageRead, err.Error())
		return
	}
	_, msgs, err := c.Receive()
	r := kstat.RawSource{Kind: kstat.KindGenl, Name: kstat.PNETCommand}
	if err != nil {
		var en syscall.Errno
		if !errors.As(err, &en) {
			s.AddSourceError("SMC_PNETID", kstat.StageRead, err.Error())
			return
		}
		r.Errno = int32(en)
	}
	r.Bytes = reframe(msgs)
	s.Raw = append(s.Raw, r)
}
