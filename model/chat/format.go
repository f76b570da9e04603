package chat

import "strings"

// format is one built-in format: how it writes a conversation and the
// texts that end an assistant turn.
type format struct {
	name  string
	apply func(b *strings.Builder, msgs []Message, addAssistant bool)
	stop  []string
}

// The built-in formats, each written after its branch of llama.cpp's
// llm_chat_apply_template.
var formats = map[string]*format{}

func init() {
	add := func(name string, stop []string, apply func(*strings.Builder, []Message, bool)) {
		formats[name] = &format{name: name, apply: apply, stop: stop}
	}
	add("chatml", []string{"<|im_end|>", "<|im_start|>"}, chatML)
	add("phi3", []string{"<|end|>", "<|endoftext|>", "<|user|>"}, roleTags("<|end|>\n", "<|assistant|>\n"))
	add("falcon3", []string{"<|endoftext|>", "<|user|>"}, roleTags("\n", "<|assistant|>\n"))
	add("zephyr", []string{"<|endoftext|>", "</s>", "<|user|>"}, roleTags("<|endoftext|>\n", "<|assistant|>\n"))
	add("phi4", []string{"<|im_end|>", "<|im_start|>"}, phi4)
	add("llama3", []string{"<|eot_id|>", "<|start_header_id|>"}, llama3)
	add("gemma", []string{"<end_of_turn>", "<start_of_turn>"}, gemma)
	add("deepseek", []string{"<|EOT|>", "### Instruction:"}, deepseek)
	add("deepseek2", []string{"<｜end▁of▁sentence｜>"}, deepseek2)
	add("deepseek3", []string{"<｜end▁of▁sentence｜>", "<｜User｜>"}, deepseek3)
	add("vicuna", []string{"</s>", "\nUSER:"}, vicuna(false))
	add("vicuna-orca", []string{"</s>", "\nUSER:"}, vicuna(true))
	inst := []string{"</s>", "[INST]"}
	add("mistral-v1", inst, mistral(" ", " ", false))
	add("mistral-v3", inst, mistral("", " ", true))
	add("mistral-v3-tekken", inst, mistral("", "", false))
	add("mistral-v7", inst, mistralV7(" "))
	add("mistral-v7-tekken", inst, mistralV7(""))
	add("llama2", inst, llama2(false, false, false))
	add("llama2-sys", inst, llama2(true, false, false))
	add("llama2-sys-bos", inst, llama2(true, true, false))
	add("llama2-sys-strip", inst, llama2(true, false, true))
}

func chatML(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		b.WriteString("<|im_start|>" + m.Role + "\n" + m.Content + "<|im_end|>\n")
	}
	if addAssistant {
		b.WriteString("<|im_start|>assistant\n")
	}
}

// roleTags is the "<|role|>\ncontent" family: Phi-3, Falcon 3, Zephyr.
func roleTags(end, assistant string) func(*strings.Builder, []Message, bool) {
	return func(b *strings.Builder, msgs []Message, addAssistant bool) {
		for _, m := range msgs {
			b.WriteString("<|" + m.Role + "|>\n" + m.Content + end)
		}
		if addAssistant {
			b.WriteString(assistant)
		}
	}
}

func phi4(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		b.WriteString("<|im_start|>" + m.Role + "<|im_sep|>" + m.Content + "<|im_end|>")
	}
	if addAssistant {
		b.WriteString("<|im_start|>assistant<|im_sep|>")
	}
}

func llama3(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		b.WriteString("<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n" + trim(m.Content) + "<|eot_id|>")
	}
	if addAssistant {
		b.WriteString("<|start_header_id|>assistant<|end_header_id|>\n\n")
	}
}

// gemma has no system role: the system text opens the next user turn.
func gemma(b *strings.Builder, msgs []Message, addAssistant bool) {
	system := ""
	for _, m := range msgs {
		if m.Role == "system" {
			system += trim(m.Content)
			continue
		}
		role := m.Role
		if role == "assistant" {
			role = "model"
		}
		b.WriteString("<start_of_turn>" + role + "\n")
		if system != "" && role != "model" {
			b.WriteString(system + "\n\n")
			system = ""
		}
		b.WriteString(trim(m.Content) + "<end_of_turn>\n")
	}
	if addAssistant {
		b.WriteString("<start_of_turn>model\n")
	}
}

