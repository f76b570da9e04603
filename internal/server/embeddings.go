package server

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/gollm/gollm"
)

// wireEmbeddingRequest is the JSON body of POST /v1/embeddings; as for
// completions, a field that is not here is refused.
type wireEmbeddingRequest struct {
	Model          *string         `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat *string         `json:"encoding_format"`
	Dimensions     *int            `json:"dimensions"`
	User           *string         `json:"user"`
}

var embeddingFields = jsonFields[wireEmbeddingRequest]()

// maxEmbeddingInputs bounds the inputs of one request, as OpenAI does.
const maxEmbeddingInputs = 2048

type embedding struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string
}

type embeddingResponse struct {
	Object string      `json:"object"`
	Data   []embedding `json:"data"`
	Model  string      `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// embeddings serves POST /v1/embeddings: one vector per input, pooled as
// the model says and L2-normalized (gollm.Session.EmbedTokens), computed on
// a slot (whose prompt cache it replaces).
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	inputs, base64Out, e := s.parseEmbeddingRequest(r)
	if e != nil {
		writeError(w, e)
		return
	}
	rec := recordOf(r)
	for _, in := range inputs {
		rec.tokensIn += len(in)
	}
	sl, e := s.slots.acquire(r.Context(), nil, anySlot)
	if e != nil {
		if r.Context().Err() == nil {
			writeError(w, e)
		}
		return
	}
	vecs, err := sl.sess.EmbedTokens(r.Context(), inputs, gollm.EmbedOptions{})
	s.slots.release(sl)
	if err != nil {
		if r.Context().Err() == nil {
			writeError(w, serverError(err))
		}
		return
	}
	resp := embeddingResponse{Object: "list", Model: s.cfg.Name, Data: make([]embedding, len(vecs))}
	for i, v := range vecs {
		resp.Data[i] = embedding{Object: "embedding", Index: i, Embedding: v}
		if base64Out {
			resp.Data[i].Embedding = encodeFloats(v)
		}
	}
	resp.Usage.PromptTokens, resp.Usage.TotalTokens = rec.tokensIn, rec.tokensIn
	writeJSON(w, http.StatusOK, resp)
}

// encodeFloats is OpenAI's base64 encoding of a vector: its float32s in
// little-endian order.
func encodeFloats(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// parseEmbeddingRequest reads and checks a request and returns its inputs
// as token ids and whether the answer is base64.
func (s *Server) parseEmbeddingRequest(r *http.Request) ([][]int32, bool, *apiError) {
	body, e := readBody(r)
	if e != nil {
		return nil, false, e
	}
	if _, e := checkFields(body, embeddingFields); e != nil {
		return nil, false, e
	}
	var w wireEmbeddingRequest
	if e := decode(body, &w); e != nil {
		return nil, false, e
	}
	if w.Model != nil {
		if e := s.checkModel(*w.Model); e != nil {
			return nil, false, e
		}
	}
	base64Out := false
	if w.EncodingFormat != nil {
		switch *w.EncodingFormat {
		case "float":
		case "base64":
			base64Out = true
		default:
			return nil, false, invalid("encoding_format", "invalid_value", fmt.Sprintf("encoding_format %q: want float or base64", *w.EncodingFormat))
		}
	}
	if d := s.m.Info().Embedding; w.Dimensions != nil && *w.Dimensions != d {
		return nil, false, invalid("dimensions", "invalid_value",
			fmt.Sprintf("dimensions = %d: this model's embeddings have %d dimensions, and gollm does not shorten them", *w.Dimensions, d))
	}
	if _, err := s.m.Pooling(); err != nil {
		return nil, false, invalid("model", "unsupported_model", err.Error())
	}
	inputs, e := s.parseInputs(w.Input)
	if e != nil {
		return nil, false, e
	}
	return inputs, base64Out, nil
}

// parseInputs reads "input": a string, an array of strings, an array of
// token ids or an array of such arrays; each input must be non-empty and
// fit the context.
func (s *Server) parseInputs(raw json.RawMessage) ([][]int32, *apiError) {
	if isNull(raw) {
		return nil, invalid("input", "missing_required_parameter", "input is required")
	}
	// Each shape is tried into a fresh variable: a failed json.Unmarshal
	// may have filled part of its target.
	var inputs [][]int32
	var texts []string
	if one, ok := unmarshalAs[string](raw); ok {
		texts = []string{one}
	} else if list, ok := unmarshalAs[[]string](raw); ok {
		texts = list
	} else if ids, ok := unmarshalAs[[]int32](raw); ok {
		inputs = [][]int32{ids}
	} else if lists, ok := unmarshalAs[[][]int32](raw); ok {
		inputs = lists
	} else {
		return nil, invalid("input", "invalid_type", "input: expected a string, an array of strings, an array of token ids or an array of such arrays")
	}
	for _, t := range texts {
		inputs = append(inputs, s.m.Tokenize(t, true))
	}
	if len(inputs) == 0 || len(inputs) > maxEmbeddingInputs {
		return nil, invalid("input", "invalid_value", fmt.Sprintf("input: %d inputs; want 1 to %d", len(inputs), maxEmbeddingInputs))
	}
	vocab := s.m.Info().VocabSize
	for i, in := range inputs {
		param := fmt.Sprintf("input[%d]", i)
		switch {
		case len(in) == 0:
			return nil, invalid(param, "invalid_value", param+" is empty")
		case len(in) > s.ctxSize:
			return nil, invalid(param, "context_length_exceeded",
				fmt.Sprintf("%s takes %d tokens; this model's context is %d", param, len(in), s.ctxSize))
		}
		for _, id := range in {
			if id < 0 || int(id) >= vocab {
				return nil, invalid(param, "invalid_value", fmt.Sprintf("%s: token id %d is outside the vocabulary (0..%d)", param, id, vocab-1))
			}
		}
	}
	return inputs, nil
}

// unmarshalAs decodes raw as a T, reporting whether it is one.
func unmarshalAs[T any](raw json.RawMessage) (T, bool) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err == nil
}
