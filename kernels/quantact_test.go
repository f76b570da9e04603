package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// actFormats: one weight type per activation format, with the format's
// block size and bytes.
var actFormats = []struct {
	w, a   quant.Type
	bs, bb int
}{
	{quant.Q4_0, quant.Q8_0, 32, 34},
	{quant.Q4_K, quant.Q8_K, 256, 292},
}

// refQuantizeAct is the reference the levels must reproduce bit for bit.
func refQuantizeAct(a quant.Type, x []float32, q []byte) {
	if a == quant.Q8_0 {
		quant.QuantizeQ8_0(x, q)
	} else {
		quant.QuantizeQ8K(x, q)
	}
}

// checkQuantizeAct quantizes x (a whole number of blocks) at every level and
// fails unless each result is byte-identical to the reference and no byte
// past the end of q is written.
func checkQuantizeAct(t testing.TB, w quant.Type, x []float32, what string) {
	t.Helper()
	a := ActType(w)
	want := make([]byte, ActBytes(w, len(x)))
	refQuantizeAct(a, x, want)
	const guard = 64
	for _, lv := range Levels() {
		got := make([]byte, len(want)+guard)
		for i := range got {
			got[i] = 0xa5
		}
		withLevel(t, lv, func() { QuantizeAct(w, x, got) })
		if i := firstDiff(got[:len(want)], want); i >= 0 {
			bb, bs := a.BlockBytes(), w.BlockSize()
			blk := i / bb
			t.Fatalf("%s: %v level %s, %d values: byte %d (block %d, offset %d) is %#02x, reference %#02x\nblock values: %v",
				what, a, lv, len(x), i, blk, i%bb, got[i], want[i], x[blk*bs:blk*bs+bs])
		}
		for i, c := range got[len(want):] {
			if c != 0xa5 {
				t.Fatalf("%s: %v level %s, %d values: wrote byte %d past the end", what, a, lv, len(x), i)
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// randActBlock fills x with one of several distributions at scale s.
func randActBlock(rng *rand.Rand, x []float32, s float64) {
	mode := rng.IntN(4)
	for i := range x {
		switch mode {
		case 0:
			x[i] = float32(rng.NormFloat64() * s)
		case 1:
			x[i] = float32((2*rng.Float64() - 1) * s)
		case 2: // heavy-tailed, as real activations with outlier channels
			x[i] = float32(rng.NormFloat64() * s * math.Exp(3*rng.NormFloat64()))
		case 3: // multiples of s/2: many exact ties
			x[i] = float32(float64(rng.IntN(255)-127) * s / 2)
		}
	}
}

// TestQuantizeActRandom compares every level with the reference on random
// vectors of every whole number of blocks up to 4096 values, at scales from
// 1e-30 to 1e30.
func TestQuantizeActRandom(t *testing.T) {
	for _, f := range actFormats {
		rng := rand.New(rand.NewPCG(uint64(f.a), 21))
		for n := 0; n <= 4096; n += f.bs {
			x := make([]float32, n)
			for b := 0; b < n; b += f.bs {
				randActBlock(rng, x[b:b+f.bs], math.Pow(10, float64(rng.IntN(61)-30)))
			}
			checkQuantizeAct(t, f.w, x, "random")
		}
	}
}

// tieValues are k+0.5 for every k in [-127, 126] and the values around 0.5
// that rounding by adding 0.5 gets wrong.
func tieValues() []float32 {
	v := []float32{0.49999997, -0.49999997, 0.5, -0.5, 0.50000006, -0.50000006, 1.5, -1.5, 2.5, -2.5,
		0x1.fffffep-2, 126.49999, 126.5, -126.5, 1, -1, 0, float32(math.Copysign(0, -1))}
	for k := -127; k <= 126; k++ {
		v = append(v, float32(k)+0.5)
	}
	return v
}

// edgeActBlocks returns blocks of bs values that probe the corners of the
// quantizers: zeros, equal values, exact ties, near-ties, huge and tiny
// values around the scale thresholds, subnormals, Inf and NaN.
func edgeActBlocks(bs int) map[string][]float32 {
	rng := rand.New(rand.NewPCG(uint64(bs), 5))
	out := map[string][]float32{}
	fill := func(name string, f func(i int) float32) {
		x := make([]float32, bs)
		for i := range x {
			x[i] = f(i)
		}
		out[name] = x
	}
	negZero := float32(math.Copysign(0, -1))
	fill("zeros", func(int) float32 { return 0 })
	fill("negzeros", func(int) float32 { return negZero })
	fill("mixedzeros", func(i int) float32 { return [2]float32{0, negZero}[i%2] })
	for _, v := range []float32{1, -1, 3.14159, -127, 1e-3, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32, 0x1p-126, -0x1p-126, 127 * 0x1p-126, 65504 * 127, 65520 * 127} {
		fill(fmt.Sprintf("equal%g", v), func(int) float32 { return v })
	}
	// Exact ties: max |x| = 127*2^e makes d = 2^e (Q8_0) and iscale =
	// ∓2^-e (Q8_K) exact, so (k+0.5)*2^e lands exactly on k+0.5.
	ties := tieValues()
	for _, e := range []int{0, -3, 5, -60, 60, -120, 100} {
		for _, sign := range []float32{1, -1} {
			s := float32(math.Ldexp(1, e))
			fill(fmt.Sprintf("ties2^%d*%g", e, sign), func(i int) float32 {
				if i == bs/3 {
					return sign * 127 * s
				}
				return ties[(i*7+e&0xff)%len(ties)] * s
			})
		}
	}
	// Near-ties at a random scale: values one ulp either side of
	// (k+0.5)/id, with id computed as the references compute it.
	for r := range 6 {
		amax := float32(math.Exp(rng.NormFloat64() * 5))
		id := 1 / (amax / 127)
		fill(fmt.Sprintf("neartie%d", r), func(i int) float32 {
			if i == 0 {
				return amax
			}
			k := float32(rng.IntN(251) - 125)
			v := (k + 0.5) / id
			switch i % 3 {
			case 0:
				v = math.Nextafter32(v, float32(math.Inf(1)))
			case 1:
				v = math.Nextafter32(v, float32(math.Inf(-1)))
			}
			return v
		})
	}
	// One huge value among ordinary ones, first, inside and last.
	for _, at := range []int{0, bs / 2, bs - 1} {
		for _, h := range []float32{math.MaxFloat32, -math.MaxFloat32, 1e30, -3e38} {
			fill(fmt.Sprintf("huge%g@%d", h, at), func(i int) float32 {
				if i == at {
					return h
				}
				return float32(rng.NormFloat64())
			})
		}
	}
	fill("maxfloats", func(i int) float32 { return [2]float32{math.MaxFloat32, -math.MaxFloat32}[rng.IntN(2)] })
	// The same largest magnitude with both signs, in both orders (Q8_K's
	// max is the first one).
	for _, first := range []float32{5, -5} {
		fill(fmt.Sprintf("firstmax%g", first), func(i int) float32 {
			switch i {
			case 3:
				return first
			case bs - 2:
				return -first
			}
			return float32(rng.NormFloat64())
		})
	}
	// Magnitudes sweeping the subnormal and tiny-scale range: Q8_0's d
	// turns subnormal below max |x| = 127*2^-126, Q8_K's iscale overflows
	// below max |x| = 127/MaxFloat32.
	for e := -152; e <= -110; e++ {
		s := math.Ldexp(1, e)
		fill(fmt.Sprintf("tiny2^%d", e), func(int) float32 { return float32((2*rng.Float64() - 1) * s) })
	}
	for _, c := range []float32{127 * 0x1p-126, 127 / math.MaxFloat32} {
		v := c
		for range 4 {
			v = math.Nextafter32(v, 0)
		}
		for j := range 9 {
			m := v
			fill(fmt.Sprintf("threshold%g+%d", c, j), func(i int) float32 {
				if i == 1 {
					return -m
				}
				return float32(rng.Float64()) * m
			})
			v = math.Nextafter32(v, 1)
		}
	}
	fill("subnormals", func(int) float32 {
		return math.Float32frombits(uint32(rng.IntN(1<<23)) | uint32(rng.IntN(2))<<31)
	})
	// Inf and NaN (quiet, negative, signalling, with payload), alone and
	// among other values.
	nans := []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0x7fabcdef, 0xff812345}
	for j, bits := range append([]uint32{0x7f800000, 0xff800000}, nans...) {
		v := math.Float32frombits(bits)
		fill(fmt.Sprintf("special%#x", bits), func(i int) float32 {
			if i == j%bs {
				return v
			}
			return float32(rng.NormFloat64())
		})
		fill(fmt.Sprintf("specialzeros%#x", bits), func(i int) float32 {
			if i == bs-1 {
				return v
			}
			return 0
		})
	}
	fill("infnan", func(i int) float32 {
		switch i {
		case 2:
			return float32(math.Inf(1))
		case 5:
			return float32(math.NaN())
		case 7:
			return float32(math.Inf(-1))
		}
		return float32(rng.NormFloat64())
	})
	return out
}

// TestQuantizeActEdges checks every level on each edge block alone, and on
// all of them in one vector between ordinary blocks, so that the assembly
// resumes correctly after each block it leaves to the reference.
func TestQuantizeActEdges(t *testing.T) {
	for _, f := range actFormats {
		rng := rand.New(rand.NewPCG(uint64(f.a), 9))
		var all []float32
		blocks := edgeActBlocks(f.bs)
		for name, x := range blocks {
			checkQuantizeAct(t, f.w, x, name)
			ord := make([]float32, f.bs)
			randActBlock(rng, ord, 1)
			all = append(append(all, ord...), x...)
		}
		checkQuantizeAct(t, f.w, all, "all edges")
	}
}

// TestQuantizeActF16Scale checks the f16 rounding of Q8_0's d at every
// half-precision rounding boundary: max |x| = 127*h makes d = h exactly
// for each midpoint h between neighbouring halves and the floats just
// around it.
func TestQuantizeActF16Scale(t *testing.T) {
	x := make([]float32, 0, 32*8*0x7c00)
	for h := uint16(0); h < 0x7c00; h++ {
		lo, hi := quant.F16ToF32(h), quant.F16ToF32(h+1)
		mid := lo + (hi-lo)/2 // exact in float32
		for _, d := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9), lo} {
			if v := d * 127; !math.IsInf(float64(v), 0) && v/127 == d {
				blk := [32]float32{5: v, 6: -v / 3, 9: v / 2}
				x = append(x, blk[:]...)
			}
		}
	}
	checkQuantizeAct(t, quant.Q8_0, x, "f16 boundaries")
	// The scale of each block must be the reference's f16 conversion.
	q := make([]byte, ActBytes(quant.Q8_0, len(x)))
	QuantizeAct(quant.Q8_0, x, q)
	for b := range len(x) / 32 {
		d := x[32*b+5] / 127
		if got, want := binary.LittleEndian.Uint16(q[34*b:]), quant.F32ToF16(d); got != want {
			t.Fatalf("d %g: f16 %#04x, want %#04x", d, got, want)
		}
	}
}

// FuzzQuantizeAct quantizes random float bits at every level against the
// reference. The first byte picks the format and how the bits are used:
// raw (many blocks hold Inf or NaN), exponents kept finite, or exponents
// near 1 (where rounding ties matter).
func FuzzQuantizeAct(f *testing.F) {
	f.Add(uint8(0), []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	f.Add(uint8(3), make([]byte, 128))
	seed := make([]byte, 1024)
	for i := range seed {
		seed[i] = byte(i*37 + i>>3)
	}
	for m := range 6 {
		f.Add(uint8(m), seed)
	}
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		if len(data) < 4 {
			return
		}
		fm := actFormats[int(mode)%len(actFormats)]
		words := len(data) / 4
		nb := min((words+fm.bs-1)/fm.bs, 8)
		x := make([]float32, nb*fm.bs)
		for i := range x {
			j := i % words
			u := binary.LittleEndian.Uint32(data[4*j:]) ^ uint32(i/words)*0x9e3779b9
			switch mode / 2 % 3 {
			case 1: // finite
				if u&0x7f800000 == 0x7f800000 {
					u &^= 0x00800000
				}
			case 2: // exponent in [2^-8, 2^8)
				u = u&0x807fffff | (119+(u>>23&15))<<23
			}
			x[i] = math.Float32frombits(u)
		}
		checkQuantizeAct(t, fm.w, x, "fuzz")
	})
}

// BenchmarkQuantizeAct measures QuantizeAct per activation format and level
// on a 4096-value vector (a decode step's hidden state); throughput is in
// input float bytes.
func BenchmarkQuantizeAct(b *testing.B) {
	const n = 4096
	for _, f := range actFormats {
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		q := make([]byte, ActBytes(f.w, n))
		for _, lv := range Levels() {
			b.Run(fmt.Sprintf("type=%v/impl=%s", f.a, lv), func(b *testing.B) {
				b.SetBytes(4 * n)
				withLevel(b, lv, func() {
					for b.Loop() {
						QuantizeAct(f.w, x, q)
					}
				})
			})
		}
	}
}
