package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/internal/progress"
	"github.com/gollm/gollm/model/chat"
)

func init() {
	register(command{
		name:    "chat",
		summary: "chat with a model, one message per line of stdin",
		run:     runChat,
	})
}

// stdin is where gollm chat reads the user's messages; tests replace it.
var stdin io.Reader = os.Stdin

const chatHelp = "commands: /reset (new conversation), /stats (last answer), /exit (or end of input); end a line with \\ to continue the message on the next"

func runChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("chat", "-m MODEL [--system TEXT] [--chat-template NAME | --chat-template-file FILE] [flags]", stdout)
	ef := addEngineFlags(fs)
	system := fs.String("system", "", "system prompt `text`, kept when old turns are dropped")
	tf := addTemplateFlags(fs)
	noThink := fs.Bool("no-think", false, "switch the model's thinking off (enable_thinking=false, for templates that have the switch)")
	hideThinking := fs.Bool("hide-thinking", false, "do not print the model's thinking (shown dimmed on a terminal, else between <think> and </think>)")
	nPredict := fs.Int("n", -1, "most `tokens` per answer (-1: until the end of the turn or a full context)")
	alias(fs, "n-predict", "n")
	sf := addSamplingFlags(fs)
	ff := fallback.AddFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Sprintf("unexpected argument %q (messages are read from stdin)", fs.Arg(0)))
	}
	if *nPredict < -1 || *nPredict == 0 {
		return fmt.Errorf("-n %d: want a positive count or -1", *nPredict)
	}
	opts, err := sf.generateOptions(*nPredict)
	if err != nil {
		return err
	}
	router, err := ff.Router()
	if err != nil {
		return err
	}
	if router.Remote() != nil && sf.constrained() {
		return errors.New("--grammar-file and --json-schema constrain the local answer: not with --fallback-url")
	}
	if err := ef.check(); err != nil {
		return err
	}
	m, s, err := ef.loadWith(stderr, tf.options())
	if err != nil {
		return err
	}
	defer m.Close()
	defer s.Close()
	tmpl, err := chatTemplate(m, *ef.model)
	if err != nil {
		return err
	}
	if *ef.verbose {
		fmt.Fprintf(stderr, "chat template: %s\n", templateLabel(tmpl))
	}
	c := newChatter(m, s, opts, stdout, stderr)
	c.system, c.router, c.hideThinking = *system, router, *hideThinking
	if c.kwargs, err = tf.kwargs(); err != nil {
		return err
	}
	if *noThink {
		if !tmpl.Mentions("enable_thinking") {
			fmt.Fprintln(stderr, "warning: --no-think: this chat template has no enable_thinking switch; the model may still think")
		}
		if c.kwargs == nil {
			c.kwargs = map[string]any{}
		}
		c.kwargs["enable_thinking"] = false
	}
	return c.loop(stdin)
}

// templateFlags choose the chat template: --chat-template NAME (a named
// template of the model, else a built-in format) or --chat-template-file,
// and --chat-template-kwargs, extra variables for it.
type templateFlags struct {
	name, file, vars *string
}

func addTemplateFlags(fs *flag.FlagSet) templateFlags {
	return templateFlags{
		name: fs.String("chat-template", "", "chat template `name` instead of the model's: one of its named templates (such as tool_use), or a built-in format for a model without one: "+strings.Join(chat.Names(), ", ")),
		file: fs.String("chat-template-file", "", "Jinja chat template `file` instead of the model's"),
		vars: fs.String("chat-template-kwargs", "", "extra chat template variables as a JSON `object`, such as {\"enable_thinking\": false}"),
	}
}

// kwargs returns the variables --chat-template-kwargs gives (nil for
// none).
func (t templateFlags) kwargs() (map[string]any, error) {
	if *t.vars == "" {
		return nil, nil
	}
	kw, err := chat.ParseKwargs([]byte(*t.vars))
	if err != nil {
		return nil, fmt.Errorf("--chat-template-kwargs: %w", err)
	}
	return kw, nil
}

