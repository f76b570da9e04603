package model

// Rewinding a session whose layers do not keep every position.
//
// An attention cache rewinds to any position: Truncate only forgets the
// tail. Two kinds of layer cannot: a recurrent layer holds only the state
// after the last token, and a sliding-window layer's ring keeps only the
// window and one batch. For them a session takes checkpoints: at the end
// of every Prefill, the state just before the prompt's last token (the
// prompt's last token is run on its own, after the checkpoint). That is
// the position a caller that reuses a prompt rewinds to: the library and
// the server keep at least one token of every prompt to compute its
// logits, so regenerating an answer rewinds to the prompt minus one
// token, and a chat's next turn, when the history renders differently
// than the tokens generated, to at least the previous prompt's checkpoint.
// A session keeps its last SessionOptions.Checkpoints checkpoints (3 by
// default); Truncate restores the latest at or before the position asked
// for, and a sliding-window layer also rewinds without one while its ring
// still holds the window before the position (a rewind of at most one
// batch).

// defaultCheckpoints is the number of checkpoints a session keeps when
// SessionOptions.Checkpoints is 0.
const defaultCheckpoints = 3

// checkpoint is the state a session cannot rewind, at position pos: the
// recurrent layers' convolution inputs and states, and the sliding-window
// layers' keys and values of the window-1 positions before pos.
type checkpoint struct {
	pos         int
	conv, state [][]float32 // per layer, nil for non-recurrent ones
	sliding     [][]byte    // per layer, nil for non-sliding ones
	from        int         // the first position sliding holds
	bytes       int64
}

// needsCheckpoints reports whether the session has layers that cannot
// rewind on their own.
func (s *Session) needsCheckpoints() bool {
	c := &s.m.Config
	return c.LayersOf(Recurrent) > 0 || c.LayersOf(SlidingAttention) > 0 && !s.opts.SWAFull
}

// takeCheckpoint records the session's state at its current position,
// replacing the oldest checkpoint when it keeps the maximum. It reuses the
// buffers of the checkpoints it replaces and of those Truncate dropped, so
// that a session prefilling prompts of similar lengths allocates nothing.
func (s *Session) takeCheckpoint() {
	if s.maxCheckpoints <= 0 {
		return
	}
	var cp *checkpoint
	if n := len(s.checkpoints); n < s.maxCheckpoints {
		s.checkpoints = s.checkpoints[:n+1] // capacity maxCheckpoints
		if s.checkpoints[n] == nil {
			s.checkpoints[n] = &checkpoint{}
		}
		cp = s.checkpoints[n]
	} else {
		cp = s.checkpoints[0]
		copy(s.checkpoints, s.checkpoints[1:])
		s.checkpoints[n-1] = cp
	}
	c := &s.m.Config
	cp.pos = s.pos
	cp.from = max(0, s.pos-(c.SlidingWindow-1))
	n := s.pos - cp.from
	if cp.conv == nil {
		cp.conv = make([][]float32, c.NLayer)
		cp.state = make([][]float32, c.NLayer)
		cp.sliding = make([][]byte, c.NLayer)
	}
	cp.bytes = 0
	for l, ls := range c.Layers {
		switch ls.Kind {
		case Recurrent:
			cp.conv[l] = append(cp.conv[l][:0], s.delta.conv[l]...)
			cp.state[l] = append(cp.state[l][:0], s.delta.state[l]...)
			cp.bytes += int64(4 * (len(cp.conv[l]) + len(cp.state[l])))
		case SlidingAttention:
			cp.sliding[l] = cp.sliding[l][:0]
			s.kv.visit(l, cp.from, n, func(b []byte) { cp.sliding[l] = append(cp.sliding[l], b...) })
			cp.bytes += int64(len(cp.sliding[l]))
		}
	}
}

// restoreCheckpoint puts cp's state back; the caller sets the position.
func (s *Session) restoreCheckpoint(cp *checkpoint) {
	c := &s.m.Config
	for l, ls := range c.Layers {
		switch ls.Kind {
		case Recurrent:
			copy(s.delta.conv[l], cp.conv[l])
			copy(s.delta.state[l], cp.state[l])
		case SlidingAttention:
			src := cp.sliding[l]
			s.kv.visit(l, cp.from, cp.pos-cp.from, func(b []byte) { src = src[copy(b, src):] })
		}
	}
	s.ringStart = cp.from
}

// restorable returns the largest position at most n (n < Pos) the session
// can rewind to, and the checkpoint to restore for it (nil when the caches
// already hold that position's state).
func (s *Session) restorable(n int) (int, *checkpoint) {
	c := &s.m.Config
	if c.LayersOf(Recurrent) == 0 && max(0, n-(c.SlidingWindow-1)) >= s.ringStart {
		return n, nil
	}
	for i := len(s.checkpoints) - 1; i >= 0; i-- {
		if cp := s.checkpoints[i]; cp.pos <= n {
			return cp.pos, cp
		}
	}
	return 0, nil
}

// dropCheckpointsAfter forgets the checkpoints past position n: they
// describe a history the session no longer has.
func (s *Session) dropCheckpointsAfter(n int) {
	for len(s.checkpoints) > 0 && s.checkpoints[len(s.checkpoints)-1].pos > n {
		s.checkpoints = s.checkpoints[:len(s.checkpoints)-1]
	}
}

// checkpointBytes returns the memory the session's checkpoints hold.
func (s *Session) checkpointBytes() int64 {
	var n int64
	for _, cp := range s.checkpoints {
		n += cp.bytes
	}
	return n
}
