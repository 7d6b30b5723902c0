package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smcdump/smcdump/smcproto"
)

func init() { registerCommand(newExplainCmd) }

func newExplainCmd() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "explain CODE|NAME...",
		Short: "Explain an SMC decline / fallback code: meaning, which side emits it, what to do",
		Long: `Looks up SMC CLC decline and fallback reason codes as smcss, smc_chk and
"smcr stats -d" show them. Accepts the kernel's hex form (0x03010000), the
kernel name (SMC_CLC_DECL_PEERNOSMC, PEERNOSMC) or the smc-tools name
(PEER_NO_SMC). An smcss pair such as 0x05000000/0x03030000 explains both.`,
		Example: `  smcdump explain 0x03010000
  smcdump explain TCP 0x05000000/0x03030000
  smcdump explain --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			var infos []smcproto.CodeInfo
			if all {
				infos = smcproto.Codes()
			}
			for _, a := range args {
				for _, part := range strings.FieldsFunc(a, func(r rune) bool { return r == '/' || r == ' ' || r == ',' }) {
					part = strings.TrimSpace(part)
					if part == "" || strings.EqualFold(part, "TCP") {
						continue
					}
					c, err := smcproto.ParseCode(part)
					if err != nil {
						return &exitError{codeUsage, fmt.Errorf("explain: %v", err)}
					}
					ci, ok := smcproto.LookupCode(c)
					if !ok {
						ci = smcproto.CodeInfo{Code: c, Class: c.Class(), Meaning: "not a code known to smcdump (class: " + c.Class() + ")"}
					}
					infos = append(infos, ci)
				}
			}
			if len(infos) == 0 {
				return &exitError{codeUsage, fmt.Errorf("explain: give a code or name, or --all")}
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(explainJSON(infos))
			}
			for i, ci := range infos {
				if i > 0 {
					fmt.Fprintln(out)
				}
				writeExplain(out, ci)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "list every known code")
	return cmd
}

type explainEntry struct {
	Code       string `json:"code"`
	Name       string `json:"name,omitempty"`
	ToolsName  string `json:"smc_tools_name,omitempty"`
	Class      string `json:"class"`
	Meaning    string `json:"meaning"`
	Side       string `json:"side,omitempty"`
	OnWire     bool   `json:"on_wire"`
	Remedy     string `json:"remedy,omitempty"`
	Historical bool   `json:"historical,omitempty"`
}

func explainJSON(infos []smcproto.CodeInfo) []explainEntry {
	out := make([]explainEntry, 0, len(infos))
	for _, ci := range infos {
		out = append(out, explainEntry{Code: ci.Code.String(), Name: ci.Name, ToolsName: ci.ToolsName, Class: ci.Class, Meaning: ci.Meaning, Side: string(ci.Side), OnWire: ci.OnWire, Remedy: ci.Remedy, Historical: ci.Historical})
	}
	return out
}

func writeExplain(w io.Writer, ci smcproto.CodeInfo) {
	head := ci.Code.String()
	if ci.Name != "" {
		head += "  " + ci.Name
	}
	if ci.ToolsName != "" && ci.ToolsName != strings.TrimPrefix(ci.Name, "SMC_CLC_DECL_") {
		head += "  (smcr stats: " + ci.ToolsName + ")"
	}
	if ci.Historical {
		head += "  [historical value, old kernels]"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintf(w, "  class:    %s\n", ci.Class)
	fmt.Fprintf(w, "  meaning:  %s\n", ci.Meaning)
	if ci.Side != "" {
		fmt.Fprintf(w, "  raised by: %s\n", sideText(ci.Side))
	}
	if ci.OnWire {
		fmt.Fprintf(w, "  on the wire: yes, in a CLC Decline (peer diagnosis); the receiver shows 0x05000000 PEERDECL locally\n")
	} else if ci.Name != "" {
		fmt.Fprintf(w, "  on the wire: no, a local fallback reason only (smcss shows it, a capture does not)\n")
	}
	if ci.Remedy != "" {
		fmt.Fprintf(w, "  remedy:   %s\n", ci.Remedy)
	}
}

func sideText(s smcproto.Side) string {
	switch s {
	case "client":
		return "the client (connecting side)"
	case "server":
		return "the server (listening side)"
	case "both":
		return "either side"
	case "local":
		return "the local host itself (no Decline is sent)"
	}
	return string(s)
}
