// Package model implements the transformer architectures gollm runs (llama,
// qwen2, qwen3, phi3): configuration from GGUF metadata, memory-mapped
// quantized weights, the KV cache, and the two forward paths: prefill (a
// batch of tokens, matrix-matrix) and decode (one token, matrix-vector).
package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

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

// LayerKind says how a layer mixes information across positions.
type LayerKind int

const (
	// FullAttention attends over every earlier position.
	FullAttention LayerKind = iota
	// SlidingAttention attends over the last SlidingWindow positions only
	// (gemma3), so its cache holds only those.
	SlidingAttention
	// Recurrent is a gated DeltaNet layer (qwen35): a short causal
	// convolution and a fixed-size recurrent state instead of a cache that
	// grows with the context.
	Recurrent
)

// String names the kind.
func (k LayerKind) String() string {
	switch k {
	case SlidingAttention:
		return "sliding-window attention"
	case Recurrent:
		return "recurrent (gated DeltaNet)"
	}
	return "full attention"
}

// LayerSpec describes one layer's token mixing.
type LayerSpec struct {
	Kind LayerKind
	// Rope says whether the layer's attention rotates queries and keys
	// (smollm3 leaves every fourth layer unrotated; recurrent layers have
	// no attention).
	Rope bool
	// RopeBase and RopeScale are the frequency base and scale of the
	// layer's RoPE (gemma3's sliding layers have their own).
	RopeBase, RopeScale float32
}

// DeltaNetConfig holds the sizes of gated DeltaNet layers (qwen35's
// ssm.* keys).
type DeltaNetConfig struct {
	ConvKernel int // taps of the causal convolution (ssm.conv_kernel)
	HeadDim    int // size of a key, query and value head (ssm.state_size)
	KHeads     int // key/query heads (ssm.group_count)
	VHeads     int // value heads (ssm.time_step_rank); each reads key head h mod KHeads
	InnerSize  int // VHeads*HeadDim (ssm.inner_size)
}

// ConvChannels is the width of the convolved projection: queries, keys
// and values.
func (d DeltaNetConfig) ConvChannels() int { return 2*d.KHeads*d.HeadDim + d.InnerSize }

// StateFloats is the number of float32 values of one layer's recurrent
// state: the convolution's last ConvKernel-1 inputs and a HeadDim x
// HeadDim matrix per value head.
func (d DeltaNetConfig) StateFloats() int {
	return (d.ConvKernel-1)*d.ConvChannels() + d.VHeads*d.HeadDim*d.HeadDim
}

