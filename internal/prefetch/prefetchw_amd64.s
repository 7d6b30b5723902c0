#include "textflag.h"

// func AddrW(p *byte, n int)
//
// Unrolled as Addr. PREFETCHW (AX): 0F 0D /1 (Broadwell and later, every
// AMD64 of AMD; a no-op on processors without it); with a displacement,
// 0F 0D 48 disp8, and for 128 and 192, which do not fit a signed byte,
// the address is advanced in two steps.
TEXT ·AddrW(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
four:
	CMPQ CX, $192
	JLE one
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08       // PREFETCHW (AX)
	BYTE $0x0F; BYTE $0x0D; BYTE $0x48; BYTE $0x40 // PREFETCHW 64(AX)
	ADDQ $128, AX
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08       // PREFETCHW (AX)
	BYTE $0x0F; BYTE $0x0D; BYTE $0x48; BYTE $0x40 // PREFETCHW 64(AX)
	ADDQ $128, AX
	SUBQ $256, CX
	JMP four
one:
	TESTQ CX, CX
	JLE done
loop:
	BYTE $0x0F; BYTE $0x0D; BYTE $0x08 // PREFETCHW (AX)
	ADDQ $64, AX
	SUBQ $64, CX
	JG loop
done:
	RET
