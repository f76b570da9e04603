package model

import (
	"math"

	"github.com/gollm/gollm/kernels"
)

// attentionJob computes causal multi-head attention for a batch of queries
// against the KV cache. Work items are (query token, KV head) pairs: the
// query heads that share a KV head (GQA) are scored together in one matrix
// product over that head's keys, so each key is read once per token, not
// once per query head.
type attentionJob struct {
	s      *Session
	layer  int
	pos, n int // the batch's first position and its size
	scale  float32
	group  int // query heads per KV head
}

// attention fills s.attnOut for the n tokens at positions pos.. of layer l,
// whose keys and values are already in the cache.
func (s *Session) attention(l, pos, n int) {
	c := &s.m.Config
	s.attn = attentionJob{s: s, layer: l, pos: pos, n: n,
		scale: float32(1 / math.Sqrt(float64(c.HeadDim))),
		group: c.NHead / c.NHeadKV}
	s.pool.run(&s.attn)
}

func (j *attentionJob) do(w, nw int) {
	s, c := j.s, &j.s.m.Config
	hd, hdv, g := c.HeadDim, c.HeadDimV, j.group
	kv := &s.kv
	lo, hi := split(j.n*c.NHeadKV, w, nw)
	for item := lo; item < hi; item++ {
		i, kvh := item/c.NHeadKV, item%c.NHeadKV
		keys := j.pos + i + 1 // causal: positions 0..pos+i
		firstHead := kvh * g
		q := s.q[(i*c.NHead+firstHead)*hd : (i*c.NHead+firstHead+g)*hd]
		scores := s.scores[w][:g*keys] // [g][keys]
		if g == 1 {
			kernels.MatVec(kv.typ, kv.keys(j.layer, kvh, keys), hd, q, nil, scores)
		} else {
			kernels.MatMul(kv.typ, kv.keys(j.layer, kvh, keys), hd, keys, q, nil, g, scores, keys)
		}
		for h := 0; h < g; h++ {
			row := scores[h*keys : (h+1)*keys]
			kernels.Scale(row, j.scale)
			kernels.SoftmaxInPlace(row)
			out := s.attnOut[(i*c.NHead+firstHead+h)*hdv : (i*c.NHead+firstHead+h+1)*hdv]
			for d := range out {
				out[d] = kv.valueDot(j.layer, kvh, d, row)
			}
		}
	}
}
