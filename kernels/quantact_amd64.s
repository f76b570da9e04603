//go:build !purego

#include "textflag.h"

// Activation quantization, bit for bit as quant.QuantizeQ8_0 and
// quant.QuantizeQ8K (see quantact_amd64.go). Each routine stops before the
// first block it does not take (non-finite values, or a scale whose
// rounding the vector code does not reproduce) and returns the number of
// blocks done; the Go caller quantizes that block with the reference.

DATA qaconst<>+0(SB)/4, $0x7fffffff  // |x| mask
DATA qaconst<>+4(SB)/4, $0.5
DATA qaconst<>+8(SB)/4, $1.0
DATA qaconst<>+12(SB)/4, $127.0
DATA qaconst<>+16(SB)/4, $-127.0
DATA qaconst<>+20(SB)/4, $12582912.0 // 1.5 * 2**23 (0x4b400000): quant.nearestInt's magic
DATA qaconst<>+24(SB)/4, $0
DATA qaconst<>+28(SB)/4, $0
DATA qaconst<>+32(SB)/4, $0          // VPERMD order undoing the lane split of VPACKSSDW+VPACKSSWB
DATA qaconst<>+36(SB)/4, $4
DATA qaconst<>+40(SB)/4, $1
DATA qaconst<>+44(SB)/4, $5
DATA qaconst<>+48(SB)/4, $2
DATA qaconst<>+52(SB)/4, $6
DATA qaconst<>+56(SB)/4, $3
DATA qaconst<>+60(SB)/4, $7
GLOBL qaconst<>(SB), RODATA|NOPTR, $64

#define ABS   Y15
#define HALF  Y14
#define PERM  Y13
#define ID    Y12

// Q8_0 of one vector of 8 floats in V (clobbers T, F): V = int32
// round-half-away-from-zero(V*id). |p| is split into t = trunc|p| and the
// exact fraction |p|-t; t+1 when the fraction is >= 0.5; then p's sign.
#define Q8_0VEC(V, T, F) \
	VMULPS    ID, V, V /* p = x * id */ \
	VANDPS    ABS, V, T /* |p| */ \
	VROUNDPS  $3, T, F /* trunc |p| */ \
	VSUBPS    F, T, T /* fraction, exact */ \
	VCMPPS    $0x1d, HALF, T, T /* fraction >= 0.5: -1 */ \
	VCVTTPS2DQ F, F              \
	VPSUBD    T, F, F /* trunc|p| + 1 where the fraction is >= 0.5 */ \
	VPSIGND   V, F, V            /* sign of p (0 stays 0) */

// func quantQ8_0AVX2(x *float32, q *byte, nb int) int
// Quantizes nb blocks of 32 floats at x into 34-byte Q8_0 blocks at q and
// returns nb, or the index of the first block whose max |x| is Inf or NaN
// or whose d = max/127 is subnormal (not done: the caller falls back).
// Otherwise |x*id| <= 127.00003, so quants are in [-127, 127] and the
// saturating packs are exact.
TEXT ·quantQ8_0AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ nb+16(FP), CX
	XORQ AX, AX
	LEAQ qaconst<>(SB), R8
	VPBROADCASTD 0(R8), ABS
	VBROADCASTSS 4(R8), HALF
	VMOVDQU 32(R8), PERM

q80block:
	CMPQ AX, CX
	JEQ  q80done
	VANDPS  0(SI), ABS, Y4
	VANDPS  32(SI), ABS, Y5
	VANDPS  64(SI), ABS, Y6
	VANDPS  96(SI), ABS, Y7
	// amax as the integer max of the |x| bits: the same order as the
	// floats', with NaN above Inf.
	VPMAXUD Y5, Y4, Y4
	VPMAXUD Y7, Y6, Y6
	VPMAXUD Y6, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0x4e, X4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0xb1, X4, X5
	VPMAXUD X5, X4, X4
	VMOVD   X4, R9
	CMPL    R9, $0x7f800000
	JAE     q80done              // Inf or NaN
	VDIVSS  12(R8), X4, X5       // d = amax / 127
	VMOVD   X5, R9
	VXORPS  X6, X6, X6           // id = 0 when d == 0
	TESTL   R9, R9
	JZ      q80id
	CMPL    R9, $0x00800000
	JB      q80done              // subnormal d
	VMOVSS  8(R8), X6
	VDIVSS  X5, X6, X6           // id = 1 / d

