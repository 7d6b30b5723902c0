// Package htmlreport writes the analyze report as one self-contained HTML
// page (smcdump analyze --html): inline CSS and SVG only, no scripts, no
// network access, no external fonts. It depends only on the exported report
// model (report.Report and the types it references: mcast.Report,
// correlate.Verdict) and on kernel counter snapshots (capture/kstat).
//
// Every number that also appears in the JSON report carries a
// data-json="path" attribute (the JSON path, array elements by index, e.g.
// "connections/0/latency/handshake_ms") and data-value (the JSON value);
// the element's text shows the same value (tests compare them).
//
// Size bound: the page draws the first MaxDetail (default 50) fallbacks,
// handshake errors and unknowns and the first 10 SMC connections as ladders
// of at most 20 steps, lists at most 200 connections of each kind and 300
// rows in any other table, 200 file problems, 30 stream sections with 10
// gaps each, 6 stream timelines of at most 4 panels and 60 markers of each
// kind, and 64 KiB of smc-tools tables per snapshot; free text is cut at
// 1000 characters. With these limits a page stays under MaxBytes (8 MiB)
// for any input (TestSizeBoundWorstCase); real captures give far less.
package htmlreport

import (
	"fmt"
	"html"
	"io"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/hll"
	"github.com/smcdump/smcdump/internal/textio"
)

// Limits (the size bound in the package comment).
const (
	DefaultMaxDetail = 50
	MaxBytes         = 8 << 20 // the bound a page stays under
	maxRows          = 300
	maxProblems      = 200 // over all files
	maxSteps         = 20
	maxStreams       = 30  // stream sections (the table lists maxRows)
	maxGapRows       = 10  // gaps listed per stream section
	maxConnRows      = 200 // table rows per kind of connection
	maxSuccess       = 10  // SMC connections drawn (other kinds: MaxDetail)
	maxVerdicts      = 100
	maxTimelines     = 6
	maxPanels        = 4
	maxMarkers       = 60
	maxTableText     = 64 << 10
	maxLinks         = 20
)

// Options control the page.
type Options struct {
	// MaxDetail is the number of connections of each kind drawn in detail
	// (0: DefaultMaxDetail); the others are counted in the rollups.
	MaxDetail int
	// Before and After are the kernel counter snapshots taken around the
	// capture, when known: their smc-tools tables and counter deltas are
	// shown.
	Before, After *kstat.Snapshot
}

type page struct {
	w   *textio.Writer
	r   *report.Report
	o   Options
	idx map[int]int // connection ID -> index in r.Connections
}

func (p *page) f(format string, a ...any) { fmt.Fprintf(p.w, format, a...) }
func (p *page) s(s string)                { io.WriteString(p.w, s) }

// esc escapes text for HTML and SVG, cut at 1000 characters (the size
// bound); escN cuts at n.
func esc(s string) string { return html.EscapeString(trim(s, 1000)) }

func escN(s string, n int) string { return html.EscapeString(trim(s, n)) }

// num writes an element holding a JSON number: data-json is its path,
// data-value its JSON value, the text the same value.
func num(tag, path string, v any) string {
	return fmt.Sprintf(`<%s data-json="%s" data-value="%s">%s</%s>`, tag, esc(path), jsonNum(v), jsonNum(v), tagName(tag))
}

// numOpt is num for a JSON field with omitempty: a zero is not in the JSON
// and is shown without data-json.
func numOpt(tag, path string, v int64) string {
	if v == 0 {
		return fmt.Sprintf("<%s>0</%s>", tag, tagName(tag))
	}
	return num(tag, path, v)
}

// fileTime is how the files' section prints packet times (UTC).
const fileTime = "2006-01-02 15:04:05.000000"

// fnum is num for a float shown with 3 decimals (data-value is exact).
func fnum(tag, path string, v float64, unit string) string {
	return fmt.Sprintf(`<%s data-json="%s" data-value="%s">%s%s</%s>`, tag, esc(path), jsonNum(v), strconv.FormatFloat(v, 'f', 3, 64), unit, tagName(tag))
}

// txt writes an element holding a JSON string.
func txt(tag, path, v string) string {
	return fmt.Sprintf(`<%s data-json="%s" data-value="%s">%s</%s>`, tag, esc(path), esc(v), esc(v), tagName(tag))
}

// tagName is the element name of an opening tag's contents ("td class=n").
func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, " ")
	return name
}

