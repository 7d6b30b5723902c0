package bpffilter

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// randExpr builds a random expression from the grammar: primitives,
// bare ids that inherit qualifiers, and/or/not, parentheses and byte
// expressions (deterministic for a given PRNG).
func randExpr(r *rand.Rand, depth int) string {
	prims := []string{"tcp", "udp", "ip", "ip6", "arp", "icmp", "sctp", "vlan", "vlan 100",
		"host 10.1.1.10", "src host 192.168.1.1", "dst net 224.0.0.0/4", "net 10", "port 80",
		"dst port 53", "src portrange 1-1000", "ether multicast", "broadcast", "ip multicast",
		"ip6 multicast", "less 80", "greater 100", "ether src 02:00:00:00:00:01", "icmp6",
		"tcp[tcpflags] & tcp-syn != 0", "ip[6:2] & 0x1fff = 0", "udp[8:4] = 0xdeadbeef",
		"ip proto 47", "ether proto 0x8915", "host 2001:db8::1", "ip[0] & 0xf > 5", "len > ip[2:2]",
		"tcp[13] & 0x12 = 0x12", "icmp[icmptype] = icmp-echo", "ip[0] + tcp[0] = 5", "1 + udp[0] = 5", "ip[tcp[0]] = 5", "-tcp[0] = -1", "tcp[udp[0] & 3] = 1", "rarp", "net 2001:db8::/32",
		"port 4791", "tcp port 443", "udp src port 5353"}
	ids := []string{"8080", "443", "10.1.2.3", "1.2.3.4", "22"}
	var b strings.Builder
	n := 1 + r.IntN(3)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString([]string{" and ", " or ", " && ", " || "}[r.IntN(4)])
			if r.IntN(6) == 0 {
				// a bare id inheriting the previous qualifiers (may be
				// an error in both compilers, which is compared too)
				b.WriteString(ids[r.IntN(len(ids))])
				continue
			}
		}
		if r.IntN(5) == 0 {
			b.WriteString("not ")
		}
		if depth > 0 && r.IntN(4) == 0 {
			b.WriteString("(" + randExpr(r, depth-1) + ")")
		} else {
			b.WriteString(prims[r.IntN(len(prims))])
		}
	}
	return b.String()
}

// TestRandomExpressions compares random expressions with libpcap's
// unoptimized code (strictly, short frames included) and checks that both
// compilers accept or reject the same expressions.
func TestRandomExpressions(t *testing.T) {
	needTcpdump(t)
	t.Run("offline", func(t *testing.T) { randomExpressions(t, Offline, 150) })
	t.Run("live", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("tcpdump -i lo needs root")
		}
		if _, _, err := tcpdumpProgram(t, "", "lo", "ip", true); err != nil {
			t.Skipf("tcpdump -i lo: %v", err)
		}
		randomExpressions(t, Live, 100)
	})
}

func randomExpressions(t *testing.T, mode Mode, count int) {
	r := rand.New(rand.NewPCG(7, 11+uint64(mode)))
	frames := genFrames(1500)
	exprs := make([]string, count)
	for i := range exprs {
		exprs[i] = randExpr(r, 2)
	}
	refs := make([][]bpf.RawInstruction, len(exprs))
	errs := make([]error, len(exprs))
	done := make(chan int)
	sem := make(chan struct{}, 8)
	for i := range exprs {
		go func(i int) {
			sem <- struct{}{}
			if mode == Live {
				refs[i], _, errs[i] = tcpdumpProgram(t, "", "lo", exprs[i], true)
			} else {
				refs[i], _, errs[i] = tcpdumpProgram(t, "EN10MB", "", exprs[i], true)
			}
			<-sem
			done <- i
		}(i)
	}
	for range exprs {
		<-done
	}
	compared := 0
	for i, expr := range exprs {
		prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: mode})
		if (err == nil) != (errs[i] == nil) {
			t.Errorf("%q: libpcap error %v, ours %v", expr, errs[i], err)
			continue
		}
		if err != nil {
			continue
		}
		ours, err := bpf.Assemble(prog)
		if err != nil {
			t.Fatal(err)
		}
	frameLoop:
		for _, f := range frames {
			views := [][]byte{f.data}
			metas := []*meta{nil}
			if mode == Live {
				d, md := kernelView(f.data)
				views, metas = append(views, d), append(metas, md)
			}
			for v := range views {
				rv := runVM(refs[i], views[v], f.wireLen, metas[v])
				ov := runVM(ours, views[v], f.wireLen, metas[v])
				if (rv > 0) != (ov > 0) {
					t.Errorf("%q: verdict mismatch on %x (meta %v): libpcap %d ours %d\nlibpcap:\n%sours:\n%s",
						expr, views[v], metas[v], rv, ov, listing(refs[i]), listing(ours))
					break frameLoop
				}
			}
		}
		compared++
	}
	t.Logf("compared %d of %d random expressions", compared, len(exprs))
}
