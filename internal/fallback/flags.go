package fallback

import (
	"flag"
	"fmt"
)

// Flags holds the command-line flags that configure routing.
type Flags struct {
	fs                       *flag.FlagSet
	url, model, policy, mode *string
	minConfidence            *float64
	minTokens                *int
	private                  *bool
}

// AddFlags defines the routing flags on fs: --fallback-url,
// --fallback-model, --min-confidence, --route-policy, --route-min-tokens,
// --route-mode and --private.
func AddFlags(fs *flag.FlagSet) *Flags {
	def := DefaultPolicy()
	return &Flags{
		fs: fs,
		url: fs.String("fallback-url", "", "OpenAI-compatible `URL` (llama-server, vLLM, ollama /v1, a hosted API) to hand a request to "+
			"when the routing policy says so (API key from $"+APIKeyEnv+"); empty: never send anything"),
		model:  fs.String("fallback-model", "", "model `name` to request from the fallback (empty: the request's)"),
		policy: fs.String("route-policy", "", "routing policy `file` (JSON or YAML; see README): thresholds for confidence, prompt surprise, length, battery, remote health"),
		minConfidence: fs.Float64("min-confidence", def.Confidence.Min,
			"hand over to the fallback when the local answer's running confidence falls below this `score` (0: never)"),
		minTokens: fs.Int("route-min-tokens", def.Confidence.MinTokens,
			"generate at least this many local `tokens` before an early handover to the fallback"),
		mode: fs.String("route-mode", string(def.Mode),
			"what the fallback does with local text already streamed when it takes over: replace it, or continue it"),
		private: fs.Bool("private", false, "never send anything to the fallback: answer locally or refuse"),
	}
}

// Router returns the router the flags describe: the policy file's (or the
// default policy) with the flags given on the command line applied over it,
// and the remote from --fallback-url (none when it is empty).
func (f *Flags) Router() (*Router, error) {
	p := DefaultPolicy()
	if *f.policy != "" {
		var err error
		if p, err = LoadPolicy(*f.policy); err != nil {
			return nil, fmt.Errorf("--route-policy: %w", err)
		}
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["min-confidence"] {
		p.Confidence.Min = *f.minConfidence
	}
	if set["route-min-tokens"] {
		p.Confidence.MinTokens = *f.minTokens
	}
	if set["route-mode"] {
		p.Mode = Mode(*f.mode)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("routing flags: %w", err)
	}
	var remote *Remote
	if *f.url != "" {
		var err error
		if remote, err = NewRemote(*f.url, *f.model, p.Remote); err != nil {
			return nil, err
		}
	}
	return NewRouter(p, remote, *f.private), nil
}
