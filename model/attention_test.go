package model

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/gollm/gollm/quant"
)

// attentionSession builds a bare session for one layer of attention with
// nkv KV heads of g query heads each, random queries and a cache holding
// random keys and values for positions 0..pos+n-1. bq 0 selects the
// one-row-per-token path for every batch. A positive window makes it a
// sliding-window layer whose cache is a ring of window-1+n slots.
func attentionSession(t testing.TB, rng *rand.Rand, kvt KVType, threads, nkv, g, hd, hdv, nCtx, window, pos, n, bq, bk int) *Session {
	t.Helper()
	c := Config{NHead: nkv * g, NHeadKV: nkv, HeadDim: hd, HeadDimV: hdv,
		AttnScale: float32(1 / math.Sqrt(float64(hd))), Layers: []LayerSpec{{Kind: FullAttention}}}
	slots := nCtx
	if window > 0 {
		c.Layers[0].Kind, c.SlidingWindow = SlidingAttention, window
		slots = min(nCtx, window-1+n)
	}
	s := &Session{m: &Model{Config: c}, nCtx: nCtx, nBatch: n, pool: newPool(threads)}
	t.Cleanup(s.pool.close)
	s.kv = newKVCache(kvt, []int{slots}, nkv, hd, hdv)
	fill := func(n int, scale float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * scale)
		}
		return x
	}
	s.kv.store(0, 0, pos+n, fill((pos+n)*nkv*hd, 1), fill((pos+n)*nkv*hdv, 1))
	// Queries of varied size, so that some softmaxes are peaked (the
	// running maximum grows across key blocks) and some flat.
	s.q = fill(n*c.NHead*hd, 2.5)
	s.attnOut = make([]float32, n*c.NHead*hdv)
	s.scores = make([][]float32, s.pool.n)
	s.attnTile = make([]attnScratch, s.pool.n)
	for w := range s.scores {
		s.scores[w] = make([]float32, g*nCtx)
		s.attnTile[w] = newAttnScratch(max(bq, 1), bk, g, hd, hdv, s.kv.elemBytes)
	}
	s.attnBQ, s.attnBK = bq, bk
	return s
}

// attentionReference is causal attention (over the window, for a
// sliding-window layer) in float64 over the cache's stored (rounded) keys
// and values.
func attentionReference(s *Session, pos, n int) []float64 {
	c, kv := &s.m.Config, &s.kv
	hd, hdv, g := c.HeadDim, c.HeadDimV, c.NHead/c.NHeadKV
	at := func(isF16 bool, i int, h16 []uint16, f32 []float32) float64 {
		if isF16 {
			return float64(quant.F16ToF32(h16[i]))
		}
		return float64(f32[i])
	}
	f16 := kv.typ == quant.F16
	out := make([]float64, n*c.NHead*hdv)
	scale := 1 / math.Sqrt(float64(hd))
	for i := 0; i < n; i++ {
		first := 0
		if c.SlidingWindow > 0 {
			first = max(0, pos+i-c.SlidingWindow+1)
		}
		keys := pos + i + 1 - first
		for h := 0; h < c.NHead; h++ {
			kvh := h / g
			q := s.q[(i*c.NHead+h)*hd : (i*c.NHead+h+1)*hd]
			p := make([]float64, keys)
			m := math.Inf(-1)
			for k := range p {
				var d float64
				for e := 0; e < hd; e++ {
					d += float64(q[e]) * at(f16, kv.keyIndex(0, kvh, kv.slot(0, first+k))+e, kv.k16, kv.k32)
				}
				p[k] = d * scale
				m = math.Max(m, p[k])
			}
			var sum float64
			for k := range p {
				p[k] = math.Exp(p[k] - m)
				sum += p[k]
			}
			for d := 0; d < hdv; d++ {
				var acc float64
				for k := range p {
					acc += p[k] * at(f16, kv.valueIndex(0, kvh, d, kv.slot(0, first+k)), kv.v16, kv.v32)
				}
				out[(i*c.NHead+h)*hdv+d] = acc / sum
			}
		}
	}
	return out
}

// maxRelErr is max |got-want| over max |want|.
func maxRelErr(got []float32, want []float64) float64 {
	var e, m float64
	for i, w := range want {
		e = math.Max(e, math.Abs(float64(got[i])-w))
		m = math.Max(m, math.Abs(w))
	}
	return e / m
}

