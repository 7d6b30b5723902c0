package kstat

import (
	"fmt"
	"io"
	"sort"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
	"github.com/smcdump/smcdump/internal/textio"
	"github.com/smcdump/smcdump/smcproto"
)

// FallbackSocket is an SMC socket that appeared in fallback (TCP) mode
// during an interval, with the reason explained as `smcdump explain` does.
type FallbackSocket struct {
	Inode         uint64 `json:"inode"`
	Local         string `json:"local_address"`
	Peer          string `json:"peer_address"`
	State         string `json:"state"`
	Reason        string `json:"reason"` // 0x%08x as smcss prints it, "" when the kernel did not say
	Name          string `json:"name,omitempty"`
	Meaning       string `json:"meaning,omitempty"`
	Remedy        string `json:"remedy,omitempty"`
	PeerDiagnosis string `json:"peer_diagnosis,omitempty"`
	PeerName      string `json:"peer_name,omitempty"`
	PeerMeaning   string `json:"peer_meaning,omitempty"`
}

func sockKey(s smcnl.Socket) string {
	if s.Inode != 0 {
		return fmt.Sprintf("i%d", s.Inode)
	}
	return s.Local.String() + ">" + s.Peer.String()
}

func explainCode(c uint32) (name, meaning, remedy string) {
	ci, ok := smcproto.LookupCode(smcproto.Code(c))
	if !ok {
		return "", "not a code known to smcdump (class: " + smcproto.Code(c).Class() + ")", ""
	}
	return ci.Name, ci.Meaning, ci.Remedy
}

// NewFallbacks returns the sockets of b in fallback mode that a did not
// hold in fallback mode (new sockets, or sockets a saw before the decision),
// sorted by inode. Sockets that opened and closed between the two snapshots
// are not seen here; the fallback counters of the stats delta count them.
// When a kept a bounded number of sockets and left fallback sockets out
// (more than the bound), absence from a proves nothing: none are returned.
func NewFallbacks(a, b *Snapshot) []FallbackSocket {
	if a.SMC.SocketsOmitted["fallback"] > 0 {
		return nil
	}
	before := map[string]bool{}
	for _, s := range a.SMC.Sockets {
		if s.Mode == 1 {
			before[sockKey(s)] = true
		}
	}
	var out []FallbackSocket
	for _, s := range b.SMC.Sockets {
		if s.Mode != 1 || before[sockKey(s)] {
			continue
		}
		f := FallbackSocket{Inode: s.Inode, Local: s.Local.String(), Peer: s.Peer.String(), State: smcnl.StateName(s.State)}
		if s.FallbackReason != nil {
			f.Reason = fmt.Sprintf("0x%08x", *s.FallbackReason)
			f.Name, f.Meaning, f.Remedy = explainCode(*s.FallbackReason)
		}
		if s.PeerDiagnosis != nil && *s.PeerDiagnosis != 0 {
			f.PeerDiagnosis = fmt.Sprintf("0x%08x", *s.PeerDiagnosis)
			f.PeerName, f.PeerMeaning, _ = explainCode(*s.PeerDiagnosis)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inode < out[j].Inode })
	return out
}

func sub(a, b uint64) uint64 {
	if b >= a {
		return b - a
	}
	return b // reset (module reloaded): count from zero
}

func subHist(a, b smcnl.Histogram) smcnl.Histogram {
	var h smcnl.Histogram
	for i := range h {
		h[i] = sub(a[i], b[i])
	}
	return h
}

func subRMB(a, b smcnl.RMBStats) smcnl.RMBStats {
	return smcnl.RMBStats{SizeSmallPeer: sub(a.SizeSmallPeer, b.SizeSmallPeer), SizeSmall: sub(a.SizeSmall, b.SizeSmall),
		FullPeer: sub(a.FullPeer, b.FullPeer), Full: sub(a.Full, b.Full), Reuse: sub(a.Reuse, b.Reuse), Alloc: sub(a.Alloc, b.Alloc),
		Downgrade: sub(a.Downgrade, b.Downgrade)}
}

func subTech(a, b *smcnl.TechStats) *smcnl.TechStats {
	if b == nil {
		return nil
	}
	if a == nil {
		a = &smcnl.TechStats{}
	}
	t := &smcnl.TechStats{
		TxRMBSize: subHist(a.TxRMBSize, b.TxRMBSize), RxRMBSize: subHist(a.RxRMBSize, b.RxRMBSize),
		TxPayload: subHist(a.TxPayload, b.TxPayload), RxPayload: subHist(a.RxPayload, b.RxPayload),
		TxRMB: subRMB(a.TxRMB, b.TxRMB), RxRMB: subRMB(a.RxRMB, b.RxRMB),
		ClientV1Succ: sub(a.ClientV1Succ, b.ClientV1Succ), ClientV2Succ: sub(a.ClientV2Succ, b.ClientV2Succ),
		ServerV1Succ: sub(a.ServerV1Succ, b.ServerV1Succ), ServerV2Succ: sub(a.ServerV2Succ, b.ServerV2Succ),
		Sendpage: sub(a.Sendpage, b.Sendpage), Splice: sub(a.Splice, b.Splice), Cork: sub(a.Cork, b.Cork),
		Nodelay: sub(a.Nodelay, b.Nodelay), Urgent: sub(a.Urgent, b.Urgent),
		RxBytes: sub(a.RxBytes, b.RxBytes), TxBytes: sub(a.TxBytes, b.TxBytes), RxCount: sub(a.RxCount, b.RxCount), TxCount: sub(a.TxCount, b.TxCount),
	}
	// Buffer usage is a level, not a counter: keep the current value.
	t.RxRMBUsage, t.TxRMBUsage = b.RxRMBUsage, b.TxRMBUsage
	return t
}

