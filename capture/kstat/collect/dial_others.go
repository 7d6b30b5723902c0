//go:build !linux

package collect

import (
	"fmt"
	"runtime"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// Dial is not implemented outside Linux.
func Dial() (*genetlink.Conn, error) {
	return nil, fmt.Errorf("collect: netlink is not implemented on %s", runtime.GOOS)
}

// DialDiag is not implemented outside Linux.
func DialDiag() (*netlink.Conn, error) {
	return nil, fmt.Errorf("collect: netlink is not implemented on %s", runtime.GOOS)
}
