package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gollm/gollm/internal/testref"
)

// roundTripTexts are lossless for every tokenizer here: valid UTF-8 with
// no control-token text.
var roundTripTexts = []string{
	"",
	" ",
	"Hello, world!",
	"  leading and trailing spaces  ",
	"tabs\tand\nnewlines\r\n\n\n",
	"Ünïcödé façade naïve résumé",
	"日本語のテキストと中文文本，还有한국어",
	"emoji 😀👍🏽 🦙 family 👨‍👩‍👧 flags 🇫🇷",
	"digits 1234567890 3.14159 1,000,000",
	"code: func main() { fmt.Println(\"hi\") } // x += 1",
	"mixed\u00a0nbsp\u2003em space\u3000ideographic",
	"I'm you're we've they'll he'd IT'S",
	"Ελληνικά кириллица עברית العربية हिन्दी ไทย",
	"\u0301combining e\u0301 and zero\u200bwidth",
	"    indented\n        more\n",
}

func TestRoundTripReferenceVocabs(t *testing.T) {
	ref := testref.Dir(t)
	files, _ := filepath.Glob(filepath.Join(ref, "tokenizer", "*.gguf"))
	files = append(files, filepath.Join(ref, "models", "tiny-qwen2-s1-f32.gguf"))
	// (The tiny SPM models' truncated vocabularies lack "▁", so spaces fall
	// back to the bytes of "▁" and decode to it, as in llama.cpp.)
	for _, path := range files {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		tok, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range roundTripTexts {
			for _, special := range []bool{false, true} {
				ids := tok.Encode(s, special, false)
				if got := tok.Decode(ids); got != s {
					t.Errorf("%s: Decode(Encode(%q, %v)) = %q", filepath.Base(path), s, special, got)
				}
				// Streaming gives the same bytes, in valid pieces.
				d := tok.NewStreamDecoder()
				var sb strings.Builder
				for _, id := range ids {
					p := d.Write(id)
					if !utf8.ValidString(p) {
						t.Errorf("%s: stream emitted invalid %q for %q", filepath.Base(path), p, s)
					}
					sb.WriteString(p)
				}
				sb.WriteString(d.Flush())
				want := tok.Decode(ids)
				if tok.Kind() == "spm" && s != "" && len(ids) > 0 {
					want = " " + want // the stream keeps the space prefix
				}
				if sb.String() != want {
					t.Errorf("%s: stream %q, want %q", filepath.Base(path), sb.String(), want)
				}
			}
		}
		if tok.Kind() == "spm" {
			// Byte fallback keeps invalid UTF-8, as long as a bad lead byte
			// does not swallow part of a "▁" (it claims up to 4 bytes).
			s := "bad \xffxyz\xfe\xc3"
			if got := tok.Decode(tok.Encode(s, false, false)); got != s {
				t.Errorf("%s: invalid UTF-8 round trip: %q", filepath.Base(path), got)
			}
		}
	}
}

func TestSpecialTokensReference(t *testing.T) {
	ref := testref.Dir(t)
	tok, err := Open(filepath.Join(ref, "models", "tiny-qwen2-s1-f32.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	text := "<|im_start|>user\nHi<|im_end|>\n"
	ids := tok.Encode(text, false, true)
	start, _ := tok.TokenID("<|im_start|>")
	end, _ := tok.TokenID("<|im_end|>")
	if ids[0] != start || !contains(ids, end) {
		t.Errorf("control tokens not recognised: %v", ids)
	}
	if !tok.IsEOG(end) || !tok.IsEOG(tok.EOS()) || tok.IsEOG(start) {
		t.Errorf("EOG: im_end %v eos %v im_start %v", tok.IsEOG(end), tok.IsEOG(tok.EOS()), tok.IsEOG(start))
	}
	if plain := tok.Encode(text, false, false); contains(plain, start) || contains(plain, end) {
		t.Errorf("parseSpecial=false recognised control tokens: %v", plain)
	}
	if got := tok.Decode(ids); got != "user\nHi\n" {
		t.Errorf("Decode = %q", got)
	}
}

func contains(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
