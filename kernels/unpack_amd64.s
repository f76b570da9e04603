//go:build !purego

#include "textflag.h"

// Tile unpackers of MatMul (shapes tile8, tile16, tileK of the type table):
// eight weight rows rb bytes apart into the tile layouts the gemm family
// reads (see gemm_amd64.s). Hand-written; kernels/_asm generates the rest.

// TRANSPOSE8 transposes the dwords of rows Y0-Y7 (group k = dword k):
// groups 0-7 end in Y3, Y6, Y7, Y8, Y5, Y9, Y1, Y2 (Y4, Y0 free).
#define TRANSPOSE8 \
	VPUNPCKLDQ  Y1, Y0, Y8 \
	VPUNPCKHDQ  Y1, Y0, Y9 \
	VPUNPCKLDQ  Y3, Y2, Y0 \
	VPUNPCKHDQ  Y3, Y2, Y1 \
	VPUNPCKLDQ  Y5, Y4, Y2 \
	VPUNPCKHDQ  Y5, Y4, Y3 \
	VPUNPCKLDQ  Y7, Y6, Y4 \
	VPUNPCKHDQ  Y7, Y6, Y5 \
	VPUNPCKLQDQ Y0, Y8, Y6 \
	VPUNPCKHQDQ Y0, Y8, Y7 \
	VPUNPCKLQDQ Y1, Y9, Y8 \
	VPUNPCKHQDQ Y1, Y9, Y0 \
	VPUNPCKLQDQ Y4, Y2, Y9 \
	VPUNPCKHQDQ Y4, Y2, Y1 \
	VPUNPCKLQDQ Y5, Y3, Y2 \
	VPUNPCKHQDQ Y5, Y3, Y4 \
	VPERM2I128  $0x20, Y9, Y6, Y3 \
	VPERM2I128  $0x31, Y9, Y6, Y5 \
	VPERM2I128  $0x20, Y1, Y7, Y6 \
	VPERM2I128  $0x31, Y1, Y7, Y9 \
	VPERM2I128  $0x20, Y2, Y8, Y7 \
	VPERM2I128  $0x31, Y2, Y8, Y1 \
	VPERM2I128  $0x20, Y4, Y0, Y8 \
	VPERM2I128  $0x31, Y4, Y0, Y2

// ROWQ4(addr, Y, X): Y = the 32 quants of the Q4_0 block at addr, minus 8,
// as signed bytes in element order.
#define ROWQ4(addr, Y, X) \
	VMOVDQU     addr, X       \
	VPSRLW      $4, X, X11    \
	VINSERTI128 $1, X11, Y, Y \
	VPAND       Y15, Y, Y     \
	VPSUBB      Y14, Y, Y

// func unpackQ4_0x8AVX2(w *byte, rb, nb int, tile *byte)
//
// Unpacks nb Q4_0 blocks of eight rows (row i at w + i*rb) into one half of
// the tile of gemmQ4_0x16AVX2 (tile points at the half's row scales; blocks
// 704 bytes apart): row scales, 128*sum(w) per row at +64, group k at
// +192+64k. The eight rows of a block are transposed as 8x8 dwords.
TEXT ·unpackQ4_0x8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x08080808, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x01010101, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x00010001, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq4:
	// Row scales (f16) of the eight rows.
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)

	ROWQ4(2(SI), Y0, X0)
	ROWQ4(2(SI)(DX*1), Y1, X1)
	ROWQ4(2(SI)(DX*2), Y2, X2)
	ROWQ4(2(SI)(R8*1), Y3, X3)
	ROWQ4(2(R9), Y4, X4)
	ROWQ4(2(R9)(DX*1), Y5, X5)
	ROWQ4(2(R9)(DX*2), Y6, X6)
	ROWQ4(2(R9)(R8*1), Y7, X7)

	TRANSPOSE8
	VMOVDQU     Y3, 192(DI)
	VMOVDQU     Y6, 256(DI)
	VMOVDQU     Y7, 320(DI)
	VMOVDQU     Y8, 384(DI)
	VMOVDQU     Y5, 448(DI)
	VMOVDQU     Y9, 512(DI)
	VMOVDQU     Y1, 576(DI)
	VMOVDQU     Y2, 640(DI)

	// 128 * sum of each row's 32 quants.
	VPMADDUBSW Y3, Y13, Y0
	VPMADDUBSW Y6, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y7, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y8, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y5, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y9, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y1, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y2, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 64(DI)

	ADDQ $18, SI
	ADDQ $18, R9
	ADDQ $704, DI
	DECQ CX
	JNZ  uq4
	VZEROUPPER
	RET

