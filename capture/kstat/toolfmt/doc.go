// Package toolfmt reads the text that users already have: saved output of
// `smcr stats` / `smcd stats` (with and without -d), `smcss -a` / `-R`,
// `netstat -s`, `nstat` / `nstat -a` (text and -j JSON), `ss -u -a -m`,
// `ethtool -S IF`, and raw copies of the /proc/net files. [Detect] names the
// format from the text; [Parse] turns it into [Data]. A parse failure is a
// *procnet.ParseError naming the line number and its text. Formats are
// those of smc-protocol.md 13 and multicast-udp.md 4.
package toolfmt
