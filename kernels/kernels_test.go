package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// allTypes are the weight types with kernels.
var allTypes = []quant.Type{
	quant.F32, quant.F16, quant.BF16,
	quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.IQ4_NL,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS,
}

// scaleOffsets lists the byte offsets of the f16 scale fields of a block.
func scaleOffsets(t quant.Type) []int {
	switch t {
	case quant.Q4_1, quant.Q5_1, quant.Q4_K, quant.Q5_K:
		return []int{0, 2}
	case quant.Q2_K:
		return []int{80, 82}
	case quant.Q3_K:
		return []int{108}
	case quant.Q6_K:
		return []int{208}
	}
	return []int{0}
}

type fillMode int

const (
	fillRandom  fillMode = iota // random quants, small finite scales
	fillUnit                    // random quants, scales 1 (integer results, exact in float)
	fillZero                    // all bytes zero
	fillExtreme                 // quant bytes from {0, 0x7f, 0x80, 0xff}, scales ±65504
	fillSpecial                 // random quants, scales from {±Inf, NaN, 0, subnormal, max}
	numFillModes
)

func (m fillMode) String() string {
	return [...]string{"random", "unit", "zero", "extreme", "special"}[m]
}

// fillWeights fills b with rows of weight blocks of type t.
func fillWeights(t quant.Type, b []byte, rng *rand.Rand, mode fillMode) {
	switch t {
	case quant.F32, quant.F16, quant.BF16:
		es := t.BlockBytes()
		for i := 0; i+es <= len(b); i += es {
			var f float32
			switch mode {
			case fillRandom, fillUnit:
				f = float32(rng.NormFloat64())
			case fillExtreme:
				f = [...]float32{65504, -65504, 1, -1}[rng.IntN(4)]
			case fillSpecial:
				f = [...]float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0, 1e-7, 3}[rng.IntN(6)]
			}
			switch t {
			case quant.F32:
				binary.LittleEndian.PutUint32(b[i:], math.Float32bits(f))
			case quant.F16:
				binary.LittleEndian.PutUint16(b[i:], quant.F32ToF16(f))
			case quant.BF16:
				binary.LittleEndian.PutUint16(b[i:], quant.F32ToBF16(f))
			}
		}
		return
	}
	for i := range b {
		switch mode {
		case fillZero:
			b[i] = 0
		case fillExtreme:
			b[i] = [...]byte{0, 0x7f, 0x80, 0xff}[rng.IntN(4)]
		default:
			b[i] = byte(rng.Uint32())
		}
	}
	bb := t.BlockBytes()
	for i := 0; i+bb <= len(b); i += bb {
		for _, o := range scaleOffsets(t) {
			var h uint16
			switch mode {
			case fillRandom:
				h = quant.F32ToF16(float32(rng.NormFloat64() * 0.01))
			case fillUnit:
				h = 0x3c00
			case fillZero:
				h = 0
			case fillExtreme:
				h = [...]uint16{0x7bff, 0xfbff}[rng.IntN(2)]
			case fillSpecial:
				h = [...]uint16{0x7c00, 0xfc00, 0x7e00, 0, 0x0001, 0x7bff, 0x3c00}[rng.IntN(7)]
			}
			binary.LittleEndian.PutUint16(b[i+o:], h)
		}
	}
}