// func unpackQ8_0x8AVX2(w *byte, rb, nb int, tile *byte)
//
// Unpacks nb Q8_0 blocks of eight rows (row i at w + i*rb) into the tile of
// gemmQ8x4AVX2: eight f32 row scales, then group k at 32+32k; blocks 288
// bytes apart.
TEXT ·unpackQ8_0x8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq8:
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)

	VMOVDQU 2(SI), Y0
	VMOVDQU 2(SI)(DX*1), Y1
	VMOVDQU 2(SI)(DX*2), Y2
	VMOVDQU 2(SI)(R8*1), Y3
	VMOVDQU 2(R9), Y4
	VMOVDQU 2(R9)(DX*1), Y5
	VMOVDQU 2(R9)(DX*2), Y6
	VMOVDQU 2(R9)(R8*1), Y7
	TRANSPOSE8
	VMOVDQU Y3, 32(DI)
	VMOVDQU Y6, 64(DI)
	VMOVDQU Y7, 96(DI)
	VMOVDQU Y8, 128(DI)
	VMOVDQU Y5, 160(DI)
	VMOVDQU Y9, 192(DI)
	VMOVDQU Y1, 224(DI)
	VMOVDQU Y2, 256(DI)

	ADDQ $34, SI
	ADDQ $34, R9
	ADDQ $288, DI
	DECQ CX
	JNZ  uq8
	VZEROUPPER
	RET

DATA gemmBitshuf<>+0(SB)/8, $0x0000000000000000
DATA gemmBitshuf<>+8(SB)/8, $0x0101010101010101
DATA gemmBitshuf<>+16(SB)/8, $0x0202020202020202
DATA gemmBitshuf<>+24(SB)/8, $0x0303030303030303
GLOBL gemmBitshuf<>(SB), RODATA|NOPTR, $32

DATA gemmBitmask<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
DATA gemmBitmask<>+8(SB)/8, $0x7fbfdfeff7fbfdfe
DATA gemmBitmask<>+16(SB)/8, $0x7fbfdfeff7fbfdfe
DATA gemmBitmask<>+24(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL gemmBitmask<>(SB), RODATA|NOPTR, $32

DATA gemmBytes10<>+0(SB)/8, $0x1010101010101010
DATA gemmBytes10<>+8(SB)/8, $0x1010101010101010
DATA gemmBytes10<>+16(SB)/8, $0x1010101010101010
DATA gemmBytes10<>+24(SB)/8, $0x1010101010101010
GLOBL gemmBytes10<>(SB), RODATA|NOPTR, $32

// ROWQ5(qs, qh, Y, X): Y = the 32 quants of the Q5_0 block whose qs and qh
// are at the given addresses, minus 16, as signed bytes in element order
// (Y10 must be all ones).
#define ROWQ5(qs, qh, Y, X) \
	VMOVDQU      qs, X                       \
	VPSRLW       $4, X, X11                  \
	VINSERTI128  $1, X11, Y, Y               \
	VPAND        Y15, Y, Y                   \
	VPBROADCASTD qh, Y11                     \
	VPSHUFB      gemmBitshuf<>(SB), Y11, Y11 \
	VPOR         gemmBitmask<>(SB), Y11, Y11 \
	VPCMPEQB     Y10, Y11, Y11               \
	VPAND        gemmBytes10<>(SB), Y11, Y11 \
	VPOR         Y11, Y, Y                   \
	VPSUBB       Y14, Y, Y

// func unpackQ5_0x8AVX2(w *byte, rb, nb int, tile *byte)
//
// As unpackQ4_0x8AVX2 for Q5_0: 128*sum(w) of elements 0-15 at +64, of
// elements 16-31 at +128.
TEXT ·unpackQ5_0x8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x10101010, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x01010101, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x00010001, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq5:
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)
	VPCMPEQB  Y10, Y10, Y10

	ROWQ5(6(SI), 2(SI), Y0, X0)
	ROWQ5(6(SI)(DX*1), 2(SI)(DX*1), Y1, X1)
	ROWQ5(6(SI)(DX*2), 2(SI)(DX*2), Y2, X2)
	ROWQ5(6(SI)(R8*1), 2(SI)(R8*1), Y3, X3)
	ROWQ5(6(R9), 2(R9), Y4, X4)
	ROWQ5(6(R9)(DX*1), 2(R9)(DX*1), Y5, X5)
	ROWQ5(6(R9)(DX*2), 2(R9)(DX*2), Y6, X6)
	ROWQ5(6(R9)(R8*1), 2(R9)(R8*1), Y7, X7)
	TRANSPOSE8
	VMOVDQU     Y3, 192(DI)
	VMOVDQU     Y6, 256(DI)
	VMOVDQU     Y7, 320(DI)
	VMOVDQU     Y8, 384(DI)
	VMOVDQU     Y5, 448(DI)
	VMOVDQU     Y9, 512(DI)
	VMOVDQU     Y1, 576(DI)
	VMOVDQU     Y2, 640(DI)

	// 128 * sums of elements 0-15 (groups 0-3) and 16-31 (groups 4-7).
	VPMADDUBSW Y3, Y13, Y0
	VPMADDUBSW Y6, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y7, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y8, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 64(DI)
	VPMADDUBSW Y5, Y13, Y0
	VPMADDUBSW Y9, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y1, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y2, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 128(DI)

	ADDQ $22, SI
	ADDQ $22, R9
	ADDQ $704, DI
	DECQ CX
	JNZ  uq5
	VZEROUPPER
	RET

