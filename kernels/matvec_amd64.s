//go:build !purego

#include "textflag.h"

// Streaming four-row AVX2 kernels for MatVec (decode). Four consecutive
// weight rows share each activation block, as in dot_amd64.s's r4 kernels,
// with changes for a product that streams its weights from DRAM:
//
//   - the four rows of a block are reduced together (T4REDUCE below): one
//     int-to-float conversion and one FMA per block instead of one per row,
//     by a scale vector built from the four rows' f16 scales gathered in a
//     general register and converted with one VCVTPH2PS (T4SCALES);
//   - the four rows come from the four quarters of the rows MatVec is
//     given (matVecStream), so each row is a long sequential stream across
//     calls: with four consecutive short rows (a 896-column Q8_0 row is
//     952 bytes) the hardware prefetchers never train, and DRAM streaming
//     stalled at about half the rate of one sequential stream;
//   - two blocks per iteration, and one software prefetch (PREFETCHT0) per
//     row per iteration (36-68 bytes), PFDIST bytes ahead (MVPREFETCH);
//   - Q4_0 nibbles are unpacked from one 128-bit broadcast load with a
//     per-lane shift (VPSRLVD by 0 or 4) and one mask.
//
// Every routine has the Go signature
//
//	func dotXXXr4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
//
// (row i at x + i*xstride, nb >= 1 blocks) and the generic twin
// dotRowGeneric, against which the tests compare. Integer parts are exact
// (VPMADDUBSW pair sums stay below 2^15 for activation quants in
// [-127, 127]); each block adds d_w*d_y*isum with one FMA.

DATA mvones16<>+0(SB)/8, $0x0001000100010001
DATA mvones16<>+8(SB)/8, $0x0001000100010001
DATA mvones16<>+16(SB)/8, $0x0001000100010001
DATA mvones16<>+24(SB)/8, $0x0001000100010001
GLOBL mvones16<>(SB), RODATA|NOPTR, $32

DATA mvmask0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mvmask0f<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mvmask0f<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mvmask0f<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL mvmask0f<>(SB), RODATA|NOPTR, $32

DATA mvbytes8<>+0(SB)/8, $0x0808080808080808
DATA mvbytes8<>+8(SB)/8, $0x0808080808080808
DATA mvbytes8<>+16(SB)/8, $0x0808080808080808
DATA mvbytes8<>+24(SB)/8, $0x0808080808080808
GLOBL mvbytes8<>(SB), RODATA|NOPTR, $32

DATA mvbytes16<>+0(SB)/8, $0x1010101010101010
DATA mvbytes16<>+8(SB)/8, $0x1010101010101010
DATA mvbytes16<>+16(SB)/8, $0x1010101010101010
DATA mvbytes16<>+24(SB)/8, $0x1010101010101010
GLOBL mvbytes16<>(SB), RODATA|NOPTR, $32

// mvshift: dword shift counts 0 (low lane) and 4 (high lane).
DATA mvshift<>+0(SB)/8, $0
DATA mvshift<>+8(SB)/8, $0
DATA mvshift<>+16(SB)/8, $0x0000000400000004
DATA mvshift<>+24(SB)/8, $0x0000000400000004
GLOBL mvshift<>(SB), RODATA|NOPTR, $32

// mvbitshuf: byte j takes byte j/8 of a broadcast dword (Q5_0 high bits).
DATA mvbitshuf<>+0(SB)/8, $0x0000000000000000
DATA mvbitshuf<>+8(SB)/8, $0x0101010101010101
DATA mvbitshuf<>+16(SB)/8, $0x0202020202020202
DATA mvbitshuf<>+24(SB)/8, $0x0303030303030303
GLOBL mvbitshuf<>(SB), RODATA|NOPTR, $32

