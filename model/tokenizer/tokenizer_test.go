package tokenizer

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
)

// spmConfig is a small SentencePiece vocabulary: <unk> <s> </s>, the 256
// byte tokens, then pieces with scores.
func spmConfig() Config {
	cfg := Config{Model: "llama", BOS: 1, EOS: 2, EOT: NoToken, EOM: NoToken, UNK: 0, PAD: NoToken,
		AddBOS: true, AddSpacePrefix: true}
	add := func(s string, score float32, typ int32) {
		cfg.Tokens = append(cfg.Tokens, s)
		cfg.Scores = append(cfg.Scores, score)
		cfg.Types = append(cfg.Types, typ)
	}
	add("<unk>", 0, TypeUnknown)
	add("<s>", 0, TypeControl)
	add("</s>", 0, TypeControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, TypeByte)
	}
	for _, p := range []struct {
		s     string
		score float32
	}{{"▁", -1}, {"a", -1}, {"b", -1}, {"c", -1}, {"▁a", -2}, {"ab", -3}, {"▁ab", -0.5}, {"▁c", -4}, {"▁▁", -5}} {
		add(p.s, p.score, TypeNormal)
	}
	add("<|u|>", 0, TypeUserDefined)
	add("<|c|>", 0, TypeControl)
	return cfg
}

// bpeConfig is a small byte-level BPE vocabulary: the 256 byte runes, a few
// merges, and ChatML control tokens.
func bpeConfig(pre string) Config {
	cfg := Config{Model: "gpt2", Pre: pre, BOS: NoToken, EOS: NoToken, EOT: NoToken, EOM: NoToken, UNK: NoToken, PAD: NoToken}
	for b := 0; b < 256; b++ {
		cfg.Tokens = append(cfg.Tokens, byteToUnicode[b])
	}
	cfg.Merges = []string{"h e", "he l", "hel l", "hell o", "Ġ w", "Ġw o", "a a", "Ġ Ġ"}
	cfg.Tokens = append(cfg.Tokens, "he", "hel", "hell", "hello", "Ġw", "Ġwo", "aa", "ĠĠ",
		"<|endoftext|>", "<|im_start|>", "<|im_end|>")
	cfg.Types = make([]int32, len(cfg.Tokens))
	for i := range cfg.Types {
		cfg.Types[i] = TypeNormal
	}
	n := len(cfg.Tokens)
	cfg.Types[n-1], cfg.Types[n-2], cfg.Types[n-3] = TypeControl, TypeControl, TypeControl
	cfg.EOS = int32(n - 3)
	return cfg
}

func mustNew(t testing.TB, cfg Config) *Tokenizer {
	t.Helper()
	tok, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func texts(tok *Tokenizer, ids []int32) []string {
	var s []string
	for _, id := range ids {
		s = append(s, tok.TokenText(id))
	}
	return s
}

func TestSPMEncode(t *testing.T) {
	tok := mustNew(t, spmConfig())
	if tok.Kind() != "spm" || !tok.AddBOS() || tok.BOS() != 1 || tok.EOS() != 2 {
		t.Fatalf("kind %s addBOS %v bos %d eos %d", tok.Kind(), tok.AddBOS(), tok.BOS(), tok.EOS())
	}
	for _, tc := range []struct {
		text    string
		special bool
		want    []string
	}{
		{"ab c", false, []string{"▁ab", "▁c"}},
		{"ab c", true, []string{"<s>", "▁ab", "▁c"}},
		{"", true, []string{"<s>"}},
		{"", false, nil},
		{"cé", false, []string{"▁c", "<0xC3>", "<0xA9>"}},
		{"  a", false, []string{"▁▁", "▁a"}},
	} {
		got := texts(tok, tok.Encode(tc.text, tc.special, false))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Encode(%q, %v) = %q, want %q", tc.text, tc.special, got, tc.want)
		}
	}
}