func subReasons(a, b []smcnl.ReasonCount) []smcnl.ReasonCount {
	prev := map[uint32]uint64{}
	for _, r := range a {
		prev[r.Code] = r.Count
	}
	var out []smcnl.ReasonCount
	for _, r := range b {
		if n := sub(prev[r.Code], r.Count); n > 0 {
			out = append(out, smcnl.ReasonCount{Code: r.Code, Count: n})
		}
	}
	return out
}

// StatsDelta is the `smcr stats` (smcd false) or `smcd stats` table of what
// happened between a and b, as smc-tools shows after `smcr stats reset`:
// every counter is the increase over the interval. nil when b has no
// kernel statistics.
func StatsDelta(a, b *Snapshot, smcd, detail bool) *toolfmt.SMCStatsText {
	bi := b.SMC.Info
	if bi == nil || bi.Stats == nil || !b.fromKernel(KindGenl) {
		return nil
	}
	ai := a.SMC.Info
	if ai == nil {
		ai = &smcnl.Info{}
	}
	as := ai.Stats
	if as == nil {
		as = &smcnl.Stats{}
	}
	d := &smcnl.Info{Stats: &smcnl.Stats{
		SMCR: subTech(as.SMCR, bi.Stats.SMCR), SMCD: subTech(as.SMCD, bi.Stats.SMCD),
		ClientHSErrors: sub(as.ClientHSErrors, bi.Stats.ClientHSErrors), ServerHSErrors: sub(as.ServerHSErrors, bi.Stats.ServerHSErrors),
	}}
	if bf := bi.Fallback; bf != nil {
		af := ai.Fallback
		if af == nil {
			af = &smcnl.FallbackStats{}
		}
		d.Fallback = &smcnl.FallbackStats{ServerTotal: sub(af.ServerTotal, bf.ServerTotal), ClientTotal: sub(af.ClientTotal, bf.ClientTotal),
			Server: subReasons(af.Server, bf.Server), Client: subReasons(af.Client, bf.Client)}
	}
	return toolfmt.StatsFromInfo(d, smcd, detail)
}

// statsActive reports whether a stats delta counted anything.
func statsActive(st *toolfmt.SMCStatsText) bool {
	return techActive(st) || st != nil && (st.Summary["hs_errors"] != 0 || st.Summary["fallback"] != 0)
}

// techActive reports whether the technology's own counters (connections,
// data, socket calls) moved; handshake errors and fallbacks are global.
func techActive(st *toolfmt.SMCStatsText) bool {
	if st == nil {
		return false
	}
	if st.Summary["smc"] != 0 || st.Extras["special"] != 0 {
		return true
	}
	for _, m := range []map[string]uint64{st.RX, st.TX} {
		for k, v := range m {
			if v != 0 && k != "usage" {
				return true
			}
		}
	}
	return false
}

// WriteWatchSMC prints the SMC part of a --watch interval: the `smcr stats -d`
// (and `smcd stats -d`) table of the interval when SMC counted anything,
// and the sockets that fell back to TCP with the reason explained.
func WriteWatchSMC(w io.Writer, d *Delta) error {
	ew := textio.New(w)
	printed := false
	// SMC-D when SMC-D itself moved; SMC-R when it moved, or to show the
	// (global) handshake errors and fallbacks when SMC-D is not shown.
	showD := techActive(d.SMCDStats)
	showR := techActive(d.SMCRStats) || !showD && statsActive(d.SMCRStats)
	for _, st := range []*toolfmt.SMCStatsText{d.SMCRStats, d.SMCDStats} {
		if st == nil || st == d.SMCRStats && !showR || st == d.SMCDStats && !showD {
			continue
		}
		printed = true
		cmd := "smcr stats -d"
		if st.Tech == "SMC-D" {
			cmd = "smcd stats -d"
		}
		ew.Printf("    ## %s (this interval)\n", cmd)
		if ew.Err == nil {
			ew.Err = st.WriteText(&indent{w: ew.W, prefix: "    ", bol: true})
		}
	}
	if !printed && (d.SMCRStats != nil || d.SMCDStats != nil) {
		ew.Printf("    SMC: no connection, fallback or data in this interval\n")
	}
	for _, f := range d.NewFallbacks {
		ew.Printf("    FALLBACK %s %s -> %s inode %d: TCP %s", f.State, f.Local, f.Peer, f.Inode, orUnknown(f.Reason))
		if f.PeerDiagnosis != "" {
			ew.Printf("/%s", f.PeerDiagnosis)
		}
		if f.Name != "" {
			ew.Printf(" %s", f.Name)
		}
		ew.Printf("\n")
		if f.Meaning != "" {
			ew.Printf("      meaning:  %s\n", f.Meaning)
		}
		if f.PeerDiagnosis != "" && f.PeerMeaning != "" {
			ew.Printf("      peer:     %s %s\n", f.PeerName, f.PeerMeaning)
		}
		if f.Remedy != "" {
			ew.Printf("      remedy:   %s\n", f.Remedy)
		}
	}
	return ew.Err
}

func orUnknown(s string) string {
	if s == "" {
		return "(reason not reported)"
	}
	return s
}

// indent prefixes every line written through it.
type indent struct {
	w      io.Writer
	prefix string
	bol    bool
}

func (i *indent) Write(p []byte) (int, error) {
	for _, c := range p {
		if i.bol && c != '\n' {
			if _, err := io.WriteString(i.w, i.prefix); err != nil {
				return 0, err
			}
		}
		if _, err := i.w.Write([]byte{c}); err != nil {
			return 0, err
		}
		i.bol = c == '\n'
	}
	return len(p), nil
}
