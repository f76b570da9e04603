package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm"
)

// TestBusy429 holds the only session with a request that waits inside
// generation; with no queue a second request gets 429, with a queue of one
// it waits and succeeds.
func TestBusy429(t *testing.T) {
	for _, queue := range []int{0, 1} {
		s, hs := start(t, Config{Parallel: 1, Queue: queue})
		entered, release := make(chan struct{}), make(chan struct{})
		var once, unblock sync.Once
		t.Cleanup(func() { unblock.Do(func() { close(release) }) })
		s.onToken = func() {
			once.Do(func() { close(entered); <-release })
		}
		first := make(chan int)
		go func() {
			resp, err := http.Post(hs.URL+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"slow","max_tokens":3}`))
			if err != nil {
				first <- 0
				return
			}
			resp.Body.Close()
			first <- resp.StatusCode
		}()
		<-entered
		second := make(chan int)
		go func() {
			resp, err := http.Post(hs.URL+"/v1/chat/completions", "application/json",
				strings.NewReader(`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`))
			if err != nil {
				t.Error(err)
				second <- 0
				return
			}
			defer resp.Body.Close()
			var v map[string]any
			json.NewDecoder(resp.Body).Decode(&v)
			if resp.StatusCode == 429 && (get(v, "error", "code") != "rate_limit_exceeded" || get(v, "error", "message") == nil ||
				resp.Header.Get("Retry-After") == "") {
				t.Errorf("429 body %v, Retry-After %q", v, resp.Header.Get("Retry-After"))
			}
			second <- resp.StatusCode
		}()
		if queue == 0 {
			if code := <-second; code != 429 {
				t.Errorf("queue 0: second request got %d, want 429", code)
			}
			unblock.Do(func() { close(release) })
		} else {
			select {
			case code := <-second:
				t.Errorf("queue 1: second request answered %d before the first finished", code)
			case <-time.After(200 * time.Millisecond):
			}
			unblock.Do(func() { close(release) })
			if code := <-second; code != 200 {
				t.Errorf("queue 1: second request got %d, want 200", code)
			}
		}
		if code := <-first; code != 200 {
			t.Errorf("queue %d: first request got %d", queue, code)
		}
	}
}

// TestDisconnectStopsGeneration cancels a streaming request after its first
// content chunk and checks that the generation stops promptly and the
// session is free again.
func TestDisconnectStopsGeneration(t *testing.T) {
	s, hs := start(t, Config{Parallel: 1})
	s.onToken = func() { time.Sleep(5 * time.Millisecond) }
	done := make(chan gollm.Stats, 1)
	s.onDone = func(st gollm.Stats) { done <- st }
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"Go on","max_tokens":250,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), `"text"`) {
	}
	cancel()
	resp.Body.Close()
	start := time.Now()
	select {
	case st := <-done:
		if st.StopReason != gollm.StopCancelled || st.GeneratedTokens >= 250 {
			t.Errorf("stopped by %s after %d tokens", st.StopReason, st.GeneratedTokens)
		}
		t.Logf("stopped after %d tokens, %s after the disconnect", st.GeneratedTokens, time.Since(start))
	case <-time.After(3 * time.Second):
		t.Fatal("generation still running 3s after the client left")
	}
	s.onToken = nil
	if code, v := post(t, hs.URL+"/v1/completions", `{"prompt":"a","max_tokens":2}`); code != 200 {
		t.Errorf("after the disconnect: %d %v", code, v)
	}
}

// TestQueuedClientLeaves checks that a client leaving while queued frees
// its place in the queue.
func TestQueuedClientLeaves(t *testing.T) {
	s, hs := start(t, Config{Parallel: 1, Queue: 1})
	entered, release := make(chan struct{}), make(chan struct{})
	var once, unblock sync.Once
	s.onToken = func() { once.Do(func() { close(entered); <-release }) }
	t.Cleanup(func() { unblock.Do(func() { close(release) }) }) // before the server closes
	first := make(chan int)
	go func() {
		code, _ := post(t, hs.URL+"/v1/completions", `{"prompt":"a","max_tokens":2}`)
		first <- code
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/completions", strings.NewReader(`{"prompt":"b"}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("queued request answered %d while the session was busy", resp.StatusCode)
	}
	time.Sleep(50 * time.Millisecond) // the server notices the disconnect
	third := make(chan int)
	go func() {
		code, _ := post(t, hs.URL+"/v1/completions", `{"prompt":"c","max_tokens":2}`)
		third <- code
	}()
	select {
	case code := <-third:
		t.Errorf("third request answered %d while the session was busy (queue place leaked?)", code)
		go func() { third <- code }()
	case <-time.After(150 * time.Millisecond):
	}
	unblock.Do(func() { close(release) })
	if a, c := <-first, <-third; a != 200 || c != 200 {
		t.Errorf("first %d, third %d", a, c)
	}
}
