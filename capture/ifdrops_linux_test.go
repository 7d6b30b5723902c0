//go:build linux

package capture

import (
	"encoding/binary"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStatsDrops: rx_fifo_errors (field 14) + rx_missed_errors (field 15)
// of struct rtnl_link_stats64 in an RTM_NEWLINK reply. Synthetic message.
func TestStatsDrops(t *testing.T) {
	ne := binary.NativeEndian
	stats := make([]byte, 24*8)
	for i := range 24 {
		ne.PutUint64(stats[i*8:], uint64(100+i))
	}
	ne.PutUint64(stats[14*8:], 3)
	ne.PutUint64(stats[15*8:], 4)
	data := make([]byte, unix.SizeofIfInfomsg)
	attr := make([]byte, 4, 4+len(stats))
	ne.PutUint16(attr[0:], uint16(4+len(stats)))
	ne.PutUint16(attr[2:], unix.IFLA_STATS64)
	data = append(data, append(attr, stats...)...)
	m := &syscall.NetlinkMessage{Header: syscall.NlMsghdr{Type: unix.RTM_NEWLINK, Len: uint32(16 + len(data))}, Data: data}
	got, err := statsDrops(m)
	if err != nil || got != 7 {
		t.Fatalf("statsDrops = %d, %v; want 7", got, err)
	}
	m.Data = m.Data[:unix.SizeofIfInfomsg]
	if _, err := statsDrops(m); err == nil {
		t.Fatal("no IFLA_STATS64: no error")
	}
}

// TestIfDropperLoopback: the rtnetlink answer for lo matches sysfs
// (rx_missed_errors + rx_fifo_errors), where sysfs shows this namespace.
func TestIfDropperLoopback(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("skipping: no lo: %v", err)
	}
	d, err := newIfDropper()
	if err != nil {
		t.Skipf("skipping: no rtnetlink socket: %v", err)
	}
	defer d.close()
	got, err := d.drops(lo.Index)
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	for _, f := range []string{"rx_missed_errors", "rx_fifo_errors"} {
		b, err := os.ReadFile("/sys/class/net/lo/statistics/" + f)
		if err != nil {
			t.Skipf("skipping: %v", err)
		}
		v, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		want += v
	}
	if got != want {
		t.Fatalf("lo: rtnetlink says %d interface drops, sysfs %d", got, want)
	}
	if _, err := d.drops(1 << 30); err == nil {
		t.Fatal("no error for a missing interface")
	}
}
