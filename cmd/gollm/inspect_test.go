package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
)

func runInspectCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = runMain(args, &o, &e)
	return code, o.String(), e.String()
}

func inspectJSON(t *testing.T, args ...string) inspectReport {
	t.Helper()
	code, out, errOut := runInspectCmd(append([]string{"inspect"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r inspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json output is not JSON: %v", err)
	}
	return r
}

func TestInspectReferenceFiles(t *testing.T) {
	var paths []string
	for _, sub := range []string{"models", "tokenizer"} {
		m, _ := filepath.Glob(filepath.Join(testref.Dir(t, sub), "*.gguf"))
		paths = append(paths, m...)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := gguf.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var params int64
			for i := range f.Tensors {
				params += f.Tensors[i].Elements()
			}
			r := inspectJSON(t, p, "--json") // flag after the file
			if r.Parameters != params || len(r.Tensors) != len(f.Tensors) || len(r.Metadata) != len(f.Metadata) {
				t.Errorf("parameters %d, %d tensors, %d keys; want %d, %d, %d", r.Parameters, len(r.Tensors), len(r.Metadata), params, len(f.Tensors), len(f.Metadata))
			}
			if r.Architecture == "" || r.VocabSize == nil || *r.VocabSize == 0 || r.Tokenizer == "" {
				t.Errorf("missing architecture, vocab or tokenizer: %+v", r)
			}
			var count int
			var bytes int64
			for _, tt := range r.TypeTotals {
				count += tt.Count
				bytes += tt.Bytes
			}
			if count != len(f.Tensors) || bytes != r.TensorBytes {
				t.Errorf("type totals: %d tensors, %d bytes; want %d, %d", count, bytes, len(f.Tensors), r.TensorBytes)
			}
			code, out, errOut := runInspectCmd("inspect", p)
			if code != 0 || errOut != "" || !strings.Contains(out, "architecture") || !strings.Contains(out, "metadata (") {
				t.Errorf("text output: exit %d, stderr %q", code, errOut)
			}
			for _, kv := range f.Metadata {
				if !strings.Contains(out, kv.Key) {
					t.Errorf("text output lacks key %q", kv.Key)
				}
			}
		})
	}
}

// TestInspectFacts checks summary fields against what the reference README
// says about each model.
func TestInspectFacts(t *testing.T) {
	dir := testref.Dir(t, "models")
	for _, c := range []struct {
		file, fileType, tokenizer string
		heads, kvHeads, headSize  int64
		template                  bool
	}{
		{"tiny-qwen2-s1-f32.gguf", "F32", "gpt2 (byte-level BPE), pre-tokenizer qwen2", 8, 2, 32, true},
		{"tiny-qwen2-s1-q4_k_m.gguf", "Q4_K_M", "gpt2 (byte-level BPE), pre-tokenizer qwen2", 8, 2, 32, true},
		{"tiny-qwen3-s4-q8_0.gguf", "Q8_0", "", 0, 0, 64, true},
		{"tiny-phi3-s2-f16.gguf", "F16", "llama (SentencePiece)", 0, 0, 0, true},
		{"tiny-llama-s3-q4_0.gguf", "Q4_0", "llama (SentencePiece)", 0, 0, 0, false},
	} {
		r := inspectJSON(t, "--json", filepath.Join(dir, c.file))
		if r.FileType != c.fileType || r.ChatTemplate != c.template {
			t.Errorf("%s: file type %q, template %v", c.file, r.FileType, r.ChatTemplate)
		}
		if c.tokenizer != "" && !strings.HasPrefix(r.Tokenizer, c.tokenizer) {
			t.Errorf("%s: tokenizer %q, want %q", c.file, r.Tokenizer, c.tokenizer)
		}
		check := func(what string, got *int64, want int64) {
			if want != 0 && (got == nil || *got != want) {
				t.Errorf("%s: %s = %v, want %d", c.file, what, got, want)
			}
		}
		check("heads", r.Heads, c.heads)
		check("kv heads", r.KVHeads, c.kvHeads)
		check("head size", r.HeadSize, c.headSize)
		check("layers", r.Layers, 4)
		check("embedding", r.Embedding, 256)
	}
}

