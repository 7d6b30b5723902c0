//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ifDropper reads an interface's own drop counters (the NIC or its driver
// ran out of resources) over rtnetlink: rx_missed_errors + rx_fifo_errors
// from IFLA_STATS64, the sum libpcap reports as ps_ifdrop (docs/capture.md §1.5).
// The socket is opened with the capture, so it answers for the network
// namespace the capture runs in, whichever thread asks later.
type ifDropper struct {
	fd  int
	seq uint32
	buf []byte
}

func newIfDropper() (*ifDropper, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	tv := unix.NsecToTimeval(int64(time.Second))
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &ifDropper{fd: fd, buf: make([]byte, 32<<10)}, nil
}

func (d *ifDropper) close() {
	if d != nil && d.fd >= 0 {
		_ = unix.Close(d.fd)
		d.fd = -1
	}
}

// drops returns rx_missed_errors + rx_fifo_errors of interface ifindex.
func (d *ifDropper) drops(ifindex int) (uint64, error) {
	if d == nil || d.fd < 0 {
		return 0, errors.New("no rtnetlink socket")
	}
	if ifindex <= 0 {
		return 0, errors.New("no interface index")
	}
	d.seq++
	ne := binary.NativeEndian
	req := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofIfInfomsg)
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.RTM_GETLINK)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], d.seq)
	req[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	ne.PutUint32(req[unix.NLMSG_HDRLEN+4:], uint32(int32(ifindex)))
	if err := unix.Sendto(d.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, err
	}
	// Bounded: a stale reply (an earlier request that timed out) is skipped,
	// at most a few times.
	for range 4 {
		n, _, err := unix.Recvfrom(d.fd, d.buf, 0)
		if err != nil {
			return 0, err
		}
		msgs, err := syscall.ParseNetlinkMessage(d.buf[:n])
		if err != nil {
			return 0, err
		}
		for i := range msgs {
			m := &msgs[i]
			if m.Header.Seq != d.seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if e := int32(ne.Uint32(m.Data)); e != 0 {
						return 0, syscall.Errno(-e)
					}
				}
				return 0, errors.New("rtnetlink error")
			case unix.RTM_NEWLINK:
				return statsDrops(m)
			}
		}
	}
	return 0, errors.New("no rtnetlink reply")
}

// statsDrops extracts rx_fifo_errors (field 14) + rx_missed_errors (field
// 15) from the IFLA_STATS64 attribute (struct rtnl_link_stats64, u64 fields).
func statsDrops(m *syscall.NetlinkMessage) (uint64, error) {
	attrs, err := syscall.ParseNetlinkRouteAttr(m)
	if err != nil {
		return 0, err
	}
	for _, a := range attrs {
		if a.Attr.Type == unix.IFLA_STATS64 && len(a.Value) >= 16*8 {
			ne := binary.NativeEndian
			return ne.Uint64(a.Value[14*8:]) + ne.Uint64(a.Value[15*8:]), nil
		}
	}
	return 0, fmt.Errorf("no IFLA_STATS64 in the reply")
}
