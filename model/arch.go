package model

// An architecture is what differs between the model families gollm runs:
// how the metadata describes the layers, which tensors a layer holds, and
// the forward pass of one layer. Everything else (embedding lookup, the
// output head, the projections, attention, the caches) is shared.
type architecture struct {
	rope RopeMode
	// configure reads the architecture's own metadata after the common
	// keys: layer kinds, RoPE per layer, scales. nil when there is none.
	configure func(c *Config, r *metaReader)
	// loadLayer loads the weights of layer i.
	loadLayer func(c *Config, b *blockLoader, i int) (layer, error)
	// block runs layer l over the session's batch of n tokens, updating
	// the residual stream s.x in place.
	block func(s *Session, l, n int)
}

// architectures are the supported architectures by general.architecture.
var architectures = map[string]*architecture{
	// Llama, Qwen2 (QKV biases), Qwen3 (per-head Q/K norms) and Phi-3
	// (fused QKV and gate/up) share one layer: pre-norm attention and a
	// SwiGLU feed-forward; which optional tensors a file holds says which.
	"llama": {rope: RopeNorm, loadLayer: loadLlamaLayer, block: (*Session).llamaBlock},
	"qwen2": {rope: RopeNeox, loadLayer: loadLlamaLayer, block: (*Session).llamaBlock},
	"qwen3": {rope: RopeNeox, loadLayer: loadQwen3Layer, block: (*Session).llamaBlock},
	"phi3":  {rope: RopeNeox, loadLayer: loadLlamaLayer, block: (*Session).llamaBlock},
	// SmolLM3 is llama with no RoPE on every fourth layer.
	"smollm3": {rope: RopeNorm, configure: configureSmolLM3, loadLayer: loadLlamaLayer, block: (*Session).llamaBlock},
	"gemma3":  {rope: RopeNeox, configure: configureGemma3, loadLayer: loadGemma3Layer, block: (*Session).gemma3Block},
	"qwen35":  {rope: RopeNeox, configure: configureQwen35, loadLayer: loadQwen35Layer, block: (*Session).qwen35Block},
}