// makeAct returns n activations and their quantization for weight type t.
// In fillUnit mode the quantized activation has scale 1 and random quants
// in [-127, 127] (so integer dots are exact in float32).
func makeAct(t quant.Type, n int, rng *rand.Rand, mode fillMode) ([]float32, []byte) {
	x := make([]float32, n)
	switch mode {
	case fillZero:
	case fillExtreme:
		for i := range x {
			x[i] = [...]float32{1e4, -1e4, 0, 1e-3}[rng.IntN(4)]
		}
	default:
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
	}
	q := make([]byte, ActBytes(t, n))
	QuantizeAct(t, x, q)
	if mode == fillUnit {
		switch ActType(t) {
		case quant.Q8_0:
			for i := 0; i < len(q); i += 34 {
				binary.LittleEndian.PutUint16(q[i:], 0x3c00)
				for j := range 32 {
					q[i+2+j] = byte(int8(rng.IntN(255) - 127))
				}
			}
		case quant.Q8_K:
			for i := 0; i < len(q); i += 292 {
				binary.LittleEndian.PutUint32(q[i:], math.Float32bits(1))
				for g := range 16 {
					s := 0
					for j := range 16 {
						v := rng.IntN(255) - 127
						q[i+4+16*g+j] = byte(int8(v))
						s += v
					}
					binary.LittleEndian.PutUint16(q[i+260+2*g:], uint16(int16(s)))
				}
			}
		}
	}
	return x, q
}

// refDot is the float64 dot product of dequantized weights with the
// dequantized activation, and the sum of the absolute products (an error
// scale).
func refDot(t quant.Type, row []byte, n int, x []float32, q []byte) (dot, mag float64) {
	w := dequantTest(t, row, n)
	a := x
	if at := ActType(t); at != quant.F32 {
		a = dequantAct(at, q, n)
	}
	for i := range n {
		p := float64(w[i]) * float64(a[i])
		dot += p
		mag += math.Abs(p)
	}
	return dot, mag
}

// sameLevel compares a level's result with the generic twin's: within tol
// when the twin's is finite; non-finite (either infinity or NaN) when it is
// not, because an infinite block scale times an all-zero lane gives NaN in
// vector code where the scalar twin multiplies the whole block sum.
func sameLevel(got, want float32, tol float64) bool {
	if math.IsNaN(float64(want)) || math.IsInf(float64(want), 0) {
		return math.IsNaN(float64(got)) || math.IsInf(float64(got), 0)
	}
	return math.Abs(float64(got)-float64(want)) <= tol
}

func sameFloat(got, want float32, tol float64) bool {
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	if math.IsInf(float64(want), 0) {
		return got == want
	}
	return math.Abs(float64(got)-float64(want)) <= tol
}

// TestMatVecGeneric checks the generic kernels against a float64 dot of
// dequantized operands.
func TestMatVecGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ty := range allTypes {
		bs := ty.BlockSize()
		if bs == 1 {
			bs = 32
		}
		for _, nb := range []int{0, 1, 2, 3, 7, 8, 29} {
			n := nb * bs
			if ty.BlockSize() == 1 && nb == 29 {
				n += 5 // odd lengths for float types
			}
			rows := 3
			w := make([]byte, rows*n/ty.BlockSize()*ty.BlockBytes())
			for _, mode := range []fillMode{fillRandom, fillUnit, fillZero} {
				fillWeights(ty, w, rng, mode)
				x, q := makeAct(ty, n, rng, mode)
				out := make([]float32, rows)
				withLevel(t, "generic", func() { MatVec(ty, w, n, x, q, out) })
				rb := len(w) / rows
				for r := range rows {
					want, mag := refDot(ty, w[r*rb:(r+1)*rb], n, x, q)
					if !sameFloat(out[r], float32(want), 1e-5*mag+1e-30) {
						t.Errorf("%v n=%d %v row %d: got %g want %g (mag %g)", ty, n, mode, r, out[r], want, mag)
					}
				}
			}
		}
	}
}

// withLevel runs fn at kernel level name and restores the previous level.
func withLevel(t testing.TB, name string, fn func()) {
	t.Helper()
	prev := Level()
	if err := SetLevel(name); err != nil {
		t.Skip(err)
	}
	defer SetLevel(prev)
	fn()
}

