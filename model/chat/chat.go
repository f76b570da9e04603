// Package chat formats conversations into the prompt text a chat model was
// trained on, as llama.cpp's built-in templates do (src/llama-chat.cpp).
//
// A model names its format in the GGUF key tokenizer.chat_template, a Jinja
// template. This package does not run Jinja: like llama.cpp without --jinja,
// Detect recognizes the template by distinctive substrings and Apply
// reproduces llama.cpp's formatting for it. A template that is not
// recognized is an error, never a guess; the caller then picks one by name
// (ByName, the --chat-template flag of gollm chat).
//
// The formatted text never starts with the BOS token: tokenize it as
// llama.cpp does, with special tokens parsed and BOS added when the model's
// tokenizer asks for it (Encode). Templates such as Phi-3's write
// "{{ bos_token }}" at their start; that BOS is the one the tokenizer adds.
// The default system prompt some templates insert ("You are a helpful
// assistant." in Qwen2's) is not added, as in llama.cpp.
package chat

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gollm/gollm/model/tokenizer"
)

// Message is one turn of a conversation. Role is "system", "user" or
// "assistant".
type Message struct {
	Role, Content string
}

// Template is a chat format. The zero value formats nothing; get one from
// Detect or ByName.
type Template struct {
	f *format
}

// format describes one built-in template.
type format struct {
	name  string
	apply func(b *strings.Builder, msgs []Message, addAssistant bool)
	stop  []string
}

// Name returns the template's name as llama.cpp spells it ("chatml",
// "phi3", "llama3", ...).
func (t Template) Name() string {
	if t.f == nil {
		return ""
	}
	return t.f.name
}

// String returns the template's name.
func (t Template) String() string { return t.Name() }

// Stop returns the texts that end an assistant turn in this format, such as
// "<|im_end|>". Most are control tokens the tokenizer already treats as end
// of generation; the rest are worth passing as stop strings (a model that
// starts writing the next user turn has finished its own).
func (t Template) Stop() []string {
	if t.f == nil {
		return nil
	}
	return slices.Clone(t.f.stop)
}

// Apply formats msgs. With addAssistant it appends the header that opens the
// assistant's reply, so that the model's continuation is that reply
// (templates that have no such header, such as Mistral's, add nothing).
func (t Template) Apply(msgs []Message, addAssistant bool) (string, error) {
	if t.f == nil {
		return "", errors.New("chat: no template")
	}
	var b strings.Builder
	t.f.apply(&b, msgs, addAssistant)
	return b.String(), nil
}

// Names lists the templates ByName accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ByName returns the built-in template called name.
func ByName(name string) (Template, error) {
	if f, ok := formats[name]; ok {
		return Template{f}, nil
	}
	return Template{}, fmt.Errorf("chat: unknown template %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Encode tokenizes a formatted conversation as llama.cpp does: control
// tokens written in the text are parsed, and BOS is added when the model
// asks for it. A BOS written in the text right after the added one (a
// template that spells out its BOS) is dropped, so there is never a double
// BOS.
func Encode(tok *tokenizer.Tokenizer, text string) []int32 {
	ids := tok.Encode(text, true, true)
	bos := tok.BOS()
	if tok.AddBOS() && bos != tokenizer.NoToken && len(ids) >= 2 && ids[0] == bos && ids[1] == bos {
		ids = ids[1:]
	}
	return ids
}

// trim removes ASCII white space from both ends of s, as llama.cpp's trim
// (C isspace) does; strings.TrimSpace would also remove Unicode spaces.
func trim(s string) string {
	return strings.Trim(s, " \t\n\v\f\r")
}