q80id:
	VCVTPS2PH $0, X5, X7         // d to f16, nearest even
	VMOVD   X7, R9
	MOVW    R9, (DI)
	VBROADCASTSS X6, ID
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	Q8_0VEC(Y0, Y4, Y5)
	Q8_0VEC(Y1, Y6, Y7)
	Q8_0VEC(Y2, Y8, Y9)
	Q8_0VEC(Y3, Y10, Y11)
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD  Y0, PERM, Y0
	VMOVDQU Y0, 2(DI)
	ADDQ $128, SI
	ADDQ $34, DI
	INCQ AX
	JMP  q80block

q80done:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

#define MAGIC  Y14
#define ISCALE Y12

// Q8_K of 8 floats at m: V = int32 nearestInt(iscale*x), the product and
// the magic addition rounded separately (MULPS+ADDPS) or fused (FMA), then
// the integer read from the low mantissa bits as quant.nearestInt does.
#define Q8KMUL(m, V) \
	VMULPS m, ISCALE, V \
	VADDPS MAGIC, V, V  \
	VPSUBD MAGIC, V, V

#define Q8KFMA(m, V) \
	VMOVUPS m, V                 \
	VFMADD213PS MAGIC, ISCALE, V \
	VPSUBD MAGIC, V, V

// 64 quants at SI+BX into DI+4+BX/4 and their four bsums at DI+260+BX/32;
// BX is the byte offset into the block's floats. The 16-value sums are
// exact int32 sums of the packed quants (all in [-127, 127]), folded
// four groups at a time by two rounds of VPHADDD.
#define Q8K64(OP) \
	OP(0(SI)(BX*1), Y0)       \
	OP(32(SI)(BX*1), Y1)      \
	OP(64(SI)(BX*1), Y2)      \
	OP(96(SI)(BX*1), Y3)      \
	OP(128(SI)(BX*1), Y4)     \
	OP(160(SI)(BX*1), Y5)     \
	OP(192(SI)(BX*1), Y6)     \
	OP(224(SI)(BX*1), Y7)     \
	VPADDD    Y1, Y0, Y8      \
	VPADDD    Y3, Y2, Y9      \
	VPADDD    Y5, Y4, Y10     \
	VPADDD    Y7, Y6, Y11     \
	VPACKSSDW Y1, Y0, Y0      \
	VPACKSSDW Y3, Y2, Y2      \
	VPACKSSWB Y2, Y0, Y0      \
	VPERMD    Y0, PERM, Y0    \
	VPACKSSDW Y5, Y4, Y4      \
	VPACKSSDW Y7, Y6, Y6      \
	VPACKSSWB Y6, Y4, Y4      \
	VPERMD    Y4, PERM, Y4    \
	MOVQ      BX, R11         \
	SHRQ      $2, R11         \
	VMOVDQU   Y0, 4(DI)(R11*1)  \
	VMOVDQU   Y4, 36(DI)(R11*1) \
	VPHADDD   Y9, Y8, Y8      \
	VPHADDD   Y11, Y10, Y10   \
	VPHADDD   Y10, Y8, Y8     \
	VEXTRACTI128 $1, Y8, X9   \
	VPADDD    X9, X8, X8      \
	VPACKSSDW X8, X8, X8      \
	SHRQ      $3, R11         \
	VMOVQ     X8, 260(DI)(R11*1)

// func quantQ8KAVX2(x *float32, q *byte, nb int, fma bool) int
// Quantizes nb blocks of 256 floats at x into 292-byte Q8_K blocks at q and
// returns nb, or the index of the first block holding an Inf or NaN or
// whose iscale = -127/max overflows (not done: the caller falls back).
// max is the first value of largest magnitude, as in quant's absMax. fma
// selects a fused iscale*x+magic (the reference as compiled for
// GOAMD64=v3). Otherwise |iscale*x| <= 127.00001: quants in [-127, 127].
TEXT ·quantQ8KAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ nb+16(FP), CX
	MOVBLZX fma+24(FP), DX
	XORQ AX, AX
	LEAQ qaconst<>(SB), R8
	VPBROADCASTD 0(R8), ABS
	VBROADCASTSS 20(R8), MAGIC
	VMOVDQU 32(R8), PERM

