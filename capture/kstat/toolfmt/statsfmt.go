package toolfmt

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/smcproto"
)

// This file renders `smcr stats` / `smcd stats` the way smc-tools prints them
// (stats.c print_as_text, docs/smc-protocol.md 13.2), from the kernel's STATS and
// FBACK_STATS dumps or from a table read back from saved text.

// Abbrev formats v the way smc-tools' get_abbreviated does for a 6-character
// field: values below 1000 plainly, larger ones divided by 10^3, 10^6, ...
// with a K, M, G, T, P or E suffix, keeping 1 to 3 integer digits and filling
// the rest of the 5 digit characters with decimals (1.500K, 12.35K, 262.1K).
func Abbrev(v uint64) string {
	if v < 1000 {
		return fmt.Sprintf("%d", v)
	}
	units := "KMGTPE"
	f := float64(v)
	for i := 0; i < len(units); i++ {
		f /= 1000
		if f >= 1000 && i < len(units)-1 {
			continue
		}
		var s string
		switch {
		case f < 10:
			s = fmt.Sprintf("%.3f", f)
		case f < 100:
			s = fmt.Sprintf("%.2f", f)
		default:
			s = fmt.Sprintf("%.1f", f)
		}
		// Rounding may carry into one more integer digit (9.9996 -> 10.000).
		if len(s) > 5 {
			if strings.HasPrefix(s, "1000") && i < len(units)-1 {
				return "1.000" + string(units[i+1])
			}
			s = s[:5]
			s = strings.TrimSuffix(s, ".")
		}
		return s + string(units[i])
	}
	return fmt.Sprintf("%d", v)
}

// hist8 folds a kernel histogram (8K..1024K, >1024K) into the eight columns
// smc-tools prints (the last is 1024K + >1024K, labelled >512KB).
func hist8(h smcnl.Histogram) []uint64 {
	out := make([]uint64, 8)
	copy(out, h[:7])
	out[7] = h[7] + h[8]
	return out
}

// StatsFromInfo builds the `smcr stats` (smcd false) or `smcd stats` (smcd
// true) table from the kernel's statistics, with the -d detail when detail is
// set. It returns nil when in holds no statistics for that technology.
// Like smc-tools, the handshake errors and fallbacks are the global
// (technology-independent) counters.
func StatsFromInfo(in *smcnl.Info, smcd, detail bool) *SMCStatsText {
	if in == nil || in.Stats == nil {
		return nil
	}
	t := in.Stats.SMCR
	tech := "SMC-R"
	if smcd {
		t, tech = in.Stats.SMCD, "SMC-D"
	}
	if t == nil {
		return nil
	}
	var fb smcnl.FallbackStats
	if in.Fallback != nil {
		fb = *in.Fallback
	}
	st := &SMCStatsText{Tech: tech, Detail: detail, Summary: map[string]uint64{}, RX: map[string]uint64{},
		TX: map[string]uint64{}, Extras: map[string]uint64{}, Histograms: map[string][]uint64{}}
	cl, sv := t.ClientV1Succ+t.ClientV2Succ, t.ServerV1Succ+t.ServerV2Succ
	hs := in.Stats.ClientHSErrors + in.Stats.ServerHSErrors
	fbn := fb.ClientTotal + fb.ServerTotal
	st.Summary["total"] = cl + sv + hs + fbn
	st.Summary["smc"] = cl + sv
	st.Summary["hs_errors"] = hs
	st.Summary["fallback"] = fbn
	if cl+sv > 0 {
		st.AvgRequests = float64(t.RxCount+t.TxCount) / float64(cl+sv)
	}
	st.RX["bytes"], st.RX["requests"], st.RX["full"] = t.RxBytes, t.RxCount, t.RxRMB.Full
	st.TX["bytes"], st.TX["requests"], st.TX["full"] = t.TxBytes, t.TxCount, t.TxRMB.Full
	st.TX["full_remote"], st.TX["too_small"], st.TX["too_small_remote"] = t.TxRMB.FullPeer, t.TxRMB.SizeSmall, t.TxRMB.SizeSmallPeer
	if t.RxRMBUsage != nil {
		st.RX["usage"] = *t.RxRMBUsage
	}
	if t.TxRMBUsage != nil {
		st.TX["usage"] = *t.TxRMBUsage
	}
	st.Histograms["rx_bufs"], st.Histograms["rx_reqs"] = hist8(t.RxRMBSize), hist8(t.RxPayload)
	st.Histograms["tx_bufs"], st.Histograms["tx_reqs"] = hist8(t.TxRMBSize), hist8(t.TxPayload)
	st.Extras["special"] = t.Cork + t.Nodelay + t.Sendpage + t.Splice + t.Urgent
	if detail {
		st.Summary["smc_client"], st.Summary["smc_server"] = cl, sv
		st.Summary["v1"] = t.ClientV1Succ + t.ServerV1Succ
		st.Summary["v2"] = t.ClientV2Succ + t.ServerV2Succ
		st.Summary["hs_errors_client"], st.Summary["hs_errors_server"] = in.Stats.ClientHSErrors, in.Stats.ServerHSErrors
		st.Summary["fallback_client"], st.Summary["fallback_server"] = fb.ClientTotal, fb.ServerTotal
		st.RX["downgrades"], st.RX["reuses"] = t.RxRMB.Downgrade, t.RxRMB.Reuse
		st.TX["downgrades"], st.TX["reuses"] = t.TxRMB.Downgrade, t.TxRMB.Reuse
		st.Extras["cork"], st.Extras["nodelay"], st.Extras["sendpage"] = t.Cork, t.Nodelay, t.Sendpage
		st.Extras["splice"], st.Extras["urgent"] = t.Splice, t.Urgent
		st.FallbackServer = topReasons(fb.Server)
		st.FallbackClient = topReasons(fb.Client)
	}
	return st
}

