package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/model/chat"
	"github.com/gollm/gollm/model/chat/jinja"
)

func init() {
	register(command{
		name:    "template",
		summary: "render a conversation (JSON) with a chat template, as transformers does",
		run:     runTemplate,
	})
}

// optionalString is a string flag that tells "not given" from "".
type optionalString struct {
	value string
	set   bool
}

func (o *optionalString) String() string { return o.value }
func (o *optionalString) Set(s string) error {
	o.value, o.set = s, true
	return nil
}

// runTemplate renders CASE.json: its messages, tools, add_generation_prompt
// and any other top-level key (enable_thinking, ...) are the template's
// variables; description is ignored. The result goes to stdout as it is.
func runTemplate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("template", "(-m MODEL | --chat-template-file FILE) [--bos-token S] [--eos-token S] [--now RFC3339] CASE.json", stdout)
	modelPath := fs.String("m", "", "GGUF model `file` whose template and special tokens to use")
	alias(fs, "model", "m")
	file := fs.String("chat-template-file", "", "Jinja chat template `file` (instead of the model's)")
	var bos, eos optionalString
	fs.Var(&bos, "bos-token", "bos_token `text` (default: the model's; undefined without a model)")
	fs.Var(&eos, "eos-token", "eos_token `text` (default: the model's; undefined without a model)")
	nowFlag := fs.String("now", "", "the `time` strftime_now formats, RFC 3339 (default: now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "want one CASE.json argument")
	}
	if *modelPath == "" && *file == "" {
		return usageError(fs, "missing -m MODEL or --chat-template-file FILE")
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now %q: want a time such as 2026-12-03T12:00:00Z", *nowFlag)
		}
		now = t
	}
	vars, err := readCase(fs.Arg(0))
	if err != nil {
		return err
	}
	tmpl, err := loadTemplate(*modelPath, *file, bos, eos)
	if err != nil {
		return err
	}
	out, err := tmpl.RenderVars(vars, now)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, out)
	return err
}

// readCase reads a conversation file: a JSON object whose keys are
// template variables (description excepted).
func readCase(path string) (map[string]jinja.Value, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := jinja.FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d, ok := v.(*jinja.Dict)
	if !ok {
		return nil, fmt.Errorf("%s: want a JSON object with messages", path)
	}
	if _, ok := d.Get("messages"); !ok {
		return nil, fmt.Errorf("%s: no \"messages\"", path)
	}
	vars := map[string]jinja.Value{}
	for _, k := range d.Keys() {
		if k == "description" {
			continue
		}
		vars[k.(string)], _ = d.Get(k)
	}
	return vars, nil
}

// loadTemplate returns the template of the file, else of the model, with
// the model's special tokens unless the flags set them.
func loadTemplate(modelPath, file string, bos, eos optionalString) (chat.Template, error) {
	var tokens chat.Tokens
	var src string
	var named map[string]string
	if modelPath != "" {
		m, err := gollm.Load(modelPath, gollm.Options{})
		if err != nil {
			return chat.Template{}, err
		}
		defer m.Close()
		tokens = chat.TokensOf(m.Engine().Tokenizer)
		src, named = m.Engine().Config.ChatTemplate, m.Engine().Config.ChatTemplates
		if src == "" && file == "" {
			return chat.Template{}, fmt.Errorf("%s has no chat template; give one with --chat-template-file", modelPath)
		}
	}
	if bos.set {
		tokens.BOS = bos.value
	}
	if eos.set {
		tokens.EOS = eos.value
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return chat.Template{}, err
		}
		return chat.Parse(file, string(data), tokens)
	}
	return chat.New(src, named, tokens)
}
