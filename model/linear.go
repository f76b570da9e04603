package model

import (
	"sync/atomic"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// target is one matrix product of a projection: out[t][r] = row r of m ·
// input token t, plus bias[r] when bias is non-nil.
type target struct {
	m    *Matrix
	out  []float32
	bias []float32
	q    []byte              // the input in m's activation format (set by project)
	acts *kernels.PackedActs // the input prepared for m's packed products (set by project)
}

// maxTargets is the most matrices that share one input (a gated DeltaNet's
// QKV, gate, beta and alpha).
const maxTargets = 4

// projectJob multiplies one input batch by up to three matrices in a single
// parallel region. The rows of all of them form one range that workers
// claim in chunks from a shared counter: a worker the OS delays holds up
// only its current chunk, not a fixed half of every matrix, and one that
// keeps arriving late shows at the barrier (the pool then tries the next
// jobs without it: pool.runClaimed). Every row is computed the same way
// whoever claims it, so results do not depend on the number of threads.
type projectJob struct {
	targets  [maxTargets]target
	nTargets int
	x        []float32 // [n][cols]
	cols, n  int
	prepared [maxTargets]kernels.PackedActs // one per packed weight type of the targets
	rows     int                            // total rows of all targets
	scratch  []kernels.Scratch              // per worker (Session.matScratch)
	chunk    int                            // rows per claim, a multiple of 16
	next     atomic.Int64
}

// chunkRows picks the claim size for rows split among nw workers: about
// eight claims per worker, at least 16 rows (whole kernel tiles) and at
// most 1024.
func chunkRows(rows, nw int) int {
	c := rows / (8 * nw)
	return min(max(c/16*16, 16), 1024)
}

// project computes the products of input x ([n][cols]) with each target's
// matrix. The input is quantized once per activation format and shared by
// every target that consumes that format; for a batch, the packed
// matrices' tiles get it prepared once per packed weight type.
func (s *Session) project(x []float32, cols, n int, ts ...target) {
	if len(ts) > maxTargets {
		panic("model: project: more targets than maxTargets")
	}
	j := &s.proj
	j.nTargets = copy(j.targets[:], ts)
	j.x, j.cols, j.n, j.rows = x, cols, n, 0
	for i := range j.nTargets {
		j.rows += j.targets[i].m.Rows
	}
	j.chunk = chunkRows(j.rows, s.pool.n)
	j.next.Store(0)
	s.quantizeInput(x, cols, n, j.targets[:j.nTargets])
	s.prepareInput(j)
	s.pool.runClaimed(j, n, float64(j.rows)*float64(cols*n))
	for i := range j.nTargets {
		t := &j.targets[i]
		if t.bias == nil {
			continue
		}
		for tok := 0; tok < n; tok++ {
			kernels.Axpy(1, t.bias, t.out[tok*t.m.Rows:(tok+1)*t.m.Rows])
		}
	}
}

// do claims chunks of rows until none are left.
func (j *projectJob) do(w, _ int) {
	for {
		lo := int(j.next.Add(int64(j.chunk))) - j.chunk
		if lo >= j.rows {
			return
		}
		j.rowRange(lo, min(lo+j.chunk, j.rows), &j.scratch[w])
	}
}

// rowRange computes rows [lo, hi) of the concatenated targets, in the
// worker's scratch sc.
func (j *projectJob) rowRange(lo, hi int, sc *kernels.Scratch) {
	base := 0
	for i := range j.nTargets {
		t := &j.targets[i]
		r0, r1 := max(lo-base, 0), min(hi-base, t.m.Rows)
		base += t.m.Rows
		if r0 >= r1 {
			continue
		}
		m, q := t.m, t.q
		if m.Packed != nil {
			if j.n == 1 {
				kernels.MatVecPacked(m.Type, m.Packed, m.Cols, m.Rows, r0, q, t.out[r0:r1])
				continue
			}
			kernels.MatMulPacked(m.Type, m.Packed, m.Cols, m.Rows, r0, r1, t.acts, t.out[r0:], m.Rows, sc)
			continue
		}
		w := m.Data[r0*m.RowBytes : r1*m.RowBytes]
		if j.n == 1 {
			kernels.MatVec(m.Type, w, m.Cols, j.x, q, t.out[r0:r1])
			continue
		}
		kernels.MatMul(m.Type, w, m.Cols, r1-r0, j.x, q, j.n, t.out[r0:], m.Rows, sc)
	}
}

// quantizeJob quantizes the rows of a batch into one activation format.
type quantizeJob struct {
	wt   quant.Type // a weight type consuming the format
	x    []float32
	q    []byte
	cols int
	n    int
}

func (j *quantizeJob) do(w, nw int) {
	lo, hi := split(j.n, w, nw)
	ab := kernels.ActBytes(j.wt, j.cols)
	for r := lo; r < hi; r++ {
		kernels.QuantizeAct(j.wt, j.x[r*j.cols:(r+1)*j.cols], j.q[r*ab:(r+1)*ab])
	}
}

// quantizeInput quantizes x once for each activation format the targets
// consume, and points each target at its format's columns.
func (s *Session) quantizeInput(x []float32, cols, n int, ts []target) {
	var done [2]quant.Type
	nDone := 0
outer:
	for i := range ts {
		wt := ts[i].m.Type
		at := kernels.ActType(wt)
		if at == quant.F32 {
			continue
		}
		ts[i].q = s.actQ[at][:n*kernels.ActBytes(wt, cols)]
		for _, d := range done[:nDone] {
			if d == at {
				continue outer
			}
		}
		if nDone < len(done) {
			done[nDone] = at
			nDone++
		}
		j := &s.quantizeJb
		*j = quantizeJob{wt: wt, x: x, q: s.actQ[at], cols: cols, n: n}
		if n == 1 {
			j.do(0, 1)
		} else {
			s.pool.run(j)
		}
	}
}

// prepareInput readies the quantized input of a batch once per packed
// weight type among j's targets (kernels.PrepareActs) and points each
// packed target at it: every worker's row ranges of every such matrix
// share it.
func (s *Session) prepareInput(j *projectJob) {
	nPrep := 0
next:
	for i := range j.targets[:j.nTargets] {
		t := &j.targets[i]
		t.acts = nil
		if t.m.Packed == nil || j.n == 1 {
			continue
		}
		for k := range j.prepared[:nPrep] {
			if p := &j.prepared[k]; p.Type() == t.m.Type {
				t.acts = p
				continue next
			}
		}
		j.prepared[nPrep] = kernels.PrepareActs(t.m.Type, t.q, t.m.Cols, j.n, s.actPrep[t.m.Type])
		t.acts = &j.prepared[nPrep]
		nPrep++
	}
}
