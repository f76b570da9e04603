package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/quant"
	"github.com/gollm/gollm/quant/mix"
)

// compareGGUF reports how the GGUF file got differs from want: metadata,
// tensor order, types, shapes and bytes. It returns whether the files are
// byte-identical.
func compareGGUF(t *testing.T, got, want string) bool {
	t.Helper()
	a, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		return true
	}
	fa, err := gguf.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := gguf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.Metadata) != len(fb.Metadata) {
		t.Errorf("%d metadata keys, want %d", len(fa.Metadata), len(fb.Metadata))
	}
	for i := range min(len(fa.Metadata), len(fb.Metadata)) {
		ka, kb := fa.Metadata[i], fb.Metadata[i]
		if ka.Key != kb.Key || ka.Value.String() != kb.Value.String() {
			t.Errorf("metadata %d: %s=%s, want %s=%s", i, ka.Key, ka.Value, kb.Key, kb.Value)
		}
	}
	if len(fa.Tensors) != len(fb.Tensors) {
		t.Fatalf("%d tensors, want %d", len(fa.Tensors), len(fb.Tensors))
	}
	for i := range fa.Tensors {
		ta, tb := &fa.Tensors[i], &fb.Tensors[i]
		switch {
		case ta.Name != tb.Name:
			t.Errorf("tensor %d is %s, want %s", i, ta.Name, tb.Name)
		case ta.Type != tb.Type:
			t.Errorf("%s: type %s, want %s", ta.Name, ta.Type, tb.Type)
		case !bytes.Equal(fa.Data(ta), fb.Data(tb)):
			t.Errorf("%s (%s): bytes differ", ta.Name, ta.Type)
		}
	}
	t.Errorf("%s differs from %s", got, want)
	return false
}

