package fallback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// getenv is os.Getenv, replaceable in tests.
var getenv = os.Getenv

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is what is sent to the remote: a chat completion when Messages is
// not nil, else a completion of Prompt. Nil pointers are left out, so the
// remote applies its own defaults.
type Request struct {
	Model            string    `json:"model,omitempty"`
	Messages         []Message `json:"messages,omitempty"`
	Prompt           string    `json:"prompt,omitempty"`
	MaxTokens        int       `json:"max_tokens,omitempty"`
	Temperature      *float64  `json:"temperature,omitempty"`
	TopP             *float64  `json:"top_p,omitempty"`
	Seed             *int64    `json:"seed,omitempty"`
	Stop             []string  `json:"stop,omitempty"`
	FrequencyPenalty *float64  `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64  `json:"presence_penalty,omitempty"`
}

// Response is the remote's answer (its first choice).
type Response struct {
	Text             string
	FinishReason     string
	Model            string
	PromptTokens     int
	CompletionTokens int
}

// wireResponse covers both chat and text completion responses.
type wireResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Text    string `json:"text"`
		Message *struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// Send posts req (non-streaming) to the remote and returns its first
// choice. A non-2xx status is an error carrying the remote's message.
func (c *Config) Send(ctx context.Context, req Request) (Response, error) {
	if !c.Enabled() {
		return Response{}, errors.New("no fallback configured")
	}
	path := "completions"
	if req.Messages != nil {
		path = "chat/completions"
	}
	if c.Model != "" {
		req.Model = c.Model
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(path), bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if c.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	resp, err := c.client().Do(hr)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return Response{}, fmt.Errorf("reading the response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return Response{}, fmt.Errorf("%s: %s", resp.Status, remoteMessage(b))
	}
	var w wireResponse
	if err := json.Unmarshal(b, &w); err != nil {
		return Response{}, fmt.Errorf("the response is not an OpenAI completion: %w", err)
	}
	if len(w.Choices) == 0 {
		return Response{}, errors.New("the response has no choices")
	}
	ch := w.Choices[0]
	out := Response{Text: ch.Text, FinishReason: ch.FinishReason, Model: w.Model,
		PromptTokens: w.Usage.PromptTokens, CompletionTokens: w.Usage.CompletionTokens}
	if ch.Message != nil {
		out.Text = ch.Message.Content
	}
	return out, nil
}

// remoteMessage extracts the message of an OpenAI-style error body, or
// returns the start of the body.
func remoteMessage(b []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