func (t templateFlags) options() gollm.Options {
	return gollm.Options{ChatTemplate: *t.name, ChatTemplateFile: *t.file}
}

// chatTemplate returns the model's chat template as the flags chose it
// (path names the model in errors).
func chatTemplate(m *gollm.Model, path string) (chat.Template, error) {
	t, err := m.ChatFormat()
	if err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// templateLabel describes a chat template for people: its format as
// llama.cpp names it, and where it comes from.
func templateLabel(t chat.Template) string {
	if !t.IsJinja() {
		return t.Name() + " (built-in)"
	}
	family := t.Family()
	if family == "" {
		family = "custom"
	}
	return fmt.Sprintf("%s (Jinja, %s)", family, t.Name())
}

// chatter holds a conversation; its session's KV cache mirrors it.
type chatter struct {
	m      *gollm.Model
	s      *gollm.Session
	system string
	router *fallback.Router
	kwargs map[string]any // extra template variables
	// hideThinking leaves the model's thinking out of the output.
	hideThinking bool
	opts         gollm.GenerateOptions
	reserve      int            // context kept free for an answer
	history      []chat.Message // user and assistant turns, oldest first
	last         turnStats
	stdout       io.Writer
	stderr       io.Writer
}

// turnStats describes the last answer.
type turnStats struct {
	gollm.Stats
	answered bool
	source   string
}

func newChatter(m *gollm.Model, s *gollm.Session, opts gollm.GenerateOptions, stdout, stderr io.Writer) *chatter {
	c := &chatter{m: m, s: s, opts: opts, stdout: stdout, stderr: stderr}
	c.reserve = opts.MaxTokens
	if c.reserve == 0 {
		c.reserve = min(s.ContextSize()/4, 512)
	}
	return c
}

// loop reads messages and commands until /exit or the end of input. A
// Ctrl-C stops the answer being generated, not the program.
func (c *chatter) loop(in io.Reader) error {
	interactive := progress.IsTerminal(in)
	var mu sync.Mutex
	var cancel context.CancelFunc
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer close(sig)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			mu.Lock()
			if cancel != nil {
				cancel()
			} else {
				fmt.Fprintln(c.stderr, "\n(Ctrl-C stops an answer; /exit or Ctrl-D quits)")
			}
			mu.Unlock()
		}
	}()
	if interactive {
		fmt.Fprintln(c.stderr, chatHelp)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for {
		if interactive {
			fmt.Fprint(c.stdout, "> ")
		}
		line, ok := readMessage(sc)
		if !ok {
			return sc.Err()
		}
		switch {
		case line == "":
			continue
		case line == "/exit" || line == "/quit":
			return nil
		case line == "/reset":
			c.reset()
			fmt.Fprintln(c.stderr, "(new conversation)")
			continue
		case line == "/stats":
			c.printStats()
			continue
		case strings.HasPrefix(line, "/") && !strings.Contains(line, " "):
			fmt.Fprintf(c.stderr, "unknown command %s; %s\n", line, chatHelp)
			continue
		}
		ctx, cf := context.WithCancel(context.Background())
		mu.Lock()
		cancel = cf
		mu.Unlock()
		err := c.turn(ctx, line)
		mu.Lock()
		cancel = nil
		mu.Unlock()
		cf()
		if err != nil {
			return err
		}
	}
}

// readMessage reads one message: a line, or several joined by newlines
// when each but the last ends with a backslash. It reports false at the end
// of the input.
func readMessage(sc *bufio.Scanner) (string, bool) {
	var lines []string
	for sc.Scan() {
		line, more := strings.CutSuffix(strings.TrimSuffix(sc.Text(), "\r"), "\\")
		lines = append(lines, line)
		if !more {
			break
		}
	}
	if len(lines) == 0 {
		return "", false
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), true
}

// reset starts a new conversation.
func (c *chatter) reset() {
	c.history = nil
	c.s.Reset()
}

