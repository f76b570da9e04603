// Flags shared by the commands that load and run a model.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/sampler"
)

// engineFlags are the flags every command that runs the model shares.
type engineFlags struct {
	fs      *flag.FlagSet
	model   *string
	threads *int
	ctx     *int
	batch   *int
	kvType  *string
	swaFull *bool
	verbose *bool
}

// addEngineFlags defines -m, -t, -c, -b, --kv-type, --swa-full and -v on
// fs, and llama.cpp's long names --model, --threads and --ctx-size.
func addEngineFlags(fs *flag.FlagSet) *engineFlags {
	e := &engineFlags{
		fs:      fs,
		model:   fs.String("m", "", "GGUF model `file`"),
		threads: fs.Int("t", 0, "worker `threads` (0: one per CPU)"),
		ctx:     fs.Int("c", 0, "context size in `tokens` (0: the model's, at most 4096)"),
		batch:   fs.Int("b", 0, "prompt batch size in `tokens` (0: 512)"),
		kvType:  fs.String("kv-type", "f16", "KV cache `type`: f16 or f32"),
		swaFull: fs.Bool("swa-full", false, "keep every position in sliding-window layers' caches (more memory, any prefix reusable)"),
		verbose: fs.Bool("v", false, "print the CPU, kernel level and model details to stderr"),
	}
	alias(fs, "model", "m")
	alias(fs, "threads", "t")
	alias(fs, "ctx-size", "c")
	return e
}

// alias defines name as another name of the flag of, as llama.cpp spells
// it (--model for -m).
func alias(fs *flag.FlagSet, name, of string) {
	fs.Var(fs.Lookup(of).Value, name, "same as -"+of)
}

// check validates the shared flags.
func (e *engineFlags) check() error {
	if *e.model == "" {
		return usageError(e.fs, "missing -m MODEL")
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
	return e.loadWith(stderr, gollm.Options{})
}

// loadWith is load with model options (such as a chat template).
func (e *engineFlags) loadWith(stderr io.Writer, opts gollm.Options) (*gollm.Model, *gollm.Session, error) {
	if err := e.check(); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	m, err := gollm.Load(*e.model, opts)
	if err != nil {
		return nil, nil, err
	}
	printWarnings(stderr, m)
	warnContext(stderr, m, *e.ctx)
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: *e.ctx, Threads: *e.threads,
		BatchSize: *e.batch, KVCacheF32: *e.kvType == "f32", SWAFull: *e.swaFull})
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

// warnContext warns when -c asks for more context than the model was
// trained on: it runs, but positions past the training context are ones
// the model never saw.
func warnContext(stderr io.Writer, m *gollm.Model, ctx int) {
	if trained := m.Info().ContextLength; trained > 0 && ctx > trained {
		fmt.Fprintf(stderr, "warning: -c %d is more than the %d tokens this model was trained on; answers may degrade past %d\n",
			ctx, trained, trained)
	}
}

// printWarnings writes what loading m ignored in its file to stderr.
func printWarnings(stderr io.Writer, m *gollm.Model) {
	for _, w := range m.Warnings() {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
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

// readTokenFile reads token ids separated by any white space: what gollm
// tokenize prints (on one line, or one per line with --ids-per-line), or
// llama.cpp's one id per line.
func readTokenFile(path string) ([]int32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []int32
	for i, line := range strings.Split(string(b), "\n") {
		for _, field := range strings.Fields(line) {
			id, err := strconv.ParseInt(field, 10, 32)
			if err != nil || id < 0 {
				return nil, fmt.Errorf("%s:%d: %q is not a token id", path, i+1, field)
			}
			ids = append(ids, int32(id))
		}
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

// samplingFlags are the sampling flags of the commands that generate.
type samplingFlags struct {
	temp, topP, minP, repeat *float64
	topK, repeatN            *int
	seed                     *uint64
	stops                    multiFlag
	grammarFile, jsonSchema  *string
}

// addSamplingFlags defines the sampling flags and --stop on fs, with
// llama.cpp's defaults.
func addSamplingFlags(fs *flag.FlagSet) *samplingFlags {
	def := sampler.DefaultOptions()
	f := &samplingFlags{
		temp:    fs.Float64("temp", shortFloat(def.Temperature), "sampling temperature (0: greedy)"),
		topK:    fs.Int("top-k", def.TopK, "keep the `k` most likely tokens (0: off)"),
		topP:    fs.Float64("top-p", shortFloat(def.TopP), "keep the smallest set of tokens whose probability reaches `p` (1: off)"),
		minP:    fs.Float64("min-p", shortFloat(def.MinP), "drop tokens less likely than `p` times the most likely (0: off)"),
		repeat:  fs.Float64("repeat-penalty", shortFloat(def.RepeatPenalty), "penalty on tokens of the last --repeat-last-n (1: off)"),
		repeatN: fs.Int("repeat-last-n", def.RepeatLastN, "tokens the repeat penalty looks back over"),
		seed:    fs.Uint64("seed", 0, "random seed (0: a different one each run)"),
	}
	fs.Var(&f.stops, "stop", "stop when the text contains this `string` (repeatable)")
	f.grammarFile = fs.String("grammar-file", "", "constrain the output to the GBNF grammar in this `file` (llama.cpp's format)")
	f.jsonSchema = fs.String("json-schema", "", "constrain the output to JSON valid against the JSON Schema in this `file`")
	return f
}

// generateOptions validates the flags; n > 0 bounds the generated tokens.
func (f *samplingFlags) generateOptions(n int) (gollm.GenerateOptions, error) {
	def := sampler.DefaultOptions()
	o := gollm.GenerateOptions{Stop: f.stops, Sampling: sampler.Options{
		Temperature: float32(*f.temp), TopK: *f.topK, TopP: float32(*f.topP), MinP: float32(*f.minP),
		RepeatPenalty: float32(*f.repeat), RepeatLastN: *f.repeatN, Seed: *f.seed,
		FrequencyPenalty: def.FrequencyPenalty, PresencePenalty: def.PresencePenalty, MinKeep: def.MinKeep,
	}}
	if n > 0 {
		o.MaxTokens = n
	}
	if err := o.Sampling.Validate(); err != nil {
		return o, err
	}
	return o, f.constrain(&o)
}

// constrain reads --grammar-file or --json-schema into o and checks the
// grammar or schema, so that a bad one fails before the model loads.
func (f *samplingFlags) constrain(o *gollm.GenerateOptions) error {
	switch {
	case *f.grammarFile != "" && *f.jsonSchema != "":
		return errors.New("give --grammar-file or --json-schema, not both")
	case *f.grammarFile != "":
		b, err := os.ReadFile(*f.grammarFile)
		if err != nil {
			return err
		}
		if _, err := grammar.Parse(string(b)); err != nil {
			return fmt.Errorf("--grammar-file %s: %w", *f.grammarFile, err)
		}
		o.Grammar = string(b)
	case *f.jsonSchema != "":
		b, err := os.ReadFile(*f.jsonSchema)
		if err != nil {
			return err
		}
		if _, err := grammar.FromJSONSchema(b); err != nil {
			return fmt.Errorf("--json-schema %s: %w", *f.jsonSchema, err)
		}
		o.JSONSchema = string(b)
	}
	return nil
}

// constrained reports whether the flags constrain the output.
func (f *samplingFlags) constrained() bool { return *f.grammarFile != "" || *f.jsonSchema != "" }

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set appends one value.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