// Q4KHALF(off, lo): the nibbles (low: lo=1, high: lo=0) of the 32 bytes at
// off in each of the eight rows, transposed into groups at DI+g0*64.
#define Q4KLOAD(off, shift) \
	VMOVDQU off(SI), Y0           \
	VMOVDQU off(SI)(DX*1), Y1     \
	VMOVDQU off(SI)(DX*2), Y2     \
	VMOVDQU off(SI)(R8*1), Y3     \
	VMOVDQU off(R9), Y4           \
	VMOVDQU off(R9)(DX*1), Y5     \
	VMOVDQU off(R9)(DX*2), Y6     \
	VMOVDQU off(R9)(R8*1), Y7     \
	VPSRLW  $shift, Y0, Y0        \
	VPSRLW  $shift, Y1, Y1        \
	VPSRLW  $shift, Y2, Y2        \
	VPSRLW  $shift, Y3, Y3        \
	VPSRLW  $shift, Y4, Y4        \
	VPSRLW  $shift, Y5, Y5        \
	VPSRLW  $shift, Y6, Y6        \
	VPSRLW  $shift, Y7, Y7        \
	VPAND   Y15, Y0, Y0           \
	VPAND   Y15, Y1, Y1           \
	VPAND   Y15, Y2, Y2           \
	VPAND   Y15, Y3, Y3           \
	VPAND   Y15, Y4, Y4           \
	VPAND   Y15, Y5, Y5           \
	VPAND   Y15, Y6, Y6           \
	VPAND   Y15, Y7, Y7

#define Q4KSTORE(base) \
	VMOVDQU Y3, (base+0)(DI)   \
	VMOVDQU Y6, (base+64)(DI)  \
	VMOVDQU Y7, (base+128)(DI) \
	VMOVDQU Y8, (base+192)(DI) \
	VMOVDQU Y5, (base+256)(DI) \
	VMOVDQU Y9, (base+320)(DI) \
	VMOVDQU Y1, (base+384)(DI) \
	VMOVDQU Y2, (base+448)(DI)

#define Q4KPAIR(p) \
	Q4KLOAD(16+32*p, 0)              \
	TRANSPOSE8                       \
	Q4KSTORE(1152+64*16*p)           \
	Q4KLOAD(16+32*p, 4)              \
	TRANSPOSE8                       \
	Q4KSTORE(1152+64*16*p+512)

