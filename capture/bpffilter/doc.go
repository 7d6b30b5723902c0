// Package bpffilter compiles pcap-filter(7) expressions into classic BPF
// programs ([]bpf.Instruction from golang.org/x/net/bpf) without libpcap.
//
// The compiler follows libpcap's code generator (gencode.c) closely enough
// that a program compiled here gives the same accept/reject verdict as the
// program `tcpdump -y DLT -ddd EXPR` prints (see docs/capture.md §2.5 for the
// scope and §2.4 for the oracle); the exceptions are listed under
// "Differences from libpcap" below. It does not reproduce libpcap's
// optimizer, so the instruction lists differ.
//
// Two code-generation modes exist (docs/capture.md §1.6 row 4 and §2.4):
//
//   - Offline: only in-band checks, like libpcap on a dead handle (reading a
//     file). Such programs run on the golang.org/x/net/bpf VM and on the
//     Filter type of this package.
//   - Live: for a Linux AF_PACKET socket. The kernel strips the outer VLAN
//     tag into skb metadata, so `vlan` uses the SKF_AD_VLAN_TAG_PRESENT and
//     SKF_AD_VLAN_TAG ancillary loads with an in-band fallback, exactly like
//     libpcap on a live Linux handle.
//
// Host names are never resolved (no network access at compile time); only
// literal addresses are accepted. Service names for ports come from a small
// built-in table mirroring Debian's netbase /etc/services.
//
// Format prints a program the way `tcpdump -d`, `-dd` and `-ddd` do.
//
// # Differences from libpcap
//
//   - No optimizer. The generated code follows libpcap's unoptimized code
//     (tcpdump -O) and gives the same verdict on every test frame, short
//     frames included. Two cheap, verdict-preserving reductions are made
//     (a load whose result is already in A or X is not repeated; `port`
//     tests the tcp/udp/sctp set once), but programs are still larger than
//     libpcap's optimized ones, and very long expressions can exceed the
//     4096-instruction limit or the kernel's optmem_max.
//   - Against libpcap's optimized program a verdict can differ on a short
//     frame when the two programs reach out-of-range loads in a different
//     order (the first such load rejects). On live handles libpcap's
//     optimizer also moves the in-band TPID test (which advances the VLAN
//     offset registers) ahead of the [vlanp] test, which changes verdicts
//     of e.g. "ip or vlan and ip" on QinQ frames; smcdump keeps libpcap's
//     unoptimized order.
//   - Names: host and network names are never resolved (an error says so);
//     service and protocol names come from built-in tables (a subset of
//     Debian netbase).
//   - `protochain` follows at most 12 IPv6 extension and AH headers
//     (libpcap loops with a backward jump, which the kernel refuses), and
//     adds an AH header's length to the offset (libpcap replaces the
//     offset with it).
//   - Scratch registers: `geneve` keeps its offsets in M[15] down (three
//     per `geneve`, so at most four in one expression), live `vlan` in
//     M[0] and M[1], arithmetic uses M[2] up to below geneve's. All that a
//     program may read unwritten is zeroed first; libpcap allocates them
//     dynamically and, on paths where `geneve` or a live `vlan` did not
//     run, reads what earlier arithmetic left there.
//   - `inbound`/`outbound` read the captured frame's cooked header (or the
//     kernel's packet type) also after `pppoes` or `geneve`; libpcap loads
//     relative to the moved link-level header and reads another field or
//     fails.
//   - Not supported (clear error): gateway (it needs host name
//     resolution), 802.11 and ATM/SS7/pf keywords, DECnet addresses, and
//     `llc` on link types other than Ethernet (as libpcap for cooked
//     captures).
//   - `byte N & V` and `byte N | V` test byte N (libpcap 1.10 forgets to
//     load it and tests whatever A holds; later libpcap fixed that), and
//     `byte N op V` with V over 255 is an error, as in later libpcap.
//   - `ip broadcast` assumes netmask 0 (as tcpdump without -i does).
//   - `inbound`/`outbound` and `ifindex` use the kernel's metadata in Live
//     mode and the cooked header offline; offline on other link types they
//     are errors (libpcap emits a kernel-only load for dead handles).
//   - BSD loopback (NULL) offline: libpcap compares the address family in
//     the byte order of the savefile's header; the family is accepted in
//     either byte order here (the same verdict on every file whose frames
//     carry it as the capturing host wrote it).
//   - Error messages are smcdump's own (libpcap's wording where possible)
//     and always name the offending token and its column.
package bpffilter
