//go:build !linux

package pcapfile

import (
	"errors"
	"os"
)

const canMap = false

func mapFile(*os.File, int64, int) ([]byte, error) { return nil, errors.New("not mapped") }

func unmapFile([]byte) {}
