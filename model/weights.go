package model

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// layer holds the weights of one block. Optional tensors are nil when the
// file does not have them.
type layer struct {
	// rope indexes Model.ropes: the RoPE of the layer's attention, -1
	// for none.
	rope int

	attnNorm []float32
	// Separate projections, or one fused QKV matrix (phi3) whose rows are
	// Q, then K, then V.
	wq, wk, wv *Matrix
	// gatedQ says wq's rows hold, per head, a query and an output gate
	// (qwen35).
	gatedQ     bool
	wqkv       *Matrix
	bq, bk, bv []float32
	qNorm      []float32 // per-head RMSNorm weights (qwen3, gemma3, qwen35)
	kNorm      []float32
	wo         *Matrix
	bo         []float32
	// postAttnNorm normalizes the attention output before the residual
	// add (gemma3).
	postAttnNorm []float32
	ffnNorm      []float32
	// Separate gate and up, or one fused matrix (phi3) whose first half of
	// rows is the gate and the second half up.
	wGate, wUp *Matrix
	wGateUp    *Matrix
	wDown      *Matrix
	// postFFNNorm normalizes the feed-forward output before the residual
	// add (gemma3).
	postFFNNorm []float32
	// delta holds a gated DeltaNet layer's weights (qwen35), nil for an
	// attention layer.
	delta *deltaNetWeights
}

// tensorLoader fetches tensors by name and checks their shapes and types.
type tensorLoader struct {
	f *gguf.File
	// packed adds up the bytes of the matrices packed for the kernels.
	packed *int64
}

func (l tensorLoader) info(name string, required bool) (*gguf.TensorInfo, error) {
	t, ok := l.f.Tensor(name)
	if !ok {
		if required {
			return nil, fmt.Errorf("missing tensor %q", name)
		}
		return nil, nil
	}
	return t, nil
}

// matrix loads a 2-D weight of shape [cols, rows] (GGML order) that the
// forward pass multiplies, packed for this CPU's kernels where they are
// faster that way (Matrix.Pack).
func (l tensorLoader) matrix(name string, cols, rows int, required bool) (*Matrix, error) {
	m, err := l.table(name, cols, rows, required)
	if m != nil {
		l.pack(m)
	}
	return m, err
}

// pack packs m for this CPU's kernels where they multiply its type faster
// that way, counts the copy's bytes, and lets the file's pages of m leave
// memory (gguf.File.Evict): the products read the copy, and what reads
// m.Data (token lookups of tied embeddings, the fingerprint) reads the
// file again, so the model's resident weights are the copy alone rather
// than twice their size.
func (l tensorLoader) pack(m *Matrix) {
	if n := m.Pack(); n > 0 {
		*l.packed += n
		l.f.Evict(m.Data)
	}
}

// table loads a 2-D weight of shape [cols, rows] (GGML order) as the file
// holds it: a matrix read by rows (the token embeddings) or packed later.
func (l tensorLoader) table(name string, cols, rows int, required bool) (*Matrix, error) {
	t, err := l.info(name, required)
	if t == nil || err != nil {
		return nil, err
	}
	if len(t.Dims) != 2 || t.Dims[0] != uint64(cols) || t.Dims[1] != uint64(rows) {
		return nil, fmt.Errorf("tensor %q has shape %v, want [%d %d]", name, t.Dims, cols, rows)
	}
	if !kernels.Supported(t.Type) {
		return nil, fmt.Errorf("tensor %q has type %s, which gollm cannot multiply", name, t.Type)
	}
	return NewMatrix(name, t.Type, rows, cols, l.f.Data(t))
}

// vector loads a 1-D tensor of n elements as float32 (norm weights, biases,
// RoPE factors: small, so converted once at load).
func (l tensorLoader) vector(name string, n int, required bool) ([]float32, error) {
	return l.floats(name, []int{n}, required)
}

// floats loads a small tensor of shape dims (GGML order) of any type as
// float32, checking that every value is finite.
func (l tensorLoader) floats(name string, dims []int, required bool) ([]float32, error) {
	t, err := l.info(name, required)
	if t == nil || err != nil {
		return nil, err
	}
	n := 1
	ok := len(t.Dims) == len(dims)
	for i, d := range dims {
		ok = ok && t.Dims[i] == uint64(d)
		n *= d
	}
	if !ok {
		return nil, fmt.Errorf("tensor %q has shape %v, want %v", name, t.Dims, dims)
	}
	out := make([]float32, n)
	if err := quant.Dequantize(t.Type, l.f.Data(t), out); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("tensor %q: element %d is %g", name, i, v)
		}
	}
	return out, nil
}

