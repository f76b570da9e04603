package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"time"

	"github.com/gollm/gollm/internal/progress"
	"github.com/gollm/gollm/model"
)

func init() {
	register(command{
		name:    "perplexity",
		summary: "measure a model's perplexity on a text file, as llama-perplexity does",
		run:     runPerplexity,
	})
}

func runPerplexity(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("perplexity", "-m MODEL -f TEXT [-c 512] [-b N] [-t T] [flags]", stdout)
	ef := addEngineFlags(fs)
	textFile := fs.String("f", "", "the text `file` to score")
	alias(fs, "file", "f")
	maxWindows := fs.Int("chunks", -1, "score at most this many windows (-1: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *textFile == "" {
		return usageError(fs, "missing -f TEXT")
	}
	if *ef.ctx == 0 {
		*ef.ctx = 512 // llama-perplexity's default
	}
	if *ef.ctx < 4 {
		return fmt.Errorf("-c %d: the context must be at least 4 tokens", *ef.ctx)
	}
	text, err := os.ReadFile(*textFile)
	if err != nil {
		return err
	}
	m, s, err := ef.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	defer s.Close()
	tok := m.Engine().Tokenizer
	// As llama.cpp: special tokens added (BOS per the model), none parsed.
	tokens := tok.Encode(string(text), true, false)
	nCtx := s.ContextSize()
	if len(tokens) < 2*nCtx {
		return fmt.Errorf("%s tokenizes to %d tokens; a context of %d needs at least %d (llama.cpp asks for twice the context; lower -c or give more text)",
			*textFile, len(tokens), nCtx, 2*nCtx)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := progress.New(stderr, "perplexity")
	defer bar.Done()
	start := time.Now()
	p := pplRun{s: s.Engine(), nCtx: nCtx, batch: *ef.batch, bos: tok.BOS(), addBOS: tok.AddBOS()}
	res, err := p.run(ctx, tokens, *maxWindows, func(done, total int, r pplResult) {
		bar.Set(fmt.Sprintf("windows, PPL %.4f", r.ppl()), done, total)
	})
	bar.Done()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%d windows of %d tokens (%d tokens in the text), %d tokens scored, %s per window\n",
		res.windows, nCtx, len(tokens), res.count, (elapsed / time.Duration(res.windows)).Round(time.Millisecond))
	ppl, pm, err := res.estimate()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "PPL = %.4f +/- %.5f\n", ppl, pm)
	return nil
}

// pplRun evaluates perplexity as llama-perplexity does: the tokens are cut
// into non-overlapping windows of nCtx tokens, each evaluated from an empty
// KV cache with its first token replaced by BOS when the model adds BOS, and
// only the predictions of the second half of each window are scored.
type pplRun struct {
	s      *model.Session
	nCtx   int
	batch  int // tokens per logits batch (0: up to 128)
	bos    int32
	addBOS bool
}

// pplResult accumulates negative log-likelihoods.
type pplResult struct {
	windows, count int
	nll, nll2      float64 // sums of -log p and its square
}

// ppl is exp(mean negative log-likelihood).
func (r pplResult) ppl() float64 { return math.Exp(r.nll / float64(r.count)) }

// estimate returns the perplexity and llama.cpp's uncertainty: the standard
// error of the mean log-likelihood, times the perplexity.
func (r pplResult) estimate() (ppl, plusMinus float64, err error) {
	if r.count < 2 {
		return 0, 0, errors.New("fewer than 2 tokens scored")
	}
	n := float64(r.count)
	mean := r.nll / n
	variance := r.nll2/n - mean*mean
	ppl = math.Exp(mean)
	if !(variance > 0) {
		return 0, 0, fmt.Errorf("PPL = %.4f, but the variance of log(prob) is not positive (%g)", ppl, variance)
	}
	return ppl, math.Sqrt(variance/(n-1)) * ppl, nil
}

// run scores at most maxWindows windows (all when negative), calling
// onWindow after each.
func (p *pplRun) run(ctx context.Context, tokens []int32, maxWindows int, onWindow func(done, total int, r pplResult)) (pplResult, error) {
	var r pplResult
	n := len(tokens) / p.nCtx
	if maxWindows >= 0 {
		n = min(n, maxWindows)
	}
	first := p.nCtx / 2
	rows := p.batch
	if rows <= 0 || rows > 128 {
		rows = 128 // bounds the logits buffer: rows × vocabulary floats
	}
	nv := p.s.Model().Config.NVocab
	logits := make([]float32, rows*nv)
	window := make([]int32, p.nCtx)
	for w := range n {
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("interrupted after %d of %d windows", w, n)
		}
		copy(window, tokens[w*p.nCtx:])
		if p.addBOS {
			window[0] = p.bos
		}
		p.s.Reset()
		if _, err := p.s.Prefill(window[:first]); err != nil {
			return r, err
		}
		// Logits at positions first..nCtx-2 predict tokens first+1..nCtx-1.
		for i := first; i < p.nCtx-1; i += rows {
			k := min(rows, p.nCtx-1-i)
			if err := p.s.PrefillLogits(window[i:i+k], logits[:k*nv]); err != nil {
				return r, err
			}
			for j := range k {
				v := -logSoftmax(logits[j*nv:(j+1)*nv], window[i+j+1])
				r.nll += v
				r.nll2 += v * v
				r.count++
			}
		}
		r.windows++
		if onWindow != nil {
			onWindow(w+1, n, r)
		}
	}
	return r, nil
}

// logSoftmax returns log p(tok) under the softmax of logits, as llama.cpp
// computes it: the maximum in float32, the sum of exponentials in float64.
func logSoftmax(logits []float32, tok int32) float64 {
	mx := logits[0]
	for _, l := range logits[1:] {
		mx = max(mx, l)
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(float64(l - mx))
	}
	return float64(logits[tok]-mx) - math.Log(sum)
}
