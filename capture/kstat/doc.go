// Package kstat decodes, renders and diffs kernel counter snapshots: SMC
// generic netlink state and smc_diag sockets (subpackage smcnl), /proc/net
// loss counters and socket queues (subpackage procnet), and the text that
// users saved from smc-tools, netstat, nstat, ss and ethtool (subpackage
// toolfmt). Taking a snapshot live (netlink sockets, /proc, network
// namespaces) is subpackage collect; this package and its decoders import
// no netlink library, so the analysis of files does not link one.
//
// # Snapshot files
//
// A Snapshot marshals to JSON with the schema identifier "smcdump.kstat/v1":
//
//	{
//	  "schema":     "smcdump.kstat/v1",
//	  "taken_at":   RFC 3339 UTC time,
//	  "hostname":   host name, "kernel": kernel release, "netns": namespace name ("" = the caller's),
//	  "interfaces": {"<ifindex>": "<name>"} of that namespace (for the Net-Dev columns),
//	  "byte_order": "little" or "big" (of the host that produced the raw bytes),
//	  "source":     "live", or the tool format a text file was read as (e.g. "netstat -s"),
//	  "smc":        {"available": bool, "note": why not, "unsupported": [commands the kernel rejected],
//	                 "info": parsed SMC_GEN_NETLINK state, "sockets": parsed smc_diag sockets,
//	                 "pnet": the PNET table (SMC_PNETID_GET, what smc_pnet -s shows)},
//	  "proc":       parsed /proc/net counters, sockets, dev, softnet, rmem_max/rmem_default,
//	  "tools":      parsed tool text that has no /proc equivalent (ss skmem, ethtool -S, smcr stats),
//	  "raw":        [{"kind": "genl"|"sock_diag"|"proc"|"text", "name": ... (genl: the command, or
//	                  "SMC_PNETID_GET" for the SMC_PNETID family), "errno": n,
//	                  "base64": netlink bytes, "text": file text,
//	                  "error": why it could not be parsed, "cut_from": size before the cut}],
//	  "errors":     non-fatal problems met while collecting (older files),
//	  "source_errors": [{"source": "/proc/net/snmp"|"SMC_GEN_NETLINK"|"SMC_PNETID"|"smc_diag"|...,
//	                  "stage": "read"|"parse", "error": why}]
//	}
//
// Every source is independent. A source that cannot be read (a /proc file
// that is missing, unless procnet.Optional, or unreadable; a failed netlink
// query) or parsed (empty or malformed: the error names the line) is listed
// in "source_errors" and the others are still collected and decoded. The
// bytes of a source that failed to parse stay in "raw" with its "error", cut
// to MaxFailedRaw bytes ("cut_from" gives the size before the cut).
// Snapshot.Failed reports that no source at all could be used.
//
// The "raw" list keeps the source bytes: netlink replies exactly as read
// from the socket (nlmsghdr included, base64) and /proc or tool text. The
// parsed members are a convenience; [Decode] and [ReadSnapshot] rebuild them
// from "raw", so a newer smcdump decodes old files with its newer parsers.
// The socket tables are the exception to "every byte": of /proc/net/udp,
// udp6, tcp, tcp6 and of the smc_diag reply a live snapshot keeps a
// bounded number of sockets (procnet.DefaultMaxSockets each; those with
// data queued or drops first, SMC sockets that fell back first), whole
// lines and messages, and counts the others: "omitted" and "omitted_busy"
// on the raw source, "sockets_omitted" and "sockets_omitted_busy" in the
// parsed /proc tree, and "smc.sockets_omitted" by mode (set when the
// snapshot is taken: raw has only the total). A socket missing from a
// bounded table may exist; the diffs and verdicts take that into account.
//
// # smc-tools tables
//
// [Snapshot.WriteTables] prints the tables of smcss, smcr/smcd device,
// linkgroup (and link-show), stats, info, ueid/seid and smc_pnet -s in
// smc-tools' layouts; [Snapshot.Tables] is the same in JSON (with the
// snapshot's "source_errors", since a table they feed may be empty). A snapshot
// taken from saved tool text has no time ([Snapshot.TimeText] says "time
// unknown"). [Diff] carries the interval's smcr/smcd stats tables and the
// sockets that fell back ([NewFallbacks]).
//
// Readers must ignore unknown members. Counters absent from a kernel (older
// versions) are absent from the file, never zero.
package kstat
