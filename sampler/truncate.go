package sampler

import (
	"math"
	"slices"
)

// maxLogit returns the largest value of src (-Inf when empty).
func maxLogit(src []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range src {
		if v > m {
			m = v
		}
	}
	return m
}

// topPSorted keeps the smallest prefix of the best-first candidates c whose
// softmax probability (over c) sums to at least p, and at least minKeep.
func topPSorted(c []candidate, p float32, minKeep int) []candidate {
	maxL := c[0].logit
	var sum float64
	for _, x := range c {
		sum += float64(fastExp(x.logit - maxL))
	}
	return c[:nucleus(c, maxL, sum, p, minKeep)]
}

// nucleus returns how many best-first candidates of c reach cumulative
// probability p (probabilities exp(logit-maxL)/sum), at least minKeep; it
// returns len(c) when the prefix never reaches p.
func nucleus(c []candidate, maxL float32, sum float64, p float32, minKeep int) int {
	target := float64(p) * sum
	var cum float64
	for i, x := range c {
		cum += float64(fastExp(x.logit - maxL))
		if cum >= target && i+1 >= minKeep {
			return i + 1
		}
	}
	return len(c)
}

// Histogram layout for topPFull: nbins bins of width binSpan/nbins below
// the largest logit; everything lower shares bin 0.
const (
	nbins   = 256
	binSpan = 32
)

// bins is topPFull's scratch histogram of probability mass and counts.
type bins struct {
	mass  [nbins]float64
	count [nbins]int32
}

// binOf returns the histogram bin of logit v when the lowest bin starts at lo.
func binOf(v, lo float32) int {
	x := (v - lo) * (nbins / binSpan)
	if !(x >= 0) { // also NaN
		return 0
	}
	if x >= nbins-1 {
		return nbins - 1
	}
	return int(x)
}

// topPFull applies top-p to the whole vocabulary src without sorting it:
// one pass builds a histogram of probability mass over logit bins, the bins
// are walked from the top until they hold p of the mass, and only the
// tokens of that last (boundary) bin are sorted to find the exact cut. The
// result holds the tokens of the higher bins in id order followed by the
// kept part of the boundary bin, best first; it is not sorted as a whole.
func topPFull(src []float32, p float32, minKeep int, cand []candidate, bn *bins) []candidate {
	maxL := maxLogit(src)
	lo := maxL - binSpan
	clear(bn.mass[:])
	clear(bn.count[:])
	var sum float64
	var buf [512]float32
	for off := 0; off < len(src); off += len(buf) {
		chunk := src[off:min(off+len(buf), len(src))]
		expShift(buf[:], chunk, maxL)
		for i, v := range chunk {
			e := float64(buf[i])
			sum += e
			b := binOf(v, lo)
			bn.mass[b] += e
			bn.count[b]++
		}
	}
	target := float64(p) * sum
	cut, taken := 0, 0
	var above float64 // mass of the bins above cut
	for b := nbins - 1; b >= 0; b-- {
		if above+bn.mass[b] >= target && taken+int(bn.count[b]) >= minKeep {
			cut = b
			break
		}
		above += bn.mass[b]
		taken += int(bn.count[b])
	}
	// Higher bins fill cand from the front, the boundary bin from the back.
	nu, nb := 0, 0
	for i, v := range src {
		switch b := binOf(v, lo); {
		case b > cut:
			cand[nu] = candidate{int32(i), v}
			nu++
		case b == cut:
			nb++
			cand[len(cand)-nb] = candidate{int32(i), v}
		}
	}
	edge := cand[nu : nu+nb]
	copy(edge, cand[len(cand)-nb:])
	slices.SortFunc(edge, compareCand)
	cum := above
	for j, x := range edge {
		cum += float64(fastExp(x.logit - maxL))
		if cum >= target && nu+j+1 >= minKeep {
			return cand[:nu+j+1]
		}
	}
	return cand[:nu+nb]
}

// minPThreshold is the logit a token needs to have probability >= minP
// times that of a token with logit maxL.
func minPThreshold(maxL, minP float32) float32 {
	return maxL + float32(math.Log(float64(minP)))
}

// minPSorted keeps the best-first candidates c whose logit reaches
// c[0].logit + ln(minP), and at least minKeep of them.
func minPSorted(c []candidate, minP float32, minKeep int) []candidate {
	thr := minPThreshold(c[0].logit, minP)
	i := 1
	for ; i < len(c); i++ {
		if c[i].logit < thr && i >= minKeep {
			break
		}
	}
	return c[:i]
}

// minPFull applies min-p to the whole vocabulary src without sorting,
// keeping token-id order; it falls back to the best minKeep tokens when
// fewer pass the threshold.
func minPFull(src []float32, minP float32, minKeep int, buf []candidate) []candidate {
	thr := minPThreshold(maxLogit(src), minP)
	c := buf[:0]
	for i, v := range src {
		if v >= thr {
			c = append(c, candidate{int32(i), v})
		}
	}
	if len(c) < minKeep {
		return selectTop(src, min(minKeep, len(src)), buf)
	}
	return c
}

// minPFilter applies min-p to unsorted candidates c in place, keeping their
// order; when fewer than minKeep pass it sorts c and keeps the best minKeep.
func minPFilter(c []candidate, minP float32, minKeep int) []candidate {
	maxL := c[0].logit
	for _, x := range c[1:] {
		maxL = max(maxL, x.logit)
	}
	thr := minPThreshold(maxL, minP)
	n := 0
	for _, x := range c {
		if x.logit >= thr {
			n++
		}
	}
	if n < minKeep {
		slices.SortFunc(c, compareCand)
		return c[:min(minKeep, len(c))]
	}
	n = 0
	for _, x := range c {
		if x.logit >= thr {
			c[n] = x
			n++
		}
	}
	return c[:n]
}
