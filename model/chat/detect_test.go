package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/tokenizer"
)

// detectCases are shortened chat templates from the models' cards
// (tokenizer_config.json), kept to the parts detection looks at.
var detectCases = []struct{ model, template, want string }{
	{"Qwen2.5-Instruct", `{%- for message in messages %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}`, "chatml"},
	{"SmolLM2-Instruct", `{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
' }}{% endif %}{{'<|im_start|>' + message['role'] + '
' + message['content'] + '<|im_end|>' + '
'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
' }}{% endif %}`, "chatml"},
	{"Phi-3.5-mini-instruct", `{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %}`, "phi3"},
	{"phi-4", `{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}`, "phi4"},
	{"Meta-Llama-3-8B-Instruct", `{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>

'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>

' }}{% endif %}`, "llama3"},
	{"zephyr-style (role tags built from the role)", `{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + '<|endoftext|>\n' }}{% else %}{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|endoftext|>\n' }}{% endif %}{% endfor %}`, "zephyr"},
	{"Falcon3-Instruct", `{%- for message in messages %}{%- if message['role'] == 'user' %}{{- '<|user|>\n' + message['content'] + '\n' }}{%- elif message['role'] == 'assistant' %}{{- '<|assistant|>\n' + message['content'] + '</s>\n' }}{%- endif %}{%- endfor %}`, "falcon3"},
	{"Mistral-7B-Instruct-v0.1", `{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% endif %}{% endfor %}`, "llama2"},
	{"Llama-2-chat", `{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% endif %}`, "llama2-sys-strip"},
	{"mistral 'v1' with system prompt", `{%- if loop.first and system_message is defined %}{{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}{%- endif %}`, "mistral-v1"},
	{"Mistral-Large-2407 (v3)", `{{- "[AVAILABLE_TOOLS] [" }}{{- "[INST] " + message["content"] + "[/INST]" }}`, "mistral-v3"},
	{"Mistral-Nemo-2407 (v3-tekken)", `{{- "[AVAILABLE_TOOLS][" }}{{- "[INST]" + message["content"] + "[/INST]" }}`, "mistral-v3-tekken"},
	{"Mistral-Small-24B (v7)", `{{- '[SYSTEM_PROMPT]' + system_message + '[/SYSTEM_PROMPT]' }}{{- '[INST]' + message['content'] + '[/INST]' }}`, "mistral-v7"},
	{"gemma-2-it", `{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}`, "gemma"},
	{"deepseek-coder-instruct", `{{'### Instruction:\n' + message['content'] + '\n'}}{{'### Response:\n' + message['content'] + '\n<|EOT|>\n'}}`, "deepseek"},
	{"DeepSeek-R1-Distill-Qwen", `{{'<｜User｜>' + message['content']}}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{{'<｜Assistant｜><think>\n'}}`, "deepseek3"},
	{"name", "llama3", "llama3"},
}

func TestDetect(t *testing.T) {
	for _, c := range detectCases {
		tmpl, err := Detect(c.template)
		if err != nil {
			t.Errorf("%s: %v", c.model, err)
			continue
		}
		if tmpl.Name() != c.want {
			t.Errorf("%s: detected %s, want %s", c.model, tmpl.Name(), c.want)
		}
	}
}

func TestDetectRefusesClearly(t *testing.T) {
	for _, c := range []struct{ template, says string }{
		{"", "no chat template"},
		{"{{ messages }}", "none that llama.cpp recognizes"},
		// TinyLlama's Zephyr-style template: llama.cpp takes it for
		// GLM-Edge, which gollm does not format.
		{`{{ '<|user|>\n' + message['content'] + eos_token }}{{ '<|assistant|>' }}`, `"glmedge"`},
		{`<|START_OF_TURN_TOKEN|><|USER_TOKEN|>`, `"command-r"`},
		{`{{- "<|start|>assistant<|channel|>final<|message|>" }}`, `"gpt-oss"`},
		{`{{ '<｜hy_Assistant｜>' }}{{ '<｜hy_place▁holder▁no▁3｜>' }}`, `"hunyuan-dense"`},
	} {
		_, err := Detect(c.template)
		if !errors.Is(err, ErrUnknownTemplate) {
			t.Errorf("%q: error %v, want ErrUnknownTemplate", c.template, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.says) || !strings.Contains(msg, "--chat-template") {
			t.Errorf("%q: error %q does not say %s and name --chat-template", c.template, msg, c.says)
		}
	}
}

// TestDetectReferenceModels detects the templates stored in the reference
// GGUF files.
func TestDetectReferenceModels(t *testing.T) {
	for _, c := range []struct{ model, want string }{
		{"tiny-qwen2-s1-f32", "chatml"},
		{"tiny-qwen3-s4-q8_0", "chatml"},
		{"tiny-phi3-s2-f16", "phi3"},
		{"tiny-llama-s3-q4_0", ""}, // no template
	} {
		f, err := gguf.Open(testref.Model(t, c.model))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := f.String("tokenizer.chat_template")
		f.Close()
		tmpl, err := Detect(text)
		if tmpl.Name() != c.want || (err == nil) != (c.want != "") {
			t.Errorf("%s: detected %q, %v; want %q", c.model, tmpl.Name(), err, c.want)
		}
	}
}

// TestEncodeBOS checks the BOS handling on the reference models: Qwen2 adds
// none, Phi-3 adds exactly one even when the text spells it out.
func TestEncodeBOS(t *testing.T) {
	qwen, err := tokenizer.Open(testref.Model(t, "tiny-qwen2-s1-f32"))
	if err != nil {
		t.Fatal(err)
	}
	ids := Encode(qwen, "<|im_start|>user\nHi<|im_end|>\n")
	if id, _ := qwen.TokenID("<|im_start|>"); ids[0] != id {
		t.Errorf("qwen2: first token %d, want <|im_start|> %d", ids[0], id)
	}
	phi, err := tokenizer.Open(testref.Model(t, "tiny-phi3-s2-f16"))
	if err != nil {
		t.Fatal(err)
	}
	plain := Encode(phi, "<|user|>\nHi<|end|>\n<|assistant|>\n")
	spelled := Encode(phi, "<s><|user|>\nHi<|end|>\n<|assistant|>\n")
	if plain[0] != phi.BOS() || plain[1] == phi.BOS() {
		t.Errorf("phi3: %v does not start with one BOS", plain[:2])
	}
	if len(spelled) != len(plain) || spelled[0] != phi.BOS() || spelled[1] == phi.BOS() {
		t.Errorf("phi3: a spelled-out BOS gave %v, want %v", spelled, plain)
	}
}
