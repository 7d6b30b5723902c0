package smcproto

import (
	"sort"
	"strings"
	"testing"
)

// docCodes lists every code of docs/smc-protocol.md 7.2 (current) and 7.3
// (historical) with its short name.
var docCodes = []struct {
	code       Code
	short      string
	historical bool
}{
	{0x01010000, "MEM", false}, {0x02010000, "TIMEOUT_CL", false}, {0x02020000, "TIMEOUT_AL", false},
	{0x03000000, "CNFERR", false}, {0x03010000, "PEERNOSMC", false}, {0x03020000, "IPSEC", false},
	{0x03030000, "NOSMCDEV", false}, {0x03030001, "NOSMCDDEV", false}, {0x03030002, "NOSMCRDEV", false},
	{0x03030003, "NOISM2SUPP", false}, {0x03030004, "NOV2EXT", false}, {0x03030005, "NOV2DEXT", false},
	{0x03030006, "NOSEID", false}, {0x03030007, "NOSMCD2DEV", false}, {0x03030008, "NOUEID", false},
	{0x03030009, "RELEASEERR", false}, {0x0303000a, "MAXCONNERR", false}, {0x0303000b, "MAXLINKERR", false},
	{0x03040000, "MODEUNSUPP", false}, {0x03050000, "RMBE_EC", false}, {0x03060000, "OPTUNSUPP", false},
	{0x03070000, "DIFFPREFIX", false}, {0x03080000, "GETVLANERR", false}, {0x03090000, "ISMVLANERR", false},
	{0x030a0000, "NOACTLINK", false}, {0x030b0000, "NOSRVLINK", false}, {0x030c0000, "VERSMISMAT", false},
	{0x030d0000, "MAX_DMB", false}, {0x030e0000, "NOROUTE", false}, {0x030f0000, "NOINDIRECT", false},
	{0x04000000, "SYNCERR", false}, {0x05000000, "PEERDECL", false}, {0x09990000, "INTERR", false},
	{0x09990001, "ERR_RTOK", false}, {0x09990002, "ERR_RDYLNK", false}, {0x09990003, "ERR_REGBUF", false},
	{0x02000000, "TIMEOUT", true}, {0x02040000, "TCL", true}, {0x06000000, "REPLY", true},
	{0x07000000, "SEND", true}, {0x99990000, "INTERR", true}, {0x99990001, "ERR_RTOK", true},
	{0x99990002, "ERR_RDYLNK", true}, {0x99990003, "ERR_REGRMB", true},
}

func TestCodeTableComplete(t *testing.T) {
	all := Codes()
	diff(t, all[0], all[0]) // CodeInfo has no unexported fields (cmp-friendly)
	if len(all) != len(docCodes) {
		t.Errorf("Codes() has %d entries, doc lists %d", len(all), len(docCodes))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Code < all[j].Code }) {
		t.Error("Codes() not sorted")
	}
	for _, d := range docCodes {
		ci, ok := LookupCode(d.code)
		if !ok {
			t.Errorf("%v missing", d.code)
			continue
		}
		if ci.Short != d.short || ci.Name != "SMC_CLC_DECL_"+d.short || ci.Historical != d.historical {
			t.Errorf("%v: got %s/%s historical=%v", d.code, ci.Name, ci.Short, ci.Historical)
		}
		if ci.Meaning == "" || len(ci.Remedy) < 40 || ci.Side == "" || ci.Class == "" {
			t.Errorf("%v: incomplete entry %+v", d.code, ci)
		}
		if !strings.HasSuffix(ci.Meaning, ".") || !strings.HasSuffix(ci.Remedy, ".") {
			t.Errorf("%v: meaning/remedy should be sentences", d.code)
		}
	}
	for _, c := range []Code{0x03010000, 0x03060000, 0x05000000} {
		if ci, _ := LookupCode(c); ci.OnWire || ci.Side != SideLocal {
			t.Errorf("%v must be local and not on the wire", c)
		}
	}
	peer, _ := LookupCode(0x03010000)
	for _, w := range []string{"smc_run", "AF_SMC", "IPPROTO_SMC", "option 254", "smc module"} {
		if !strings.Contains(peer.Remedy, w) {
			t.Errorf("PEERNOSMC remedy lacks %q", w)
		}
	}
	if _, ok := LookupCode(0x03ff0000); ok {
		t.Error("unknown code found")
	}
}