func TestSpecialTokens(t *testing.T) {
	tok := mustNew(t, spmConfig())
	// User-defined tokens are always split out; control tokens only with
	// parseSpecial. Text after a special token gets the space prefix.
	got := texts(tok, tok.Encode("a<|u|>b<|c|>c", false, false))
	want := []string{"▁a", "<|u|>", "▁", "b", "<0x3C>", "<0x7C>", "c", "<0x7C>", "<0x3E>", "c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseSpecial=false: %q, want %q", got, want)
	}
	got = texts(tok, tok.Encode("a<|u|>b<|c|>c", false, true))
	want = []string{"▁a", "<|u|>", "▁", "b", "<|c|>", "▁c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseSpecial=true: %q, want %q", got, want)
	}
	if d := tok.Decode(tok.Encode("a<|c|>c", true, true)); d != "a c" {
		t.Errorf("Decode hides control tokens: %q", d)
	}

	// Longest token first; Phi-3's right strip of following white space.
	cfg := bpeConfig("gpt-2")
	cfg.Tokens = append(cfg.Tokens, "<|im_start|>x")
	cfg.Types = append(cfg.Types, TypeControl)
	cfg.Name = "Phi3-mini"
	tok = mustNew(t, cfg)
	got = texts(tok, tok.Encode("<|im_start|>x<|im_start|>  \nhello<|endoftext|> hello", false, true))
	want = []string{"<|im_start|>x", "<|im_start|>", "hello", "<|endoftext|>", "Ġ", "hello"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("partition: %q, want %q", got, want)
	}
}

func TestBPEEncode(t *testing.T) {
	tok := mustNew(t, bpeConfig("gpt-2"))
	if tok.Kind() != "bpe" || tok.Pre() != "gpt-2" || tok.AddBOS() {
		t.Fatalf("kind %s pre %s addBOS %v", tok.Kind(), tok.Pre(), tok.AddBOS())
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"hello world", []string{"hello", "Ġwo", "r", "l", "d"}},
		{"aaa", []string{"aa", "a"}},
		{"   x", []string{"ĠĠ", "Ġ", "x"}},
		{"é", []string{"Ã", "©"}},
		{"<|im_end|>", []string{"<", "|", "i", "m", "_", "e", "n", "d", "|", ">"}},
	} {
		got := texts(tok, tok.Encode(tc.text, true, false))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Encode(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	ids := tok.Encode("<|im_start|>hello<|im_end|>", false, true)
	if got := texts(tok, ids); !reflect.DeepEqual(got, []string{"<|im_start|>", "hello", "<|im_end|>"}) {
		t.Errorf("ChatML: %q", got)
	}
	if !tok.IsEOG(ids[2]) || tok.IsEOG(ids[1]) || !tok.IsEOG(tok.EOS()) {
		t.Errorf("IsEOG wrong")
	}
	if tok.EOT() != ids[2] && tok.EOT() != tok.EOS() {
		t.Errorf("EOT = %d", tok.EOT())
	}
	s := "hello wörld 😀 aaa\n\t"
	if d := tok.Decode(tok.Encode(s, true, false)); d != s {
		t.Errorf("round trip %q -> %q", s, d)
	}
}

func TestIgnoreMerges(t *testing.T) {
	cfg := bpeConfig("llama-bpe")
	// "ab" is a token but no merge makes it; Llama 3 takes the whole word.
	cfg.Tokens = append(cfg.Tokens, "ab")
	cfg.Types = append(cfg.Types, TypeNormal)
	cfg.IgnoreMerges = true
	tok := mustNew(t, cfg)
	if got := texts(tok, tok.Encode("ab", false, false)); !reflect.DeepEqual(got, []string{"ab"}) {
		t.Errorf("ignore merges: %q", got)
	}
	cfg.IgnoreMerges = false
	tok = mustNew(t, cfg)
	if got := texts(tok, tok.Encode("ab", false, false)); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("merges: %q", got)
	}
}

