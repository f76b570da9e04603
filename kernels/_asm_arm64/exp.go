package main

import (
	"math"

	. "github.com/gollm/gollm/kernels/_asm_arm64/asm"
)

// The exponential (exp_arm64.s), used at every arm64 level: ExpShift (the
// numerator of softmax, with its sum) and SiLUMul's gate, both as exp.go's
// expOne: x = k*ln2 + r, a degree-6 polynomial for e^r, 2**k from the low
// mantissa bits of x*log2(e) + 1.5*2**23. The multiply-adds are fused
// (FMLA/FMLS), as in the amd64 kernel: results are within 2 ulp of the Go
// twin's.
func expFile() *File {
	f := NewFile(`The exponential for every arm64 level: exp.go's expOne on four lanes per
vector, two vectors per iteration, multiply-adds fused.`)

	a := f.Func("expShiftNEON", "func(dst, src *float32, n int, m float32) float64",
		`expShiftNEON sets dst[i] = exp(src[i] - m) for n elements (a multiple
of 4), as expOne, and returns their sum in float64.`)
	a.Load("dst", R0)
	a.Load("src", R1)
	a.Load("n", R2)
	a.Load("m", V31.F())
	a.VDUP(V31.S(0), V31.S4())
	expConsts(a)
	a.Zero(V14)
	a.Zero(V15)
	for _, vecs := range []int{2, 1} {
		loop := Label(fmtLabel("exp", vecs))
		next := Label(fmtLabel("exp", vecs) + "done")
		a.Label(loop)
		a.CMP(Imm(4*vecs), R2)
		a.BLT(next)
		ss := expStreams[:vecs]
		a.VLD1P(16*vecs, R1, xRegs(ss)...)
		for _, s := range ss {
			a.FSUB4S(V31, s.x, s.x)
		}
		expCore(a, ss, shiftKs, func(s expStream) VReg { return s.x }, false)
		a.VST1P(16*vecs, R0, pRegs(ss)...)
		a.Comment("the sum, in float64")
		for _, s := range ss {
			a.FCVTL2D(s.p, s.k)
			a.FCVTL22D(s.p, s.t)
			a.FADD2D(s.k, V14, V14)
			a.FADD2D(s.t, V15, V15)
		}
		a.SUB(Imm(4*vecs), R2)
		if vecs == 2 {
			a.B(loop)
		}
		a.Label(next)
	}
	a.FADD2D(V15, V14, V14)
	a.FADDPD(V14, V14)
	a.Store(V14.F(), "ret")
	a.RET()

	a = f.Func("siluMulNEON", "func(gate, up *float32, n int)",
		`siluMulNEON sets gate[i] = gate[i] * (e / (e + 1)) * up[i], e =
exp(gate[i]) as expOne, for n elements (a multiple of 4): silu(gate[i]) *
up[i], as siluMulGeneric. Four vectors per iteration: the constants that
only multiply share one register (FMLA/FMLS by lane), and the mask of
low inputs is taken from the kept gate at the end.`)
	a.Load("gate", R0)
	a.Load("up", R1)
	a.Load("n", R2)
	a.MOVD(R0, R3) // the gate values, read ahead of their stores through R0
	siluConsts(a)
	for _, vecs := range []int{4, 1} {
		loop := Label(fmtLabel("silu", vecs))
		next := Label(fmtLabel("silu", vecs) + "done")
		a.Label(loop)
		a.CMP(Imm(4*vecs), R2)
		a.BLT(next)
		ss := siluStreams[:vecs]
		a.VLD1P(16*vecs, R3, regsOf(ss, func(s expStream) VReg { return s.g })...)
		expCore(a, ss, siluKs, func(s expStream) VReg { return s.g }, true)
		a.VLD1P(16*vecs, R1, kRegs(ss)...)
		a.Comment("g * (e / (e + 1)) * up, in this order (siluMulGeneric's)")
		for _, s := range ss {
			a.FADD4S(siluKs.one, s.p, s.t)
		}
		for _, s := range ss {
			a.FDIV4S(s.t, s.p, s.p)
		}
		for _, s := range ss {
			a.FMUL4S(s.g, s.p, s.p)
		}
		for _, s := range ss {
			a.FMUL4S(s.k, s.p, s.p)
		}
		a.VST1P(16*vecs, R0, pRegs(ss)...)
		a.SUB(Imm(4*vecs), R2)
		a.B(loop)
		a.Label(next)
	}
	a.RET()
	return f
}

