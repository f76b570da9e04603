package chat

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownTemplate is returned (wrapped) by Detect when it cannot tell a
// template's format, or recognizes one this package does not implement.
var ErrUnknownTemplate = errors.New("unknown chat template")

// Detect returns the format of a model's tokenizer.chat_template, found as
// llama.cpp's llm_chat_detect_template finds it: the text may be a template
// name, else distinctive substrings decide, in llama.cpp's order (so that,
// for example, Phi-4's template, which contains "<|im_start|>", is not taken
// for ChatML). An empty, unrecognized or unimplemented template is an error
// wrapping ErrUnknownTemplate.
func Detect(template string) (Template, error) {
	var why string
	switch name := detectName(template); {
	case strings.TrimSpace(template) == "":
		why = "the model has no chat template"
	case name == "":
		why = "the model's chat template matches none that llama.cpp recognizes"
	case formats[name] == nil:
		why = fmt.Sprintf("the model's chat template is llama.cpp's %q, which gollm does not implement", name)
	default:
		return Template{f: formats[name]}, nil
	}
	return Template{}, fmt.Errorf("chat: %w: %s; choose a format with --chat-template NAME (one of %s)",
		ErrUnknownTemplate, why, strings.Join(Names(), ", "))
}

// llamaCppNames are the names llama.cpp accepts as a template; the ones not
// in formats are recognized only to be refused clearly.
var llamaCppNames = []string{
	"chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip",
	"mistral-v1", "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken",
	"phi3", "phi4", "falcon3", "zephyr", "monarch", "gemma", "orion", "openchat",
	"vicuna", "vicuna-orca", "deepseek", "deepseek2", "deepseek3", "command-r",
	"llama3", "chatglm3", "chatglm4", "glmedge", "minicpm", "exaone3", "exaone4",
	"rwkv-world", "granite", "gigachat", "megrez", "yandex", "bailing", "bailing-think",
	"bailing2", "llama4", "smolvlm", "hunyuan-moe", "gpt-oss", "hunyuan-dense", "kimi-k2",
	"seed_oss", "grok-2", "pangu-embedded",
}

// detectName follows llm_chat_detect_template branch by branch and returns
// llama.cpp's name for the template, or "".
func detectName(t string) string {
	for _, n := range llamaCppNames {
		if t == n {
			return n
		}
	}
	has := func(s string) bool { return strings.Contains(t, s) }
	switch {
	case has("<|im_start|>"):
		switch {
		case has("<|im_sep|>"):
			return "phi4"
		case has("<end_of_utterance>"):
			return "smolvlm" // <|im_start|> is SmolVLM's BOS, not ChatML
		}
		return "chatml"
	case strings.HasPrefix(t, "mistral") || has("[INST]"):
		return detectInst(has)
	case has("<|assistant|>") && has("<|end|>"):
		return "phi3"
	case has("[gMASK]<sop>"):
		return "chatglm4"
	case has("<|assistant|>") && has("<|user|>"):
		if has("</s>") {
			return "falcon3"
		}
		return "glmedge"
	case has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>"):
		return "glmedge"
	case has("<|user|>") && has("<|endoftext|>"):
		return "zephyr"
	case has("bos_token + message['role']"):
		return "monarch"
	case has("<start_of_turn>"):
		return "gemma"
	case has(`'\n\nAssistant: ' + eos_token`):
		return "orion"
	case has("GPT4 Correct "):
		return "openchat"
	case has("USER: ") && has("ASSISTANT: "):
		if has("SYSTEM: ") {
			return "vicuna-orca"
		}
		return "vicuna"
	case has("### Instruction:") && has("<|EOT|>"):
		return "deepseek"
	case has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>"):
		return "command-r"
	case has("<|start_header_id|>") && has("<|end_header_id|>"):
		return "llama3"
	}
	return detectRare(has)
}

// detectInst tells the [INST] formats apart: Mistral's official v7, v1, v3
// and v3-tekken templates, else Llama 2 and its variants.
func detectInst(has func(string) bool) string {
	switch {
	case has("[SYSTEM_PROMPT]"):
		return "mistral-v7"
	case has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]"):
		switch {
		case has(" [INST]"):
			return "mistral-v1"
		case has(`"[INST]"`):
			return "mistral-v3-tekken"
		}
		return "mistral-v3"
	case has("content.strip()"):
		return "llama2-sys-strip"
	case has("bos_token + '[INST]"):
		return "llama2-sys-bos"
	case has("<<SYS>>"):
		return "llama2-sys"
	}
	return "llama2"
}

// detectRare covers the rest of llama.cpp's list, recognized so that their
// refusal names them.
func detectRare(has func(string) bool) string {
	switch {
	case has("[gMASK]sop"):
		return "chatglm3"
	case has("<用户>"):
		return "minicpm"
	case has("'Assistant: ' + message['content'] + eos_token"):
		return "deepseek2"
	case has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>"):
		return "deepseek3"
	case has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]"):
		if has("[|tool|]") {
			return "exaone4"
		}
		return "exaone3"
	case has("rwkv-world") || has(`{{- 'User: ' + message['content']|trim + '\n\n' -}}`):
		return "rwkv-world"
	case has("<|start_of_role|>"):
		return "granite"
	case has("message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]"):
		return "gigachat"
	case has("<|role_start|>"):
		return "megrez"
	case has(" Ассистент:"):
		return "yandex"
	case has("<role>ASSISTANT</role>") && has("'HUMAN'"):
		return "bailing"
	case has("<role>ASSISTANT</role>") && has(`"HUMAN"`) && has("<think>"):
		return "bailing-think"
	case has("<role>ASSISTANT</role>") && has("<role>HUMAN</role>") && has("<|role_end|>"):
		return "bailing2"
	case has("<|header_start|>") && has("<|header_end|>"):
		return "llama4"
	case has("<|endofuserprompt|>"):
		return "dots1"
	case has("<|extra_0|>") && has("<|extra_4|>"):
		return "hunyuan-moe"
	case has("<|start|>") && has("<|channel|>"):
		return "gpt-oss"
	case has("<｜hy_Assistant｜>") && has("<｜hy_place▁holder▁no▁3｜>"):
		return "hunyuan-dense"
	case has("<|im_assistant|>assistant<|im_middle|>"):
		return "kimi-k2"
	case has("<seed:bos>"):
		return "seed_oss"
	case has("'Assistant: '  + message['content'] + '<|separator|>"):
		return "grok-2"
	case has("[unused9]系统：[unused10]"):
		return "pangu-embedded"
	}
	return ""
}
