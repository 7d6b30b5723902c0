// Package analyze reads pcap and pcapng captures and explains them: which TCP
// connections negotiated SMC (and which variant), which fell back to TCP and
// why, and (via analyze/mcast) which UDP streams lost datagrams.
//
// It works on files and readers only, never sockets, and never imports cobra.
package analyze