// SupportedArchitectures lists the architectures gollm runs.
func SupportedArchitectures() []string {
	names := make([]string, 0, len(architectures))
	for n := range architectures {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

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
	// RopeYaRN says rope.scaling.type is "yarn": each rotated pair blends
	// its scaled and its unscaled angle, the fast-turning pairs keeping
	// theirs, and cos and sin grow by 1 + 0.1 ln(1/RopeScale).
	RopeYaRN bool
	// RopeOrigCtx is rope.scaling.original_context_length: LongRoPE picks
	// its long factors when the session context exceeds it, and YaRN's
	// blend depends on it.
	RopeOrigCtx int
	// AttnScale multiplies the query-key products before the softmax:
	// 1/sqrt(HeadDim) unless the architecture says otherwise.
	AttnScale float32
	// EmbedScale multiplies the token embeddings (gemma3: sqrt(NEmbd)).
	EmbedScale float32
	// LogitSoftcap, when not 0, caps the logits at +-|LogitSoftcap|:
	// logit = LogitSoftcap * tanh(logit / LogitSoftcap) (gemma3's
	// final_logit_softcapping).
	LogitSoftcap float32
	// Layers describes each layer's token mixing and RoPE.
	Layers []LayerSpec
	// SlidingWindow is how many positions a sliding-window layer sees:
	// its own and the SlidingWindow-1 before it (0 when none slides).
	SlidingWindow int
	// DeltaNet holds the sizes of the recurrent layers (zero when none).
	DeltaNet DeltaNetConfig
	// RopeSections is rope.dimension_sections: how multi-section RoPE
	// (qwen35) splits the rotated pairs between positions; nil when absent.
	RopeSections []int
	// ChatTemplate is tokenizer.chat_template ("" when absent).
	ChatTemplate string
	// ChatTemplates holds the named variants tokenizer.chat_template.NAME
	// (such as "tool_use"), by NAME.
	ChatTemplates map[string]string
	// PoolingType is ARCH.pooling_type, how the model's embeddings pool
	// the token states (llama.cpp's numbering: 0 none, 1 mean, 2 cls,
	// 3 last, 4 rank), or -1 when absent (a decoder model).
	PoolingType int
}

// LayersOf returns the number of layers of kind k.
func (c *Config) LayersOf(k LayerKind) int {
	n := 0
	for _, l := range c.Layers {
		if l.Kind == k {
			n++
		}
	}
	return n
}

// ConfigFromGGUF reads the configuration of f's architecture.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	var c Config
	arch, err := f.String("general.architecture")
	if err != nil {
		return c, err
	}
	c.Arch = arch
	a, ok := architectures[arch]
	if !ok {
		return c, fmt.Errorf("unsupported architecture %q (gollm runs %v)", arch, SupportedArchitectures())
	}
	c.RopeMode = a.rope
	c.Name, _ = f.String("general.name")
	c.ChatTemplate, _ = f.String("tokenizer.chat_template")
	for _, kv := range f.Metadata {
		if name, ok := strings.CutPrefix(kv.Key, "tokenizer.chat_template."); ok && name != "" {
			if text, err := f.String(kv.Key); err == nil {
				if c.ChatTemplates == nil {
					c.ChatTemplates = map[string]string{}
				}
				c.ChatTemplates[name] = text
			}
		}
	}
	r := metaReader{f: f, prefix: arch + "."}
	c.NEmbd = r.int("embedding_length", 0)
	c.NLayer = r.int("block_count", 0)
	c.NFF = r.perLayer("feed_forward_length", c.NLayer, 0)
	c.NHead = r.perLayer("attention.head_count", c.NLayer, 0)
	c.NHeadKV = r.perLayer("attention.head_count_kv", c.NLayer, c.NHead)
	c.CtxTrain = r.int("context_length", 0)
	if c.NHead > 0 {
		c.HeadDim = r.int("attention.key_length", c.NEmbd/c.NHead)
		c.HeadDimV = r.int("attention.value_length", c.HeadDim)
	}
	c.RopeDim = r.int("rope.dimension_count", c.HeadDim)
	c.RopeBase = r.float("rope.freq_base", 10000)
	scale := r.float("rope.scaling.factor", 0)
	if scale == 0 {
		scale = r.float("rope.scale_linear", 0) // llama.cpp's older name
	}
	c.RopeScale = 1
	if scale != 0 {
		c.RopeScale = 1 / scale
	}
	// As llama.cpp: "none" never scales, whatever the factor; LongRoPE's
	// factors are tensors (rope_factors_long/short).
	switch typ := r.string("rope.scaling.type", "linear"); typ {
	case "linear", "longrope":
	case "none":
		c.RopeScale = 1
	case "yarn":
		c.RopeYaRN = true
	default:
		r.err = cmpErr(r.err, fmt.Errorf("%srope.scaling.type %q is not none, linear, yarn or longrope", r.prefix, typ))
	}
	c.AttnFactor = r.float("rope.scaling.attn_factor", 1)
	c.RopeOrigCtx = r.int("rope.scaling.original_context_length", c.CtxTrain)
	c.NormEps = r.float("attention.layer_norm_rms_epsilon", 1e-5)
	c.PoolingType = r.int("pooling_type", -1)
	if c.HeadDim > 0 {
		c.AttnScale = float32(1 / math.Sqrt(float64(c.HeadDim)))
	}
	c.EmbedScale = 1
	if c.NLayer > 0 && c.NLayer <= maxLayers {
		c.Layers = make([]LayerSpec, c.NLayer)
		for i := range c.Layers {
			c.Layers[i] = LayerSpec{Kind: FullAttention, Rope: true, RopeBase: c.RopeBase, RopeScale: c.RopeScale}
		}
		if a.configure != nil {
			a.configure(&c, &r)
		}
	}
	if r.err != nil {
		return c, r.err
	}
	if t, ok := f.Tensor("token_embd.weight"); ok && len(t.Dims) == 2 {
		c.NVocab = int(t.Dims[1])
	}
	return c, c.validate()
}

