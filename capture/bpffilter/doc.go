// Package bpffilter compiles pcap-filter(7) expressions into classic BPF
// programs ([]bpf.Instruction from golang.org/x/net/bpf) without libpcap.
//
// The compiler follows libpcap's code generator (gencode.c) closely enough
// that a program compiled here gives the same accept/reject verdict as the
// program `tcpdump -y DLT -ddd EXPR` prints, on every frame (see
// /work/shared/docs/capture.md §2.5 for the scope and §2.4 for the oracle).
// It does not reproduce libpcap's optimizer, so the instruction lists differ.
//
// Two code-generation modes exist (capture.md §1.6 row 4 and §2.4):
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
package bpffilter