// TestQuantizeAct checks the activation quantizers' invariants.
func TestQuantizeAct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 512)
	for i := range x {
		x[i] = float32(rng.NormFloat64()) * 3
	}
	x[5] = 0.5 // exact ties exercise rounding
	q := make([]byte, ActBytes(quant.Q8_0, len(x)))
	QuantizeAct(quant.Q4_0, x, q)
	a := dequantAct(quant.Q8_0, q, len(x))
	for i := range x {
		d := f16(q[34*(i/32):])
		if math.Abs(float64(a[i]-x[i])) > float64(d)*0.51+1e-6 {
			t.Fatalf("Q8_0 elem %d: %g -> %g (d %g)", i, x[i], a[i], d)
		}
	}
	qk := make([]byte, ActBytes(quant.Q4_K, len(x)))
	QuantizeAct(quant.Q4_K, x, qk)
	for b := range 2 {
		blk := qk[292*b:]
		d := f32le(blk)
		for g := range 16 {
			s := 0
			for j := range 16 {
				v := int8(blk[4+16*g+j])
				s += int(v)
				e := 256*b + 16*g + j
				if math.Abs(float64(d*float32(v)-x[e])) > math.Abs(float64(d))*0.51+1e-6 {
					t.Fatalf("Q8_K elem %d: %g -> %g", e, x[e], d*float32(v))
				}
			}
			if got := int16(binary.LittleEndian.Uint16(blk[260+2*g:])); int(got) != s {
				t.Fatalf("Q8_K bsum %d: %d want %d", g, got, s)
			}
		}
	}
	if n := testing.AllocsPerRun(10, func() { QuantizeAct(quant.Q4_K, x, qk) }); n != 0 {
		t.Errorf("QuantizeAct allocates %v", n)
	}
}

func TestActBytes(t *testing.T) {
	for _, c := range []struct {
		t    quant.Type
		n    int
		want int
	}{{quant.Q4_0, 64, 68}, {quant.Q4_K, 512, 584}, {quant.F16, 64, 0}, {quant.IQ4_XS, 256, 292}, {quant.IQ4_NL, 32, 34}} {
		if got := ActBytes(c.t, c.n); got != c.want {
			t.Errorf("ActBytes(%v, %d) = %d, want %d", c.t, c.n, got, c.want)
		}
	}
	if Supported(quant.Q8_K) || Supported(quant.Type(99)) || !Supported(quant.BF16) {
		t.Error("Supported is wrong")
	}
}

// TestLevels compares every level against the generic twin for every type,
// block counts 0..~300, every fill mode, MatVec and MatMul (5 rows and 5
// columns, so that the four-row and four-column kernels and their
// remainders all run).
//
// Bounds: integer block sums are exact at every level, so with unit scales
// (fillUnit) and partial sums below 2^24 results must be bit-identical;
// otherwise only the order of the float accumulation differs and
// |level - generic| <= 1e-5 * sum_i |w_i * a_i| (w, a the dequantized
// weights and activations). A non-finite generic result (Inf or NaN scales)
// requires a non-finite result.
func TestLevels(t *testing.T) {
	for _, lv := range levelNames {
		t.Run("level="+lv, func(t *testing.T) {
			withLevel(t, lv, func() {})
			for _, ty := range allTypes {
				t.Run("type="+ty.String(), func(t *testing.T) { testLevelType(t, lv, ty) })
			}
		})
	}
}

func blockCounts(ty quant.Type) []int {
	if testing.Short() {
		return []int{0, 1, 2, 3, 5, 8, 17, 33}
	}
	if ty.BlockSize() == 256 {
		return []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 300}
	}
	var c []int
	for nb := 0; nb <= 40; nb++ {
		c = append(c, nb)
	}
	return append(c, 63, 64, 65, 127, 128, 129, 255, 256, 257, 300)
}

