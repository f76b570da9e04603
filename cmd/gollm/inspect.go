package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/model/tokenizer"
)

func init() {
	register(command{
		name:    "inspect",
		summary: "describe a GGUF file: model shape, metadata and tensors",
		run:     runInspect,
	})
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("inspect", "MODEL.gguf [--json]", stdout)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	// Flags may come before or after the file name.
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError(fs, "missing MODEL.gguf")
	}
	path := rest[0]
	if err := parseFlags(fs, rest[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("one file at a time (extra arguments %q)", fs.Args()))
	}
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := newInspectReport(path, f)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.print(stdout)
}

// inspectReport is what inspect prints; its JSON form is the --json output.
type inspectReport struct {
	File          string `json:"file"`
	SizeBytes     int64  `json:"size_bytes"`
	GGUFVersion   uint32 `json:"gguf_version"`
	Alignment     uint64 `json:"alignment"`
	Architecture  string `json:"architecture,omitempty"`
	Name          string `json:"name,omitempty"`
	Parameters    int64  `json:"parameters"`
	FileType      string `json:"file_type,omitempty"`
	ContextLength *int64 `json:"context_length,omitempty"`
	Embedding     *int64 `json:"embedding_length,omitempty"`
	Layers        *int64 `json:"layers,omitempty"`
	Heads         *int64 `json:"heads,omitempty"`
	KVHeads       *int64 `json:"kv_heads,omitempty"`
	HeadSize      *int64 `json:"head_size,omitempty"`
	VocabSize     *int64 `json:"vocab_size,omitempty"`
	Tokenizer     string `json:"tokenizer,omitempty"`
	ChatTemplate  bool   `json:"chat_template"`
	// Supported says whether gollm runs the file; Unsupported says why not.
	Supported   bool               `json:"supported"`
	Unsupported string             `json:"unsupported,omitempty"`
	Features    *inspectFeature    `json:"features,omitempty"`
	Metadata    []inspectMeta      `json:"metadata"`
	Tensors     []inspectTensor    `json:"tensors"`
	TypeTotals  []inspectTypeTotal `json:"type_totals"`
	TensorBytes int64              `json:"tensor_bytes"`
	// Warnings are what loading the file ignores (as llama.cpp does), such
	// as a special token id outside the vocabulary.
	Warnings []string      `json:"warnings,omitempty"`
	config   *model.Config // for the text form, nil when unsupported
}

// inspectFeature is how the architecture mixes positions, and the memory
// that costs: what sets a model apart on a device.
type inspectFeature struct {
	Layers             []string  `json:"layer_kinds"` // one per layer: full, sliding or recurrent
	SlidingWindow      int       `json:"sliding_window,omitempty"`
	NoRopeLayers       []int     `json:"layers_without_rope,omitempty"`
	RopeDims           int       `json:"rope_dims"`
	RopeBases          []float32 `json:"rope_bases"`
	RecurrentState     int64     `json:"recurrent_state_bytes,omitempty"`   // per session, F32
	KVBytesPerToken    int64     `json:"kv_bytes_per_token"`                // F16 cache, full-attention layers
	SlidingWindowBytes int64     `json:"sliding_window_kv_bytes,omitempty"` // F16, window and a 512-token batch
	LogitSoftcap       float32   `json:"final_logit_softcapping,omitempty"`
	// RopeScaling is "linear" or "yarn" when RoPE stretches the context by
	// RopeFactor (YaRN from RopeOrigCtx positions); empty otherwise.
	RopeScaling string  `json:"rope_scaling,omitempty"`
	RopeFactor  float32 `json:"rope_scaling_factor,omitempty"`
	RopeOrigCtx int     `json:"rope_original_context,omitempty"`
}

// layerKindNames are the short names of layer kinds in the report.
var layerKindNames = map[model.LayerKind]string{
	model.FullAttention:    "full",
	model.SlidingAttention: "sliding",
	model.Recurrent:        "recurrent",
}

