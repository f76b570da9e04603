package quant

import (
	"math"

	"github.com/x448/float16"
)

// f16Table maps every IEEE half-precision bit pattern to its float32 value.
var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = float16.Frombits(uint16(i)).Float32()
	}
	return &t
}()

// F16ToF32 converts IEEE half-precision bits to float32 (exactly).
func F16ToF32(h uint16) float32 { return f16Table[h] }

// F32ToF16 converts a float32 to IEEE half-precision bits, rounding to
// nearest even as ggml does.
func F32ToF16(f float32) uint16 { return float16.Fromfloat32(f).Bits() }

// BF16ToF32 converts bfloat16 bits (the upper half of a float32) to float32.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 converts a float32 to bfloat16 bits, rounding to nearest even
// and keeping NaNs quiet, as ggml does.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16 | 64)
	}
	return uint16((u + 0x7fff + (u >> 16 & 1)) >> 16)
}
