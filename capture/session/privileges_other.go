//go:build !unix

package session

import "errors"

// DropPrivileges is tcpdump -Z: not supported on this system.
func DropPrivileges(name string) error {
	return errors.New("-Z: dropping privileges is not supported on this system")
}
