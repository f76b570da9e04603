package sampler

import (
	"fmt"
	"math"
)

// Options configures a Sampler. The zero value is invalid (TopP and
// RepeatPenalty must be set); start from DefaultOptions.
type Options struct {
	// Temperature divides the logits before the final draw; <= 0 selects
	// greedy decoding (argmax).
	Temperature float32
	// TopK keeps the TopK most likely tokens; 0 disables it.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// sums to at least TopP; must be in (0,1], 1 disables it.
	TopP float32
	// MinP drops tokens whose probability is below MinP times that of the
	// most likely token; must be in [0,1], 0 disables it.
	MinP float32
	// RepeatPenalty penalizes tokens seen in the last RepeatLastN accepted
	// tokens (see the package doc); must be > 0, 1 disables it.
	RepeatPenalty float32
	// FrequencyPenalty is subtracted from a recent token's logit once per
	// occurrence in the window; 0 disables it.
	FrequencyPenalty float32
	// PresencePenalty is subtracted once from the logit of any token present
	// in the window; 0 disables it.
	PresencePenalty float32
	// RepeatLastN is the size of the penalty window in tokens; 0 disables
	// all penalties. Must be >= 0.
	RepeatLastN int
	// MinKeep is the least number of candidates top-p and min-p leave
	// (llama.cpp's min_keep); 0 or 1 means at least one.
	MinKeep int
	// Seed seeds the random generator. 0 means a random seed, drawn at New
	// and again at every Reset; Sampler.Seed reports the seed in use.
	Seed uint64
}

// DefaultOptions returns llama.cpp's defaults: temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05, repeat penalty 1.0 (off) over the last 64 tokens,
// no frequency or presence penalty, and a random seed.
func DefaultOptions() Options {
	return Options{
		Temperature:   0.8,
		TopK:          40,
		TopP:          0.95,
		MinP:          0.05,
		RepeatPenalty: 1.0,
		RepeatLastN:   64,
	}
}

// Validate reports the first field holding an invalid value, naming it.
func (o Options) Validate() error {
	finite := func(name string, v float32) error {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("sampler: %s = %v is not a finite number", name, v)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    float32
	}{
		{"Temperature", o.Temperature}, {"TopP", o.TopP}, {"MinP", o.MinP},
		{"RepeatPenalty", o.RepeatPenalty}, {"FrequencyPenalty", o.FrequencyPenalty},
		{"PresencePenalty", o.PresencePenalty},
	} {
		if err := finite(f.name, f.v); err != nil {
			return err
		}
	}
	switch {
	case o.TopK < 0:
		return fmt.Errorf("sampler: TopK = %d is negative (0 disables top-k)", o.TopK)
	case o.TopP <= 0 || o.TopP > 1:
		return fmt.Errorf("sampler: TopP = %v is outside (0,1] (1 disables top-p)", o.TopP)
	case o.MinP < 0 || o.MinP > 1:
		return fmt.Errorf("sampler: MinP = %v is outside [0,1] (0 disables min-p)", o.MinP)
	case o.RepeatPenalty <= 0:
		return fmt.Errorf("sampler: RepeatPenalty = %v must be > 0 (1 disables it)", o.RepeatPenalty)
	case o.RepeatLastN < 0:
		return fmt.Errorf("sampler: RepeatLastN = %d is negative (0 disables penalties)", o.RepeatLastN)
	case o.MinKeep < 0:
		return fmt.Errorf("sampler: MinKeep = %d is negative", o.MinKeep)
	}
	return nil
}

// penalizes reports whether the options change any logit from history.
func (o Options) penalizes() bool {
	return o.RepeatLastN > 0 &&
		(o.RepeatPenalty != 1 || o.FrequencyPenalty != 0 || o.PresencePenalty != 0)
}
