//go:build !linux

package kstat

import (
	"context"
	"fmt"
	"runtime"
)

func collect(ctx context.Context, opts Options) (*Snapshot, error) {
	return nil, fmt.Errorf("kstat: collecting is not implemented on %s", runtime.GOOS)
}
