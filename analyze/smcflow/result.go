package smcflow

import (
	"net/netip"
	"time"
)

// Outcome is the verdict class of one TCP connection.
type Outcome string

// Outcomes, from the analyzer's point of view (README "How each verdict is
// reached").
const (
	// OutcomeSMC: Proposal → Accept → Confirm, no Decline.
	OutcomeSMC Outcome = "smc"
	// OutcomeFallback: SMC was attempted and the connection continued as
	// plain TCP (peer without the SMC option, or a Decline).
	OutcomeFallback Outcome = "fallback"
	// OutcomeHandshakeError: the SMC handshake did not complete and did not
	// fall back: CLC timeout, RST/FIN during the handshake, protocol error.
	OutcomeHandshakeError Outcome = "handshake-error"
	// OutcomeNotSMC: the SYN carried no SMC option.
	OutcomeNotSMC Outcome = "not-smc"
	// OutcomeUnknown: cannot tell from this capture (handshake outside the
	// capture, data cut by the snaplen, capture ended too early).
	OutcomeUnknown Outcome = "unknown"
)

// Reasons (Conn.Reason).
const (
	ReasonPeerNoSMC       = "peer-no-smc"
	ReasonDecline         = "decline"
	ReasonLateDecline     = "late-decline"
	ReasonNoAccept        = "no-accept"
	ReasonNoConfirm       = "no-confirm"
	ReasonNoProposal      = "no-proposal"
	ReasonNoCLC           = "no-clc"
	ReasonAborted         = "aborted"
	ReasonProtocolError   = "protocol-error"
	ReasonSYNNotCaptured  = "syn-not-captured"
	ReasonNoSYNACK        = "no-synack"
	ReasonRefused         = "refused"
	ReasonTruncated       = "truncated"
	ReasonCaptureEnded    = "capture-ended"
	ReasonNoOption        = "no-option"
	ReasonProposalMissing = "proposal-not-captured"
	ReasonAcceptMissing   = "accept-not-captured"
	ReasonIncomplete      = "incomplete"
	ReasonLinkUnverified  = "link-unverified"
	// ReasonOptionEchoed: the SYN-ACK carried the SMC option but the server
	// answered the Proposal with non-CLC data: not an SMC listener.
	ReasonOptionEchoed = "option-echoed"
)

// Conn is the analysis of one TCP connection.
type Conn struct {
	ID     int            `json:"id"`
	Client netip.AddrPort `json:"client"`
	Server netip.AddrPort `json:"server"`
	// RolesGuessed is true when neither SYN nor SYN-ACK was captured and
	// client/server were inferred (from the CLC messages or port numbers).
	RolesGuessed bool   `json:"roles_guessed,omitempty"`
	VLAN         uint16 `json:"vlan,omitempty"`
	// Tunnel names the tunnel the connection was seen inside (e.g.
	// "VXLAN vni 42 192.0.2.1 > 192.0.2.2"), when it was: connections
	// with the same addresses inside different tunnels are different
	// connections (docs/tunnels.md §2).
	Tunnel string `json:"tunnel,omitempty"`

	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason,omitempty"`
	// Summary is one human sentence explaining the verdict.
	Summary string `json:"summary"`

	SYNOption    *bool `json:"syn_option,omitempty"`    // nil: SYN not captured
	SYNACKOption *bool `json:"synack_option,omitempty"` // nil: SYN-ACK not captured

	SMC     *SMCInfo     `json:"smc,omitempty"`
	Decline *DeclineInfo `json:"decline,omitempty"`
	Link    *LinkInfo    `json:"link,omitempty"`

	ClientInfo *Endpoint `json:"client_info,omitempty"`
	ServerInfo *Endpoint `json:"server_info,omitempty"`

	Times   Times   `json:"times"`
	Latency Latency `json:"latency"`

	Packets  int        `json:"packets"`
	Bytes    int64      `json:"bytes"`
	Evidence []Evidence `json:"evidence"`
	Notes    []string   `json:"notes,omitempty"`
	// DetailOmitted: the connection is beyond the first Detail kept
	// connections (Tracker.Detail, docs/architecture.md "Memory bounds"):
	// its summary, evidence, notes, CLC endpoint fields and the times of
	// the steps other than first, Confirm, end and last were not kept.
	DetailOmitted bool `json:"detail_omitted,omitempty"`

	clientQPN, serverQPN uint32
	clientTok, serverTok uint32
	clientIP, serverIP   netip.Addr // RoCE GID addresses (v2) when known
	firstContact         bool
	confirmAt            time.Time
	smcR                 bool
	// noSummary: the record will be compact or not listed, and no
	// callback wants its detail (Tracker.lean when it is judged): the
	// frequent summary sentences and the link notes, which the compact
	// record drops, are not built.
	noSummary bool
}

// SMCInfo describes the negotiated SMC variant (from Accept/Confirm).
type SMCInfo struct {
	Type         string `json:"type"`    // "SMC-R" or "SMC-D"
	Version      int    `json:"version"` // 1 or 2
	Variant      string `json:"variant"` // e.g. "SMC-Rv2"
	Release      *int   `json:"release,omitempty"`
	FirstContact bool   `json:"first_contact"`
	EID          string `json:"eid,omitempty"`
	Direct       *bool  `json:"direct,omitempty"` // SMC-Rv2: same subnet
	MaxConns     int    `json:"max_conns,omitempty"`
	MaxLinks     int    `json:"max_links,omitempty"`
}