func TestStreamDecoder(t *testing.T) {
	tok := mustNew(t, spmConfig())
	s := "a😀é c"
	ids := tok.Encode(s, false, false)
	d := tok.NewStreamDecoder()
	var sb strings.Builder
	for _, id := range ids {
		out := d.Write(id)
		if !isValidUTF8(out) {
			t.Errorf("Write emitted a partial sequence %q", out)
		}
		sb.WriteString(out)
	}
	sb.WriteString(d.Flush())
	if sb.String() != " "+s {
		t.Errorf("stream = %q, want %q", sb.String(), " "+s)
	}
	// A dangling lead byte comes out on Flush.
	d = tok.NewStreamDecoder()
	c3, _ := tok.TokenID("<0xC3>")
	if out := d.Write(c3); out != "" {
		t.Errorf("partial sequence emitted: %q", out)
	}
	if out := d.Flush(); out != "\xc3" {
		t.Errorf("Flush = %q", out)
	}
	// An invalid byte is not held back.
	ff, _ := tok.TokenID("<0xFF>")
	if out := d.Write(ff); out != "\xff" {
		t.Errorf("invalid byte: %q", out)
	}
	// Control tokens are rendered only on request.
	d.Special = true
	if out := d.Write(tok.EOS()); out != "</s>" {
		t.Errorf("special: %q", out)
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"unknown model", func(c *Config) { c.Model = "bert" }, `"bert"`},
		{"unknown pre", func(c *Config) { c.Model, c.Pre = "gpt2", "nonesuch" }, `"nonesuch"`},
		{"scores length", func(c *Config) { c.Scores = c.Scores[:3] }, "scores"},
		{"types length", func(c *Config) { c.Types = c.Types[:3] }, "token types"},
		{"bos range", func(c *Config) { c.BOS = 100000 }, "bos"},
		{"eos range", func(c *Config) { c.EOS = -7 }, "eos"},
		{"add bos", func(c *Config) { c.BOS = NoToken }, "BOS"},
		{"duplicate", func(c *Config) { c.Tokens[5] = c.Tokens[6] }, "duplicate"},
		{"empty", func(c *Config) { c.Tokens, c.Scores, c.Types = nil, nil, nil }, "empty"},
	} {
		cfg := spmConfig()
		tc.edit(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %s", tc.name, err, tc.want)
		}
	}
	// A merge rule without a space is ignored, as llama.cpp does.
	cfg := bpeConfig("gpt-2")
	cfg.Merges = append([]string{"nospace", ""}, cfg.Merges...)
	if tok, err := New(cfg); err != nil || len(tok.Encode("hello", false, false)) != 1 {
		t.Errorf("malformed merge: %v", err)
	}
}