// func unpackQ4_Kx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants (groups at 1152+64g) of nb Q4_K blocks of eight rows
// (row i at w + i*rb) into one half of the Q4_K tile (tile points at the
// half; blocks 5248 bytes apart). Scales and mins are written in Go.
TEXT ·unpackQ4_Kx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq4k:
	Q4KPAIR(0)
	Q4KPAIR(1)
	Q4KPAIR(2)
	Q4KPAIR(3)
	ADDQ $144, SI
	ADDQ $144, R9
	ADDQ $5248, DI
	DECQ CX
	JNZ  uq4k
	VZEROUPPER
	RET

// Q6PLANE(ql, qh, lsh, hsh, g): 32 quants per row, (ql >> lsh) & 15 |
// ((qh >> hsh) & 3) << 4, transposed into the groups at g(DI).
#define Q6PLANE(ql, qh, lsh, hsh, g) \
	VMOVDQU ql(SI), Y0 \
	VPSRLW $lsh, Y0, Y0 \
	VPAND Y15, Y0, Y0 \
	VMOVDQU qh(SI), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y0, Y0 \
	VMOVDQU ql(SI)(DX*1), Y1 \
	VPSRLW $lsh, Y1, Y1 \
	VPAND Y15, Y1, Y1 \
	VMOVDQU qh(SI)(DX*1), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y1, Y1 \
	VMOVDQU ql(SI)(DX*2), Y2 \
	VPSRLW $lsh, Y2, Y2 \
	VPAND Y15, Y2, Y2 \
	VMOVDQU qh(SI)(DX*2), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y2, Y2 \
	VMOVDQU ql(SI)(R8*1), Y3 \
	VPSRLW $lsh, Y3, Y3 \
	VPAND Y15, Y3, Y3 \
	VMOVDQU qh(SI)(R8*1), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y3, Y3 \
	VMOVDQU ql(R9), Y4 \
	VPSRLW $lsh, Y4, Y4 \
	VPAND Y15, Y4, Y4 \
	VMOVDQU qh(R9), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y4, Y4 \
	VMOVDQU ql(R9)(DX*1), Y5 \
	VPSRLW $lsh, Y5, Y5 \
	VPAND Y15, Y5, Y5 \
	VMOVDQU qh(R9)(DX*1), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y5, Y5 \
	VMOVDQU ql(R9)(DX*2), Y6 \
	VPSRLW $lsh, Y6, Y6 \
	VPAND Y15, Y6, Y6 \
	VMOVDQU qh(R9)(DX*2), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y6, Y6 \
	VMOVDQU ql(R9)(R8*1), Y7 \
	VPSRLW $lsh, Y7, Y7 \
	VPAND Y15, Y7, Y7 \
	VMOVDQU qh(R9)(R8*1), Y11 \
	VPSRLW $hsh, Y11, Y11 \
	VPAND Y14, Y11, Y11 \
	VPSLLW $4, Y11, Y11 \
	VPOR Y11, Y7, Y7 \
	TRANSPOSE8 \
	VMOVDQU Y3, (g+0)(DI) \
	VMOVDQU Y6, (g+64)(DI) \
	VMOVDQU Y7, (g+128)(DI) \
	VMOVDQU Y8, (g+192)(DI) \
	VMOVDQU Y5, (g+256)(DI) \
	VMOVDQU Y9, (g+320)(DI) \
	VMOVDQU Y1, (g+384)(DI) \
	VMOVDQU Y2, (g+448)(DI)

#define Q6HALF(h) \
	Q6PLANE(64*h, 128+32*h, 0, 0, 1600+64*32*h)       \
	Q6PLANE(64*h+32, 128+32*h, 0, 2, 1600+64*(32*h+8))  \
	Q6PLANE(64*h, 128+32*h, 4, 4, 1600+64*(32*h+16))   \
	Q6PLANE(64*h+32, 128+32*h, 4, 6, 1600+64*(32*h+24))

