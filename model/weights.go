package model

import (
	"fmt"
	"math"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/tensor"
)

// layer holds the weights of one transformer block. Optional tensors are nil
// when the file does not have them.
type layer struct {
	attnNorm []float32
	// Separate projections, or one fused QKV matrix (phi3) whose rows are
	// Q, then K, then V.
	wq, wk, wv *tensor.Matrix
	wqkv       *tensor.Matrix
	bq, bk, bv []float32
	qNorm      []float32 // per-head RMSNorm weights (qwen3)
	kNorm      []float32
	wo         *tensor.Matrix
	bo         []float32
	ffnNorm    []float32
	// Separate gate and up, or one fused matrix (phi3) whose first half of
	// rows is the gate and the second half up.
	wGate, wUp *tensor.Matrix
	wGateUp    *tensor.Matrix
	wDown      *tensor.Matrix
}

// tensorLoader fetches tensors by name and checks their shapes and types.
type tensorLoader struct {
	f *gguf.File
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

// matrix loads a 2-D weight of shape [cols, rows] (GGML order).
func (l tensorLoader) matrix(name string, cols, rows int, required bool) (*tensor.Matrix, error) {
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
	return tensor.NewMatrix(name, t.Type, rows, cols, l.f.Data(t))
}

// vector loads a 1-D tensor of n elements as float32 (norm weights, biases,
// RoPE factors: small, so converted once at load).
func (l tensorLoader) vector(name string, n int, required bool) ([]float32, error) {
	t, err := l.info(name, required)
	if t == nil || err != nil {
		return nil, err
	}
	if len(t.Dims) != 1 || t.Dims[0] != uint64(n) {
		return nil, fmt.Errorf("tensor %q has shape %v, want [%d]", name, t.Dims, n)
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

func (m *Model) loadLayer(l tensorLoader, i int) (layer, error) {
	c := &m.Config
	p := fmt.Sprintf("blk.%d.", i)
	qDim, kvDim, vDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim, c.NHeadKV*c.HeadDimV
	var ly layer
	var err error
	load := func(dst **tensor.Matrix, name string, cols, rows int, required bool) {
		if err == nil {
			*dst, err = l.matrix(p+name, cols, rows, required)
		}
	}
	vec := func(dst *[]float32, name string, n int, required bool) {
		if err == nil {
			*dst, err = l.vector(p+name, n, required)
		}
	}
	vec(&ly.attnNorm, "attn_norm.weight", c.NEmbd, true)
	if _, fused := l.f.Tensor(p + "attn_qkv.weight"); fused {
		load(&ly.wqkv, "attn_qkv.weight", c.NEmbd, qDim+kvDim+vDim, true)
	} else {
		load(&ly.wq, "attn_q.weight", c.NEmbd, qDim, true)
		load(&ly.wk, "attn_k.weight", c.NEmbd, kvDim, true)
		load(&ly.wv, "attn_v.weight", c.NEmbd, vDim, true)
		vec(&ly.bq, "attn_q.bias", qDim, false)
		vec(&ly.bk, "attn_k.bias", kvDim, false)
		vec(&ly.bv, "attn_v.bias", vDim, false)
	}
	vec(&ly.qNorm, "attn_q_norm.weight", c.HeadDim, c.Arch == "qwen3")
	vec(&ly.kNorm, "attn_k_norm.weight", c.HeadDim, c.Arch == "qwen3")
	load(&ly.wo, "attn_output.weight", c.NHead*c.HeadDimV, c.NEmbd, true)
	vec(&ly.bo, "attn_output.bias", c.NEmbd, false)
	vec(&ly.ffnNorm, "ffn_norm.weight", c.NEmbd, true)
	if _, hasGate := l.f.Tensor(p + "ffn_gate.weight"); hasGate {
		load(&ly.wGate, "ffn_gate.weight", c.NEmbd, c.NFF, true)
		load(&ly.wUp, "ffn_up.weight", c.NEmbd, c.NFF, true)
	} else {
		load(&ly.wGateUp, "ffn_up.weight", c.NEmbd, 2*c.NFF, true)
	}
	load(&ly.wDown, "ffn_down.weight", c.NFF, c.NEmbd, true)
	if err != nil {
		return ly, err
	}
	if ly.wqkv != nil {
		ly.wq = ly.wqkv.RowRange(0, qDim, p+"attn_qkv.weight[q]")
		ly.wk = ly.wqkv.RowRange(qDim, qDim+kvDim, p+"attn_qkv.weight[k]")
		ly.wv = ly.wqkv.RowRange(qDim+kvDim, qDim+kvDim+vDim, p+"attn_qkv.weight[v]")
	}
	if ly.wGateUp != nil {
		ly.wGate = ly.wGateUp.RowRange(0, c.NFF, p+"ffn_up.weight[gate]")
		ly.wUp = ly.wGateUp.RowRange(c.NFF, 2*c.NFF, p+"ffn_up.weight[up]")
	}
	return ly, nil
}
