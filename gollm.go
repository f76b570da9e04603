// Package gollm runs small language models stored as GGUF files, in pure Go,
// on the CPU of the machine that holds the data.
//
// Load a model once and share it between goroutines; give each conversation
// its own Session, which owns a KV cache:
//
//	m, err := gollm.Load("qwen2.5-0.5b-instruct-q4_k_m.gguf", gollm.Options{})
//	if err != nil { ... }
//	defer m.Close()
//	s, err := m.NewSession(gollm.SessionOptions{})
//	if err != nil { ... }
//	defer s.Close()
//	for tok, err := range s.Generate(ctx, "The capital of France is", gollm.GenerateOptions{MaxTokens: 32}) {
//		if err != nil { ... }
//		fmt.Print(tok.Text)
//	}
//	fmt.Println("confidence:", s.Stats().Confidence)
package gollm

import (
	"fmt"

	"github.com/gollm/gollm/model"
)

// Options configures Load. The zero value is ready to use.
type Options struct {
	// Defaults for sessions of this model; see SessionOptions.
	Session SessionOptions
	// ChatTemplate names the chat template Chat uses instead of the
	// model's tokenizer.chat_template: one of the model's named templates
	// (tokenizer.chat_template.NAME, such as "tool_use"), else a built-in
	// format ("chatml", "llama3", ...; the choice for a file without a
	// template).
	ChatTemplate string
	// ChatTemplateFile is the path of a Jinja chat template that Chat
	// uses instead of the model's (it wins over ChatTemplate).
	ChatTemplateFile string
}

// SessionOptions configures a session. Zero fields take the model's
// defaults (Options.Session), then the engine's: a context of the smaller of
// the model's training context and 4096 tokens, a batch of 512, one thread
// per CPU and an F16 KV cache.
type SessionOptions struct {
	ContextSize int
	BatchSize   int
	Threads     int
	// KVCacheF32 stores the KV cache as float32 instead of float16.
	KVCacheF32 bool
	// SWAFull keeps every position in the caches of sliding-window layers
	// (Gemma 3) instead of the window: more memory, but a prompt that
	// shares a prefix with the cache always reuses all of it.
	SWAFull bool
}

// Model is a loaded model. It is safe for concurrent use by many sessions.
type Model struct {
	m       *model.Model
	opts    Options
	chat    chatState
	grammar grammarVocab
}

// Info describes a loaded model.
type Info struct {
	Architecture  string
	Name          string
	Parameters    int64
	ContextLength int // training context
	VocabSize     int
	Layers        int
	Embedding     int
	Heads         int
	KVHeads       int
	// Tokenizer is "spm" (SentencePiece) or "bpe" (byte-level BPE).
	Tokenizer string
	// ChatTemplate is the model's tokenizer.chat_template ("" when absent).
	ChatTemplate string
	// RepackedBytes is the memory the weights take besides the mapped
	// file: the matrices rearranged at load for this CPU's kernels (arm64:
	// Q4_0 and Q8_0), 0 where the kernels read the file's layout.
	RepackedBytes int64
}

// Load opens a GGUF model file. Its weights stay memory-mapped; Close
// releases them.
func Load(path string, opts Options) (*Model, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	return &Model{m: m, opts: opts}, nil
}

// Close releases the model's file and the sessions Chat keeps. Sessions
// must not be used afterwards.
func (m *Model) Close() error {
	m.closeSessions()
	return m.m.Close()
}

// Info returns a description of the model.
func (m *Model) Info() Info {
	c := &m.m.Config
	return Info{
		Architecture: c.Arch, Name: c.Name, Parameters: m.m.ParamCount(),
		ContextLength: c.CtxTrain, VocabSize: c.NVocab, Layers: c.NLayer,
		Embedding: c.NEmbd, Heads: c.NHead, KVHeads: c.NHeadKV,
		Tokenizer: m.m.Tokenizer.Kind(), ChatTemplate: c.ChatTemplate,
		RepackedBytes: m.m.PackedBytes(),
	}
}

// Warnings returns what loading ignored in the file's metadata, one
// sentence each (a special token id outside the vocabulary, which
// llama.cpp also ignores), nil when nothing. Tools print them; the model
// runs as llama.cpp runs it.
func (m *Model) Warnings() []string { return m.m.Tokenizer.Warnings() }

// Engine returns the underlying engine model, for tools that need the
// forward pass directly (logits, perplexity, benchmarks).
func (m *Model) Engine() *model.Model { return m.m }

// Tokenize converts text to token ids. Control tokens written in the text
// (such as "<|im_start|>") are recognized. addSpecial adds BOS/EOS as the
// model's metadata asks.
func (m *Model) Tokenize(text string, addSpecial bool) []int32 {
	return m.m.Tokenizer.Encode(text, addSpecial, true)
}

// TokenPiece returns the bytes token id stands for (a control token's
// text for control tokens, "" for an id outside the vocabulary): what
// log-probabilities report as a token.
func (m *Model) TokenPiece(id int32) string { return m.m.Tokenizer.Piece(id, true) }

// Detokenize converts token ids back to text.
func (m *Model) Detokenize(ids []int32) string { return m.m.Tokenizer.Decode(ids) }

// NewSession creates a session with its own KV cache.
func (m *Model) NewSession(opts SessionOptions) (*Session, error) {
	d := m.opts.Session
	pick := func(v, def int) int {
		if v != 0 {
			return v
		}
		return def
	}
	mo := model.SessionOptions{
		ContextSize: pick(opts.ContextSize, d.ContextSize),
		BatchSize:   pick(opts.BatchSize, d.BatchSize),
		Threads:     pick(opts.Threads, d.Threads),
	}
	if opts.KVCacheF32 || d.KVCacheF32 {
		mo.KVType = model.KVF32
	}
	mo.SWAFull = opts.SWAFull || d.SWAFull
	s, err := m.m.NewSession(mo)
	if err != nil {
		return nil, fmt.Errorf("gollm: %w", err)
	}
	return &Session{m: m, s: s}, nil
}
