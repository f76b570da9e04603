package model

import (
	"fmt"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/model/tokenizer"
)

// Model is a loaded model: configuration, tokenizer and memory-mapped
// weights. It is read-only after Load, so many goroutines may share it, each
// with its own Session.
type Model struct {
	Config    Config
	Tokenizer *tokenizer.Tokenizer

	file       *gguf.File
	arch       *architecture
	tokenEmbd  *Matrix
	outputNorm []float32
	output     *Matrix // token_embd when the embeddings are tied
	layers     []layer
	// ropes are the distinct RoPEs of the layers (layer.rope indexes
	// them); ropeStill marks the rotated pairs that multi-section RoPE
	// leaves unrotated for text, nil when every pair rotates.
	ropes     []ropeSpec
	ropeStill []bool
	// RoPE frequency divisors per rotated pair (LongRoPE, Llama 3), nil
	// when absent. LongRoPE has two sets; see ropeFactors.
	ropeFactorsLong, ropeFactorsShort []float32
	// packedBytes is the size of the weights packed for the kernels.
	packedBytes int64
	fingerprintState
}

// Load opens the GGUF file at path and loads the model it holds. The file
// stays mapped until Close.
func Load(path string) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// FromFile builds a model on an open GGUF file. The model refers to the
// file's mapping; closing the model closes the file.
func FromFile(f *gguf.File) (*Model, error) {
	cfg, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, file: f, arch: architectures[cfg.Arch]}
	if m.Tokenizer, err = tokenizer.FromGGUF(f); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if n := m.Tokenizer.VocabSize(); n != cfg.NVocab {
		return nil, fmt.Errorf("tokenizer has %d tokens but token_embd has %d rows", n, cfg.NVocab)
	}
	l := tensorLoader{f, &m.packedBytes}
	if m.tokenEmbd, err = l.table("token_embd.weight", cfg.NEmbd, cfg.NVocab, true); err != nil {
		return nil, err
	}
	if m.outputNorm, err = l.vector("output_norm.weight", cfg.NEmbd, true); err != nil {
		return nil, err
	}
	if m.output, err = l.matrix("output.weight", cfg.NEmbd, cfg.NVocab, false); err != nil {
		return nil, err
	}
	if m.output == nil {
		// Tied embeddings: the same rows are looked up (from the file)
		// and multiplied (packed).
		m.output = m.tokenEmbd
		l.pack(m.output)
	}
	half := cfg.RopeDim / 2
	if m.ropeFactorsLong, err = l.vector("rope_factors_long.weight", half, false); err != nil {
		return nil, err
	}
	if m.ropeFactorsShort, err = l.vector("rope_factors_short.weight", half, false); err != nil {
		return nil, err
	}
	if m.ropeFactorsLong == nil {
		// Llama 3 style frequency factors apply at every context size.
		if m.ropeFactorsLong, err = l.vector("rope_freqs.weight", half, false); err != nil {
			return nil, err
		}
		m.ropeFactorsShort = m.ropeFactorsLong
	}
	m.ropeStill = cfg.ropeStill()
	m.layers = make([]layer, cfg.NLayer)
	for i := range m.layers {
		b := &blockLoader{l: l, prefix: fmt.Sprintf("blk.%d.", i)}
		if m.layers[i], err = m.arch.loadLayer(&m.Config, b, i); err != nil {
			return nil, err
		}
		m.layers[i].rope = m.ropeIndex(cfg.Layers[i])
	}
	return m, nil
}

// ropeIndex returns the index in m.ropes of the RoPE of a layer with spec
// ls, adding it when new, or -1 when the layer does not rotate.
func (m *Model) ropeIndex(ls LayerSpec) int {
	if !ls.Rope {
		return -1
	}
	spec := m.Config.newRopeSpec(ls)
	for i, r := range m.ropes {
		if r == spec {
			return i
		}
	}
	m.ropes = append(m.ropes, spec)
	return len(m.ropes) - 1
}

// ropeFactors returns the RoPE frequency divisors for a session whose
// context window is nCtx tokens: LongRoPE's long factors when the window
// exceeds the original training context, as llama.cpp chooses them.
func (m *Model) ropeFactors(nCtx int) []float32 {
	if m.ropeFactorsLong == nil {
		return nil
	}
	if nCtx > m.Config.RopeOrigCtx {
		return m.ropeFactorsLong
	}
	if m.ropeFactorsShort == nil {
		return m.ropeFactorsLong
	}
	return m.ropeFactorsShort
}

// PackedBytes is the memory the model holds besides its mapped file: its
// weights rearranged for this CPU's kernels (kernels.Pack; 0 where the
// kernels multiply the file's layout).
func (m *Model) PackedBytes() int64 { return m.packedBytes }

// File returns the GGUF file the model was loaded from.
func (m *Model) File() *gguf.File { return m.file }

// Close unmaps the model's file. No session may be used afterwards.
func (m *Model) Close() error { return m.file.Close() }

// ParamCount returns the number of weights in the model file.
func (m *Model) ParamCount() int64 {
	var n int64
	for i := range m.file.Tensors {
		n += m.file.Tensors[i].Elements()
	}
	return n
}
