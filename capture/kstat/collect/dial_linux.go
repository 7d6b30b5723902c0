//go:build linux

package collect

import (
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Dial opens a generic netlink connection in the calling thread's network
// namespace.
func Dial() (*genetlink.Conn, error) { return genetlink.Dial(nil) }

// DialDiag opens a NETLINK_SOCK_DIAG connection in the calling thread's
// network namespace.
func DialDiag() (*netlink.Conn, error) { return netlink.Dial(unix.NETLINK_SOCK_DIAG, nil) }
