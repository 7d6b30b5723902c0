// Package analyze is the analysis pipeline: frames in (capture files through
// pcapfile.FileReader, or the same pcapfile.Packet a live capture delivers),
// decoded once (analyze/decode), dispatched to the trackers (analyze/smcflow
// for SMC/TCP connections and RoCE, analyze/mcast for UDP streams), and one
// report.Report out (analyze/report): which TCP connections negotiated SMC
// (and which variant), which fell back to TCP and why, which UDP streams
// lost datagrams, and what the kernel counters say (analyze/correlate). The
// report renders as text or JSON and evaluates the --fail-on gates
// (Report.Check). Printer prints packets one by one in tcpdump's format.
//
// It works on files and readers only, never sockets, and never imports cobra.
package analyze