// TestTiledAttention checks the tiled (flash) attention of batches against
// float64 attention and against the one-row-per-token path, over block
// edge cases, cached prefixes, GQA groups, head sizes and both cache types,
// and that the worker count does not change a bit of it.
func TestTiledAttention(t *testing.T) {
	type shape struct{ nkv, g, hd, hdv int }
	shapes := []shape{{2, 7, 64, 64}, {1, 1, 32, 32}, {2, 4, 128, 128}, {1, 3, 48, 40}, {3, 2, 20, 12}}
	type run struct{ window, pos, n, bq, bk int }
	runs := []run{
		{0, 0, 2, 4, 8}, {0, 0, 37, 4, 8}, {0, 0, 64, 16, 64}, {0, 5, 19, 9, 64},
		{0, 70, 13, 4, 32}, {0, 100, 1, 4, 64}, {0, 3, 50, 6, 5}, {0, 0, 130, 9, 64},
		{0, 129, 40, 16, 64}, {0, 0, 17, 17, 16}, {0, 31, 33, 8, 1},
		{0, 0, 300, attnQueryBlock(7), attnKeyBlock}, {0, 200, 100, attnQueryBlock(7), attnKeyBlock},
		// Sliding windows: within the first window, across it, a ring
		// that wraps inside a key block, one decoded token.
		{16, 0, 10, 4, 8}, {16, 0, 40, 4, 8}, {8, 37, 21, 5, 6}, {5, 100, 1, 4, 64},
		{100, 250, 64, attnQueryBlock(7), attnKeyBlock}, {3, 7, 9, 16, 2},
	}
	rng := rand.New(rand.NewSource(1))
	var worstRows, worstTiled float64
	defer func() { t.Logf("largest error against float64: rows %.3g, tiled %.3g", worstRows, worstTiled) }()
	for _, kvt := range []KVType{KVF16, KVF32} {
		for _, sh := range shapes {
			for _, r := range runs {
				name := fmt.Sprintf("kv%d/%dx%d/hd%d-%d/w%d/pos%d-n%d/bq%d-bk%d", kvt, sh.nkv, sh.g, sh.hd, sh.hdv, r.window, r.pos, r.n, r.bq, r.bk)
				nCtx := r.pos + r.n + 3
				seed := rng.Int63()
				mk := func(threads, bq int) *Session {
					return attentionSession(t, rand.New(rand.NewSource(seed)), kvt, threads, sh.nkv, sh.g, sh.hd, sh.hdv, nCtx, r.window, r.pos, r.n, bq, r.bk)
				}
				rows := mk(1, 0) // the one-row-per-token path
				rows.attention(0, r.pos, r.n)
				tiled := mk(1, r.bq)
				tiled.attention(0, r.pos, r.n)
				want := attentionReference(tiled, r.pos, r.n)
				eRows, eTiled := maxRelErr(rows.attnOut, want), maxRelErr(tiled.attnOut, want)
				worstRows, worstTiled = max(worstRows, eRows), max(worstTiled, eTiled)
				if e := eRows; e > 1e-5 {
					t.Errorf("%s: row path differs from float64 by %.3g", name, e)
				}
				if e := eTiled; e > 1e-5 {
					t.Errorf("%s: tiled path differs from float64 by %.3g", name, e)
				}
				for _, threads := range []int{2, 3} {
					other := mk(threads, r.bq)
					other.attention(0, r.pos, r.n)
					for i := range other.attnOut {
						if math.Float32bits(other.attnOut[i]) != math.Float32bits(tiled.attnOut[i]) {
							t.Errorf("%s: %d threads differ from 1 at %d", name, threads, i)
							break
						}
					}
				}
			}
		}
	}
}

// BenchmarkAttention times one layer of attention for a 512-token prefill
// on Qwen2.5-0.5B's shape (2 KV heads of 7 query heads, head size 64, F16
// cache), on the one-row-per-token path and tiled.
func BenchmarkAttention(b *testing.B) {
	for _, path := range []string{"rows", "tiled"} {
		b.Run(path, func(b *testing.B) {
			bq := attnQueryBlock(7)
			if path == "rows" {
				bq = 0
			}
			s := attentionSession(b, rand.New(rand.NewSource(1)), KVF16, testingThreads(), 2, 7, 64, 64, 1024, 0, 0, 512, bq, attnKeyBlock)
			for b.Loop() {
				s.attention(0, 0, 512)
			}
		})
	}
}

// BenchmarkAttentionDecode times one layer of attention for one decoded
// token after 2047 cached positions (Qwen2.5-0.5B's shape, F16 cache), on
// the one-row-per-token path and tiled.
func BenchmarkAttentionDecode(b *testing.B) {
	for _, path := range []string{"rows", "tiled"} {
		b.Run(path, func(b *testing.B) {
			bq := attnQueryBlock(7)
			if path == "rows" {
				bq = 0
			}
			s := attentionSession(b, rand.New(rand.NewSource(1)), KVF16, testingThreads(), 2, 7, 64, 64, 2048, 0, 2047, 1, bq, attnKeyBlock)
			for b.Loop() {
				s.attention(0, 2047, 1)
			}
		})
	}
}
