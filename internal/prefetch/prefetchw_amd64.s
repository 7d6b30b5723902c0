#include "textflag.h"

// func AddrW(p *byte, n int)
TEXT ·AddrW(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
loop:
	CMPQ CX, $0
	JLE done
	// PREFETCHW (AX): 0F 0D /1 (Broadwell and later, every AMD64 of AMD;
	// a no-op on processors without it).
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08
	ADDQ $64, AX
	SUBQ $64, CX
	JMP loop
done:
	RET