func fmtLabel(prefix string, vecs int) string { return prefix + string(rune('0'+vecs)) }

// expStream is the registers of one vector of four lanes in expCore: x
// (the input, then r), t, k, the mask, p (the result), and g (SiLUMul's
// copy of its input).
type expStream struct{ x, t, k, mask, p, g VReg }

// The loads and stores take lists of consecutive registers: the streams'
// x, k and p registers are neighbours.
var expStreams = []expStream{{V0, V6, V4, V8, V2, V10}, {V1, V7, V5, V9, V3, V11}}

// siluStreams are SiLUMul's four streams: the gates g in V0-V3, p in
// V4-V7, k (then up) in V8-V11, t in V12-V15, x (then the mask) in
// V16-V19; no mask register of their own.
var siluStreams = func() []expStream {
	var ss []expStream
	for i := range 4 {
		ss = append(ss, expStream{x: V(16 + i), t: V(12 + i), k: V(8 + i), p: V(4 + i), g: V(i)})
	}
	return ss
}()

func xRegs(ss []expStream) []Vec { return regsOf(ss, func(s expStream) VReg { return s.x }) }
func kRegs(ss []expStream) []Vec { return regsOf(ss, func(s expStream) VReg { return s.k }) }
func pRegs(ss []expStream) []Vec { return regsOf(ss, func(s expStream) VReg { return s.p }) }

func regsOf(ss []expStream, r func(expStream) VReg) []Vec {
	var v []Vec
	for _, s := range ss {
		v = append(v, r(s).S4())
	}
	return v
}

// The constants of expOne, each in every lane of its register V16-V29.
var expConst = []struct {
	v   VReg
	val float32
}{
	{V16, 1.44269504088896341}, // log2(e)
	{V17, 12582912},            // 1.5 * 2**23
	{V18, 0.693359375},         // c1
	{V19, -2.12194440e-4},      // c2
	{V20, 1.9875691500e-4},     // p0..p5
	{V21, 1.3981999507e-3},
	{V22, 8.3334519073e-3},
	{V23, 4.1665795894e-2},
	{V24, 1.6666665459e-1},
	{V25, 5.0000001201e-1},
	{V26, 1},
	{V27, -87.3}, // low: below it (and for NaN) the result is 0
	{V28, 88.3},  // high: x is clamped to it
}

var expTable = func() *Table {
	t := &Table{Name: "expconst", Doc: `expOne's constants (float32): log2(e), 1.5*2**23, c1, c2, p0..p5, 1, low,
high, then 127<<23 (the exponent bias).`}
	var words []uint32
	for _, c := range expConst {
		words = append(words, math.Float32bits(c.val))
	}
	words = append(words, 127<<23)
	if len(words)%2 != 0 {
		words = append(words, 0)
	}
	for i := 0; i < len(words); i += 2 {
		t.Words = append(t.Words, uint64(words[i])|uint64(words[i+1])<<32)
	}
	return t
}()

// expK is where expCore finds one of expOne's constants: every lane of v,
// or only lane `lane` of v (lane >= 0) for a constant that only
// multiplies (FMLA/FMLS by element).
type expK struct {
	v    VReg
	lane int
}

func (k expK) fmla(a *Func, n, d VReg) {
	if k.lane < 0 {
		a.FMLA4S(k.v, n, d)
	} else {
		a.FMLAEi(k.v, k.lane, n, d)
	}
}

func (k expK) fmls(a *Func, n, d VReg) {
	if k.lane < 0 {
		a.FMLS4S(k.v, n, d)
	} else {
		a.FMLSEi(k.v, k.lane, n, d)
	}
}

// expKs places expOne's constants: poly holds p1..p5.
type expKs struct {
	log2e, c1, c2, p0    expK
	magic                VReg
	poly                 [5]VReg
	one, low, high, bias VReg
}

// shiftKs is expConsts' layout (ExpShift): every constant in a register
// of its own, V16-V29.
var shiftKs = expKs{log2e: expK{V16, -1}, magic: V17, c1: expK{V18, -1}, c2: expK{V19, -1}, p0: expK{V20, -1},
	poly: [5]VReg{V21, V22, V23, V24, V25}, one: V26, low: V27, high: V28, bias: V29}

