package gollm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gollm/gollm/model/chat"
)

// Message is one turn of a conversation in OpenAI's shape: Role
// "system", "user", "assistant" or "tool", its Content, and for tool use
// the assistant's ToolCalls or the ToolCallID a tool's result answers.
type Message = chat.Message

// maxIdleSessions bounds the sessions Model.Chat keeps for reuse.
const maxIdleSessions = 4

// chatState is what a Model keeps for Chat: its chat format, found once,
// and the idle sessions whose caches later conversations may reuse.
type chatState struct {
	once   sync.Once
	format chatFormat
	err    error

	mu    sync.Mutex
	idle  []*Session // least recently used first
	close bool
}

// chatFormat is a chat template with the stop conditions of its turns.
type chatFormat struct {
	tmpl    chat.Template
	stops   []string // texts that end a turn
	stopIDs []int32  // control tokens that end a turn
}

// chatTemplate returns the model's chat format (see ChatFormat), with
// the stop conditions of its turns.
func (m *Model) chatTemplate() (chatFormat, error) {
	c := &m.chat
	c.once.Do(func() {
		var t chat.Template
		if t, c.err = m.loadChatTemplate(); c.err != nil {
			c.err = fmt.Errorf("gollm: %w", c.err)
			return
		}
		c.format.tmpl = t
		for _, stop := range t.Stop() {
			// A stop written as one control token is rendered as no
			// text, so no stop string would see it.
			if ids := m.Tokenize(stop, false); len(ids) == 1 && m.m.Tokenizer.IsControl(ids[0]) {
				c.format.stopIDs = append(c.format.stopIDs, ids[0])
			} else {
				c.format.stops = append(c.format.stops, stop)
			}
		}
	})
	return c.format, c.err
}

// loadChatTemplate finds the chat template: Options.ChatTemplateFile,
// else Options.ChatTemplate (a named template of the model, else a
// built-in format), else the model's tokenizer.chat_template.
func (m *Model) loadChatTemplate() (chat.Template, error) {
	cfg := m.m.Config
	tokens := chat.TokensOf(m.m.Tokenizer)
	switch {
	case m.opts.ChatTemplateFile != "":
		src, err := os.ReadFile(m.opts.ChatTemplateFile)
		if err != nil {
			return chat.Template{}, err
		}
		return chat.Parse(m.opts.ChatTemplateFile, string(src), tokens)
	case m.opts.ChatTemplate != "":
		if src, ok := cfg.ChatTemplates[m.opts.ChatTemplate]; ok {
			return chat.Parse("tokenizer.chat_template."+m.opts.ChatTemplate, src, tokens)
		}
		return chat.ByName(m.opts.ChatTemplate)
	case strings.TrimSpace(cfg.ChatTemplate) == "":
		return chat.Template{}, fmt.Errorf("the model has no chat template; choose a format with --chat-template NAME (one of %s) or --chat-template-file FILE",
			strings.Join(chat.Names(), ", "))
	}
	return chat.New(cfg.ChatTemplate, cfg.ChatTemplates, tokens)
}

// ChatTemplate returns the name of the chat template Chat uses, or the
// error that keeps Chat from working (the model has no template, or its
// template does not parse; set Options.ChatTemplate).
func (m *Model) ChatTemplate() (string, error) {
	f, err := m.chatTemplate()
	return f.tmpl.Name(), err
}

// ChatFormat returns the chat template Chat uses: the model's
// tokenizer.chat_template rendered as transformers renders it, or what
// Options.ChatTemplateFile and Options.ChatTemplate choose.
func (m *Model) ChatFormat() (chat.Template, error) {
	f, err := m.chatTemplate()
	return f.tmpl, err
}

// ChatPrompt renders msgs in the model's chat format, followed by the
// header of the assistant's reply, and tokenizes it (BOS as the model asks,
// control tokens recognized): the prompt Chat gives the model.
func (m *Model) ChatPrompt(msgs []Message) ([]int32, error) {
	p, err := m.PrepareChat(ChatRequest{Messages: msgs})
	if err != nil {
		return nil, err
	}
	return p.Tokens, nil
}

// ChatRequest is a conversation to answer, with the tools the model may
// call (Tools, ToolChoice), extra template variables (Kwargs, such as
// enable_thinking: false) and whether thinking stays in the content
// (KeepReasoning). AddGenerationPrompt is always set by PrepareChat.
type ChatRequest = chat.Request

// ChatPrompt is a chat request ready to generate from (PrepareChat): the
// rendered conversation, its tokens, and the parser that turns the reply
// into content, reasoning and tool calls. Feed the parser the text of
// the tokens GenerateChat yields.
type ChatPrompt struct {
	Text   string
	Tokens []int32
	// Parser reads the reply: Push each token's text, then Finish. It
	// belongs to this prompt; prepare again for another reply.
	Parser *chat.Parser
	// grammar forces a tool call (tool_choice required or a named
	// function); stops and stopIDs end the assistant's turn.
	grammar string
	stops   []string
	stopIDs []int32
}

