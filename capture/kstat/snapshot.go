package kstat

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

// Schema identifies the snapshot JSON format described in the package doc.
const Schema = "smcdump.kstat/v1"

// Raw source kinds.
const (
	KindGenl     = "genl"      // SMC_GEN_NETLINK reply; Name is the command (e.g. "GET_STATS")
	KindSockDiag = "sock_diag" // smc_diag reply; Name is "smc_diag"
	KindProc     = "proc"      // /proc file; Name is relative to /proc (e.g. "net/snmp")
	KindText     = "text"      // saved tool output; Name is the toolfmt format
)

// RawSource is one source exactly as read.
type RawSource struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Errno int32  `json:"errno,omitempty"`  // kernel error for this request
	Bytes []byte `json:"base64,omitempty"` // binary sources (netlink)
	Text  string `json:"text,omitempty"`   // text sources
	// Error is why the source could not be parsed. Its bytes are then kept
	// for debugging, cut to MaxFailedRaw bytes; CutFrom is the size before
	// the cut (0: not cut).
	Error   string `json:"error,omitempty"`
	CutFrom int    `json:"cut_from,omitempty"`
	// Omitted is the number of socket lines left out of a socket table
	// (/proc/net/udp, udp6, tcp, tcp6) kept to a bound (procnet.KeepSockets,
	// collect.Options.MaxSockets); 0: the table is whole.
	Omitted int `json:"omitted,omitempty"`
	// OmittedBusy is how many of Omitted had data queued or drops (more
	// such sockets than the bound).
	OmittedBusy int `json:"omitted_busy,omitempty"`
}

// MaxFailedRaw bounds the bytes kept of a source that failed to parse.
const MaxFailedRaw = 64 << 10

// Stages of a SourceError.
const (
	StageRead  = "read"  // collecting the source failed (missing, permission, I/O)
	StageParse = "parse" // its bytes are empty or malformed
)

// SourceError is one source that could not be used. Every source is
// independent: the others are still collected and decoded.
type SourceError struct {
	// Source names it as a user knows it: "/proc/net/snmp",
	// "SMC_GEN_NETLINK", "smc_diag", or the tool format of a text input.
	Source string `json:"source"`
	Stage  string `json:"stage"` // StageRead or StageParse
	Error  string `json:"error"`
}

func (e SourceError) String() string { return e.Source + ": " + e.Error }

// sourceName is how a user knows a raw source.
func sourceName(r RawSource) string {
	switch r.Kind {
	case KindProc:
		return "/proc/" + r.Name
	case KindGenl:
		if r.Name == PNETCommand {
			return "SMC_PNETID"
		}
		return "SMC_GEN_NETLINK " + r.Name
	}
	return r.Name
}

// SMCState is the SMC part of a snapshot.
type SMCState struct {
	Available   bool           `json:"available"`
	Note        string         `json:"note,omitempty"`
	Unsupported []string       `json:"unsupported,omitempty"`
	Info        *smcnl.Info    `json:"info,omitempty"`
	Sockets     []smcnl.Socket `json:"sockets,omitempty"`
	// PNET is the PNET table (SMC_PNETID_GET dump, what `smc_pnet -s` shows).
	PNET []toolfmt.PNETRow `json:"pnet,omitempty"`
	// SocketsOmitted counts, by mode ("smcr", "fallback", "smcd"), the
	// sockets of the smc_diag reply a bounded snapshot left out
	// (smcnl.KeepDiag); Sockets holds the others.
	SocketsOmitted map[string]int `json:"sockets_omitted,omitempty"`
}