// maxLayers bounds block_count.
const maxLayers = 4096

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
	if !(c.RopeScale > 0) || math.IsInf(float64(c.RopeScale), 0) {
		errs = append(errs, fmt.Errorf("rope.scaling.factor %g must be positive", 1/c.RopeScale))
	}
	if c.RopeYaRN && c.RopeOrigCtx <= 0 {
		errs = append(errs, errors.New("YaRN needs rope.scaling.original_context_length or context_length"))
	}
	for i, l := range c.Layers {
		if l.Rope && !(l.RopeBase > 0) {
			errs = append(errs, fmt.Errorf("layer %d: RoPE base %g must be positive", i, l.RopeBase))
		}
	}
	if math.IsNaN(float64(c.LogitSoftcap)) || math.IsInf(float64(c.LogitSoftcap), 0) {
		errs = append(errs, fmt.Errorf("final_logit_softcapping %g must be finite", c.LogitSoftcap))
	}
	if c.LayersOf(SlidingAttention) > 0 && c.SlidingWindow <= 0 {
		errs = append(errs, fmt.Errorf("sliding-window layers need a positive attention.sliding_window, got %d", c.SlidingWindow))
	}
	if c.LayersOf(Recurrent) > 0 {
		errs = append(errs, c.DeltaNet.validate())
	}
	if c.NLayer > maxLayers || c.NHead > 4096 || c.NEmbd > 1<<20 || c.NFF > 1<<22 {
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

// perLayer reads a key that llama.cpp accepts as one value or as one value
// per layer (get_key_or_arr). gollm runs layers of one shape: an array is
// read when it holds the same value for each of the n layers, and refused
// by name otherwise.
func (r *metaReader) perLayer(key string, n, def int) int {
	v, ok := r.f.Get(r.prefix + key)
	if !ok || v.Array() == nil {
		return r.int(key, def)
	}
	vals := r.ints(key)
	if vals == nil {
		return def
	}
	if len(vals) == 0 || len(vals) != n || slices.Min(vals) != slices.Max(vals) {
		r.err = cmpErr(r.err, fmt.Errorf("%s%s = %v: layers of different shapes are not supported (want %d equal values)", r.prefix, key, v, n))
		return def
	}
	return vals[0]
}

func (r *metaReader) string(key, def string) string {
	v, err := r.f.String(r.prefix + key)
	if errors.Is(err, gguf.ErrKeyNotFound) {
		return def
	}
	if err != nil {
		r.err = cmpErr(r.err, err)
		return def
	}
	return v
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

// pattern reads a per-layer flag key that is either one period p (the flag
// is set on layers i with i % p < p-1, on every layer when p is 0, as
// llama.cpp's set_swa_pattern) or an array of one bool per layer; def is
// the period when the key is absent.
func (r *metaReader) pattern(key string, n, def int) []bool {
	flags := make([]bool, n)
	period := def
	if v, ok := r.f.Get(r.prefix + key); ok {
		if a := v.Array(); a != nil {
			bs, isBool := a.Data.([]bool)
			if !isBool || len(bs) != n {
				r.err = cmpErr(r.err, fmt.Errorf("%s%s must be a period or %d bools, got %s", r.prefix, key, n, v))
				return flags
			}
			copy(flags, bs)
			return flags
		}
		period = r.int(key, def)
	}
	for i := range flags {
		flags[i] = period == 0 || i%period < period-1
	}
	return flags
}

// ints reads an optional array of integers (nil when absent).
func (r *metaReader) ints(key string) []int {
	v, ok := r.f.Get(r.prefix + key)
	if !ok {
		return nil
	}
	a := v.Array()
	if a == nil {
		r.err = cmpErr(r.err, fmt.Errorf("%s%s must be an array of integers, got %s", r.prefix, key, v))
		return nil
	}
	out := make([]int, a.Len())
	for i := range out {
		x, ok := gguf.MustValue(a.At(i)).Int()
		if !ok || x < 0 || x > 1<<20 {
			r.err = cmpErr(r.err, fmt.Errorf("%s%s[%d] = %v is not a small non-negative integer", r.prefix, key, i, a.At(i)))
			return nil
		}
		out[i] = int(x)
	}
	return out
}

func cmpErr(old, new error) error {
	if old != nil {
		return old
	}
	return new
}
