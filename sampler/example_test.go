package sampler_test

import (
	"fmt"
	"strings"

	"github.com/gollm/gollm/sampler"
)

// A generation loop: sample, accept, score and stream through the stop
// matcher. The logits here stand in for a model's output.
func Example() {
	opts := sampler.DefaultOptions()
	opts.Seed = 42 // fixed seed: reproducible tokens
	s, err := sampler.New(opts, 4)
	if err != nil {
		panic(err)
	}
	vocab := []string{"Hi", " there", "!", "<|end|>"}
	stop := sampler.NewStopMatcher("<|end|>")
	var conf sampler.Confidence
	var out strings.Builder
	steps := [][]float32{{5, 1, 0, 0}, {0, 6, 1, 0}, {0, 0, 7, 2}, {0, 0, 0, 9}}
	for _, logits := range steps {
		tok := s.Sample(logits)
		s.Accept(tok)
		conf.Add(logits, tok)
		emit, stopped := stop.Push(vocab[tok])
		out.WriteString(emit)
		if stopped {
			break
		}
	}
	out.WriteString(stop.Flush())
	fmt.Printf("%q tokens=%d confidence=%.3f min=%.3f\n", out.String(), conf.Count(), conf.Score(), conf.MinProb())
	// Output: "Hi there!" tokens=4 confidence=0.987 min=0.969
}

// Text is released as soon as it cannot be part of a stop string.
func ExampleStopMatcher() {
	m := sampler.NewStopMatcher("\nUser:")
	for _, chunk := range []string{"Sure.", "\n", "Us", "ing X.", "\nUser", ":", " more"} {
		emit, stopped := m.Push(chunk)
		fmt.Printf("%q -> %q stopped=%v\n", chunk, emit, stopped)
	}
	// Output:
	// "Sure." -> "Sure." stopped=false
	// "\n" -> "" stopped=false
	// "Us" -> "" stopped=false
	// "ing X." -> "\nUsing X." stopped=false
	// "\nUser" -> "" stopped=false
	// ":" -> "" stopped=true
	// " more" -> "" stopped=true
}