// TestQuantizeMatchesLlamaQuantize quantizes the F32 reference model and
// compares the whole output file with the one llama-quantize wrote, then
// generates from it.
func TestQuantizeMatchesLlamaQuantize(t *testing.T) {
	in := testref.Model(t, "tiny-qwen2-s1-f32")
	dir := t.TempDir()
	for _, c := range []struct{ typ, ref string }{
		{"Q4_0", "tiny-qwen2-s1-q4_0"}, // llama-quantize --pure
		{"Q8_0", "tiny-qwen2-s1-q8_0"}, // --pure (the same as the mix here)
		{"Q4_K_M", "tiny-qwen2-s1-q4_k_m"},
	} {
		out := filepath.Join(dir, c.ref+".gguf")
		args := []string{"quantize", in, out, c.typ}
		if c.typ != "Q4_K_M" {
			args = append([]string{"quantize", "--pure"}, args[1:]...)
		}
		code, stdout, stderr := runCmd(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.Contains(stdout, "MiB -> ") || !strings.Contains(stdout, c.typ) {
			t.Errorf("summary line: %q", stdout)
		}
		if compareGGUF(t, out, testref.Model(t, c.ref)) {
			t.Logf("%s: byte-identical to llama-quantize's %s.gguf (%s)", c.typ, c.ref, strings.TrimSpace(stdout))
		}
		code, text, stderr := runCmd("run", "-m", out, "-p", "hi", "-n", "4", "--temp", "0", "-t", "2")
		if code != 0 || strings.TrimSpace(text) == "" {
			t.Errorf("run on %s: exit %d, output %q: %s", c.typ, code, text, stderr)
		}
	}
}

// TestQuantizeFromF16 quantizes the F16 phi3 model: the mix and the whole
// header (metadata and tensor infos) must equal llama-quantize's Q4_K_M
// file. The tensor bytes may not: that file was quantized from F32 weights
// that F16 rounds.
func TestQuantizeFromF16(t *testing.T) {
	in := testref.Model(t, "tiny-phi3-s2-f16")
	ref := testref.Model(t, "tiny-phi3-s2-q4_k_m")
	out := filepath.Join(t.TempDir(), "q.gguf")
	if code, _, stderr := runCmd("quantize", "-t", "2", in, out, "q4_k_m"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(ref)
	fa, err := gguf.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := gguf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if fa.DataOffset != fb.DataOffset || !bytes.Equal(a[:fa.DataOffset], b[:fb.DataOffset]) || len(a) != len(b) {
		t.Errorf("header or size differs from llama-quantize's (%d/%d header bytes, %d/%d file bytes)",
			fa.DataOffset, fb.DataOffset, len(a), len(b))
	}
}

// TestQuantizeRequantize converts a Q8_0 file to Q4_0: a warning, a file
// that loads.
func TestQuantizeRequantize(t *testing.T) {
	in := testref.Model(t, "tiny-qwen2-s1-q8_0")
	out := filepath.Join(t.TempDir(), "q.gguf")
	code, _, stderr := runCmd("quantize", in, out, "Q4_0")
	if code != 0 || !strings.Contains(stderr, "requantizing from Q8_0") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCmd("run", "-m", out, "-p", "hi", "-n", "2", "--temp", "0"); code != 0 {
		t.Errorf("run: %s", stderr)
	}
}

// writeUnsupportedGGUF writes a model whose matrix is IQ2_XXS, a type gollm
// cannot dequantize.
func writeUnsupportedGGUF(t *testing.T, path string) {
	t.Helper()
	fw, err := gguf.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const iq2xxs = quant.Type(16)
	fw.AddKV("general.architecture", gguf.MustValue("llama"))
	size, err := fw.AddTensor("blk.0.ffn_up.weight", iq2xxs, []uint64{256, 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteTensor("blk.0.ffn_up.weight", make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestQuantizeErrors checks one-line errors, the exit status and that
// nothing is left behind.
func TestQuantizeErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "iq2.gguf")
	writeUnsupportedGGUF(t, bad)
	out := filepath.Join(dir, "out.gguf")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{bad, out, "Q5_9"}, "valid: Q4_0, Q4_1"},
		{[]string{filepath.Join(dir, "missing.gguf"), out, "Q8_0"}, "no such file"},
		{[]string{bad, filepath.Join(dir, "no", "dir", "out.gguf"), "F16"}, "unsupported source type"},
		{[]string{bad, out, "Q8_0"}, "IQ2_XXS (unsupported source type)"},
		{[]string{bad, bad, "Q8_0"}, "is the input file"},
		{[]string{bad, out}, "want IN.gguf OUT.gguf TYPE"},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(append([]string{"quantize"}, c.args...)...)
		if want := map[bool]int{true: 2, false: 1}[strings.HasPrefix(c.want, "want")]; code != want || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", c.args, code, stderr, c.want)
		}
	}
	// An unwritable output directory fails before any work.
	in := testref.Model(t, "tiny-qwen2-s1-q4_0")
	code, _, stderr := runCmd("quantize", in, filepath.Join(dir, "no", "dir", "out.gguf"), "Q8_0")
	if code != 1 || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("unwritable output: exit %d, %q", code, stderr)
	}
	// An interrupted run removes its temporary file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ft, _ := mix.ParseFileType("Q8_0")
	if _, err := quantizeModel(ctx, in, out, ft, quantizeOptions{}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled run: err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
}

// TestQuantizeFloatTypes converts F32 to F16 (every tensor must equal the
// reference F16 file's, written by llama.cpp's converter) and to BF16, and
// BF16 on to Q8_0 (a float source: no requantization warning).
func TestQuantizeFloatTypes(t *testing.T) {
	in := testref.Model(t, "tiny-qwen2-s1-f32")
	dir := t.TempDir()
	f16, bf16, q8 := filepath.Join(dir, "f16.gguf"), filepath.Join(dir, "bf16.gguf"), filepath.Join(dir, "q8.gguf")
	for _, args := range [][]string{{in, f16, "F16"}, {in, bf16, "bf16"}, {bf16, q8, "Q8_0"}} {
		code, _, stderr := runCmd(append([]string{"quantize"}, args...)...)
		if code != 0 || strings.Contains(stderr, "warning") {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	got, err := gguf.Open(f16)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	ref, err := gguf.Open(testref.Model(t, "tiny-qwen2-s1-f16"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for i := range got.Tensors {
		g := &got.Tensors[i]
		r, ok := ref.Tensor(g.Name)
		if !ok || r.Type != g.Type || !bytes.Equal(got.Data(g), ref.Data(r)) {
			t.Errorf("%s (%s) differs from the reference F16 file", g.Name, g.Type)
		}
	}
	b, err := gguf.Open(bf16)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if ft, _ := b.Int("general.file_type"); ft != 32 {
		t.Errorf("BF16 file: general.file_type %d, want 32", ft)
	}
	if code, _, stderr := runCmd("run", "-m", q8, "-p", "hi", "-n", "2", "--temp", "0"); code != 0 {
		t.Errorf("run on BF16->Q8_0: %s", stderr)
	}
}
