package model

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// KVType is the element type of the KV cache.
type KVType int

const (
	// KVF16 stores keys and values as IEEE half floats (the default: half
	// the memory, and what llama.cpp uses by default).
	KVF16 KVType = iota
	// KVF32 stores them as float32.
	KVF32
)

// SessionOptions configures a session.
type SessionOptions struct {
	// ContextSize is the KV cache size in tokens; 0 means the smaller of
	// the model's training context and 4096.
	ContextSize int
	// BatchSize is the most tokens one prefill step processes; longer
	// prompts are processed in chunks. 0 means 512.
	BatchSize int
	// Threads is the number of worker threads; 0 means runtime.NumCPU().
	Threads int
	// KVType is the KV cache element type (KVF16 by default).
	KVType KVType
	// SWAFull keeps every position in the caches of sliding-window layers
	// too (llama.cpp's --swa-full): their memory grows with the context
	// like a full-attention layer's, and they rewind anywhere without
	// checkpoints.
	SWAFull bool
	// Checkpoints is how many prefill checkpoints a session of a model
	// with recurrent or sliding-window layers keeps, so that Truncate can
	// rewind those layers (see checkpoint.go); 0 means 3, a negative
	// number none.
	Checkpoints int
}

// ErrContextFull is returned when tokens do not fit in the session's
// remaining context.
var ErrContextFull = errors.New("context window is full")

// Session is one conversation's state: the KV cache, the position and the
// scratch buffers of the forward pass. A session is not safe for concurrent
// use; create one per goroutine.
type Session struct {
	m       *Model
	opts    SessionOptions
	nCtx    int
	nBatch  int
	pos     int
	tokens  []int32 // the ids of the tokens in the KV cache, len(tokens) == pos
	pool    *pool
	kv      kvCache
	factors []float32 // RoPE frequency divisors, nil for none

	// Rewinding layers that do not keep every position (checkpoint.go):
	// ringStart is the first position whose keys and values every
	// sliding-window ring still holds; checkpoints are the last
	// maxCheckpoints prefill checkpoints, oldest first (its backing array
	// past len keeps the dropped ones, whose buffers takeCheckpoint reuses).
	ringStart      int
	ringSlots      int // slots of the sliding-window rings, 0 without
	maxCheckpoints int
	checkpoints    []*checkpoint

	// Scratch, sized for nBatch tokens.
	x, xn      []float32   // residual stream and its normalized copy [B][d]
	q, k, v    []float32   // projections [B][heads*headDim]
	attnOut    []float32   // [B][nHead*headDimV]
	gate, up   []float32   // [B][nFF]
	ffnOut     []float32   // [B][d] (also attention output projection)
	qGate      []float32   // gated attention's queries and gates [B][nHead][2][headDim] (qwen35)
	ropeCos    [][]float32 // per RoPE of the model [B][ropeDim/2]
	ropeSin    [][]float32
	delta      *deltaNetState        // recurrent layers' state (qwen35), nil without
	scores     [][]float32           // per worker [query heads per KV head][nCtx]
	attnTile   []attnScratch         // per worker, tiled attention
	attnBQ     int                   // query tokens per attention tile (0: row path only, tests)
	attnBK     int                   // keys per attention tile
	actQ       map[quant.Type][]byte // per activation format, the input quantized [B][ActBytes]
	actPrep    map[quant.Type][]byte // per packed weight type, what its tiles read of actQ (kernels.PrepareActs)
	matScratch []kernels.Scratch     // per worker, what kernels.MatMul's tile paths work in
	logits     []float32             // [nVocab]
	scoreRows  []float32             // [a few][nVocab], allocated by the first PrefillLogProbs
	proj       projectJob
	attn       attentionJob
	quantizeJb quantizeJob
}

