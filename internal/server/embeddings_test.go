package server

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
)

func TestEmbeddings(t *testing.T) {
	_, hs := start(t, Config{})
	m := loadModel(t)
	want, err := m.Embed(context.Background(), []string{"hello world", "a second text"})
	if err != nil {
		t.Fatal(err)
	}
	vec := func(v any) []float32 {
		var out []float32
		for _, x := range v.([]any) {
			out = append(out, float32(x.(float64)))
		}
		return out
	}
	code, v := post(t, hs.URL+"/v1/embeddings", `{"model":"tiny","input":["hello world","a second text"]}`)
	if code != 200 || v["object"] != "list" || v["model"] != "tiny" {
		t.Fatalf("%d %v", code, v)
	}
	for i := range 2 {
		if get(v, "data", i, "object") != "embedding" || get(v, "data", i, "index") != float64(i) {
			t.Errorf("data[%d] %v", i, get(v, "data", i))
		}
		if got := vec(get(v, "data", i, "embedding")); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("input %d: the server's vector differs from Model.Embed's", i)
		}
	}
	ids := m.Tokenize("hello world", true)
	if p := get(v, "usage", "prompt_tokens").(float64); int(p) != len(ids)+len(m.Tokenize("a second text", true)) {
		t.Errorf("usage %v", v["usage"])
	}
	// A string, token ids and base64 give the same vector.
	raw, _ := json.Marshal(ids)
	idsJSON := string(raw)
	for _, body := range []string{`{"input":"hello world"}`, `{"input":` + idsJSON + `}`,
		`{"input":[` + idsJSON + `],"dimensions":` + fmt.Sprint(m.Info().Embedding) + `}`} {
		code, v := post(t, hs.URL+"/v1/embeddings", body)
		if code != 200 || !reflect.DeepEqual(vec(get(v, "data", 0, "embedding")), want[0]) {
			t.Errorf("%s: %d, a different vector", body, code)
		}
	}
	code, v = post(t, hs.URL+"/v1/embeddings", `{"input":"hello world","encoding_format":"base64"}`)
	b, err := base64.StdEncoding.DecodeString(get(v, "data", 0, "embedding").(string))
	if code != 200 || err != nil || len(b) != 4*len(want[0]) {
		t.Fatalf("base64: %d %v", code, err)
	}
	for i, x := range want[0] {
		if math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])) != x {
			t.Fatalf("base64 element %d differs", i)
		}
	}
}

func TestEmbeddingErrors(t *testing.T) {
	_, hs := start(t, Config{})
	for _, tc := range []struct{ body, param, code string }{
		{`{}`, "input", "missing_required_parameter"},
		{`{"input":5}`, "input", "invalid_type"},
		{`{"input":[]}`, "input", "invalid_value"},
		{`{"input":["a",""]}`, "input[1]", "invalid_value"},
		{`{"input":[[1,2],[]]}`, "input[1]", "invalid_value"},
		{`{"input":[1,99999999]}`, "input[0]", "invalid_value"},
		{`{"input":"a","dimensions":3}`, "dimensions", "invalid_value"},
		{`{"input":"a","encoding_format":"int8"}`, "encoding_format", "invalid_value"},
		{`{"input":"a","model":"text-embedding-3-small"}`, "model", "model_not_found"},
		{`{"input":"a","truncate":true}`, "truncate", "unsupported_parameter"},
	} {
		code, v := post(t, hs.URL+"/v1/embeddings", tc.body)
		if code != 400 || get(v, "error", "param") != tc.param || get(v, "error", "code") != tc.code {
			t.Errorf("%s: %d %v", tc.body, code, v)
		}
	}
	long := make([]byte, 0, 4000)
	for range 300 {
		long = append(long, "word "...)
	}
	if code, v := post(t, hs.URL+"/v1/embeddings", `{"input":"`+string(long)+`"}`); code != 400 || get(v, "error", "code") != "context_length_exceeded" {
		t.Errorf("too long: %d %v", code, v)
	}
}
