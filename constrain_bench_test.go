package gollm_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/sampler"
)

// benchSchema is a typical extraction schema: strings (free, of bounded
// length, with a pattern, a date), an enum, numbers, an array and a
// nested object.
const benchSchema = `{"type": "object", "properties": {
  "name": {"type": "string", "maxLength": 40}, "email": {"type": "string", "pattern": "^[a-z0-9._-]{1,24}@[a-z0-9-]{1,16}\\.[a-z]{2,6}$"},
  "born": {"type": "string", "format": "date"}, "note": {"type": "string"},
  "level": {"enum": ["debug", "info", "warn", "error"]},
  "score": {"type": "number"}, "count": {"type": "integer", "minimum": 0},
  "tags": {"type": "array", "items": {"type": "string"}},
  "where": {"type": "object", "properties": {"city": {"type": "string"}, "lat": {"type": "number"}}, "required": ["city", "lat"]}},
  "required": ["name", "email", "born", "note", "level", "score", "count", "tags", "where"]}`

// BenchmarkGrammarOverhead measures what a JSON Schema costs per token
// next to the decode step, in one run on the same tokens: it decodes with
// the model given by GOLLM_BENCH_MODEL (skipped without it; the Qwen2.5-0.5B
// shape of docs/benchmarks.md has a 151,936-token vocabulary) and, at each
// step, times an unconstrained draw (Sample) and then the generate loop's
// grammar step (SampleConstrained + Matcher.Accept) on the same logits,
// for llama.cpp's default sampling chain and for temperature-only
// sampling. It reports decode-ms/token, grammar-ms/token (constrained
// minus unconstrained sampling, plus accept), grammar-%-of-decode, and
// how often the vocabulary was masked (masks/token) at what cost
// (ms/mask). Random weights are the hard case: most of their draws are
// rejected wherever the grammar allows few tokens.
//
// On a busy machine wall time charges other processes' time slices to
// whichever side they interrupt, so on Linux it also reports CPU time:
// grammar-cpu-ms/token (the grammar step's thread) against
// decode-cpu-ms/token (every thread of the decode step, divided by the
// threads, which is what the step would take on idle cores at best), and
// their ratio grammar-cpu-%-of-decode.
//
//	GOLLM_BENCH_MODEL=qwen05-q4_0.gguf go test -run '^$' -bench GrammarOverhead -benchtime 2x .
func BenchmarkGrammarOverhead(b *testing.B) {
	m := loadBenchModel(b)
	g, err := grammar.FromJSONSchema([]byte(benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	tk := m.Engine().Tokenizer
	pieces := make([]string, tk.VocabSize())
	var eog []int32
	for id := range pieces {
		if tk.IsEOG(int32(id)) {
			eog = append(eog, int32(id))
		} else {
			pieces[id] = tk.Piece(int32(id), false)
		}
	}
	v, err := grammar.NewVocab(pieces)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts sampler.Options
	}{
		{"default-chain", sampler.DefaultOptions()},
		{"temperature-only", sampler.Options{Temperature: 1, TopP: 1, RepeatPenalty: 1}},
	} {
		b.Run(c.name, func(b *testing.B) {
			const tokens = 128
			threads := runtime.NumCPU()
			runtime.LockOSThread() // for threadCPU
			defer runtime.UnlockOSThread()
			var decode, constrained, plain, masking time.Duration
			var decodeCPU, grammarCPU time.Duration
			steps, masks := 0, 0
			for i := range b.N {
				s, err := m.NewSession(gollm.SessionOptions{ContextSize: 512, Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				es := s.Engine()
				o := c.opts
				o.Seed = uint64(i + 1)
				smp, _ := sampler.New(o, tk.VocabSize())
				ref, _ := sampler.New(o, tk.VocabSize())
				gm := &timedMatcher{Matcher: g.NewMatcher(v, eog)}
				logits, err := es.Prefill(m.Tokenize("Extract the record as JSON:", true))
				if err != nil {
					b.Fatal(err)
				}
				for range tokens {
					if gm.Done() {
						break
					}
					c0, t0 := threadCPU(), time.Now()
					ref.Sample(logits)
					c1, t1 := threadCPU(), time.Now()
					id := smp.SampleConstrained(logits, gm)
					if err := gm.Accept(id); err != nil {
						b.Fatal(err)
					}
					c2, t2, p2 := threadCPU(), time.Now(), processCPU()
					if logits, err = es.Decode(id); err != nil {
						b.Fatal(err)
					}
					decode += time.Since(t2)
					decodeCPU += processCPU() - p2
					grammarCPU += (c2 - c1) - (c1 - c0)
					plain += t1.Sub(t0)
					constrained += t2.Sub(t1)
					steps++
				}
				masks += gm.masks
				masking += gm.took
				s.Close()
			}
			ms := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / 1000 / float64(max(n, 1)) }
			b.ReportMetric(ms(decode, steps), "decode-ms/token")
			b.ReportMetric(ms(constrained-plain, steps), "grammar-ms/token")
			b.ReportMetric(100*float64(constrained-plain)/float64(decode), "grammar-%-of-decode")
			b.ReportMetric(float64(masks)/float64(steps), "masks/token")
			b.ReportMetric(ms(masking, masks), "ms/mask")
			if cpuClocks {
				decodeCPU /= time.Duration(threads)
				b.ReportMetric(ms(decodeCPU, steps), "decode-cpu-ms/token")
				b.ReportMetric(ms(grammarCPU, steps), "grammar-cpu-ms/token")
				b.ReportMetric(100*float64(grammarCPU)/float64(decodeCPU), "grammar-cpu-%-of-decode")
			}
		})
	}
}

// timedMatcher counts and times the vocabulary masks.
type timedMatcher struct {
	*grammar.Matcher
	masks int
	took  time.Duration
}

func (t *timedMatcher) Mask(logits []float32) {
	start := time.Now()
	t.Matcher.Mask(logits)
	t.took += time.Since(start)
	t.masks++
}
