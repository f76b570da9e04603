package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/internal/sysinfo"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/sampler"
)

func init() {
	register(command{
		name:    "run",
		summary: "generate text from a prompt, streaming it to stdout",
		run:     runRun,
	})
}

// engineFlags are the flags every command that runs the model shares.
type engineFlags struct {
	model   *string
	threads *int
	ctx     *int
	batch   *int
	kvType  *string
	verbose *bool
}

func addEngineFlags(fs *flag.FlagSet) *engineFlags {
	return &engineFlags{
		model:   fs.String("m", "", "GGUF model `file`"),
		threads: fs.Int("t", 0, "worker `threads` (0: one per CPU)"),
		ctx:     fs.Int("c", 0, "context size in `tokens` (0: the model's, at most 4096)"),
		batch:   fs.Int("b", 0, "prompt batch size in `tokens` (0: 512)"),
		kvType:  fs.String("kv-type", "f16", "KV cache `type`: f16 or f32"),
		verbose: fs.Bool("v", false, "print the CPU, kernel level and model details to stderr"),
	}
}

// check validates the shared flags.
func (e *engineFlags) check() error {
	if *e.model == "" {
		return errors.New("missing -m MODEL")
	}
	if *e.threads < 0 || *e.ctx < 0 || *e.batch < 0 {
		return errors.New("-t, -c and -b must not be negative")
	}
	if *e.kvType != "f16" && *e.kvType != "f32" {
		return fmt.Errorf("--kv-type %q: want f16 or f32", *e.kvType)
	}
	return kernels.LevelError()
}

// load opens the model and a session as the flags say.
func (e *engineFlags) load(stderr io.Writer) (*gollm.Model, *gollm.Session, error) {
	if err := e.check(); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	m, err := gollm.Load(*e.model, gollm.Options{})
	if err != nil {
		return nil, nil, err
	}
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: *e.ctx, Threads: *e.threads,
		BatchSize: *e.batch, KVCacheF32: *e.kvType == "f32"})
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	if *e.verbose {
		info := m.Info()
		fmt.Fprintf(stderr, "cpu: %s, kernels: %s, threads: %d\n", kernels.CPU(), kernels.Level(), s.Engine().Threads())
		fmt.Fprintf(stderr, "model: %s (%s), %d parameters, %d layers, context %d of %d trained, loaded in %s\n",
			info.Name, info.Architecture, info.Parameters, info.Layers, s.ContextSize(), info.ContextLength,
			time.Since(start).Round(time.Millisecond))
	}
	return m, s, nil
}