// siluKs is siluConsts' layout: log2e, c1, c2 and p0 in the lanes of V20,
// the others in V21-V30.
var siluKs = expKs{log2e: expK{V20, 0}, c1: expK{V20, 1}, c2: expK{V20, 2}, p0: expK{V20, 3},
	magic: V21, poly: [5]VReg{V22, V23, V24, V25, V26}, one: V27, low: V28, high: V29, bias: V30}

// siluConsts loads expTable into siluKs' places (R4 scratch).
func siluConsts(a *Func) {
	a.Addr(expTable, R4)
	lane := map[int]int{0: 0, 2: 1, 3: 2, 4: 3} // log2e, c1, c2, p0
	next := V21
	for i := range expConst {
		if l, ok := lane[i]; ok {
			a.VLD1LaneP(4, R4, V20.S(l))
			continue
		}
		a.VLD1RP(4, R4, next.S4())
		next++
	}
	a.VLD1R(R4, next.S4())
}

// expConsts broadcasts expTable into V16-V29 (R4 scratch).
func expConsts(a *Func) {
	a.Addr(expTable, R4)
	for _, c := range expConst {
		a.VLD1RP(4, R4, c.v.S4())
	}
	a.VLD1R(R4, V29.S4())
}

// expCore sets s.p = exp(src(s)) for each stream, as expOne, with the
// constants at ks (s.x is clobbered; src(s) too when it is s.x). The
// streams' instructions interleave, so that their dependency chains
// overlap. With lateMask, the mask of inputs above low is taken at the
// end from src(s), which must then be kept (into s.x); otherwise first,
// into s.mask.
func expCore(a *Func, ss []expStream, ks expKs, src func(expStream) VReg, lateMask bool) {
	each := func(f func(s expStream)) {
		for _, s := range ss {
			f(s)
		}
	}
	if !lateMask {
		a.Comment("mask = x > low (false for NaN)")
		each(func(s expStream) { a.FCMGT4S(ks.low, src(s), s.mask) })
	}
	a.Comment("x = min(x, high)")
	each(func(s expStream) { a.FMIN4S(ks.high, src(s), s.x) })
	a.Comment("t = x*log2e + magic, k = t - magic = round(x / ln 2)")
	each(func(s expStream) { a.VMOVV(ks.magic, s.t) })
	each(func(s expStream) { ks.log2e.fmla(a, s.x, s.t) })
	each(func(s expStream) { a.FSUB4S(ks.magic, s.t, s.k) })
	a.Comment("r = x - k*c1 - k*c2 (in x)")
	each(func(s expStream) { ks.c1.fmls(a, s.k, s.x) })
	each(func(s expStream) { ks.c2.fmls(a, s.k, s.x) })
	a.Comment("Horner: p = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5")
	each(func(s expStream) { a.VMOVV(ks.poly[0], s.p) })
	each(func(s expStream) { ks.p0.fmla(a, s.x, s.p) })
	// The running value alternates between p and k (four steps: it ends
	// in p).
	for i, c := range ks.poly[1:] {
		each(func(s expStream) {
			if i%2 == 0 {
				a.VMOVV(c, s.k)
			} else {
				a.VMOVV(c, s.p)
			}
		})
		each(func(s expStream) {
			if i%2 == 0 {
				a.FMLA4S(s.p, s.x, s.k)
			} else {
				a.FMLA4S(s.k, s.x, s.p)
			}
		})
	}
	a.Comment("p = p*r*r + r + 1")
	each(func(s expStream) { a.FMUL4S(s.x, s.x, s.k) })
	each(func(s expStream) { a.FMLA4S(s.k, s.p, s.x) })
	each(func(s expStream) { a.FADD4S(ks.one, s.x, s.p) })
	a.Comment("times 2**k from the low bits of t; 0 below low and for NaN")
	each(func(s expStream) { a.VSHL(Imm(23), s.t.S4(), s.t.S4()) })
	each(func(s expStream) { a.VADD(ks.bias.S4(), s.t.S4(), s.t.S4()) })
	each(func(s expStream) { a.FMUL4S(s.t, s.p, s.p) })
	mask := func(s expStream) VReg { return s.mask }
	if lateMask {
		each(func(s expStream) { a.FCMGT4S(ks.low, src(s), s.x) })
		mask = func(s expStream) VReg { return s.x }
	}
	each(func(s expStream) { a.VAND(mask(s).B16(), s.p.B16(), s.p.B16()) })
}
