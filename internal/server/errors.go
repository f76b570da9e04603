package server

import (
	"encoding/json"
	"net/http"
)

// apiError is an OpenAI-style error: the HTTP status and the body
// {"error": {"message", "type", "param", "code"}}.
type apiError struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *apiError) Error() string { return e.Message }

// invalid returns a 400 invalid_request_error about param (empty: none).
func invalid(param, code, message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Message: message, Type: "invalid_request_error",
		Param: strOrNil(param), Code: strOrNil(code)}
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// retryAfter is the Retry-After of a 429, in seconds: a slot frees when a
// generation ends, typically within a few seconds on a small model.
const retryAfter = "1"

// writeError sends e as the response.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, e.Status, map[string]*apiError{"error": e})
}

// writeJSON sends v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

var (
	errBusy = &apiError{Status: http.StatusTooManyRequests, Type: "rate_limit_exceeded",
		Message: "the server is busy: every session is generating and the queue is full; retry later",
		Code:    strOrNil("rate_limit_exceeded")}
	errNotFound = &apiError{Status: http.StatusNotFound, Type: "invalid_request_error",
		Message: "unknown endpoint; this server offers POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, GET /v1/models, GET /health, GET /metrics and GET /slots",
		Code:    strOrNil("unknown_url")}
	errMethod = &apiError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
		Message: "method not allowed on this endpoint", Code: strOrNil("method_not_allowed")}
	errUnauthorized = &apiError{Status: http.StatusUnauthorized, Type: "invalid_request_error",
		Message: "missing or wrong API key: send the header Authorization: Bearer KEY", Code: strOrNil("invalid_api_key")}
	errShutdown = &apiError{Status: http.StatusServiceUnavailable, Type: "server_error",
		Message: "the server is shutting down", Code: strOrNil("shutting_down")}
)

// serverError wraps an internal failure as a 500.
func serverError(err error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "server_error", Message: err.Error()}
}
