#include "textflag.h"

// func Addr(p *byte, n int)
//
// Four lines per turn of the loop, then one at a time: the callers ask
// for a connection's state (24 lines) or a frame's headers (one or two),
// and a loop of one line per turn ran six instructions per line.
TEXT ·Addr(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
four:
	CMPQ CX, $192
	JLE one
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 128(AX)
	PREFETCHT0 192(AX)
	ADDQ $256, AX
	SUBQ $256, CX
	JMP four
one:
	TESTQ CX, CX
	JLE done
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	SUBQ $64, CX
	JG loop
done:
	RET
