// Package testmodel writes random-weight GGUF models of the architectures
// gollm runs (llama, qwen2, qwen3, phi3, smollm3, gemma3, qwen35), in any
// shape and any tensor type
// gollm can quantize to, deterministically from a seed. The files carry a
// real, loadable tokenizer (byte-level BPE or SentencePiece) and the
// metadata llama.cpp writes, so tests run without reference files and
// benchmarks get the shapes of real models (see Presets).
//
// Weights are generated and quantized tensor by tensor, row chunk by row
// chunk, and streamed to the output: writing a multi-gigabyte model needs
// a few megabytes of memory.
package testmodel

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// TokenizerKind says which tokenizer a Spec's file carries.
type TokenizerKind string

const (
	// BPE is GPT-2 byte-level BPE (GGUF tokenizer model "gpt2"): 256 byte
	// tokens, merged tokens with a merges list, control tokens last.
	BPE TokenizerKind = "bpe"
	// SPM is SentencePiece (GGUF tokenizer model "llama"): <unk>, <s>,
	// </s>, 256 <0xXX> byte tokens, scored pieces, control tokens last.
	SPM TokenizerKind = "spm"
)

// Spec describes a model to write: architecture, shape, options of the
// architecture, tokenizer and seed. Zero HeadDim means NEmbd/NHead; zero
// NCtx, RopeBase and NormEps mean 4096, 10000 and 1e-5.
type Spec struct {
	Name     string // general.name
	Arch     string // one of Architectures
	NEmbd    int    // model width
	NLayer   int    // transformer blocks
	NHead    int    // query heads
	NHeadKV  int    // key/value heads
	HeadDim  int    // size of one head
	NFF      int    // feed-forward width
	NVocab   int    // vocabulary size (rows of token_embd)
	NCtx     int    // training context length
	RopeBase float32
	NormEps  float32
	// Tied shares token_embd with the output projection (no output.weight).
	Tied bool
	// QKVBias adds attn_{q,k,v}.bias (qwen2).
	QKVBias bool
	// QKNorm adds per-head attn_q_norm and attn_k_norm (qwen3).
	QKNorm bool
	// Fused stores attn_qkv and a gate+up ffn_up of 2*NFF rows (phi3).
	Fused bool
	// RopeDim is rope.dimension_count, the rotated elements of a head; 0
	// means all of them.
	RopeDim int
	// SlidingWindow is gemma3's attention.sliding_window: five layers in
	// six (llama.cpp's default pattern) attend over that many positions,
	// with RoPE base RopeBaseSWA (0 means 10000); 0 means no sliding
	// layers.
	SlidingWindow int
	RopeBaseSWA   float32
	// FinalLogitSoftcap is gemma3's final_logit_softcapping (written when
	// not 0).
	FinalLogitSoftcap float32
	// qwen35: every FullAttentionInterval-th layer (0 means 4) is gated
	// attention, the others gated DeltaNet layers with SSMVHeads value
	// heads and SSMGroups key heads of SSMState elements, and a causal
	// convolution of SSMConv taps (0 means 4).
	FullAttentionInterval                   int
	SSMConv, SSMState, SSMGroups, SSMVHeads int
	// Tokenizer is BPE or SPM; Pre is the BPE pre-tokenizer name
	// (tokenizer.ggml.pre: "qwen2", "smollm", ...).
	Tokenizer TokenizerKind
	Pre       string
	// Seed selects the weights and the synthetic vocabulary.
	Seed uint64
}

// withDefaults fills the zero fields that have defaults.
func (s Spec) withDefaults() Spec {
	if s.HeadDim == 0 && s.NHead > 0 {
		s.HeadDim = s.NEmbd / s.NHead
	}
	if s.NCtx == 0 {
		s.NCtx = 4096
	}
	if s.RopeBase == 0 {
		s.RopeBase = 10000
	}
	if s.NormEps == 0 {
		s.NormEps = 1e-5
	}
	if s.Name == "" {
		s.Name = "synthetic " + s.Arch
	}
	if s.Tokenizer == BPE && s.Pre == "" {
		s.Pre = "default"
	}
	if s.RopeDim == 0 {
		s.RopeDim = s.HeadDim
	}
	if s.Arch == "gemma3" && s.RopeBaseSWA == 0 {
		s.RopeBaseSWA = 10000
	}
	if s.Arch == "qwen35" {
		if s.FullAttentionInterval == 0 {
			s.FullAttentionInterval = 4
		}
		if s.SSMConv == 0 {
			s.SSMConv = 4
		}
	}
	return s
}

// Architectures lists the architectures testmodel writes.
var Architectures = []string{"gemma3", "llama", "phi3", "qwen2", "qwen3", "qwen35", "smollm3"}

// recurrent reports whether layer i of a qwen35 spec is a gated DeltaNet
// layer.
func (s Spec) recurrent(i int) bool {
	return s.Arch == "qwen35" && (i+1)%s.FullAttentionInterval != 0
}

