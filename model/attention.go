package model

import (
	"math"

	"github.com/gollm/gollm/kernels"
)

// attentionJob computes causal multi-head attention for a batch of queries
// against the KV cache. The (query, head) pairs are split across workers;
// each worker has its own score buffer.
type attentionJob struct {
	s        *Session
	layer    int
	pos, n   int // the batch's first position and its size
	scale    float32
	groupLen int // query heads per KV head
}

// attention fills s.attnOut for the n tokens at positions pos.. of layer l,
// whose keys and values are already in the cache.
func (s *Session) attention(l, pos, n int) {
	c := &s.m.Config
	s.attn = attentionJob{s: s, layer: l, pos: pos, n: n,
		scale:    float32(1 / math.Sqrt(float64(c.HeadDim))),
		groupLen: c.NHead / c.NHeadKV}
	s.pool.run(&s.attn)
}

func (j *attentionJob) do(w, nw int) {
	s, c := j.s, &j.s.m.Config
	hd, hdv := c.HeadDim, c.HeadDimV
	lo, hi := split(j.n*c.NHead, w, nw)
	scores := s.scores[w]
	for item := lo; item < hi; item++ {
		i, h := item/c.NHead, item%c.NHead
		kvh := h / j.groupLen
		q := s.q[(i*c.NHead+h)*hd : (i*c.NHead+h+1)*hd]
		out := s.attnOut[(i*c.NHead+h)*hdv : (i*c.NHead+h+1)*hdv]
		keys := j.pos + i + 1 // causal: positions 0..pos+i
		sc := scores[:keys]
		for p := range sc {
			sc[p] = s.kv.keyDot(j.layer, p, kvh, hd, q) * j.scale
		}
		kernels.SoftmaxInPlace(sc)
		clear(out)
		for p, wgt := range sc {
			s.kv.addValue(j.layer, p, kvh, hdv, wgt, out)
		}
	}
}
