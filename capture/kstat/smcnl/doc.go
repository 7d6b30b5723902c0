// Package smcnl decodes the Linux SMC kernel state as netlink bytes: the SMC
// generic netlink family SMC_GEN_NETLINK v1 (system info, statistics, fallback statistics,
// link groups, links, devices, UEIDs/SEID, handshake limitation) and smc_diag
// over NETLINK_SOCK_DIAG (the sockets `smcss -a` lists).
//
// # Raw replies first
//
// Collection (package capture/kstat/collect, which owns the netlink
// sockets) keeps every dump reply as the raw netlink message bytes read from
// the socket (nlmsghdr included). The parsed view is always built from
// those bytes, by [Info.DecodeReply] and [ParseDiag], so a snapshot file that
// stores the raw bytes can be decoded again by a later smcdump, and replies
// dumped elsewhere (for example by the SMC qemu lab) decode with the same
// code. Attribute numbers are named after the kernel's UAPI headers
// include/uapi/linux/smc.h and smc_diag.h (uapi.go); layouts are described in
// docs/smc-protocol.md sections 11 and 12. This package imports no netlink
// library: it frames messages and attributes itself (wire.go, attr.go).
//
// # Kernels
//
// A kernel without the SMC module has no SMC_GEN_NETLINK family; the
// collector reports that as unavailable ([NoteModuleAbsent]), not as an error. Commands that an older
// kernel does not know (GET_STATS before 5.14, DUMP_UEID before 5.16, ...)
// are recorded as unsupported. Attributes an older kernel does not send are
// nil pointers (or zero slices) in the parsed types.
//
// Decoding errors are *smcproto.DecodeError values (Layer "smcnl") wrapping
// smcproto.ErrTruncated or smcproto.ErrMalformed; a netlink error message in a
// reply is a *KernelError. Decoding is OS-independent.
package smcnl
