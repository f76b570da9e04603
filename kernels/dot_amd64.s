//go:build !purego

#include "textflag.h"

// AVX2 dot products of one quantized weight row with its quantized
// activation (Q8_0 or Q8_K blocks). Every routine has the Go signature
//
//	func dotXXXAVX2(x, y *byte, nb int) float32
//
// (x: nb weight blocks, y: nb activation blocks, nb >= 1) and a generic twin
// (dotRowGeneric). Integer products per block use VPMADDUBSW (unsigned x
// signed bytes to int16 pairs) and VPMADDWD; the block scale multiplies the
// int32 sums converted to float with one FMA into an 8-lane accumulator.
// Activation quants must lie in [-127, 127] (QuantizeAct guarantees it).

DATA mask0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mask0f<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mask0f<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA mask0f<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL mask0f<>(SB), RODATA|NOPTR, $32

DATA maskf0<>+0(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA maskf0<>+8(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA maskf0<>+16(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA maskf0<>+24(SB)/8, $0xf0f0f0f0f0f0f0f0
GLOBL maskf0<>(SB), RODATA|NOPTR, $32

DATA mask30<>+0(SB)/8, $0x3030303030303030
DATA mask30<>+8(SB)/8, $0x3030303030303030
DATA mask30<>+16(SB)/8, $0x3030303030303030
DATA mask30<>+24(SB)/8, $0x3030303030303030
GLOBL mask30<>(SB), RODATA|NOPTR, $32

DATA ones16<>+0(SB)/8, $0x0001000100010001
DATA ones16<>+8(SB)/8, $0x0001000100010001
DATA ones16<>+16(SB)/8, $0x0001000100010001
DATA ones16<>+24(SB)/8, $0x0001000100010001
GLOBL ones16<>(SB), RODATA|NOPTR, $32

DATA bytes8<>+0(SB)/8, $0x0808080808080808
DATA bytes8<>+8(SB)/8, $0x0808080808080808
DATA bytes8<>+16(SB)/8, $0x0808080808080808
DATA bytes8<>+24(SB)/8, $0x0808080808080808
GLOBL bytes8<>(SB), RODATA|NOPTR, $32

DATA bytes16<>+0(SB)/8, $0x1010101010101010
DATA bytes16<>+8(SB)/8, $0x1010101010101010
DATA bytes16<>+16(SB)/8, $0x1010101010101010
DATA bytes16<>+24(SB)/8, $0x1010101010101010
GLOBL bytes16<>(SB), RODATA|NOPTR, $32

DATA bytes32<>+0(SB)/8, $0x2020202020202020
DATA bytes32<>+8(SB)/8, $0x2020202020202020
DATA bytes32<>+16(SB)/8, $0x2020202020202020
DATA bytes32<>+24(SB)/8, $0x2020202020202020
GLOBL bytes32<>(SB), RODATA|NOPTR, $32

// bitshuf: byte j takes byte j/8 of a broadcast dword (Q5 high bits).
DATA bitshuf<>+0(SB)/8, $0x0000000000000000
DATA bitshuf<>+8(SB)/8, $0x0101010101010101
DATA bitshuf<>+16(SB)/8, $0x0202020202020202
DATA bitshuf<>+24(SB)/8, $0x0303030303030303
GLOBL bitshuf<>(SB), RODATA|NOPTR, $32

// bitmask: byte j has every bit set except bit j%8.
DATA bitmask<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
DATA bitmask<>+8(SB)/8, $0x7fbfdfeff7fbfdfe
DATA bitmask<>+16(SB)/8, $0x7fbfdfeff7fbfdfe
DATA bitmask<>+24(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL bitmask<>(SB), RODATA|NOPTR, $32

// scaleshuf: entry i (16 bytes) is {2i x8, 2i+1 x8}: picks the scales of
// sub-blocks 2i and 2i+1 of 16 bytes of int8 scales.
DATA scaleshuf<>+0(SB)/8, $0x0000000000000000
DATA scaleshuf<>+8(SB)/8, $0x0101010101010101
DATA scaleshuf<>+16(SB)/8, $0x0202020202020202
DATA scaleshuf<>+24(SB)/8, $0x0303030303030303
DATA scaleshuf<>+32(SB)/8, $0x0404040404040404
DATA scaleshuf<>+40(SB)/8, $0x0505050505050505
DATA scaleshuf<>+48(SB)/8, $0x0606060606060606
DATA scaleshuf<>+56(SB)/8, $0x0707070707070707
DATA scaleshuf<>+64(SB)/8, $0x0808080808080808
DATA scaleshuf<>+72(SB)/8, $0x0909090909090909
DATA scaleshuf<>+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA scaleshuf<>+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA scaleshuf<>+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA scaleshuf<>+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA scaleshuf<>+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA scaleshuf<>+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL scaleshuf<>(SB), RODATA|NOPTR, $128

// iq4nl: the IQ4_NL codebook, twice (one copy per 128-bit lane).
DATA iq4nl<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nl<>+8(SB)/8, $0x7159453526190d01
DATA iq4nl<>+16(SB)/8, $0xf6eaddcfbfad9881
DATA iq4nl<>+24(SB)/8, $0x7159453526190d01
GLOBL iq4nl<>(SB), RODATA|NOPTR, $32

#define X_PTR SI
#define Y_PTR DI
#define N CX

// BLOCKSCALE32 sets Y6 to f16(x.d)*f16(y.d) in every lane (uses AX, BX, X7).
#define BLOCKSCALE32 \
	MOVWLZX (X_PTR), AX \
	MOVWLZX (Y_PTR), BX \
	SHLL    $16, BX \
	ORL     BX, AX \
	VMOVD   AX, X6 \
	VCVTPH2PS X6, X6 \
	VMOVSHDUP X6, X7 \
	VMULSS  X7, X6, X6 \
	VBROADCASTSS X6, Y6

// DOTS8 accumulates Y6 * sum(Y1 * Y2) (32 signed bytes each, Y1 the weight)
// into Y0 using the sign trick (uses Y3, Y4, Y5; Y15 = ones16).
#define DOTS8 \
	VPSIGNB Y1, Y1, Y3 \
	VPSIGNB Y1, Y2, Y4 \
	VPMADDUBSW Y4, Y3, Y5 \
	VPMADDWD Y15, Y5, Y5 \
	VCVTDQ2PS Y5, Y5 \
	VFMADD231PS Y6, Y5, Y0

// HSUM sets X0 to the sum of the 8 lanes of Y0.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVHLPS X0, X0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVSHDUP X0, X1 \
	VADDSS  X1, X0, X0

// NIBBLES sets Y1 to the 32 nibbles of the 16 bytes at off(X_PTR): low
// nibbles in bytes 0-15, high nibbles in bytes 16-31 (Y14 = mask0f).
#define NIBBLES(off) \
	VMOVDQU off(X_PTR), X1 \
	VPSRLW  $4, X1, X2 \
	VINSERTI128 $1, X2, Y1, Y1 \
	VPAND   Y14, Y1, Y1

// QHBITS sets Y3 to 0xff in byte j where bit j of the dword at off(X_PTR)
// is set, 0 elsewhere (Y12 = bitshuf, Y11 = bitmask, Y10 = all ones).
#define QHBITS(off) \
	VPBROADCASTD off(X_PTR), Y3 \
	VPSHUFB Y12, Y3, Y3 \
	VPOR    Y11, Y3, Y3 \
	VPCMPEQB Y10, Y3, Y3

DATA mask03<>+0(SB)/8, $0x0303030303030303
DATA mask03<>+8(SB)/8, $0x0303030303030303
DATA mask03<>+16(SB)/8, $0x0303030303030303
DATA mask03<>+24(SB)/8, $0x0303030303030303
GLOBL mask03<>(SB), RODATA|NOPTR, $32

DATA mask01<>+0(SB)/8, $0x0101010101010101
DATA mask01<>+8(SB)/8, $0x0101010101010101
DATA mask01<>+16(SB)/8, $0x0101010101010101
DATA mask01<>+24(SB)/8, $0x0101010101010101
GLOBL mask01<>(SB), RODATA|NOPTR, $32

// Q2KCHUNK: 2-bit quants (Y1 >> 2s) & 3 of half h against q8, with the
// scales of sub-blocks 8h+2s, 8h+2s+1 (X11 = 16 scale bytes), into Y9.
#define Q2KCHUNK(h, s) \
	VPSRLW  $(2*s), Y1, Y2 \
	VPAND   Y14, Y2, Y2 \
	VPMADDUBSW 4+128*h+32*s(Y_PTR), Y2, Y2 \
	VPSHUFB scaleshuf<>+16*(4*h+s)(SB), X11, X3 \
	VPMOVZXBW X3, Y3 \
	VPMADDWD Y3, Y2, Y2 \
	VPADDD  Y2, Y9, Y9

// Q3KCHUNK: 3-bit quants ((Y1 >> 2s) & 3) | (hmask bit 4h+s) << 2, in
// [0, 7] (the -4 offset is applied through bsums), with the signed scales
// of sub-blocks 8h+2s, 8h+2s+1 (X11), into Y9. Y12 = hmask.
#define Q3KCHUNK(h, s) \
	VPSRLW  $(2*s), Y1, Y2 \
	VPAND   Y14, Y2, Y2 \
	VPSRLW  $(4*h+s), Y12, Y3 \
	VPAND   Y13, Y3, Y3 \
	VPSLLW  $2, Y3, Y3 \
	VPOR    Y3, Y2, Y2 \
	VPMADDUBSW 4+128*h+32*s(Y_PTR), Y2, Y2 \
	VPSHUFB scaleshuf<>+16*(4*h+s)(SB), X11, X3 \
	VPMOVSXBW X3, Y3 \
	VPMADDWD Y3, Y2, Y2 \
	VPADDD  Y2, Y9, Y9

// func dotQ8_0AVX2(x, y *byte, nb int) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
loopQ8_0:
	BLOCKSCALE32
	VMOVDQU 2(X_PTR), Y1
	VMOVDQU 2(Y_PTR), Y2
	DOTS8
	ADDQ $34, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopQ8_0
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ4_0AVX2(x, y *byte, nb int) float32
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU bytes8<>(SB), Y13
loopQ4_0:
	BLOCKSCALE32
	NIBBLES(2)
	VPSUBB  Y13, Y1, Y1
	VMOVDQU 2(Y_PTR), Y2
	DOTS8
	ADDQ $18, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopQ4_0
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotIQ4_NLAVX2(x, y *byte, nb int) float32
TEXT ·dotIQ4_NLAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU iq4nl<>(SB), Y13
loopIQ4_NL:
	BLOCKSCALE32
	NIBBLES(2)
	VPSHUFB Y1, Y13, Y1
	VMOVDQU 2(Y_PTR), Y2
	DOTS8
	ADDQ $18, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopIQ4_NL
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ5_0AVX2(x, y *byte, nb int) float32
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU maskf0<>(SB), Y13
	VMOVDQU bitshuf<>(SB), Y12
	VMOVDQU bitmask<>(SB), Y11
	VPCMPEQB Y10, Y10, Y10
loopQ5_0:
	BLOCKSCALE32
	NIBBLES(6)
	QHBITS(2)
	// q - 16 as int8 = q4 | (bit ? 0 : 0xf0)
	VPANDN  Y13, Y3, Y3
	VPOR    Y3, Y1, Y1
	VMOVDQU 2(Y_PTR), Y2
	DOTS8
	ADDQ $22, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopQ5_0
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// Q4_1 and Q5_1: element = d*q + m with q in [0, 31]. The block adds
// d*dy*sum(q*y) + m*dy*sum(y); both sums come from one VPMADDUBSW each
// (q unsigned), so Y6 = [d*dy] and Y8 = [m*dy].

// BLOCKSCALE32M sets Y6 = d*dy, Y8 = m*dy (x: d, m f16; y: d f16).
#define BLOCKSCALE32M \
	MOVL    (X_PTR), AX \
	VMOVD   AX, X6 \
	VCVTPH2PS X6, X6 \
	MOVWLZX (Y_PTR), BX \
	VMOVD   BX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, X7 \
	VMULPS  X7, X6, X6 \
	VMOVSHDUP X6, X8 \
	VBROADCASTSS X8, Y8 \
	VBROADCASTSS X6, Y6

// DOTU8 accumulates Y6*sum(Y1*Y2) + Y8*sum(Y2) into Y0 (Y1 unsigned bytes,
// Y2 signed; Y13 = all-ones bytes, Y15 = ones16).
#define DOTU8 \
	VPMADDUBSW Y2, Y1, Y5 \
	VPMADDWD Y15, Y5, Y5 \
	VCVTDQ2PS Y5, Y5 \
	VFMADD231PS Y6, Y5, Y0 \
	VPMADDUBSW Y2, Y13, Y4 \
	VPMADDWD Y15, Y4, Y4 \
	VCVTDQ2PS Y4, Y4 \
	VFMADD231PS Y8, Y4, Y0

// func dotQ4_1AVX2(x, y *byte, nb int) float32
TEXT ·dotQ4_1AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
	VMOVDQU mask0f<>(SB), Y14
	VPCMPEQB Y13, Y13, Y13
	VPABSB  Y13, Y13
loopQ4_1:
	BLOCKSCALE32M
	NIBBLES(4)
	VMOVDQU 2(Y_PTR), Y2
	DOTU8
	ADDQ $20, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopQ4_1
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ5_1AVX2(x, y *byte, nb int) float32
TEXT ·dotQ5_1AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU ones16<>(SB), Y15
	VMOVDQU mask0f<>(SB), Y14
	VPCMPEQB Y13, Y13, Y13
	VPABSB  Y13, Y13
	VMOVDQU bitshuf<>(SB), Y12
	VMOVDQU bitmask<>(SB), Y11
	VPCMPEQB Y10, Y10, Y10
	VMOVDQU bytes16<>(SB), Y9
loopQ5_1:
	BLOCKSCALE32M
	NIBBLES(8)
	QHBITS(4)
	// q = q4 | (bit ? 16 : 0)
	VPAND   Y9, Y3, Y3
	VPOR    Y3, Y1, Y1
	VMOVDQU 2(Y_PTR), Y2
	DOTU8
	ADDQ $24, X_PTR
	ADDQ $34, Y_PTR
	DECQ N
	JNZ  loopQ5_1
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

DATA words32<>+0(SB)/8, $0x0020002000200020
DATA words32<>+8(SB)/8, $0x0020002000200020
GLOBL words32<>(SB), RODATA|NOPTR, $16

// IQ4XSSUB accumulates sub-block ib (32 elements, int16 scale at
// sc-16+2*ib(SP)) into Y9 (Y13 = codebook, Y14 = mask0f).
#define IQ4XSSUB(ib) \
	VMOVDQU 8+16*ib(X_PTR), X1 \
	VPSRLW  $4, X1, X2 \
	VINSERTI128 $1, X2, Y1, Y1 \
	VPAND   Y14, Y1, Y1 \
	VPSHUFB Y1, Y13, Y1 \
	VMOVDQU 4+32*ib(Y_PTR), Y2 \
	VPSIGNB Y1, Y1, Y3 \
	VPSIGNB Y1, Y2, Y4 \
	VPMADDUBSW Y4, Y3, Y3 \
	VPBROADCASTW sc-16+2*ib(SP), Y4 \
	VPMADDWD Y4, Y3, Y3 \
	VPADDD  Y3, Y9, Y9

// Q5KHI ORs bit s (into Y1) and bit s+1 (into Y2) of each qh byte (Y12),
// moved to bit 4 (Y13 = bytes16).
#define Q5KHI(s) \
	VPSRLW  $s, Y12, Y3 \
	VPSLLW  $4, Y3, Y4 \
	VPAND   Y13, Y4, Y4 \
	VPOR    Y4, Y1, Y1 \
	VPSLLW  $3, Y3, Y4 \
	VPAND   Y13, Y4, Y4 \
	VPOR    Y4, Y2, Y2

// Q6KDOT accumulates sum(scale*q6*q8) of 32 elements (Y4 = q6 in [0,63];
// q8 at off(Y_PTR); scales 2m, 2m+1 of X11) into Y9. The -32 offset of q6
// is applied once per block through the bsums.
#define Q6KDOT(off, m) \
	VPMADDUBSW off(Y_PTR), Y4, Y4 \
	VPSHUFB scaleshuf<>+16*(m)(SB), X11, X7 \
	VPMOVSXBW X7, Y7 \
	VPMADDWD Y7, Y4, Y4 \
	VPADDD  Y4, Y9, Y9

// Q6KHALF accumulates elements 128h..128h+127 (Y14 = mask0f, Y12 = mask30).
#define Q6KHALF(h) \
	VMOVDQU 64*h(X_PTR), Y1 \
	VMOVDQU 64*h+32(X_PTR), Y2 \
	VMOVDQU 128+32*h(X_PTR), Y3 \
	VPAND   Y14, Y1, Y4 \
	VPSLLW  $4, Y3, Y7 \
	VPAND   Y12, Y7, Y7 \
	VPOR    Y7, Y4, Y4 \
	Q6KDOT(4+128*h, 4*h) \
	VPAND   Y14, Y2, Y4 \
	VPSLLW  $2, Y3, Y7 \
	VPAND   Y12, Y7, Y7 \
	VPOR    Y7, Y4, Y4 \
	Q6KDOT(36+128*h, 4*h+1) \
	VPSRLW  $4, Y1, Y4 \
	VPAND   Y14, Y4, Y4 \
	VPAND   Y12, Y3, Y7 \
	VPOR    Y7, Y4, Y4 \
	Q6KDOT(68+128*h, 4*h+2) \
	VPSRLW  $4, Y2, Y4 \
	VPAND   Y14, Y4, Y4 \
	VPSRLW  $2, Y3, Y7 \
	VPAND   Y12, Y7, Y7 \
	VPOR    Y7, Y4, Y4 \
	Q6KDOT(100+128*h, 4*h+3)

// K-quants against Q8_K: y is d (f32), qs[256] at 4, bsums[16] (int16) at 260.

// KSCALES sets Y5 = f16(x.d)*y.d in every lane and X7 = f16(x.dmin)*y.d
// in every lane, for K-quants whose d, dmin f16 pair is at off(X_PTR).
#define KSCALES(off) \
	MOVL    off(X_PTR), AX \
	VMOVD   AX, X6 \
	VCVTPH2PS X6, X6 \
	VBROADCASTSS (Y_PTR), X7 \
	VMULPS  X7, X6, X6 \
	VBROADCASTSS X6, Y5 \
	VMOVSHDUP X6, X7 \
	VBROADCASTSS X7, X7

// MINS32 accumulates X7 * sum_j mins[j]*(bsums[2j]+bsums[2j+1]) into X8,
// where X2 holds 8 int16 mins (one per 32 elements).
#define MINS32 \
	VMOVDQU 260(Y_PTR), X3 \
	VMOVDQU 276(Y_PTR), X4 \
	VPHADDW X4, X3, X3 \
	VPMADDWD X3, X2, X2 \
	VCVTDQ2PS X2, X2 \
	VFMADD231PS X7, X2, X8

// Q4K6BIT unpacks the 12 bytes of 6-bit scales and mins at off(X_PTR)
// (ggml's utmp shuffle) into AX = 8 scales and R10 = 8 mins (bytes).
#define Q4K6BIT(off) \
	MOVL    off(X_PTR), AX \
	MOVL    off+4(X_PTR), BX \
	MOVL    off+8(X_PTR), DX \
	MOVL    DX, R8 \
	SHRL    $4, R8 \
	ANDL    $0x0f0f0f0f, R8 \
	MOVL    BX, R9 \
	SHRL    $6, R9 \
	ANDL    $0x03030303, R9 \
	SHLL    $4, R9 \
	ORL     R9, R8 \
	MOVL    BX, R10 \
	ANDL    $0x3f3f3f3f, R10 \
	ANDL    $0x0f0f0f0f, DX \
	MOVL    AX, R9 \
	SHRL    $6, R9 \
	ANDL    $0x03030303, R9 \
	SHLL    $4, R9 \
	ORL     R9, DX \
	ANDL    $0x3f3f3f3f, AX \
	SHLQ    $32, DX \
	ORQ     DX, AX \
	SHLQ    $32, R8 \
	ORQ     R8, R10

// Q4KSUB accumulates the 64 elements of chunk j: Y1 (low nibbles) against
// q8[64j:64j+32] with scale 2j, Y2 (high nibbles) against q8[64j+32:] with
// scale 2j+1, into Y9 (int32). Scales are int16 at sc-16(SP).
#define Q4KSUB(j) \
	VPMADDUBSW 4+64*j(Y_PTR), Y1, Y1 \
	VPMADDUBSW 36+64*j(Y_PTR), Y2, Y2 \
	VPBROADCASTW sc-16+4*j(SP), Y3 \
	VPBROADCASTW sc-14+4*j(SP), Y4 \
	VPMADDWD Y3, Y1, Y1 \
	VPMADDWD Y4, Y2, Y2 \
	VPADDD  Y1, Y9, Y9 \
	VPADDD  Y2, Y9, Y9

// Q4KNIB sets Y1, Y2 to the low and high nibbles of the 32 bytes at off(X_PTR).
#define Q4KNIB(off) \
	VMOVDQU off(X_PTR), Y2 \
	VPAND   Y14, Y2, Y1 \
	VPSRLW  $4, Y2, Y2 \
	VPAND   Y14, Y2, Y2

// HSUMK sets X0 to the sum of the lanes of Y0 minus those of X8.
#define HSUMK \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS  X1, X0, X0 \
	VSUBPS  X8, X0, X0 \
	VMOVHLPS X0, X0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVSHDUP X0, X1 \
	VADDSS  X1, X0, X0

// The K-quant row kernels prefetch 1 KiB ahead in the weight stream (rows
// are contiguous, so past the row end this is the next row's start): the
// hardware prefetchers stop at page boundaries. Prefetches never fault.

// func dotQ4_KAVX2(x, y *byte, nb int) float32
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $16-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VXORPS X8, X8, X8
	VMOVDQU mask0f<>(SB), Y14
loopQ4_K:
	PREFETCHT0 1024(X_PTR)
	PREFETCHT0 1088(X_PTR)
	PREFETCHT0 1152(X_PTR)
	KSCALES(0)
	Q4K6BIT(4)
	VMOVQ   AX, X1
	VPMOVZXBW X1, X1
	VMOVDQU X1, sc-16(SP)
	VMOVQ   R10, X2
	VPMOVZXBW X2, X2
	MINS32
	VPXOR   Y9, Y9, Y9
	Q4KNIB(16)
	Q4KSUB(0)
	Q4KNIB(48)
	Q4KSUB(1)
	Q4KNIB(80)
	Q4KSUB(2)
	Q4KNIB(112)
	Q4KSUB(3)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $144, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopQ4_K
	HSUMK
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ5_KAVX2(x, y *byte, nb int) float32
TEXT ·dotQ5_KAVX2(SB), NOSPLIT, $16-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VXORPS X8, X8, X8
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU bytes16<>(SB), Y13
loopQ5_K:
	PREFETCHT0 1024(X_PTR)
	PREFETCHT0 1088(X_PTR)
	PREFETCHT0 1152(X_PTR)
	KSCALES(0)
	Q4K6BIT(4)
	VMOVQ   AX, X1
	VPMOVZXBW X1, X1
	VMOVDQU X1, sc-16(SP)
	VMOVQ   R10, X2
	VPMOVZXBW X2, X2
	MINS32
	VPXOR   Y9, Y9, Y9
	VMOVDQU 16(X_PTR), Y12
	Q4KNIB(48)
	Q5KHI(0)
	Q4KSUB(0)
	Q4KNIB(80)
	Q5KHI(2)
	Q4KSUB(1)
	Q4KNIB(112)
	Q5KHI(4)
	Q4KSUB(2)
	Q4KNIB(144)
	Q5KHI(6)
	Q4KSUB(3)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $176, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopQ5_K
	HSUMK
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotIQ4_XSAVX2(x, y *byte, nb int) float32
TEXT ·dotIQ4_XSAVX2(SB), NOSPLIT, $16-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VXORPS X8, X8, X8
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU iq4nl<>(SB), Y13
	VMOVDQU ones16<>(SB), Y15
loopIQ4_XS:
	// d*y.d
	MOVWLZX (X_PTR), AX
	VMOVD   AX, X6
	VCVTPH2PS X6, X6
	VMULSS  (Y_PTR), X6, X6
	VBROADCASTSS X6, Y5
	// 8 six-bit scales minus 32, as int16 at sc-16(SP): low nibbles
	// interleaved from scales_l, high bits spread from scales_h by PDEP.
	MOVL    4(X_PTR), AX
	MOVL    AX, BX
	ANDL    $0x0f0f0f0f, AX
	SHRL    $4, BX
	ANDL    $0x0f0f0f0f, BX
	VMOVD   AX, X1
	VMOVD   BX, X2
	VPUNPCKLBW X2, X1, X1
	MOVWLZX 2(X_PTR), DX
	MOVQ    $0x0303030303030303, R8
	PDEPQ   R8, DX, DX
	SHLQ    $4, DX
	VMOVQ   DX, X2
	VPOR    X2, X1, X1
	VPMOVZXBW X1, X1
	VPSUBW  words32<>(SB), X1, X1
	VMOVDQU X1, sc-16(SP)
	VPXOR   Y9, Y9, Y9
	IQ4XSSUB(0)
	IQ4XSSUB(1)
	IQ4XSSUB(2)
	IQ4XSSUB(3)
	IQ4XSSUB(4)
	IQ4XSSUB(5)
	IQ4XSSUB(6)
	IQ4XSSUB(7)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $136, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopIQ4_XS
	HSUMK
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ6_KAVX2(x, y *byte, nb int) float32
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VXORPS X8, X8, X8
	VMOVDQU mask0f<>(SB), Y14
	VMOVDQU mask30<>(SB), Y12
loopQ6_K:
	PREFETCHT0 1024(X_PTR)
	PREFETCHT0 1088(X_PTR)
	PREFETCHT0 1152(X_PTR)
	PREFETCHT0 1216(X_PTR)
	MOVWLZX 208(X_PTR), AX
	VMOVD   AX, X6
	VCVTPH2PS X6, X6
	VMULSS  (Y_PTR), X6, X6
	VBROADCASTSS X6, Y5
	VMOVDQU 192(X_PTR), X11
	// isum starts at -32*sum(scale*bsum)
	VPMOVSXBW X11, Y2
	VPMADDWD 260(Y_PTR), Y2, Y2
	VPSLLD  $5, Y2, Y2
	VPXOR   Y9, Y9, Y9
	VPSUBD  Y2, Y9, Y9
	Q6KHALF(0)
	Q6KHALF(1)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $210, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopQ6_K
	HSUMK
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ2_KAVX2(x, y *byte, nb int) float32
TEXT ·dotQ2_KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU mask03<>(SB), Y14
	VMOVDQU mask0f<>(SB), Y13
loopQ2_K:
	KSCALES(80)
	VBROADCASTSS X7, Y7
	// mins (high nibbles of the 16 scale bytes) against bsums
	VMOVDQU (X_PTR), X11
	VPSRLW  $4, X11, X2
	VPAND   X13, X2, X2
	VPMOVZXBW X2, Y2
	VPMADDWD 260(Y_PTR), Y2, Y2
	VCVTDQ2PS Y2, Y2
	VFNMADD231PS Y7, Y2, Y0
	VPAND   X13, X11, X11
	VPXOR   Y9, Y9, Y9
	VMOVDQU 16(X_PTR), Y1
	Q2KCHUNK(0, 0)
	Q2KCHUNK(0, 1)
	Q2KCHUNK(0, 2)
	Q2KCHUNK(0, 3)
	VMOVDQU 48(X_PTR), Y1
	Q2KCHUNK(1, 0)
	Q2KCHUNK(1, 1)
	Q2KCHUNK(1, 2)
	Q2KCHUNK(1, 3)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $84, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopQ2_K
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotQ3_KAVX2(x, y *byte, nb int) float32
TEXT ·dotQ3_KAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VXORPS Y0, Y0, Y0
	VMOVDQU mask03<>(SB), Y14
	VMOVDQU mask01<>(SB), Y13
	VMOVDQU bytes32<>(SB), X10
loopQ3_K:
	// d*y.d
	MOVWLZX 108(X_PTR), AX
	VMOVD   AX, X6
	VCVTPH2PS X6, X6
	VMULSS  (Y_PTR), X6, X6
	VBROADCASTSS X6, Y5
	// 16 six-bit scales (ggml's kmask shuffle), minus 32, into X11
	MOVL    96(X_PTR), AX
	MOVL    100(X_PTR), BX
	MOVL    104(X_PTR), DX
	MOVL    AX, R8
	ANDL    $0x0f0f0f0f, R8
	MOVL    DX, R9
	ANDL    $0x03030303, R9
	SHLL    $4, R9
	ORL     R9, R8
	MOVL    BX, R10
	ANDL    $0x0f0f0f0f, R10
	MOVL    DX, R9
	SHRL    $2, R9
	ANDL    $0x03030303, R9
	SHLL    $4, R9
	ORL     R9, R10
	SHLQ    $32, R10
	ORQ     R10, R8
	SHRL    $4, AX
	ANDL    $0x0f0f0f0f, AX
	MOVL    DX, R9
	SHRL    $4, R9
	ANDL    $0x03030303, R9
	SHLL    $4, R9
	ORL     R9, AX
	SHRL    $4, BX
	ANDL    $0x0f0f0f0f, BX
	SHRL    $6, DX
	ANDL    $0x03030303, DX
	SHLL    $4, DX
	ORL     DX, BX
	SHLQ    $32, BX
	ORQ     BX, AX
	VMOVQ   R8, X11
	VPINSRQ $1, AX, X11, X11
	VPSUBB  X10, X11, X11
	// -4 offset: isum starts at -4*sum(scale*bsum)
	VPMOVSXBW X11, Y2
	VPMADDWD 260(Y_PTR), Y2, Y9
	VPSLLD  $2, Y9, Y9
	VPXOR   Y2, Y2, Y2
	VPSUBD  Y9, Y2, Y9
	VMOVDQU (X_PTR), Y12
	VMOVDQU 32(X_PTR), Y1
	Q3KCHUNK(0, 0)
	Q3KCHUNK(0, 1)
	Q3KCHUNK(0, 2)
	Q3KCHUNK(0, 3)
	VMOVDQU 64(X_PTR), Y1
	Q3KCHUNK(1, 0)
	Q3KCHUNK(1, 1)
	Q3KCHUNK(1, 2)
	Q3KCHUNK(1, 3)
	VCVTDQ2PS Y9, Y9
	VFMADD231PS Y5, Y9, Y0
	ADDQ $110, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  loopQ3_K
	HSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

