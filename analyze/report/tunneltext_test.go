package report

import "testing"

func TestTunnelText(t *testing.T) {
	id := func(v uint32) *uint32 { return &v }
	for _, c := range []struct {
		t    Tunnel
		want string
	}{
		{Tunnel{Kind: "VXLAN", Port: 4789, ID: id(42), Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "VXLAN vni 42 192.0.2.1 <> 192.0.2.2"},
		{Tunnel{Kind: "VXLAN", Port: 8472, ID: id(7), Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "VXLAN port 8472 vni 7 192.0.2.1 <> 192.0.2.2"},
		{Tunnel{Kind: "Geneve", Port: 6081, ID: id(99), Depth: 2, Src: "2001:db8::1", Dst: "2001:db8::2"}, "Geneve vni 99 2001:db8::1 <> 2001:db8::2 (2 tunnels deep)"},
		{Tunnel{Kind: "GRE", ID: id(5), Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "GRE key 0x5 192.0.2.1 <> 192.0.2.2"},
		{Tunnel{Kind: "GRE", Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "GRE 192.0.2.1 <> 192.0.2.2"},
		{Tunnel{Kind: "ERSPAN type II", ID: id(123), Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "ERSPAN type II session 123 192.0.2.1 <> 192.0.2.2"},
		{Tunnel{Kind: "IP-in-IP", Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2"}, "IP-in-IP 192.0.2.1 <> 192.0.2.2"},
		// first seen the other way: no direction
		{Tunnel{Kind: "VXLAN", Port: 4789, ID: id(42), Depth: 1, Src: "192.0.2.9", Dst: "192.0.2.1"}, "VXLAN vni 42 192.0.2.1 <> 192.0.2.9"},
	} {
		if got := TunnelLabel(c.t); got != c.want {
			t.Errorf("TunnelLabel(%+v) = %q, want %q", c.t, got, c.want)
		}
	}

	// More tunnels than the text names, and frames beyond the report's bound.
	var ts []Tunnel
	for i := 0; i < maxTunnelsText+2; i++ {
		ts = append(ts, Tunnel{Kind: "VXLAN", Port: 4789, ID: id(uint32(i)), Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2", Frames: 10})
	}
	got := tunnelsText(ts, 5)
	want := "105 frames analyzed inside tunnels: "
	for i := 0; i < maxTunnelsText; i++ {
		want += "10 frames in " + TunnelLabel(ts[i]) + "; "
	}
	want += "20 frames in 2 more tunnels; 5 frames in tunnels beyond the first 64"
	if got != want {
		t.Errorf("tunnelsText:\n got %q\nwant %q", got, want)
	}
	if got, want := tunnelsText(ts[:1], 3), "13 frames analyzed inside tunnels: 10 frames in VXLAN vni 0 192.0.2.1 <> 192.0.2.2; 3 frames in tunnels beyond the first 64"; got != want {
		t.Errorf("tunnelsText:\n got %q\nwant %q", got, want)
	}
}