// deepseek is DeepSeek Coder's instruction format.
func deepseek(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		switch m.Role {
		case "system":
			b.WriteString(m.Content)
		case "user":
			b.WriteString("### Instruction:\n" + m.Content + "\n")
		case "assistant":
			b.WriteString("### Response:\n" + m.Content + "\n<|EOT|>\n")
		}
	}
	if addAssistant {
		b.WriteString("### Response:\n")
	}
}

func deepseek2(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		switch m.Role {
		case "system":
			b.WriteString(m.Content + "\n\n")
		case "user":
			b.WriteString("User: " + m.Content + "\n\n")
		case "assistant":
			b.WriteString("Assistant: " + m.Content + "<｜end▁of▁sentence｜>")
		}
	}
	if addAssistant {
		b.WriteString("Assistant:")
	}
}

// deepseek3 is also the format of the DeepSeek-R1 distillations of Qwen 2.5
// and Llama 3.
func deepseek3(b *strings.Builder, msgs []Message, addAssistant bool) {
	for _, m := range msgs {
		switch m.Role {
		case "system":
			b.WriteString(m.Content + "\n\n")
		case "user":
			b.WriteString("<｜User｜>" + m.Content)
		case "assistant":
			b.WriteString("<｜Assistant｜>" + m.Content + "<｜end▁of▁sentence｜>")
		}
	}
	if addAssistant {
		b.WriteString("<｜Assistant｜>")
	}
}

func vicuna(orca bool) func(*strings.Builder, []Message, bool) {
	return func(b *strings.Builder, msgs []Message, addAssistant bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				if orca {
					b.WriteString("SYSTEM: " + m.Content + "\n")
				} else {
					b.WriteString(m.Content + "\n\n")
				}
			case "user":
				b.WriteString("USER: " + m.Content + "\n")
			case "assistant":
				b.WriteString("ASSISTANT: " + m.Content + "</s>\n")
			}
		}
		if addAssistant {
			b.WriteString("ASSISTANT:")
		}
	}
}

// mistral is Mistral's v1, v3 and v3-tekken formats: the system text opens
// the next [INST] block.
func mistral(leading, trailing string, trimAssistant bool) func(*strings.Builder, []Message, bool) {
	return func(b *strings.Builder, msgs []Message, _ bool) {
		inTurn := false
		for _, m := range msgs {
			if !inTurn {
				b.WriteString(leading + "[INST]" + trailing)
				inTurn = true
			}
			switch m.Role {
			case "system":
				b.WriteString(m.Content + "\n\n")
			case "user":
				b.WriteString(m.Content + leading + "[/INST]")
			default:
				c := m.Content
				if trimAssistant {
					c = trim(c)
				}
				b.WriteString(trailing + c + "</s>")
				inTurn = false
			}
		}
	}
}

func mistralV7(space string) func(*strings.Builder, []Message, bool) {
	return func(b *strings.Builder, msgs []Message, _ bool) {
		for _, m := range msgs {
			switch m.Role {
			case "system":
				b.WriteString("[SYSTEM_PROMPT]" + space + m.Content + "[/SYSTEM_PROMPT]")
			case "user":
				b.WriteString("[INST]" + space + m.Content + "[/INST]")
			default:
				b.WriteString(space + m.Content + "</s>")
			}
		}
	}
}

// llama2 is Llama 2's [INST] format and its variants: with a <<SYS>> block,
// with BOS before every [INST] after the first, with stripped contents.
func llama2(system, bosInside, strip bool) func(*strings.Builder, []Message, bool) {
	return func(b *strings.Builder, msgs []Message, _ bool) {
		inTurn := true // the first [INST] is written here, after the tokenizer's BOS
		b.WriteString("[INST] ")
		for _, m := range msgs {
			c := m.Content
			if strip {
				c = trim(c)
			}
			if !inTurn {
				inTurn = true
				if bosInside {
					b.WriteString("<s>")
				}
				b.WriteString("[INST] ")
			}
			switch m.Role {
			case "system":
				if system {
					b.WriteString("<<SYS>>\n" + c + "\n<</SYS>>\n\n")
				} else {
					b.WriteString(c + "\n")
				}
			case "user":
				b.WriteString(c + " [/INST]")
			default:
				b.WriteString(c + "</s>")
				inTurn = false
			}
		}
	}
}