// writeToyGGUF writes a small file through gguf.Writer with awkward metadata.
func writeToyGGUF(t *testing.T, path string) {
	t.Helper()
	fw, err := gguf.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Abort()
	for _, kv := range []gguf.KeyValue{
		{Key: "general.architecture", Value: gguf.MustValue("toy")},
		{Key: "toy.attention.head_count", Value: gguf.MustValue(int32(4))},
		{Key: "toy.embedding_length", Value: gguf.MustValue(uint64(64))},
		{Key: "general.file_type", Value: gguf.MustValue(uint32(1234))},
		{Key: "weird\tkey\nwith breaks", Value: gguf.MustValue("line one\nline two\t" + strings.Repeat("x", 200))},
		{Key: "nan", Value: gguf.MustValue(float32(math.NaN()))},
		{Key: "infs", Value: gguf.MustValue([]float64{math.Inf(1), 1})},
		{Key: "nested", Value: gguf.MustValue(&gguf.Array{ElemType: gguf.TypeArray, Data: []*gguf.Array{{ElemType: gguf.TypeInt8, Data: []int8{1}}}})},
		{Key: "long", Value: gguf.MustValue(make([]uint16, 1000))},
	} {
		if err := fw.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	fw.AddTensor("a", quant.Q8_0, []uint64{32, 2})
	fw.AddTensor("b", quant.F32, []uint64{3})
	fw.AddTensor("c", quant.Type(16), []uint64{256}) // IQ2_XXS, unknown to quant
	if err := fw.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for _, ti := range fw.Tensors() {
		fw.WriteTensor(ti.Name, make([]byte, ti.Size))
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestInspectSynthetic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "toy.gguf")
	writeToyGGUF(t, path)
	r := inspectJSON(t, "--json", path)
	if r.Parameters != 67+256 || r.Tensors[2].Type != "IQ2_XXS" || r.FileType != "unknown (1234)" || r.HeadSize == nil || *r.HeadSize != 16 || r.VocabSize != nil {
		t.Errorf("summary: %+v", r)
	}
	code, out, _ := runInspectCmd("inspect", path)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// One line per key: 9 keys, no raw newline from a value or a key.
	var lines int
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "  name") && !strings.HasPrefix(l, "  type") {
			lines++
		}
	}
	if want := 9 + 3 + 3 + 1; lines != want { // keys, tensors, three types and the total
		t.Errorf("got %d indented lines, want %d:\n%s", lines, want, out)
	}
	if !strings.Contains(out, "[uint16 × 1000]") || !strings.Contains(out, "(218 bytes)") {
		t.Errorf("long values not summarized:\n%s", out)
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.gguf")
	writeToyGGUF(t, good)
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"empty.gguf":     nil,
		"magic.gguf":     append([]byte("GGML"), b[4:]...),
		"truncated.gguf": b[:len(b)/2],
		"version.gguf":   append([]byte("GGUF\x07\x00\x00\x00"), b[8:]...),
		"count.gguf":     append(append([]byte(nil), b[:8]...), append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, b[16:]...)...),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"empty.gguf", "magic.gguf", "truncated.gguf", "version.gguf", "count.gguf", "missing.gguf", "."} {
		for _, args := range [][]string{{"inspect", filepath.Join(dir, p)}, {"inspect", "--json", filepath.Join(dir, p)}} {
			code, out, errOut := runInspectCmd(args...)
			if code != 1 || out != "" || !strings.HasPrefix(errOut, "gollm inspect: ") || strings.Count(errOut, "\n") != 1 {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one error line", args, code, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"inspect"}, {"inspect", good, good}, {"inspect", "--bogus", good}} {
		if code, _, _ := runInspectCmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
}

// TestInspectFeatures checks that inspect names each architecture's
// features: gemma3's sliding layers, qwen35's recurrent layers and state,
// smollm3's layers without RoPE, and refuses an unsupported architecture by
// name.
func TestInspectFeatures(t *testing.T) {
	dir := testref.Dir(t, "models")
	for _, c := range []struct {
		file   string
		layers string
		text   []string
	}{
		{"tiny-gemma3-s21-q8_0.gguf", "sliding sliding sliding sliding sliding full",
			[]string{"sliding-window attention (window 16) on 5 of 6 layers", "base [10000 1e+06]"}},
		{"tiny-qwen35-s23-f32.gguf", "recurrent recurrent recurrent full recurrent recurrent recurrent full",
			[]string{"gated DeltaNet on 6 of 8 layers", "recurrent state: 114.0 KiB per session", "16 of 64 dimensions", "sections [3 3 2 0]"}},
		{"tiny-smollm3-s22-q8_0.gguf", "full full full full full full full full", []string{"no RoPE on layers [3 7]"}},
		{"tiny-qwen2-s1-q8_0.gguf", "full full full full", []string{"KV cache: 1.0 KiB per token"}},
	} {
		path := filepath.Join(dir, c.file)
		if _, err := os.Stat(path); err != nil {
			t.Skip(err)
		}
		r := inspectJSON(t, path, "--json")
		if !r.Supported || r.Features == nil || strings.Join(r.Features.Layers, " ") != c.layers {
			t.Errorf("%s: supported %v, features %+v", c.file, r.Supported, r.Features)
		}
		_, out, _ := runInspectCmd("inspect", path)
		for _, want := range c.text {
			if !strings.Contains(out, want) {
				t.Errorf("%s: text output lacks %q", c.file, want)
			}
		}
	}
	// RoPE scaling, linear and YaRN, on a generated model.
	for text, meta := range map[string]map[string]any{
		"linear scaling x4": {"qwen2.rope.scaling.factor": float32(4)},
		"YaRN scaling x4 of an original context of 128": {"qwen2.rope.scaling.type": "yarn",
			"qwen2.rope.scaling.factor": float32(4), "qwen2.rope.scaling.original_context_length": uint32(128)},
	} {
		path := testmodel.WithMetadata(t, testmodel.Tiny(t, "qwen2", "Q8_0"), meta)
		if _, out, _ := runInspectCmd("inspect", path); !strings.Contains(out, text) {
			t.Errorf("text output lacks %q:\n%s", text, out)
		}
	}
	gpt2 := filepath.Join(testref.Dir(t, "tokenizer"), "ggml-vocab-gpt-2.gguf")
	r := inspectJSON(t, gpt2, "--json")
	if r.Supported || !strings.Contains(r.Unsupported, `unsupported architecture "gpt2"`) {
		t.Errorf("gpt2 vocab file: supported %v, %q", r.Supported, r.Unsupported)
	}
}
