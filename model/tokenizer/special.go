package tokenizer

import (
	"sort"
	"strings"
)

// eogTexts are the token texts llama.cpp treats as end of generation.
var eogTexts = []string{
	"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
	"<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
	"<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
	"<｜end▁of▁sentence｜>", "[e~[",
}

// eotTexts are the texts llama.cpp accepts as the EOT token when the
// metadata names none.
var eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
	"<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}

// fimTexts are llama.cpp's fill-in-the-middle token texts by role: prefix,
// suffix, middle, then pad, repo and file separator, which also end
// generation. The first present of each role becomes a control token.
var fimTexts = [6][]string{
	{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"},
	{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"},
	{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"},
	{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"},
	{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"},
	{"<|file_sep|>"},
}

// firstPresent returns the id of the first of texts in the vocabulary.
func (t *Tokenizer) firstPresent(texts []string) (int32, bool) {
	for _, s := range texts {
		if id, ok := t.ids[s]; ok {
			return id, true
		}
	}
	return NoToken, false
}

// findSpecial reproduces llama.cpp's detection of EOT/EOM/FIM/EOG tokens
// by text, the control attribute it forces on them, a few per-model
// attribute quirks, and the special-token list used to split text.
func (t *Tokenizer) findSpecial(name string) {
	if t.eot == NoToken {
		if id, ok := t.firstPresent(eotTexts); ok {
			t.eot = id
			t.attrs[id] |= attrControl
		}
	}
	if t.eom == NoToken {
		if id, ok := t.firstPresent([]string{"<|eom_id|>"}); ok {
			t.eom = id
			t.attrs[id] |= attrControl
		}
	}
	t.eog = map[int32]bool{}
	for role, texts := range fimTexts {
		if id, ok := t.firstPresent(texts); ok {
			t.attrs[id] |= attrControl
			if role >= 3 {
				t.eog[id] = true
			}
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok {
			t.eog[id] = true
			t.attrs[id] |= attrControl
		}
	}
	for _, s := range []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} {
		if id, ok := t.ids[s]; ok {
			t.attrs[id] = attrUser
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != NoToken {
			t.eog[id] = true
		}
	}
	// gpt-oss and Solar Open: <|end|> does not end generation there.
	_, hasReturn := t.ids["<|return|>"]
	_, hasCall := t.ids["<|call|>"]
	_, hasCalls := t.ids["<|calls|>"]
	_, hasFlush := t.ids["<|flush|>"]
	if end, ok := t.ids["<|end|>"]; ok && ((hasReturn && hasCall) || (hasCalls && hasFlush)) {
		delete(t.eog, end)
		t.attrs[end] = attrUser
	}
	// Gemma 4: </s> is an ordinary token.
	if s, ok := t.ids["</s>"]; ok {
		if _, tr := t.ids["<|tool_response>"]; tr {
			delete(t.eog, s)
			t.attrs[s] = attrNormal
		}
	}

	for id, a := range t.attrs {
		if a&(attrControl|attrUser|attrUnknown) != 0 {
			t.special = append(t.special, int32(id))
		}
	}
	sort.SliceStable(t.special, func(i, j int) bool {
		return len(t.tokens[t.special[i]]) > len(t.tokens[t.special[j]])
	})

	// Phi-3 strips the white space after most of its special tokens.
	lname := strings.ToLower(name)
	if strings.Contains(lname, "phi-3") || strings.Contains(lname, "phi3") {
		for _, id := range t.special {
			t.attrs[id] |= attrRStrip
		}
		if id, ok := t.ids["</s>"]; ok {
			t.attrs[id] |= attrRStrip
		}
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			if id, ok := t.ids[s]; ok {
				t.attrs[id] &^= attrRStrip
			}
		}
	}
}
