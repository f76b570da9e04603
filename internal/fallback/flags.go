package fallback

import "flag"

// Flags holds the command-line flags that configure a fallback.
type Flags struct {
	url, model    *string
	minConfidence *float64
}

// AddFlags defines --fallback-url, --fallback-model and --min-confidence
// on fs.
func AddFlags(fs *flag.FlagSet) *Flags {
	return &Flags{
		url: fs.String("fallback-url", "", "OpenAI-compatible `URL` to ask when the local answer's confidence is low "+
			"or the prompt does not fit (API key from $"+APIKeyEnv+"); empty: never send anything"),
		model:         fs.String("fallback-model", "", "model `name` to request from the fallback (empty: the request's)"),
		minConfidence: fs.Float64("min-confidence", DefaultMinConfidence, "use the fallback when the local confidence is below this `score`"),
	}
}

// Config returns the configured fallback, or nil (no fallback) when
// --fallback-url is empty.
func (f *Flags) Config() (*Config, error) {
	if *f.url == "" {
		return nil, nil
	}
	return New(*f.url, *f.model, *f.minConfidence)
}
