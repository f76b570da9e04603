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

	"github.com/gollm/gollm/internal/progress"
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
	bar := progress.New(stderr, "writing "+*out)
	if bar.Enabled() {
		opts.Progress = func(p testmodel.Progress) {
			bar.SetBytes(fmt.Sprintf("tensor %d/%d %s", p.Index+1, p.Count, p.Tensor), p.Done, p.Total)
		}
	}
	start := time.Now()
	err = opts.Write(*out, spec, *fileType)
	bar.Done()
	if err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
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
