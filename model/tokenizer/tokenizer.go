// Package tokenizer turns text into token ids and back for the tokenizers
// stored in GGUF files: SentencePiece-style BPE (GGUF model "llama", used by
// Llama 1/2, TinyLlama, Phi-3) and GPT-2 byte-level BPE (GGUF model "gpt2",
// used by Qwen2/2.5/3, Llama 3, SmolLM, DeepSeek and others).
//
// The behaviour follows llama.cpp's llama-vocab.cpp and unicode.cpp: the same
// merge order, the same pre-tokenizer splits (written here as hand-made
// scanners over runes instead of regular expressions), the same treatment of
// control and user-defined tokens written in the text, and the same rules for
// BOS/EOS and end-of-generation tokens.
package tokenizer

import (
	"fmt"
	"strings"
)

// NoToken is the id used for an absent special token.
const NoToken int32 = -1

// Token types as stored in tokenizer.ggml.token_type.
const (
	TypeUndefined   int32 = 0
	TypeNormal      int32 = 1
	TypeUnknown     int32 = 2
	TypeControl     int32 = 3
	TypeUserDefined int32 = 4
	TypeUnused      int32 = 5
	TypeByte        int32 = 6
)

// attr is llama.cpp's per-token attribute bit set.
type attr uint16

const (
	attrUndefined attr = 0
	attrUnknown   attr = 1 << 0
	attrUnused    attr = 1 << 1
	attrNormal    attr = 1 << 2
	attrControl   attr = 1 << 3
	attrUser      attr = 1 << 4
	attrByte      attr = 1 << 5
	attrLStrip    attr = 1 << 7
	attrRStrip    attr = 1 << 8
)

func typeAttr(t int32) attr {
	switch t {
	case TypeUnknown:
		return attrUnknown
	case TypeUnused:
		return attrUnused
	case TypeNormal:
		return attrNormal
	case TypeControl:
		return attrControl
	case TypeUserDefined:
		return attrUser
	case TypeByte:
		return attrByte
	}
	return attrUndefined
}

// Config describes a tokenizer completely; FromGGUF fills it from a file's
// metadata, and tests or converters can build one in memory and pass it to
// New. Special ids are NoToken when absent (New applies no defaults).
type Config struct {
	// Model is "llama" (SentencePiece) or "gpt2" (byte-level BPE).
	Model string
	// Pre names the pre-tokenizer of a "gpt2" model (tokenizer.ggml.pre);
	// empty means "default".
	Pre string
	// Name is general.name; llama.cpp keys a few per-model quirks on it
	// (Phi-3 strips spaces after its special tokens).
	Name string

	// Tokens is the vocabulary, indexed by id; Scores (SPM merge
	// priorities) and Types (Type* values) are optional, parallel to it.
	Tokens []string
	Scores []float32
	Types  []int32
	// Merges are byte-level BPE rules "left right", highest priority first.
	Merges []string

	// BOS, EOS, EOT (end of turn), EOM (end of message), UNK and PAD are
	// special token ids, NoToken when absent.
	BOS, EOS, EOT, EOM, UNK, PAD int32

	// AddBOS and AddEOS make Encode with addSpecial add BOS and EOS.
	AddBOS, AddEOS bool
	// AddSpacePrefix prepends a space to the text (SentencePiece only).
	AddSpacePrefix bool
	// IgnoreMerges emits a pre-tokenized word as one token when the whole
	// word is in the vocabulary (Llama 3 family). FromGGUF sets it from Pre.
	IgnoreMerges bool
}

// Tokenizer encodes and decodes text. It is safe for concurrent use.
type Tokenizer struct {
	kind  string // "spm" or "bpe"
	pre   string
	split *preTokenizer

	tokens []string
	scores []float32
	attrs  []attr
	ids    map[string]int32
	ranks  map[[2]string]int32

	bos, eos, eot, eom, unk, pad int32
	addBOS, addEOS, addSpace     bool
	ignoreMerges                 bool

	warnings []string // what FromGGUF ignored in the file's metadata

	eog     map[int32]bool
	special []int32  // control, user-defined and unknown ids, longest text first
	pieces  []string // decoded bytes of every token (special tokens as text)
	byteTok [256]int32
}

