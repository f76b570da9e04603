package gguf

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/quant"
)

// otherType is a GGML tensor type that package quant does not handle but a
// valid GGUF file may hold. The reader knows its block geometry so that it
// can size and validate such tensors (and inspect can list them); computing
// with them is up to packages that support them.
type otherType struct {
	name              string
	blockSize, blockB int64 // elements and bytes per block
}

// otherTypes holds ggml's ids and block sizes (ggml.h, ggml-common.h) for the
// types quant does not know. Ids ggml retired (4, 5, 31-33, 36-38) stay
// unknown, as in llama.cpp.
var otherTypes = map[quant.Type]otherType{
	16: {"IQ2_XXS", 256, 66},
	17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98},
	19: {"IQ1_S", 256, 50},
	21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82},
	24: {"I8", 1, 1},
	25: {"I16", 1, 2},
	26: {"I32", 1, 4},
	27: {"I64", 1, 8},
	28: {"F64", 1, 8},
	29: {"IQ1_M", 256, 56},
	34: {"TQ1_0", 256, 54},
	35: {"TQ2_0", 256, 66},
	39: {"MXFP4", 32, 17},
	40: {"NVFP4", 64, 36},
}

// TypeName returns the GGML name of a tensor type, including the types
// package quant does not handle ("IQ2_XXS"), or "type(N)" for ids GGUF
// files may not hold.
func TypeName(t quant.Type) string {
	if o, ok := otherTypes[t]; ok {
		return o.name
	}
	return t.String()
}

// rowBytes returns the size of a row of n elements of type t, for every type
// a GGUF tensor may have.
func rowBytes(t quant.Type, n int64) (int64, error) {
	if t.Known() {
		return t.RowBytes(n)
	}
	o, ok := otherTypes[t]
	if !ok {
		return 0, fmt.Errorf("unsupported tensor type %s", t)
	}
	if n%o.blockSize != 0 {
		return 0, fmt.Errorf("%s: row of %d elements is not a multiple of the block size %d", o.name, n, o.blockSize)
	}
	if n/o.blockSize > math.MaxInt64/o.blockB {
		return 0, fmt.Errorf("%s: %d elements overflow the byte size", o.name, n)
	}
	return n / o.blockSize * o.blockB, nil
}
