package tokenizer

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollm/gollm/internal/testref"
)

var fuzzPres = []string{"gpt-2", "llama-bpe", "qwen2", "qwen35", "gpt-4o", "deepseek-coder", "deepseek-llm", "falcon", "default", "smollm"}

// FuzzEncode checks that encoding never panics, that every pre-tokenizer
// covers its input exactly, and that decoding restores valid UTF-8 input
// (byte-level BPE is lossless; the small SPM vocabulary too, away from its
// user-defined token).
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Hello world", "I'm 12345 \r\n\n  x", "日本語 한국어 😀👍🏽", "a\xffb\xc3", "<|im_start|>hi<|im_end|>",
		"'S 'll 'RE", "\u00a0\u3000 \t", "ab c<|u|>d", "1,000.5e-3", "\u0301\u200b"} {
		f.Add(s)
	}
	var bpes []*Tokenizer
	for _, pre := range fuzzPres {
		cfg := bpeConfig(pre)
		cfg.IgnoreMerges = pre == "llama-bpe"
		bpes = append(bpes, mustNew(f, cfg))
	}
	spm := mustNew(f, spmConfig())
	f.Fuzz(func(t *testing.T, s string) {
		r := decodeRunes(s, nil)
		c := make([]uint8, len(r))
		for i, x := range r {
			c[i] = classify(x)
		}
		for _, pre := range fuzzPres {
			total := 0
			for _, n := range preTokenizers[pre].split(r, c) {
				if n <= 0 {
					t.Fatalf("%s: empty piece for %q", pre, s)
				}
				total += n
			}
			if total != len(r) {
				t.Fatalf("%s: pieces cover %d of %d runes of %q", pre, total, len(r), s)
			}
		}
		valid := utf8.ValidString(s)
		for i, tok := range bpes {
			for _, special := range []bool{false, true} {
				ids := tok.Encode(s, special, special)
				if valid && !special {
					if got := tok.Decode(ids); got != s {
						t.Fatalf("%s: Decode(Encode(%q)) = %q", fuzzPres[i], s, got)
					}
				}
			}
		}
		ids := spm.Encode(s, true, true)
		if valid && !strings.Contains(s, "<|u|>") {
			if got := spm.Decode(spm.Encode(s, false, false)); got != s {
				t.Fatalf("spm: Decode(Encode(%q)) = %q", s, got)
			}
		}
		d := spm.NewStreamDecoder()
		for _, id := range ids {
			d.Write(id)
		}
		d.Flush()
	})
}

// benchText is a varied prompt of a few thousand tokens.
func benchText() string {
	para := "The quick brown fox jumps over the lazy dog. It's 2024-06-01 and 3.14159 is π; " +
		"naïve café résumé — 日本語のテキスト, 中文文本 and 한국어. Emoji: 😀👍🏽🦙.\n" +
		"func main() {\n\tfmt.Println(\"hello, world\")  // comment\n}\n\n"
	return strings.Repeat(para, 60)
}

func benchEncode(b *testing.B, tok *Tokenizer) {
	text := benchText()
	n := len(tok.Encode(text, true, true))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.Encode(text, true, true)
	}
	b.ReportMetric(float64(n), "tokens/op")
}

func BenchmarkEncode(b *testing.B) {
	b.Run("bpe-inmemory", func(b *testing.B) { benchEncode(b, mustNew(b, bpeConfig("qwen2"))) })
	b.Run("spm-inmemory", func(b *testing.B) { benchEncode(b, mustNew(b, spmConfig())) })
	ref := testref.Dir(b)
	for _, name := range []string{"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-deepseek-coder.gguf"} {
		tok, err := Open(filepath.Join(ref, "tokenizer", name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(strings.TrimPrefix(name, "ggml-vocab-"), ".gguf"), func(b *testing.B) { benchEncode(b, tok) })
	}
}

func BenchmarkDecode(b *testing.B) {
	tok := mustNew(b, bpeConfig("qwen2"))
	ids := tok.Encode(benchText(), false, false)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := tok.NewStreamDecoder()
		for _, id := range ids {
			d.Write(id)
		}
	}
}
