package sampler

import "testing"

// qwenVocab is the vocabulary size of Qwen2/2.5 models.
const qwenVocab = 151936

func benchSample(b *testing.B, o Options) {
	logits := randomLogits(1, qwenVocab, 3)
	s := mustNew(b, o, qwenVocab)
	b.ReportAllocs()
	b.SetBytes(qwenVocab * 4)
	for b.Loop() {
		s.Accept(s.Sample(logits))
	}
}

// BenchmarkSampleDefault runs llama.cpp's default chain (top-k 40, top-p
// 0.95, min-p 0.05, temperature 0.8).
func BenchmarkSampleDefault(b *testing.B) {
	o := DefaultOptions()
	o.Seed = 1
	benchSample(b, o)
}

// BenchmarkSampleGreedy is temperature 0: one argmax pass.
func BenchmarkSampleGreedy(b *testing.B) { benchSample(b, only(0, 1)) }

// BenchmarkSampleTopPOnly has top-k disabled, so top-p needs a softmax over
// the whole vocabulary and a partial sort of its head.
func BenchmarkSampleTopPOnly(b *testing.B) {
	benchSample(b, Options{Temperature: 0.8, TopP: 0.95, RepeatPenalty: 1, Seed: 1})
}

// BenchmarkSamplePenalties is the default chain with a repeat penalty over
// the last 64 tokens.
func BenchmarkSamplePenalties(b *testing.B) {
	o := DefaultOptions()
	o.Seed, o.RepeatPenalty = 1, 1.1
	benchSample(b, o)
}

// BenchmarkConfidenceAdd is one log-sum-exp over the vocabulary.
func BenchmarkConfidenceAdd(b *testing.B) {
	logits := randomLogits(1, qwenVocab, 3)
	var c Confidence
	b.ReportAllocs()
	for b.Loop() {
		c.Add(logits, 5)
	}
}