// NewSession creates a session with its own KV cache.
func (m *Model) NewSession(opts SessionOptions) (*Session, error) {
	c := &m.Config
	if opts.ContextSize < 0 || opts.BatchSize < 0 || opts.Threads < 0 {
		return nil, fmt.Errorf("negative session option: context %d, batch %d, threads %d", opts.ContextSize, opts.BatchSize, opts.Threads)
	}
	if opts.ContextSize == 0 {
		opts.ContextSize = min(c.CtxTrain, 4096)
		if opts.ContextSize <= 0 {
			opts.ContextSize = 4096
		}
	}
	if opts.ContextSize > 1<<20 {
		return nil, fmt.Errorf("context size %d is too large", opts.ContextSize)
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 512
	}
	if opts.Threads == 0 {
		opts.Threads = runtime.NumCPU()
	}
	if opts.KVType != KVF16 && opts.KVType != KVF32 {
		return nil, fmt.Errorf("unknown KV cache type %d", opts.KVType)
	}
	s := &Session{m: m, opts: opts, nCtx: opts.ContextSize, nBatch: min(opts.BatchSize, opts.ContextSize)}
	s.factors = m.ropeFactors(s.nCtx)
	switch {
	case !s.needsCheckpoints() || opts.Checkpoints < 0:
	case opts.Checkpoints == 0:
		s.maxCheckpoints = defaultCheckpoints
	default:
		s.maxCheckpoints = opts.Checkpoints
	}
	s.checkpoints = make([]*checkpoint, 0, s.maxCheckpoints)
	s.tokens = make([]int32, 0, s.nCtx)
	slots := c.cacheSlots(s.nCtx, s.nBatch, opts.SWAFull)
	s.kv = newKVCache(opts.KVType, slots, c.NHeadKV, c.HeadDim, c.HeadDimV)
	for l, ls := range c.Layers {
		if ls.Kind == SlidingAttention && slots[l] < s.nCtx {
			s.ringSlots = slots[l]
		}
	}
	b := s.nBatch
	s.x = make([]float32, b*c.NEmbd)
	s.xn = make([]float32, b*c.NEmbd)
	s.q = make([]float32, b*c.NHead*c.HeadDim)
	s.k = make([]float32, b*c.NHeadKV*c.HeadDim)
	s.v = make([]float32, b*c.NHeadKV*c.HeadDimV)
	s.attnOut = make([]float32, b*c.NHead*c.HeadDimV)
	s.gate = make([]float32, b*c.NFF)
	s.up = make([]float32, b*c.NFF)
	s.ffnOut = make([]float32, b*c.NEmbd)
	for range m.ropes {
		s.ropeCos = append(s.ropeCos, make([]float32, b*c.RopeDim/2))
		s.ropeSin = append(s.ropeSin, make([]float32, b*c.RopeDim/2))
	}
	for _, ly := range m.layers {
		if ly.gatedQ && s.qGate == nil {
			s.qGate = make([]float32, b*2*c.NHead*c.HeadDim)
		}
	}
	s.logits = make([]float32, c.NVocab)
	var scratchBytes int
	s.actQ, s.actPrep, scratchBytes = s.activationBuffers()
	s.pool = newPool(opts.Threads)
	s.matScratch = make([]kernels.Scratch, s.pool.n)
	for w := range s.matScratch {
		s.matScratch[w].Grow(scratchBytes)
	}
	s.proj.scratch = s.matScratch
	if c.LayersOf(Recurrent) > 0 {
		s.delta = newDeltaNetState(c, s.nBatch, s.pool.n)
	}
	s.scores = make([][]float32, s.pool.n)
	for w := range s.scores {
		s.scores[w] = make([]float32, c.NHead/c.NHeadKV*s.nCtx)
	}
	g := c.NHead / c.NHeadKV
	s.attnBQ, s.attnBK = attnQueryBlock(g), attnKeyBlock
	s.attnTile = make([]attnScratch, s.pool.n)
	for w := range s.attnTile {
		s.attnTile[w] = newAttnScratch(s.attnBQ, s.attnBK, g, c.HeadDim, c.HeadDimV, s.kv.elemBytes)
	}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// activationBuffers returns the buffers the projections quantize their
// input into, one per activation format, large enough for a batch into
// any matrix consuming that format, and the buffers the packed matrices'
// products prepare those columns in (kernels.PrepareActs), one per packed
// weight type; and how much kernels.Scratch a worker's products of a batch
// by the other matrices use at most.
func (s *Session) activationBuffers() (q, prep map[quant.Type][]byte, scratch int) {
	need := map[quant.Type]int{}
	needPrep := map[quant.Type]int{}
	add := func(m *Matrix) {
		if m == nil {
			return
		}
		at := kernels.ActType(m.Type)
		need[at] = max(need[at], kernels.ActBytes(m.Type, m.Cols)*s.nBatch)
		if m.Packed != nil && s.nBatch > 1 {
			needPrep[m.Type] = max(needPrep[m.Type], kernels.PackedActsBytes(m.Type, m.Cols, s.nBatch))
		}
		if m.Packed == nil && s.nBatch > 1 {
			scratch = max(scratch, kernels.MatMulScratchBytes(m.Type, m.Cols, s.nBatch))
		}
	}
	add(s.m.output)
	for i := range s.m.layers {
		ly := &s.m.layers[i]
		for _, m := range []*Matrix{ly.wq, ly.wk, ly.wv, ly.wo, ly.wGate, ly.wUp, ly.wDown} {
			add(m)
		}
		if dn := ly.delta; dn != nil {
			for _, m := range []*Matrix{dn.wqkv, dn.wz, dn.wBeta, dn.wAlpha, dn.wOut} {
				add(m)
			}
		}
	}
	alloc := func(need map[quant.Type]int) map[quant.Type][]byte {
		bufs := make(map[quant.Type][]byte, len(need))
		for t, n := range need {
			bufs[t] = make([]byte, n)
		}
		return bufs
	}
	return alloc(need), alloc(needPrep), scratch
}

// cacheSlots returns how many positions each layer's KV cache holds for a
// context of nCtx tokens and batches of nBatch: every position of the
// context for full attention; the window and one batch for a
// sliding-window layer (a batch's first token still sees the window-1
// positions before the batch), as a ring; none for a recurrent layer.
func (c *Config) cacheSlots(nCtx, nBatch int, swaFull bool) []int {
	slots := make([]int, c.NLayer)
	for l, ls := range c.Layers {
		switch {
		case ls.Kind == FullAttention, ls.Kind == SlidingAttention && swaFull:
			slots[l] = nCtx
		case ls.Kind == SlidingAttention:
			slots[l] = min(nCtx, c.SlidingWindow-1+nBatch)
		}
	}
	return slots
}

// CacheBytes returns what a session of nCtx tokens of context, batches of
// nBatch tokens, KV cache type kv and SWAFull swaFull holds for its layers
// (Session.Memory's KV and Recurrent): the keys and values of the attention
// layers and the state of the recurrent ones.
func (c *Config) CacheBytes(kv KVType, nCtx, nBatch int, swaFull bool) (kvBytes, recurrent int64) {
	elem := int64(2)
	if kv == KVF32 {
		elem = 4
	}
	for l, n := range c.cacheSlots(nCtx, min(nBatch, nCtx), swaFull) {
		kvBytes += int64(n) * int64(c.NHeadKV*(c.HeadDim+c.HeadDimV)) * elem
		if c.Layers[l].Kind == Recurrent {
			recurrent += 4 * int64(c.DeltaNet.StateFloats())
		}
	}
	return kvBytes, recurrent
}

// Memory is what a session holds besides the model's weights.
type Memory struct {
	// KV is the attention layers' key/value cache: every position of the
	// context for full attention, the window and a batch for sliding
	// windows.
	KV int64
	// Recurrent is the recurrent layers' state, of a fixed size.
	Recurrent int64
	// Checkpoints is what the prefill checkpoints taken so far hold (at
	// most SessionOptions.Checkpoints of them).
	Checkpoints int64
	// Scratch is the forward pass's buffers for one batch.
	Scratch int64
}

// Memory returns the sizes of the session's caches, states and buffers.
func (s *Session) Memory() Memory {
	mem := Memory{KV: s.kv.bytes(), Checkpoints: s.checkpointBytes()}
	f := func(xs ...[]float32) (n int64) {
		for _, x := range xs {
			n += int64(4 * len(x))
		}
		return n
	}
	if d := s.delta; d != nil {
		for l := range d.conv {
			mem.Recurrent += f(d.conv[l], d.state[l])
		}
		mem.Scratch += f(d.convIn, d.qkv, d.z, d.beta, d.g, d.o)
		for _, c := range d.chunks {
			mem.Scratch += f(c.q, c.k, c.v, c.u, c.w, c.qs, c.kk, c.t, c.d, c.bt, c.ct, c.upd, c.g, c.negG, c.beta)
		}
	}
	mem.Scratch += f(s.x, s.xn, s.q, s.k, s.v, s.attnOut, s.gate, s.up, s.ffnOut, s.qGate, s.logits, s.scoreRows)
	for w := range s.scores {
		a := &s.attnTile[w]
		mem.Scratch += f(s.scores[w], a.q, a.s, a.pv, a.o, a.m) + int64(len(a.v)+8*len(a.sum))
	}
	for _, b := range s.actQ {
		mem.Scratch += int64(len(b))
	}
	for _, b := range s.actPrep {
		mem.Scratch += int64(len(b))
	}
	return mem
}

// Pos returns the number of tokens in the KV cache.
func (s *Session) Pos() int { return s.pos }

// ContextSize returns the size of the context window in tokens.
func (s *Session) ContextSize() int { return s.nCtx }

// Threads returns the number of worker threads.
func (s *Session) Threads() int { return s.pool.n }

// Model returns the model the session runs.
func (s *Session) Model() *Model { return s.m }

// Tokens returns the ids of the tokens in the KV cache, in order. The slice
// belongs to the session: it is valid until the next call that changes the
// cache.
func (s *Session) Tokens() []int32 { return s.tokens[:s.pos:s.pos] }

// Reset empties the KV cache and the recurrent state.
func (s *Session) Reset() {
	s.Truncate(0)
	s.clearState()
	s.checkpoints = s.checkpoints[:0]
}

// Truncate drops every cached token from position n on, so that generation
// continues after the first n tokens, and returns how many tokens the cache
// keeps: n, or the number cached when that is fewer. A model with
// recurrent or sliding-window layers keeps the largest position at most n
// it can restore (from a prefill checkpoint or, for sliding windows, from
// the ring; see checkpoint.go), 0 when none. Callers that reuse a prefix
// prefill from the returned position.
func (s *Session) Truncate(n int) int {
	if n < 0 || n >= s.pos {
		return s.pos
	}
	keep, cp := s.restorable(n)
	switch {
	case cp != nil:
		s.restoreCheckpoint(cp)
	case keep == 0:
		s.clearState()
	}
	s.dropCheckpointsAfter(keep)
	s.pos = keep
	s.tokens = s.tokens[:keep]
	return keep
}

// clearState empties what position 0 must not inherit: the recurrent
// state and the sliding-window rings' history.
func (s *Session) clearState() {
	if s.delta != nil {
		s.delta.reset()
	}
	s.ringStart = 0
}

// Close stops the session's worker threads. A closed session cannot be used.
func (s *Session) Close() {
	if s.pool != nil {
		s.pool.close()
		s.pool = nil
	}
	runtime.SetFinalizer(s, nil)
}
