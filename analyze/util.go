package analyze

import (
	"sort"

	"github.com/smcdump/smcdump/smcproto"
)

// sortConns orders open connections by first packet time, then addresses.
func sortConns(cs []*tcpConn) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if !a.res.Times.First.Equal(b.res.Times.First) {
			return a.res.Times.First.Before(b.res.Times.First)
		}
		if c := a.key.a.Compare(b.key.a); c != 0 {
			return c < 0
		}
		return a.key.b.Compare(b.key.b) < 0
	})
}

// sortResults orders results by first packet time, then client, then server.
func sortResults(cs []*Conn) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if !a.Times.First.Equal(b.Times.First) {
			return a.Times.First.Before(b.Times.First)
		}
		if c := a.Client.Compare(b.Client); c != 0 {
			return c < 0
		}
		return a.Server.Compare(b.Server) < 0
	})
}

func sortEvidence(e []Evidence) {
	sort.SliceStable(e, func(i, j int) bool { return e[i].seq < e[j].seq })
}

type codeText struct{ Code, Name, Meaning, Remedy string }

// peerNoSMC describes the local PEERNOSMC fallback (no CLC on the wire).
func peerNoSMC() codeText {
	c := smcproto.Code(0x03010000)
	t := codeText{Code: c.String(), Name: "SMC_CLC_DECL_PEERNOSMC", Meaning: "peer did not send the SMC TCP option"}
	if ci, ok := smcproto.LookupCode(c); ok {
		t.Name, t.Meaning, t.Remedy = ci.Name, ci.Meaning, ci.Remedy
	}
	return t
}

// reasonText explains verdict reasons that have no kernel code on the wire.
func reasonText(reason string) (meaning, remedy string) {
	switch reason {
	case ReasonNoAccept:
		return "the server never answered the CLC Proposal (no Accept, no Decline)",
			"check the server host: is the SMC listener overloaded (handshake backlog, net.smc.* limits), is the smc module healthy (dmesg), do `smcss -a` / `smcr stats` on the server count handshake errors?"
	case ReasonNoConfirm:
		return "the client never sent the CLC Confirm after the Accept",
			"check the client host: it could not create the link group / buffers for the mode the server chose (dmesg, `smcr stats` handshake errors); check RoCE/ISM device health on the client"
	case ReasonNoProposal:
		return "both sides agreed on SMC in the TCP handshake but no CLC Proposal followed",
			"check the client application and the client's smc module (dmesg); a client that cannot send the Proposal fails the connection"
	case ReasonNoCLC:
		return "the SMC option was exchanged but application data was sent instead of CLC messages",
			"the sender fell back locally before CLC (its reason is not on the wire): inspect `smcss -a` on that host for the socket's fallback reason"
	case ReasonAborted:
		return "the TCP connection was reset or closed during the SMC handshake",
			"look at the side that sent the RST/FIN: application timeouts shorter than the CLC handshake, a firewall, or an SMC handshake error (EPROTO/ETIMEDOUT) on that host"
	case ReasonProtocolError:
		return "a CLC message was malformed or unexpected; Linux fails such a handshake with EPROTO (no fallback)",
			"compare the smc module versions on both hosts; report the frame to the SMC maintainers with this capture"
	}
	return "", ""
}
