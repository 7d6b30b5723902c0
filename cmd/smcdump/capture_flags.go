package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Capture flags of tcpdump that select or list things smcdump has one of:
// -y/-L (data link type), -j/-J (time stamp type), and -z (post-rotate
// command).

// micro reports whether pcap files are written with microsecond time stamps
// (--micro or --time-stamp-precision=micro).
func (o *captureOptions) micro() bool {
	p, _ := o.r.timePrecision()
	return p == "micro"
}

// dltShortName is the libpcap name of a link type (the part -y takes).
func dltShortName(lt pcapfile.LinkType) string {
	n := lt.Description()
	if i := strings.IndexByte(n, ' '); i > 0 {
		return n[:i]
	}
	return n
}

// checkDatalink accepts -y when it names the interface's own link type:
// smcdump captures Ethernet interfaces as EN10MB and "any" as LINUX_SLL2,
// and cannot switch (tcpdump -y on a type the device lacks is an error too).
func (o *captureOptions) checkDatalink(ifaces []pcapfile.Interface) error {
	if o.datalink == "" {
		return nil
	}
	for _, ifc := range ifaces {
		if !strings.EqualFold(o.datalink, dltShortName(ifc.LinkType)) {
			return usageErr("data link type %s is not supported on %s (supported: %s; see -L)", o.datalink, ifc.Name, dltShortName(ifc.LinkType))
		}
	}
	return nil
}

// writeDatalinks is tcpdump -L.
func writeDatalinks(w io.Writer, ifaces []pcapfile.Interface) {
	for _, ifc := range ifaces {
		fmt.Fprintf(w, "Data link types for %s (use option -y to set):\n", ifc.Name)
		fmt.Fprintf(w, "  %s\n", ifc.LinkType.Description())
	}
}

// tstampTypes are the time stamp types smcdump can capture with: the
// kernel's software time stamp taken when the packet reaches the packet
// socket (libpcap's "host").
var tstampTypes = []struct{ name, desc string }{{"host", "Host"}}

func (o *captureOptions) checkTstampType(ifaces []string) error {
	if o.tstampType == "" {
		return nil
	}
	var names []string
	for _, t := range tstampTypes {
		if strings.EqualFold(o.tstampType, t.name) {
			return nil
		}
		names = append(names, t.name)
	}
	return usageErr("time stamp type %q is not supported on %s (supported: %s; see -J)", o.tstampType, strings.Join(ifaces, ", "), strings.Join(names, ", "))
}

// writeTstampTypes is tcpdump -J.
func writeTstampTypes(w io.Writer, ifaces []string) {
	for _, n := range ifaces {
		fmt.Fprintf(w, "Time stamp types for %s (use option -j to set):\n", n)
		for _, t := range tstampTypes {
			fmt.Fprintf(w, "  %s (%s)\n", t.name, t.desc)
		}
	}
}

// postRotate runs tcpdump's -z command on each file smcdump has finished
// writing: "cmd FILE", started and not waited for (as tcpdump forks it);
// Wait waits for the ones started.
type postRotate struct {
	cmd    string
	stderr io.Writer
	mu     sync.Mutex
	cur    string
	wg     sync.WaitGroup
}

func newPostRotate(cmd string, stderr io.Writer) *postRotate {
	if cmd == "" {
		return nil
	}
	return &postRotate{cmd: cmd, stderr: stderr}
}

// started records the first file (call after the output is opened).
func (p *postRotate) started(name string) {
	p.mu.Lock()
	p.cur = name
	p.mu.Unlock()
}

// rotated is the OutputConfig.FileOpened hook: the previous file is closed.
func (p *postRotate) rotated(name string) {
	p.mu.Lock()
	closed := p.cur
	p.cur = name
	p.mu.Unlock()
	p.run(closed)
}

// finished runs the command on the last file, after the output is closed,
// and waits for every command started.
func (p *postRotate) finished() {
	if p == nil {
		return
	}
	p.mu.Lock()
	last := p.cur
	p.cur = ""
	p.mu.Unlock()
	p.run(last)
	p.wg.Wait()
}

func (p *postRotate) run(file string) {
	if file == "" || file == "-" {
		return
	}
	c := exec.Command(p.cmd, file)
	if f, ok := p.stderr.(*os.File); ok {
		c.Stdout, c.Stderr = f, f
	}
	if err := c.Start(); err != nil {
		fmt.Fprintf(p.stderr, "smcdump: -z %s %s: %v\n", p.cmd, file, err)
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := c.Wait(); err != nil {
			fmt.Fprintf(p.stderr, "smcdump: -z %s %s: %v\n", p.cmd, file, err)
		}
	}()
}

// hook chains the post-rotate command into oc's FileOpened hook.
func (p *postRotate) hook(oc *pcapfile.OutputConfig) {
	if p == nil {
		return
	}
	prev := oc.FileOpened
	oc.FileOpened = func(name string) {
		if prev != nil {
			prev(name)
		}
		p.rotated(name)
	}
}

// opened records the output's first file.
func (p *postRotate) opened(out *pcapfile.Output) {
	if p == nil {
		return
	}
	if fs := out.Files(); len(fs) > 0 {
		p.started(fs[len(fs)-1])
	}
}
