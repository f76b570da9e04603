package gollm

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Pooling says how an embedding combines the final hidden states (after
// the output norm) of a text's tokens into one vector.
type Pooling string

// The poolings. The zero value takes the model's pooling_type metadata,
// and mean pooling when the model has none (a decoder model) or asks for
// none.
const (
	PoolingModel Pooling = ""     // the model's own
	PoolingMean  Pooling = "mean" // the mean over the tokens
	PoolingCLS   Pooling = "cls"  // the first token's state
	PoolingLast  Pooling = "last" // the last token's state
)

// EmbedOptions configures embeddings. The zero value uses the model's
// pooling.
type EmbedOptions struct {
	Pooling Pooling
}

// Pooling returns the pooling the model's metadata asks for (mean when it
// names none), or an error for a pooling gollm does not compute (rank, for
// rerankers).
func (m *Model) Pooling() (Pooling, error) {
	switch t := m.m.Config.PoolingType; t {
	case -1, 0, 1: // absent, none, mean
		return PoolingMean, nil
	case 2:
		return PoolingCLS, nil
	case 3:
		return PoolingLast, nil
	default:
		return "", fmt.Errorf("gollm: the model's pooling_type %d (rank or unknown) is not supported for embeddings", t)
	}
}

// Embed returns one embedding per text: the final hidden states of its
// tokens (BOS added as the model asks, control tokens recognized) under the
// model's causal attention, pooled as the model says and L2-normalized.
// Every text is computed on its own from an empty cache, so a text's
// embedding is the same whatever it is batched with.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	inputs := make([][]int32, len(texts))
	for i, t := range texts {
		inputs[i] = m.Tokenize(t, true)
	}
	return m.EmbedTokens(ctx, inputs, EmbedOptions{})
}

// EmbedTokens is Embed for inputs given as token ids, used as given, with
// options. It runs on a session of its own, as large as the longest input.
func (m *Model) EmbedTokens(ctx context.Context, inputs [][]int32, opts EmbedOptions) ([][]float32, error) {
	longest := 0
	for _, in := range inputs {
		longest = max(longest, len(in))
	}
	if longest == 0 {
		return nil, checkInputs(inputs, 1)
	}
	s, err := m.NewSession(SessionOptions{ContextSize: longest})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.EmbedTokens(ctx, inputs, opts)
}

// EmbedTokens computes embeddings (see Model.Embed) on this session, whose
// context must hold the longest input. It replaces what the KV cache held:
// afterwards it holds the last input.
func (s *Session) EmbedTokens(ctx context.Context, inputs [][]int32, opts EmbedOptions) ([][]float32, error) {
	pooling := opts.Pooling
	if pooling == PoolingModel {
		var err error
		if pooling, err = s.m.Pooling(); err != nil {
			return nil, err
		}
	}
	if pooling != PoolingMean && pooling != PoolingCLS && pooling != PoolingLast {
		return nil, fmt.Errorf("gollm: unknown pooling %q (want mean, cls or last)", pooling)
	}
	if err := checkInputs(inputs, s.ContextSize()); err != nil {
		return nil, err
	}
	d := s.m.m.Config.NEmbd
	longest := 0
	for _, in := range inputs {
		longest = max(longest, len(in))
	}
	hidden := make([]float32, longest*d)
	out := make([][]float32, len(inputs))
	for i, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.s.Reset()
		h := hidden[:len(in)*d]
		if err := s.s.PrefillHidden(in, h); err != nil {
			return nil, fmt.Errorf("gollm: input %d: %w", i, err)
		}
		out[i] = pool(h, d, pooling)
	}
	return out, nil
}

// checkInputs refuses an empty list, an empty input or one longer than
// nCtx tokens.
func checkInputs(inputs [][]int32, nCtx int) error {
	if len(inputs) == 0 {
		return errors.New("gollm: no input to embed")
	}
	for i, in := range inputs {
		if len(in) == 0 {
			return fmt.Errorf("gollm: input %d is empty", i)
		}
		if len(in) > nCtx {
			return fmt.Errorf("gollm: input %d, %d tokens, does not fit the context of %d (%w)", i, len(in), nCtx, ErrContextFull)
		}
	}
	return nil
}

// pool combines the hidden states h ([n][d]) and L2-normalizes the result,
// summing in float64.
func pool(h []float32, d int, p Pooling) []float32 {
	n := len(h) / d
	acc := make([]float64, d)
	switch p {
	case PoolingCLS:
		n = 1
		h = h[:d]
	case PoolingLast:
		h, n = h[len(h)-d:], 1
	}
	for t := range n {
		for j, x := range h[t*d : (t+1)*d] {
			acc[j] += float64(x)
		}
	}
	var norm float64
	for j := range acc {
		acc[j] /= float64(n)
		norm += acc[j] * acc[j]
	}
	norm = math.Sqrt(norm)
	out := make([]float32, d)
	for j, v := range acc {
		if norm > 0 {
			v /= norm
		}
		out[j] = float32(v)
	}
	return out
}