func newInspectFeature(c *model.Config) *inspectFeature {
	ft := &inspectFeature{SlidingWindow: c.SlidingWindow, RopeDims: c.RopeDim, LogitSoftcap: c.LogitSoftcap}
	switch {
	case c.RopeYaRN:
		ft.RopeScaling, ft.RopeFactor, ft.RopeOrigCtx = "yarn", 1/c.RopeScale, c.RopeOrigCtx
	case c.RopeScale != 1:
		ft.RopeScaling, ft.RopeFactor = "linear", 1/c.RopeScale
	}
	for i, l := range c.Layers {
		ft.Layers = append(ft.Layers, layerKindNames[l.Kind])
		if l.Kind != model.Recurrent && !l.Rope {
			ft.NoRopeLayers = append(ft.NoRopeLayers, i)
		}
		if l.Rope && !slices.Contains(ft.RopeBases, l.RopeBase) {
			ft.RopeBases = append(ft.RopeBases, l.RopeBase)
		}
	}
	// The cache grows by one token's keys and values in each full layer;
	// the sliding windows and the recurrent state are a fixed size.
	// Two contexts longer than any window tell the two apart.
	const n = 1 << 20
	small, state := c.CacheBytes(model.KVF16, n, 512, false)
	large, _ := c.CacheBytes(model.KVF16, 2*n, 512, false)
	ft.KVBytesPerToken = (large - small) / n
	ft.SlidingWindowBytes = small - n*ft.KVBytesPerToken
	ft.RecurrentState = state
	return ft
}

// lines returns the text form of the features.
func (ft *inspectFeature) lines(c *model.Config) []string {
	n := len(ft.Layers)
	var out []string
	if k := c.LayersOf(model.SlidingAttention); k > 0 {
		out = append(out, fmt.Sprintf("sliding-window attention (window %d) on %d of %d layers, full attention on %d",
			ft.SlidingWindow, k, n, c.LayersOf(model.FullAttention)))
	}
	if k := c.LayersOf(model.Recurrent); k > 0 {
		d := c.DeltaNet
		out = append(out, fmt.Sprintf("recurrent layers: gated DeltaNet on %d of %d layers (%d value heads, %d key heads of %d, convolution of %d), full attention on %d",
			k, n, d.VHeads, d.KHeads, d.HeadDim, d.ConvKernel, c.LayersOf(model.FullAttention)))
		out = append(out, fmt.Sprintf("recurrent state: %s per session, whatever the context", humanBytes(ft.RecurrentState)))
	}
	if len(ft.NoRopeLayers) > 0 {
		out = append(out, fmt.Sprintf("no RoPE on layers %v", ft.NoRopeLayers))
	}
	rope := fmt.Sprintf("RoPE %s on %d of %d dimensions, base %v", c.RopeMode, c.RopeDim, c.HeadDim, ft.RopeBases)
	if len(c.RopeSections) > 0 {
		rope += fmt.Sprintf(", sections %v", c.RopeSections)
	}
	switch ft.RopeScaling {
	case "yarn":
		rope += fmt.Sprintf(", YaRN scaling x%g of an original context of %d", ft.RopeFactor, ft.RopeOrigCtx)
	case "linear":
		rope += fmt.Sprintf(", linear scaling x%g", ft.RopeFactor)
	}
	out = append(out, rope)
	if ft.LogitSoftcap != 0 {
		out = append(out, fmt.Sprintf("logits soft-capped at %g", ft.LogitSoftcap))
	}
	kv := fmt.Sprintf("KV cache: %s per token of context (F16)", humanBytes(ft.KVBytesPerToken))
	if ft.SlidingWindowBytes > 0 {
		kv += fmt.Sprintf(" + %s for the sliding windows", humanBytes(ft.SlidingWindowBytes))
	}
	return append(out, kv)
}

// humanBytes formats n bytes with a binary unit.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

type inspectMeta struct {
	Key   string     `json:"key"`
	Type  string     `json:"type"`
	Value any        `json:"value"`
	v     gguf.Value // for the text form
}

type inspectTensor struct {
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Shape []uint64 `json:"shape"`
	Bytes int64    `json:"bytes"`
}

type inspectTypeTotal struct {
	Type   string `json:"type"`
	Count  int    `json:"count"`
	Bytes  int64  `json:"bytes"`
	Params int64  `json:"parameters"`
}

