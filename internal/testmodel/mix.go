package testmodel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gollm/gollm/quant"
)

// This file holds the choice of a tensor type per tensor, following
// llama.cpp's llama_tensor_get_type (src/llama-quant.cpp) for the file
// types gollm writes. It is meant to move to `gollm quantize` later.

// FileType is a llama.cpp file type (general.file_type): either one tensor
// type for every matrix ("pure") or a K-quant mix.
type FileType struct {
	Name string     // "Q4_K_M", "Q8_0", ...
	ID   uint32     // LLAMA_FTYPE_* number stored in general.file_type
	Base quant.Type // default type of the matrices
	Mix  bool       // apply llama.cpp's per-tensor rules (the _S/_M mixes)
}

// fileTypes lists the supported file types. The pure K-quant names map to
// the llama.cpp ftype a `llama-quantize --pure` run of the _S mix records.
var fileTypes = []FileType{
	{"F32", 0, quant.F32, false},
	{"F16", 1, quant.F16, false},
	{"Q4_0", 2, quant.Q4_0, false},
	{"Q4_1", 3, quant.Q4_1, false},
	{"Q8_0", 7, quant.Q8_0, false},
	{"Q5_0", 8, quant.Q5_0, false},
	{"Q5_1", 9, quant.Q5_1, false},
	{"Q2_K", 10, quant.Q2_K, false},
	{"Q3_K", 11, quant.Q3_K, false},
	{"Q4_K", 14, quant.Q4_K, false},
	{"Q4_K_S", 14, quant.Q4_K, true},
	{"Q4_K_M", 15, quant.Q4_K, true},
	{"Q5_K", 16, quant.Q5_K, false},
	{"Q5_K_S", 16, quant.Q5_K, true},
	{"Q5_K_M", 17, quant.Q5_K, true},
	{"Q6_K", 18, quant.Q6_K, true},
	{"IQ4_NL", 25, quant.IQ4_NL, false},
	{"IQ4_XS", 30, quant.IQ4_XS, false},
	{"BF16", 32, quant.BF16, false},
}

// ParseFileType returns the file type called name (case-insensitive).
func ParseFileType(name string) (FileType, error) {
	for _, ft := range fileTypes {
		if strings.EqualFold(ft.Name, name) {
			return ft, nil
		}
	}
	return FileType{}, fmt.Errorf("testmodel: unknown file type %q (have %s)", name, strings.Join(FileTypeNames(), ", "))
}

// FileTypeNames returns the names ParseFileType accepts, sorted.
func FileTypeNames() []string {
	var names []string
	for _, ft := range fileTypes {
		names = append(names, ft.Name)
	}
	sort.Strings(names)
	return names
}

// TensorType returns the type llama-quantize gives the tensor called name,
// of GGML shape dims, in a model of nLayer blocks whose output projection
// is tied to token_embd when tied is true:
//
//   - one-dimensional tensors and norm weights stay F32;
//   - pure file types give every matrix the base type;
//   - the mixes give output.weight (or a tied token_embd) Q6_K, or Q8_0
//     when its rows are not whole blocks of the base type; Q4_K_M and
//     Q5_K_M give attn_v / attn_qkv and ffn_down Q6_K on the layers where
//     useMoreBits holds (llama.cpp counts attn_qkv as attn_v, so phi3's
//     attn_qkv follows the attn_v rule); Q4_K_S gives attn_v Q5_K on the
//     first 4 layers and ffn_down Q5_K on the first eighth;
//   - finally, when the row length is not a multiple of the chosen type's
//     block size, the fallback applies (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0,
//     Q2_K/Q3_K→Q4_0, IQ4_XS→IQ4_NL, then F16 if still not whole blocks).
func (ft FileType) TensorType(name string, dims []uint64, nLayer int, tied bool) quant.Type {
	if len(dims) < 2 || strings.HasSuffix(name, "_norm.weight") || !strings.HasSuffix(name, "weight") {
		return quant.F32
	}
	t := ft.Base
	if t == quant.F32 || t == quant.F16 || t == quant.BF16 {
		return t
	}
	if ft.Mix {
		t = ft.mixType(t, name, dims, nLayer, tied)
	}
	return fallbackType(t, dims[0])
}

// useMoreBits is llama.cpp's choice of the layers that get more bits: the
// first and last eighth and every third layer in between.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

func (ft FileType) mixType(t quant.Type, name string, dims []uint64, nLayer int, tied bool) quant.Type {
	layer := layerOf(name)
	switch {
	case name == "output.weight" || (tied && name == "token_embd.weight"):
		if dims[0]%uint64(t.BlockSize()) != 0 {
			return quant.Q8_0
		}
		if t != quant.Q8_0 {
			return quant.Q6_K
		}
	case strings.Contains(name, "attn_v.weight") || strings.Contains(name, "attn_qkv.weight"):
		switch {
		case (ft.Name == "Q4_K_M" || ft.Name == "Q5_K_M") && useMoreBits(layer, nLayer):
			return quant.Q6_K
		case ft.Name == "Q4_K_S" && layer < 4:
			return quant.Q5_K
		}
	case strings.Contains(name, "ffn_down"):
		switch {
		case (ft.Name == "Q4_K_M" || ft.Name == "Q5_K_M") && useMoreBits(layer, nLayer):
			return quant.Q6_K
		case ft.Name == "Q4_K_S" && layer < nLayer/8:
			return quant.Q5_K
		}
	}
	return t
}

// fallbackType is llama.cpp's tensor_type_fallback: a type whose block
// fits rows of ncols elements.
func fallbackType(t quant.Type, ncols uint64) quant.Type {
	if ncols%uint64(t.BlockSize()) == 0 {
		return t
	}
	switch t {
	case quant.Q2_K, quant.Q3_K:
		t = quant.Q4_0
	case quant.Q4_K:
		t = quant.Q5_0
	case quant.Q5_K:
		t = quant.Q5_1
	case quant.Q6_K:
		t = quant.Q8_0
	case quant.IQ4_XS:
		t = quant.IQ4_NL
	default:
		return quant.F16
	}
	if ncols%uint64(t.BlockSize()) != 0 {
		return quant.F16
	}
	return t
}

// layerOf returns N for a tensor named blk.N.*, or -1.
func layerOf(name string) int {
	var n int
	if _, err := fmt.Sscanf(name, "blk.%d.", &n); err != nil {
		return -1
	}
	return n
}