// messages returns the conversation with the system prompt first.
func (c *chatter) messages(extra ...chat.Message) []chat.Message {
	var msgs []chat.Message
	if c.system != "" {
		msgs = append(msgs, chat.Message{Role: "system", Content: c.system})
	}
	return append(append(msgs, c.history...), extra...)
}

// prepare renders and tokenizes the conversation followed by user, with
// the assistant's header.
func (c *chatter) prepare(user chat.Message) (*gollm.ChatPrompt, error) {
	return c.m.PrepareChat(gollm.ChatRequest{Messages: c.messages(user), Kwargs: c.kwargs})
}

// turn answers one user message.
func (c *chatter) turn(ctx context.Context, text string) error {
	user := chat.Message{Role: "user", Content: text}
	p, err := c.prepare(user)
	if err != nil {
		return err
	}
	nCtx := c.s.ContextSize()
	if len(p.Tokens)+c.reserve > nCtx && c.router.Enabled() {
		// The whole conversation goes to the fallback if it can take it;
		// if not, old turns are dropped below.
		var nofit *fallback.NoFitError
		if err := c.answer(ctx, user, p); !errors.As(err, &nofit) {
			return err
		}
	}
	dropped := 0
	for len(p.Tokens)+c.reserve > nCtx && len(c.history) > 0 {
		k := 1 // drop the oldest user turn and the answer that follows it
		for k < len(c.history) && c.history[k].Role != "user" {
			k++
		}
		c.history = c.history[k:]
		dropped++
		if p, err = c.prepare(user); err != nil {
			return err
		}
	}
	if dropped > 0 {
		msg := "the oldest turn"
		if dropped > 1 {
			msg = fmt.Sprintf("the %d oldest turns", dropped)
		}
		if c.system != "" {
			msg += "; the system prompt is kept"
		}
		fmt.Fprintf(c.stderr, "(context full: dropped %s)\n", msg)
	}
	if len(p.Tokens) >= nCtx {
		fmt.Fprintf(c.stderr, "(message not answered: the conversation needs %d tokens, the context holds %d)\n", len(p.Tokens), nCtx)
		return nil
	}
	return c.answer(ctx, user, p)
}

// answer answers the prepared conversation (user last) where the router
// says, and records the answer in the history. The reply streams to
// stdout as it comes (see streamLive; else the final answer is written):
// its thinking dimmed on a terminal, between <think> and </think>
// elsewhere, or not at all with --hide-thinking. A conversation that
// leaves no room for an answer in the context and that the fallback does
// not take is a *fallback.NoFitError.
func (c *chatter) answer(ctx context.Context, user chat.Message, p *gollm.ChatPrompt) error {
	job := fallback.Job{Prompt: p.Tokens, Context: c.s.ContextSize() - c.reserve, Options: c.opts, Request: remoteRequest(c.opts),
		Generate: func(ss *gollm.Session, ctx context.Context, ids []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error] {
			cp := *p
			cp.Tokens = ids
			return ss.GenerateChat(ctx, &cp, opts)
		},
		Session: func(context.Context) (*gollm.Session, func(), error) { return c.s, func() {}, nil }}
	for _, m := range c.messages(user) {
		job.Request.Messages = append(job.Request.Messages, fallback.Message{Role: m.Role, Content: m.Content})
	}
	live := streamLive(c.stdout, c.router)
	out := &replyWriter{w: c.stdout, on: live, hide: c.hideThinking, dim: progress.IsTerminal(c.stdout)}
	sink := &chatSink{p: p, out: out, notes: c.stderr}
	res, err := c.router.Answer(ctx, job, sink)
	d := res.Decision
	var nofit *fallback.NoFitError
	if c.router.Remote() != nil && (err == nil || errors.As(err, &nofit)) {
		fmt.Fprintf(c.stderr, "(%s)\n", d)
	}
	if err != nil {
		return err
	}
	assistant := chat.Message{Role: "assistant"}
	if res.Remote == nil {
		reply, rest := p.Parser.Finish()
		out.write(rest)
		assistant.Content, assistant.ReasoningContent = reply.Content, reply.ReasoningContent
		if !live {
			out.on = true
			out.write(chat.Delta{ReasoningContent: reply.ReasoningContent, Content: reply.Content})
		}
	} else {
		assistant.Content = res.Remote.Text
		if d.Mode == fallback.ModeContinue {
			reply, _ := p.Parser.Finish()
			assistant.Content = reply.Content + res.Remote.Text
		}
		if !live {
			out.on = true
			out.write(chat.Delta{Content: assistant.Content})
		}
	}
	out.end()
	c.last = turnStats{Stats: res.Local.Stats, answered: true, source: string(d.Source)}
	switch {
	case d.Rule == fallback.RuleCancelled:
		fmt.Fprintln(c.stderr, "(answer stopped)")
	case res.Remote == nil && res.Local.Stats.StopReason == gollm.StopContextFull:
		fmt.Fprintln(c.stderr, "(the answer filled the context and was cut short)")
	}
	c.history = append(c.history, user, assistant)
	return nil
}

