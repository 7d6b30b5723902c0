// Package procnet parses the Linux /proc/net files that hold network loss
// counters and per-socket queues: snmp, snmp6, netstat, udp, udp6, tcp, tcp6,
// dev and softnet_stat.
//
// The parsers take an io.Reader (or, for a whole tree, an fs.FS), so they work
// on live /proc, on fixture trees in tests and on raw copies users saved.
// Field sets differ between kernel versions, so every file is parsed by its
// header line, never by fixed positions (docs/multicast-udp.md section 4). All
// counters are uint64. Bad input yields a *ParseError naming the line; the
// parsers never panic.
//
// This package imports only the standard library and is OS-independent.
package procnet
