package model

import (
	"github.com/gollm/gollm/tensor"

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

	// Scratch, sized for nBatch tokens.
	x, xn      []float32 // residual stream and its normalized copy [B][d]
	q, k, v    []float32 // projections [B][heads*headDim]
	attnOut    []float32 // [B][nHead*headDimV]
	gate, up   []float32 // [B][nFF]
	ffnOut     []float32 // [B][d] (also attention output projection)
	ropeCos    []float32 // [B][ropeDim/2]
	ropeSin    []float32
	scores     [][]float32   // per worker [query heads per KV head][nCtx]
	attnTile   []attnScratch // per worker, tiled attention
	attnBQ     int           // query tokens per attention tile (0: row path only, tests)
	attnBK     int           // keys per attention tile
	actQ       map[quant.Type][]byte
	logits     []float32 // [nVocab]
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
	s.tokens = make([]int32, 0, s.nCtx)
	s.kv = newKVCache(opts.KVType, c.NLayer, s.nCtx, c.NHeadKV, c.HeadDim, c.HeadDimV)
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
	s.ropeCos = make([]float32, b*c.RopeDim/2)
	s.ropeSin = make([]float32, b*c.RopeDim/2)
	s.logits = make([]float32, c.NVocab)
	s.actQ = s.activationBuffers()
	s.pool = newPool(opts.Threads)
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

// activationBuffers allocates one quantized-activation buffer per activation
// format the model's matrices use, large enough for a batch of the widest
// input.
func (s *Session) activationBuffers() map[quant.Type][]byte {
	need := map[quant.Type]int{}
	add := func(m *tensor.Matrix) {
		if m == nil {
			return
		}
		at := kernels.ActType(m.Type)
		need[at] = max(need[at], kernels.ActBytes(m.Type, m.Cols)*s.nBatch)
	}
	add(s.m.output)
	for i := range s.m.layers {
		ly := &s.m.layers[i]
		for _, m := range []*tensor.Matrix{ly.wq, ly.wk, ly.wv, ly.wo, ly.wGate, ly.wUp, ly.wDown} {
			add(m)
		}
	}
	bufs := make(map[quant.Type][]byte, len(need))
	for t, n := range need {
		bufs[t] = make([]byte, n)
	}
	return bufs
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

// Reset empties the KV cache.
func (s *Session) Reset() { s.Truncate(0) }

// Truncate drops every cached token from position n on, so that generation
// continues after the first n tokens, and returns how many tokens the cache
// keeps: n, or the number cached when that is fewer. (An architecture that
// cannot rewind exactly keeps the largest position at most n it can
// restore.) Callers that reuse a prefix prefill from the returned position.
func (s *Session) Truncate(n int) int {
	if n >= 0 && n < s.pos {
		s.pos = n
		s.tokens = s.tokens[:n]
	}
	return s.pos
}

// Close stops the session's worker threads. A closed session cannot be used.
func (s *Session) Close() {
	if s.pool != nil {
		s.pool.close()
		s.pool = nil
	}
	runtime.SetFinalizer(s, nil)
}
