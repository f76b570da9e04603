package sampler

import (
	"cmp"
	"math"
	"slices"
)

// candidate is one token still in the running, with its (penalized) logit.
type candidate struct {
	id    int32
	logit float32
}

// better reports whether a ranks before b: higher logit, then lower id.
func better(a, b candidate) bool {
	return a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
}

// compareCand orders candidates best first, for slices.SortFunc.
func compareCand(a, b candidate) int {
	if a.logit != b.logit {
		if a.logit > b.logit {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.id, b.id)
}

// Greedy returns the index of the largest logit, the lowest index among
// equal maxima. NaN entries are never chosen; if no entry is greater than
// -Inf it returns 0.
func Greedy(logits []float32) int32 {
	best, bi := float32(math.Inf(-1)), 0
	for i, v := range logits {
		if v > best {
			best, bi = v, i
		}
	}
	return int32(bi)
}

// siftDown restores the min-heap (worst candidate at the root) below i.
func siftDown(h []candidate, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if r := c + 1; r < len(h) && better(h[c], h[r]) {
			c = r
		}
		if !better(h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// selectTop writes the k best entries of src, best first, into buf[:k] and
// returns it; 0 < k <= len(src) <= cap(buf). For small k it keeps a min-heap
// of size k (one comparison for most entries); for large k it sorts all.
func selectTop(src []float32, k int, buf []candidate) []candidate {
	if k > len(src)/4 {
		all := buf[:len(src)]
		for i, v := range src {
			all[i] = candidate{int32(i), v}
		}
		slices.SortFunc(all, compareCand)
		return all[:k]
	}
	h := buf[:k]
	for i := range h {
		h[i] = candidate{int32(i), src[i]}
	}
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for i := k; i < len(src); i++ {
		// Strictly greater: on a tie the lower id already in the heap wins.
		if v := src[i]; v > h[0].logit {
			h[0] = candidate{int32(i), v}
			siftDown(h, 0)
		}
	}
	for end := k - 1; end > 0; end-- { // heapsort: worst goes to the back
		h[0], h[end] = h[end], h[0]
		siftDown(h[:end], 0)
	}
	return h
}

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

// penalize applies llama.cpp's repetition, frequency and presence
// penalties to one logit of a token seen count (> 0) times.
func penalize(logit float32, count int32, o *Options) float32 {
	if logit <= 0 {
		logit *= o.RepeatPenalty
	} else {
		logit /= o.RepeatPenalty
	}
	return logit - (float32(count)*o.FrequencyPenalty + o.PresencePenalty)
}

// draw picks one candidate with probability softmax(logit/temp), using u in
// [0,1) as the uniform variate and w (len >= len(c)) as scratch.
func draw(c []candidate, temp float32, u float64, w []float32) int32 {
	if len(c) == 1 {
		return c[0].id
	}
	maxL := c[0].logit
	for _, x := range c[1:] {
		maxL = max(maxL, x.logit)
	}
	var sum float64
	for i, x := range c {
		e := fastExp((x.logit - maxL) / temp)
		w[i] = e
		sum += float64(e)
	}
	target := u * sum
	var run float64
	for i := range c {
		run += float64(w[i])
		if run > target {
			return c[i].id
		}
	}
	// Rounding left the running sum short of target: take the best.
	best := c[0]
	for _, x := range c[1:] {
		if better(x, best) {
			best = x
		}
	}
	return best.id
}
