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