func newInspectReport(path string, f *gguf.File) *inspectReport {
	r := &inspectReport{File: path, SizeBytes: f.Size(), GGUFVersion: f.Version, Alignment: f.Alignment}
	r.Architecture, _ = f.String("general.architecture")
	r.Name, _ = f.String("general.name")
	if ft, err := f.Int("general.file_type"); err == nil {
		r.FileType = fileTypeName(ft)
	}
	arch := r.Architecture
	optInt := func(key string) *int64 {
		if n, err := f.Int(arch + "." + key); err == nil {
			return &n
		}
		return nil
	}
	if arch != "" {
		r.ContextLength = optInt("context_length")
		r.Embedding = optInt("embedding_length")
		r.Layers = optInt("block_count")
		r.Heads = optInt("attention.head_count")
		r.KVHeads = optInt("attention.head_count_kv")
		r.HeadSize = optInt("attention.key_length")
		if r.HeadSize == nil && r.Embedding != nil && r.Heads != nil && *r.Heads > 0 {
			hs := *r.Embedding / *r.Heads
			r.HeadSize = &hs
		}
		r.VocabSize = optInt("vocab_size")
	}
	if toks, ok := f.Get("tokenizer.ggml.tokens"); ok && toks.Array() != nil {
		n := int64(toks.Array().Len())
		r.VocabSize = &n
	}
	if model, err := f.String("tokenizer.ggml.model"); err == nil {
		r.Tokenizer = tokenizerKind(model)
		if pre, err := f.String("tokenizer.ggml.pre"); err == nil {
			r.Tokenizer += ", pre-tokenizer " + pre
		}
	}
	r.ChatTemplate = f.Has("tokenizer.chat_template")
	if tok, err := tokenizer.FromGGUF(f); err == nil {
		r.Warnings = tok.Warnings()
	}
	if cfg, err := model.ConfigFromGGUF(f); err != nil {
		r.Unsupported = err.Error()
	} else {
		r.Supported = true
		r.Features = newInspectFeature(&cfg)
		r.config = &cfg
	}
	for _, kv := range f.Metadata {
		r.Metadata = append(r.Metadata, inspectMeta{kv.Key, metaTypeName(kv.Value), inspectJSONValue(kv.Value.Any()), kv.Value})
	}
	r.Tensors = []inspectTensor{}
	totals := map[string]*inspectTypeTotal{}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		r.Tensors = append(r.Tensors, inspectTensor{t.Name, gguf.TypeName(t.Type), t.Dims, t.Size})
		r.Parameters += t.Elements()
		r.TensorBytes += t.Size
		tt := totals[gguf.TypeName(t.Type)]
		if tt == nil {
			tt = &inspectTypeTotal{Type: gguf.TypeName(t.Type)}
			totals[tt.Type] = tt
		}
		tt.Count++
		tt.Bytes += t.Size
		tt.Params += t.Elements()
	}
	r.TypeTotals = []inspectTypeTotal{}
	for _, tt := range totals {
		r.TypeTotals = append(r.TypeTotals, *tt)
	}
	sort.Slice(r.TypeTotals, func(i, j int) bool { return r.TypeTotals[i].Bytes > r.TypeTotals[j].Bytes })
	return r
}

// fileTypeNames maps general.file_type (llama.cpp's enum llama_ftype) to the
// names llama-quantize accepts.
var fileTypeNames = map[int64]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_1_SOME_F16", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
	37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 1024: "GUESSED",
}

func fileTypeName(ft int64) string {
	if s, ok := fileTypeNames[ft]; ok {
		return s
	}
	return fmt.Sprintf("unknown (%d)", ft)
}

// tokenizerKind names the tokenizer family of a tokenizer.ggml.model value.
func tokenizerKind(model string) string {
	kinds := map[string]string{
		"llama": "SentencePiece",
		"gpt2":  "byte-level BPE",
		"bert":  "WordPiece",
		"t5":    "Unigram",
		"rwkv":  "RWKV greedy",
		"none":  "no tokenizer",
	}
	if k, ok := kinds[model]; ok {
		return model + " (" + k + ")"
	}
	return model
}

