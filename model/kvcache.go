package model

import "github.com/gollm/gollm/kernels"

// kvCache holds the keys and values of every layer for every position, in
// F16 or F32. Layer l's keys for position p are the kDim elements at
// (l*nCtx + p)*kDim; values likewise with vDim.
type kvCache struct {
	typ        KVType
	nCtx       int
	kDim, vDim int
	k16, v16   []uint16
	k32, v32   []float32
}

func newKVCache(typ KVType, nLayer, nCtx, kDim, vDim int) kvCache {
	c := kvCache{typ: typ, nCtx: nCtx, kDim: kDim, vDim: vDim}
	if typ == KVF16 {
		c.k16 = make([]uint16, nLayer*nCtx*kDim)
		c.v16 = make([]uint16, nLayer*nCtx*vDim)
	} else {
		c.k32 = make([]float32, nLayer*nCtx*kDim)
		c.v32 = make([]float32, nLayer*nCtx*vDim)
	}
	return c
}

func (c *kvCache) bytes() int64 {
	return int64(len(c.k16)+len(c.v16))*2 + int64(len(c.k32)+len(c.v32))*4
}

// store writes n positions of keys and values, starting at pos, for layer l.
func (c *kvCache) store(l, pos, n int, k, v []float32) {
	ko := (l*c.nCtx + pos) * c.kDim
	vo := (l*c.nCtx + pos) * c.vDim
	if c.typ == KVF16 {
		kernels.F32ToF16Slice(c.k16[ko:ko+n*c.kDim], k[:n*c.kDim])
		kernels.F32ToF16Slice(c.v16[vo:vo+n*c.vDim], v[:n*c.vDim])
		return
	}
	copy(c.k32[ko:ko+n*c.kDim], k[:n*c.kDim])
	copy(c.v32[vo:vo+n*c.vDim], v[:n*c.vDim])
}

// keyDot returns the dot product of q with the key of head h (of size hd) at
// position p of layer l.
func (c *kvCache) keyDot(l, p, h, hd int, q []float32) float32 {
	o := (l*c.nCtx+p)*c.kDim + h*hd
	if c.typ == KVF16 {
		return kernels.DotF16(c.k16[o:o+hd], q)
	}
	return kernels.Dot(c.k32[o:o+hd], q)
}

// addValue adds weight times the value of head h (of size hd) at position p
// of layer l to out.
func (c *kvCache) addValue(l, p, h, hd int, weight float32, out []float32) {
	o := (l*c.nCtx+p)*c.vDim + h*hd
	if c.typ == KVF16 {
		kernels.AxpyF16(weight, c.v16[o:o+hd], out)
		return
	}
	kernels.Axpy(weight, c.v32[o:o+hd], out)
}
