package fallback

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// FuzzParsePolicy checks that any file gives a valid policy or an error,
// never a panic.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"confidence": {"min": 0.5}, "remote": {"timeout": "2s"}}`), true)
	f.Add([]byte("prompt: {max_surprise: 4}\ndevice:\n  battery_below: 20\n"), false)
	f.Add([]byte("remote:\n  breaker: {failures: 3, window: 1m, cooldown: 1e300}\n"), false)
	f.Add([]byte("&a [*a, *a]"), false)
	f.Fuzz(func(t *testing.T, b []byte, isJSON bool) {
		p, err := ParsePolicy(b, isJSON)
		if err == nil {
			if err := p.Validate(); err != nil {
				t.Fatalf("a parsed policy does not validate: %v", err)
			}
		}
	})
}

// FuzzStream checks that any remote answer is read to an end (io.EOF or
// an error) without a panic, as an event stream and as one JSON body.
func FuzzStream(f *testing.F) {
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n"))
	f.Add([]byte(": ping\r\nevent: error\r\ndata: {\"error\":\"x\"}\r\n\r\n"))
	f.Add([]byte("{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}}],\"usage\":null}"))
	f.Add([]byte("data:\ndata:\n\n\r\r\r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, sse := range []bool{true, false} {
			_, cancel := context.WithCancelCause(context.Background())
			st := &Stream{ctx: context.Background(), body: io.NopCloser(bytes.NewReader(b)), cancel: cancel,
				timer: time.AfterFunc(time.Hour, func() {}), timeout: time.Hour}
			if sse {
				st.events = newSSEReader(bytes.NewReader(b))
			}
			for i := 0; ; i++ {
				if i > len(b)+2 {
					t.Fatalf("no end after %d pieces", i)
				}
				if _, err := st.Next(); err != nil {
					break
				}
			}
			st.Close()
		}
	})
}
