// Package model implements the transformer architectures gollm runs (llama,
// qwen2, qwen3, phi3): configuration from GGUF metadata, memory-mapped
// quantized weights, the KV cache, and the two forward paths: prefill (a
// batch of tokens, matrix-matrix) and decode (one token, matrix-vector).
package model

import (
	"errors"
	"fmt"

	"github.com/gollm/gollm/gguf"
)

// RopeMode says which pairs of elements RoPE rotates together.
type RopeMode int

const (
	// RopeNorm rotates adjacent pairs (x[2i], x[2i+1]): llama.
	RopeNorm RopeMode = iota
	// RopeNeox rotates x[i] with x[i+n/2]: qwen2, qwen3, phi3.
	RopeNeox
)

// String names the mode as llama.cpp does.
func (m RopeMode) String() string {
	if m == RopeNeox {
		return "neox"
	}
	return "norm"
}

// archRope is the RoPE mode of each supported architecture; an architecture
// absent from it is not supported.
var archRope = map[string]RopeMode{
	"llama": RopeNorm,
	"qwen2": RopeNeox,
	"qwen3": RopeNeox,
	"phi3":  RopeNeox,
}

// SupportedArchitectures lists the architectures gollm runs.
func SupportedArchitectures() []string { return []string{"llama", "phi3", "qwen2", "qwen3"} }

// Config holds the hyperparameters of a model, read from GGUF metadata.
type Config struct {
	Arch       string
	Name       string
	NEmbd      int // model width
	NLayer     int
	NHead      int // query heads
	NHeadKV    int // key/value heads (GQA when fewer than NHead)
	HeadDim    int // size of one query/key head
	HeadDimV   int // size of one value head
	NFF        int // feed-forward width
	NVocab     int
	CtxTrain   int // context length the model was trained with
	NormEps    float32
	RopeMode   RopeMode
	RopeDim    int     // number of rotated elements per head
	RopeBase   float32 // frequency base
	RopeScale  float32 // frequency scale (1 / rope.scaling.factor)
	AttnFactor float32 // scale on RoPE's cos and sin (rope.scaling.attn_factor)
	// RopeOrigCtx is rope.scaling.original_context_length: LongRoPE picks
	// its long factors when the session context exceeds it.
	RopeOrigCtx int
	// ChatTemplate is tokenizer.chat_template ("" when absent).
	ChatTemplate string
	// PoolingType is ARCH.pooling_type, how the model's embeddings pool
	// the token states (llama.cpp's numbering: 0 none, 1 mean, 2 cls,
	// 3 last, 4 rank), or -1 when absent (a decoder model).
	PoolingType int
}

// ConfigFromGGUF reads the configuration of f's architecture.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	var c Config
	arch, err := f.String("general.architecture")
	if err != nil {
		return c, err
	}
	c.Arch = arch
	mode, ok := archRope[arch]
	if !ok {
		return c, fmt.Errorf("unsupported architecture %q (gollm runs %v)", arch, SupportedArchitectures())
	}
	c.RopeMode = mode
	c.Name, _ = f.String("general.name")
	c.ChatTemplate, _ = f.String("tokenizer.chat_template")
	r := metaReader{f: f, prefix: arch + "."}
	c.NEmbd = r.int("embedding_length", 0)
	c.NLayer = r.int("block_count", 0)
	c.NFF = r.int("feed_forward_length", 0)
	c.NHead = r.int("attention.head_count", 0)
	c.NHeadKV = r.int("attention.head_count_kv", c.NHead)
	c.CtxTrain = r.int("context_length", 0)
	if c.NHead > 0 {
		c.HeadDim = r.int("attention.key_length", c.NEmbd/c.NHead)
		c.HeadDimV = r.int("attention.value_length", c.HeadDim)
	}
	c.RopeDim = r.int("rope.dimension_count", c.HeadDim)
	c.RopeBase = r.float("rope.freq_base", 10000)
	scale := r.float("rope.scaling.factor", 0)
	c.RopeScale = 1
	if scale != 0 {
		c.RopeScale = 1 / scale
	}
	c.AttnFactor = r.float("rope.scaling.attn_factor", 1)
	c.RopeOrigCtx = r.int("rope.scaling.original_context_length", c.CtxTrain)
	c.NormEps = r.float("attention.layer_norm_rms_epsilon", 1e-5)
	c.PoolingType = r.int("pooling_type", -1)
	if r.err != nil {
		return c, r.err
	}
	if t, ok := f.Tensor("token_embd.weight"); ok && len(t.Dims) == 2 {
		c.NVocab = int(t.Dims[1])
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s.%s must be positive, got %d", c.Arch, name, v))
		}
	}
	positive("embedding_length", c.NEmbd)
	positive("block_count", c.NLayer)
	positive("feed_forward_length", c.NFF)
	positive("attention.head_count", c.NHead)
	positive("attention.head_count_kv", c.NHeadKV)
	positive("attention.key_length", c.HeadDim)
	positive("attention.value_length", c.HeadDimV)
	positive("vocabulary size (token_embd rows)", c.NVocab)
	if c.NHead > 0 && c.NHeadKV > 0 && c.NHead%c.NHeadKV != 0 {
		errs = append(errs, fmt.Errorf("head count %d is not a multiple of the KV head count %d", c.NHead, c.NHeadKV))
	}
	if c.RopeDim <= 0 || c.RopeDim > c.HeadDim || c.RopeDim%2 != 0 {
		errs = append(errs, fmt.Errorf("rope dimension %d must be even and at most the head size %d", c.RopeDim, c.HeadDim))
	}
	if !(c.NormEps > 0) {
		errs = append(errs, fmt.Errorf("layer_norm_rms_epsilon %g must be positive", c.NormEps))
	}
	if !(c.RopeBase > 0) {
		errs = append(errs, fmt.Errorf("rope.freq_base %g must be positive", c.RopeBase))
	}
	if c.NLayer > 4096 || c.NHead > 4096 || c.NEmbd > 1<<20 || c.NFF > 1<<22 {
		errs = append(errs, errors.New("hyperparameters are implausibly large"))
	}
	return errors.Join(errs...)
}

// metaReader reads optional architecture keys, remembering the first type
// error.
type metaReader struct {
	f      *gguf.File
	prefix string
	err    error
}

func (r *metaReader) int(key string, def int) int {
	v, err := r.f.Int(r.prefix + key)
	if errors.Is(err, gguf.ErrKeyNotFound) {
		return def
	}
	if err != nil {
		r.err = cmpErr(r.err, err)
		return def
	}
	if v < 0 || v > 1<<40 {
		r.err = cmpErr(r.err, fmt.Errorf("%s%s = %d is out of range", r.prefix, key, v))
		return def
	}
	return int(v)
}

func (r *metaReader) float(key string, def float32) float32 {
	v, err := r.f.Float(r.prefix + key)
	if errors.Is(err, gguf.ErrKeyNotFound) {
		return def
	}
	if err != nil {
		r.err = cmpErr(r.err, err)
		return def
	}
	return float32(v)
}

func cmpErr(old, new error) error {
	if old != nil {
		return old
	}
	return new
}
