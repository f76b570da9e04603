package kernels

import "github.com/gollm/gollm/quant"

// Scratch is working memory a goroutine lends MatMul and MatMulPacked for
// their quantized tile paths (on arm64, a batch's column scales converted
// to float32 once for all the rows). Each goroutine that multiplies keeps
// its own: sized in advance with Grow(MatMulScratchBytes(...)), the
// products allocate nothing; otherwise the Scratch grows on first need. A
// nil *Scratch makes each call allocate what it needs. The zero value is
// empty and ready.
type Scratch struct {
	b []byte
}

// Grow makes s hold at least n bytes.
func (s *Scratch) Grow(n int) {
	if len(s.b) < n {
		s.b = make([]byte, n)
	}
}

// bytes returns n bytes of s (4-byte aligned), growing it first if it
// holds fewer; with a nil s, a new buffer.
func (s *Scratch) bytes(n int) []byte {
	if s == nil {
		return make([]byte, n)
	}
	s.Grow(n)
	return s.b[:n]
}

// MatMulScratchBytes returns the most Scratch MatMul uses at the current
// level for cols columns of n elements quantized for weights of type t
// (0 when it uses none). MatMulPacked uses none at the level that packed
// the matrix.
func MatMulScratchBytes(t quant.Type, n, cols int) int {
	if t.BlockSize() <= 0 || n <= 0 || cols <= 0 {
		return 0
	}
	return matMulScratchBytes(t, n/t.BlockSize(), cols)
}