// New builds a tokenizer from cfg. It checks lengths and ids and rejects
// unknown models and pre-tokenizers by name.
func New(cfg Config) (*Tokenizer, error) {
	t := &Tokenizer{
		tokens:       append([]string(nil), cfg.Tokens...),
		bos:          cfg.BOS,
		eos:          cfg.EOS,
		eot:          cfg.EOT,
		eom:          cfg.EOM,
		unk:          cfg.UNK,
		pad:          cfg.PAD,
		addBOS:       cfg.AddBOS,
		addEOS:       cfg.AddEOS,
		ignoreMerges: cfg.IgnoreMerges,
	}
	n := len(cfg.Tokens)
	if n == 0 {
		return nil, fmt.Errorf("tokenizer: empty vocabulary")
	}
	switch cfg.Model {
	case "llama":
		t.kind = "spm"
		t.addSpace = cfg.AddSpacePrefix
	case "gpt2":
		t.kind = "bpe"
		t.pre = cfg.Pre
		if t.pre == "" {
			t.pre = "default"
		}
		p, ok := preTokenizers[t.pre]
		if !ok {
			return nil, fmt.Errorf("tokenizer: unknown pre-tokenizer %q", cfg.Pre)
		}
		t.split = p
	default:
		return nil, fmt.Errorf("tokenizer: unknown tokenizer model %q (supported: llama, gpt2)", cfg.Model)
	}
	if cfg.Scores != nil && len(cfg.Scores) != n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(cfg.Scores), n)
	}
	if cfg.Types != nil && len(cfg.Types) != n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(cfg.Types), n)
	}
	t.scores = cfg.Scores
	if t.scores == nil {
		t.scores = make([]float32, n)
	}
	for _, s := range []struct {
		name string
		id   int32
	}{{"bos", t.bos}, {"eos", t.eos}, {"eot", t.eot}, {"eom", t.eom}, {"unknown", t.unk}, {"padding", t.pad}} {
		if s.id != NoToken && (s.id < 0 || int(s.id) >= n) {
			return nil, fmt.Errorf("tokenizer: %s token id %d out of range (vocabulary of %d)", s.name, s.id, n)
		}
	}
	if t.addBOS && t.bos == NoToken {
		return nil, fmt.Errorf("tokenizer: add_bos_token is set but there is no BOS token")
	}
	if t.addEOS && t.eos == NoToken {
		return nil, fmt.Errorf("tokenizer: add_eos_token is set but there is no EOS token")
	}

	t.ids = make(map[string]int32, n)
	t.attrs = make([]attr, n)
	for i, s := range cfg.Tokens {
		if s == "" {
			s = fmt.Sprintf("[EMPTY_%d]", i)
			t.tokens[i] = s
		}
		if j, dup := t.ids[s]; dup {
			return nil, fmt.Errorf("tokenizer: duplicate token %q has ids %d and %d", s, j, i)
		}
		t.ids[s] = int32(i)
		t.attrs[i] = attrNormal
		if cfg.Types != nil {
			t.attrs[i] = typeAttr(cfg.Types[i])
		}
	}
	if t.kind == "bpe" {
		t.loadMerges(cfg.Merges)
	}
	t.findSpecial(cfg.Name)
	t.buildPieces()
	return t, nil
}

// loadMerges parses "left right" merge rules into ranks. Like llama.cpp it
// splits at the first space after the first byte and ignores rules without
// one.
func (t *Tokenizer) loadMerges(merges []string) {
	t.ranks = make(map[[2]string]int32, len(merges))
	for i, m := range merges {
		sp := -1
		if len(m) > 1 {
			sp = strings.IndexByte(m[1:], ' ')
		}
		if sp < 0 {
			continue
		}
		key := [2]string{m[:sp+1], m[sp+2:]}
		if _, dup := t.ranks[key]; !dup {
			t.ranks[key] = int32(i)
		}
	}
	for b := 0; b < 256; b++ {
		t.byteTok[b] = NoToken
		if id, ok := t.ids[byteToUnicode[b]]; ok {
			t.byteTok[b] = id
		}
	}
}

// Kind reports the tokenizer family: "spm" (SentencePiece, GGUF model
// "llama") or "bpe" (byte-level BPE, GGUF model "gpt2").
func (t *Tokenizer) Kind() string { return t.kind }

// Warnings returns what the tokenizer ignored in the file's metadata
// (FromGGUF: special token ids outside the vocabulary), one sentence each,
// nil when nothing.
func (t *Tokenizer) Warnings() []string { return t.warnings }

// Pre returns the pre-tokenizer name of a BPE tokenizer ("" for SPM).
func (t *Tokenizer) Pre() string { return t.pre }

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// BOS returns the beginning-of-sequence id, or NoToken.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence id, or NoToken.
func (t *Tokenizer) EOS() int32 { return t.eos }

// EOT returns the end-of-turn id, or NoToken.
func (t *Tokenizer) EOT() int32 { return t.eot }

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode with addSpecial appends EOS.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// IsEOG reports whether id ends generation: EOS, EOT, EOM and the tokens
// llama.cpp recognises by text (<|im_end|>, <|endoftext|>, <|end|>,
// <|eot_id|>, ...).
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// IsControl reports whether id is a control token (rendered as nothing by
// Decode).
func (t *Tokenizer) IsControl(id int32) bool {
	return id >= 0 && int(id) < len(t.attrs) && t.attrs[id]&attrControl != 0
}

// TokenText returns the vocabulary entry of id as stored in the file (with
// "▁" or byte-level characters), or "" when id is out of range.
func (t *Tokenizer) TokenText(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// TokenID returns the id of a vocabulary entry given in its stored form.
func (t *Tokenizer) TokenID(text string) (int32, bool) {
	id, ok := t.ids[text]
	return id, ok
}