// mvbitmask: byte j has every bit set except bit j%8.
DATA mvbitmask<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
DATA mvbitmask<>+8(SB)/8, $0x7fbfdfeff7fbfdfe
DATA mvbitmask<>+16(SB)/8, $0x7fbfdfeff7fbfdfe
DATA mvbitmask<>+24(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL mvbitmask<>(SB), RODATA|NOPTR, $32

#define X_PTR SI
#define Y_PTR DI
#define N CX
#define RSTRIDE R8
#define R2_PTR R9

// Prefetch pointers: PF0 = X_PTR + PFDIST, PF2 = R2_PTR + PFDIST. MatVec
// passes four rows from four distant parts of the matrix (xstride is a
// quarter of the rows), so each row pointer is a long sequential stream
// and the prefetches run PFDIST bytes ahead in each of the four.
#define PFDIST 1536
#define PF0 R10
#define PF2 R11

// MVPROLOGUE loads the arguments and zeroes the accumulator Y0; Y15 =
// ones16, Y14 = mask0f.
#define MVPROLOGUE \
	MOVQ    x+0(FP), X_PTR \
	MOVQ    xstride+8(FP), RSTRIDE \
	MOVQ    y+16(FP), Y_PTR \
	MOVQ    nb+24(FP), N \
	LEAQ    (X_PTR)(RSTRIDE*2), R2_PTR \
	LEAQ    PFDIST(X_PTR), PF0 \
	LEAQ    PFDIST(R2_PTR), PF2 \
	VXORPS  Y0, Y0, Y0 \
	VMOVDQU mvones16<>(SB), Y15 \
	VMOVDQU mvmask0f<>(SB), Y14

// MVPREFETCH prefetches PFDIST bytes ahead in each of the four rows'
// streams. Past the end of the weights it is harmless (prefetches never
// fault).
#define MVPREFETCH \
	PREFETCHT0 (PF0) \
	PREFETCHT0 (PF0)(RSTRIDE*1) \
	PREFETCHT0 (PF2) \
	PREFETCHT0 (PF2)(RSTRIDE*1)

#define MVADVANCE(xstep, ystep) \
	ADDQ    $xstep, X_PTR \
	ADDQ    $xstep, PF0 \
	ADDQ    $xstep, PF2 \
	ADDQ    $xstep, R2_PTR \
	ADDQ    $ystep, Y_PTR

// Every kernel reduces the four rows of a block together: the rows' pair
// sums are transposed and added with unpacks, leaving [r0 r1 r2 r3 | r0 r1
// r2 r3] (sums of the low and high sixteen weights) in one register; one
// conversion and one FMA by the four rows' scales (T4SCALES, twice) then
// serve all four rows, and the result accumulates in Y0 alone. Q4_0 and
// Q5_0 add in int16 (their offset-corrected pair sums stay below 2^13 in
// magnitude) and widen once (T4REDUCE); Q8_0 and IQ4_NL, whose pair sums
// reach 2^15, widen each row first (T4REDUCE32).

// T4SCALES sets Y6 = d_w(row r)*d_y in lanes r and r+4, for the block at
// xoff (weights) and yoff (activation); uses AX, BX, DX, X7.
#define T4SCALES(xoff, yoff) \
	MOVWLZX xoff(X_PTR), AX \
	MOVWLZX xoff(X_PTR)(RSTRIDE*1), BX \
	SHLL    $16, BX \
	ORL     BX, AX \
	MOVWLZX xoff(R2_PTR), BX \
	MOVWLZX xoff(R2_PTR)(RSTRIDE*1), DX \
	SHLL    $16, DX \
	ORL     DX, BX \
	SHLQ    $32, BX \
	ORQ     BX, AX \
	VMOVQ   AX, X6 \
	VPUNPCKLQDQ X6, X6, X6 \
	VCVTPH2PS X6, Y6 \
	VPBROADCASTW yoff(Y_PTR), X7 \
	VCVTPH2PS X7, Y7 \
	VMULPS  Y7, Y6, Y6

// T4REDUCE adds the int16 lanes of rows 0-3 (Y3, Y4, Y5, Y1) into
// [r0 r1 r2 r3 | r0 r1 r2 r3] int32, converts and accumulates Y6 times it
// into Y0.
#define T4REDUCE \
	VPUNPCKLDQ Y4, Y3, Y7 \
	VPUNPCKHDQ Y4, Y3, Y3 \
	VPADDW  Y7, Y3, Y3 \
	VPUNPCKLDQ Y1, Y5, Y7 \
	VPUNPCKHDQ Y1, Y5, Y5 \
	VPADDW  Y7, Y5, Y5 \
	VPUNPCKLQDQ Y5, Y3, Y7 \
	VPUNPCKHQDQ Y5, Y3, Y3 \
	VPADDW  Y7, Y3, Y3 \
	VPMADDWD Y15, Y3, Y3 \
	VCVTDQ2PS Y3, Y3 \
	VFMADD231PS Y6, Y3, Y0

// T4EPILOGUE stores the four row sums: lanes r and r+4 of Y0.
#define T4EPILOGUE \
	MOVQ    out+32(FP), DX \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVUPS X0, (DX) \
	VZEROUPPER \
	RET

// T4REDUCE32 is T4REDUCE for int32 lanes (rows already widened).
#define T4REDUCE32 \
	VPUNPCKLDQ Y4, Y3, Y7 \
	VPUNPCKHDQ Y4, Y3, Y3 \
	VPADDD  Y7, Y3, Y3 \
	VPUNPCKLDQ Y1, Y5, Y7 \
	VPUNPCKHDQ Y1, Y5, Y5 \
	VPADDD  Y7, Y5, Y5 \
	VPUNPCKLQDQ Y5, Y3, Y7 \
	VPUNPCKHQDQ Y5, Y3, Y3 \
	VPADDD  Y7, Y3, Y3 \
	VCVTDQ2PS Y3, Y3 \
	VFMADD231PS Y6, Y3, Y0

// Q8_0: signed weights times the activation (Y2) by the sign trick; the
// pair sums can reach 2^15, so each row is widened to int32 (VPMADDWD)
// before the four rows are reduced together (T4REDUCE32).
#define T4Q8ROW(qs, P) \
	VPABSB  qs, Y7 \
	VPSIGNB qs, Y2, P \
	VPMADDUBSW P, Y7, P \
	VPMADDWD Y15, P, P

#define MVQ8BLOCK(xoff, yoff) \
	T4SCALES(xoff, yoff) \
	VMOVDQU yoff+2(Y_PTR), Y2 \
	T4Q8ROW(xoff+2(X_PTR), Y3) \
	T4Q8ROW(xoff+2(X_PTR)(RSTRIDE*1), Y4) \
	T4Q8ROW(xoff+2(R2_PTR), Y5) \
	T4Q8ROW(xoff+2(R2_PTR)(RSTRIDE*1), Y1) \
	T4REDUCE32

// func dotQ8_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
TEXT ·dotQ8_0r4AVX2(SB), NOSPLIT, $0-40
	MVPROLOGUE
	SUBQ    $2, N
	JLT     q8s_tail
q8s_loop:
	MVPREFETCH
	MVQ8BLOCK(0, 0)
	MVQ8BLOCK(34, 34)
	MVADVANCE(68, 68)
	SUBQ    $2, N
	JGE     q8s_loop
q8s_tail:
	ADDQ    $2, N
	JZ      q8s_done
	MVQ8BLOCK(0, 0)
q8s_done:
	T4EPILOGUE

// Q4_0: unsigned nibbles times the activation (Y2) minus 8*sum(y) pairs
// (Y12); Y13 = shift counts (0 low lane, 4 high lane).
#define T4Q4ROW(qs, P) \
	VBROADCASTI128 qs, P \
	VPSRLVD Y13, P, P \
	VPAND   Y14, P, P \
	VPMADDUBSW Y2, P, P \
	VPSUBW  Y12, P, P

#define MVQ4BLOCK(xoff, yoff) \
	T4SCALES(xoff, yoff) \
	VMOVDQU yoff+2(Y_PTR), Y2 \
	VPMADDUBSW Y2, Y11, Y12 \
	T4Q4ROW(xoff+2(X_PTR), Y3) \
	T4Q4ROW(xoff+2(X_PTR)(RSTRIDE*1), Y4) \
	T4Q4ROW(xoff+2(R2_PTR), Y5) \
	T4Q4ROW(xoff+2(R2_PTR)(RSTRIDE*1), Y1) \
	T4REDUCE

// func dotQ4_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
TEXT ·dotQ4_0r4AVX2(SB), NOSPLIT, $0-40
	MVPROLOGUE
	VMOVDQU mvbytes8<>(SB), Y11
	VMOVDQU mvshift<>(SB), Y13
	SUBQ    $2, N
	JLT     q4s_tail
q4s_loop:
	MVPREFETCH
	MVQ4BLOCK(0, 0)
	MVQ4BLOCK(18, 34)
	MVADVANCE(36, 68)
	SUBQ    $2, N
	JGE     q4s_loop
q4s_tail:
	ADDQ    $2, N
	JZ      q4s_done
	MVQ4BLOCK(0, 0)
q4s_done:
	T4EPILOGUE

// Q5_0: q4 | hbit<<4 (unsigned, 0..31) times the activation minus
// 16*sum(y) pairs (Y12); Y13 = shift counts, Y11 = bytes16, Y10 = all
// ones, Y9 scratch.
#define T4Q5ROW(qh, qs, P) \
	VBROADCASTI128 qs, P \
	VPSRLVD Y13, P, P \
	VPAND   Y14, P, P \
	VPBROADCASTD qh, Y9 \
	VPSHUFB mvbitshuf<>(SB), Y9, Y9 \
	VPOR    mvbitmask<>(SB), Y9, Y9 \
	VPCMPEQB Y10, Y9, Y9 \
	VPAND   Y11, Y9, Y9 \
	VPOR    Y9, P, P \
	VPMADDUBSW Y2, P, P \
	VPSUBW  Y12, P, P

#define MVQ5BLOCK(xoff, yoff) \
	T4SCALES(xoff, yoff) \
	VMOVDQU yoff+2(Y_PTR), Y2 \
	VPMADDUBSW Y2, Y11, Y12 \
	T4Q5ROW(xoff+2(X_PTR), xoff+6(X_PTR), Y3) \
	T4Q5ROW(xoff+2(X_PTR)(RSTRIDE*1), xoff+6(X_PTR)(RSTRIDE*1), Y4) \
	T4Q5ROW(xoff+2(R2_PTR), xoff+6(R2_PTR), Y5) \
	T4Q5ROW(xoff+2(R2_PTR)(RSTRIDE*1), xoff+6(R2_PTR)(RSTRIDE*1), Y1) \
	T4REDUCE

// func dotQ5_0r4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
TEXT ·dotQ5_0r4AVX2(SB), NOSPLIT, $0-40
	MVPROLOGUE
	VMOVDQU mvbytes16<>(SB), Y11
	VMOVDQU mvshift<>(SB), Y13
	VPCMPEQB Y10, Y10, Y10
	SUBQ    $2, N
	JLT     q5s_tail
q5s_loop:
	MVPREFETCH
	MVQ5BLOCK(0, 0)
	MVQ5BLOCK(22, 34)
	MVADVANCE(44, 68)
	SUBQ    $2, N
	JGE     q5s_loop
q5s_tail:
	ADDQ    $2, N
	JZ      q5s_done
	MVQ5BLOCK(0, 0)
q5s_done:
	T4EPILOGUE

// mviq4nl: the IQ4_NL codebook, twice (one copy per 128-bit lane).
DATA mviq4nl<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA mviq4nl<>+8(SB)/8, $0x7159453526190d01
DATA mviq4nl<>+16(SB)/8, $0xf6eaddcfbfad9881
DATA mviq4nl<>+24(SB)/8, $0x7159453526190d01
GLOBL mviq4nl<>(SB), RODATA|NOPTR, $32

// IQ4_NL: codebook values (Y11) times the activation by the sign trick,
// widened to int32 and reduced as Q8_0.
#define T4IQ4ROW(qs, P) \
	VBROADCASTI128 qs, Y7 \
	VPSRLVD Y13, Y7, Y7 \
	VPAND   Y14, Y7, Y7 \
	VPSHUFB Y7, Y11, Y7 \
	VPSIGNB Y7, Y2, P \
	VPSIGNB Y7, Y7, Y7 \
	VPMADDUBSW P, Y7, P \
	VPMADDWD Y15, P, P

#define MVIQ4BLOCK(xoff, yoff) \
	T4SCALES(xoff, yoff) \
	VMOVDQU yoff+2(Y_PTR), Y2 \
	T4IQ4ROW(xoff+2(X_PTR), Y3) \
	T4IQ4ROW(xoff+2(X_PTR)(RSTRIDE*1), Y4) \
	T4IQ4ROW(xoff+2(R2_PTR), Y5) \
	T4IQ4ROW(xoff+2(R2_PTR)(RSTRIDE*1), Y1) \
	T4REDUCE32

// func dotIQ4_NLr4AVX2(x *byte, xstride int, y *byte, nb int, out *[4]float32)
TEXT ·dotIQ4_NLr4AVX2(SB), NOSPLIT, $0-40
	MVPROLOGUE
	VMOVDQU mviq4nl<>(SB), Y11
	VMOVDQU mvshift<>(SB), Y13
	SUBQ    $2, N
	JLT     iq4s_tail
iq4s_loop:
	MVPREFETCH
	MVIQ4BLOCK(0, 0)
	MVIQ4BLOCK(18, 34)
	MVADVANCE(36, 68)
	SUBQ    $2, N
	JGE     iq4s_loop
iq4s_tail:
	ADDQ    $2, N
	JZ      iq4s_done
	MVIQ4BLOCK(0, 0)
iq4s_done:
	T4EPILOGUE
