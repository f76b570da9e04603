package server

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestResponseFormatJSONSchema(t *testing.T) {
	_, hs := start(t, Config{})
	schema := `{"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "temp": {"type": "integer", "minimum": -40, "maximum": 50}}, "required": ["city", "temp"], "additionalProperties": false}`
	check := func(what, content string) {
		t.Helper()
		var v struct {
			City *string `json:"city"`
			Temp *int    `json:"temp"`
		}
		d := json.NewDecoder(strings.NewReader(content))
		d.DisallowUnknownFields()
		if err := d.Decode(&v); err != nil || v.City == nil || v.Temp == nil || *v.Temp < -40 || *v.Temp > 50 || len([]rune(*v.City)) > 12 {
			t.Errorf("%s: %q does not follow the schema (%v)", what, content, err)
		}
	}
	for seed := range 4 {
		body := `{"messages":[{"role":"user","content":"Weather?"}],"temperature":1,"seed":` + string(rune('1'+seed)) +
			`,"max_tokens":200,"response_format":{"type":"json_schema","json_schema":{"name":"weather","strict":true,"schema":` + schema + `}}}`
		code, v := post(t, hs.URL+"/v1/chat/completions", body)
		if code != 200 {
			t.Fatalf("status %d: %v", code, v)
		}
		if get(v, "choices", 0, "finish_reason") != "stop" {
			t.Errorf("finish_reason %v", get(v, "choices", 0, "finish_reason"))
		}
		check("chat", get(v, "choices", 0, "message", "content").(string))
	}
	// Streamed, the deltas join into the same kind of answer.
	var sb strings.Builder
	for _, ev := range stream(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"Weather?"}],"stream":true,"max_tokens":200,`+
		`"response_format":{"type":"json_schema","json_schema":{"name":"weather","schema":`+schema+`}}}`) {
		if ev == "[DONE]" {
			continue
		}
		var c map[string]any
		json.Unmarshal([]byte(ev), &c)
		if s, ok := get(c, "choices", 0, "delta", "content").(string); ok {
			sb.WriteString(s)
		}
	}
	check("stream", sb.String())
	// Completions take the same field.
	code, v := post(t, hs.URL+"/v1/completions", `{"prompt":"JSON:","max_tokens":200,"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":`+schema+`}}}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, v)
	}
	check("completion", get(v, "choices", 0, "text").(string))
}

func TestResponseFormatJSONObjectAndGrammar(t *testing.T) {
	_, hs := start(t, Config{})
	for seed := range 3 {
		code, v := post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":250,"temperature":1,"seed":`+
			string(rune('1'+seed))+`,"response_format":{"type":"json_object"}}`)
		if code != 200 {
			t.Fatalf("status %d: %v", code, v)
		}
		content := get(v, "choices", 0, "message", "content").(string)
		var obj map[string]any
		if get(v, "choices", 0, "finish_reason") == "stop" && json.Unmarshal([]byte(content), &obj) != nil {
			t.Errorf("json_object: %q is not an object", content)
		}
	}
	code, v := post(t, hs.URL+"/v1/completions", `{"prompt":"Answer:","max_tokens":50,"grammar":"root ::= (\"yes\" | \"no\") \" \" [0-9]{3}"}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, v)
	}
	if text := get(v, "choices", 0, "text").(string); !regexp.MustCompile(`^(yes|no) [0-9]{3}$`).MatchString(text) {
		t.Errorf("grammar: %q", text)
	}
	code, v = post(t, hs.URL+"/v1/completions", `{"prompt":"Answer:","max_tokens":50,"response_format":{"type":"text"}}`)
	if code != 200 {
		t.Fatalf("text: status %d: %v", code, v)
	}
}

func TestResponseFormatErrors(t *testing.T) {
	_, hs := start(t, Config{})
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	rf := func(s string) string { return `{` + msgs + `,"response_format":` + s + `}` }
	// Rules that can match nothing, each using the next one twice: 2^40
	// parses of the first character.
	ambiguous := "root ::= a0\n"
	for i := range 40 {
		ambiguous += fmt.Sprintf("a%d ::= a%d a%d | \"y\"\n", i, i+1, i+1)
	}
	ambiguousJSON, _ := json.Marshal(ambiguous + `a40 ::= "x"?`)
	for _, tc := range []struct{ body, param, code, msg string }{
		{rf(`{"type":"xml"}`), "response_format.type", "invalid_value", `"xml" is not supported`},
		{rf(`"json"`), "response_format", "invalid_value", "expected an object"},
		{rf(`{"type":"json_schema"}`), "response_format.json_schema", "invalid_value", "expected an object"},
		{rf(`{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"string","format":"email"}}}`),
			"response_format.json_schema.schema", "unsupported_schema_keyword", `"format": "email" is not supported`},
		{rf(`{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"a":{"not":{}}}}}}`),
			"response_format.json_schema.schema", "unsupported_schema_keyword", `at /properties/a: "not"`},
		{rf(`{"type":"json_schema","json_schema":{"name":"x","schema":{},"extra":1}}`), "response_format.json_schema.extra", "unsupported_parameter", "extra"},
		{rf(`{"type":"json_object","strict":true}`), "response_format.strict", "unsupported_parameter", "strict"},
		{`{` + msgs + `,"grammar":"root ::= x"}`, "grammar", "invalid_value", `line 1, column 10: undefined rule "x"`},
		{`{` + msgs + `,"grammar":` + string(ambiguousJSON) + `}`, "grammar", "invalid_value", "too ambiguous"},
		{`{` + msgs + `,"grammar":"root ::= \"a\"","response_format":{"type":"json_object"}}`, "grammar", "invalid_value", "not both"},
		{`{` + msgs + `,"json_schema":{"minimum":3}}`, "json_schema", "unsupported_schema_keyword", "minimum"},
	} {
		code, v := post(t, hs.URL+"/v1/chat/completions", tc.body)
		msg, _ := get(v, "error", "message").(string)
		if code != 400 || get(v, "error", "param") != tc.param || get(v, "error", "code") != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %d %v", tc.body, code, v)
		}
	}
}