// DeclineInfo describes a CLC Decline.
type DeclineInfo struct {
	By        string    `json:"by"` // "client" or "server"
	Code      string    `json:"code"`
	Name      string    `json:"name,omitempty"`
	Meaning   string    `json:"meaning,omitempty"`
	Remedy    string    `json:"remedy,omitempty"`
	Stage     string    `json:"stage"` // before-proposal, after-proposal, after-accept, after-confirm
	Late      bool      `json:"late,omitempty"`
	DelayMS   *float64  `json:"delay_after_confirm_ms,omitempty"`
	OutOfSync bool      `json:"out_of_sync,omitempty"`
	Version   int       `json:"version"`
	Frame     int       `json:"frame"`
	Time      time.Time `json:"time"`
	Extra     []string  `json:"extra_codes,omitempty"`
}

// Endpoint holds what one side announced in the CLC messages.
type Endpoint struct {
	PeerID       string   `json:"peer_id,omitempty"`
	GID          string   `json:"gid,omitempty"`
	MAC          string   `json:"mac,omitempty"`
	QPN          string   `json:"qpn,omitempty"`
	RKey         string   `json:"rkey,omitempty"`
	Token        string   `json:"token,omitempty"`
	BufferBytes  int      `json:"buffer_bytes,omitempty"`
	MTU          int      `json:"mtu,omitempty"`
	PSN          string   `json:"psn,omitempty"`
	ISMGID       string   `json:"ism_gid,omitempty"`
	DMBToken     string   `json:"dmb_token,omitempty"`
	CHID         string   `json:"chid,omitempty"`
	LinkID       string   `json:"link_id,omitempty"`
	Hostname     string   `json:"hostname,omitempty"`
	OS           string   `json:"os,omitempty"`
	Release      *int     `json:"release,omitempty"`
	GIDList      []string `json:"gid_list,omitempty"`
	Offered      string   `json:"offered,omitempty"` // Proposal: e.g. "v1:R v2:R"
	EIDs         []string `json:"eids,omitempty"`
	SEID         string   `json:"seid,omitempty"`
	RoCEv2GID    string   `json:"rocev2_gid,omitempty"`
	IPv4Prefix   string   `json:"ipv4_prefix,omitempty"`
	IPv6Prefixes []string `json:"ipv6_prefixes,omitempty"`
	ISMGIDs      []string `json:"ism_gids,omitempty"`
}

// Times are packet timestamps (UTC) of the handshake steps; nil = not seen.
type Times struct {
	SYN       *time.Time `json:"syn,omitempty"`
	SYNACK    *time.Time `json:"synack,omitempty"`
	Proposal  *time.Time `json:"proposal,omitempty"`
	Accept    *time.Time `json:"accept,omitempty"`
	Confirm   *time.Time `json:"confirm,omitempty"`
	Decline   *time.Time `json:"decline,omitempty"`
	FirstData *time.Time `json:"first_data,omitempty"`
	End       *time.Time `json:"end,omitempty"` // first FIN or RST
	First     time.Time  `json:"first"`
	Last      time.Time  `json:"last"`
}

// Latency in milliseconds; nil when not measurable.
type Latency struct {
	// Handshake: SYN to Confirm (SMC) or to the Decline (fallback).
	HandshakeMS *float64 `json:"handshake_ms,omitempty"`
	// CLC: Proposal to Confirm/Decline.
	CLCMS *float64 `json:"clc_ms,omitempty"`
}

// LinkInfo is what the capture shows of the SMC-R link over RoCE.
type LinkInfo struct {
	// State: "confirmed" (LLC CONFIRM_LINK seen), "active" (RoCE traffic on
	// the link's QPs, no CONFIRM_LINK seen, e.g. an existing link),
	// "stalled" (RoCE visible in the capture, none for this link after the
	// Confirm), "not-visible" (no RoCE frames in the capture at all).
	State         string     `json:"state"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	ConfirmFrame  int        `json:"confirm_frame,omitempty"`
	LLC           []LLCCount `json:"llc,omitempty"`
	CDCMessages   int        `json:"cdc_messages"`
	RDMAWrites    int        `json:"rdma_writes"`
	RDMABytes     int64      `json:"rdma_bytes"`
	FirstRoCE     *time.Time `json:"first_roce,omitempty"`
	RoCEPackets   int        `json:"roce_packets"`
	ClientQPN     string     `json:"client_qpn,omitempty"`
	ServerQPN     string     `json:"server_qpn,omitempty"`
	DeleteReasons []string   `json:"delete_link_reasons,omitempty"`
}

// LLCCount counts LLC messages of one type on a link.
type LLCCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Evidence is one handshake step with its frame number and packet time.
type Evidence struct {
	File  string    `json:"file,omitempty"` // set when several files are analyzed
	Frame int       `json:"frame"`
	Time  time.Time `json:"time"`
	Dir   string    `json:"dir"` // "C>S" or "S>C"
	What  string    `json:"what"`
	seq   int64     // global packet order (files analyzed in sequence)
}

// set stores every field of e one by one: assigning a composite literal to
// memory that is not on the stack builds it on the stack and copies it,
// and the tracker records several per connection.
func (e *Evidence) set(file string, frame int, t time.Time, dir, what string, seq int64) {
	e.File, e.Frame, e.Time, e.Dir, e.What, e.seq = file, frame, t, dir, what, seq
}
