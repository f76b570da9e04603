package model

import (
	"math"

	"github.com/gollm/gollm/kernels"
)

// Tile sizes of batched (prefill) attention: a work item is a block of
// query tokens times the query heads sharing one KV head, run over the keys
// in blocks of attnKeyBlock. Both sizes fix the order of the arithmetic
// (the online softmax rescales at key block boundaries; the tile kernel
// leaves odd rows and columns to MatMul), so they are constants: the
// result never depends on the worker count.
const (
	attnKeyBlock     = 128
	attnQueryColumns = 84 // target query columns (tokens x heads) per item
)

// attnQueryBlock is the number of query tokens per work item for g query
// heads per KV head: about attnQueryColumns columns, 4 to 16 tokens (12
// tokens of Qwen2.5's 7 heads: 84 columns, 28 of the tile kernel's 3).
func attnQueryBlock(g int) int { return max(4, min(16, attnQueryColumns/max(g, 1))) }

// attnPad rounds a key block up to a multiple of 8, the tile kernel's
// step: the probability and value tiles are padded with zeros to it.
func attnPad(kb int) int { return (kb + 7) &^ 7 }

// attnScratch is one worker's scratch for tiled attention, allocated once
// per session.
type attnScratch struct {
	q   []float32 // the item's queries [bq*g][hd]
	s   []float32 // score, then probability, tile [bq*g][attnPad(bk)]
	v   []byte    // the key block's values, contiguous [hdv][attnPad(bk)]
	kt  []float32 // transposed form: the key block's keys [hd][attnPad(bk)]
	vt  []float32 // transposed form: its values [attnPad(bk)][hdv]
	pv  []float32 // probabilities times values [bq*g][hdv]
	o   []float32 // running output [bq*g][hdv]
	m   []float32 // running maximum per column
	sum []float64 // running sum per column
}

func newAttnScratch(bq, bk, g, hd, hdv, elemBytes int) attnScratch {
	c := bq * g
	bk = attnPad(bk)
	return attnScratch{
		q:   make([]float32, c*hd),
		s:   make([]float32, c*bk),
		v:   make([]byte, hdv*bk*elemBytes),
		kt:  make([]float32, hd*bk),
		vt:  make([]float32, bk*hdv),
		pv:  make([]float32, c*hdv),
		o:   make([]float32, c*hdv),
		m:   make([]float32, c),
		sum: make([]float64, c),
	}
}

// attentionJob computes causal multi-head attention for a batch of queries
// against the KV cache.
//
// A batch, and a decoded token whose KV head serves several query heads
// (GQA), are tiled flash-attention style: a work item is a block of bq
// query tokens times the g query heads of one KV head, run over the keys in
// blocks of bk with an online softmax (running maximum and sum per query
// column, the partial output rescaled when the maximum grows). Each key
// block is one matrix product for the scores and one for the values, so
// keys and values are read once per query block. Each item's result depends
// on nothing but its inputs, not on the worker or the worker count.
//
// A decoded token without GQA takes the row path: one item per (token, KV
// head), scores by one product over the head's keys, softmax, then one dot
// product per output element over the value rows.
type attentionJob struct {
	s      *Session
	layer  int
	pos, n int // the batch's first position and its size
	scale  float32
	group  int // query heads per KV head
	window int // positions a query sees, its own included (0: all)
	bq, bk int // query tokens and keys per tile (0: the row path only)
}

// attention fills s.attnOut for the n tokens at positions pos.. of layer l,
// whose keys and values are already in the cache.
func (s *Session) attention(l, pos, n int) {
	c := &s.m.Config
	window := 0
	if c.Layers[l].Kind == SlidingAttention {
		window = c.SlidingWindow
	}
	s.attn = attentionJob{s: s, layer: l, pos: pos, n: n,
		scale:  c.AttnScale,
		group:  c.NHead / c.NHeadKV,
		window: window,
		bq:     s.attnBQ, bk: s.attnBK}
	s.pool.run(&s.attn)
}

