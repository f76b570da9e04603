//go:build !amd64 || purego

package kernels

import "github.com/gollm/gollm/quant"

// matVecFloat has no fast path here (the multi-row float dot products of
// the f32 family are amd64 only): MatVec falls back to one dot per row.
func matVecFloat(quant.Type, []byte, int, []float32, []float32) bool { return false }
