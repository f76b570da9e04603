package model

import (
	"math"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/testmodel"
)

// jolt puts a pool's pace into one of three states, chosen by i, each of
// which changes the worker count within the next prefill step or token of
// batch tokens: a try of one worker more (or fewer, at the first claimed
// job), or two workers throughout.
func jolt(p *pool, i, batch int) {
	p.pace.newWindow()
	p.pace.from, p.pace.restEnd, p.pace.batch = 0, 0, batch
	switch i % 3 {
	case 0:
		p.pace.k = 1
		p.pace.jobs, p.pace.wall, p.pace.work = paceWindow-1, time.Hour, 1
	case 1:
		p.pace.k = p.n
		p.pace.jobs, p.pace.late, p.pace.wall, p.pace.work = paceWindow-1, time.Hour, time.Hour, 1
	case 2:
		p.pace.k, p.pace.restEnd = 2, time.Hour
	}
}

// TestAdaptiveThreadsChangeNothing checks, on generated models of every
// architecture, that a session whose pool changes its worker count in the
// middle of prefill steps and tokens computes exactly the logits of a
// session with one thread.
func TestAdaptiveThreadsChangeNothing(t *testing.T) {
	tokens := make([]int32, 60)
	for i := range tokens {
		tokens[i] = int32((i*53 + 7) % 500)
	}
	const prefilled, batch = 40, 8
	for _, arch := range testmodel.Architectures {
		t.Run(arch, func(t *testing.T) {
			m, err := Load(testmodel.Tiny(t, arch, "Q8_0"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			nv := m.Config.NVocab
			run := func(threads int) []float32 {
				s := newSession(t, m, SessionOptions{ContextSize: 128, Threads: threads, BatchSize: batch, KVType: KVF32})
				out := make([]float32, len(tokens)*nv)
				for i := 0; i < prefilled; i += batch {
					if threads > 1 {
						jolt(s.pool, i/batch, batch)
					}
					if err := s.PrefillLogits(tokens[i:i+batch], out[i*nv:(i+batch)*nv]); err != nil {
						t.Fatal(err)
					}
				}
				for i := prefilled; i < len(tokens); i++ {
					if threads > 1 {
						jolt(s.pool, i, 1)
					}
					l, err := s.Decode(tokens[i])
					if err != nil {
						t.Fatal(err)
					}
					copy(out[i*nv:], l)
				}
				return out
			}
			want, got := run(1), run(3)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("token %d, logit %d: %v with a changing worker count, %v on one thread", i/nv, i%nv, got[i], want[i])
				}
			}
		})
	}
}