// func unpackQ6_Kx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants (groups at 1600+64g) of nb Q6_K blocks of eight rows
// (row i at w + i*rb) into one half of the Q6_K tile (blocks 5696 bytes
// apart). Scales are written in Go.
TEXT ·unpackQ6_Kx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x03030303, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq6k:
	Q6HALF(0)
	Q6HALF(1)
	ADDQ $210, SI
	ADDQ $210, R9
	ADDQ $5696, DI
	DECQ CX
	JNZ  uq6k
	VZEROUPPER
	RET

// The IQ4_NL codebook (kernels.iq4nlValues) in both 128-bit lanes.
DATA gemmIQ4NL<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA gemmIQ4NL<>+8(SB)/8, $0x7159453526190d01
DATA gemmIQ4NL<>+16(SB)/8, $0xf6eaddcfbfad9881
DATA gemmIQ4NL<>+24(SB)/8, $0x7159453526190d01
GLOBL gemmIQ4NL<>(SB), RODATA|NOPTR, $32

// ROWNL(addr, Y, X): Y = the 32 codebook values of the IQ4_NL block whose
// quants are at addr, in element order (Y14 = codebook).
#define ROWNL(addr, Y, X) \
	VMOVDQU     addr, X       \
	VPSRLW      $4, X, X11    \
	VINSERTI128 $1, X11, Y, Y \
	VPAND       Y15, Y, Y     \
	VPSHUFB     Y, Y14, Y

// func unpackIQ4_NLx8AVX2(w *byte, rb, nb int, tile *byte)
//
// As unpackQ8_0x8AVX2 for IQ4_NL (the eight-row tile of gemmQ8x4AVX2).
TEXT ·unpackIQ4_NLx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU gemmIQ4NL<>(SB), Y14
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uqnl:
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)

	ROWNL(2(SI), Y0, X0)
	ROWNL(2(SI)(DX*1), Y1, X1)
	ROWNL(2(SI)(DX*2), Y2, X2)
	ROWNL(2(SI)(R8*1), Y3, X3)
	ROWNL(2(R9), Y4, X4)
	ROWNL(2(R9)(DX*1), Y5, X5)
	ROWNL(2(R9)(DX*2), Y6, X6)
	ROWNL(2(R9)(R8*1), Y7, X7)
	TRANSPOSE8
	VMOVDQU Y3, 32(DI)
	VMOVDQU Y6, 64(DI)
	VMOVDQU Y7, 96(DI)
	VMOVDQU Y8, 128(DI)
	VMOVDQU Y5, 160(DI)
	VMOVDQU Y9, 192(DI)
	VMOVDQU Y1, 224(DI)
	VMOVDQU Y2, 256(DI)

	ADDQ $18, SI
	ADDQ $18, R9
	ADDQ $288, DI
	DECQ CX
	JNZ  uqnl
	VZEROUPPER
	RET

// Q5PAIR(p): sub-blocks 2p (low nibbles of qs[32p:], bit 2p of qh) and
// 2p+1 (high nibbles, bit 2p+1), Q6PLANE with Y14 = 0x01 bytes.
#define Q5PAIR(p, s0, s1) \
	Q6PLANE(48+32*p, 16, 0, s0, 1152+64*16*p) \
	Q6PLANE(48+32*p, 16, 4, s1, 1152+64*16*p+512)

// func unpackQ5_Kx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants (groups at 1152+64g, values 0..31) of nb Q5_K blocks of
// eight rows (row i at w + i*rb) into one half of the Q5_K tile (blocks
// 5248 bytes apart). Scales and mins are written in Go.
TEXT ·unpackQ5_Kx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x01010101, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq5k:
	Q5PAIR(0, 0, 1)
	Q5PAIR(1, 2, 3)
	Q5PAIR(2, 4, 5)
	Q5PAIR(3, 6, 7)
	ADDQ $176, SI
	ADDQ $176, R9
	ADDQ $5248, DI
	DECQ CX
	JNZ  uq5k
	VZEROUPPER
	RET

