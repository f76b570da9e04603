package testmodel

import (
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gollm/gollm/quant"
)

// chunkBytes is about how much quantized data a tensorReader produces at a
// time.
const chunkBytes = 4 << 20

// tensorReader generates a tensor's values row by row, quantizes them and
// serves the bytes, one chunk of rows at a time. Rows of a chunk are shared
// among worker goroutines; every row has its own random stream, so the
// bytes do not depend on the chunking or the number of workers.
type tensorReader struct {
	t        plannedTensor
	seed     uint64
	threads  int
	rows     int
	cols     int
	rowBytes int
	size     int64
	next     int // next row to generate
	buf      []byte
	off      int
	served   int64
	scratch  [][]float32
	progress func(done int64)
}

func newTensorReader(t plannedTensor, seed uint64, threads int) (*tensorReader, error) {
	rb, err := t.typ.RowBytes(int64(t.cols()))
	if err != nil {
		return nil, err
	}
	r := &tensorReader{t: t, seed: tensorSeed(seed, t.name), threads: threads, rows: t.rows(), cols: t.cols(), rowBytes: int(rb)}
	r.size = int64(r.rows) * rb
	return r, nil
}

// tensorSeed derives a tensor's stream seed from the model seed and the
// tensor's name.
func tensorSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return splitmix(seed ^ h.Sum64())
}

// splitmix is the SplitMix64 finalizer, a cheap bijective scrambler.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (r *tensorReader) Read(p []byte) (int, error) {
	if r.off == len(r.buf) {
		if r.next >= r.rows {
			return 0, io.EOF
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	r.served += int64(n)
	if r.progress != nil && r.off == len(r.buf) {
		r.progress(r.served)
	}
	return n, nil
}

// fill generates and quantizes the next chunk of rows.
func (r *tensorReader) fill() error {
	n := min(max(1, chunkBytes/r.rowBytes), r.rows-r.next)
	if cap(r.buf) < n*r.rowBytes {
		r.buf = make([]byte, n*r.rowBytes)
	}
	r.buf, r.off = r.buf[:n*r.rowBytes], 0
	workers := max(1, min(r.threads, n/8))
	for len(r.scratch) < workers {
		r.scratch = append(r.scratch, make([]float32, r.cols))
	}
	first := r.next
	r.next += n
	errs := make([]error, workers)
	work := func(w int) {
		lo, hi := first+n*w/workers, first+n*(w+1)/workers
		for row := lo; row < hi; row++ {
			src := r.scratch[w]
			r.t.genRow(r.seed, row, src)
			off := (row - first) * r.rowBytes
			if err := quant.Quantize(r.t.typ, src, r.buf[off:off+r.rowBytes]); err != nil {
				errs[w] = err
				return
			}
		}
	}
	if workers == 1 {
		work(0)
		return errs[0]
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { work(w) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// irwinHallScale turns a sum of four uniform 16-bit integers into a value
// of unit variance.
const irwinHallScale = 1.7320508075688772 / 65536 // sqrt(3) / 2^16

// genRow fills dst with row row of the tensor: approximately normal noise
// (the sum of four uniform 16-bit draws, cheap and bounded at ±3.5 sigma)
// times the tensor's scale, plus 1 for norm weights.
func (t tensorDesc) genRow(seed uint64, row int, dst []float32) {
	var p rand.PCG
	p.Seed(seed, splitmix(uint64(row)))
	switch t.kind {
	case kindDecayA, kindDtBias:
		// Uniform draws u in [0, 1): A in [1, 16] and dt log-uniform in
		// [0.001, 0.1], as Mamba-style layers are initialized.
		for i := range dst {
			u := float64(p.Uint64()>>11) / (1 << 53)
			if t.kind == kindDecayA {
				dst[i] = float32(-(1 + 15*u))
			} else {
				dt := math.Exp(math.Log(0.001) + u*math.Log(100))
				dst[i] = float32(math.Log(math.Expm1(dt)))
			}
		}
		return
	}
	sc := t.scale() * irwinHallScale
	var base float32
	if t.kind == kindNorm {
		base = 1
	}
	for i := range dst {
		u := p.Uint64()
		s := u&0xffff + u>>16&0xffff + u>>32&0xffff + u>>48
		dst[i] = base + (float32(s)-131070)*sc
	}
}