// topReasons returns the (at most) three most frequent reasons, the way
// smc-tools lists them (by count, descending; ties keep kernel order).
func topReasons(r []smcnl.ReasonCount) []smcnl.ReasonCount {
	out := make([]smcnl.ReasonCount, 0, len(r))
	for _, x := range r {
		if x.Code != 0 {
			out = append(out, x)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// ReasonName returns the name smc-tools prints for a fallback reason code,
// or "[unknown]".
func ReasonName(code uint32) string {
	if e, ok := smcproto.LookupCode(smcproto.Code(code)); ok && e.ToolsName != "" {
		return e.ToolsName
	}
	return "[unknown]"
}

func pct(n, of uint64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of) * 100
}

// WriteText prints the table exactly as `smcr stats` / `smcd stats` (with
// -d when st.Detail) print it. "Buffer usage (Bytes)" lines are printed only
// when the table has a usage value (kernels since 6.12 report it).
func (st *SMCStatsText) WriteText(w io.Writer) error {
	ew := &errW{w: w}
	s, rx, tx, ex := st.Summary, st.RX, st.TX, st.Extras
	ew.printf("%s Connections Summary\n", st.Tech)
	ew.printf("  Total connections handled  %12d\n", s["total"])
	if st.Detail {
		ew.printf("  SMC connections            %12d (client %d, server %d)\n", s["smc"], s["smc_client"], s["smc_server"])
		ew.printf("    v1                       %12d\n", s["v1"])
		ew.printf("    v2                       %12d\n", s["v2"])
		ew.printf("  Handshake errors           %12d (client %d, server %d)\n", s["hs_errors"], s["hs_errors_client"], s["hs_errors_server"])
	} else {
		ew.printf("  SMC connections            %12d\n", s["smc"])
		ew.printf("  Handshake errors           %12d\n", s["hs_errors"])
	}
	ew.printf("  Avg requests per SMC conn  %14.1f\n", st.AvgRequests)
	if st.Detail {
		ew.printf("  TCP fallback               %12d (client %d, server %d)\n", s["fallback"], s["fallback_client"], s["fallback_server"])
		for _, side := range []struct {
			name string
			r    []smcnl.ReasonCount
		}{{"Server", st.FallbackServer}, {"Client", st.FallbackClient}} {
			if len(side.r) == 0 {
				continue
			}
			ew.printf("    %s\n", side.name)
			for _, x := range side.r {
				ew.printf("     %-12s            %12d\n", ReasonName(x.Code), x.Count)
			}
		}
	} else {
		ew.printf("  TCP fallback               %12d\n", s["fallback"])
	}
	ew.printf("\n")
	hist := func(dir string) {
		ew.printf("            8KB    16KB    32KB    64KB   128KB   256KB   512KB  >512KB\n")
		for _, row := range []string{"bufs", "reqs"} {
			cells := st.Histograms[dir+"_"+row]
			name := "Bufs"
			if row == "reqs" {
				name = "Reqs"
			}
			c := make([]any, 8)
			for i := range c {
				var v uint64
				if i < len(cells) {
					v = cells[i]
				}
				c[i] = Abbrev(v)
			}
			ew.printf("  %s   %6s  %6s  %6s  %6s  %6s  %6s  %6s  %6s", append([]any{name}, c...)...)
			ew.printf("\n")
		}
	}
	ew.printf("RX Stats\n")
	ew.printf("  Data transmitted (Bytes) %14d (%s)\n", rx["bytes"], Abbrev(rx["bytes"]))
	ew.printf("  Total requests             %12d\n", rx["requests"])
	if v, ok := rx["usage"]; ok {
		ew.printf("  Buffer usage (Bytes)       %12d (%s)\n", v, Abbrev(v))
	}
	ew.printf("  Buffer full                %12d (%.2f%%)\n", rx["full"], pct(rx["full"], rx["requests"]))
	if st.Detail {
		ew.printf("  Buffer downgrades          %12d\n", rx["downgrades"])
		ew.printf("  Buffer reuses              %12d\n", rx["reuses"])
	}
	hist("rx")
	ew.printf("\n")
	ew.printf("TX Stats\n")
	ew.printf("  Data transmitted (Bytes) %14d (%s)\n", tx["bytes"], Abbrev(tx["bytes"]))
	ew.printf("  Total requests             %12d\n", tx["requests"])
	if v, ok := tx["usage"]; ok {
		ew.printf("  Buffer usage (Bytes)       %12d (%s)\n", v, Abbrev(v))
	}
	ew.printf("  Buffer full                %12d (%.2f%%)\n", tx["full"], pct(tx["full"], tx["requests"]))
	ew.printf("  Buffer full (remote)       %12d (%.2f%%)\n", tx["full_remote"], pct(tx["full_remote"], tx["requests"]))
	ew.printf("  Buffer too small           %12d (%.2f%%)\n", tx["too_small"], pct(tx["too_small"], tx["requests"]))
	ew.printf("  Buffer too small (remote)  %12d (%.2f%%)\n", tx["too_small_remote"], pct(tx["too_small_remote"], tx["requests"]))
	if st.Detail {
		ew.printf("  Buffer downgrades          %12d\n", tx["downgrades"])
		ew.printf("  Buffer reuses              %12d\n", tx["reuses"])
	}
	hist("tx")
	ew.printf("\n")
	ew.printf("Extras\n")
	ew.printf("  Special socket calls       %12d\n", ex["special"])
	if st.Detail {
		ew.printf("    cork                     %12d\n", ex["cork"])
		ew.printf("    nodelay                  %12d\n", ex["nodelay"])
		ew.printf("    sendpage                 %12d\n", ex["sendpage"])
		ew.printf("    splice                   %12d\n", ex["splice"])
		ew.printf("    urgent data              %12d\n", ex["urgent"])
	}
	return ew.err
}

type errW struct {
	w   io.Writer
	err error
}

func (e *errW) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