// parseInterspersed parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "-m MODEL -p PROMPT [flags]   or   gollm run MODEL.gguf PROMPT [flags]", stderr)
	ef := addEngineFlags(fs)
	prompt := fs.String("p", "", "the prompt `text` (control tokens written in it are recognized)")
	promptFile := fs.String("f", "", "read the prompt from this `file`")
	tokensFile := fs.String("tokens-file", "", "the prompt as token ids, one per line, used exactly as given (no BOS added)")
	nPredict := fs.Int("n", 256, "tokens to generate (-1: until end of generation or a full context)")
	printIDs := fs.Bool("ids", false, "print the generated token ids, one per line, instead of text")
	var stops multiFlag
	fs.Var(&stops, "stop", "stop when the text contains this `string` (repeatable)")
	def := sampler.DefaultOptions()
	temp := fs.Float64("temp", shortFloat(def.Temperature), "sampling temperature (0: greedy)")
	topK := fs.Int("top-k", def.TopK, "keep the `k` most likely tokens (0: off)")
	topP := fs.Float64("top-p", shortFloat(def.TopP), "keep the smallest set of tokens whose probability reaches `p` (1: off)")
	minP := fs.Float64("min-p", shortFloat(def.MinP), "drop tokens less likely than `p` times the most likely (0: off)")
	repeat := fs.Float64("repeat-penalty", shortFloat(def.RepeatPenalty), "penalty on tokens of the last --repeat-last-n (1: off)")
	repeatN := fs.Int("repeat-last-n", def.RepeatLastN, "tokens the repeat penalty looks back over")
	seed := fs.Uint64("seed", 0, "random seed (0: a different one each run)")
	ff := fallback.AddFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
	case 2:
		if *ef.model != "" || *prompt != "" {
			return errors.New("give the model and prompt either as flags or as arguments, not both")
		}
		*ef.model, *prompt = pos[0], pos[1]
	default:
		return fmt.Errorf("want MODEL.gguf PROMPT as arguments, got %d arguments", len(pos))
	}
	if *nPredict < -1 || *nPredict == 0 {
		return fmt.Errorf("-n %d: want a positive count or -1", *nPredict)
	}
	fb, err := ff.Config()
	if err != nil {
		return err
	}
	if fb.Enabled() && (*printIDs || *tokensFile != "") {
		return errors.New("--fallback-url needs a text prompt and prints text: not with --ids or --tokens-file")
	}
	sources := 0
	for _, s := range []string{*prompt, *promptFile, *tokensFile} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return errors.New("give exactly one prompt: -p TEXT, -f FILE or --tokens-file FILE")
	}
	opts := gollm.GenerateOptions{Stop: stops, Sampling: sampler.Options{
		Temperature: float32(*temp), TopK: *topK, TopP: float32(*topP), MinP: float32(*minP),
		RepeatPenalty: float32(*repeat), RepeatLastN: *repeatN, Seed: *seed,
		FrequencyPenalty: def.FrequencyPenalty, PresencePenalty: def.PresencePenalty, MinKeep: def.MinKeep,
	}}
	if err := opts.Sampling.Validate(); err != nil {
		return err
	}
	if *nPredict > 0 {
		opts.MaxTokens = *nPredict
	}
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
	if fb.Enabled() {
		return runWithFallback(ctx, fb, s, ids, *prompt, opts, stdout, stderr)
	}
	for tok, err := range s.GenerateTokens(ctx, ids, opts) {
		if err != nil {
			return err
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
	return nil
}

// runWithFallback generates the whole local answer before printing it, so
// that the fallback can replace it, and says on stderr which side answered
// and why. A prompt too long for the context goes to the fallback directly.
func runWithFallback(ctx context.Context, fb *fallback.Config, s *gollm.Session, ids []int32, prompt string,
	opts gollm.GenerateOptions, stdout, stderr io.Writer) error {
	var b strings.Builder
	var local fallback.Local
	for tok, err := range s.GenerateTokens(ctx, ids, opts) {
		if errors.Is(err, gollm.ErrContextFull) {
			local.NoFit = fmt.Sprintf("prompt of %d tokens does not fit the local context of %d", len(ids), s.ContextSize())
			break
		} else if err != nil {
			return err
		}
		b.WriteString(tok.Text)
	}
	if local.NoFit == "" {
		printStats(stderr, s.Stats())
		local.Text, local.Confidence = b.String(), s.Stats().Confidence
	}
	temp, topP := shortFloat(opts.Sampling.Temperature), shortFloat(opts.Sampling.TopP)
	req := fallback.Request{Prompt: prompt, MaxTokens: opts.MaxTokens, Stop: opts.Stop, Temperature: &temp, TopP: &topP}
	if opts.Sampling.Seed != 0 {
		seed := int64(opts.Sampling.Seed)
		req.Seed = &seed
	}
	ans := fallback.Answer{Text: local.Text, Source: fallback.SourceLocal, Reason: "interrupted"}
	if ctx.Err() == nil {
		ans = fb.Resolve(ctx, req, local)
	}
	fmt.Fprintln(stderr, ans)
	if local.NoFit != "" && ans.Source != fallback.SourceFallback {
		return errors.New(local.NoFit + ", and the fallback did not answer")
	}
	fmt.Fprintln(stdout, ans.Text)
	return nil
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

// readTokenFile reads token ids, one per line (blank lines ignored).
func readTokenFile(path string) ([]int32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []int32
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, err := strconv.ParseInt(line, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not a token id", path, i+1, line)
		}
		ids = append(ids, int32(id))
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s holds no token ids", path)
	}
	return ids, nil
}

// shortFloat widens a float32 option default to float64 without the
// binary noise (0.8, not 0.800000011920929) so that help texts read well.
func shortFloat(x float32) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	return f
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set appends one value.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
