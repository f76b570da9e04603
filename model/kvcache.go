package model

import (
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// kvCache holds the keys and values of every attention layer, in F16 or
// F32, laid out for attention:
//
//   - keys as [layer][kv head][slot][headDim]: the keys one KV head
//     attends over are consecutive rows, so the scores of all the query
//     heads sharing it are one matrix product over the cache;
//   - values transposed, as [layer][kv head][headDimV][slot]: each output
//     element is one dot product of a value row with the attention weights.
//
// Each layer has its own number of slots, used as a ring: position p lives
// in slot p % slots. A full-attention layer has a slot for every position
// of the context (so slot = position); a sliding-window layer only the
// window and a batch; a recurrent layer none.
type kvCache struct {
	typ       quant.Type // quant.F16 or quant.F32
	nHeadKV   int
	hd, hdv   int
	layers    []kvLayer
	k, v      []byte // the caches, viewed as bytes for the kernels
	k16, v16  []uint16
	k32, v32  []float32
	elemBytes int
}

// kvLayer is one layer's part of the cache: its number of slots and the
// element offsets of its keys and values.
type kvLayer struct {
	slots      int
	kOff, vOff int
}

// kvSpan is a run of consecutive positions held in consecutive slots.
type kvSpan struct{ slot, n int }

func newKVCache(typ KVType, slots []int, nHeadKV, hd, hdv int) kvCache {
	c := kvCache{typ: quant.F16, nHeadKV: nHeadKV, hd: hd, hdv: hdv, elemBytes: 2, layers: make([]kvLayer, len(slots))}
	nk, nv := 0, 0
	for l, n := range slots {
		c.layers[l] = kvLayer{slots: n, kOff: nk, vOff: nv}
		nk += nHeadKV * n * hd
		nv += nHeadKV * n * hdv
	}
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

// bytes returns the size of the cache in bytes.
func (c *kvCache) bytes() int64 { return int64(len(c.k) + len(c.v)) }

// bytesOf views a slice of fixed-size numbers as its bytes.
func bytesOf[T uint16 | float32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// slot returns the slot of position p in layer l.
func (c *kvCache) slot(l, p int) int { return p % c.layers[l].slots }

// spans returns the slots of positions [lo, hi) of layer l (at most one
// ring of them): one span, or two when they wrap around the ring's end.
func (c *kvCache) spans(l, lo, hi int) [2]kvSpan {
	first := c.slot(l, lo)
	n := hi - lo
	head := min(n, c.layers[l].slots-first)
	return [2]kvSpan{{first, head}, {0, n - head}}
}

// visit calls fn with the bytes of the keys and values of positions
// [from, from+n) of layer l (n at most one ring): per KV head, its key rows,
// then its value rows (one per value element).
func (c *kvCache) visit(l, from, n int, fn func([]byte)) {
	spans := c.spans(l, from, from+n)
	for h := range c.nHeadKV {
		for _, sp := range spans {
			if sp.n > 0 {
				fn(c.keys(l, h, sp.slot, sp.n))
			}
		}
		for d := range c.hdv {
			for _, sp := range spans {
				if sp.n > 0 {
					fn(c.values(l, h, d, sp.slot, sp.n))
				}
			}
		}
	}
}

// keyIndex is the element index of the key of kv head h in slot i of
// layer l.
func (c *kvCache) keyIndex(l, h, i int) int {
	ly := &c.layers[l]
	return ly.kOff + (h*ly.slots+i)*c.hd
}

// valueIndex is the element index of element d of the values of kv head h
// in slot i of layer l.
func (c *kvCache) valueIndex(l, h, d, i int) int {
	ly := &c.layers[l]
	return ly.vOff + (h*c.hdv+d)*ly.slots + i
}

// store writes the keys and values of n tokens ([n][nHeadKV*hd] and
// [n][nHeadKV*hdv]) at positions pos.. of layer l.
func (c *kvCache) store(l, pos, n int, k, v []float32) {
	for t := 0; t < n; t++ {
		slot := c.slot(l, pos+t)
		for h := 0; h < c.nHeadKV; h++ {
			src := k[(t*c.nHeadKV+h)*c.hd : (t*c.nHeadKV+h+1)*c.hd]
			at := c.keyIndex(l, h, slot)
			if c.typ == quant.F16 {
				kernels.F32ToF16Slice(c.k16[at:at+c.hd], src)
			} else {
				copy(c.k32[at:at+c.hd], src)
			}
			vals := v[(t*c.nHeadKV+h)*c.hdv : (t*c.nHeadKV+h+1)*c.hdv]
			// Values are stored transposed: element d of this one is
			// d rows of the layer's slots after element 0.
			at, stride := c.valueIndex(l, h, 0, slot), c.layers[l].slots
			if c.typ != quant.F16 {
				for d, x := range vals {
					c.v32[at+d*stride] = x
				}
				continue
			}
			// Convert a run of them at once, then scatter.
			var h16 [256]uint16
			for d0 := 0; d0 < len(vals); d0 += len(h16) {
				run := vals[d0:min(d0+len(h16), len(vals))]
				kernels.F32ToF16Slice(h16[:len(run)], run)
				for d, x := range h16[:len(run)] {
					c.v16[at+(d0+d)*stride] = x
				}
			}
		}
	}
}

// keys returns the keys of kv head h in slots [i, i+n) of layer l, as n
// consecutive rows of hd elements.
func (c *kvCache) keys(l, h, i, n int) []byte {
	at := c.keyIndex(l, h, i) * c.elemBytes
	return c.k[at : at+n*c.hd*c.elemBytes]
}

// values returns the bytes of element d of the values of kv head h in
// slots [i, i+n) of layer l.
func (c *kvCache) values(l, h, d, i, n int) []byte {
	at := c.valueIndex(l, h, d, i) * c.elemBytes
	return c.v[at : at+n*c.elemBytes]
}

// valueBlock returns the values of kv head h in slots [i, i+n) of layer
// l: hdv rows (one per element d) of n elements, stride elements apart.
func (c *kvCache) valueBlock(l, h, i, n int) (b []byte, stride int) {
	stride = c.layers[l].slots
	at := c.valueIndex(l, h, 0, i) * c.elemBytes
	return c.v[at : at+((c.hdv-1)*stride+n)*c.elemBytes], stride
}

// valueDot returns the dot product of element d of the values of kv head h
// in slots [i, i+len(w)) of layer l with the weights w.
func (c *kvCache) valueDot(l, h, d, i int, w []float32) float32 {
	at := c.valueIndex(l, h, d, i)
	if c.typ == quant.F16 {
		return kernels.DotF16(c.v16[at:at+len(w)], w)
	}
	return kernels.Dot(c.v32[at:at+len(w)], w)
}
