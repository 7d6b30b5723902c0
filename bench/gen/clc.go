package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"sort"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

// labPayloads are CLC messages and a kernel-counter snapshot taken, at
// generation time, from the lab recordings of a real Linux kernel
// (testdata/lab/out/6.12/*.pcapng): nothing is copied into the source.
type labPayloads struct {
	Proposal, Accept, Confirm []byte // one SMC-Rv2 handshake (client, server, client)
	Decline                   []byte // a Decline sent by a server
	Snapshot                  []byte // a kstat snapshot (JSON) from a custom block
	From                      string // file of the handshake
	DeclineFrom               string
}

type connKey struct{ c, s netip.AddrPort }

type labConn struct {
	cli, srv decode.HalfStream
}

// clcMessages splits a reassembled stream into the CLC messages at its start.
func clcMessages(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= smcproto.HeaderLen && smcproto.HasEyecatcher(b) {
		h, err := smcproto.ParseHeader(b)
		if err != nil || int(h.Length) < smcproto.HeaderLen || int(h.Length) > len(b) {
			break
		}
		m := b[:h.Length]
		if _, err := smcproto.Decode(m); err != nil {
			break
		}
		out = append(out, append([]byte(nil), m...))
		b = b[h.Length:]
	}
	return out
}

func msgType(m []byte) smcproto.MsgType { return smcproto.MsgType(m[4]) }

// loadLab reads every capture matching glob (sorted by name) with the
// project's own reader and decoder, reassembles the first bytes of each TCP
// connection and picks the first complete SMC-Rv2 Proposal/Accept/Confirm
// exchange that is not a first contact (the common case on a busy service:
// the link exists), falling back to a first-contact one, and the first
// server Decline that answers a Proposal.
func loadLab(glob string) (*labPayloads, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no lab traces match %s (run from the repository root or pass -lab)", glob)
	}
	lp := &labPayloads{}
	var firstContact *labPayloads
	for _, path := range files {
		if err := scanLabFile(path, lp, &firstContact); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if lp.Proposal != nil && lp.Decline != nil && lp.Snapshot != nil {
			break
		}
	}
	if lp.Proposal == nil && firstContact != nil {
		lp.Proposal, lp.Accept, lp.Confirm, lp.From = firstContact.Proposal, firstContact.Accept, firstContact.Confirm, firstContact.From
	}
	if lp.Proposal == nil {
		return nil, errors.New("no SMC-Rv2 Proposal/Accept/Confirm exchange in the lab traces")
	}
	if lp.Decline == nil {
		return nil, errors.New("no CLC Decline in the lab traces")
	}
	return lp, nil
}

func scanLabFile(path string, lp *labPayloads, firstContact **labPayloads) error {
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		return err
	}
	defer fr.Close()
	conns := map[connKey]*labConn{}
	var order []connKey
	var f decode.Frame
	for {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		decode.Decode(p.LinkType, p.Data, &f)
		if f.Status != decode.StatusOK || f.Proto != decode.ProtoTCP {
			continue
		}
		src, dst := f.SrcAddrPort(), f.DstAddrPort()
		if f.Flags&decode.TCPSYN != 0 && f.Flags&decode.TCPACK == 0 {
			k := connKey{src, dst}
			if _, ok := conns[k]; !ok {
				c := &labConn{cli: decode.NewHalfStream(), srv: decode.NewHalfStream()}
				c.cli.SetBase(f.Seq + 1)
				conns[k] = c
				order = append(order, k)
			}
			continue
		}
		if f.Flags&(decode.TCPSYN|decode.TCPACK) == decode.TCPSYN|decode.TCPACK {
			if c, ok := conns[connKey{dst, src}]; ok && !c.srv.BaseSet {
				c.srv.SetBase(f.Seq + 1)
			}
			continue
		}
		if len(f.Payload) == 0 {
			continue
		}
		if c, ok := conns[connKey{src, dst}]; ok {
			c.cli.Add(f.Seq, f.Payload, f.PayloadLen)
		} else if c, ok := conns[connKey{dst, src}]; ok {
			c.srv.Add(f.Seq, f.Payload, f.PayloadLen)
		}
	}
	for _, k := range order {
		c := conns[k]
		cm, sm := clcMessages(c.cli.Buf), clcMessages(c.srv.Buf)
		// A Decline that answers the Proposal (the server's first message).
		if lp.Decline == nil && len(cm) > 0 && len(sm) > 0 && msgType(cm[0]) == smcproto.TypeProposal && msgType(sm[0]) == smcproto.TypeDecline {
			lp.Decline, lp.DeclineFrom = sm[0], filepath.Base(path)
		}
		if lp.Proposal != nil || len(cm) < 2 || len(sm) < 1 {
			continue
		}
		if msgType(cm[0]) != smcproto.TypeProposal || msgType(sm[0]) != smcproto.TypeAccept || msgType(cm[1]) != smcproto.TypeConfirm {
			continue
		}
		h, _ := smcproto.ParseHeader(sm[0])
		if h.Version < 2 || h.TypeV1() != smcproto.PathR {
			continue
		}
		if h.FirstContact() {
			if *firstContact == nil {
				*firstContact = &labPayloads{Proposal: cm[0], Accept: sm[0], Confirm: cm[1], From: filepath.Base(path)}
			}
			continue
		}
		lp.Proposal, lp.Accept, lp.Confirm, lp.From = cm[0], sm[0], cm[1], filepath.Base(path)
	}
	if lp.Snapshot == nil {
		for _, cb := range fr.CustomBlocks() {
			js, ok := pcapfile.KstatJSON(cb)
			if !ok {
				continue
			}
			var s kstat.Snapshot
			if json.Unmarshal(js, &s) == nil && !s.TakenAt.IsZero() {
				lp.Snapshot = append([]byte(nil), js...)
				break
			}
		}
	}
	return nil
}
