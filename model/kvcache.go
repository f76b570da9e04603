package model

import (
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// kvCache holds the keys and values of every layer for every position, in
// F16 or F32, laid out for attention:
//
//   - keys as [layer][kv head][position][headDim]: the keys one KV head
//     attends over are consecutive rows, so the scores of all the query
//     heads sharing it are one matrix product over the cache;
//   - values transposed, as [layer][kv head][headDimV][position]: each output
//     element is one dot product of a value row with the attention weights.
type kvCache struct {
	typ       quant.Type // quant.F16 or quant.F32
	nCtx      int
	nHeadKV   int
	hd, hdv   int
	k, v      []byte // the caches, viewed as bytes for the kernels
	k16, v16  []uint16
	k32, v32  []float32
	elemBytes int
}

func newKVCache(typ KVType, nLayer, nCtx, nHeadKV, hd, hdv int) kvCache {
	c := kvCache{typ: quant.F16, nCtx: nCtx, nHeadKV: nHeadKV, hd: hd, hdv: hdv, elemBytes: 2}
	nk, nv := nLayer*nHeadKV*nCtx*hd, nLayer*nHeadKV*nCtx*hdv
	if typ == KVF32 {
		c.typ, c.elemBytes = quant.F32, 4
		c.k32, c.v32 = make([]float32, nk), make([]float32, nv)
		c.k, c.v = bytesOf(c.k32), bytesOf(c.v32)
	} else {
		c.k16, c.v16 = make([]uint16, nk), make([]uint16, nv)
		c.k, c.v = bytesOf(c.k16), bytesOf(c.v16)
	}
	return c
}

// bytesOf views a slice of fixed-size numbers as its bytes.
func bytesOf[T uint16 | float32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// keyIndex is the element index of the key of kv head h at position p of
// layer l.
func (c *kvCache) keyIndex(l, h, p int) int { return ((l*c.nHeadKV+h)*c.nCtx + p) * c.hd }

// valueIndex is the element index of element d of the values of kv head h
// at position p of layer l.
func (c *kvCache) valueIndex(l, h, d, p int) int { return ((l*c.nHeadKV+h)*c.hdv+d)*c.nCtx + p }

// store writes the keys and values of n tokens ([n][nHeadKV*hd] and
// [n][nHeadKV*hdv]) at positions pos.. of layer l.
func (c *kvCache) store(l, pos, n int, k, v []float32) {
	for t := 0; t < n; t++ {
		for h := 0; h < c.nHeadKV; h++ {
			src := k[(t*c.nHeadKV+h)*c.hd : (t*c.nHeadKV+h+1)*c.hd]
			at := c.keyIndex(l, h, pos+t)
			if c.typ == quant.F16 {
				kernels.F32ToF16Slice(c.k16[at:at+c.hd], src)
			} else {
				copy(c.k32[at:at+c.hd], src)
			}
			vals := v[(t*c.nHeadKV+h)*c.hdv : (t*c.nHeadKV+h+1)*c.hdv]
			for d, x := range vals {
				at := c.valueIndex(l, h, d, pos+t)
				if c.typ == quant.F16 {
					c.v16[at] = quant.F32ToF16(x)
				} else {
					c.v32[at] = x
				}
			}
		}
	}
}

// keys returns the keys of kv head h for positions [0, n) of layer l, as
// n consecutive rows of hd elements.
func (c *kvCache) keys(l, h, n int) []byte {
	at := c.keyIndex(l, h, 0) * c.elemBytes
	return c.k[at : at+n*c.hd*c.elemBytes]
}

// values returns the bytes of element d of the values of kv head h at
// positions [p, p+n) of layer l.
func (c *kvCache) values(l, h, d, p, n int) []byte {
	at := c.valueIndex(l, h, d, p) * c.elemBytes
	return c.v[at : at+n*c.elemBytes]
}

// valueDot returns the dot product of element d of the values of kv head h
// over positions [0, len(w)) with the weights w.
func (c *kvCache) valueDot(l, h, d int, w []float32) float32 {
	at := c.valueIndex(l, h, d, 0)
	if c.typ == quant.F16 {
		return kernels.DotF16(c.v16[at:at+len(w)], w)
	}
	return kernels.Dot(c.v32[at:at+len(w)], w)
}
