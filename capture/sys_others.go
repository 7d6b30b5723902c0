//go:build !linux

package capture

import "runtime"

func osName() string { return runtime.GOOS }
