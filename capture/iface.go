package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
)

// Device is one entry of the interface list printed by -D.
type Device struct {
	Name        string
	Description string
	Index       int // kernel ifindex (0 for "any")
	Up          bool
	Running     bool
	Loopback    bool
	// Connected is "connected", "disconnected" or "" (unknown / not
	// applicable).
	Connected string
}

// Flags returns the bracketed flag text of tcpdump -D, e.g.
// "Up, Running, Connected".
func (d Device) Flags() string {
	var f []string
	if d.Up {
		f = append(f, "Up")
	}
	if d.Running {
		f = append(f, "Running")
	}
	if d.Loopback {
		f = append(f, "Loopback")
	}
	switch d.Connected {
	case "connected":
		f = append(f, "Connected")
	case "disconnected":
		f = append(f, "Disconnected")
	}
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(f, ", ")
}

// ListDevices returns the capture devices in tcpdump's order: interfaces
// that are up and running first, then the others, then "any", then
// loopback devices (docs/capture.md §5.1).
func ListDevices() ([]Device, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("capture: listing interfaces: %w", err)
	}
	var devs []Device
	for _, ifc := range ifs {
		d := Device{
			Name:     ifc.Name,
			Index:    ifc.Index,
			Up:       ifc.Flags&net.FlagUp != 0,
			Running:  ifc.Flags&net.FlagRunning != 0,
			Loopback: ifc.Flags&net.FlagLoopback != 0,
		}
		if !d.Loopback {
			b, err := os.ReadFile("/sys/class/net/" + ifc.Name + "/carrier")
			switch {
			case err == nil && strings.TrimSpace(string(b)) == "1":
				d.Connected = "connected"
			case err == nil || !d.Up:
				d.Connected = "disconnected"
			}
		}
		devs = append(devs, d)
	}
	devs = append(devs, Device{Name: "any", Description: "Pseudo-device that captures on all interfaces", Up: true, Running: true})
	merit := func(d Device) int {
		switch {
		case d.Loopback:
			return 4
		case d.Name == "any":
			return 3
		case !d.Up:
			return 2
		case !d.Running || d.Connected == "disconnected":
			return 1
		}
		return 0
	}
	sort.SliceStable(devs, func(i, j int) bool { return merit(devs[i]) < merit(devs[j]) })
	return devs, nil
}

// WriteDeviceList prints devs like tcpdump -D: "1.eth0 [Up, Running,
// Connected]", "4.any (Pseudo-device that captures on all interfaces) [Up,
// Running]".
func WriteDeviceList(w io.Writer, devs []Device) error {
	for i, d := range devs {
		desc := ""
		if d.Description != "" {
			desc = " (" + d.Description + ")"
		}
		if _, err := fmt.Fprintf(w, "%d.%s%s [%s]\n", i+1, d.Name, desc, d.Flags()); err != nil {
			return err
		}
	}
	return nil
}

// DefaultDevice returns the interface tcpdump would pick without -i: the
// first device in ListDevices order that is up and not loopback or "any".
func DefaultDevice() (string, error) {
	devs, err := ListDevices()
	if err != nil {
		return "", err
	}
	for _, d := range devs {
		if d.Up && !d.Loopback && d.Name != "any" {
			return d.Name, nil
		}
	}
	return "", errors.New("no suitable device found (use -i)")
}

// ResolveDevice maps a tcpdump -i argument to an interface name: a name is
// returned as it is; a number N selects the N-th entry of ListDevices (as
// printed by -D).
func ResolveDevice(arg string) (string, error) {
	n := 0
	for _, c := range arg {
		if c < '0' || c > '9' {
			return arg, nil
		}
		n = n*10 + int(c-'0')
	}
	if arg == "" {
		return "", errors.New("empty interface name")
	}
	devs, err := ListDevices()
	if err != nil {
		return "", err
	}
	if n < 1 || n > len(devs) {
		return "", fmt.Errorf("interface number %d out of range (smcdump -D lists %d)", n, len(devs))
	}
	return devs[n-1].Name, nil
}
