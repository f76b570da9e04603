package testmodel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quant/mix"
)

// FileType is the file type a model is written in: one of llama.cpp's file
// types, whose tensor types follow llama-quantize's rules (mix.Plan), or,
// when Pure, every matrix in the base type (llama-quantize --pure).
type FileType struct {
	mix.FileType
	Pure bool
}

// pureNames are bare K-quant names accepted as file types: every matrix
// gets that type, recorded as the matching _S file type, as a
// `llama-quantize --pure` run records it.
var pureNames = map[string]string{"Q3_K": "Q3_K_S", "Q4_K": "Q4_K_S", "Q5_K": "Q5_K_S"}

// ParseFileType returns the file type called name (case-insensitive): a
// llama.cpp file type name ("Q4_K_M", "Q4_0", "F16", ...) or a bare K-quant
// type ("Q4_K") for a pure file.
func ParseFileType(name string) (FileType, error) {
	if base, ok := pureNames[strings.ToUpper(name)]; ok {
		ft, err := mix.ParseFileType(base)
		return FileType{ft, true}, err
	}
	ft, err := mix.ParseFileType(name)
	if err != nil {
		return FileType{}, fmt.Errorf("testmodel: %w (or a pure %s)", err, strings.Join(sortedKeys(pureNames), ", "))
	}
	return FileType{ft, false}, nil
}

// FileTypeNames returns the names ParseFileType accepts, sorted.
func FileTypeNames() []string {
	names := sortedKeys(pureNames)
	for _, ft := range mix.FileTypes() {
		names = append(names, ft.Name)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tensorTypes returns the type of each tensor of a model of spec s (in the
// order of tensors, sources in F32) for file type ft.
func tensorTypes(s Spec, ft FileType, tensors []tensorDesc) ([]quant.Type, error) {
	specs := make([]mix.TensorSpec, len(tensors))
	for i, t := range tensors {
		specs[i] = mix.TensorSpec{Name: t.name, Dims: t.dims, Type: quant.F32}
	}
	facts := mix.ModelFacts{Arch: s.Arch, Layers: s.NLayer, Heads: s.NHead, KVHeads: s.NHeadKV}
	return mix.Plan(ft.FileType, facts, specs, ft.Pure)
}