func TestCodeString(t *testing.T) {
	for c, want := range map[Code]string{0x03010000: "0x03010000", 0: "0x00000000", 0x0303000a: "0x0303000a", 0x99990003: "0x99990003"} {
		if got := c.String(); got != want {
			t.Errorf("String(%d) = %q, want %q", uint32(c), got, want)
		}
	}
	for c, want := range map[Code]string{
		0x01010000: "Insufficient resources", 0x02010000: "Timeout", 0x03ff0000: "Configuration / capability mismatch",
		0x04000000: "Synchronisation error", 0x05000000: "Peer declined", 0x09990000: "Internal error",
		0x99990000: "Internal error", 0: "None", 0x42000000: "Unknown class 0x42",
	} {
		if got := c.Class(); got != want {
			t.Errorf("Class(%v) = %q, want %q", c, got, want)
		}
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in      string
		want    Code
		wantErr bool
	}{
		{in: "0x03010000", want: 0x03010000},
		{in: "0X0303000A", want: 0x0303000a},
		{in: "03010000", want: 0x03010000},
		{in: "  0x5000000 ", want: 0x05000000},
		{in: "0x03ff0000", want: 0x03ff0000}, // unknown but well-formed
		{in: "SMC_CLC_DECL_PEERNOSMC", want: 0x03010000},
		{in: "peernosmc", want: 0x03010000},
		{in: "PEER_NO_SMC", want: 0x03010000},
		{in: "memory", want: 0x01010000},
		{in: "CNF_ERR", want: 0x03000000},
		{in: "INTERR", want: 0x09990000},     // current preferred over 0x99990000
		{in: "ERR_REGRMB", want: 0x09990003}, // former name of ERR_REGBUF
		{in: "TCL", want: 0x02040000},        // historical only
		{in: "", wantErr: true},
		{in: "0x", wantErr: true},
		{in: "0x123456789", wantErr: true},
		{in: "NOPE", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseCode(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseCode(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, ci := range Codes() {
		for _, s := range []string{ci.Code.String(), ci.Name, strings.ToLower(ci.Short)} {
			got, err := ParseCode(s)
			if err != nil {
				t.Errorf("ParseCode(%q): %v", s, err)
				continue
			}
			if got != ci.Code {
				// Shared names resolve to the current code.
				if o, _ := LookupCode(got); !ci.Historical || o.Historical {
					t.Errorf("ParseCode(%q) = %v, want %v", s, got, ci.Code)
				}
			}
		}
	}
}

func BenchmarkLookupCode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := LookupCode(0x03030002); !ok {
			b.Fatal("missing")
		}
	}
}

// TestToolsNamesEveryCode pins smcproto's table of the smc-tools fallback
// reason names (the only one in smcdump; capture/kstat/toolfmt reads it)
// against the 26 names smc-tools v1.8.5 prints in `smcr stats -d`
// (stats.c), code by code, in both directions.
func TestToolsNamesEveryCode(t *testing.T) {
	want := map[string]Code{
		"MEMORY": 0x01010000, "TIMEOUT_CL": 0x02010000, "TIMEOUT_AL": 0x02020000, "CNF_ERR": 0x03000000,
		"PEER_NO_SMC": 0x03010000, "IPSEC": 0x03020000, "NOSMCDEV": 0x03030000, "NOSMCDDEV": 0x03030001,
		"NOSMCRDEV": 0x03030002, "NOISM2SUPP": 0x03030003, "NOV2EXT": 0x03030004, "NOV2DEXT": 0x03030005,
		"NOSEID": 0x03030006, "NOSMCD2DEV": 0x03030007, "MODEUNSUPP": 0x03040000, "RMBE_EC": 0x03050000,
		"OPTUNSUPP": 0x03060000, "DIFFPREFIX": 0x03070000, "GETVLANERR": 0x03080000, "ISMVLANERR": 0x03090000,
		"NOACTLINK": 0x030a0000, "NOSRVLINK": 0x030b0000, "VERSMISMAT": 0x030c0000, "MAX_DMB": 0x030d0000,
		"SYNCERR": 0x04000000, "PEERDECL": 0x05000000,
	}
	if got := ToolsNames(); len(got) != len(want) {
		t.Errorf("ToolsNames has %d names, want %d: %v", len(got), len(want), got)
	}
	for name, code := range want {
		if c, ok := ToolsNameCode(name); !ok || c != code {
			t.Errorf("ToolsNameCode(%q) = %v, %v; want %v", name, c, ok, code)
		}
		e, ok := LookupCode(code)
		if !ok || e.ToolsName != name || e.Historical {
			t.Errorf("LookupCode(%v) = %q (historical %v, known %v), want tools name %q", code, e.ToolsName, e.Historical, ok, name)
		}
	}
	for _, e := range Codes() {
		if e.ToolsName != "" && want[e.ToolsName] != e.Code {
			t.Errorf("%v has tools name %q, which smc-tools gives to %v", e.Code, e.ToolsName, want[e.ToolsName])
		}
	}
	if _, ok := ToolsNameCode("PEERNOSMC"); ok {
		t.Error("a kernel short name was taken for a tools name")
	}
}
