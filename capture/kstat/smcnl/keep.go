package smcnl

import "encoding/binary"

// Modes of an smc_diag socket (smc_diag_msg.diag_mode, include/uapi/linux/smc_diag.h).
const (
	DiagModeSMCR     = 0
	DiagModeFallback = 1 // SMC_DIAG_MODE_FALLBACK_TCP
	DiagModeSMCD     = 2
)

// DiagModeName names a diag mode for counts and metric labels: "smcr",
// "fallback", "smcd" or "other".
func DiagModeName(mode uint8) string {
	switch mode {
	case DiagModeSMCR:
		return "smcr"
	case DiagModeFallback:
		return "fallback"
	case DiagModeSMCD:
		return "smcd"
	}
	return "other"
}

// KeepDiag bounds an smc_diag reply (raw netlink bytes, as QueryDiag and
// ParseDiag take them) to at most max socket messages: the sockets that fell
// back to TCP first (what an operator asks about), then the others in reply
// order; kept messages stay in reply order and unchanged. It returns the
// reply and, by diag mode, the number of sockets left out. A reply within
// the bound, with max < 0, or that does not split into messages (ParseDiag
// reports it) is returned whole. Time is linear in len(raw).
func KeepDiag(raw []byte, max int, order binary.ByteOrder) ([]byte, map[uint8]int) {
	if max < 0 {
		return raw, nil
	}
	if order == nil {
		order = binary.NativeEndian
	}
	msgs, err := SplitMessages("smc_diag reply", raw, order)
	if err != nil || len(msgs) <= max {
		return raw, nil
	}
	mode := func(m Message) uint8 {
		if len(m.Payload) < 3 {
			return 0xff
		}
		return m.Payload[2]
	}
	fallback := 0
	for _, m := range msgs {
		if mode(m) == DiagModeFallback {
			fallback++
		}
	}
	fallback = min(fallback, max)
	other := max - fallback
	out := make([]byte, 0, len(raw)/len(msgs)*max+64)
	omitted := map[uint8]int{}
	for _, m := range msgs {
		md := mode(m)
		keep := false
		if md == DiagModeFallback && fallback > 0 {
			fallback--
			keep = true
		} else if md != DiagModeFallback && other > 0 {
			other--
			keep = true
		}
		if !keep {
			omitted[md]++
			continue
		}
		end := m.Offset + nlmsgHdrLen + len(m.Payload)
		out = append(out, raw[m.Offset:end]...)
		for len(out)%nlmsgAlignTo != 0 {
			out = append(out, 0)
		}
	}
	return out, omitted
}