// chatSink shows a chat reply as the router produces it: the local tokens
// through the prompt's parser, then the fallback's answer.
type chatSink struct {
	p     *gollm.ChatPrompt
	out   *replyWriter
	notes io.Writer
}

func (s *chatSink) Local(tok gollm.Token) bool {
	s.out.write(s.p.Parser.Push(tok.Text))
	return true
}

func (s *chatSink) Handover(d fallback.Decision) bool {
	if s.out.on && d.LocalTokens > 0 && d.Mode == fallback.ModeReplace {
		s.out.end()
		fmt.Fprintf(s.notes, "(%s: the fallback's answer replaces the text above)\n", d.Reason)
	}
	return true
}

func (s *chatSink) Remote(text string) bool {
	s.out.write(chat.Delta{Content: text})
	return true
}

// replyWriter prints a streamed reply: its thinking (dimmed on a
// terminal, else between <think> and </think>; hidden with hide), then its
// content.
type replyWriter struct {
	w             io.Writer
	on, hide, dim bool
	thinking      bool // inside the shown thinking
}

const (
	dimOn  = "\x1b[2m"
	dimOff = "\x1b[0m"
)

func (r *replyWriter) write(d chat.Delta) {
	if !r.on {
		return
	}
	if d.ReasoningContent != "" && !r.hide {
		if !r.thinking {
			r.thinking = true
			io.WriteString(r.w, map[bool]string{true: dimOn, false: "<think>\n"}[r.dim])
		}
		io.WriteString(r.w, d.ReasoningContent)
	}
	if d.Content != "" {
		r.closeThinking("\n\n")
		io.WriteString(r.w, d.Content)
	}
}

// closeThinking ends the shown thinking, if it is open, followed by sep.
func (r *replyWriter) closeThinking(sep string) {
	if r.thinking {
		r.thinking = false
		io.WriteString(r.w, map[bool]string{true: dimOff, false: "\n</think>"}[r.dim]+sep)
	}
}

// end finishes the reply's line.
func (r *replyWriter) end() {
	if !r.on {
		return
	}
	r.closeThinking("")
	io.WriteString(r.w, "\n")
}

// printStats answers /stats.
func (c *chatter) printStats() {
	st := c.last
	switch {
	case !st.answered:
		fmt.Fprintln(c.stderr, "no answer yet")
		return
	case st.source == string(fallback.SourceFallback) && st.PromptTokens == 0:
		fmt.Fprintln(c.stderr, "the last answer came from the fallback")
	default:
		printStats(c.stderr, st.Stats)
		fmt.Fprintf(c.stderr, "prefill: %d new tokens, %d of the conversation's %d reused from the KV cache\n",
			st.PromptTokens-st.CachedTokens, st.CachedTokens, st.PromptTokens)
		if c.router.Remote() != nil {
			fmt.Fprintf(c.stderr, "answered by: %s\n", st.source)
		}
	}
	fmt.Fprintf(c.stderr, "context: %d of %d tokens used\n", c.s.Pos(), c.s.ContextSize())
}
