package smcproto

import (
	"net/netip"
	"slices"
)

// Scratch is reusable storage for DecodeInto: the decoded message, its
// optional parts and its lists live in the Scratch and are overwritten by
// the next DecodeInto of the same message type. Texts (EIDs, hostname) are
// immutable strings: an equal text of the previous decode is reused, so a
// stream of similar messages decodes without allocating. The zero value is
// ready to use.
type Scratch struct {
	Proposal Proposal
	Accept   Accept
	Confirm  Confirm
	Decline  Decline

	area    ProposalSMCDArea
	v2      ProposalV2Ext
	smcdV2  ProposalSMCDV2Ext
	v6      []netip.Prefix
	eids    []string
	gids    []ISMGIDEntry
	fce     [2]FirstContactExt // Accept, Confirm
	gidList [2][]GID           // Accept (unused), Confirm
}

// DecodeInto decodes one CLC message like Decode, into s: the returned
// Message is &s.Proposal, &s.Accept, &s.Confirm or &s.Decline, and it and
// the slices and pointers it holds stay valid only until the next
// DecodeInto of the same type with s. A caller that keeps the message
// longer keeps Clone(m). On error the message of that type in s is
// undefined. DecodeInto and Decode agree on every input (FuzzDecodeInto).
func DecodeInto(b []byte, s *Scratch) (Message, error) {
	if len(b) < HeaderLen {
		_, err := ParseHeader(b)
		return nil, err
	}
	// Each decoder checks the header first (message, with the same error
	// as ParseHeader for a bad one): the type byte only picks the
	// decoder here, and a header that is not valid fails there. Checking
	// it here too was a third parse of every header in a tracker, which
	// has checked it before the call.
	var (
		m   Message
		err error
	)
	switch MsgType(b[4]) {
	case TypeProposal:
		err = s.Proposal.unmarshal(b, s)
		m = &s.Proposal
	case TypeAccept:
		err = s.Accept.unmarshal(b, TypeAccept, s)
		m = &s.Accept
	case TypeConfirm:
		err = s.Confirm.unmarshal(b, TypeConfirm, s)
		m = &s.Confirm
	default:
		err = s.Decline.UnmarshalBinary(b)
		m = &s.Decline
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Clone returns a deep copy of m that shares no memory with it other than
// immutable strings (for messages from DecodeInto that are kept).
func Clone(m Message) Message {
	switch x := m.(type) {
	case *Proposal:
		p := *x
		if x.SMCDArea != nil {
			a := *x.SMCDArea
			p.SMCDArea = &a
		}
		p.IPv6Prefixes = slices.Clone(x.IPv6Prefixes)
		if x.V2 != nil {
			v := *x.V2
			v.EIDs = slices.Clone(x.V2.EIDs)
			p.V2 = &v
		}
		if x.SMCDV2 != nil {
			y := *x.SMCDV2
			y.GIDs = slices.Clone(x.SMCDV2.GIDs)
			p.SMCDV2 = &y
		}
		return &p
	case *Accept:
		return &Accept{cloneAC(&x.AcceptConfirm)}
	case *Confirm:
		return &Confirm{cloneAC(&x.AcceptConfirm)}
	case *Decline:
		d := *x
		return &d
	}
	return m
}

func cloneAC(x *AcceptConfirm) AcceptConfirm {
	m := *x
	if x.FCE != nil {
		f := *x.FCE
		m.FCE = &f
	}
	m.GIDList = slices.Clone(x.GIDList)
	return m
}
