// Package quant describes the GGML tensor block formats and converts between
// them and float32: dequantization for every format found in real GGUF files,
// reference quantization for the formats gollm writes, and the activation
// formats (Q8_0, Q8_K) that the integer dot-product kernels consume.
//
// Results are ggml's bit for bit, on every architecture. Go may fuse a
// multiplication and an addition into one instruction with a single rounding
// (it does on arm64, ppc64 and s390x, also across statements and inlined
// calls), which changes the last bit, and the sign of a NaN, against ggml's
// separately rounded arithmetic. An explicit float32(...) conversion rounds
// and so prevents that fusion (the Go specification's rule): every product
// that is later added to or subtracted from is wrapped in one, and
// TestNoFusedMultiplyAdd checks the arm64 build holds no fused instruction.
package quant

import (
	"fmt"
	"math"
)

// Type is a GGML tensor type id, as stored in GGUF tensor infos.
type Type uint32

// The GGML type ids gollm knows. The numbering is GGML's and is part of the
// file format; ids that GGML retired or that gollm does not support are absent.
const (
	F32    Type = 0
	F16    Type = 1
	Q4_0   Type = 2
	Q4_1   Type = 3
	Q5_0   Type = 6
	Q5_1   Type = 7
	Q8_0   Type = 8
	Q8_1   Type = 9
	Q2_K   Type = 10
	Q3_K   Type = 11
	Q4_K   Type = 12
	Q5_K   Type = 13
	Q6_K   Type = 14
	Q8_K   Type = 15
	IQ4_NL Type = 20
	IQ4_XS Type = 23
	BF16   Type = 30
)

// Format describes one block format: how many elements a block holds and how
// many bytes it takes.
type Format struct {
	Type       Type
	Name       string
	BlockSize  int // elements per block
	BlockBytes int // bytes per block
}

// formats is the single table of block formats, indexed by Type (an array,
// not a map: BlockSize and BlockBytes are on every kernel call's path); a
// zero entry is an id gollm does not know.
var formats = [BF16 + 1]Format{
	F32:    {F32, "F32", 1, 4},
	F16:    {F16, "F16", 1, 2},
	Q4_0:   {Q4_0, "Q4_0", 32, 18},
	Q4_1:   {Q4_1, "Q4_1", 32, 20},
	Q5_0:   {Q5_0, "Q5_0", 32, 22},
	Q5_1:   {Q5_1, "Q5_1", 32, 24},
	Q8_0:   {Q8_0, "Q8_0", 32, 34},
	Q8_1:   {Q8_1, "Q8_1", 32, 36},
	Q2_K:   {Q2_K, "Q2_K", 256, 84},
	Q3_K:   {Q3_K, "Q3_K", 256, 110},
	Q4_K:   {Q4_K, "Q4_K", 256, 144},
	Q5_K:   {Q5_K, "Q5_K", 256, 176},
	Q6_K:   {Q6_K, "Q6_K", 256, 210},
	Q8_K:   {Q8_K, "Q8_K", 256, 292},
	IQ4_NL: {IQ4_NL, "IQ4_NL", 32, 18},
	IQ4_XS: {IQ4_XS, "IQ4_XS", 256, 136},
	BF16:   {BF16, "BF16", 1, 2},
}

// Lookup returns the format of t, or false when t is not a type gollm knows.
func Lookup(t Type) (Format, bool) {
	if t >= Type(len(formats)) || formats[t].BlockSize == 0 {
		return Format{}, false
	}
	return formats[t], true
}

// Known reports whether t is a type gollm knows.
func (t Type) Known() bool {
	_, ok := Lookup(t)
	return ok
}

// String returns the GGML name of t ("Q4_K"), or "type(N)" for unknown ids.
func (t Type) String() string {
	if f, ok := Lookup(t); ok {
		return f.Name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType returns the type whose GGML name is name (case-sensitive, as
// printed by String).
func ParseType(name string) (Type, bool) {
	for _, f := range formats {
		if f.BlockSize != 0 && f.Name == name {
			return f.Type, true
		}
	}
	return 0, false
}

// BlockSize returns the number of elements in one block of t (0 if unknown).
func (t Type) BlockSize() int {
	f, _ := Lookup(t)
	return f.BlockSize
}

// BlockBytes returns the number of bytes in one block of t (0 if unknown).
func (t Type) BlockBytes() int {
	f, _ := Lookup(t)
	return f.BlockBytes
}

// RowBytes returns the size in bytes of a row of n elements of type t. It
// fails when t is unknown or n is not a whole number of blocks.
func (t Type) RowBytes(n int64) (int64, error) {
	f, ok := Lookup(t)
	if !ok {
		return 0, fmt.Errorf("unknown tensor type %d", uint32(t))
	}
	if n < 0 {
		return 0, fmt.Errorf("negative element count %d", n)
	}
	if n%int64(f.BlockSize) != 0 {
		return 0, fmt.Errorf("%s: row of %d elements is not a multiple of the block size %d", f.Name, n, f.BlockSize)
	}
	blocks := n / int64(f.BlockSize)
	if blocks > math.MaxInt64/int64(f.BlockBytes) {
		return 0, fmt.Errorf("%s: %d elements overflow the byte size", f.Name, n)
	}
	return blocks * int64(f.BlockBytes), nil
}

// Types returns every known type in id order.
func Types() []Type {
	var out []Type
	for _, f := range formats {
		if f.BlockSize != 0 {
			out = append(out, f.Type)
		}
	}
	return out
}
