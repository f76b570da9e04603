package tokenizer

import (
	"errors"
	"fmt"

	"github.com/gollm/gollm/gguf"
)

// llama3Pre lists the pre-tokenizer names llama.cpp maps to the Llama 3
// pattern with ignore_merges and add_bos on by default.
var llama3Pre = map[string]bool{
	"llama3": true, "llama-v3": true, "llama-bpe": true, "falcon3": true, "falcon-h1": true,
	"pixtral": true, "midm-2.0": true, "lfm2": true, "jina-v5-nano": true,
}

// FromGGUF reads the tokenizer stored in a GGUF file's metadata
// (tokenizer.ggml.*). It applies llama.cpp's defaults: for "llama" models
// BOS 1, EOS 2, UNK 0, add_bos and add_space_prefix on; for "gpt2" models
// BOS and EOS 11 when in range, add_bos on only for the Llama 3 family.
// Metadata values override the defaults, except a special token id outside
// the vocabulary (converters write 4294967295, -1, for "none"): as
// llama.cpp, FromGGUF ignores it, keeps the default, and says so in
// Warnings.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	var cfg Config
	var err error
	if cfg.Model, err = f.String("tokenizer.ggml.model"); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if cfg.Pre, err = optional(f.String("tokenizer.ggml.pre")); err != nil {
		return nil, err
	}
	if cfg.Name, err = optional(f.String("general.name")); err != nil {
		return nil, err
	}
	if cfg.Tokens, err = f.Strings("tokenizer.ggml.tokens"); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	n := len(cfg.Tokens)
	if f.Has("tokenizer.ggml.scores") {
		if cfg.Scores, err = f.Float32s("tokenizer.ggml.scores"); err != nil {
			ints, err2 := f.Int32s("tokenizer.ggml.scores")
			if err2 != nil {
				return nil, fmt.Errorf("tokenizer: %w", err)
			}
			cfg.Scores = make([]float32, len(ints))
			for i, v := range ints {
				cfg.Scores[i] = float32(v)
			}
		}
	}
	if f.Has("tokenizer.ggml.token_type") {
		if cfg.Types, err = f.Int32s("tokenizer.ggml.token_type"); err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
	}
	// llama.cpp accepts longer score/type arrays; trim them, reject shorter.
	if cfg.Scores != nil && len(cfg.Scores) > n {
		cfg.Scores = cfg.Scores[:n]
	}
	if cfg.Types != nil && len(cfg.Types) > n {
		cfg.Types = cfg.Types[:n]
	}

	cfg.BOS, cfg.EOS, cfg.EOT, cfg.EOM, cfg.UNK, cfg.PAD = NoToken, NoToken, NoToken, NoToken, NoToken, NoToken
	switch cfg.Model {
	case "llama":
		cfg.BOS, cfg.EOS, cfg.UNK = 1, 2, 0
		cfg.AddBOS, cfg.AddSpacePrefix = true, true
	case "gpt2":
		if cfg.Merges, err = f.Strings("tokenizer.ggml.merges"); err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		cfg.BOS, cfg.EOS = 11, 11
		if llama3Pre[cfg.Pre] {
			cfg.AddBOS, cfg.IgnoreMerges = true, true
		}
		if cfg.Pre == "tekken" || cfg.Pre == "chameleon" {
			cfg.AddBOS = true
		}
		if cfg.Pre == "glm4" || cfg.Pre == "chatglm-bpe" {
			cfg.BOS = NoToken
		}
	default:
		return nil, fmt.Errorf("tokenizer: unknown tokenizer model %q (supported: llama, gpt2)", cfg.Model)
	}
	// Defaults outside the vocabulary are disabled, as llama.cpp does.
	for _, p := range []*int32{&cfg.BOS, &cfg.EOS, &cfg.UNK} {
		if *p >= int32(n) {
			*p = NoToken
		}
	}
	var warnings []string
	for _, s := range []struct {
		key string
		p   *int32
	}{
		{"tokenizer.ggml.bos_token_id", &cfg.BOS},
		{"tokenizer.ggml.eos_token_id", &cfg.EOS},
		{"tokenizer.ggml.eot_token_id", &cfg.EOT},
		{"tokenizer.ggml.eom_token_id", &cfg.EOM},
		{"tokenizer.ggml.unknown_token_id", &cfg.UNK},
		{"tokenizer.ggml.padding_token_id", &cfg.PAD},
	} {
		v, err := f.Int(s.key)
		if errors.Is(err, gguf.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		if v < 0 || v >= int64(n) {
			warnings = append(warnings, fmt.Sprintf("%s = %d is outside the vocabulary of %d; ignored (%s)",
				s.key, v, n, describeID(*s.p)))
			continue
		}
		*s.p = int32(v)
	}
	for _, s := range []struct {
		key string
		p   *bool
	}{
		{"tokenizer.ggml.add_bos_token", &cfg.AddBOS},
		{"tokenizer.ggml.add_eos_token", &cfg.AddEOS},
		{"tokenizer.ggml.add_space_prefix", &cfg.AddSpacePrefix},
	} {
		v, err := f.Bool(s.key)
		if errors.Is(err, gguf.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		*s.p = v
	}
	if cfg.Model == "gpt2" {
		cfg.AddSpacePrefix = false
	}
	t, err := New(cfg)
	if err != nil {
		return nil, err
	}
	t.warnings = warnings
	return t, nil
}

// describeID says which id a special token keeps when the file's is
// ignored.
func describeID(id int32) string {
	if id == NoToken {
		return "no such token"
	}
	return fmt.Sprintf("the default id %d stays", id)
}

// optional turns a missing key into the zero value.
func optional(s string, err error) (string, error) {
	if errors.Is(err, gguf.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("tokenizer: %w", err)
	}
	return s, nil
}

// Open reads the tokenizer of the GGUF file at path.
func Open(path string) (*Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return FromGGUF(f)
}
