package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/internal/progress"
	"github.com/gollm/gollm/internal/sysinfo"
)

func init() {
	register(command{
		name:    "run",
		summary: "generate text from a prompt, streaming it to stdout",
		run:     runRun,
	})
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "-m MODEL -p PROMPT [flags]   or   gollm run MODEL.gguf PROMPT [flags]", stdout)
	ef := addEngineFlags(fs)
	prompt := fs.String("p", "", "the prompt `text` (control tokens written in it are recognized)")
	promptFile := fs.String("f", "", "read the prompt from this `file`")
	tokensFile := fs.String("tokens-file", "", "the prompt as token ids separated by white space (as gollm tokenize prints them), used exactly as given (no BOS added)")
	nPredict := fs.Int("n", 256, "tokens to generate (-1: until end of generation or a full context)")
	alias(fs, "prompt", "p")
	alias(fs, "file", "f")
	alias(fs, "n-predict", "n")
	printIDs := fs.Bool("ids", false, "print the generated token ids, one per line, instead of text")
	logprobs := fs.Int("logprobs", -1, "after the answer, print each token's log-probability and its `N` likeliest alternatives (0-20) to stderr (-1: off)")
	sf := addSamplingFlags(fs)
	ff := fallback.AddFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
	case 2:
		if *ef.model != "" || *prompt != "" {
			return usageError(fs, "give the model and prompt either as flags or as arguments, not both")
		}
		*ef.model, *prompt = pos[0], pos[1]
	default:
		return usageError(fs, fmt.Sprintf("want MODEL.gguf PROMPT as arguments, got %d arguments", len(pos)))
	}
	if *nPredict < -1 || *nPredict == 0 {
		return fmt.Errorf("-n %d: want a positive count or -1", *nPredict)
	}
	router, err := ff.Router()
	if err != nil {
		return err
	}
	routed := router.Remote() != nil
	if routed && sf.constrained() {
		return errors.New("--grammar-file and --json-schema constrain the local answer: not with --fallback-url")
	}
	if routed && (*printIDs || *tokensFile != "") {
		return errors.New("--fallback-url needs a text prompt and prints text: not with --ids or --tokens-file")
	}
	sources := 0
	for _, s := range []string{*prompt, *promptFile, *tokensFile} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return usageError(fs, "give exactly one prompt: -p TEXT, -f FILE or --tokens-file FILE")
	}
	opts, err := sf.generateOptions(*nPredict)
	if err != nil {
		return err
	}
	if *logprobs < -1 || *logprobs > gollm.MaxTopLogProbs {
		return fmt.Errorf("--logprobs %d: want 0 to %d alternatives, or -1 for off", *logprobs, gollm.MaxTopLogProbs)
	}
	if *logprobs >= 0 && routed {
		return errors.New("--logprobs describes the local answer: not with --fallback-url")
	}
	opts.LogProbs, opts.TopLogProbs = *logprobs >= 0, max(*logprobs, 0)
	var ids []int32
	if *tokensFile != "" {
		if ids, err = readTokenFile(*tokensFile); err != nil {
			return err
		}
	} else if *promptFile != "" {
		b, err := os.ReadFile(*promptFile)
		if err != nil {
			return err
		}
		*prompt = string(b)
	}

	m, s, err := ef.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	defer s.Close()
	if ids == nil {
		ids = m.Tokenize(*prompt, true)
	}
	for _, id := range ids {
		if id < 0 || int(id) >= m.Info().VocabSize {
			return fmt.Errorf("token id %d is outside the vocabulary (0..%d)", id, m.Info().VocabSize-1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if routed {
		return runRouted(ctx, router, s, ids, *prompt, opts, stdout, stderr)
	}
	var toks []gollm.Token
	for tok, err := range s.GenerateTokens(ctx, ids, opts) {
		if err != nil {
			return err
		}
		if opts.LogProbs && tok.ID >= 0 {
			toks = append(toks, tok)
		}
		if *printIDs {
			if tok.ID >= 0 {
				fmt.Fprintln(stdout, tok.ID)
			}
			continue
		}
		io.WriteString(stdout, tok.Text)
	}
	if !*printIDs {
		fmt.Fprintln(stdout)
	}
	printStats(stderr, s.Stats())
	if opts.LogProbs {
		printLogprobs(stderr, m, toks)
	}
	return nil
}

// printLogprobs writes one line per generated token: its text (quoted),
// id and log-probability, then its likeliest alternatives.
func printLogprobs(w io.Writer, m *gollm.Model, toks []gollm.Token) {
	fmt.Fprintln(w, "\nlog-probabilities (token, id, logprob; alternatives):")
	for _, t := range toks {
		fmt.Fprintf(w, "%-16q %6d %9.4f", m.TokenPiece(t.ID), t.ID, t.LogProb)
		for i, alt := range t.TopLogProbs {
			sep := "   "
			if i == 0 {
				sep = " | "
			}
			fmt.Fprintf(w, "%s%q %.4f", sep, m.TokenPiece(alt.ID), alt.LogProb)
		}
		fmt.Fprintln(w)
	}
}

// runRouted answers the prompt where the router says: locally, or by the
// fallback before, during or after the local generation, streaming it as
// streamLive says. The decision goes to stderr as "gollm.route: {...}",
// the JSON the server reports.
func runRouted(ctx context.Context, router *fallback.Router, s *gollm.Session, ids []int32, prompt string,
	opts gollm.GenerateOptions, stdout, stderr io.Writer) error {
	sink := &printSink{out: stdout, notes: stderr, live: streamLive(stdout, router)}
	job := fallback.Job{Prompt: ids, Context: s.ContextSize(), Options: opts, Request: remoteRequest(opts),
		Session: func(context.Context) (*gollm.Session, func(), error) { return s, func() {}, nil }}
	job.Request.Prompt = prompt
	res, err := router.Answer(ctx, job, sink)
	var nofit *fallback.NoFitError
	if err != nil && !errors.As(err, &nofit) {
		return err
	}
	if err == nil {
		if !sink.live {
			io.WriteString(stdout, res.Text())
		}
		fmt.Fprintln(stdout)
	}
	if res.Local.Stats.PromptTokens > 0 {
		printStats(stderr, res.Local.Stats)
	}
	printRoute(stderr, res.Decision)
	return err
}

// streamLive reports whether an answer streams to w as it is produced: on
// a terminal (a note on stderr marks where the fallback takes over), and
// wherever no local text can be replaced. Otherwise only the final answer
// is written, so that a replaced local start does not end up in a file.
func streamLive(w io.Writer, r *fallback.Router) bool {
	return progress.IsTerminal(w) || !r.Enabled() || r.Policy().Mode == fallback.ModeContinue
}

// remoteRequest is the request for the fallback with the sampling settings
// of opts (the caller sets the prompt or the messages).
func remoteRequest(opts gollm.GenerateOptions) fallback.Request {
	sp := opts.Sampling
	temp, topP := shortFloat(sp.Temperature), shortFloat(sp.TopP)
	req := fallback.Request{MaxTokens: opts.MaxTokens, Stop: opts.Stop, Temperature: &temp, TopP: &topP}
	if sp.Seed != 0 {
		seed := int64(sp.Seed)
		req.Seed = &seed
	}
	return req
}

// printRoute writes the router's decision as the JSON the server reports.
func printRoute(w io.Writer, d fallback.Decision) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(d)
	fmt.Fprintf(w, "gollm.route: %s", b.String())
}

// printSink writes an answer as the router produces it: live, or not at
// all (the caller then writes the final answer).
type printSink struct {
	out, notes io.Writer
	live       bool
}

func (p *printSink) Local(tok gollm.Token) bool {
	if p.live {
		io.WriteString(p.out, tok.Text)
	}
	return true
}

func (p *printSink) Handover(d fallback.Decision) bool {
	if p.live && d.LocalTokens > 0 && d.Mode == fallback.ModeReplace {
		fmt.Fprintln(p.out)
		fmt.Fprintf(p.notes, "(%s: the fallback's answer replaces the text above)\n", d.Reason)
	}
	return true
}

func (p *printSink) Remote(text string) bool {
	if p.live {
		io.WriteString(p.out, text)
	}
	return true
}

// printStats writes the timings, confidence and peak memory of a generation.
func printStats(w io.Writer, st gollm.Stats) {
	fmt.Fprintf(w, "\nprompt: %d tokens in %s (%.1f tokens/s)\n", st.PromptTokens,
		st.PromptTime.Round(time.Microsecond), st.PromptTokensPerSecond())
	fmt.Fprintf(w, "generation: %d tokens in %s (%.1f tokens/s), time to first token %s\n", st.GeneratedTokens,
		st.GenerateTime.Round(time.Microsecond), st.GenerateTokensPerSecond(), st.TimeToFirstToken.Round(time.Microsecond))
	fmt.Fprintf(w, "confidence: %.4f (lowest token probability %.4f), stopped: %s\n", st.Confidence, st.MinTokenProb, st.StopReason)
	if rss, ok := sysinfo.PeakRSS(); ok {
		fmt.Fprintf(w, "peak memory: %s\n", sysinfo.FormatBytes(rss))
	}
}
