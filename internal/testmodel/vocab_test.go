package testmodel

import (
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/model/tokenizer"
)

func openTokenizer(t *testing.T, arch string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Open(Tiny(t, arch, "Q8_0"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenizerRoundTrip(t *testing.T) {
	texts := []string{
		"Hello world, the quick brown fox jumps over the lazy dog.",
		"  leading spaces and trailing  ",
		"digits 0123456789 and punctuation !?;:'\"()[]{}<>",
		"unicode: héllo wörld — 日本語 😀 \t tab\nnewline",
		"",
	}
	for _, arch := range testArchs {
		tok := openTokenizer(t, arch)
		if tok.VocabSize() != Presets["tiny-"+arch].NVocab {
			t.Fatalf("%s: vocabulary of %d tokens", arch, tok.VocabSize())
		}
		for _, text := range texts {
			ids := tok.Encode(text, false, false)
			if got := tok.Decode(ids); got != text {
				t.Errorf("%s: round trip of %q gave %q (ids %v)", arch, text, got, ids)
			}
		}
		ids := tok.Encode("the theory", false, false)
		if len(ids) >= len("the theory") {
			t.Errorf("%s: %q did not merge: %v", arch, "the theory", ids)
		}
		if !tok.IsEOG(tok.EOS()) {
			t.Errorf("%s: EOS %d is not end of generation", arch, tok.EOS())
		}
	}
}

// TestTokensReachable checks that every merged token or piece is the
// encoding of its own text.
func TestTokensReachable(t *testing.T) {
	for _, arch := range testArchs {
		tok := openTokenizer(t, arch)
		spm := tok.Kind() == "spm"
		checked := 0
		for id := int32(0); int(id) < tok.VocabSize(); id++ {
			if tok.IsControl(id) {
				continue
			}
			text := tok.Piece(id, false)
			if spm && (len(tok.TokenText(id)) == 6 && tok.TokenText(id)[:3] == "<0x" || id == 0) {
				continue // byte tokens and <unk>
			}
			if !spm && id < 256 {
				continue
			}
			if spm {
				// Without the space prefix, "▁word" is encoded from " word".
				if len(text) == 0 || text[0] != ' ' {
					continue
				}
			}
			ids := tok.Encode(text, false, false)
			if spm && len(ids) == 2 && tok.TokenText(ids[0]) == "▁" {
				ids = ids[1:] // the added space prefix
			}
			if len(ids) != 1 || ids[0] != id {
				t.Errorf("%s: token %d %q encodes as %v", arch, id, text, ids)
			}
			checked++
		}
		if checked < 50 {
			t.Errorf("%s: only %d tokens checked", arch, checked)
		}
	}
}

func TestVocabLayout(t *testing.T) {
	for _, arch := range testArchs {
		f, err := gguf.Open(Tiny(t, arch, "Q8_0"))
		if err != nil {
			t.Fatal(err)
		}
		toks, _ := f.Strings("tokenizer.ggml.tokens")
		types, _ := f.Int32s("tokenizer.ggml.token_type")
		n := len(toks)
		model, _ := f.String("tokenizer.ggml.model")
		var controls []string
		if model == "gpt2" {
			controls = bpeControls
			merges, _ := f.Strings("tokenizer.ggml.merges")
			if len(merges) != n-256-len(controls) {
				t.Errorf("%s: %d merges for %d tokens", arch, len(merges), n)
			}
			if toks[0] != "!" || toks[255] == "" {
				t.Errorf("%s: byte tokens out of GPT-2 order: %q", arch, toks[:4])
			}
		} else {
			controls = spmControls
			if toks[0] != "<unk>" || toks[1] != "<s>" || toks[2] != "</s>" || toks[3] != "<0x00>" || types[3] != typeByte {
				t.Errorf("%s: SPM prefix %q %v", arch, toks[:4], types[:4])
			}
		}
		for i, c := range controls {
			j := n - len(controls) + i
			if toks[j] != c || types[j] != typeControl {
				t.Errorf("%s: token %d is %q type %d, want control %q", arch, j, toks[j], types[j], c)
			}
		}
		f.Close()
	}
}
