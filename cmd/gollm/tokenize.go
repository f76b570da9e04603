package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gollm/gollm/model/tokenizer"
)

func init() {
	register(command{
		name:    "tokenize",
		summary: "print the token ids of a text",
		run:     runTokenize,
	})
}

// runTokenize prints the ids of -p TEXT or of the bytes of -f FILE on one
// line, separated by spaces (one per line with --ids-per-line, as llama.cpp
// writes them); run and logits read either with --tokens-file. Control
// tokens written in the text are recognised; BOS/EOS are added as the model
// asks unless --no-bos.
func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize", "-m MODEL (-p TEXT | -f FILE) [--no-bos] [--ids-per-line]", stdout)
	model := fs.String("m", "", "GGUF `file` holding the tokenizer (a vocab-only file works)")
	prompt := fs.String("p", "", "`text` to tokenize")
	file := fs.String("f", "", "tokenize the bytes of this `file` exactly")
	alias(fs, "model", "m")
	alias(fs, "prompt", "p")
	alias(fs, "file", "f")
	noBOS := fs.Bool("no-bos", false, "do not add the BOS/EOS tokens the model asks for")
	perLine := fs.Bool("ids-per-line", false, "print one id per line instead of all on one line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *model == "" {
		return usageError(fs, "missing -m MODEL")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if (set["p"] || set["prompt"]) == (set["f"] || set["file"]) {
		return usageError(fs, "give exactly one of -p TEXT and -f FILE")
	}
	text := *prompt
	if set["f"] || set["file"] {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		text = string(b)
	}
	tok, err := tokenizer.Open(*model)
	if err != nil {
		return err
	}
	ids := tok.Encode(text, !*noBOS, true)
	sep := byte(' ')
	if *perLine {
		sep = '\n'
	}
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(sep)
		}
		sb.WriteString(strconv.Itoa(int(id)))
	}
	sb.WriteByte('\n')
	_, err = io.WriteString(stdout, sb.String())
	return err
}
