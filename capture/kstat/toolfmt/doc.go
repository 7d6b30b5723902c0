// Package toolfmt reads the text that users already have, and prints the
// smc-tools tables: saved output of `smcss` (default, -a, -l, -R, -D, -d),
// `smcr stats` / `smcd stats` (with and without -d), `smcr device` /
// `smcd device`, `smcr linkgroup` (show and link-show, -d, -dd) / `smcd
// linkgroup`, `smcr info`, `smcd ueid show`, `smcd seid show`, `smc_pnet
// -s`, `netstat -s`, `nstat` / `nstat -a` (text and -j JSON), `ss -u -a -m`,
// `ethtool -S IF`, and raw copies of the /proc/net files. [Detect] names the
// format from the text; [Parse] turns it into [Data]. A parse failure is a
// *procnet.ParseError naming the line number and its text. The writers
// (WriteSMCSS, WriteDevicesR, WriteLinks, SMCStatsText.WriteText, ...) use
// smc-tools' printf formats, so what they print reads back with Parse.
// Formats are those of docs/smc-protocol.md 13 (checked against smc-tools'
// smcss.c, dev.c, linkgroup.c, stats.c, info.c and smc_pnet.c) and
// docs/multicast-udp.md 4.
package toolfmt
