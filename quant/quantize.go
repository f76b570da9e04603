package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// quantizers holds, for every type Quantize can produce, the function that
// fills whole blocks. Each is called with dst holding exactly
// len(src)/BlockSize blocks.
var quantizers = map[Type]func(src []float32, dst []byte){
	F32:    quantF32,
	F16:    quantF16,
	BF16:   quantBF16,
	Q4_0:   quantQ4_0,
	Q4_1:   quantQ4_1,
	Q5_0:   quantQ5_0,
	Q5_1:   quantQ5_1,
	Q8_0:   quantQ8_0,
	Q8_1:   QuantizeQ8_1,
	Q2_K:   quantQ2K,
	Q3_K:   quantQ3K,
	Q4_K:   quantQ4K,
	Q5_K:   quantQ5K,
	Q6_K:   quantQ6K,
	Q8_K:   QuantizeQ8K,
	IQ4_NL: quantIQ4NL,
	IQ4_XS: quantIQ4XS,
}

// CanQuantize reports whether Quantize can produce type t.
func CanQuantize(t Type) bool {
	_, ok := quantizers[t]
	return ok
}

// Quantize converts src into blocks of type t in dst, reproducing the bytes
// llama-quantize writes without an importance matrix: ggml's
// quantize_row_*_ref for the legacy and K-quant types, quantize_iq4_nl and
// quantize_iq4_xs for the IQ4 types, round-to-nearest-even for F16/BF16.
// len(src) must be a multiple of t's block size and dst exactly
// len(src)/BlockSize*BlockBytes bytes. K-quant blocks are quantized
// independently, so a tensor can be quantized whole or row by row.
func Quantize(t Type, src []float32, dst []byte) error {
	f, err := checkSizes(t, len(src), len(dst))
	if err != nil {
		return err
	}
	q, ok := quantizers[t]
	if !ok {
		return fmt.Errorf("quant: cannot quantize to %s", f.Name)
	}
	q(src, dst)
	return nil
}

func quantF32(src []float32, dst []byte) {
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func quantF16(src []float32, dst []byte) {
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(v))
	}
}

func quantBF16(src []float32, dst []byte) {
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
	}
}
