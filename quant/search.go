package quant

// The scale searches of ggml's reference K-quant quantizers. They are
// transcribed for bit-exact results: every float32 operation happens in the
// same order as in ggml-quants.c, and products are wrapped in float32()
// conversions so that they are rounded before being added (Go may otherwise
// fuse a multiply and an add into one FMA on some architectures).

// groupMaxEps is ggml's GROUP_MAX_EPS: a group whose largest magnitude is
// below it is treated as all zero.
const groupMaxEps = 1e-15

// makeQXQuants is ggml's make_qx_quants with rmse_type 1 and no importance
// weights (w = x*x), the only form the reference quantizers use. It picks
// signed levels l in [-nmax, nmax-1] (stored in L as l+nmax) and returns
// the scale that best fits x ≈ scale*l, trying 19 candidate inverse scales
// around -nmax/max. An all-zero group gets L = 0 and scale 0.
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	amax, xmax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	fmax := float32(nmax)
	clampL := func(l int) int { return max(-nmax, min(nmax-1, l)) }
	iscale := -fmax / xmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampL(nearestInt(iscale * v))
		L[i] = int8(l + nmax)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	scale := float32(0)
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(fmax + float32(0.1*float32(is))) / xmax
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := clampL(nearestInt(iscale * v))
			w := float32(v * v)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				L[i] = int8(clampL(nearestInt(iscale*v)) + nmax)
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// makeQKX2Quants is ggml's make_qkx2_quants: it fits x ≈ scale*l - min with
// unsigned levels l in [0, nmax] and weights w, trying nstep+1 inverse
// scales (rmin + rdelta*is + nmax)/(max - min) and refitting scale and min
// by weighted least squares for each. useMAD selects absolute instead of
// squared error. It returns the scale and the (non-negative) min.
func makeQKX2Quants(nmax int, x, weights []float32, L, Laux []uint8, rmin, rdelta float32, nstep int, useMAD bool) (scale, theMin float32) {
	n := len(x)
	lo, hi := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		if x[i] < lo {
			lo = x[i]
		}
		if x[i] > hi {
			hi = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if lo > 0 {
		lo = 0
	}
	if hi == lo {
		clear(L[:n])
		return 0, -lo
	}
	errOf := func(diff float32) float32 {
		if useMAD {
			return abs32(diff)
		}
		return float32(diff * diff)
	}
	fmax := float32(nmax)
	iscale := fmax / (hi - lo)
	scale = 1 / iscale
	var bestError float32
	for i, v := range x {
		l := nearestInt(iscale * (v - lo))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := float32(float32(scale*float32(L[i]))+lo) - v
		bestError += float32(weights[i] * errOf(diff))
	}
	if nstep < 1 {
		return scale, -lo
	}
	for is := 0; is <= nstep; is++ {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + fmax) / (hi - lo)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := max(0, min(nmax, nearestInt(iscale*(v-lo))))
			Laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL += float32(w * fl)
			sumL2 += float32(float32(w*fl) * fl)
			sumXL += float32(float32(w*fl) * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i, v := range x {
				diff := float32(float32(thisScale*float32(Laux[i]))+thisMin) - v
				curError += float32(weights[i] * errOf(diff))
			}
			if curError < bestError {
				copy(L[:n], Laux[:n])
				bestError = curError
				scale = thisScale
				lo = thisMin
			}
		}
	}
	return scale, -lo
}

// makeQ3Quants is ggml's make_q3_quants with do_rmse: signed levels in
// [-nmax, nmax-1] weighted by x*x, refined by up to five passes that move
// one level at a time while the fit improves. L receives l+nmax (or 0 for
// an all-zero group).
func makeQ3Quants(nmax int, x []float32, L []int8) float32 {
	amax, xmax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	clampL := func(l int) int { return max(-nmax, min(nmax-1, l)) }
	iscale := -float32(nmax) / xmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampL(nearestInt(iscale * v))
		L[i] = int8(l)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w := float32(v * v)
			li := float32(L[i])
			slx := sumlx - float32(float32(w*v)*li)
			if slx > 0 {
				sl2 := suml2 - float32(float32(w*li)*li)
				newL := clampL(nearestInt(float32(v*sl2) / slx))
				if newL != int(L[i]) {
					fl := float32(newL)
					slx += float32(float32(w*v) * fl)
					sl2 += float32(float32(w*fl) * fl)
					if sl2 > 0 && float32(float32(slx*slx)*suml2) > float32(float32(sumlx*sumlx)*sl2) {
						L[i] = int8(newL)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// bestIndexInt8 returns the index of the entry of the sorted table val
// nearest to x, ties going to the upper entry (ggml's best_index_int8). x
// picks entry i once it reaches the midpoint of val[i-1] and val[i]; the
// comparison is done on 2x so that it is exact. For finite x this agrees
// with both ggml's current branchless version and its older
// subtract-and-compare one (near a midpoint both subtractions are exact);
// a NaN picks entry 0 as in the current one. len(val) must be a power of
// two.
func bestIndexInt8(val []int8, x float32) int {
	x2 := float32(x) + float32(x) // x may be an inlined product: do not fuse
	idx := 0
	for step := len(val) >> 1; step > 0; step >>= 1 {
		j := idx + step
		if x2 >= float32(int(val[j-1])+int(val[j])) {
			idx = j
		}
	}
	return idx
}
