package gollm

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/sampler"
)

// grammarVocab is a model's vocabulary prepared for constrained decoding,
// built on first use.
type grammarVocab struct {
	once sync.Once
	v    *grammar.Vocab
	eog  []int32 // the end-of-generation tokens
	err  error
}

// vocab returns the model's vocabulary for grammars: each token's bytes as
// the output shows them (control tokens have none), and its
// end-of-generation tokens.
func (m *Model) vocab() (*grammar.Vocab, []int32, error) {
	gv := &m.grammar
	gv.once.Do(func() {
		tk := m.m.Tokenizer
		pieces := make([]string, tk.VocabSize())
		for id := range pieces {
			if tk.IsEOG(int32(id)) {
				gv.eog = append(gv.eog, int32(id))
				continue
			}
			pieces[id] = tk.Piece(int32(id), false)
		}
		gv.v, gv.err = grammar.NewVocab(pieces)
	})
	return gv.v, gv.eog, gv.err
}

// constraint returns the grammar matcher that opts ask for, or nil. Its
// errors keep the grammar's *grammar.SyntaxError or the schema's
// *grammar.SchemaError.
func (s *Session) constraint(opts GenerateOptions) (*grammar.Matcher, error) {
	var g *grammar.Grammar
	var err error
	switch {
	case opts.Grammar != "" && opts.JSONSchema != "":
		return nil, errors.New("gollm: give Grammar or JSONSchema, not both")
	case opts.Grammar != "":
		g, err = grammar.Parse(opts.Grammar)
	case opts.JSONSchema != "":
		g, err = grammar.FromJSONSchema([]byte(opts.JSONSchema))
	default:
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gollm: %w", err)
	}
	v, eog, err := s.m.vocab()
	if err != nil {
		return nil, fmt.Errorf("gollm: %w", err)
	}
	return g.NewMatcher(v, append(eog[:len(eog):len(eog)], opts.stopTokens...)), nil
}

// nextToken draws the next token from logits: from those the grammar
// allows when there is one.
func nextToken(smp *sampler.Sampler, logits []float32, gm *grammar.Matcher) (int32, error) {
	if gm == nil {
		return smp.Sample(logits), nil
	}
	id := smp.SampleConstrained(logits, gm)
	if !gm.Allows(id) {
		if err := gm.Err(); err != nil {
			return 0, fmt.Errorf("gollm: %w", err)
		}
		return 0, errors.New("gollm: no token of the vocabulary can continue the grammar")
	}
	return id, nil
}