func jsonNum(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// Write writes the page for r.
func Write(w io.Writer, r *report.Report, o Options) error {
	if o.MaxDetail <= 0 {
		o.MaxDetail = DefaultMaxDetail
	}
	p := &page{w: textio.New(w), r: r, o: o, idx: map[int]int{}}
	for i, c := range r.Connections {
		p.idx[c.ID] = i
	}
	p.head()
	p.summary()
	p.connections()
	p.streams()
	p.membership()
	p.counters()
	p.rollups()
	p.files()
	p.s("</main>\n</body>\n</html>\n")
	return p.w.Err
}

const css = `
:root{--fg:#1a1a1a;--muted:#555;--line:#bbb;--bad:#b00020;--warn:#8a5a00;--ok:#17612a;--info:#1f4f99}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #333;padding-bottom:2px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;white-space:nowrap;border:1px solid currentColor;border-radius:3px;padding:0 4px;font-size:12px;font-weight:600;text-transform:uppercase}
.o-smc{color:var(--ok)}.o-fallback{color:var(--warn)}.o-handshake-error{color:var(--bad)}.o-unknown{color:var(--info)}.o-not-smc{color:var(--muted)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px 24px}
.card{border:1px solid var(--line);padding:6px 10px;border-radius:4px}
.card h3{margin-top:4px}
.muted{color:var(--muted)}.mono,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;background:#f6f6f6;border:1px solid #ddd;padding:6px;overflow-x:auto}
.conn,.stream{border-top:1px solid #999;margin-top:14px;padding-top:4px}
svg{max-width:100%;height:auto;display:block}
svg.defs{position:absolute;width:0;height:0;overflow:hidden}
svg.ladder{font-size:12px}
.ladder .hdr rect{fill:#f0f0f0;stroke:#333}.ladder .hdr text,.ladder text.lbl,.ladder .wait text,.ladder .timeout text{text-anchor:middle}
.ladder .life{stroke:#333;stroke-width:1.5}
.ladder .msg{stroke:#1a1a1a;stroke-width:1.6;marker-end:url(#ah)}
.ladder .decl .msg{stroke:#b00020;stroke-dasharray:8 4;marker-end:url(#ahr)}
.ladder .link .msg{stroke:#17612a;stroke-dasharray:2 3;marker-start:url(#ahg);marker-end:url(#ahg)}
.ladder .decl text.lbl{fill:#b00020}.ladder .link text.lbl,.ladder .reuse{fill:#17612a}
.ladder text.rel{fill:#555}
.ladder .wait rect{fill:url(#hatch);fill-opacity:.35}.ladder .wait text,.ladder .timeout text{font-weight:bold}
.ladder .timeout rect{fill:url(#hatch);fill-opacity:.5;stroke:#b00020;stroke-dasharray:4 3}.ladder .timeout text{fill:#b00020}
svg text{font-family:system-ui,"DejaVu Sans",sans-serif}
a{color:#0b4fb3}
.note{font-size:12px;color:var(--muted)}
@media print{
 @page{margin:12mm}
 body{font-size:10pt}main{max-width:none;padding:0}
 a{color:inherit;text-decoration:none}
 .conn,.stream,.card,table,svg{break-inside:avoid}
 h2{break-after:avoid}
 .grid{grid-template-columns:1fr}
 pre{white-space:pre-wrap;font-size:8pt}
}
`

// defs are the arrow heads and the hatch pattern every ladder uses.
const defs = `<svg class="defs" aria-hidden="true" xmlns="http://www.w3.org/2000/svg"><defs>` +
	`<marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#1a1a1a"/></marker>` +
	`<marker id="ahr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#b00020"/></marker>` +
	`<marker id="ahg" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#17612a"/></marker>` +
	`<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern>` +
	"</defs></svg>\n"

func (p *page) head() {
	p.s("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	p.s(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	p.s(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` + "\n")
	var names []string
	for _, f := range p.r.Files {
		names = append(names, f.Path)
	}
	title := "smcdump analyze"
	if len(names) > 0 {
		title += ": " + strings.Join(names[:min(len(names), 3)], ", ")
		if len(names) > 3 {
			title += fmt.Sprintf(" (+%d files)", len(names)-3)
		}
	}
	p.f("<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", esc(title), css)
	p.s(defs)
	p.f("<h1>%s</h1>\n", esc(title))
	p.f(`<p class="muted">schema %s · %s packets · %s TCP connections · %s UDP datagrams · times UTC</p>`+"\n",
		txt("span", "schema", p.r.Schema), num("span", "summary/packets", p.r.Summary.Packets),
		num("span", "summary/tcp_connections", p.r.Summary.TCPConnections), num("span", "summary/udp_datagrams", p.r.Summary.UDPDatagrams))
}

// kinds of connections of interest, in page order.
var kinds = []struct {
	outcome smcflow.Outcome
	title   string
}{
	{smcflow.OutcomeFallback, "Fallbacks to TCP"},
	{smcflow.OutcomeHandshakeError, "Handshake errors"},
	{smcflow.OutcomeUnknown, "Cannot tell from this capture"},
	{smcflow.OutcomeSMC, "SMC established"},
	{smcflow.OutcomeNotSMC, "Plain TCP"},
}

func badge(o smcflow.Outcome) string {
	return fmt.Sprintf(`<span class="badge o-%s">%s</span>`, esc(string(o)), esc(string(o)))
}

// detailed reports whether connection i is drawn in detail: the first
// MaxDetail of its outcome in the list (plain TCP only as a table row).
func (p *page) detailed() map[int]bool {
	seen := map[smcflow.Outcome]int{}
	d := map[int]bool{}
	for i, c := range p.r.Connections {
		if c.Outcome == smcflow.OutcomeNotSMC {
			continue
		}
		lim := p.o.MaxDetail
		if c.Outcome == smcflow.OutcomeSMC {
			lim = min(lim, maxSuccess)
		}
		if seen[c.Outcome] < lim {
			d[i] = true
		}
		seen[c.Outcome]++
	}
	return d
}

func (p *page) connLink(id int, det map[int]bool) string {
	if i, ok := p.idx[id]; ok && det[i] {
		return fmt.Sprintf(`<a href="#conn-%d">#%d</a>`, id, id)
	}
	return fmt.Sprintf("#%d", id)
}

func (p *page) summary() {
	r := p.r
	det := p.detailed()
	p.s(`<h2 id="summary">Summary</h2>` + "\n<div class=\"grid\">\n")
	// connections by outcome
	p.s(`<div class="card"><h3>Connections by outcome</h3><table><tr><th>outcome</th><th class="n">connections</th></tr>` + "\n")
	for i, c := range r.Summary.ByOutcome {
		p.f(`<tr><td><a href="#outcome-%s">%s</a></td>%s</tr>`+"\n", esc(c.Name), badge(smcflow.Outcome(c.Name)), num(`td class="n"`, fmt.Sprintf("summary/by_outcome/%d/count", i), c.Count))
	}
	if len(r.Summary.ByOutcome) == 0 {
		p.s(`<tr><td colspan="2" class="muted">no TCP connections</td></tr>`)
	}
	p.f("</table><p class=\"note\">%s SMC attempts, %s plain TCP", num("span", "summary/smc_attempts", r.Summary.SMCAttempts), num("span", "summary/plain_tcp", r.Summary.PlainTCP))
	for i, v := range r.Summary.ByVariant {
		p.f("; %s %s", esc(v.Name), num("span", fmt.Sprintf("summary/by_variant/%d/count", i), v.Count))
	}
	for i, v := range r.Summary.UnknownByReason {
		sep := ", "
		if i == 0 {
			sep = "; unknown: "
		}
		p.f("%s%s %s", sep, esc(v.Name), num("span", fmt.Sprintf("summary/unknown_by_reason/%d/count", i), v.Count))
	}
	if r.Summary.NotListed > 0 {
		p.f("; %s not listed (beyond --keep)", num("span", "summary/not_listed", r.Summary.NotListed))
	}
	p.s("</p></div>\n")
	// streams with loss
	p.s(`<div class="card"><h3>UDP streams</h3>`)
	if m := r.Multicast; m == nil || len(m.Streams) == 0 {
		p.s(`<p class="muted">no UDP streams analyzed</p>`)
	} else {
		p.f(`<p>%d streams, total lost %s</p>`, len(m.Streams), num("b", "multicast/total_lost", m.TotalLost))
		if l := m.Limits; l != nil {
			if l.FinishedEarly > 0 {
				p.f(`<p class="muted">stream limit reached: more than %d streams active at once (--max-streams); %d streams finished early; about %d distinct streams in all (estimated)</p>`, l.MaxStreams, l.FinishedEarly, hll.Round(int(l.Distinct)))
			}
			if o := l.Omitted; o != nil {
				p.f(`<p class="muted">%d of %d streams listed (--keep-streams: the most loss and gaps, then traffic); not listed: %d streams, %d datagrams, %d lost in %d gaps</p>`,
					len(m.Streams), l.Seen, o.Streams, o.Packets, o.Lost, o.Gaps)
			}
		}
		p.s(`<ul>`)
		n := 0
		for i, s := range m.Streams {
			if s.Lost == 0 {
				continue
			}
			if n++; n > maxLinks {
				break
			}
			p.f(`<li>%s %s → %s: lost %s</li>`, streamLink(i, s.ID), escN(s.Src, 80), escN(s.Dst, 80), num("span", fmt.Sprintf("multicast/streams/%d/lost", i), s.Lost))
		}
		if n == 0 {
			p.s(`<li>no stream lost data (no sequence gaps)</li>`)
		}
		p.s("</ul>")
	}
	p.s("</div>\n</div>\n")
	// fallbacks by cause
	p.s(`<h3 id="causes">Fallbacks and errors by cause</h3>` + "\n")
	if len(r.Fallbacks) == 0 {
		p.s(`<p class="muted">none</p>` + "\n")
	} else {
		p.s(`<table><tr><th>outcome / reason</th><th>code</th><th>by</th><th class="n">count</th><th>meaning and remedy</th><th>connections</th></tr>` + "\n")
		for i, g := range r.Fallbacks {
			if i >= maxRows {
				p.f(`<tr><td colspan="6">%d more causes in the JSON report</td></tr>`, len(r.Fallbacks)-i)
				break
			}
			pre := fmt.Sprintf("fallbacks/%d/", i)
			p.f(`<tr><td>%s %s</td><td class="mono">%s %s</td><td>%s</td>%s<td>%s`, badge(g.Outcome), txt("span", pre+"reason", g.Reason), esc(g.Code), esc(g.Name), esc(g.By), num(`td class="n"`, pre+"count", g.Count), esc(g.Meaning))
			if g.Remedy != "" {
				p.f(`<br><b>Remedy:</b> %s`, esc(g.Remedy))
			}
			p.s("</td><td>")
			for j, id := range g.Connections {
				if j >= maxLinks {
					p.f(" … (+%d)", len(g.Connections)-j)
					break
				}
				p.s(p.connLink(id, det) + " ")
			}
			p.s("</td></tr>\n")
		}
		p.s("</table>\n")
	}
	// counter verdicts
	p.s(`<h3>Kernel counters</h3>` + "\n")
	if c := r.Counters; c == nil {
		p.s(`<p class="muted">no kernel counter snapshots (smcdump capture embeds them; or --stats BEFORE --stats AFTER)</p>` + "\n")
	} else if len(c.Verdicts) == 0 {
		p.s(`<p>snapshots present, no verdict (nothing to explain). <a href="#counters">counters</a></p>` + "\n")
	} else {
		p.s(`<ul>`)
		for i, v := range c.Verdicts {
			if i >= maxLinks {
				p.f(`<li><a href="#counters">%d more</a></li>`, len(c.Verdicts)-i)
				break
			}
			p.f(`<li><a href="#verdict-%d"><b>%s</b></a> %s (%s confidence)</li>`, i, esc(v.Kind), escN(v.Subject, 120), esc(string(v.Confidence)))
		}
		p.s("</ul>\n")
	}
	// file problems
	p.s(`<h3>Files</h3>` + "\n")
	damaged := 0
	for _, f := range r.Files {
		if f.ProblemCount > 0 || f.Error != "" || f.DamagedRegions > 0 {
			damaged++
		}
	}
	if fo := r.FileOrder; fo != nil {
		if fo.By == "merged" {
			p.s(`<p>Files merged packet by packet by time stamp (--merge): frame numbers are those of the merged capture.</p>` + "\n")
		}
		if fo.Reordered {
			p.s(`<p>Files analyzed in the order of their first packets' times, not as given.</p>` + "\n")
		}
		if n := len(fo.Overlaps) + fo.MoreOverlaps; n > 0 {
			p.f(`<p><b>TIME GOES BACK</b> at %d file boundaries: the files overlap in time or were given out of order; connections and streams that cross such a boundary may look reordered, restarted or lost (captures made at the same time: analyze them with --merge). <a href="#file-order">details</a></p>`+"\n", n)
		}
	}
	if damaged == 0 {
		p.f(`<p>%d file(s), no problems. <a href="#files">details</a></p>`+"\n", len(r.Files))
	} else {
		p.f(`<p><b>DAMAGED INPUT:</b> %d of %d file(s) with problems; %s damaged regions, %s bytes skipped (the rest analyzed). <a href="#files">details</a></p>`+"\n",
			damaged, len(r.Files), numOpt("span", "summary/damaged_regions", int64(r.Summary.DamagedRegions)), numOpt("span", "summary/skipped_bytes", r.Summary.SkippedBytes))
	}
}

func (p *page) connections() {
	det := p.detailed()
	r := p.r
	p.s(`<h2 id="connections">Connections</h2>` + "\n")
	if len(r.Connections) == 0 {
		p.s(`<p class="muted">no TCP connections listed</p>` + "\n")
	}
	for _, k := range kinds {
		var list []int
		for i, c := range r.Connections {
			if c.Outcome == k.outcome {
				list = append(list, i)
			}
		}
		if len(list) == 0 {
			continue
		}
		p.f(`<h3 id="outcome-%s">%s %s (%d listed)</h3>`+"\n", esc(string(k.outcome)), badge(k.outcome), esc(k.title), len(list))
		// one table row per connection (bounded), then the ladders
		p.s(`<table><tr><th>#</th><th>client → server</th><th>reason</th><th class="n">handshake ms</th><th>summary</th></tr>` + "\n")
		for n, i := range list {
			if n >= maxConnRows {
				p.f(`<tr><td colspan="5">%d more in the JSON report</td></tr>`+"\n", len(list)-n)
				break
			}
			c := r.Connections[i]
			pre := fmt.Sprintf("connections/%d/", i)
			hs := "<td class=\"n\">–</td>"
			if c.Latency.HandshakeMS != nil {
				hs = fnum(`td class="n"`, pre+"latency/handshake_ms", *c.Latency.HandshakeMS, "")
			}
			p.f(`<tr><td>%s</td><td class="mono">%s → %s</td><td>%s</td>%s<td>%s</td></tr>`+"\n",
				p.connLink(c.ID, det), esc(c.Client.String()), esc(c.Server.String()), esc(c.Reason), hs, escN(c.Summary, 600))
		}
		p.s("</table>\n")
		shown := 0
		for _, i := range list {
			if det[i] {
				p.conn(i)
				shown++
			}
		}
		if shown < len(list) && k.outcome != smcflow.OutcomeNotSMC {
			p.f(`<p class="note">%d more %s connections are counted in the summary and the rollups, not drawn (first %d drawn).</p>`+"\n", len(list)-shown, esc(string(k.outcome)), shown)
		}
	}
}

func (p *page) conn(i int) {
	c := p.r.Connections[i]
	pre := fmt.Sprintf("connections/%d/", i)
	p.f(`<section class="conn" id="conn-%d" data-outcome="%s">`+"\n", c.ID, esc(string(c.Outcome)))
	p.f(`<h3>Connection %s %s <span class="mono">%s → %s</span>`, num("span", pre+"id", c.ID), badge(c.Outcome), esc(c.Client.String()), esc(c.Server.String()))
	if c.Tunnel != "" {
		p.f(` inside %s`, txt("span", pre+"tunnel", c.Tunnel))
	}
	if c.Reason != "" {
		p.f(` reason %s`, txt("b", pre+"reason", c.Reason))
	}
	p.s("</h3>\n")
	p.f("<p>%s</p>\n", escN(c.Summary, 600))
	if d := c.Decline; d != nil {
		p.f(`<p><b>Decline</b> %s %s sent by the <b>%s</b> in frame %s, stage %s.`, txt("span", pre+"decline/code", d.Code), esc(d.Name), esc(d.By), num("span", pre+"decline/frame", d.Frame), esc(d.Stage))
		if d.DelayMS != nil {
			p.f(` Late: %s after the Confirm.`, fnum("span", pre+"decline/delay_after_confirm_ms", *d.DelayMS, " ms"))
		}
		p.f(" %s", esc(d.Meaning))
		if d.Remedy != "" {
			p.f(" <b>Remedy:</b> %s", esc(d.Remedy))
		}
		p.s("</p>\n")
	}
	p.s(`<p class="note">`)
	p.f("%s packets, %s bytes", num("span", pre+"packets", c.Packets), num("span", pre+"bytes", c.Bytes))
	if c.Latency.CLCMS != nil {
		p.f("; CLC %s", fnum("span", pre+"latency/clc_ms", *c.Latency.CLCMS, " ms"))
	}
	if l := c.Link; l != nil {
		p.f("; SMC-R link %s", txt("b", pre+"link/state", l.State))
		if l.ConfirmFrame > 0 {
			p.f(" (LLC CONFIRM_LINK frame %s)", num("span", pre+"link/confirm_frame", l.ConfirmFrame))
		}
		p.f(", %s CDC messages, %s RDMA writes, %s RoCE packets", num("span", pre+"link/cdc_messages", l.CDCMessages), num("span", pre+"link/rdma_writes", l.RDMAWrites), num("span", pre+"link/roce_packets", l.RoCEPackets))
	}
	p.s("</p>\n")
	p.ladder(c, pre)
	p.s("</section>\n")
}

// step is one row of a ladder diagram.
type step struct {
	file    string // Evidence.File (several files analyzed)
	t       time.Time
	frame   int
	dir     string // "C>S", "S>C", "link" (RoCE, both ways)
	what    string
	evIndex int // index in Conn.Evidence, -1 for derived rows
	decline bool
}

func relTime(d time.Duration) string {
	switch {
	case d < time.Second && d > -time.Second:
		return fmt.Sprintf("+%.3f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("+%.3f s", d.Seconds())
	}
}

// missing names the step a timed-out handshake waited for.
var missing = map[string]string{
	smcflow.ReasonNoAccept: "CLC Accept", smcflow.ReasonNoConfirm: "CLC Confirm", smcflow.ReasonNoProposal: "CLC Proposal",
	smcflow.ReasonNoSYNACK: "SYN-ACK", smcflow.ReasonNoCLC: "CLC message", smcflow.ReasonCaptureEnded: "next step",
	smcflow.ReasonLinkUnverified: "RoCE link confirmation",
}

const gapThreshold = 500 * time.Millisecond

// ladder draws the connection's handshake as an SVG ladder diagram: client
// and server lifelines, one arrow per evidence step (frame, relative time),
// the RoCE link confirmation when visible, long waits as gaps with their
// length, and the wait that ended the capture or timed out.
func (p *page) ladder(c *smcflow.Conn, pre string) {
	var steps []step
	for j, e := range c.Evidence {
		steps = append(steps, step{file: e.File, t: e.Time, frame: e.Frame, dir: e.Dir, what: e.What, evIndex: j,
			decline: strings.Contains(e.What, "Decline")})
	}
	reused := ""
	if l := c.Link; l != nil && l.ConfirmedAt != nil && l.ConfirmedAt.Before(c.Times.First) {
		reused = fmt.Sprintf("reuses the SMC-R link confirmed earlier (LLC CONFIRM_LINK, frame %d)", l.ConfirmFrame)
	} else if l != nil && l.ConfirmedAt != nil {
		st := step{t: *l.ConfirmedAt, frame: l.ConfirmFrame, dir: "link", what: "RoCE: LLC CONFIRM_LINK (SMC-R link confirmed)", evIndex: -1}
		k := len(steps)
		for k > 0 && steps[k-1].t.After(st.t) {
			k--
		}
		steps = append(steps[:k], append([]step{st}, steps[k:]...)...)
	}
	omitted := 0
	if len(steps) > maxSteps {
		omitted = len(steps) - maxSteps
		steps = steps[:maxSteps]
	}
	t0 := c.Times.First
	if t0.IsZero() && len(steps) > 0 {
		t0 = steps[0].t
	}
	const (
		W, xl, xc, xs = 900, 10, 300, 760
		rowH, gapH    = 38, 34
		top           = 58
	)
	// the rows' y positions, gaps inserted for long waits
	ys := make([]int, len(steps))
	y := top + 18
	var gaps []struct {
		y  int
		d  time.Duration
		at int
	}
	for k := range steps {
		if k > 0 {
			if d := steps[k].t.Sub(steps[k-1].t); d >= gapThreshold {
				gaps = append(gaps, struct {
					y  int
					d  time.Duration
					at int
				}{y, d, k})
				y += gapH
			}
		}
		ys[k] = y
		y += rowH
	}
	wait := ""
	var waitD time.Duration
	if w, ok := missing[c.Reason]; ok && len(steps) > 0 && c.Outcome != smcflow.OutcomeSMC {
		waitD = c.Times.Last.Sub(steps[len(steps)-1].t)
		wait = w
	}
	H := y + 10
	if wait != "" {
		H += gapH + 10
	}
	if omitted > 0 {
		H += 20
	}
	p.f(`<svg class="ladder" role="img" aria-label="handshake ladder of connection %d" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", c.ID, W, H, W, H)
	p.f(`<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	cl, sv := "client", "server"
	if c.RolesGuessed {
		cl, sv = "client (guessed)", "server (guessed)"
	}
	p.f(`<text x="%d" y="14" class="rel">frame · time since the connection's first packet</text>`+"\n", xl)
	if reused != "" {
		p.f(`<text x="%d" y="14" text-anchor="end" class="reuse">⇄ %s</text>`+"\n", W-10, esc(reused))
	}
	for _, h := range []struct {
		x    int
		role string
		addr netip.AddrPort
	}{{xc, cl, c.Client}, {xs, sv, c.Server}} {
		p.f(`<g class="hdr"><rect x="%d" y="22" width="180" height="30"/><text x="%d" y="35" font-weight="bold">%s</text><text x="%d" y="48" font-size="11">%s</text></g>`+"\n",
			h.x-90, h.x, esc(h.role), h.x, esc(h.addr.String()))
		p.f(`<line class="life" x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n", h.x, top-6, h.x, H-8)
	}
	for _, g := range gaps {
		p.f(`<g class="wait"><rect x="%d" y="%d" width="%d" height="%d"/><text x="%d" y="%d">⋯ %s wait ⋯</text></g>`+"\n",
			xc, g.y-6, xs-xc, gapH-8, (xc+xs)/2, g.y+gapH/2-4, esc(durText(g.d)))
	}
	for k, st := range steps {
		yy := ys[k]
		rel := relTime(st.t.Sub(t0))
		frame := fmt.Sprintf("frame %d", st.frame)
		if st.evIndex >= 0 {
			frame = fmt.Sprintf(`frame <tspan data-json="%sevidence/%d/frame" data-value="%d">%d</tspan>`, pre, st.evIndex, st.frame, st.frame)
		} else if st.frame > 0 {
			frame = fmt.Sprintf(`frame <tspan data-json="%slink/confirm_frame" data-value="%d">%d</tspan>`, pre, st.frame, st.frame)
		}
		if st.file != "" { // frame numbers count per file
			rel += " · " + filepath.Base(st.file)
		}
		class, label := "step", st.what
		switch {
		case st.decline:
			class += " decl"
			label = "✕ " + label
			if c.Decline != nil {
				label += fmt.Sprintf(" (sent by the %s)", c.Decline.By)
			}
		case st.dir == "link":
			class += " link"
			label = "⇄ " + label
		}
		x1, x2 := xc, xs
		if st.dir == "S>C" {
			x1, x2 = xs, xc
		}
		p.f(`<g class="%s" data-dir="%s"><text x="%d" y="%d">%s</text><text class="rel" x="%d" y="%d">%s</text>`, class, esc(st.dir), xl, yy, frame, xl, yy+14, esc(rel))
		p.f(`<line class="msg" x1="%d" y1="%d" x2="%d" y2="%d"/><text class="lbl" x="%d" y="%d">%s</text></g>`+"\n", x1, yy+6, x2, yy+6, (xc+xs)/2, yy, escN(label, 90))
	}
	if omitted > 0 {
		p.f(`<text class="rel" x="%d" y="%d">… %d more steps in the JSON report (evidence)</text>`+"\n", xl, y+6, omitted)
		y += 20
	}
	if wait != "" {
		p.f(`<g class="timeout"><rect x="%d" y="%d" width="%d" height="%d"/><text x="%d" y="%d">no %s: waited %s until the last packet (%s)</text></g>`+"\n",
			xc, y, xs-xc, gapH-4, (xc+xs)/2, y+gapH/2+1, esc(wait), esc(durText(waitD)), esc(c.Reason))
	}
	p.s("</svg>\n")
}

func durText(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
	return fmt.Sprintf("%.3f ms", float64(d)/1e6)
}

func trim(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (p *page) streams() {
	m := p.r.Multicast
	if m == nil || len(m.Streams) == 0 {
		return
	}
	p.s(`<h2 id="streams">UDP streams</h2>` + "\n")
	p.s(`<table><tr><th>stream</th><th>source → destination</th><th>format</th><th class="n">packets</th><th class="n">lost</th><th class="n">gaps</th><th class="n">duplicates</th><th class="n">reordered</th><th class="n">resets</th></tr>` + "\n")
	for i, s := range m.Streams {
		if i >= maxRows {
			p.f(`<tr><td colspan="9">%d more in the JSON report</td></tr>`, len(m.Streams)-i)
			break
		}
		pre := fmt.Sprintf("multicast/streams/%d/", i)
		var gaps, dups, reo, rst uint64
		for _, q := range s.Sequences {
			gaps += q.GapCount
			dups += q.Duplicates
			reo += q.Reordered
			rst += q.ResetCount
		}
		p.f(`<tr><td>%s</td><td class="mono">%s → %s</td><td>%s</td>%s%s<td class="n">%d</td><td class="n">%d</td><td class="n">%d</td><td class="n">%d</td></tr>`+"\n",
			streamLink(i, s.ID), escN(s.Src, 80), escN(s.Dst, 80), esc(s.Format), num(`td class="n"`, pre+"packets", s.Packets), num(`td class="n"`, pre+"lost", s.Lost), gaps, dups, reo, rst)
	}
	p.s("</table>\n")
	var marks []mcast.TimeMark
	if c := p.r.Counters; c != nil {
		for _, si := range []struct {
			s     *report.SnapshotInfo
			label string
		}{{c.Before, "counters before"}, {c.After, "counters after"}} {
			if si.s == nil {
				continue
			}
			if t, ok := snapTime(si.s.Time); ok {
				marks = append(marks, mcast.TimeMark{Time: t, Label: si.label})
			}
		}
	}
	if marks == nil {
		marks = []mcast.TimeMark{}
	}
	// pairs: both legs on one axis
	inPair := map[int]bool{}
	drawn := 0
	for i := range m.Pairs {
		pr := &m.Pairs[i]
		inPair[pr.StreamA], inPair[pr.StreamB] = true, true
		if drawn >= maxTimelines {
			continue
		}
		drawn++
		pre := fmt.Sprintf("multicast/pairs/%d/", i)
		p.f(`<section class="stream pair" id="pair-%d"><h3>A/B pair: leg A %s, leg B %s</h3>`+"\n", i, streamLink(pr.StreamA-1, pr.StreamA), streamLink(pr.StreamB-1, pr.StreamB))
		p.f(`<p>lost on A %s (recoverable from B), lost on B %s, <b>lost on both legs %s</b>%s</p>`+"\n",
			num("span", pre+"lost_a", pr.LostA), num("span", pre+"lost_b", pr.LostB), num("b", pre+"lost_both", pr.LostBoth), map[bool]string{true: " (approximate)", false: ""}[pr.Approx])
		p.timeline(mcast.TimelineOptions{Streams: []int{pr.StreamA, pr.StreamB}, Pair: pr, Marks: marks, ExtendAxis: true, MaxPanels: maxPanels, MaxMarkers: maxMarkers})
		p.s("</section>\n")
	}
	for i, s := range m.Streams {
		pre := fmt.Sprintf("multicast/streams/%d/", i)
		in := ""
		if s.Tunnel != "" {
			in = " inside " + txt("span", pre+"tunnel", s.Tunnel)
		}
		p.f(`<section class="stream" id="stream-%d"><h3>Stream %s <span class="mono">%s → %s</span>%s (%s)</h3>`+"\n", s.ID, num("span", pre+"id", s.ID), escN(s.Src, 80), escN(s.Dst, 80), in, esc(s.Format))
		p.f(`<p>%s packets, lost %s, first frame %s, last frame %s`, num("span", pre+"packets", s.Packets), num("b", pre+"lost", s.Lost), num("span", pre+"first_frame", s.FirstFrame), num("span", pre+"last_frame", s.LastFrame))
		for j, q := range s.Sequences {
			if j >= maxPanels {
				p.f("; %d more sequence spaces", len(s.Sequences)-j)
				break
			}
			qp := fmt.Sprintf("%ssequences/%d/", pre, j)
			p.f(`; %s%s gaps, %s duplicates, %s reordered, %s resets, pattern %s`, escN(q.Key+" ", 80), num("span", qp+"gap_count", q.GapCount), num("span", qp+"duplicates", q.Duplicates),
				num("span", qp+"reordered", q.Reordered), num("span", qp+"reset_count", q.ResetCount), escN(q.Pattern, 80))
		}
		p.s("</p>\n")
		if s.SnaplenCut != nil && s.SnaplenCut.Advice != "" {
			p.f(`<p><b>Cut by the snaplen:</b> sequence analysis %s; %s</p>`, esc(s.SnaplenCut.SequenceAnalysis), esc(s.SnaplenCut.Advice))
		}
		for _, e := range s.ICMPErrors {
			p.f(`<p><b>ICMP %s from %s:</b> %d (first at frame %d): %s`, esc(e.Kind), esc(e.Sender), e.Count, e.FirstFrame, esc(e.Meaning))
			if !e.Expected {
				p.f(`; %s`, mcast.RateLimitNote)
			}
			p.s("</p>\n")
		}
		if len(s.Sequences) > 0 && !inPair[s.ID] && drawn < maxTimelines {
			drawn++
			p.timeline(mcast.TimelineOptions{Streams: []int{s.ID}, Marks: marks, ExtendAxis: true, MaxPanels: maxPanels, MaxMarkers: maxMarkers})
		} else if inPair[s.ID] {
			p.s(`<p class="note">timeline drawn with its A/B pair above</p>`)
		}
		// gap list (bounded)
		n := 0
		for j, q := range s.Sequences {
			for k, g := range q.Gaps {
				if n == 0 {
					p.s(`<table class="gaps"><tr><th>first missing</th><th class="n">count</th><th>from frame</th><th>revealed by frame</th><th>time</th><th>verdict</th></tr>` + "\n")
				}
				if n++; n > maxGapRows {
					continue
				}
				gp := fmt.Sprintf("%ssequences/%d/gaps/%d/", pre, j, k)
				verdict := escN(g.Verdict, 40)
				if gm := g.Membership; gm != nil {
					verdict += "<br>" + escN(gm.Text, 300)
				}
				p.f(`<tr>%s%s%s%s<td>%s</td><td>%s</td></tr>`+"\n", num("td", gp+"first_missing", g.FirstMissing), num(`td class="n"`, gp+"count", g.Count),
					num("td", gp+"prev_frame", g.PrevFrame), num("td", gp+"frame", g.Frame), esc(g.Start.UTC().Format("15:04:05.000000")), verdict)
			}
		}
		if n > maxGapRows {
			p.f(`<tr><td colspan="6">%d more gaps in the JSON report</td></tr>`, n-maxGapRows)
		}
		if n > 0 {
			p.s("</table>\n")
		}
		p.s("</section>\n")
		if i+1 >= maxStreams {
			if len(m.Streams) > maxStreams {
				p.f(`<p class="note">%d more streams in the table above and the JSON report (first %d in detail).</p>`+"\n", len(m.Streams)-maxStreams, maxStreams)
			}
			break
		}
	}
	if len(m.CaptureDrops) > 0 {
		p.s(`<h3>Capture drops (pcapng interface statistics, cumulative)</h3><table><tr><th>time</th><th>interface</th><th class="n">if_drop</th><th class="n">os_drop</th></tr>` + "\n")
		for i, d := range m.CaptureDrops {
			if i >= maxRows {
				break
			}
			pre := fmt.Sprintf("multicast/capture_drops/%d/", i)
			p.f(`<tr><td>%s</td><td>%d</td>%s%s</tr>`+"\n", esc(d.Time.UTC().Format(time.RFC3339Nano)), d.Interface, num(`td class="n"`, pre+"if_drop", d.IfDrop), num(`td class="n"`, pre+"os_drop", d.OSDrop))
		}
		p.s("</table>\n")
	}
	if len(m.Retransmissions) > 0 {
		p.f(`<p class="note">%d RTP retransmission flow(s): see the JSON report (retransmissions).</p>`+"\n", len(m.Retransmissions))
	}
}

// membership renders what the capture's IGMP and MLD messages say: the
// queries per protocol, each group's reports and leaves, the notes.
func (p *page) membership() {
	m := p.r.Multicast
	if m == nil || m.Membership == nil {
		return
	}
	ms := m.Membership
	p.s(`<h2 id="membership">Group membership (IGMP/MLD)</h2>` + "\n")
	for i, q := range ms.Queries {
		p.f(`<p>%s: %s general queries`, esc(q.Protocol), num("b", fmt.Sprintf("multicast/membership/queries/%d/general", i), q.General))
		if len(q.Queriers) > 0 {
			p.f(`, queriers %s`, escN(strings.Join(q.Queriers, ", "), 200))
		}
		p.s("</p>\n")
	}
	if len(ms.Groups) > 0 {
		p.s(`<table><tr><th>group</th><th class="n">reports</th><th class="n">leaves</th><th class="n">group queries</th><th>last leave</th><th>hosts</th></tr>` + "\n")
		for i, g := range ms.Groups {
			if i >= maxRows {
				p.f(`<tr><td colspan="6">%d more groups in the JSON report</td></tr>`, len(ms.Groups)-i)
				break
			}
			pre := fmt.Sprintf("multicast/membership/groups/%d/", i)
			last := ""
			if g.LastLeave != nil {
				last = g.LastLeave.UTC().Format("15:04:05.000000") + " by " + g.LastLeaveBy
			}
			where := g.Group
			if g.VLAN != 0 {
				where += fmt.Sprintf(" vlan %d", g.VLAN)
			}
			if g.Interface != 0 {
				where += fmt.Sprintf(" if %d", g.Interface)
			}
			p.f(`<tr><td>%s</td>%s%s%s<td>%s</td><td>%s</td></tr>`+"\n", esc(where), num(`td class="n"`, pre+"reports", g.Reports),
				num(`td class="n"`, pre+"leaves", g.Leaves), num(`td class="n"`, pre+"queries", g.Queries), esc(last), escN(strings.Join(g.Hosts, ", "), 200))
		}
		p.s("</table>\n")
	}
	for _, n := range ms.Notes {
		p.f(`<p class="note">%s</p>`+"\n", esc(n))
	}
}

// snapTime parses SnapshotInfo.Time (the text report's UTC layout, or
// RFC 3339).
func snapTime(s string) (time.Time, bool) {
	for _, l := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// streamLink links to the detail of the stream at index i when it has one.
func streamLink(i, id int) string {
	if i < maxStreams {
		return fmt.Sprintf(`<a href="#stream-%d">stream %d</a>`, id, id)
	}
	return fmt.Sprintf("stream %d", id)
}

func (p *page) timeline(o mcast.TimelineOptions) {
	if err := p.r.Multicast.Timeline(o).WriteSVG(p.w); err != nil && p.w.Err == nil {
		p.w.Err = err
	}
}

func (p *page) counters() {
	c := p.r.Counters
	if c == nil && p.o.Before == nil && p.o.After == nil {
		return
	}
	p.s(`<h2 id="counters">Kernel counters</h2>` + "\n")
	if c != nil {
		p.f(`<p>snapshots from the %s`, esc(c.Source))
		if c.Before != nil {
			p.f(`; before %s %s`, txt("span", "counters/before/time", c.Before.Time), esc(c.Before.Hostname))
		}
		if c.After != nil {
			p.f(`; after %s %s`, txt("span", "counters/after/time", c.After.Time), esc(c.After.Hostname))
		}
		p.s("</p>\n")
		for i, v := range c.Verdicts {
			if i >= maxVerdicts {
				p.f(`<p>%d more verdicts in the JSON report</p>`, len(c.Verdicts)-i)
				break
			}
			pre := fmt.Sprintf("counters/verdicts/%d/", i)
			p.f(`<div class="card" id="verdict-%d"><b>%s</b> %s <span class="badge">%s confidence</span><p>%s</p>`, i, txt("span", pre+"kind", v.Kind), escN(v.Subject, 120), esc(string(v.Confidence)), esc(v.Text))
			if len(v.Numbers) > 0 {
				p.s(`<table><tr><th>figure</th><th class="n">value</th></tr>`)
				for j, n := range v.Numbers {
					p.f(`<tr><td class="mono">%s</td>%s</tr>`, escN(n.Name, 80), num(`td class="n"`, fmt.Sprintf("%snumbers/%d/value", pre, j), n.Value))
				}
				p.s("</table>")
			}
			p.s("</div>\n")
		}
		for i, n := range c.Notes {
			if i >= maxLinks {
				break
			}
			p.f(`<p class="note">%s</p>`+"\n", esc(n))
		}
	}
	if p.o.Before != nil && p.o.After != nil {
		d := kstat.Diff(p.o.Before, p.o.After)
		p.f(`<h3>Counters that changed (%d)</h3><table><tr><th>counter</th><th class="n">before</th><th class="n">after</th><th class="n">change</th></tr>`+"\n", len(d.Counters))
		for i, cd := range d.Counters {
			if i >= maxRows {
				p.f(`<tr><td colspan="4">%d more</td></tr>`, len(d.Counters)-i)
				break
			}
			reset := ""
			if cd.Reset {
				reset = " (reset)"
			}
			p.f(`<tr><td class="mono">%s</td><td class="n">%d</td><td class="n">%d</td><td class="n">+%d%s</td></tr>`+"\n", escN(cd.Name, 80), cd.Before, cd.After, cd.Delta, reset)
		}
		p.s("</table>\n")
	}
	for _, sn := range []struct {
		s     *kstat.Snapshot
		title string
	}{{p.o.Before, "before"}, {p.o.After, "after"}} {
		if sn.s == nil {
			continue
		}
		var b strings.Builder
		_ = sn.s.WriteTables(&limitWriter{w: &b, n: maxTableText}, kstat.AllTables())
		out := b.String()
		if len(out) >= maxTableText {
			out += "\n… (cut at 64 KiB)"
		}
		p.f(`<h3>smc-tools tables %s the capture (%s)</h3><pre class="kstat-tables">%s</pre>`+"\n", sn.title, esc(sn.s.TimeText()), html.EscapeString(out))
	}
}

// limitWriter keeps the first n bytes and drops the rest without error.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(b []byte) (int, error) {
	k := len(b)
	if l.n <= 0 {
		return k, nil
	}
	if len(b) > l.n {
		b = b[:l.n]
	}
	l.n -= len(b)
	_, err := l.w.Write(b)
	return k, err
}

func (p *page) rollups() {
	for _, rl := range []struct {
		id, title, key string
		rows           []report.Rollup
	}{{"services", "Services (server address:port)", "services", p.r.Services}, {"peer-pairs", "Peer pairs", "peer_pairs", p.r.PeerPairs}} {
		if len(rl.rows) == 0 {
			continue
		}
		p.f(`<h2 id="%s">%s</h2><table><tr><th>key</th><th class="n">total</th><th>outcomes</th><th>reasons</th></tr>`+"\n", rl.id, esc(rl.title))
		for i, r := range rl.rows {
			if i >= maxRows {
				p.f(`<tr><td colspan="4">%d more in the JSON report</td></tr>`, len(rl.rows)-i)
				break
			}
			p.f(`<tr><td class="mono">%s</td>%s<td>%s</td><td>%s</td></tr>`+"\n", escN(r.Key, 120), num(`td class="n"`, fmt.Sprintf("%s/%d/total", rl.key, i), r.Total), counts(r.Outcomes), counts(r.Reasons))
		}
		p.s("</table>\n")
	}
}

func counts(cs []report.Count) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %d", esc(c.Name), c.Count))
	}
	return strings.Join(parts, ", ")
}

// tunnels lists, per file, the tunnels whose frames were analyzed inside
// them (docs/tunnels.md), when there are any.
func (p *page) tunnels() {
	has := false
	for i, f := range p.r.Files {
		if i < maxRows && (len(f.Tunnels) > 0 || f.MoreTunnelFrames > 0) {
			has = true
		}
	}
	if !has {
		return
	}
	p.s(`<h3 id="tunnels">Frames analyzed inside tunnels</h3><table><tr><th>file</th><th>tunnel</th><th class="n">frames</th></tr>` + "\n")
	rows := 0
files:
	for i, f := range p.r.Files {
		if i >= maxRows {
			break
		}
		for j, t := range f.Tunnels {
			if rows == maxRows {
				p.s(`<tr><td colspan="3">more in the JSON report</td></tr>` + "\n")
				break files
			}
			rows++
			p.f(`<tr><td class="mono">%s</td><td class="mono">%s</td>%s</tr>`+"\n", escN(f.Path, 300), esc(report.TunnelLabel(t)), num(`td class="n"`, fmt.Sprintf("files/%d/tunnels/%d/frames", i, j), t.Frames))
		}
		if f.MoreTunnelFrames > 0 {
			p.f(`<tr><td class="mono">%s</td><td>tunnels beyond the first %d</td>%s</tr>`+"\n", escN(f.Path, 300), report.MaxTunnels, num(`td class="n"`, fmt.Sprintf("files/%d/more_tunnel_frames", i), f.MoreTunnelFrames))
		}
	}
	p.s("</table>\n")
}

func (p *page) files() {
	p.s(`<h2 id="files">Files</h2><table><tr><th>file</th><th>format</th><th class="n">packets</th><th class="n">truncated</th><th class="n">problems</th><th class="n">damaged regions</th><th class="n">skipped bytes</th></tr>` + "\n")
	for i, f := range p.r.Files {
		if i >= maxRows {
			p.f(`<tr><td colspan="7">%d more in the JSON report</td></tr>`, len(p.r.Files)-i)
			break
		}
		pre := fmt.Sprintf("files/%d/", i)
		format := formatName(f.Format, f.Variant, f.Compression)
		p.f(`<tr><td class="mono">%s</td><td>%s</td>%s%s%s%s%s</tr>`+"\n", escN(f.Path, 300), esc(format), num(`td class="n"`, pre+"packets", f.Packets), num(`td class="n"`, pre+"truncated_frames", f.Truncated),
			num(`td class="n"`, pre+"problem_count", f.ProblemCount), numOpt(`td class="n"`, pre+"damaged_regions", int64(f.DamagedRegions)), numOpt(`td class="n"`, pre+"skipped_bytes", f.SkippedBytes))
		// The files merged into it (--merge), each with its own counts.
		for j, in := range f.Inputs {
			if j >= maxRows {
				p.f(`<tr><td colspan="7">%d more merged files in the JSON report</td></tr>`, len(f.Inputs)-j)
				break
			}
			ipre := fmt.Sprintf("%sinputs/%d/", pre, j)
			p.f(`<tr><td class="mono">merged from %s</td><td>%s</td>%s<td></td>%s%s%s</tr>`+"\n", escN(in.Path, 300), esc(formatName(in.Format, in.Variant, in.Compression)), num(`td class="n"`, ipre+"packets", in.Packets),
				num(`td class="n"`, ipre+"problem_count", in.ProblemCount), numOpt(`td class="n"`, ipre+"damaged_regions", int64(in.DamagedRegions)), numOpt(`td class="n"`, ipre+"skipped_bytes", in.SkippedBytes))
		}
	}
	p.s("</table>\n")
	p.tunnels()
	if fo := p.r.FileOrder; fo != nil && len(fo.Overlaps) > 0 {
		p.s(`<h3 id="file-order">Where time goes back between files</h3><table><tr><th>file</th><th>starts</th><th>before the end of</th><th>ending</th><th class="n">by (s)</th></tr>` + "\n")
		for i, o := range fo.Overlaps {
			pre := fmt.Sprintf("file_order/overlaps/%d/", i)
			p.f(`<tr><td class="mono">%s</td><td>%s</td><td class="mono">%s</td><td>%s</td>%s</tr>`+"\n", escN(o.File, 300), esc(o.Start.UTC().Format(fileTime)),
				escN(o.Previous, 300), esc(o.PreviousEnd.UTC().Format(fileTime)),
				fmt.Sprintf(`<td class="n" data-json="%s" data-value="%s">%.6f</td>`, esc(pre+"back_s"), jsonNum(o.BackSeconds), o.BackSeconds))
		}
		if fo.MoreOverlaps > 0 {
			p.f(`<tr><td colspan="5">%s more</td></tr>`, num("span", "file_order/more_overlaps", fo.MoreOverlaps))
		}
		p.s("</table>\n")
	}
	shown := 0
	for i, f := range p.r.Files {
		if i >= maxRows {
			break
		}
		if f.Error != "" {
			p.f(`<p><b>ERROR</b> %s: %s</p>`+"\n", escN(f.Path, 300), esc(f.Error))
		}
		pre := fmt.Sprintf("files/%d/", i)
		own, _ := f.OwnProblems() // the merged inputs' are listed under each
		p.problems(f.Path, f.Compression, pre, own, f.Notes, &shown)
		for j, in := range f.Inputs {
			if j >= maxRows {
				break
			}
			if in.Error != "" {
				p.f(`<p><b>ERROR</b> %s (merged): %s</p>`+"\n", escN(in.Path, 300), esc(in.Error))
			}
			p.problems(in.Path+" (merged)", in.Compression, fmt.Sprintf("%sinputs/%d/", pre, j), in.Problems, in.Notes, &shown)
		}
	}
}

// formatName is a file's format for the files table: the format, the pcap
// variant and the compression.
func formatName(format, variant, compression string) string {
	if variant != "" {
		format += " (" + variant + ")"
	}
	if compression != "" {
		format += " (" + compression + "-compressed)"
	}
	return format
}

// problems lists a file's problems and notes with their offsets (JSON
// paths under pre); shown counts the rows over all files (maxProblems).
func (p *page) problems(path, compression, pre string, problems, notes []pcapfile.Problem, shown *int) {
	offset := "offset"
	if compression != "" {
		offset = "decompressed offset"
	}
	if len(problems) > 0 {
		p.f(`<h3>Problems in %s</h3><table class="problems"><tr><th class="n">%s</th><th class="n">skipped bytes</th><th>problem</th></tr>`+"\n", escN(path, 300), offset)
		for j, pr := range problems {
			if *shown >= maxProblems {
				p.f(`<tr><td colspan="3">%d more in the JSON report</td></tr>`, len(problems)-j)
				break
			}
			*shown++
			ppre := fmt.Sprintf("%sproblems/%d/", pre, j)
			p.f(`<tr>%s<td class="n">%d</td><td>%s</td></tr>`+"\n", num(`td class="n"`, ppre+"offset", pr.Offset), pr.Skipped, escN(pr.Msg, 200))
		}
		p.s("</table>\n")
	}
	if len(notes) > 0 {
		// Odd, but no damage (docs/capture.md §3.3.1).
		p.f(`<h3>Notes on %s</h3><table class="problems"><tr><th class="n">%s</th><th>note (not damage)</th></tr>`+"\n", escN(path, 300), offset)
		for j, n := range notes {
			if *shown >= maxProblems {
				p.f(`<tr><td colspan="2">%d more in the JSON report</td></tr>`, len(notes)-j)
				break
			}
			*shown++
			p.f(`<tr>%s<td>%s</td></tr>`+"\n", num(`td class="n"`, fmt.Sprintf("%snotes/%d/offset", pre, j), n.Offset), escN(n.Msg, 200))
		}
		p.s("</table>\n")
	}
}

// WriteConnection writes a page with only one connection's detail and
// ladder diagram (for a ticket, or an image of one handshake); the
// connection is the one with ID id.
func WriteConnection(w io.Writer, r *report.Report, id int) error {
	p := &page{w: textio.New(w), r: r, o: Options{MaxDetail: DefaultMaxDetail}, idx: map[int]int{}}
	for i, c := range r.Connections {
		p.idx[c.ID] = i
	}
	i, ok := p.idx[id]
	if !ok {
		return fmt.Errorf("no connection %d in the report", id)
	}
	p.f("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>smcdump: connection %d</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", id, css)
	p.s(defs)
	p.conn(i)
	p.s("</main>\n</body>\n</html>\n")
	return p.w.Err
}
