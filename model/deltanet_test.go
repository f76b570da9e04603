package model

import (
	"math"
	"math/rand"
	"testing"
)

// deltaSession builds a bare session with one gated DeltaNet layer of nv
// value heads and nk key heads of size hd, ready for n tokens, and fills
// the batch's queries, keys and values (unit length, as after the L2 norm),
// step sizes and decays from rng. decay scales the log-decays.
func deltaSession(t *testing.T, rng *rand.Rand, threads, nk, nv, hd, n int, decay float64) *Session {
	t.Helper()
	dc := DeltaNetConfig{ConvKernel: 4, HeadDim: hd, KHeads: nk, VHeads: nv, InnerSize: nv * hd}
	c := Config{NLayer: 1, Layers: []LayerSpec{{Kind: Recurrent}}, DeltaNet: dc}
	s := &Session{m: &Model{Config: c}, pool: newPool(threads)}
	t.Cleanup(s.pool.close)
	s.delta = newDeltaNetState(&s.m.Config, n, s.pool.n)
	ch := dc.ConvChannels()
	for i := range s.delta.qkv[:n*ch] {
		s.delta.qkv[i] = float32(rng.NormFloat64())
	}
	for tok := range n {
		row := s.delta.qkv[tok*ch : (tok+1)*ch]
		for h := range 2*nk + nv {
			x := row[h*hd : (h+1)*hd]
			l2Normalize(x, 1e-6)
		}
		for h := range nv {
			s.delta.beta[tok*nv+h] = float32(rng.Float64())
			s.delta.g[tok*nv+h] = float32(-decay * rng.Float64())
		}
	}
	return s
}

// TestDeltaRuleChunks checks the chunked delta rule of a prefill against
// the recurrence run one token at a time, over several chunks, tiled key
// heads and decays from slight to strong enough to underflow, and that the
// worker count changes no bit.
func TestDeltaRuleChunks(t *testing.T) {
	const nk, nv, hd, n = 2, 4, 16, 2*deltaChunk + 13
	for _, decay := range []float64{0.01, 1, 200} {
		chunked := deltaSession(t, rand.New(rand.NewSource(3)), 1, nk, nv, hd, n, decay)
		stepped := deltaSession(t, rand.New(rand.NewSource(3)), 1, nk, nv, hd, n, decay)
		other := deltaSession(t, rand.New(rand.NewSource(3)), 2, nk, nv, hd, n, decay)
		for _, s := range []*Session{chunked, other} {
			s.delta.job = deltaRuleJob{s: s, layer: 0, n: n}
			s.pool.run(&s.delta.job)
		}
		// The recurrence: token t's inputs moved to the front of the batch.
		dc := &stepped.m.Config.DeltaNet
		st, ch := stepped.delta, dc.ConvChannels()
		all := append([]float32(nil), st.qkv...)
		beta, g := append([]float32(nil), st.beta...), append([]float32(nil), st.g...)
		want := make([]float32, n*dc.InnerSize)
		for tok := range n {
			copy(st.qkv, all[tok*ch:(tok+1)*ch])
			copy(st.beta, beta[tok*nv:(tok+1)*nv])
			copy(st.g, g[tok*nv:(tok+1)*nv])
			st.job = deltaRuleJob{s: stepped, layer: 0, n: 1}
			stepped.pool.run(&st.job)
			copy(want[tok*dc.InnerSize:], st.o[:dc.InnerSize])
		}
		got := chunked.delta.o[:n*dc.InnerSize]
		for i, v := range got {
			if math.IsNaN(float64(v)) {
				t.Fatalf("decay %g: output %d is NaN", decay, i)
			}
		}
		if e := relRMS(got, want); e > 1e-5 {
			t.Errorf("decay %g: chunked outputs differ from the recurrence by %.3g", decay, e)
		}
		if e := relRMS(chunked.delta.state[0], st.state[0]); e > 1e-5 {
			t.Errorf("decay %g: chunked state differs from the recurrence by %.3g", decay, e)
		}
		for i, v := range other.delta.o[:n*dc.InnerSize] {
			if math.Float32bits(v) != math.Float32bits(got[i]) {
				t.Fatalf("decay %g: 2 workers differ from 1 at output %d", decay, i)
			}
		}
	}
}
