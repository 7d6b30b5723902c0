//go:build linux

package capture

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Interfaces that go down or away during a capture (Config.OnLink).
//
// The kernel tells a packet socket bound to a device that the device went
// down (NETDEV_DOWN: sk_err = ENETDOWN) or was deleted (NETDEV_UNREGISTER:
// ENODEV), once, through SO_ERROR and POLLERR; the socket and its ring stay
// usable. When the device comes up again the kernel hooks the socket up to
// it again by itself (packet_notifier, NETDEV_UP: the same ifindex), so
// after a down only the state changes here. A deleted device is gone for
// the socket: when a device of the same name appears (a new ifindex), the
// socket is bound to it again (bind on a bound packet socket moves it; the
// ring, the filter and the counters stay), with its promiscuous
// membership. Sockets of a fanout group cannot be bound again (the kernel
// refuses: EINVAL), so a fanout capture does not resume on a re-created
// device.
//
// The look-ups go through a socket opened with the capture, so they answer
// for the capture's network namespace whichever thread asks.

// openLinkWatch opens the socket of the look-ups and the state tables.
func (h *Handle) openLinkWatch() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return fmt.Errorf("capture: socket for interface look-ups: %w", err)
	}
	h.ctlFD = fd
	n := len(h.ifaces)
	h.ifDown, h.ifGone, h.ifRetry = make([]bool, n), make([]bool, n), make([]string, n)
	return nil
}

// sockErr handles a ring's socket error: a device that went down or away
// ends the capture with an *InterfaceDownError, or with Config.OnLink marks
// the interface down; any other error ends the capture.
func (h *Handle) sockErr(r *ring, soerr int) error {
	errno := unix.Errno(soerr)
	gone := errno == unix.ENODEV || errno == unix.ENXIO
	if errno != unix.ENETDOWN && !gone {
		return fmt.Errorf("capture: %s: %w", r.name, errno)
	}
	if h.cfg.OnLink == nil {
		return &InterfaceDownError{Name: r.name, Gone: gone, Err: errno}
	}
	h.linkDown(r, gone, errno)
	return nil
}

// linkDown marks the interface of r down (its other fanout rings report
// the same error) and tells OnLink.
func (h *Handle) linkDown(r *ring, gone bool, err error) {
	i := r.idx
	if gone {
		h.ifGone[i] = true
	}
	if h.ifDown[i] {
		return
	}
	if !gone {
		// A deleted device is taken down first (ENETDOWN): is it there?
		if _, err := h.lookupLink(r.name); errors.Is(err, unix.ENODEV) {
			gone = true
			h.ifGone[i] = true
		}
	}
	now := time.Now()
	h.ifDown[i] = true
	h.ifRetry[i] = ""
	if h.nDown == 0 {
		h.nextLook = now.Add(h.linkRetry)
	}
	h.nDown++
	h.cfg.OnLink(LinkEvent{Interface: i, Name: r.name, Gone: gone, Ifindex: r.ifindex, Err: err, Time: now})
}

// linkTick is called at every NextBatch of a capture with OnLink: once per
// PollTimeout it reads the socket errors, and the interfaces that are down
// are looked up on time, also when the rings never leave time to wait.
func (h *Handle) linkTick() error {
	now := time.Now()
	if now.Sub(h.errChecked) >= h.cfg.PollTimeout {
		h.errChecked = now
		if err := h.checkSockErrs(); err != nil {
			return err
		}
	}
	h.checkLinks(now)
	return nil
}

// checkLinks looks up the interfaces that are down, every linkRetry.
func (h *Handle) checkLinks(now time.Time) {
	if h.nDown == 0 || now.Before(h.nextLook) {
		return
	}
	h.nextLook = now.Add(h.linkRetry)
	for i := range h.ifaces {
		if h.ifDown[i] {
			h.tryUp(i, now)
		}
	}
}

