package chat_test

import (
	"fmt"

	"github.com/gollm/gollm/model/chat"
)

// A model's tokenizer.chat_template is recognized, then a conversation is
// formatted with the header that opens the assistant's reply.
func Example() {
	tmpl, err := chat.Detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}")
	if err != nil {
		fmt.Println(err)
		return
	}
	prompt, _ := tmpl.Apply([]chat.Message{
		{Role: "system", Content: "Be brief."},
		{Role: "user", Content: "Hi!"},
	}, true)
	fmt.Println(tmpl.Name())
	fmt.Print(prompt)
	fmt.Printf("stop at %q\n", tmpl.Stop()[0])
	// Output:
	// chatml
	// <|im_start|>system
	// Be brief.<|im_end|>
	// <|im_start|>user
	// Hi!<|im_end|>
	// <|im_start|>assistant
	// stop at "<|im_end|>"
}