// firstKey returns the first position the query at position p sees.
func (j *attentionJob) firstKey(p int) int {
	if j.window > 0 {
		return max(0, p-j.window+1)
	}
	return 0
}

// do runs the tiled path for batches and for a decoded token whose KV head
// serves several query heads (each value row is then read once for the
// whole group: at 2047 cached positions of Qwen2.5-0.5B's shape one layer
// takes 0.21-0.25 ms against 0.32-0.46 on the row path, BenchmarkAttentionDecode);
// a decoded token without GQA takes the row path.
func (j *attentionJob) do(w, nw int) {
	if (j.n == 1 && j.group == 1) || j.bq == 0 {
		j.doRows(w, nw)
		return
	}
	c := &j.s.m.Config
	nqb := (j.n + j.bq - 1) / j.bq
	items := nqb * c.NHeadKV
	// Later query blocks attend over more keys: hand the items out from
	// the last, round robin, so that the workers' shares are even.
	for it := w; it < items; it += nw {
		item := items - 1 - it
		j.tile(&j.s.attnTile[w], item/c.NHeadKV, item%c.NHeadKV)
	}
}

// doRows is the one-row-per-token path: items are (query token, KV head).
func (j *attentionJob) doRows(w, nw int) {
	s, c := j.s, &j.s.m.Config
	hd, hdv, g := c.HeadDim, c.HeadDimV, j.group
	kv := &s.kv
	lo, hi := split(j.n*c.NHeadKV, w, nw)
	for item := lo; item < hi; item++ {
		i, kvh := item/c.NHeadKV, item%c.NHeadKV
		p := j.pos + i
		first := j.firstKey(p)
		keys := p + 1 - first // causal: positions first..p
		spans := kv.spans(j.layer, first, p+1)
		firstHead := kvh * g
		q := s.q[(i*c.NHead+firstHead)*hd : (i*c.NHead+firstHead+g)*hd]
		scores := s.scores[w][:g*keys] // [g][keys]
		off := 0
		for _, sp := range spans {
			if sp.n == 0 {
				continue
			}
			k := kv.keys(j.layer, kvh, sp.slot, sp.n)
			if g == 1 {
				kernels.MatVec(kv.typ, k, hd, q, nil, scores[off:off+sp.n])
			} else {
				kernels.MatMul(kv.typ, k, hd, sp.n, q, nil, g, scores[off:], keys, nil)
			}
			off += sp.n
		}
		for h := 0; h < g; h++ {
			row := scores[h*keys : (h+1)*keys]
			kernels.Scale(row, j.scale)
			kernels.SoftmaxInPlace(row)
			out := s.attnOut[(i*c.NHead+firstHead+h)*hdv : (i*c.NHead+firstHead+h+1)*hdv]
			for d := range out {
				out[d] = kv.valueDot(j.layer, kvh, d, spans[0].slot, row[:spans[0].n])
				if sp := spans[1]; sp.n > 0 {
					out[d] += kv.valueDot(j.layer, kvh, d, sp.slot, row[spans[0].n:])
				}
			}
		}
	}
}

