package grammar

import (
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/model"
)

var (
	benchVocabOnce sync.Once
	benchVocab     *Vocab
	benchEnd       []int32
)

// qwenSizeVocab returns the vocabulary of a generated model with Qwen2's
// 151,936 tokens (synthetic byte-level BPE tokens, mostly letters).
func qwenSizeVocab(b *testing.B) (*Vocab, []int32) {
	benchVocabOnce.Do(func() {
		s := testmodel.Spec{Arch: "qwen2", NEmbd: 64, NLayer: 1, NHead: 2, NHeadKV: 1, NFF: 64, NVocab: 151936,
			Tied: true, QKVBias: true, Tokenizer: testmodel.BPE, Pre: "qwen2", Seed: 1}
		path := filepath.Join(b.TempDir(), "vocab.gguf")
		if err := testmodel.Write(path, s, "Q8_0"); err != nil {
			b.Fatal(err)
		}
		m, err := model.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		tk := m.Tokenizer
		pieces := make([]string, tk.VocabSize())
		for id := range pieces {
			if tk.IsEOG(int32(id)) {
				benchEnd = append(benchEnd, int32(id))
			} else {
				pieces[id] = tk.Piece(int32(id), false)
			}
		}
		if benchVocab, err = NewVocab(pieces); err != nil {
			b.Fatal(err)
		}
	})
	return benchVocab, benchEnd
}

// BenchmarkMask times one mask of a 151,936-token vocabulary after the
// text prefix, with warm transition tables: inside a JSON string (nearly
// every token can continue it), after an object's opening brace (few
// tokens can: most subtrees are skipped at their first byte), inside a
// number, and inside strings whose every character leads to a new state:
// a string of bounded length, a date, a pattern.
func BenchmarkMask(b *testing.B) {
	v, end := qwenSizeVocab(b)
	g, err := FromJSONSchema([]byte(`{"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "number"}, "city": {"type": "string", "maxLength": 40}, "d": {"type": "string", "format": "date"}, "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9a-z_ ]{5,30}$"}}, "required": ["name", "n", "city", "d", "code"]}`))
	if err != nil {
		b.Fatal(err)
	}
	logits := make([]float32, v.Size())
	for _, c := range []struct{ name, prefix string }{
		{"in-string", `{"name": "abc`},
		{"after-brace", `{`},
		{"in-number", `{"name": "x", "n": 12`},
		{"in-bounded-string", `{"name": "x", "n": 12, "city": "Os`},
		{"near-string-bound", `{"name": "x", "n": 12, "city": "Llanfairpwllgwyngyllgogerychwyrndrob`},
		{"in-date", `{"name": "x", "n": 12, "city": "Oslo", "d": "2024-`},
		{"in-pattern", `{"name": "x", "n": 12, "city": "Oslo", "d": "2024-02-29", "code": "NO12`},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := g.NewMatcher(v, end)
			if err := m.AcceptBytes(c.prefix); err != nil {
				b.Fatal(err)
			}
			clear(logits)
			m.Mask(logits)
			allowed := 0
			for _, l := range logits {
				if !math.IsInf(float64(l), -1) {
					allowed++
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Mask(logits)
			}
			b.ReportMetric(float64(allowed), "allowed-tokens")
		})
	}
}
