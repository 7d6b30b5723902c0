package smcflow

// Explanations of the verdicts: the meaning and remedy of reasons that have
// no kernel code on the wire, and the previews of non-CLC data.

import "github.com/smcdump/smcdump/smcproto"

type CodeText struct{ Code, Name, Meaning, Remedy string }

// PeerNoSMC describes the local PEERNOSMC fallback (no CLC on the wire).
func PeerNoSMC() CodeText {
	c := smcproto.Code(0x03010000)
	t := CodeText{Code: c.String(), Name: "SMC_CLC_DECL_PEERNOSMC", Meaning: "peer did not send the SMC TCP option"}
	if ci, ok := smcproto.LookupCode(c); ok {
		t.Name, t.Meaning, t.Remedy = ci.Name, ci.Meaning, ci.Remedy
	}
	return t
}

// ReasonText explains verdict reasons that have no kernel code on the wire.
func ReasonText(reason string) (meaning, remedy string) {
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
	case ReasonOptionEchoed:
		return "the server's SYN-ACK carried the SMC option, but the server answered the CLC Proposal with non-CLC data (or sent the Proposal back): it is not an SMC listener (its TCP stack or a middlebox reflected the unknown TCP option); the client fails the connection with EPROTO, no fallback",
			"do not use SMC towards that destination: exclude it from smc_run/AF_SMC, or, where the kernel has BPF handshake control (struct_ops smc_hs_ctrl, selected with sysctl net.smc.hs_ctrl), return 0 from its syn_option hook for that destination; or fix the device that echoes the option (compare the SYN-ACK's options with the SYN's)"
	case ReasonProtocolError:
		return "a CLC message was malformed or unexpected; Linux fails such a handshake with EPROTO (no fallback)",
			"compare the smc module versions on both hosts; report the frame to the SMC maintainers with this capture"
	}
	return "", ""
}

// bytesPreview shows the first bytes of a stream that is not CLC: hex and
// the printable characters, e.g. `48 54 54 50 2f 31 2e 31 "HTTP/1.1"`.
func bytesPreview(b []byte) string {
	const max = 8
	n := len(b)
	if n > max {
		n = max
	}
	var hex, txt []byte
	for i, x := range b[:n] {
		if i > 0 {
			hex = append(hex, ' ')
		}
		const digits = "0123456789abcdef"
		hex = append(hex, digits[x>>4], digits[x&15])
		if x >= 0x20 && x < 0x7f && x != '"' && x != '\\' {
			txt = append(txt, x)
		} else {
			txt = append(txt, '.')
		}
	}
	s := string(hex) + ` "` + string(txt) + `"`
	if len(b) > max {
		s += " …"
	}
	return s
}