// tile computes the attention output of query block qb (tokens
// qb*bq.. of the batch) for the g query heads of KV head kvh. Column
// c = t*g + h of the tile is token t, head h of the group.
func (j *attentionJob) tile(sc *attnScratch, qb, kvh int) {
	s, c := j.s, &j.s.m.Config
	hd, hdv, g := c.HeadDim, c.HeadDimV, j.group
	kv := &s.kv
	i0 := qb * j.bq
	bq := min(j.bq, j.n-i0)
	cols := bq * g
	firstHead := kvh * g

	// The queries, scaled by the attention scale here rather than every
	// score.
	for t := 0; t < bq; t++ {
		at := ((i0+t)*c.NHead + firstHead) * hd
		kernels.ScaleTo(sc.q[t*g*hd:(t+1)*g*hd], s.q[at:at+g*hd], j.scale)
	}
	q := sc.q[:cols*hd]
	o := sc.o[:cols*hdv]
	clear(o)
	m, sum := sc.m[:cols], sc.sum[:cols]
	for i := range m {
		m[i] = float32(math.Inf(-1))
		sum[i] = 0
	}

	// The block's first token sees the earliest keys, its last token the
	// latest: positions first..end-1, taken in blocks of at most bk keys
	// that do not cross the end of the layer's ring.
	first, end := j.firstKey(j.pos+i0), j.pos+i0+bq
	for k0 := first; k0 < end; {
		slot := kv.slot(j.layer, k0)
		kb := min(j.bk, end-k0, kv.layers[j.layer].slots-slot)
		kp := attnPad(kb)
		st := sc.s[:cols*kp] // [cols][kp]
		transposed := kernels.FloatTileTransposed()
		// The transposed form reads the slots up to kp when the ring
		// holds them (whole 4x4 blocks for TransposeToF32): the scores
		// of the padding keys are cleared below with the masked ones,
		// their values after the transposition.
		kn := min(kp, kv.layers[j.layer].slots-slot)
		if transposed {
			// The keys as [hd][kp] float32.
			kt := sc.kt[:hd*kp]
			kernels.TransposeToF32(kv.typ, kv.keys(j.layer, kvh, slot, kn), hd, kn, hd, kt, kp)
			kernels.FloatTileMatMulT(kt, kp, hd, kp, q, cols, st, kp, false)
		} else {
			kernels.FloatTileMatMul(kv.typ, kv.keys(j.layer, kvh, slot, kb), hd, kb, q, cols, st, kp)
		}

		// Mask and exponentiate each column; rescale its running
		// output and sum when its maximum grows.
		for t := 0; t < bq; t++ {
			// Token t is at position p: it sees keys k0+k with
			// from <= k < to.
			p := j.pos + i0 + t
			from, to := max(0, j.firstKey(p)-k0), min(kb, p+1-k0)
			for h := 0; h < g; h++ {
				col := t*g + h
				row := st[col*kp : (col+1)*kp]
				if to <= from {
					clear(row)
					continue
				}
				clear(row[:from])
				clear(row[to:])
				row = row[from:to]
				mb := kernels.MaxF32(row)
				if mb > m[col] {
					if sum[col] != 0 {
						alpha := float32(math.Exp(float64(m[col] - mb)))
						sum[col] *= float64(alpha)
						kernels.Scale(o[col*hdv:(col+1)*hdv], alpha)
					}
					m[col] = mb
				}
				sum[col] += kernels.ExpShift(row, row, m[col])
			}
		}

		// o[col][d] += sum_k p[col][k] * V[d][k0+k]: the block's
		// values, padded with zeros to kp keys (transposed to [kp][hdv]
		// float32, or as contiguous rows [hdv][kp] through pv), times
		// the probability columns.
		if transposed {
			vt := sc.vt[:kp*hdv]
			vals, stride := kv.valueBlock(j.layer, kvh, slot, kn)
			kernels.TransposeToF32(kv.typ, vals, stride, hdv, kn, vt, hdv)
			clear(vt[kb*hdv:])
			kernels.FloatTileMatMulT(vt, hdv, kp, hdv, st, cols, o, hdv, true)
		} else {
			eb := kv.elemBytes
			vt := sc.v[:hdv*kp*eb]
			for d := 0; d < hdv; d++ {
				row := vt[d*kp*eb : (d+1)*kp*eb]
				clear(row[copy(row, kv.values(j.layer, kvh, d, slot, kb)):])
			}
			pv := sc.pv[:cols*hdv]
			kernels.FloatTileMatMul(kv.typ, vt, kp, hdv, st, cols, pv, hdv)
			kernels.Axpy(1, pv, o)
		}
		k0 += kb
	}

	for t := 0; t < bq; t++ {
		for h := 0; h < g; h++ {
			col := t*g + h
			out := s.attnOut[((i0+t)*c.NHead+firstHead+h)*hdv : ((i0+t)*c.NHead+firstHead+h+1)*hdv]
			kernels.ScaleTo(out, o[col*hdv:(col+1)*hdv], float32(1/sum[col]))
		}
	}
}
