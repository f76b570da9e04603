package server

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gollm/gollm"
)

// slot is one session of the server's pool. Its KV cache outlives the
// request that filled it: the next request whose prompt shares a prefix
// with it reuses that prefix (the prompt cache).
type slot struct {
	id       int
	sess     *gollm.Session
	busy     bool
	lastUsed uint64 // the pool's clock when the slot was last released
}

// cached returns the ids of the tokens in the slot's KV cache (not a copy:
// read it under the pool's lock or while holding the slot).
func (sl *slot) cached() []int32 { return sl.sess.Engine().Tokens() }

// slotPool hands the sessions out to requests. A request takes the free
// slot whose cache shares the longest prefix with its prompt (ties: the
// least recently used). As in llama-server, a prefix shorter than half the
// prompt does not count: such a request takes the least recently used free
// slot, so that a new conversation does not evict another's long cache to
// reuse a few tokens of a shared header. When every slot is busy the
// request waits in a FIFO queue, and beyond the queue's capacity it is
// refused with 429.
type slotPool struct {
	mu       sync.Mutex
	slots    []*slot
	waiting  []*waiter // FIFO
	admitted int       // requests holding or waiting for a slot
	limit    int       // slots + queue places
	clock    uint64
}

// waiter is a queued request.
type waiter struct {
	want int        // the slot it needs, or anySlot
	got  chan *slot // receives the slot (buffered)
}

// anySlot asks acquire for whichever slot suits the prompt best.
const anySlot = -1

func newSlotPool(sessions []*gollm.Session, queue int) *slotPool {
	p := &slotPool{limit: len(sessions) + queue}
	for i, s := range sessions {
		p.slots = append(p.slots, &slot{id: i, sess: s})
	}
	return p
}

// acquire admits a request and returns a slot for it: slot want, or with
// want == anySlot the free slot that suits prompt best. It fails with 429
// when the queue is full, and when ctx ends while the request waits.
func (p *slotPool) acquire(ctx context.Context, prompt []int32, want int) (*slot, *apiError) {
	p.mu.Lock()
	if p.admitted >= p.limit {
		p.mu.Unlock()
		return nil, errBusy
	}
	sl, w := p.enqueue(prompt, want)
	p.mu.Unlock()
	if sl != nil {
		return sl, nil
	}
	select {
	case sl := <-w.got:
		return sl, nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	if i := slices.Index(p.waiting, w); i >= 0 {
		p.waiting = slices.Delete(p.waiting, i, i+1)
		p.admitted--
		p.mu.Unlock()
	} else { // handed a slot just as the client left
		p.mu.Unlock()
		p.release(<-w.got)
	}
	return nil, serverError(fmt.Errorf("client gone while queued: %w", ctx.Err()))
}

// enqueue admits a request: it returns a free slot for it, or queues it
// and returns its waiter (under p.mu).
func (p *slotPool) enqueue(prompt []int32, want int) (*slot, *waiter) {
	p.admitted++
	if sl := p.pick(prompt, want); sl != nil {
		sl.busy = true
		return sl, nil
	}
	w := &waiter{want: want, got: make(chan *slot, 1)}
	p.waiting = append(p.waiting, w)
	return nil, w
}

// pick returns the free slot for a request, or nil (under p.mu).
func (p *slotPool) pick(prompt []int32, want int) *slot {
	if want != anySlot {
		if sl := p.slots[want]; !sl.busy {
			return sl
		}
		return nil
	}
	var best *slot
	bestLen := -1
	for _, sl := range p.slots {
		if sl.busy {
			continue
		}
		n := commonPrefix(sl.cached(), prompt)
		if 2*n < len(prompt) {
			n = 0
		}
		if n > bestLen || (n == bestLen && sl.lastUsed < best.lastUsed) {
			best, bestLen = sl, n
		}
	}
	return best
}

// release returns a slot: to the first queued request that can take it,
// else to the free slots.
func (p *slotPool) release(sl *slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clock++
	sl.lastUsed = p.clock
	p.admitted--
	for i, w := range p.waiting {
		if w.want == anySlot || w.want == sl.id {
			p.waiting = slices.Delete(p.waiting, i, i+1)
			w.got <- sl
			return
		}
	}
	sl.busy = false
}

// state returns the number of busy slots and of queued requests.
func (p *slotPool) state() (busy, queued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sl := range p.slots {
		if sl.busy {
			busy++
		}
	}
	return busy, len(p.waiting)
}

// slotInfo describes a slot for GET /slots.
type slotInfo struct {
	ID           int  `json:"id"`
	NCtx         int  `json:"n_ctx"`
	IsProcessing bool `json:"is_processing"`
	CachedTokens int  `json:"cached_tokens"`
}

// info describes every slot.
func (p *slotPool) info() []slotInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]slotInfo, len(p.slots))
	for i, sl := range p.slots {
		out[i] = slotInfo{ID: sl.id, NCtx: sl.sess.ContextSize(), IsProcessing: sl.busy}
		if !sl.busy {
			out[i].CachedTokens = len(sl.cached())
		}
	}
	return out
}

// close waits until no request holds or awaits a slot, beyond the queue
// limit, and closes the sessions.
func (p *slotPool) close() {
	for _, sl := range p.slots {
		p.mu.Lock()
		got, w := p.enqueue(nil, sl.id)
		p.mu.Unlock()
		if got == nil {
			got = <-w.got
		}
		got.sess.Close()
	}
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []int32) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