// XSSUB(ib): sub-block ib of the eight rows (16 bytes of quants at
// 8+16*ib), codebook values transposed into groups 8*ib.. at 576+64g.
#define XSSUB(ib) \
	ROWNL((8+16*ib)(SI), Y0, X0)       \
	ROWNL((8+16*ib)(SI)(DX*1), Y1, X1) \
	ROWNL((8+16*ib)(SI)(DX*2), Y2, X2) \
	ROWNL((8+16*ib)(SI)(R8*1), Y3, X3) \
	ROWNL((8+16*ib)(R9), Y4, X4)       \
	ROWNL((8+16*ib)(R9)(DX*1), Y5, X5) \
	ROWNL((8+16*ib)(R9)(DX*2), Y6, X6) \
	ROWNL((8+16*ib)(R9)(R8*1), Y7, X7) \
	TRANSPOSE8                         \
	VMOVDQU Y3, (576+512*ib)(DI)       \
	VMOVDQU Y6, (576+512*ib+64)(DI)    \
	VMOVDQU Y7, (576+512*ib+128)(DI)   \
	VMOVDQU Y8, (576+512*ib+192)(DI)   \
	VMOVDQU Y5, (576+512*ib+256)(DI)   \
	VMOVDQU Y9, (576+512*ib+320)(DI)   \
	VMOVDQU Y1, (576+512*ib+384)(DI)   \
	VMOVDQU Y2, (576+512*ib+448)(DI)

// func unpackIQ4_XSx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants (codebook values, groups at 576+64g) of nb IQ4_XS
// blocks of eight rows (row i at w + i*rb) into one half of the IQ4_XS
// tile (blocks 4672 bytes apart). Scales are written in Go.
TEXT ·unpackIQ4_XSx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU gemmIQ4NL<>(SB), Y14
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uqxs:
	XSSUB(0)
	XSSUB(1)
	XSSUB(2)
	XSSUB(3)
	XSSUB(4)
	XSSUB(5)
	XSSUB(6)
	XSSUB(7)
	ADDQ $136, SI
	ADDQ $136, R9
	ADDQ $4672, DI
	DECQ CX
	JNZ  uqxs
	VZEROUPPER
	RET

// Q2PLANE(qo, sh, g): quants (qs[32h:32h+32] >> 2s) & 3 of the eight rows
// (elements 128h+32s..+31; qo = 16+32h, sh = 2s), transposed into the
// groups at g(DI) = 1664+64*8(4h+s) (Y15 = 0x03 bytes).
#define Q2PLANE(qo, sh, g) \
	Q4KLOAD(qo, sh) \
	TRANSPOSE8      \
	Q4KSTORE(g)

// func unpackQ2_Kx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants (groups at 1664+64g) of nb Q2_K blocks of eight rows
// (row i at w + i*rb) into one half of the Q2_K tile (blocks 5760 bytes
// apart). Scales and mins are written in Go.
TEXT ·unpackQ2_Kx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x03030303, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq2k:
	Q2PLANE(16, 0, 1664)
	Q2PLANE(16, 2, 2176)
	Q2PLANE(16, 4, 2688)
	Q2PLANE(16, 6, 3200)
	Q2PLANE(48, 0, 3712)
	Q2PLANE(48, 2, 4224)
	Q2PLANE(48, 4, 4736)
	Q2PLANE(48, 6, 5248)
	ADDQ $84, SI
	ADDQ $84, R9
	ADDQ $5760, DI
	DECQ CX
	JNZ  uq2k
	VZEROUPPER
	RET

// Q3ROW(qo, lsh, hsh, base, Y): Y = (qs >> lsh) & 3 | ((hmask >> hsh) &
// 1) << 2 for the 32 bytes of quants at qo+base and of hmask at base
// (Y15 = 0x03 bytes, Y14 = 0x01 bytes).
#define Q3ROW(qo, lsh, hsh, base, Y) \
	VMOVDQU qo base, Y        \
	VPSRLW  $lsh, Y, Y        \
	VPAND   Y15, Y, Y         \
	VMOVDQU base, Y11         \
	VPSRLW  $hsh, Y11, Y11    \
	VPAND   Y14, Y11, Y11     \
	VPSLLW  $2, Y11, Y11      \
	VPOR    Y11, Y, Y