// Validate reports what is wrong with s (after defaults), or nil.
func (s Spec) Validate() error {
	s = s.withDefaults()
	var errs []error
	if !slices.Contains(Architectures, s.Arch) {
		errs = append(errs, fmt.Errorf("unknown architecture %q (want one of %v)", s.Arch, Architectures))
	}
	if s.Arch == "qwen35" {
		for _, f := range []struct {
			name string
			v    int
		}{{"FullAttentionInterval", s.FullAttentionInterval}, {"SSMConv", s.SSMConv}, {"SSMState", s.SSMState},
			{"SSMGroups", s.SSMGroups}, {"SSMVHeads", s.SSMVHeads}} {
			if f.v <= 0 {
				errs = append(errs, fmt.Errorf("%s must be positive for qwen35, got %d", f.name, f.v))
			}
		}
		if s.SSMGroups > 0 && s.SSMVHeads%s.SSMGroups != 0 {
			errs = append(errs, fmt.Errorf("SSMVHeads %d is not a multiple of SSMGroups %d", s.SSMVHeads, s.SSMGroups))
		}
		if s.SSMVHeads*s.SSMState%32 != 0 {
			errs = append(errs, fmt.Errorf("SSM inner size %d is not a multiple of 32", s.SSMVHeads*s.SSMState))
		}
	}
	if s.RopeDim <= 0 || s.RopeDim > s.HeadDim || s.RopeDim%2 != 0 {
		errs = append(errs, fmt.Errorf("RopeDim %d must be even and at most HeadDim %d", s.RopeDim, s.HeadDim))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"NEmbd", s.NEmbd}, {"NLayer", s.NLayer}, {"NHead", s.NHead}, {"NHeadKV", s.NHeadKV},
		{"HeadDim", s.HeadDim}, {"NFF", s.NFF}, {"NVocab", s.NVocab}} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", f.name, f.v))
		}
	}
	if s.NHeadKV > 0 && s.NHead%s.NHeadKV != 0 {
		errs = append(errs, fmt.Errorf("NHead %d is not a multiple of NHeadKV %d", s.NHead, s.NHeadKV))
	}
	if s.HeadDim%2 != 0 {
		errs = append(errs, fmt.Errorf("HeadDim %d must be even", s.HeadDim))
	}
	// Every matrix row must hold whole 32-element blocks for the legacy
	// quant types and the fallbacks.
	for _, n := range []int{s.NEmbd, s.NFF, s.NHead * s.HeadDim} {
		if n%32 != 0 {
			errs = append(errs, fmt.Errorf("row length %d is not a multiple of 32", n))
			break
		}
	}
	switch s.Tokenizer {
	case BPE:
		if s.NVocab < 256+len(bpeControls)+1 {
			errs = append(errs, fmt.Errorf("a BPE vocabulary needs at least %d tokens, got %d", 256+len(bpeControls)+1, s.NVocab))
		}
	case SPM:
		if s.NVocab < 3+256+len(spmControls)+len(spmSeeds) {
			errs = append(errs, fmt.Errorf("an SPM vocabulary needs at least %d tokens, got %d", 3+256+len(spmControls)+len(spmSeeds), s.NVocab))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown tokenizer kind %q (want %q or %q)", s.Tokenizer, BPE, SPM))
	}
	return errors.Join(errs...)
}

