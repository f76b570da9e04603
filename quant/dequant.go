package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// dequantizers holds, for every type Dequantize accepts, the function that
// expands whole blocks. Each function is called with src holding exactly
// len(dst)/BlockSize blocks.
var dequantizers = map[Type]func(src []byte, dst []float32){
	F32:    dequantF32,
	F16:    dequantF16,
	BF16:   dequantBF16,
	Q4_0:   dequantQ4_0,
	Q4_1:   dequantQ4_1,
	Q5_0:   dequantQ5_0,
	Q5_1:   dequantQ5_1,
	Q8_0:   dequantQ8_0,
	Q8_1:   dequantQ8_1,
	Q2_K:   dequantQ2K,
	Q3_K:   dequantQ3K,
	Q4_K:   dequantQ4K,
	Q5_K:   dequantQ5K,
	Q6_K:   dequantQ6K,
	Q8_K:   dequantQ8K,
	IQ4_NL: dequantIQ4NL,
	IQ4_XS: dequantIQ4XS,
}

// Dequantize expands src, a whole number of blocks of type t, into dst. The
// number of elements is len(dst), which must be a multiple of t's block size,
// and src must hold exactly len(dst)/BlockSize blocks. The values are the
// ones ggml's dequantize_row_* functions produce, bit for bit.
func Dequantize(t Type, src []byte, dst []float32) error {
	f, err := checkSizes(t, len(dst), len(src))
	if err != nil {
		return err
	}
	deq, ok := dequantizers[t]
	if !ok {
		return fmt.Errorf("quant: cannot dequantize %s", f.Name)
	}
	deq(src, dst)
	return nil
}

// checkSizes returns t's format after checking that n elements are a whole
// number of blocks taking exactly nbytes bytes.
func checkSizes(t Type, n, nbytes int) (Format, error) {
	f, ok := Lookup(t)
	if !ok {
		return f, fmt.Errorf("quant: unknown tensor type %d", uint32(t))
	}
	if n%f.BlockSize != 0 {
		return f, fmt.Errorf("quant: %s: %d elements are not a multiple of the block size %d", f.Name, n, f.BlockSize)
	}
	if want := n / f.BlockSize * f.BlockBytes; nbytes != want {
		return f, fmt.Errorf("quant: %s: %d elements take %d bytes, got %d", f.Name, n, want, nbytes)
	}
	return f, nil
}

// f16At reads the little-endian half-precision value at b[0:2].
func f16At(b []byte) float32 { return F16ToF32(binary.LittleEndian.Uint16(b)) }

// putF16 stores f, rounded to half precision, at b[0:2].
func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, F32ToF16(f)) }

func dequantF32(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func dequantF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func dequantBF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}
