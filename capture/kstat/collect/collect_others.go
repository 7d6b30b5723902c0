//go:build !linux

package collect

import (
	"context"
	"fmt"
	"runtime"

	"github.com/smcdump/smcdump/capture/kstat"
)

func collect(ctx context.Context, opts Options) (*kstat.Snapshot, error) {
	return nil, fmt.Errorf("collect: collecting is not implemented on %s", runtime.GOOS)
}