qkblock:
	CMPQ AX, CX
	JEQ  qkdone
	// amax bits, four accumulators over 32 vectors.
	VANDPS  0(SI), ABS, Y4
	VANDPS  32(SI), ABS, Y5
	VANDPS  64(SI), ABS, Y6
	VANDPS  96(SI), ABS, Y7
	MOVQ    $128, BX

qkmax:
	VANDPS  0(SI)(BX*1), ABS, Y0
	VANDPS  32(SI)(BX*1), ABS, Y1
	VANDPS  64(SI)(BX*1), ABS, Y2
	VANDPS  96(SI)(BX*1), ABS, Y3
	VPMAXUD Y0, Y4, Y4
	VPMAXUD Y1, Y5, Y5
	VPMAXUD Y2, Y6, Y6
	VPMAXUD Y3, Y7, Y7
	ADDQ    $128, BX
	CMPQ    BX, $1024
	JNE     qkmax
	VPMAXUD Y5, Y4, Y4
	VPMAXUD Y7, Y6, Y6
	VPMAXUD Y6, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0x4e, X4, X5
	VPMAXUD X5, X4, X4
	VPSHUFD $0xb1, X4, X5
	VPMAXUD X5, X4, X4           // amax bits in every lane
	VMOVD   X4, R9
	CMPL    R9, $0x7f800000
	JAE     qkdone               // Inf or NaN
	TESTL   R9, R9
	JZ      qkzero

	// max: the first x with |x| == amax.
	VPBROADCASTD X4, Y4
	XORQ    BX, BX

qkfind:
	VANDPS   0(SI)(BX*4), ABS, Y0
	VPCMPEQD Y4, Y0, Y0
	VMOVMSKPS Y0, R9
	TESTL    R9, R9
	JNZ      qkfound
	ADDQ     $8, BX
	JMP      qkfind               // amax is in the block: stops by BX = 248

qkfound:
	BSFL    R9, R9
	ADDQ    R9, BX
	VMOVSS  0(SI)(BX*4), X0      // max
	VMOVSS  16(R8), X1
	VDIVSS  X0, X1, X1           // iscale = -127 / max
	VMOVD   X1, R9
	ANDL    $0x7fffffff, R9
	CMPL    R9, $0x7f800000
	JAE     qkdone               // overflowed (tiny max)
	VMOVSS  8(R8), X2
	VDIVSS  X1, X2, X2           // d = 1 / iscale
	VMOVSS  X2, (DI)
	VBROADCASTSS X1, ISCALE
	XORQ    BX, BX
	TESTL   DX, DX
	JNZ     qkfma

qkmul:
	Q8K64(Q8KMUL)
	ADDQ    $256, BX
	CMPQ    BX, $1024
	JNE     qkmul
	JMP     qknext

qkfma:
	Q8K64(Q8KFMA)
	ADDQ    $256, BX
	CMPQ    BX, $1024
	JNE     qkfma
	JMP     qknext

qkzero:
	// All zero (±0): the reference clears the block.
	VPXOR   Y0, Y0, Y0
	VMOVDQU Y0, 0(DI)
	VMOVDQU Y0, 32(DI)
	VMOVDQU Y0, 64(DI)
	VMOVDQU Y0, 96(DI)
	VMOVDQU Y0, 128(DI)
	VMOVDQU Y0, 160(DI)
	VMOVDQU Y0, 192(DI)
	VMOVDQU Y0, 224(DI)
	VMOVDQU Y0, 256(DI)
	VMOVDQU Y0, 260(DI)

qknext:
	ADDQ $1024, SI
	ADDQ $292, DI
	INCQ AX
	JMP  qkblock

qkdone:
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET
