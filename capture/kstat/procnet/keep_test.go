package procnet

import (
	"bytes"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"testing"
)

const (
	udpHeader = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	tcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
)

// udpLine is a /proc/net/udp line (synthetic) with the given queues and drops.
func udpLine(sl int, port uint16, queues string, drops string) string {
	return strings.Join([]string{"  " + itoa(sl) + ":", "00000000:" + hex4(port), "00000000:0000", "07", queues,
		"00:00000000", "00000000", "0", "0", itoa(1000 + sl), "2", "0000000000000000", drops}, " ") + "\n"
}

func tcpLine(sl int, queues string) string {
	return strings.Join([]string{"  " + itoa(sl) + ":", "0100007F:1388", "0100007F:" + hex4(uint16(40000+sl)), "01", queues,
		"00:00000000", "00000000", "0", "0", itoa(2000 + sl), "1", "0000000000000000", "20", "4", "30", "10", "-1"}, " ") + "\n"
}

func itoa(n int) string { return strconv.Itoa(n) }

func hex4(v uint16) string {
	const d = "0123456789ABCDEF"
	return string([]byte{d[v>>12], d[v>>8&15], d[v>>4&15], d[v&15]})
}

func TestKeepSockets(t *testing.T) {
	idle := "00000000:00000000"
	udp := udpHeader + udpLine(0, 53, idle, "0") + udpLine(1, 5000, idle, "7") + udpLine(2, 5001, idle, "0") +
		udpLine(3, 5002, "00000000:00001D40", "0") + udpLine(4, 5003, idle, "0")
	tcp := tcpHeader + tcpLine(0, idle) + tcpLine(1, "00000010:00000000") + tcpLine(2, idle) + tcpLine(3, "00000000:00000001")
	lines := func(s string) []string { return strings.SplitAfter(s, "\n") }
	u, tc := lines(udp), lines(tcp)
	for _, c := range []struct {
		name, in string
		max      int
		want     string
		omitted  int
		busy     int // busy lines among those omitted
	}{
		{"no limit", udp, -1, udp, 0, 0},
		{"within the limit", udp, 5, udp, 0, 0},
		{"busy first, file order", udp, 3, u[0] + u[1] + u[2] + u[4], 2, 0}, // drops 7, rx 0x1D40, then the first idle
		{"only busy fit", udp, 2, u[0] + u[2] + u[4], 3, 0},                 // both busy, no idle
		{"more busy than the limit", udp, 1, u[0] + u[2], 4, 1},             // the first busy
		{"zero keeps the header", udp, 0, u[0], 5, 2},                       // header only
		{"tcp queues", tcp, 2, tc[0] + tc[2] + tc[4], 2, 0},                 // tx 0x10, rx 1; no drops column
		{"tcp one idle", tcp, 3, tc[0] + tc[1] + tc[2] + tc[4], 1, 0},       // the first idle line fills
		{"no final newline", strings.TrimSuffix(udp, "\n"), 1, u[0] + u[2], 4, 1},
		{"blank lines are not sockets", udp + "\n\n", 5, udp + "\n\n", 0, 0},
		{"header only", udpHeader, 0, udpHeader, 0, 0},
		{"no newline at all", "   sl  local_address", 0, "   sl  local_address", 0, 0},
		{"empty", "", 0, "", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, omitted, busy := KeepSockets([]byte(c.in), c.max)
			if string(got) != c.want || omitted != c.omitted || busy != c.busy {
				t.Errorf("KeepSockets(max %d) = %d omitted (%d busy),\n%s\nwant %d omitted (%d busy),\n%s", c.max, omitted, busy, got, c.omitted, c.busy, c.want)
			}
		})
	}
}

// TestKeepSocketsReal bounds real tables (Linux 6.18) and checks that what
// is kept parses as a subset of the whole, busy sockets first.
func TestKeepSocketsReal(t *testing.T) {
	for _, name := range []string{"linux-6.18-real/net/tcp", "linux-6.18-real/net/udp", "linux-6.18-real-udpdrop/net/udp", "linux-6.18-real/net/tcp6"} {
		b, err := os.ReadFile(fixtures + name)
		if err != nil {
			t.Fatal(err)
		}
		proto := name[strings.LastIndexByte(name, '/')+1:]
		all, err := ParseSockets(name, proto, binary.LittleEndian, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for max := 0; max <= len(all); max++ {
			kept, omitted, _ := KeepSockets(b, max)
			socks, err := ParseSockets(name, proto, binary.LittleEndian, bytes.NewReader(kept))
			if err != nil {
				t.Fatalf("%s max %d: kept lines do not parse: %v", name, max, err)
			}
			if len(socks) != min(max, len(all)) || omitted != len(all)-len(socks) {
				t.Fatalf("%s max %d: kept %d, omitted %d of %d", name, max, len(socks), omitted, len(all))
			}
			checkSubset(t, all, socks)
		}
	}
}

// checkSubset fails unless kept is a subsequence of all that holds every
// busy socket of all it has room for.
func checkSubset(t *testing.T, all, kept []Socket) {
	t.Helper()
	busy := 0
	for _, s := range all {
		if s.RxQueue != 0 || s.TxQueue != 0 || s.Drops != nil && *s.Drops != 0 {
			busy++
		}
	}
	keptBusy, j := 0, 0
	for _, s := range kept {
		for j < len(all) && all[j].Key() != s.Key() {
			j++
		}
		if j == len(all) {
			t.Fatalf("kept socket %s is not in the table, or out of order", s.Key())
		}
		j++
		if s.RxQueue != 0 || s.TxQueue != 0 || s.Drops != nil && *s.Drops != 0 {
			keptBusy++
		}
	}
	if keptBusy != min(busy, len(kept)) {
		t.Fatalf("kept %d busy sockets of %d with room for %d", keptBusy, busy, len(kept))
	}
}

func BenchmarkKeepSockets(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(tcpHeader)
	for i := range 20000 {
		q := "00000000:00000000"
		if i%100 == 0 {
			q = "00000010:00000000"
		}
		sb.WriteString(tcpLine(i%1000, q))
	}
	in := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		KeepSockets(in, DefaultMaxSockets)
	}
}
