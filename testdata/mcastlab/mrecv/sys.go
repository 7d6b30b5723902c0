package main

import (
	"context"
	"syscall"
)

type syscallRawConn = syscall.RawConn

func ctx() context.Context { return context.Background() }