// blockLoader loads the tensors of one block ("blk.N."), keeping the first
// error so that a layer's loader reads as a list of its tensors.
type blockLoader struct {
	l      tensorLoader
	prefix string
	err    error
}

// has reports whether the block holds the tensor name.
func (b *blockLoader) has(name string) bool {
	_, ok := b.l.f.Tensor(b.prefix + name)
	return ok
}

func (b *blockLoader) matrix(name string, cols, rows int, required bool) *Matrix {
	if b.err != nil {
		return nil
	}
	m, err := b.l.matrix(b.prefix+name, cols, rows, required)
	b.err = err
	return m
}

func (b *blockLoader) vector(name string, n int, required bool) []float32 {
	return b.floats(name, []int{n}, required)
}

func (b *blockLoader) floats(name string, dims []int, required bool) []float32 {
	if b.err != nil {
		return nil
	}
	v, err := b.l.floats(b.prefix+name, dims, required)
	b.err = err
	return v
}

// attention loads the attention projections with qRows rows of queries:
// separate Q, K and V with optional biases, or a fused QKV (phi3); the
// per-head Q/K norms when present (required when qkNorm is set); the
// output projection.
func (b *blockLoader) attention(c *Config, ly *layer, qRows int, qkNorm bool) {
	kvDim, vDim := c.NHeadKV*c.HeadDim, c.NHeadKV*c.HeadDimV
	if b.has("attn_qkv.weight") {
		ly.wqkv = b.matrix("attn_qkv.weight", c.NEmbd, qRows+kvDim+vDim, true)
		if ly.wqkv != nil {
			ly.wq = ly.wqkv.RowRange(0, qRows, b.prefix+"attn_qkv.weight[q]")
			ly.wk = ly.wqkv.RowRange(qRows, qRows+kvDim, b.prefix+"attn_qkv.weight[k]")
			ly.wv = ly.wqkv.RowRange(qRows+kvDim, qRows+kvDim+vDim, b.prefix+"attn_qkv.weight[v]")
		}
	} else {
		ly.wq = b.matrix("attn_q.weight", c.NEmbd, qRows, true)
		ly.wk = b.matrix("attn_k.weight", c.NEmbd, kvDim, true)
		ly.wv = b.matrix("attn_v.weight", c.NEmbd, vDim, true)
		ly.bq = b.vector("attn_q.bias", qRows, false)
		ly.bk = b.vector("attn_k.bias", kvDim, false)
		ly.bv = b.vector("attn_v.bias", vDim, false)
	}
	ly.qNorm = b.vector("attn_q_norm.weight", c.HeadDim, qkNorm)
	ly.kNorm = b.vector("attn_k_norm.weight", c.HeadDim, qkNorm)
	if (ly.qNorm == nil) != (ly.kNorm == nil) && b.err == nil {
		b.err = fmt.Errorf("%sattn_q_norm and attn_k_norm must come together", b.prefix)
	}
	ly.wo = b.matrix("attn_output.weight", c.NHead*c.HeadDimV, c.NEmbd, true)
	ly.bo = b.vector("attn_output.bias", c.NEmbd, false)
}

// feedForward loads a gated feed-forward: separate gate and up, or one
// fused gate+up matrix (phi3), and down.
func (b *blockLoader) feedForward(c *Config, ly *layer) {
	if b.has("ffn_gate.weight") {
		ly.wGate = b.matrix("ffn_gate.weight", c.NEmbd, c.NFF, true)
		ly.wUp = b.matrix("ffn_up.weight", c.NEmbd, c.NFF, true)
	} else {
		ly.wGateUp = b.matrix("ffn_up.weight", c.NEmbd, 2*c.NFF, true)
		if ly.wGateUp != nil {
			ly.wGate = ly.wGateUp.RowRange(0, c.NFF, b.prefix+"ffn_up.weight[gate]")
			ly.wUp = ly.wGateUp.RowRange(c.NFF, 2*c.NFF, b.prefix+"ffn_up.weight[up]")
		}
	}
	ly.wDown = b.matrix("ffn_down.weight", c.NFF, c.NEmbd, true)
}