// Presets are the specs of real models (random weights, real shapes and
// hyperparameters) and tiny models for tests, by lower-case name.
var Presets = map[string]Spec{
	"qwen2.5-0.5b": {Name: "Qwen2.5-0.5B (synthetic)", Arch: "qwen2", NEmbd: 896, NLayer: 24, NHead: 14, NHeadKV: 2,
		NFF: 4864, NVocab: 151936, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"qwen2-1.5b": {Name: "Qwen2-1.5B (synthetic)", Arch: "qwen2", NEmbd: 1536, NLayer: 28, NHead: 12, NHeadKV: 2,
		NFF: 8960, NVocab: 151936, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"qwen3-0.6b": {Name: "Qwen3-0.6B (synthetic)", Arch: "qwen3", NEmbd: 1024, NLayer: 28, NHead: 16, NHeadKV: 8,
		HeadDim: 128, NFF: 3072, NVocab: 151936, NCtx: 40960, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"phi-3-mini": {Name: "Phi-3-mini-4k (synthetic)", Arch: "phi3", NEmbd: 3072, NLayer: 32, NHead: 32, NHeadKV: 32,
		NFF: 8192, NVocab: 32064, NCtx: 4096, RopeBase: 10000, NormEps: 1e-5, Fused: true, Tokenizer: SPM},
	"smollm2-135m": {Name: "SmolLM2-135M (synthetic)", Arch: "llama", NEmbd: 576, NLayer: 30, NHead: 9, NHeadKV: 3,
		NFF: 1536, NVocab: 49152, NCtx: 8192, RopeBase: 100000, NormEps: 1e-5, Tied: true,
		Tokenizer: BPE, Pre: "smollm"},

	"qwen2.5-3b": {Name: "Qwen2.5-3B (synthetic)", Arch: "qwen2", NEmbd: 2048, NLayer: 36, NHead: 16, NHeadKV: 2,
		NFF: 11008, NVocab: 151936, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"smollm3-3b": {Name: "SmolLM3-3B (synthetic)", Arch: "smollm3", NEmbd: 2048, NLayer: 36, NHead: 16, NHeadKV: 4,
		NFF: 11008, NVocab: 128256, NCtx: 65536, RopeBase: 5e6, NormEps: 1e-6, Tied: true,
		Tokenizer: BPE, Pre: "llama-bpe"},
	"gemma3-270m": {Name: "Gemma-3-270M (synthetic)", Arch: "gemma3", NEmbd: 640, NLayer: 18, NHead: 4, NHeadKV: 1,
		HeadDim: 256, NFF: 2048, NVocab: 262144, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true,
		SlidingWindow: 512, Tokenizer: SPM},
	"gemma3-1b": {Name: "Gemma-3-1B (synthetic)", Arch: "gemma3", NEmbd: 1152, NLayer: 26, NHead: 4, NHeadKV: 1,
		HeadDim: 256, NFF: 6912, NVocab: 262144, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true,
		SlidingWindow: 512, Tokenizer: SPM},
	"qwen3.5-0.8b": {Name: "Qwen3.5-0.8B (synthetic)", Arch: "qwen35", NEmbd: 1024, NLayer: 24, NHead: 8, NHeadKV: 2,
		HeadDim: 256, RopeDim: 64, NFF: 3584, NVocab: 248320, NCtx: 262144, RopeBase: 1e7, NormEps: 1e-6, Tied: true,
		QKNorm: true, SSMState: 128, SSMGroups: 16, SSMVHeads: 16, Tokenizer: BPE, Pre: "qwen35"},

	"tiny-llama": {Name: "tiny llama (synthetic)", Arch: "llama", NEmbd: 96, NLayer: 2, NHead: 3, NHeadKV: 1,
		NFF: 256, NVocab: 600, NCtx: 512, RopeBase: 100000, NormEps: 1e-5, Tied: true, Tokenizer: BPE, Pre: "smollm"},
	"tiny-qwen2": {Name: "tiny qwen2 (synthetic)", Arch: "qwen2", NEmbd: 128, NLayer: 2, NHead: 4, NHeadKV: 2,
		NFF: 256, NVocab: 600, NCtx: 512, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"tiny-qwen3": {Name: "tiny qwen3 (synthetic)", Arch: "qwen3", NEmbd: 64, NLayer: 2, NHead: 4, NHeadKV: 2,
		HeadDim: 32, NFF: 256, NVocab: 600, NCtx: 512, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true,
		Tokenizer: BPE, Pre: "qwen2"},
	"tiny-phi3": {Name: "tiny phi3 (synthetic)", Arch: "phi3", NEmbd: 128, NLayer: 2, NHead: 4, NHeadKV: 4,
		NFF: 256, NVocab: 600, NCtx: 512, RopeBase: 10000, NormEps: 1e-5, Fused: true, Tokenizer: SPM},
	"tiny-smollm3": {Name: "tiny smollm3 (synthetic)", Arch: "smollm3", NEmbd: 64, NLayer: 4, NHead: 4, NHeadKV: 1,
		NFF: 128, NVocab: 600, NCtx: 512, RopeBase: 5e6, NormEps: 1e-6, Tied: true, Tokenizer: BPE, Pre: "llama-bpe"},
	// Six layers (five sliding, one full) with a window of 8, so that
	// tests cross the window and wrap its cache.
	"tiny-gemma3": {Name: "tiny gemma3 (synthetic)", Arch: "gemma3", NEmbd: 64, NLayer: 6, NHead: 4, NHeadKV: 1,
		HeadDim: 32, NFF: 128, NVocab: 600, NCtx: 512, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true,
		SlidingWindow: 8, Tokenizer: SPM},
	// Three gated DeltaNet layers, then gated attention with partial RoPE.
	"tiny-qwen35": {Name: "tiny qwen35 (synthetic)", Arch: "qwen35", NEmbd: 64, NLayer: 4, NHead: 2, NHeadKV: 1,
		HeadDim: 32, RopeDim: 8, NFF: 128, NVocab: 600, NCtx: 512, RopeBase: 1e7, NormEps: 1e-6, Tied: true, QKNorm: true,
		SSMState: 16, SSMGroups: 2, SSMVHeads: 4, Tokenizer: BPE, Pre: "qwen35"},
}

// Preset returns the preset called name (case-insensitive).
func Preset(name string) (Spec, error) {
	s, ok := Presets[strings.ToLower(name)]
	if !ok {
		return Spec{}, fmt.Errorf("testmodel: unknown preset %q (have %s)", name, strings.Join(PresetNames(), ", "))
	}
	return s, nil
}

// PresetNames returns the preset names in sorted order.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParamCount returns the number of weights a model of spec s has.
func (s Spec) ParamCount() int64 {
	var n int64
	for _, t := range s.withDefaults().tensors() {
		e := int64(1)
		for _, d := range t.dims {
			e *= int64(d)
		}
		n += e
	}
	return n
}
