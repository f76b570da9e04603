// Command gen writes a random-weight GGUF model of a preset shape:
//
//	go run ./internal/testmodel/gen -preset qwen2.5-0.5b -type Q4_K_M -o /tmp/qwen05-q4km.gguf [-seed N]
//
// -list prints the presets and file types. A progress line is shown when
// standard error is a terminal.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/gollm/gollm/internal/testmodel"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer, stderr *os.File) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "", "model shape (see -list)")
	fileType := fs.String("type", "Q4_K_M", "file type: a tensor type (pure) or a mix such as Q4_K_M")
	out := fs.String("o", "", "output path")
	seed := fs.Uint64("seed", 0, "random seed for weights and vocabulary")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "quantization goroutines")
	list := fs.Bool("list", false, "list presets and file types")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		return printList(stdout)
	}
	if *preset == "" || *out == "" {
		return fmt.Errorf("-preset and -o are required (try -list)")
	}
	spec, err := testmodel.Preset(*preset)
	if err != nil {
		return err
	}
	spec.Seed = *seed
	opts := testmodel.Options{Threads: *threads}
	if isTerminal(stderr) {
		opts.Progress = progressLine(stderr)
	}
	start := time.Now()
	if err := opts.Write(*out, spec, *fileType); err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	fmt.Fprintf(stdout, "%s: %s %s, %.1f MB in %.1fs\n", *out, *preset, *fileType, float64(fi.Size())/1e6, time.Since(start).Seconds())
	return nil
}

func printList(w io.Writer) error {
	fmt.Fprintln(w, "presets:")
	for _, name := range testmodel.PresetNames() {
		s := testmodel.Presets[name]
		fmt.Fprintf(w, "  %-14s %-7s d=%-5d layers=%-3d heads=%d/%d ffn=%-5d vocab=%-6d %s params=%.1fM\n",
			name, s.Arch, s.NEmbd, s.NLayer, s.NHead, s.NHeadKV, s.NFF, s.NVocab, s.Tokenizer, float64(s.ParamCount())/1e6)
	}
	fmt.Fprintln(w, "file types:")
	for _, ft := range testmodel.FileTypeNames() {
		fmt.Fprintf(w, "  %s\n", ft)
	}
	return nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine returns a Progress callback that redraws one status line at
// most ten times a second.
func progressLine(w io.Writer) func(testmodel.Progress) {
	start := time.Now()
	var last time.Time
	return func(p testmodel.Progress) {
		now := time.Now()
		if now.Sub(last) < 100*time.Millisecond && p.Done < p.Total {
			return
		}
		last = now
		pct := 100 * float64(p.Done) / float64(max(p.Total, 1))
		fmt.Fprintf(w, "\r\033[K%5.1f%%  %7.1f / %.1f MB  tensor %d/%d %s  %.0fs",
			pct, float64(p.Done)/1e6, float64(p.Total)/1e6, p.Index+1, p.Count, p.Tensor, now.Sub(start).Seconds())
	}
}
