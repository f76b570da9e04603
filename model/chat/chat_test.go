package chat

import (
	"strings"
	"testing"
)

// conversation is the one of llama.cpp's tests/test-chat-template.cpp.
var conversation = []Message{
	{Role: "system", Content: "You are a helpful assistant"},
	{Role: "user", Content: "Hello"},
	{Role: "assistant", Content: "Hi there"},
	{Role: "user", Content: "Who are you"},
	{Role: "assistant", Content: "   I am an assistant   "},
	{Role: "user", Content: "Another question"},
}

// applyCases hold llama.cpp's expected_output for the conversation above
// with add_generation_prompt. The ones marked "from the code" have no case
// in test-chat-template.cpp and follow llm_chat_apply_template.
var applyCases = []struct{ name, want string }{
	{"chatml", "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
	{"llama2", "[INST] You are a helpful assistant\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
	// from the code
	{"llama2-sys", "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
	{"llama2-sys-bos", "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another question [/INST]"},
	{"llama2-sys-strip", "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question [/INST]"},
	{"mistral-v1", " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
	{"mistral-v3", "[INST] You are a helpful assistant\n\nHello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]"},
	{"mistral-v3-tekken", "[INST]You are a helpful assistant\n\nHello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
	{"mistral-v7", "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
	// from the code
	{"mistral-v7-tekken", "[SYSTEM_PROMPT]You are a helpful assistant[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
	{"phi3", "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
	{"phi4", "<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   <|im_end|><|im_start|>user<|im_sep|>Another question<|im_end|><|im_start|>assistant<|im_sep|>"},
	// from the code
	{"falcon3", "<|system|>\nYou are a helpful assistant\n<|user|>\nHello\n<|assistant|>\nHi there\n<|user|>\nWho are you\n<|assistant|>\n   I am an assistant   \n<|user|>\nAnother question\n<|assistant|>\n"},
	// from the code
	{"zephyr", "<|system|>\nYou are a helpful assistant<|endoftext|>\n<|user|>\nHello<|endoftext|>\n<|assistant|>\nHi there<|endoftext|>\n<|user|>\nWho are you<|endoftext|>\n<|assistant|>\n   I am an assistant   <|endoftext|>\n<|user|>\nAnother question<|endoftext|>\n<|assistant|>\n"},
	{"gemma", "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
	{"deepseek", "You are a helpful assistant### Instruction:\nHello\n### Response:\nHi there\n<|EOT|>\n### Instruction:\nWho are you\n### Response:\n   I am an assistant   \n<|EOT|>\n### Instruction:\nAnother question\n### Response:\n"},
	{"deepseek2", "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi there<｜end▁of▁sentence｜>User: Who are you\n\nAssistant:    I am an assistant   <｜end▁of▁sentence｜>User: Another question\n\nAssistant:"},
	// from the code (and llama-server's chat_example for this template)
	{"deepseek3", "You are a helpful assistant\n\n<｜User｜>Hello<｜Assistant｜>Hi there<｜end▁of▁sentence｜><｜User｜>Who are you<｜Assistant｜>   I am an assistant   <｜end▁of▁sentence｜><｜User｜>Another question<｜Assistant｜>"},
	{"llama3", "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
	{"vicuna", "You are a helpful assistant\n\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:"},
	{"vicuna-orca", "SYSTEM: You are a helpful assistant\nUSER: Hello\nASSISTANT: Hi there</s>\nUSER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:"},
}

func TestApplyMatchesLlamaCpp(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range applyCases {
		seen[c.name] = true
		tmpl, err := ByName(c.name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Apply(conversation, true)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
		if len(tmpl.Stop()) == 0 {
			t.Errorf("%s: no stop strings", c.name)
		}
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("template %s has no test case", n)
		}
	}
}

// TestApplyIsPrefixStable checks what KV cache reuse relies on: the
// formatted conversation with the assistant's answer appended starts with
// the prompt the answer was generated from, for every format that writes
// an assistant header.
func TestApplyIsPrefixStable(t *testing.T) {
	for _, n := range Names() {
		tmpl, _ := ByName(n)
		msgs := conversation[:4]
		prompt, _ := tmpl.Apply(msgs, true)
		next, _ := tmpl.Apply(append(msgs[:4:4], Message{Role: "assistant", Content: "Fine."}), false)
		if !strings.HasPrefix(next, prompt) {
			t.Errorf("%s: %q is not a prefix of %q", n, prompt, next)
		}
	}
}

func TestApplyWithoutGenerationPrompt(t *testing.T) {
	tmpl, _ := ByName("chatml")
	got, _ := tmpl.Apply([]Message{{Role: "user", Content: "Hi"}}, false)
	if want := "<|im_start|>user\nHi<|im_end|>\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := (Template{}).Apply(nil, true); err == nil {
		t.Error("the zero Template formatted a conversation")
	}
}

func TestByNameUnknown(t *testing.T) {
	_, err := ByName("nope")
	if err == nil || !strings.Contains(err.Error(), "chatml") {
		t.Errorf("error %v does not list the known names", err)
	}
}

// TestParseKwargs reads template variables from JSON and refuses what
// would replace the request's own.
func TestParseKwargs(t *testing.T) {
	kw, err := ParseKwargs([]byte(`{"enable_thinking": false, "n": 3, "opts": {"b": 1, "a": [true]}}`))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Parse("t", "{{ enable_thinking }} {{ n + 1 }} {{ opts | tojson }}", Tokens{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tmpl.Render(Request{Kwargs: kw}); err != nil || out != `False 4 {"b": 1, "a": [true]}` {
		t.Fatalf("rendered %q, %v", out, err)
	}
	for _, bad := range []string{`[1]`, `{"messages": []}`, `{"a": `, `{"": 1}`} {
		if _, err := ParseKwargs([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