func testLevelType(t *testing.T, lv string, ty quant.Type) {
	rng := rand.New(rand.NewPCG(uint64(ty), 7))
	for _, nb := range blockCounts(ty) {
		n := nb * ty.BlockSize()
		if ty.BlockSize() == 1 {
			n = nb*8 + nb%8 // float types: every tail length
		}
		const rows, cols = 5, 5
		rb := n / ty.BlockSize() * ty.BlockBytes()
		w := make([]byte, rows*rb)
		for mode := range numFillModes {
			fillWeights(ty, w, rng, mode)
			xs := make([]float32, 0, cols*n)
			var qs []byte
			for range cols {
				x, q := makeAct(ty, n, rng, mode)
				xs = append(xs, x...)
				qs = append(qs, q...)
			}
			ab := ActBytes(ty, n)
			// Guard values around the outputs catch stray writes.
			const guard = 4
			const ld = rows + 2
			want := make([]float32, cols*ld)
			got := make([]float32, cols*ld+2*guard)
			for i := range got {
				got[i] = -12345
			}
			gotOut := got[guard : guard+cols*ld]
			for c := range cols {
				withLevel(t, "generic", func() {
					MatVec(ty, w, n, xs[c*n:(c+1)*n], qs[c*ab:(c+1)*ab], want[c*ld:c*ld+rows])
				})
			}
			var mv [rows]float32
			withLevel(t, lv, func() {
				MatVec(ty, w, n, xs[:n], qs[:ab], mv[:])
				MatMul(ty, w, n, rows, xs, qs, cols, gotOut, ld, nil)
			})
			// Dequantize once; mag(c, r) = sum |w_r[i] * a_c[i]| scales the
			// float tolerance.
			wf := make([][]float32, rows)
			for r := range rows {
				wf[r] = dequantTest(ty, w[r*rb:(r+1)*rb], n)
			}
			af := make([][]float32, cols)
			for c := range cols {
				af[c] = xs[c*n : (c+1)*n]
				if at := ActType(ty); at != quant.F32 {
					af[c] = dequantAct(at, qs[c*ab:(c+1)*ab], n)
				}
			}
			magOf := func(c, r int) float64 {
				var m float64
				for i, v := range wf[r] {
					m += math.Abs(float64(v) * float64(af[c][i]))
				}
				return m
			}
			for r := range rows {
				mag := magOf(0, r)
				tol := 1e-5 * mag
				if mode == fillUnit && ty.BlockSize() > 1 && mag < 1<<24 {
					tol = 0 // integer partial sums below 2^24: exact
				}
				if !sameLevel(mv[r], want[r], tol) {
					t.Fatalf("MatVec %v nb=%d %v row %d: %s %g, generic %g", ty, nb, mode, r, lv, mv[r], want[r])
				}
			}
			for c := range cols {
				for r := range ld {
					i := c*ld + r
					if r >= rows {
						if got[guard+i] != -12345 {
							t.Fatalf("MatMul %v nb=%d: wrote outside the output at column %d row %d", ty, nb, c, r)
						}
						continue
					}
					mag := magOf(c, r)
					tol := 1e-5 * mag
					if mode == fillUnit && ty.BlockSize() > 1 && mag < 1<<24 {
						tol = 0
					}
					if !sameLevel(gotOut[i], want[i], tol) {
						t.Fatalf("MatMul %v nb=%d %v col %d row %d: %s %g, generic %g", ty, nb, mode, c, r, lv, gotOut[i], want[i])
					}
				}
			}
			for i := range guard {
				if got[i] != -12345 || got[len(got)-1-i] != -12345 {
					t.Fatalf("MatMul %v nb=%d: guard value overwritten", ty, nb)
				}
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	for _, lv := range Levels() {
		withLevel(t, lv, func() {
			for _, ty := range allTypes {
				n := 512
				rng := rand.New(rand.NewPCG(1, 1))
				w := make([]byte, 4*n/ty.BlockSize()*ty.BlockBytes())
				fillWeights(ty, w, rng, fillRandom)
				x, q := makeAct(ty, n, rng, fillRandom)
				xs := append(append([]float32{}, x...), x...)
				qs := append(append([]byte{}, q...), q...)
				out := make([]float32, 8)
				if a := testing.AllocsPerRun(5, func() {
					QuantizeAct(ty, x, q)
					MatVec(ty, w, n, x, q, out[:4])
					MatMul(ty, w, n, 4, xs, qs, 2, out, 4, nil)
				}); a != 0 {
					t.Errorf("%s %v: %v allocations", lv, ty, a)
				}
			}
		})
	}
}
