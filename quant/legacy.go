package quant

import (
	"encoding/binary"
	"math"
)

// The legacy formats hold 32 elements per block. In every one of them byte
// j of qs carries element j in its low nibble and element j+16 in its high
// nibble; Q5_x add a 32-bit qh whose bit j is the fifth bit of element j.
//
// Float expressions below are written with explicit float32 conversions
// around products so that the compiler never fuses a multiply and an add:
// ggml's reference code rounds every operation to float32, and matching its
// bytes needs the same rounding.

const qk = 32 // elements per legacy block

func dequantQ4_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*18 : i*18+18]
		d := f16At(b)
		qs := b[2:18]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < 16; j++ {
			y[j] = float32(int(qs[j]&0x0F)-8) * d
			y[j+16] = float32(int(qs[j]>>4)-8) * d
		}
	}
}

func dequantQ4_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*20 : i*20+20]
		d, m := f16At(b), f16At(b[2:])
		qs := b[4:20]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < 16; j++ {
			y[j] = float32(float32(qs[j]&0x0F)*d) + m
			y[j+16] = float32(float32(qs[j]>>4)*d) + m
		}
	}
}

// q5High returns the fifth bits of elements j and j+16 of a Q5 block as
// 0x10 or 0.
func q5High(qh uint32, j int) (h0, h1 uint8) {
	return uint8(qh>>j<<4) & 0x10, uint8(qh>>(j+12)) & 0x10
}

func dequantQ5_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*22 : i*22+22]
		d := f16At(b)
		qh := binary.LittleEndian.Uint32(b[2:])
		qs := b[6:22]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < 16; j++ {
			h0, h1 := q5High(qh, j)
			y[j] = float32(int(qs[j]&0x0F|h0)-16) * d
			y[j+16] = float32(int(qs[j]>>4|h1)-16) * d
		}
	}
}

func dequantQ5_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*24 : i*24+24]
		d, m := f16At(b), f16At(b[2:])
		qh := binary.LittleEndian.Uint32(b[4:])
		qs := b[8:24]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < 16; j++ {
			h0, h1 := q5High(qh, j)
			y[j] = float32(float32(qs[j]&0x0F|h0)*d) + m
			y[j+16] = float32(float32(qs[j]>>4|h1)*d) + m
		}
	}
}

func dequantQ8_0(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*34 : i*34+34]
		d := f16At(b)
		y := dst[i*qk : i*qk+qk]
		for j, q := range b[2:34] {
			y[j] = float32(int8(q)) * d
		}
	}
}

// dequantQ8_1 ignores the block sum s: the values are d*q as for Q8_0.
func dequantQ8_1(src []byte, dst []float32) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*36 : i*36+36]
		d := f16At(b)
		y := dst[i*qk : i*qk+qk]
		for j, q := range b[4:36] {
			y[j] = float32(int8(q)) * d
		}
	}
}

// absMax returns the largest magnitude in x and the signed value that has
// it (the first one, on ties), as ggml's "amax/max" loops do.
func absMax(x []float32) (amax, max float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, max = a, v
		}
	}
	return amax, max
}

// minMax returns the smallest and largest values of x, starting from
// ±FLT_MAX as ggml does.
func minMax(x []float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// inv returns 1/d, or 0 when d is 0 (ggml's `id = d ? 1.0f/d : 0.0f`).
func inv(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

// quantQ4_0 is ggml's quantize_row_q4_0_ref: d = max/-8 keeps the sign of
// the largest-magnitude value so it maps exactly to level 0, and each value
// is truncated after adding 8.5 (round half up around the offset).
func quantQ4_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*18 : i*18+18]
		_, max := absMax(x)
		d := max / -8
		id := inv(d)
		putF16(b, d)
		for j := 0; j < 16; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+16] * id)
			xi0 := min(15, int8(x0+8.5))
			xi1 := min(15, int8(x1+8.5))
			b[2+j] = uint8(xi0) | uint8(xi1)<<4
		}
	}
}

// quantQ4_1 is ggml's quantize_row_q4_1_ref: 16 levels from the block
// minimum to its maximum.
func quantQ4_1(src []float32, dst []byte) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*20 : i*20+20]
		lo, hi := minMax(x)
		d := (hi - lo) / 15
		id := inv(d)
		putF16(b, d)
		putF16(b[2:], lo)
		for j := 0; j < 16; j++ {
			x0 := float32((x[j] - lo) * id)
			x1 := float32((x[j+16] - lo) * id)
			xi0 := min(15, int8(x0+0.5))
			xi1 := min(15, int8(x1+0.5))
			b[4+j] = uint8(xi0) | uint8(xi1)<<4
		}
	}
}

// quantQ5_0 is ggml's quantize_row_q5_0_ref (as Q4_0 with 32 levels).
func quantQ5_0(src []float32, dst []byte) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*22 : i*22+22]
		_, max := absMax(x)
		d := max / -16
		id := inv(d)
		putF16(b, d)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+16] * id)
			xi0 := uint8(min(31, int8(x0+16.5)))
			xi1 := uint8(min(31, int8(x1+16.5)))
			b[6+j] = xi0&0x0F | (xi1&0x0F)<<4
			qh |= uint32(xi0>>4&1) << j
			qh |= uint32(xi1>>4&1) << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[2:], qh)
	}
}

// quantQ5_1 is ggml's quantize_row_q5_1_ref (as Q4_1 with 32 levels; ggml
// does not clamp the level here, and neither do we).
func quantQ5_1(src []float32, dst []byte) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*24 : i*24+24]
		lo, hi := minMax(x)
		d := (hi - lo) / 31
		id := inv(d)
		putF16(b, d)
		putF16(b[2:], lo)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := float32((x[j] - lo) * id)
			x1 := float32((x[j+16] - lo) * id)
			xi0 := uint8(x0 + 0.5)
			xi1 := uint8(x1 + 0.5)
			b[8+j] = xi0&0x0F | (xi1&0x0F)<<4
			qh |= uint32(xi0>>4&1) << j
			qh |= uint32(xi1>>4&1) << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[4:], qh)
	}
}

// roundf rounds half away from zero, as C's roundf.
func roundf(f float32) float32 { return float32(math.Round(float64(f))) }
