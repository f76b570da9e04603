package tokenizer

// symbol is a run of bytes of the text being merged, linked to its
// neighbours; n is 0 once merged into its left neighbour.
type symbol struct {
	prev, next int
	start, n   int
}

// bigram is a candidate merge of symbols left and right. For SPM the
// priority is the token score (higher first); for BPE the negated merge
// rank. size is the combined length when the candidate was made, so stale
// entries are recognised when popped.
type bigram struct {
	left, right int
	prio        float64
	size        int
}

// before orders the queue: higher priority first, then leftmost.
func (a bigram) before(b bigram) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	return a.left < b.left
}

// bigramQueue is a binary heap of bigrams.
type bigramQueue []bigram

func (q *bigramQueue) push(b bigram) {
	*q = append(*q, b)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].before(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *bigramQueue) pop() bigram {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h[r].before(h[l]) {
			m = r
		}
		if !h[m].before(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// merger runs the greedy pair merging shared by SPM and BPE over text.
type merger struct {
	syms  []symbol
	queue bigramQueue
}

// init splits text into one symbol per UTF-8 sequence (by lead byte).
func (m *merger) init(text string) {
	m.syms = m.syms[:0]
	m.queue = m.queue[:0]
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		i := len(m.syms)
		next := i + 1
		if off+n == len(text) {
			next = -1
		}
		m.syms = append(m.syms, symbol{prev: i - 1, next: next, start: off, n: n})
		off += n
	}
}

// run merges pairs until no candidate is left. score returns the priority
// of merging the adjacent byte ranges [start,mid) and [mid,end) of the
// text, ok false when they cannot merge.
func (m *merger) run(score func(start, mid, end int) (float64, bool)) {
	try := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		ls, rs := &m.syms[l], &m.syms[r]
		p, ok := score(ls.start, rs.start, rs.start+rs.n)
		if ok {
			m.queue.push(bigram{left: l, right: r, prio: p, size: ls.n + rs.n})
		}
	}
	for i := 1; i < len(m.syms); i++ {
		try(i-1, i)
	}
	for len(m.queue) > 0 {
		b := m.queue.pop()
		l, r := &m.syms[b.left], &m.syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			m.syms[r.next].prev = b.left
		}
		try(l.prev, b.left)
		try(b.left, l.next)
	}
}
