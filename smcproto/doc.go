// Package smcproto decodes and encodes the wire formats of Linux SMC
// (Shared Memory Communications, RFC 7609 and the SMC v2 extensions): the SMC
// TCP option and the CLC handshake messages Proposal, Accept, Confirm and
// Decline, plus the decline / fallback reason codes.
//
// It imports only the standard library.
package smcproto
