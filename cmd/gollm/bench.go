package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/progress"
	"github.com/gollm/gollm/internal/sysinfo"
	"github.com/gollm/gollm/kernels"
)

func init() {
	register(command{
		name:    "bench",
		summary: "measure prompt processing and generation speed (llama-bench method)",
		run:     runBench,
	})
}

// benchResult is one row of the bench table.
type benchResult struct {
	Model       string    `json:"model"`
	SizeBytes   int64     `json:"size_bytes"`
	Params      int64     `json:"params"`
	Kernels     string    `json:"kernels"`
	CPU         string    `json:"cpu"`
	Threads     int       `json:"threads"`
	Test        string    `json:"test"`
	Tokens      int       `json:"tokens"`
	Samples     []float64 `json:"samples_tokens_per_second"`
	Mean        float64   `json:"mean_tokens_per_second"`
	StdDev      float64   `json:"stddev_tokens_per_second"`
	PeakRSS     int64     `json:"peak_rss_bytes,omitempty"`
	ContextSize int       `json:"context_size"`
	// Repacked is the weights' memory besides the mapped file
	// (gollm.Info.RepackedBytes).
	Repacked int64 `json:"repacked_bytes"`
	// Memory is what the session held besides the weights, as the engine
	// counts its buffers (model.Session.Memory) after the tests.
	Memory benchMemory `json:"session_memory"`
}

// benchMemory is a session's memory by kind, in bytes.
type benchMemory struct {
	KVType      string `json:"kv_type"`
	KV          int64  `json:"kv_bytes"`
	Recurrent   int64  `json:"recurrent_state_bytes"`
	Checkpoints int64  `json:"checkpoint_bytes"`
	Scratch     int64  `json:"scratch_bytes"`
}

// runBench runs a pp test (a prompt of -p random tokens from an empty cache)
// and a tg test (-n tokens decoded one at a time from an empty cache), each
// -r times after one warm-up, and prints mean ± standard deviation in
// tokens per second, as llama-bench does. The warm-ups are llama-bench's
// too: the whole prompt for pp, a single token for tg, so that instruction
// counts of whole runs (../shared/tools/arm64-insns/per-token.sh) compare
// with llama-bench's.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "-m MODEL [-p 512] [-n 128] [-t THREADS] [-r REPS] [--json]", stdout)
	ef := addEngineFlags(fs)
	nPrompt := fs.Int("p", 512, "prompt `tokens` of the pp test (0: skip it)")
	nGen := fs.Int("n", 128, "generated `tokens` of the tg test (0: skip it)")
	reps := fs.Int("r", 5, "`repetitions` of each test")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *nPrompt < 0 || *nGen < 0 || (*nPrompt == 0 && *nGen == 0) {
		return errors.New("-p and -n must not be negative, and one must be positive")
	}
	if *reps < 1 {
		return fmt.Errorf("-r %d: want at least 1", *reps)
	}
	if *ef.ctx == 0 {
		*ef.ctx = *nPrompt + *nGen
	}
	m, s, err := ef.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	defer s.Close()
	if need := max(*nPrompt, *nGen); need > s.ContextSize() {
		return fmt.Errorf("a test of %d tokens does not fit in the context of %d", need, s.ContextSize())
	}
	st, err := os.Stat(*ef.model)
	if err != nil {
		return err
	}
	info := m.Info()
	base := benchResult{
		Model: benchModelName(info, *ef.model), SizeBytes: st.Size(), Params: info.Parameters,
		Kernels: kernels.Level(), CPU: kernels.CPU(), Threads: s.Engine().Threads(), ContextSize: s.ContextSize(),
		Repacked: info.RepackedBytes,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randomTokens := func(n int) []int32 {
		ids := make([]int32, n)
		for i := range ids {
			ids[i] = int32(rng.IntN(info.VocabSize))
		}
		return ids
	}
	bar := progress.New(stderr, "bench")
	defer bar.Done()
	var results []benchResult
	if *nPrompt > 0 {
		prompt := randomTokens(*nPrompt)
		prefill := func() error {
			s.Reset()
			_, err := s.Engine().Prefill(prompt)
			return err
		}
		r, err := benchRepeat(base, fmt.Sprintf("pp%d", *nPrompt), *nPrompt, *reps, bar, prefill, prefill)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	if *nGen > 0 {
		tokens := randomTokens(*nGen)
		decode := func(tokens []int32) func() error {
			return func() error {
				s.Reset()
				for _, t := range tokens {
					if _, err := s.Engine().Decode(t); err != nil {
						return err
					}
				}
				return nil
			}
		}
		r, err := benchRepeat(base, fmt.Sprintf("tg%d", *nGen), *nGen, *reps, bar, decode(tokens[:1]), decode(tokens))
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	bar.Done()
	rss, _ := sysinfo.PeakRSS()
	mem := s.Engine().Memory()
	for i := range results {
		results[i].PeakRSS = rss
		results[i].Memory = benchMemory{KVType: strings.ToUpper(*ef.kvType), KV: mem.KV, Recurrent: mem.Recurrent,
			Checkpoints: mem.Checkpoints, Scratch: mem.Scratch}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	printBenchTable(stdout, results)
	return nil
}

// benchRepeat runs warmUp once, then times run reps times.
func benchRepeat(base benchResult, test string, tokens, reps int, bar *progress.Bar, warmUp, run func() error) (benchResult, error) {
	r := base
	r.Test, r.Tokens = test, tokens
	bar.Set(test+" warm-up", 0, reps)
	if err := warmUp(); err != nil {
		return r, err
	}
	for i := 0; i < reps; i++ {
		bar.Set(test, i, reps)
		start := time.Now()
		if err := run(); err != nil {
			return r, err
		}
		r.Samples = append(r.Samples, float64(tokens)/time.Since(start).Seconds())
	}
	r.Mean, r.StdDev = meanStdDev(r.Samples)
	return r, nil
}

func meanStdDev(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func benchModelName(info gollm.Info, path string) string {
	name := info.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".gguf")
	}
	return fmt.Sprintf("%s (%s)", name, info.Architecture)
}

// printBenchTable prints the results as a markdown table like llama-bench's.
func printBenchTable(w io.Writer, rs []benchResult) {
	fmt.Fprintln(w, "| model | size | params | kernels | threads | test | t/s |")
	fmt.Fprintln(w, "| --- | ---: | ---: | --- | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %.2f M | %s | %d | %s | %.2f ± %.2f |\n", r.Model, sysinfo.FormatBytes(r.SizeBytes),
			float64(r.Params)/1e6, r.Kernels, r.Threads, r.Test, r.Mean, r.StdDev)
	}
	if len(rs) > 0 {
		r := rs[0]
		fmt.Fprintf(w, "\ncpu: %s; peak memory: %s (weights repacked for the kernels: %s)\n", r.CPU,
			sysinfo.FormatBytes(r.PeakRSS), sysinfo.FormatBytes(r.Repacked))
		fmt.Fprintf(w, "session (context %d): KV cache %s (%s), recurrent state %s, checkpoints %s, buffers %s\n",
			r.ContextSize, sysinfo.FormatBytes(r.Memory.KV), r.Memory.KVType, sysinfo.FormatBytes(r.Memory.Recurrent),
			sysinfo.FormatBytes(r.Memory.Checkpoints), sysinfo.FormatBytes(r.Memory.Scratch))
	}
}
