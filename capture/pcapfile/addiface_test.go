package pcapfile

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOutputAddInterface: an interface added after the output opened gets
// its IDB in the current file and in every file after a rotation, and its
// packets are written with its id; pcap output refuses another link type.
func TestOutputAddInterface(t *testing.T) {
	dir := t.TempDir()
	o, err := NewOutput(OutputConfig{Path: filepath.Join(dir, "add.pcapng"), Interfaces: testIfaces[:1], RotateSize: 3000, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	write := func(i, iface int) {
		t.Helper()
		f := synthFrame(100, byte(i))
		p := Packet{Data: f}
		p.Info.Timestamp = time.Unix(1700000000, int64(i))
		p.Info.CaptureLength, p.Info.Length, p.Info.InterfaceIndex = len(f), len(f), iface
		if err := o.WritePacket(&p); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		write(i, 0)
	}
	if err := o.AddInterface(testIfaces[1]); err != nil {
		t.Fatal(err)
	}
	if o.Interfaces() != 2 {
		t.Fatalf("Interfaces() = %d", o.Interfaces())
	}
	for i := 10; i < 80; i++ {
		write(i, i%2)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	files := o.Files()
	if len(files) < 3 {
		t.Fatalf("only %d files", len(files))
	}
	n := 0
	for i, name := range files {
		fr, err := OpenFile(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for {
			p, err := fr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			seq := int(p.Data[14]) // synthFrame's sequence byte
			want := 0
			if seq >= 10 {
				want = seq % 2
			}
			if p.Info.InterfaceIndex != want {
				t.Errorf("%s: packet %d on interface %d, want %d", name, seq, p.Info.InterfaceIndex, want)
			}
			n++
		}
		ifs := fr.Interfaces()
		if fr.ProblemCount() > 0 || i > 0 && (len(ifs) != 2 || ifs[1].Name != "any" || ifs[1].LinkType != LinkTypeLinuxSLL2) {
			t.Errorf("%s: interfaces %+v, problems %v", name, ifs, fr.Problems())
		}
		fr.Close()
	}
	if n != 80 {
		t.Errorf("%d packets read back, want 80", n)
	}

	p, err := NewOutput(OutputConfig{Path: filepath.Join(dir, "add.pcap"), Format: FormatPcap, Interfaces: testIfaces[:1]})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.AddInterface(testIfaces[1]); err == nil || !strings.Contains(err.Error(), "use pcapng") {
		t.Errorf("pcap output, another link type: %v", err)
	}
	if err := p.AddInterface(Interface{Name: "eth1", LinkType: LinkTypeEthernet}); err != nil {
		t.Errorf("pcap output, same link type: %v", err)
	}
}
