package sampler

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
	// The exponentials in one vectorized pass; the sum in order, as
	// one at a time.
	w = w[:len(c)]
	for i, x := range c {
		w[i] = (x.logit - maxL) / temp
	}
	expShift(w, w, 0)
	var sum float64
	for _, e := range w {
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