// writeGGUF builds an in-memory GGUF file holding kv.
func writeGGUF(t *testing.T, kv [][2]any) *gguf.File {
	t.Helper()
	var buf bytes.Buffer
	w := gguf.NewWriter(&buf)
	for _, p := range kv {
		if err := w.AddKV(p[0].(string), gguf.MustValue(p[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFromGGUF(t *testing.T) {
	spm := spmConfig()
	base := [][2]any{
		{"general.name", "tiny"},
		{"tokenizer.ggml.model", "llama"},
		{"tokenizer.ggml.tokens", spm.Tokens},
		{"tokenizer.ggml.scores", spm.Scores},
		{"tokenizer.ggml.token_type", spm.Types},
	}
	tok, err := FromGGUF(writeGGUF(t, base))
	if err != nil {
		t.Fatal(err)
	}
	// llama.cpp's SPM defaults: BOS 1, EOS 2, add BOS, space prefix.
	if tok.BOS() != 1 || tok.EOS() != 2 || !tok.AddBOS() || tok.Decode(tok.Encode("ab c", true, false)) != "ab c" {
		t.Errorf("defaults: bos %d eos %d addBOS %v", tok.BOS(), tok.EOS(), tok.AddBOS())
	}
	with := func(extra ...[2]any) [][2]any { return append(append([][2]any(nil), base...), extra...) }
	tok, err = FromGGUF(writeGGUF(t, with([2]any{"tokenizer.ggml.add_bos_token", false},
		[2]any{"tokenizer.ggml.add_space_prefix", false}, [2]any{"tokenizer.ggml.eos_token_id", uint32(5)})))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AddBOS() || tok.EOS() != 5 || !tok.IsEOG(5) {
		t.Errorf("metadata overrides ignored")
	}
	if got := texts(tok, tok.Encode("ab", true, false)); !reflect.DeepEqual(got, []string{"ab"}) {
		t.Errorf("no space prefix: %q", got)
	}

	// Special token ids outside the vocabulary are ignored with a warning,
	// as llama.cpp does: the default stays (BOS 1), an id without a
	// default is none. Converters write 4294967295 (-1) for "none".
	if len(tok.Warnings()) != 0 {
		t.Errorf("warnings for a clean file: %q", tok.Warnings())
	}
	tok, err = FromGGUF(writeGGUF(t, with([2]any{"tokenizer.ggml.bos_token_id", uint32(99999)},
		[2]any{"tokenizer.ggml.padding_token_id", uint32(4294967295)}, [2]any{"tokenizer.ggml.eot_token_id", int32(-1)})))
	if err != nil {
		t.Fatal(err)
	}
	if tok.BOS() != 1 || tok.EOT() != NoToken || !tok.AddBOS() {
		t.Errorf("out-of-vocabulary ids: bos %d eot %d", tok.BOS(), tok.EOT())
	}
	want := []string{
		"tokenizer.ggml.bos_token_id = 99999 is outside the vocabulary of 270; ignored (the default id 1 stays)",
		"tokenizer.ggml.eot_token_id = -1 is outside the vocabulary of 270; ignored (no such token)",
		"tokenizer.ggml.padding_token_id = 4294967295 is outside the vocabulary of 270; ignored (no such token)",
	}
	if got := tok.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", got, want)
	}

	for _, tc := range []struct {
		name string
		kv   [][2]any
		want string
	}{
		{"no model", base[2:], "tokenizer.ggml.model"},
		{"unknown model", [][2]any{{"tokenizer.ggml.model", "rwkv"}, {"tokenizer.ggml.tokens", spm.Tokens}}, `"rwkv"`},
		{"unknown pre", [][2]any{{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.pre", "xyz"},
			{"tokenizer.ggml.tokens", []string{"a", "b"}}, {"tokenizer.ggml.merges", []string{"a b"}}}, `"xyz"`},
		{"no merges", [][2]any{{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.tokens", []string{"a"}}}, "merges"},
		{"short scores", [][2]any{{"tokenizer.ggml.model", "llama"}, {"tokenizer.ggml.tokens", spm.Tokens},
			{"tokenizer.ggml.scores", []float32{1}}}, "scores"},
		{"wrong type", with([2]any{"tokenizer.ggml.add_bos_token", "yes"}), "add_bos_token"},
	} {
		_, err := FromGGUF(writeGGUF(t, tc.kv))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %s", tc.name, err, tc.want)
		}
	}
}

func TestSPMWithoutByteTokens(t *testing.T) {
	cfg := Config{Model: "llama", Tokens: []string{"<unk>", "<s>", "</s>", "▁", "a"},
		Types: []int32{TypeUnknown, TypeControl, TypeControl, TypeNormal, TypeNormal},
		BOS:   1, EOS: 2, EOT: NoToken, EOM: NoToken, UNK: 0, PAD: NoToken, AddSpacePrefix: true}
	tok := mustNew(t, cfg)
	if got := tok.Encode("aé", false, false); !reflect.DeepEqual(got, []int32{3, 4, 0, 0}) {
		t.Errorf("with UNK: %v", got)
	}
	cfg.UNK = NoToken
	tok = mustNew(t, cfg)
	if got := tok.Encode("aé", false, false); !reflect.DeepEqual(got, []int32{3, 4}) {
		t.Errorf("without UNK: %v", got)
	}
	if tok.VocabSize() != 5 || tok.Pre() != "" || tok.IsControl(4) || !tok.IsControl(2) {
		t.Errorf("accessors: size %d pre %q", tok.VocabSize(), tok.Pre())
	}
	if tok.TokenText(-1) != "" || tok.TokenText(5) != "" || tok.Piece(99, true) != "" || tok.Decode([]int32{-5, 99}) != "" {
		t.Errorf("out-of-range ids not ignored")
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok := mustNew(t, bpeConfig("qwen2"))
	inputs := []string{"hello world", "aaa aaa hello", "<|im_start|>x<|im_end|>", "日本 😀 123"}
	want := make([][]int32, len(inputs))
	for i, s := range inputs {
		want[i] = tok.Encode(s, true, true)
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for n := 0; n < 200; n++ {
				i := (g + n) % len(inputs)
				if got := tok.Encode(inputs[i], true, true); !reflect.DeepEqual(got, want[i]) {
					done <- fmt.Errorf("goroutine %d: %q gave %v, want %v", g, inputs[i], got, want[i])
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestFIMTokens(t *testing.T) {
	cfg := bpeConfig("qwen2")
	for _, s := range []string{"<|fim_prefix|>", "<|fim_pad|>", "<|user_tok|>"} {
		cfg.Tokens = append(cfg.Tokens, s)
		cfg.Types = append(cfg.Types, TypeUserDefined)
	}
	tok := mustNew(t, cfg)
	pre, _ := tok.TokenID("<|fim_prefix|>")
	pad, _ := tok.TokenID("<|fim_pad|>")
	user, _ := tok.TokenID("<|user_tok|>")
	// llama.cpp turns FIM tokens into control tokens; pad, repo and file
	// separator also end generation.
	if !tok.IsControl(pre) || !tok.IsControl(pad) || tok.IsControl(user) || tok.IsEOG(pre) || !tok.IsEOG(pad) {
		t.Errorf("FIM attributes wrong")
	}
	text := "<|fim_prefix|>a<|user_tok|>"
	if got := tok.Encode(text, false, false); contains(got, pre) || !contains(got, user) {
		t.Errorf("parseSpecial=false: %v", got)
	}
	if got := tok.Encode(text, false, true); got[0] != pre || !contains(got, user) {
		t.Errorf("parseSpecial=true: %v", got)
	}
}
