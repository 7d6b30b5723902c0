// Package smcnl reads the Linux SMC kernel state: the SMC generic netlink
// family SMC_GEN_NETLINK v1 (system info, statistics, fallback statistics,
// link groups, links, devices, UEIDs/SEID, handshake limitation) and smc_diag
// over NETLINK_SOCK_DIAG (the sockets `smcss -a` lists).
//
// # Raw replies first
//
// Collection keeps every dump reply as the raw netlink message bytes read
// from the socket (nlmsghdr included). The parsed view is always built from
// those bytes, by [Info.DecodeReply] and [ParseDiag], so a snapshot file that
// stores the raw bytes can be decoded again by a later smcdump, and replies
// dumped elsewhere (for example by the SMC qemu lab) decode with the same
// code. Attribute layouts follow smc-protocol.md sections 11 and 12.
//
// # Kernels
//
// A kernel without the SMC module has no SMC_GEN_NETLINK family; [Query]
// reports that as Available=false, not as an error. Commands that an older
// kernel does not know (GET_STATS before 5.14, DUMP_UEID before 5.16, ...)
// are recorded as unsupported. Attributes an older kernel does not send are
// nil pointers (or zero slices) in the parsed types.
//
// Parsing is OS-independent. Only [Dial] and [DialDiag] are Linux-only; other
// systems get a "not implemented" error.
package smcnl