// omitted says how many SMC sockets a bounded snapshot left out, by mode
// ("12 more SMC sockets left out: 10 smcr, 2 smcd"); "" when none were.
func (m *SMCState) omitted() string {
	n := 0
	var parts []string
	for _, k := range []string{"smcr", "smcd", "fallback", "other"} {
		if v := m.SocketsOmitted[k]; v > 0 {
			n += v
			parts = append(parts, fmt.Sprintf("%d %s", v, k))
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d more SMC sockets left out: %s", n, strings.Join(parts, ", "))
}

// NoteOmitted records n sockets of mode left out of the smc_diag reply.
func (m *SMCState) NoteOmitted(mode string, n int) {
	if n <= 0 {
		return
	}
	if m.SocketsOmitted == nil {
		m.SocketsOmitted = map[string]int{}
	}
	m.SocketsOmitted[mode] += n
}

// Snapshot is one set of kernel counters at one time. See the package doc
// for the JSON form.
type Snapshot struct {
	Schema   string    `json:"schema"`
	TakenAt  time.Time `json:"taken_at"`
	Hostname string    `json:"hostname,omitempty"`
	Kernel   string    `json:"kernel,omitempty"`
	NetNS    string    `json:"netns,omitempty"`
	// Interfaces maps interface indexes to names in the snapshot's network
	// namespace (for the Net-Dev columns of the smc-tools tables).
	Interfaces map[uint32]string `json:"interfaces,omitempty"`
	ByteOrder  string            `json:"byte_order"`
	Source     string            `json:"source"`
	SMC        SMCState          `json:"smc"`
	Proc       *procnet.Tree     `json:"proc,omitempty"`
	Tools      *toolfmt.Data     `json:"tools,omitempty"`
	Raw        []RawSource       `json:"raw,omitempty"`
	// Errors are problems recorded by older smcdump versions (still shown);
	// newer ones record SourceErrors.
	Errors []string `json:"errors,omitempty"`
	// SourceErrors lists the sources that could not be used, with why.
	SourceErrors []SourceError `json:"source_errors,omitempty"`
}

// AddSourceError records a source that could not be used.
func (s *Snapshot) AddSourceError(source, stage, msg string) {
	s.SourceErrors = append(s.SourceErrors, SourceError{Source: source, Stage: stage, Error: msg})
}

// SourceError returns the error recorded for source ("/proc/net/snmp"), if any.
func (s *Snapshot) SourceError(source string) (SourceError, bool) {
	for _, e := range s.SourceErrors {
		if e.Source == source {
			return e, true
		}
	}
	return SourceError{}, false
}

// Failed reports whether no source at all could be used: every source
// failed (and none was merely absent, like an unloaded SMC module).
func (s *Snapshot) Failed() bool {
	if len(s.SourceErrors) == 0 {
		return false
	}
	for _, r := range s.Raw {
		if r.Error == "" && r.CutFrom == 0 && r.Errno == 0 {
			return false
		}
	}
	return true
}

// Order returns the byte order of the raw bytes.
func (s *Snapshot) Order() binary.ByteOrder {
	if s.ByteOrder == "big" {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// OrderName is the Snapshot.ByteOrder value of o: "big" or "little".
func OrderName(o binary.ByteOrder) string {
	if o == binary.BigEndian {
		return "big"
	}
	var b [2]byte
	o.PutUint16(b[:], 1)
	if b[0] == 0 {
		return "big"
	}
	return "little"
}

// MarshalJSON encodes the snapshot (schema "smcdump.kstat/v1"), with the time
// in UTC. Map keys are sorted, so the output is deterministic.
func (s *Snapshot) MarshalJSON() ([]byte, error) {
	type plain Snapshot
	c := *s
	c.Schema = Schema
	c.TakenAt = c.TakenAt.UTC()
	return json.Marshal((*plain)(&c))
}

// Decode rebuilds the parsed members of s (SMC info and sockets, /proc tree,
// tool data) from s.Raw using s.ByteOrder. Each raw source is independent:
// one that cannot be parsed is recorded in s.SourceErrors (stage "parse",
// naming the source and the line) and in its RawSource.Error, its bytes are
// cut to MaxFailedRaw, and the others are still decoded. Errors of stage
// "read" (recorded while collecting) are kept. Decode itself does not fail.
func (s *Snapshot) Decode() error {
	order := s.Order()
	s.SMC.Info, s.SMC.Sockets, s.SMC.Unsupported, s.SMC.PNET = nil, nil, nil, nil
	s.Proc, s.Tools = nil, nil
	kept := s.SourceErrors[:0]
	for _, e := range s.SourceErrors {
		if e.Stage != StageParse {
			kept = append(kept, e)
		}
	}
	s.SourceErrors = kept
	var replies []smcnl.Reply
	var genl []int // raw indexes of replies
	for i := range s.Raw {
		r := &s.Raw[i]
		if r.CutFrom > 0 {
			// Cut when it failed before: not decodable any more.
			msg := r.Error
			if msg == "" {
				msg = "malformed"
			}
			s.AddSourceError(sourceName(*r), StageParse, fmt.Sprintf("%s (raw bytes kept: first %d of %d)", msg, len(r.Text)+len(r.Bytes), r.CutFrom))
			continue
		}
		r.Error = ""
		var err error
		switch r.Kind {
		case KindGenl:
			if r.Name == PNETCommand {
				if r.Errno != 0 {
					continue
				}
				var p []toolfmt.PNETRow
				if p, err = decodePNET(r.Bytes, order); err == nil {
					s.SMC.PNET = p
				}
				break // a failure is recorded below
			}
			cmd, ok := smcnl.CommandByName(r.Name)
			if !ok {
				continue // a newer command: keep, do not decode
			}
			if r.Errno != 0 {
				s.SMC.Unsupported = append(s.SMC.Unsupported, r.Name)
				continue
			}
			replies = append(replies, smcnl.Reply{Command: cmd, Raw: r.Bytes})
			genl = append(genl, i)
			continue
		case KindSockDiag:
			if r.Errno != 0 {
				continue
			}
			var socks []smcnl.Socket
			if socks, err = smcnl.ParseDiag(r.Bytes, order); err == nil {
				s.SMC.Sockets = socks
			}
		case KindProc:
			t := &procnet.Tree{}
			if err = t.Parse(r.Name, []byte(r.Text), order); err == nil {
				t.NoteOmitted(r.Name, r.Omitted, r.OmittedBusy)
				if s.Proc == nil {
					s.Proc = &procnet.Tree{}
				}
				mergeTree(s.Proc, t, true)
			}
		case KindText:
			var d *toolfmt.Data
			if d, err = toolfmt.Parse(toolfmt.Format(r.Name), strings.NewReader(r.Text)); err == nil {
				s.mergeTool(d)
			}
		default:
			continue
		}
		if err != nil {
			s.failRaw(i, err)
		}
	}
	if len(replies) > 0 {
		in, err := smcnl.Decode(replies, order)
		if err != nil {
			// The replies are decoded together: name them all.
			for _, i := range genl {
				s.failRaw(i, err)
			}
		} else {
			s.SMC.Info = in
		}
	}
	return nil
}

// failRaw records that raw source i could not be parsed and bounds the bytes
// kept of it.
func (s *Snapshot) failRaw(i int, err error) {
	r := &s.Raw[i]
	r.Error = err.Error()
	if n := len(r.Text) + len(r.Bytes); n > MaxFailedRaw {
		r.CutFrom = n
		if len(r.Text) > MaxFailedRaw {
			r.Text = r.Text[:MaxFailedRaw]
		}
		if len(r.Bytes) > MaxFailedRaw {
			r.Bytes = append([]byte(nil), r.Bytes[:MaxFailedRaw]...)
		}
	}
	s.AddSourceError(sourceName(*r), StageParse, r.Error)
}

// mergeTool folds parsed tool text into the snapshot: counters that /proc
// would hold go to Proc, the rest to Tools.
func (s *Snapshot) mergeTool(d *toolfmt.Data) {
	if d.Proc != nil {
		if s.Proc == nil {
			s.Proc = &procnet.Tree{}
		}
		mergeTree(s.Proc, d.Proc, false)
	}
	if d.SMCSockets != nil {
		s.SMC.Sockets = append(s.SMC.Sockets, d.SMCSockets...)
	}
	if d.SMCStats != nil {
		s.SMC.Available = true
		if s.SMC.Info == nil {
			s.SMC.Info = &smcnl.Info{}
		}
		d.SMCStats.MergeInto(s.SMC.Info)
	}
	if s.Tools == nil {
		s.Tools = &toolfmt.Data{}
	}
	s.Tools.Merge(d)
}

// mergeTree merges src into dst. own says src is not used afterwards: its
// counter sections are then taken over instead of copied (most of the cost
// of a merge into an empty tree, as Decode makes one per /proc file).
func mergeTree(dst, src *procnet.Tree, own bool) {
	mergeCounters := func(dst *procnet.Counters, src procnet.Counters) {
		if src == nil {
			return
		}
		if *dst == nil {
			*dst = procnet.Counters{}
		}
		for sec, m := range src {
			if (*dst)[sec] == nil {
				if own && m != nil {
					(*dst)[sec] = m
					continue
				}
				(*dst)[sec] = map[string]uint64{}
			}
			for k, v := range m {
				(*dst)[sec][k] = v
			}
		}
	}
	mergeCounters(&dst.SNMP, src.SNMP)
	mergeCounters(&dst.SNMP6, src.SNMP6)
	mergeCounters(&dst.Netstat, src.Netstat)
	for k, v := range src.Signed {
		if dst.Signed == nil {
			dst.Signed = procnet.Signed{}
		}
		dst.Signed[k] = v
	}
	dst.Sockets = append(dst.Sockets, src.Sockets...)
	for k, v := range src.Omitted {
		dst.NoteOmitted(k, v, src.OmittedBusy[k])
	}
	dst.Dev = append(dst.Dev, src.Dev...)
	dst.Softnet = append(dst.Softnet, src.Softnet...)
	if src.RmemMax != nil {
		dst.RmemMax = src.RmemMax
	}
	if src.RmemDef != nil {
		dst.RmemDef = src.RmemDef
	}
}

// Decode builds a snapshot from raw sources (as kept in a snapshot file)
// produced by a host with byte order order.
func Decode(raw []RawSource, order binary.ByteOrder) (*Snapshot, error) {
	s := &Snapshot{Schema: Schema, ByteOrder: OrderName(order), Source: "raw", Raw: raw}
	if err := s.Decode(); err != nil {
		return nil, err
	}
	for _, r := range raw {
		if r.Kind == KindGenl {
			s.SMC.Available = true
		}
	}
	return s, nil
}

// ReadSnapshot reads a snapshot file written by smcdump (JSON with schema
// "smcdump.kstat/v1"), or saved tool text in any format toolfmt.Detect
// recognizes (smcr/smcd stats, smcss, netstat -s, nstat, ss -u -a -m,
// ethtool -S, raw copies of the /proc files). Parsed members of JSON files
// are rebuilt from their raw sources. A parse failure names the line.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' && bytes.Contains(b, []byte(`"schema"`)) {
		var s Snapshot
		dec := json.NewDecoder(bytes.NewReader(b)) // first document of a JSON-lines file
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("snapshot JSON: %w", err)
		}
		if !strings.HasPrefix(s.Schema, "smcdump.kstat/") {
			return nil, fmt.Errorf("snapshot JSON: unknown schema %q", s.Schema)
		}
		if s.Schema != Schema {
			return nil, fmt.Errorf("snapshot JSON: schema %q is newer than this smcdump (%s)", s.Schema, Schema)
		}
		if len(s.Raw) > 0 {
			if err := s.Decode(); err != nil {
				return nil, err
			}
		}
		return &s, nil
	}
	f, err := toolfmt.Detect(b)
	if err != nil {
		return nil, err
	}
	// The one source of a tool text file: its parse error is the error.
	d, err := toolfmt.Parse(f, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Schema: Schema, ByteOrder: "little", Source: string(f),
		Raw: []RawSource{{Kind: KindText, Name: string(f), Text: string(b)}}}
	s.mergeTool(d)
	return s, nil
}

// ReadSnapshots reads a file of one or more snapshot JSON documents (as
// `smcdump stats --watch -o FILE` writes, one per line). Files in a tool text
// format yield one snapshot.
func ReadSnapshots(r io.Reader) ([]*Snapshot, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		s, err := ReadSnapshot(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return []*Snapshot{s}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []*Snapshot
	for i := 1; ; i++ {
		var m json.RawMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", i, err)
		}
		s, err := ReadSnapshot(bytes.NewReader(m))
		if err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}
