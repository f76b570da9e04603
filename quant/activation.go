package quant

import (
	"encoding/binary"
	"math"
)

// QK8K is the number of elements in a Q8_K (and every K-quant) super-block.
const QK8K = 256

// QuantizeQ8_0 quantizes src into Q8_0 blocks in dst, as ggml's
// quantize_row_q8_0_ref: per 32 values d = amax/127 (stored as f16) and
// q = roundf(x/d) computed as roundf(x * (1/d)). len(src) must be a multiple
// of 32 and dst exactly len(src)/32*34 bytes; it panics otherwise. This is the
// canonical reference the fast kernels are tested against.
func QuantizeQ8_0(src []float32, dst []byte) {
	mustFit(Q8_0, src, dst)
	quantQ8_0(src, dst)
}

// QuantizeQ8_1 quantizes src into Q8_1 blocks in dst, as ggml's
// quantize_row_q8_1_ref: like Q8_0, plus s = d*sum(q) stored as f16 after
// d. len(src) must be a multiple of 32 and dst exactly len(src)/32*36 bytes;
// it panics otherwise.
func QuantizeQ8_1(src []float32, dst []byte) {
	mustFit(Q8_1, src, dst)
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*36 : i*36+36]
		var amax float32
		for _, v := range x {
			amax = max(amax, abs32(v))
		}
		d := amax / 127
		id := inv(d)
		putF16(b, d)
		sum := 0
		for j, v := range x {
			q := int8(roundf(v * id))
			b[4+j] = uint8(q)
			sum += int(q)
		}
		putF16(b[2:], float32(sum)*d)
	}
}

// QuantizeQ8K quantizes src into Q8_K blocks in dst, as ggml's
// quantize_row_q8_K_ref. A block is 256 values: d (f32), int8 qs[256] and
// int16 bsums[16], the sums of each run of 16 quants. The scale is taken from
// the signed value of largest magnitude, iscale = -127/max, so that value
// maps to exactly -127 and no level can overflow 127; d = 1/iscale, negative
// when max is positive (q and d then both carry the sign flip). An all-zero
// block has d = 0 and zero quants. len(src) must be a multiple of 256 and dst
// exactly len(src)/256*292 bytes; it panics otherwise.
func QuantizeQ8K(src []float32, dst []byte) {
	mustFit(Q8_K, src, dst)
	for i := 0; i < len(src)/QK8K; i++ {
		x := src[i*QK8K : i*QK8K+QK8K]
		b := dst[i*292 : i*292+292]
		amax, max := absMax(x)
		if amax == 0 {
			clear(b)
			continue
		}
		iscale := -127 / max
		qs := b[4:260]
		for j, v := range x {
			qs[j] = uint8(int8(min(127, nearestInt(iscale*v))))
		}
		for j := 0; j < 16; j++ {
			sum := 0
			for _, q := range qs[16*j : 16*j+16] {
				sum += int(int8(q))
			}
			binary.LittleEndian.PutUint16(b[260+2*j:], uint16(int16(sum)))
		}
		binary.LittleEndian.PutUint32(b, math.Float32bits(1/iscale))
	}
}

// quantQ8_0 is ggml's quantize_row_q8_0_ref.
func quantQ8_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*34 : i*34+34]
		var amax float32
		for _, v := range x {
			amax = max(amax, abs32(v))
		}
		d := amax / 127
		id := inv(d)
		putF16(b, d)
		for j, v := range x {
			b[2+j] = uint8(int8(roundf(v * id)))
		}
	}
}

// dequantQ8K expands Q8_K blocks: d*q with the f32 d.
func dequantQ8K(src []byte, dst []float32) {
	for i := 0; i < len(dst)/QK8K; i++ {
		b := src[i*292 : i*292+292]
		d := math.Float32frombits(binary.LittleEndian.Uint32(b))
		y := dst[i*QK8K : i*QK8K+QK8K]
		for j, q := range b[4:260] {
			y[j] = d * float32(int8(q))
		}
	}
}

// mustFit panics unless src is a whole number of t blocks and dst exactly
// their size.
func mustFit(t Type, src []float32, dst []byte) {
	if _, err := checkSizes(t, len(src), len(dst)); err != nil {
		panic(err)
	}
}

// nearestInt rounds to the nearest integer, ties to even, exactly as
// ggml's nearest_int: adding 1.5*2^23 in float32 leaves the rounded integer
// in the low mantissa bits. Like ggml it is meant for |f| <= 4194303 (larger
// input gives ggml's own garbage, not a panic).
func nearestInt(f float32) int {
	v := float32(f) + 12582912 // float32(f): f may be an inlined product; do not fuse
	return int(int32(math.Float32bits(v)&0x007fffff) - 0x00400000)
}