// Q3PLANE(qo, lsh, hsh, g): the eight rows' quants of elements
// 128h+32s..+31 (qo = 32+32h, lsh = 2s, hsh = 4h+s), transposed into the
// groups at g(DI).
#define Q3PLANE(qo, lsh, hsh, g) \
	Q3ROW(qo, lsh, hsh, (SI), Y0)        \
	Q3ROW(qo, lsh, hsh, (SI)(DX*1), Y1)  \
	Q3ROW(qo, lsh, hsh, (SI)(DX*2), Y2)  \
	Q3ROW(qo, lsh, hsh, (SI)(R8*1), Y3)  \
	Q3ROW(qo, lsh, hsh, (R9), Y4)        \
	Q3ROW(qo, lsh, hsh, (R9)(DX*1), Y5)  \
	Q3ROW(qo, lsh, hsh, (R9)(DX*2), Y6)  \
	Q3ROW(qo, lsh, hsh, (R9)(R8*1), Y7)  \
	TRANSPOSE8                           \
	Q4KSTORE(g)

// func unpackQ3_Kx8AVX2(w *byte, rb, nb int, tile *byte)
//
// Writes the quants u (0..7, groups at 1600+64g) of nb Q3_K blocks of
// eight rows (row i at w + i*rb) into one half of the Q3_K tile (blocks
// 5696 bytes apart). Scales are written in Go.
TEXT ·unpackQ3_Kx8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x03030303, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x01010101, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq3k:
	Q3PLANE(32, 0, 0, 1600)
	Q3PLANE(32, 2, 1, 2112)
	Q3PLANE(32, 4, 2, 2624)
	Q3PLANE(32, 6, 3, 3136)
	Q3PLANE(64, 0, 4, 3648)
	Q3PLANE(64, 2, 5, 4160)
	Q3PLANE(64, 4, 6, 4672)
	Q3PLANE(64, 6, 7, 5184)
	ADDQ $110, SI
	ADDQ $110, R9
	ADDQ $5696, DI
	DECQ CX
	JNZ  uq3k
	VZEROUPPER
	RET


// func unpackQ4_1x8AVX2(w *byte, rb, nb int, tile *byte)
//
// As unpackQ4_0x8AVX2 for Q4_1 (quants at 4, q-8), with m' = m + 8d of the
// eight rows at +704; blocks 768 bytes apart.
TEXT ·unpackQ4_1x8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x08080808, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x01010101, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x00010001, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq41:
	// Row scales (f16) of the eight rows.
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)
	// m' = m + 8*d of the eight rows.
	MOVWLZX 2(SI), AX
	VMOVD   AX, X11
	VPINSRW $1, 2(SI)(DX*1), X11, X11
	VPINSRW $2, 2(SI)(DX*2), X11, X11
	VPINSRW $3, 2(SI)(R8*1), X11, X11
	VPINSRW $4, 2(R9), X11, X11
	VPINSRW $5, 2(R9)(DX*1), X11, X11
	VPINSRW $6, 2(R9)(DX*2), X11, X11
	VPINSRW $7, 2(R9)(R8*1), X11, X11
	VCVTPH2PS X11, Y11
	MOVL $0x41000000, AX
	VMOVD AX, X0
	VBROADCASTSS X0, Y0
	VFMADD231PS Y0, Y10, Y11
	VMOVUPS Y11, 704(DI)

	ROWQ4(4(SI), Y0, X0)
	ROWQ4(4(SI)(DX*1), Y1, X1)
	ROWQ4(4(SI)(DX*2), Y2, X2)
	ROWQ4(4(SI)(R8*1), Y3, X3)
	ROWQ4(4(R9), Y4, X4)
	ROWQ4(4(R9)(DX*1), Y5, X5)
	ROWQ4(4(R9)(DX*2), Y6, X6)
	ROWQ4(4(R9)(R8*1), Y7, X7)

	TRANSPOSE8
	VMOVDQU     Y3, 192(DI)
	VMOVDQU     Y6, 256(DI)
	VMOVDQU     Y7, 320(DI)
	VMOVDQU     Y8, 384(DI)
	VMOVDQU     Y5, 448(DI)
	VMOVDQU     Y9, 512(DI)
	VMOVDQU     Y1, 576(DI)
	VMOVDQU     Y2, 640(DI)

	// 128 * sum of each row's 32 quants.
	VPMADDUBSW Y3, Y13, Y0
	VPMADDUBSW Y6, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y7, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y8, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y5, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y9, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y1, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y2, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 64(DI)

	ADDQ $20, SI
	ADDQ $20, R9
	ADDQ $768, DI
	DECQ CX
	JNZ  uq41
	VZEROUPPER
	RET

// func unpackQ5_1x8AVX2(w *byte, rb, nb int, tile *byte)
//
// As unpackQ5_0x8AVX2 for Q5_1 (qh at 4, quants at 8, q-16), with
// m' = m + 16d of the eight rows at +704; blocks 768 bytes apart.
TEXT ·unpackQ5_1x8AVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ nb+16(FP), CX
	MOVQ tile+24(FP), DI
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x10101010, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x01010101, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x00010001, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), R9

uq51:
	MOVWLZX (SI), AX
	VMOVD   AX, X10
	VPINSRW $1, (SI)(DX*1), X10, X10
	VPINSRW $2, (SI)(DX*2), X10, X10
	VPINSRW $3, (SI)(R8*1), X10, X10
	VPINSRW $4, (R9), X10, X10
	VPINSRW $5, (R9)(DX*1), X10, X10
	VPINSRW $6, (R9)(DX*2), X10, X10
	VPINSRW $7, (R9)(R8*1), X10, X10
	VCVTPH2PS X10, Y10
	VMOVUPS   Y10, (DI)
	// m' = m + 16*d of the eight rows.
	MOVWLZX 2(SI), AX
	VMOVD   AX, X11
	VPINSRW $1, 2(SI)(DX*1), X11, X11
	VPINSRW $2, 2(SI)(DX*2), X11, X11
	VPINSRW $3, 2(SI)(R8*1), X11, X11
	VPINSRW $4, 2(R9), X11, X11
	VPINSRW $5, 2(R9)(DX*1), X11, X11
	VPINSRW $6, 2(R9)(DX*2), X11, X11
	VPINSRW $7, 2(R9)(R8*1), X11, X11
	VCVTPH2PS X11, Y11
	MOVL $0x41800000, AX
	VMOVD AX, X0
	VBROADCASTSS X0, Y0
	VFMADD231PS Y0, Y10, Y11
	VMOVUPS Y11, 704(DI)
	VPCMPEQB  Y10, Y10, Y10

	ROWQ5(8(SI), 4(SI), Y0, X0)
	ROWQ5(8(SI)(DX*1), 4(SI)(DX*1), Y1, X1)
	ROWQ5(8(SI)(DX*2), 4(SI)(DX*2), Y2, X2)
	ROWQ5(8(SI)(R8*1), 4(SI)(R8*1), Y3, X3)
	ROWQ5(8(R9), 4(R9), Y4, X4)
	ROWQ5(8(R9)(DX*1), 4(R9)(DX*1), Y5, X5)
	ROWQ5(8(R9)(DX*2), 4(R9)(DX*2), Y6, X6)
	ROWQ5(8(R9)(R8*1), 4(R9)(R8*1), Y7, X7)
	TRANSPOSE8
	VMOVDQU     Y3, 192(DI)
	VMOVDQU     Y6, 256(DI)
	VMOVDQU     Y7, 320(DI)
	VMOVDQU     Y8, 384(DI)
	VMOVDQU     Y5, 448(DI)
	VMOVDQU     Y9, 512(DI)
	VMOVDQU     Y1, 576(DI)
	VMOVDQU     Y2, 640(DI)

	// 128 * sums of elements 0-15 (groups 0-3) and 16-31 (groups 4-7).
	VPMADDUBSW Y3, Y13, Y0
	VPMADDUBSW Y6, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y7, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y8, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 64(DI)
	VPMADDUBSW Y5, Y13, Y0
	VPMADDUBSW Y9, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y1, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDUBSW Y2, Y13, Y4
	VPADDW     Y4, Y0, Y0
	VPMADDWD   Y12, Y0, Y0
	VPSLLD     $7, Y0, Y0
	VMOVDQU    Y0, 128(DI)

	ADDQ $24, SI
	ADDQ $24, R9
	ADDQ $768, DI
	DECQ CX
	JNZ  uq51
	VZEROUPPER
	RET