// PrepareChat renders r in the model's chat template with the header of
// the assistant's reply and tokenizes it. Tools go through the template
// when it can show them, else they are described in a system message; a
// tool_choice of "required" or a named function makes GenerateChat force
// one well-formed call whose arguments match the function's JSON Schema.
// A template that raises (an unsupported role, for example) is an error
// with the template's message.
func (m *Model) PrepareChat(r ChatRequest) (*ChatPrompt, error) {
	f, err := m.chatTemplate()
	if err != nil {
		return nil, err
	}
	r.AddGenerationPrompt = true
	p, err := f.tmpl.Prepare(r, m.m.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("gollm: %w", err)
	}
	return &ChatPrompt{Text: p.Text, Tokens: chat.Encode(m.m.Tokenizer, p.Text), Parser: p.Parser,
		grammar: p.Grammar, stops: f.stops, stopIDs: f.stopIDs}, nil
}

// GenerateChat streams the assistant's reply to a prepared chat prompt,
// as GenerateTokens streams a continuation: it ends at the end of the
// assistant's turn (or as opts say), and follows the grammar of a forced
// tool call (which cannot be combined with opts.Grammar or
// opts.JSONSchema). The session reuses the longest prefix of the prompt
// its cache holds.
func (s *Session) GenerateChat(ctx context.Context, p *ChatPrompt, opts GenerateOptions) iter.Seq2[Token, error] {
	if p.grammar != "" {
		if opts.Grammar != "" || opts.JSONSchema != "" {
			err := errors.New("gollm: a forced tool call (tool_choice) cannot be combined with a grammar or JSON schema")
			return func(yield func(Token, error) bool) { yield(Token{ID: -1}, err) }
		}
		opts.Grammar = p.grammar
	}
	opts.Stop = append(slices.Clip(opts.Stop), p.stops...)
	opts.stopTokens = p.stopIDs
	return s.GenerateTokens(ctx, p.Tokens, opts)
}

// Chat streams the assistant's answer to msgs, as Generate streams a
// continuation: the conversation is rendered in the model's chat format and
// the answer ends at the end of the assistant's turn (or as opts say). The
// session reuses the longest prefix of the rendered conversation its cache
// holds, so a follow-up (the same messages, the answer and a new one)
// prefills only what was added. The tokens carry the reply as the model
// writes it (thinking and tool calls included); PrepareChat and
// GenerateChat give a parser that splits them.
func (s *Session) Chat(ctx context.Context, msgs []Message, opts GenerateOptions) iter.Seq2[Token, error] {
	p, err := s.m.PrepareChat(ChatRequest{Messages: msgs, KeepReasoning: true})
	if err != nil {
		return func(yield func(Token, error) bool) { yield(Token{ID: -1}, err) }
	}
	return s.GenerateChat(ctx, p, opts)
}

// Chat is Session.Chat on a session the model keeps: the idle session whose
// cache shares the longest prefix with the conversation, or a new one (with
// Options.Session), returned for reuse when the stream ends. Concurrent
// calls run on separate sessions; up to 4 idle sessions are kept (the least
// recently used beyond that is closed). Use a Session of your own for its
// statistics or to control its memory.
func (m *Model) Chat(ctx context.Context, msgs []Message, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		p, err := m.PrepareChat(ChatRequest{Messages: msgs, KeepReasoning: true})
		if err != nil {
			yield(Token{ID: -1}, err)
			return
		}
		s, err := m.takeSession(p.Tokens)
		if err != nil {
			yield(Token{ID: -1}, err)
			return
		}
		defer m.putSession(s)
		for tok, err := range s.GenerateChat(ctx, p, opts) {
			if !yield(tok, err) {
				return
			}
		}
	}
}

// takeSession removes from the idle list the session whose cache shares
// the longest prefix with prompt (the most recently used among equals), or
// makes a new one when none shares any.
func (m *Model) takeSession(prompt []int32) (*Session, error) {
	c := &m.chat
	c.mu.Lock()
	best, bestLen := -1, 0
	for i, s := range c.idle {
		if n := commonPrefix(s.s.Tokens(), prompt); n > 0 && n >= bestLen {
			best, bestLen = i, n
		}
	}
	if best >= 0 {
		s := c.idle[best]
		c.idle = slices.Delete(c.idle, best, best+1)
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	return m.NewSession(SessionOptions{})
}

// putSession returns a session to the idle list, closing the least
// recently used one beyond maxIdleSessions (or s itself once the model is
// closed).
func (m *Model) putSession(s *Session) {
	c := &m.chat
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.close {
		s.Close()
		return
	}
	c.idle = append(c.idle, s)
	if len(c.idle) > maxIdleSessions {
		c.idle[0].Close()
		c.idle = slices.Delete(c.idle, 0, 1)
	}
}

// closeSessions closes the idle sessions (Model.Close).
func (m *Model) closeSessions() {
	c := &m.chat
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.idle {
		s.Close()
	}
	c.idle, c.close = nil, true
}
