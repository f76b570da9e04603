package model

import (
	"math"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// A gated DeltaNet layer (Qwen3.5's linear attention) keeps, per value head,
// a HeadDim x HeadDim state S instead of a cache of keys and values. For
// each token, with query q and key k (L2-normalized, q also scaled by
// 1/sqrt(HeadDim)), value v, decay a = e^g (g = softplus(alpha + dt_bias)
// * ssm_a, negative) and step size beta = sigmoid(ssm_beta . x):
//
//	S = a S;  S += beta (v - S k) k^T;  o = S q
//
// The inputs q, k and v come out of a short causal convolution (ssm_conv1d,
// then SiLU) over the layer's projection attn_qkv, so the state also keeps
// the convolution's last ConvKernel-1 inputs. The output of each head is
// RMS-normalized (ssm_norm), multiplied by SiLU of the gate attn_gate . x
// and projected back by ssm_out.
//
// Decoding runs the recurrence for the one token. A prefill runs it chunk
// by chunk (deltaChunk tokens) in the equivalent matrix form, which reads
// the state twice per chunk instead of four times per token.

// deltaChunk is the number of tokens the chunked delta rule takes at once,
// as llama.cpp's.
const deltaChunk = 64

// deltaNetWeights are the weights of a gated DeltaNet layer.
type deltaNetWeights struct {
	wqkv   *Matrix // attn_qkv: queries, keys, values [channels][d]
	wz     *Matrix // attn_gate: the output gate [inner][d]
	wBeta  *Matrix // ssm_beta: the step size, one row per value head
	wAlpha *Matrix // ssm_alpha: the decay's input, one row per value head
	// convT is ssm_conv1d transposed to [tap][channel]: tap 0 weighs the
	// oldest input, the last tap the current one.
	convT  []float32
	dtBias []float32 // ssm_dt.bias, per value head
	a      []float32 // ssm_a (-exp(A_log)), per value head
	norm   []float32 // ssm_norm, over one head
	wOut   *Matrix   // ssm_out [d][inner]
}

// deltaNet loads a gated DeltaNet layer's weights.
func (b *blockLoader) deltaNet(c *Config) *deltaNetWeights {
	dc := c.DeltaNet
	ch := dc.ConvChannels()
	w := &deltaNetWeights{
		wqkv:   b.matrix("attn_qkv.weight", c.NEmbd, ch, true),
		wz:     b.matrix("attn_gate.weight", c.NEmbd, dc.InnerSize, true),
		wBeta:  b.matrix("ssm_beta.weight", c.NEmbd, dc.VHeads, true),
		wAlpha: b.matrix("ssm_alpha.weight", c.NEmbd, dc.VHeads, true),
		dtBias: b.vector("ssm_dt.bias", dc.VHeads, true),
		a:      b.vector("ssm_a", dc.VHeads, true),
		norm:   b.vector("ssm_norm.weight", dc.HeadDim, true),
		wOut:   b.matrix("ssm_out.weight", dc.InnerSize, c.NEmbd, true),
	}
	conv := b.floats("ssm_conv1d.weight", []int{dc.ConvKernel, ch}, true)
	if b.err != nil {
		return nil
	}
	w.convT = make([]float32, len(conv))
	for c := range ch {
		for i := range dc.ConvKernel {
			w.convT[i*ch+c] = conv[c*dc.ConvKernel+i]
		}
	}
	return w
}

// deltaNetState is a session's recurrent state for its gated DeltaNet
// layers, and the scratch of a batch.
type deltaNetState struct {
	// Per layer, nil for attention layers: the convolution's last
	// ConvKernel-1 inputs [ConvKernel-1][channels], and per value head
	// the state S [HeadDim][HeadDim], row j for value element j.
	conv, state [][]float32

	convIn []float32 // [ConvKernel-1+B][channels]: the kept inputs, then the batch's projections
	qkv    []float32 // [B][channels]: convolved and activated
	z      []float32 // [B][inner]: the output gate
	beta   []float32 // [B][VHeads]
	g      []float32 // [B][VHeads]: the log of the decay
	o      []float32 // [B][inner]: the heads' outputs
	job    deltaRuleJob
	chunks []deltaChunkScratch // per worker
}

func newDeltaNetState(c *Config, nBatch, workers int) *deltaNetState {
	dc := c.DeltaNet
	ch, inner, k := dc.ConvChannels(), dc.InnerSize, dc.ConvKernel
	st := &deltaNetState{
		conv:   make([][]float32, c.NLayer),
		state:  make([][]float32, c.NLayer),
		convIn: make([]float32, (k-1+nBatch)*ch),
		qkv:    make([]float32, nBatch*ch),
		z:      make([]float32, nBatch*inner),
		beta:   make([]float32, nBatch*dc.VHeads),
		g:      make([]float32, nBatch*dc.VHeads),
		o:      make([]float32, nBatch*inner),
		chunks: make([]deltaChunkScratch, workers),
	}
	for l, ls := range c.Layers {
		if ls.Kind == Recurrent {
			st.conv[l] = make([]float32, (k-1)*ch)
			st.state[l] = make([]float32, dc.VHeads*dc.HeadDim*dc.HeadDim)
		}
	}
	if nBatch > 1 {
		for w := range st.chunks {
			st.chunks[w] = newDeltaChunkScratch(min(nBatch, deltaChunk), dc.HeadDim)
		}
	}
	return st
}

// reset empties the recurrent state.
func (st *deltaNetState) reset() {
	for l := range st.conv {
		clear(st.conv[l])
		clear(st.state[l])
	}
}

// gatedDeltaNet is the gated DeltaNet sublayer of layer l for the batch's n
// tokens: from the normalized input xn into out.
func (s *Session) gatedDeltaNet(l, n int, xn, out []float32) {
	c, dn, st := &s.m.Config, s.m.layers[l].delta, s.delta
	dc := c.DeltaNet
	ch, k, inner, nv := dc.ConvChannels(), dc.ConvKernel, dc.InnerSize, dc.VHeads

	// Projections: the convolution's inputs go after the kept ones.
	in := st.convIn[:(k-1+n)*ch]
	copy(in, st.conv[l])
	z, beta, g := st.z[:n*inner], st.beta[:n*nv], st.g[:n*nv]
	s.project(xn, c.NEmbd, n, target{m: dn.wqkv, out: in[(k-1)*ch:]}, target{m: dn.wz, out: z},
		target{m: dn.wBeta, out: beta}, target{m: dn.wAlpha, out: g})
	copy(st.conv[l], in[n*ch:])

	// Short causal convolution and SiLU.
	qkv := st.qkv[:n*ch]
	for t := range n {
		o := qkv[t*ch : (t+1)*ch]
		x, w := in[t*ch:(t+1)*ch], dn.convT[:ch]
		for c := range o {
			o[c] = x[c] * w[c]
		}
		for i := 1; i < k; i++ {
			x, w := in[(t+i)*ch:(t+i+1)*ch], dn.convT[i*ch:(i+1)*ch]
			for c := range o {
				o[c] += float32(x[c] * w[c])
			}
		}
	}
	silu(qkv)

	// L2-normalized queries (scaled by 1/sqrt(HeadDim)) and keys; the
	// step sizes and the decays.
	hd, nk := dc.HeadDim, dc.KHeads
	qScale := float32(1 / math.Sqrt(float64(hd)))
	for t := range n {
		row := qkv[t*ch:]
		for h := range 2 * nk {
			x := row[h*hd : (h+1)*hd]
			l2Normalize(x, c.NormEps)
			if h < nk {
				kernels.Scale(x, qScale)
			}
		}
		for h := range nv {
			i := t*nv + h
			beta[i] = sigmoid(beta[i])
			g[i] = softplus(g[i]+dn.dtBias[h]) * dn.a[h]
		}
	}

	// The delta rule, one value head per work item.
	st.job = deltaRuleJob{s: s, layer: l, n: n}
	s.pool.run(&st.job)

	// Per-head RMS norm, gated by SiLU(z), and the output projection.
	o := st.o[:n*inner]
	rmsNormRows(o, o, dn.norm, hd, c.NormEps)
	kernels.SiLUMul(z, o)
	s.project(z, inner, n, target{m: dn.wOut, out: out})
}

// deltaRuleJob runs the delta rule of one layer over a batch, a value head
// per work item: the recurrence for one token, chunks for more.
type deltaRuleJob struct {
	s        *Session
	layer, n int
}

func (j *deltaRuleJob) do(w, nw int) {
	dc := &j.s.m.Config.DeltaNet
	for h := w; h < dc.VHeads; h += nw {
		if j.n == 1 {
			j.step(h)
			continue
		}
		for t0 := 0; t0 < j.n; t0 += deltaChunk {
			j.chunk(&j.s.delta.chunks[w], h, t0, min(deltaChunk, j.n-t0))
		}
	}
}

// heads returns the offsets in a row of qkv of value head h's query, key
// and value (query and key heads are shared: head h reads h mod KHeads).
func (dc *DeltaNetConfig) heads(h int) (q, k, v int) {
	kh := h % dc.KHeads
	return kh * dc.HeadDim, (dc.KHeads + kh) * dc.HeadDim, (2*dc.KHeads + h) * dc.HeadDim
}

// step runs the recurrence of value head h for a single token: each row of
// S decays, takes its delta step and gives one output element.
func (j *deltaRuleJob) step(h int) {
	st, dc := j.s.delta, &j.s.m.Config.DeltaNet
	hd := dc.HeadDim
	qo, ko, vo := dc.heads(h)
	q, k, v := st.qkv[qo:qo+hd], st.qkv[ko:ko+hd], st.qkv[vo:vo+hd]
	decay := float32(math.Exp(float64(st.g[h])))
	beta := st.beta[h]
	state := st.state[j.layer][h*hd*hd : (h+1)*hd*hd]
	o := st.o[h*hd : (h+1)*hd]
	for r := range hd {
		row := state[r*hd : (r+1)*hd]
		kernels.Scale(row, decay)
		kernels.Axpy(beta*(v[r]-kernels.Dot(row, k)), k, row)
		o[r] = kernels.Dot(row, q)
	}
}

// deltaChunkScratch is one worker's scratch for a chunk of up to c tokens
// with heads of size hd.
type deltaChunkScratch struct {
	q, k, v  []float32 // the chunk's queries, keys, values [c][hd]
	u, w, qs []float32 // [c][hd]
	kk, t, d []float32 // [c][c]
	bt, ct   []float32 // [hd][c]
	upd      []float32 // [hd][hd]
	g, negG  []float32 // [c]
	beta     []float32 // [c]
}

func newDeltaChunkScratch(c, hd int) deltaChunkScratch {
	f := func(n int) []float32 { return make([]float32, n) }
	return deltaChunkScratch{
		q: f(c * hd), k: f(c * hd), v: f(c * hd), u: f(c * hd), w: f(c * hd), qs: f(c * hd),
		kk: f(c * c), t: f(c * c), d: f(c * c), bt: f(hd * c), ct: f(hd * c), upd: f(hd * hd),
		g: f(c), negG: f(c), beta: f(c),
	}
}

// chunk runs the delta rule of value head h over the L tokens t0.. of the
// batch in matrix form. With G the running sum of g within the chunk,
// D[t][s] = e^(G_t-G_s) for s <= t, and the state S0 before the chunk, the
// updates u_s (S grows by u_s k_s^T, decayed) solve the triangular system
//
//	u_s + sum_{r<s} beta_s D[s][r] (k_s.k_r) u_r = beta_s (v_s - e^G_s S0 k_s)
//
// so U = T diag(beta) V - T diag(beta e^G) K S0^T with T = (I + A)^-1, and
//
//	o_t = e^G_t S0 q_t + sum_{s<=t} D[t][s] (q_t.k_s) u_s
//	S   = e^G_last S0 + sum_s D[last][s] u_s k_s^T
func (j *deltaRuleJob) chunk(sc *deltaChunkScratch, h, t0, L int) {
	st, dc := j.s.delta, &j.s.m.Config.DeltaNet
	hd, ch, nv, inner := dc.HeadDim, dc.ConvChannels(), dc.VHeads, dc.InnerSize
	qo, ko, vo := dc.heads(h)
	Q, K, V := sc.q[:L*hd], sc.k[:L*hd], sc.v[:L*hd]
	G, negG, beta := sc.g[:L], sc.negG[:L], sc.beta[:L]
	var cum float32
	for t := range L {
		row := st.qkv[(t0+t)*ch:]
		copy(Q[t*hd:(t+1)*hd], row[qo:qo+hd])
		copy(K[t*hd:(t+1)*hd], row[ko:ko+hd])
		copy(V[t*hd:(t+1)*hd], row[vo:vo+hd])
		cum += st.g[(t0+t)*nv+h]
		G[t], negG[t] = cum, -cum
		beta[t] = st.beta[(t0+t)*nv+h]
	}
	state := st.state[j.layer][h*hd*hd : (h+1)*hd*hd]

	// D, then T = (I + A)^-1 row by row by forward substitution:
	// T_s = e_s - sum_{r<s} A[s][r] T_r, where T_r is zero past column r.
	D, KK, T := sc.d[:L*L], sc.kk[:L*L], sc.t[:L*L]
	for t := range L {
		kernels.ExpShift(D[t*L:t*L+t+1], negG[:t+1], negG[t])
	}
	matMulF32(K, hd, L, K, L, KK, L) // KK[s][r] = k_r.k_s
	clear(T)
	for s := range L {
		row := T[s*L : (s+1)*L]
		row[s] = 1
		for r := range s {
			a := beta[s] * D[s*L+r] * KK[s*L+r]
			kernels.Axpy(-a, T[r*L:r*L+r+1], row[:r+1])
		}
	}

	// U = T diag(beta) V - T diag(beta e^G) K S0^T.
	U, W, BT, CT := sc.u[:L*hd], sc.w[:L*hd], sc.bt[:hd*L], sc.ct[:hd*L]
	for r := range L {
		bg := beta[r] * float32(math.Exp(float64(G[r])))
		for i := range hd {
			BT[i*L+r] = beta[r] * V[r*hd+i]
			CT[i*L+r] = bg * K[r*hd+i]
		}
	}
	matMulF32(BT, L, hd, T, L, U, hd) // U[s][j] = sum_r T[s][r] beta_r V[r][j]
	matMulF32(CT, L, hd, T, L, W, hd) // W[s][i] = sum_r T[s][r] beta_r e^G_r K[r][i]
	WS := sc.qs[:L*hd]
	matMulF32(state, hd, hd, W, L, WS, hd) // WS[s][j] = S0_j . W_s
	kernels.Axpy(-1, WS, U)

	// Outputs: P[t][s] = D[t][s] (q_t.k_s) for s <= t, then o = P U +
	// e^G_t S0 q_t, written to the head's columns of st.o.
	P := KK
	matMulF32(K, hd, L, Q, L, P, L) // P[t][s] = k_s.q_t
	for t := range L {
		row := P[t*L : (t+1)*L]
		for s := range t + 1 {
			row[s] *= D[t*L+s]
		}
		clear(row[t+1:])
	}
	UT := BT // U transposed [hd][L]
	for s := range L {
		for i := range hd {
			UT[i*L+s] = U[s*hd+i]
		}
	}
	o := st.o[t0*inner+h*hd:]
	matMulF32(UT, L, hd, P, L, o, inner) // o[t][j] = sum_s U[s][j] P[t][s]
	QS := sc.qs[:L*hd]
	matMulF32(state, hd, hd, Q, L, QS, hd) // QS[t][j] = S0_j . q_t
	for t := range L {
		kernels.Axpy(float32(math.Exp(float64(G[t]))), QS[t*hd:(t+1)*hd], o[t*inner:t*inner+hd])
	}

	// The state after the chunk: S = e^G_last S0 + sum_s D[last][s] u_s k_s^T.
	KdT := CT // [hd][L]: KdT[i][s] = D[last][s] K[s][i]
	last := D[(L-1)*L:]
	for s := range L {
		for i := range hd {
			KdT[i*L+s] = last[s] * K[s*hd+i]
		}
	}
	upd := sc.upd[:hd*hd]
	matMulF32(KdT, L, hd, UT, hd, upd, hd) // upd[j][i] = sum_s U[s][j] KdT[i][s]
	kernels.Scale(state, float32(math.Exp(float64(G[L-1]))))
	kernels.Axpy(1, upd, state)
}

// matMulF32 computes out[c*ldOut+r] = w_r . x_c for the rows rows of w and
// the cols columns of x, all of n float32 elements.
func matMulF32(w []float32, n, rows int, x []float32, cols int, out []float32, ldOut int) {
	kernels.FloatTileMatMul(quant.F32, bytesOf(w[:rows*n]), n, rows, x, cols, out, ldOut)
}

// l2Normalize scales x to unit length, as ggml's l2_norm: x / max(|x|, eps).
func l2Normalize(x []float32, eps float32) {
	var sum float64
	for _, v := range x {
		sum += float64(v * v)
	}
	kernels.Scale(x, 1/max(float32(math.Sqrt(sum)), eps))
}

// softplus is log(1 + e^x), x itself above 20, as ggml computes it.
func softplus(x float32) float32 {
	if x > 20 {
		return x
	}
	return float32(math.Log1p(math.Exp(float64(x))))
}

// silu replaces each x[i] by x[i]*sigmoid(x[i]).
func silu(x []float32) {
	var e [256]float32
	for start := 0; start < len(x); start += len(e) {
		v := x[start:min(start+len(e), len(x))]
		kernels.ExpShift(e[:len(v)], v, 0)
		for i, xv := range v {
			// x*e^x/(e^x+1): e^x of x itself, so a very negative x gives 0.
			v[i] = xv * e[i] / (e[i] + 1)
		}
	}
}
