package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/gollm/gollm"
)

func init() {
	register(command{
		name:    "embed",
		summary: "print the embeddings of texts as JSON",
		run:     runEmbed,
	})
}

// runEmbed prints the embedding of each -p TEXT (or of the text of each -f
// FILE) as JSON in the shape of OpenAI's /v1/embeddings response.
func runEmbed(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("embed", "-m MODEL -p TEXT [-p TEXT ...] [--pooling mean|cls|last]", stdout)
	ef := addEngineFlags(fs)
	var prompts, files multiFlag
	fs.Var(&prompts, "p", "`text` to embed (repeat for several)")
	fs.Var(&files, "f", "embed the text of this `file` (repeat for several)")
	alias(fs, "prompt", "p")
	alias(fs, "file", "f")
	pooling := fs.String("pooling", "", "`pooling` of the token states: mean, cls or last (default: the model's, else mean)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q (give texts with -p)", fs.Arg(0)))
	}
	texts := []string(prompts)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		texts = append(texts, string(b))
	}
	if len(texts) == 0 {
		return usageError(fs, "missing -p TEXT (or -f FILE)")
	}
	switch p := gollm.Pooling(*pooling); p {
	case gollm.PoolingModel, gollm.PoolingMean, gollm.PoolingCLS, gollm.PoolingLast:
	default:
		return fmt.Errorf("--pooling %q: want mean, cls or last", *pooling)
	}
	if err := ef.check(); err != nil {
		return err
	}
	m, err := gollm.Load(*ef.model, gollm.Options{Session: gollm.SessionOptions{Threads: *ef.threads,
		BatchSize: *ef.batch, KVCacheF32: *ef.kvType == "f32", SWAFull: *ef.swaFull}})
	if err != nil {
		return err
	}
	defer m.Close()
	printWarnings(stderr, m)
	inputs := make([][]int32, len(texts))
	total := 0
	for i, t := range texts {
		inputs[i] = m.Tokenize(t, true)
		total += len(inputs[i])
	}
	for i, in := range inputs {
		if *ef.ctx > 0 && len(in) > *ef.ctx {
			return fmt.Errorf("text %d takes %d tokens, more than -c %d", i+1, len(in), *ef.ctx)
		}
	}
	if *ef.verbose {
		p, _ := m.Pooling()
		if *pooling != "" {
			p = gollm.Pooling(*pooling)
		}
		fmt.Fprintf(stderr, "%d texts, %d tokens, %s pooling, %d dimensions\n", len(texts), total, p, m.Info().Embedding)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	vecs, err := m.EmbedTokens(ctx, inputs, gollm.EmbedOptions{Pooling: gollm.Pooling(*pooling)})
	if err != nil {
		return err
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	out := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Model: strings.TrimSuffix(filepath.Base(*ef.model), ".gguf")}
	for i, v := range vecs {
		out.Data = append(out.Data, item{Object: "embedding", Index: i, Embedding: v})
	}
	out.Usage.PromptTokens, out.Usage.TotalTokens = total, total
	enc := json.NewEncoder(stdout)
	return enc.Encode(out)
}