func metaTypeName(v gguf.Value) string {
	if a := v.Array(); a != nil {
		return "array of " + a.ElemType.String()
	}
	return v.Type.String()
}

// maxJSONElems is how many elements of an array the JSON output shows.
const maxJSONElems = 16

// inspectJSONValue turns a metadata value into something encoding/json accepts:
// non-finite floats become strings, arrays a summary with their first
// elements.
func inspectJSONValue(x any) any {
	switch x := x.(type) {
	case float32:
		return inspectJSONFloat(float64(x))
	case float64:
		return inspectJSONFloat(x)
	case *gguf.Array:
		n := x.Len()
		head := make([]any, 0, min(n, maxJSONElems))
		for i := range min(n, maxJSONElems) {
			head = append(head, inspectJSONValue(x.At(i)))
		}
		return map[string]any{"elem_type": x.ElemType.String(), "len": n, "head": head}
	}
	return x
}

func inspectJSONFloat(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	return x
}

// print writes the text form of r.
func (r *inspectReport) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	opt := func(k string, v *int64) {
		if v != nil {
			row(k, "%d", *v)
		}
	}
	row("file", "%s (%d bytes, GGUF v%d, alignment %d)", r.File, r.SizeBytes, r.GGUFVersion, r.Alignment)
	row("architecture", "%s", noneIfEmpty(printable(r.Architecture)))
	if r.Name != "" {
		row("name", "%s", printable(r.Name))
	}
	row("parameters", "%s (%d)", humanCount(r.Parameters), r.Parameters)
	row("file type", "%s", noneIfEmpty(r.FileType))
	opt("context length", r.ContextLength)
	opt("embedding", r.Embedding)
	opt("layers", r.Layers)
	opt("heads", r.Heads)
	opt("KV heads", r.KVHeads)
	opt("head size", r.HeadSize)
	opt("vocab size", r.VocabSize)
	row("tokenizer", "%s", noneIfEmpty(printable(r.Tokenizer)))
	row("chat template", "%s", map[bool]string{true: "yes", false: "no"}[r.ChatTemplate])
	if r.config == nil {
		row("runs", "no: %s", r.Unsupported)
	} else {
		for i, l := range r.Features.lines(r.config) {
			row(map[bool]string{true: "features", false: ""}[i == 0], "%s", l)
		}
	}
	for _, w := range r.Warnings {
		row("warning", "%s", printable(w))
	}

	fmt.Fprintf(tw, "\nmetadata (%d keys)\n", len(r.Metadata))
	for _, m := range r.Metadata {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", printable(m.Key), m.Type, displayValue(m.v))
	}
	fmt.Fprintf(tw, "\ntensors (%d)\n", len(r.Tensors))
	if len(r.Tensors) > 0 {
		fmt.Fprintf(tw, "  name\ttype\tshape\tbytes\n")
	}
	for _, t := range r.Tensors {
		fmt.Fprintf(tw, "  %s\t%s\t%v\t%d\n", printable(t.Name), t.Type, t.Shape, t.Bytes)
	}
	if len(r.TypeTotals) > 0 {
		fmt.Fprintf(tw, "\ntotals by type\n  type\tcount\tbytes\tparameters\n")
		for _, tt := range r.TypeTotals {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", tt.Type, tt.Count, tt.Bytes, tt.Params)
		}
		fmt.Fprintf(tw, "  all\t%d\t%d\t%d\n", len(r.Tensors), r.TensorBytes, r.Parameters)
	}
	return tw.Flush()
}

// displayValue formats a metadata value on one line: long strings are cut,
// arrays summarized by gguf.Value.String.
func displayValue(v gguf.Value) string {
	const maxString = 60
	if s, ok := v.Any().(string); ok && len(s) > maxString {
		cut := strings.ToValidUTF8(s[:maxString], "")
		return fmt.Sprintf("%q… (%d bytes)", cut, len(s))
	}
	return strings.ReplaceAll(v.String(), "\t", " ")
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// humanCount formats n with a K/M/B suffix.
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// clean quotes s when it holds characters that would break a table row.
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || r == '\t' }) {
		return strconv.Quote(s)
	}
	return s
}