// linkState is what a look-up by name found.
type linkState struct {
	ifindex int
	up      bool
	hatype  uint16
}

// lookupLink looks interface name up in the capture's network namespace;
// an error means it does not exist (or cannot be read).
func (h *Handle) lookupLink(name string) (linkState, error) {
	var ls linkState
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return ls, err
	}
	if err := unix.IoctlIfreq(h.ctlFD, unix.SIOCGIFINDEX, ifr); err != nil {
		return ls, err
	}
	ls.ifindex = int(int32(ifr.Uint32()))
	ifr, _ = unix.NewIfreq(name)
	if err := unix.IoctlIfreq(h.ctlFD, unix.SIOCGIFFLAGS, ifr); err != nil {
		return ls, err
	}
	ls.up = ifr.Uint16()&unix.IFF_UP != 0
	ifr, _ = unix.NewIfreq(name)
	if err := unix.IoctlIfreq(h.ctlFD, unix.SIOCGIFHWADDR, ifr); err != nil {
		return ls, err
	}
	ls.hatype = ifr.Uint16() // ifr_hwaddr.sa_family
	return ls, nil
}

// tryUp resumes the capture on interface i when it is up again.
func (h *Handle) tryUp(i int, now time.Time) {
	name := h.ifaces[i].Name
	ls, err := h.lookupLink(name)
	if err != nil || !ls.up {
		return // not back yet
	}
	var rings []*ring
	for _, r := range h.rings {
		if r.idx == i {
			rings = append(rings, r)
		}
	}
	if len(rings) == 0 {
		return
	}
	fail := func(err error) {
		// Reported once per reason, not at every look-up.
		if msg := err.Error(); msg != h.ifRetry[i] {
			h.ifRetry[i] = msg
			h.cfg.OnLink(LinkEvent{Interface: i, Name: name, Ifindex: ls.ifindex, Err: err, Retry: true, Time: now})
		}
	}
	if h.ifGone[i] || ls.ifindex != rings[0].ifindex {
		// A new device under the old name.
		if lt, _ := linkTypeFor(ls.hatype); lt != rings[0].linkType {
			fail(fmt.Errorf("capture: %s is back with link-type %s, the capture has %s: not resuming", name, lt, rings[0].linkType))
			return
		}
		for _, r := range rings {
			if err := h.rebind(r, ls.ifindex); err != nil {
				if len(rings) > 1 && errors.Is(err, unix.EINVAL) {
					err = fmt.Errorf("%w (the sockets of a fanout group cannot move to a new device: restart the capture)", err)
				}
				fail(err)
				return
			}
		}
		h.ifGone[i] = false
	}
	// Errors the sockets reported meanwhile are stale now (the device
	// went down again since the look-up: the next one will say so).
	for _, r := range rings {
		_, _ = unix.GetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	}
	h.ifDown[i] = false
	h.ifRetry[i] = ""
	h.nDown--
	h.cfg.OnLink(LinkEvent{Interface: i, Name: name, Up: true, Ifindex: ls.ifindex, Time: now})
}

// rebind binds r's socket to the device with the new ifindex, with its
// promiscuous membership.
func (h *Handle) rebind(r *ring, ifindex int) error {
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(r.fd, sa); err != nil {
		return fmt.Errorf("capture: binding to %s again (ifindex %d): %w", r.name, ifindex, err)
	}
	if !h.cfg.NoPromisc && r.fan == 0 {
		mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(r.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fmt.Errorf("capture: promiscuous mode on %s again: %w", r.name, err)
		}
	}
	h.statsMu.Lock() // Stats reads the interface drop counters
	r.ifindex = ifindex
	if r.ifKnown {
		r.ifAcc = r.ifDropped
		r.ifKnown = false
	}
	if v, err := h.ifd.drops(ifindex); err == nil {
		r.ifBase, r.ifKnown = v, true
	}
	h.statsMu.Unlock()
	return nil
}
