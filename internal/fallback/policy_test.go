package fallback

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParsePolicy checks that a policy reads the same from JSON and YAML,
// that what a file leaves out keeps the default, and durations in both
// spellings.
func TestParsePolicy(t *testing.T) {
	js := `{"confidence": {"min": 0.5, "min_tokens": 8}, "mode": "continue",
		"prompt": {"max_surprise": 4.5, "max_tokens": 1000},
		"device": {"battery_below": 20, "power_supply": "/tmp/ps"},
		"remote": {"timeout": "2.5s", "max_latency": 1, "breaker": {"failures": 2}}}`
	yml := `
# a YAML policy
confidence:
  min: 0.5
  min_tokens: 8
mode: continue
prompt: {max_surprise: 4.5, max_tokens: 1000}
device:
  battery_below: 20
  power_supply: /tmp/ps
remote:
  timeout: 2.5s
  max_latency: 1
  breaker:
    failures: 2
`
	pj, err := ParsePolicy([]byte(js), true)
	if err != nil {
		t.Fatal(err)
	}
	py, err := ParsePolicy([]byte(yml), false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pj, py) {
		t.Errorf("JSON %+v\nYAML %+v", pj, py)
	}
	want := DefaultPolicy()
	want.Confidence.Min, want.Confidence.MinTokens, want.Mode = 0.5, 8, ModeContinue
	want.Prompt = PromptRules{MaxSurprise: 4.5, MaxTokens: 1000}
	want.Device = DeviceRules{BatteryBelow: 20, PowerSupply: "/tmp/ps"}
	want.Remote.Timeout, want.Remote.MaxLatency = Duration(2500*time.Millisecond), Duration(time.Second)
	want.Remote.Breaker.Failures = 2
	if !reflect.DeepEqual(pj, want) {
		t.Errorf("got  %+v\nwant %+v", pj, want)
	}
	// A policy written as JSON reads back the same (durations as "2.5s").
	b, err := json.Marshal(pj)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := ParsePolicy(b, true); err != nil || !reflect.DeepEqual(back, pj) || !strings.Contains(string(b), `"timeout":"2.5s"`) {
		t.Errorf("round trip of %s: %+v, %v", b, back, err)
	}
	empty, err := ParsePolicy([]byte("# nothing\n"), false)
	if err != nil || !reflect.DeepEqual(empty, DefaultPolicy()) {
		t.Errorf("an empty file: %+v, %v", empty, err)
	}
}

// TestParsePolicyErrors checks that a mistake in a policy file is an error
// that names it.
func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		yaml, want string
	}{
		{"confidence: {minimum: 0.5}", `unknown field "minimum"`},
		{"confidence: {min: high}", "confidence.min: want float64"},
		{"confidence: {min: 1.5}", "confidence.min 1.5"},
		{"mode: merge", `mode "merge"`},
		{"remote: {timeout: soon}", `duration "soon"`},
		{"remote: {timeout: 0}", "remote.timeout"},
		{"remote: {breaker: {failures: 3, window: 0}}", "remote.breaker"},
		{"device: {battery_below: 120}", "device.battery_below"},
		{"prompt: {max_context_fraction: 2}", "prompt.max_context_fraction"},
		{"- a list", "cannot unmarshal array"},
		{"confidence: [", "yaml"},
	} {
		_, err := ParsePolicy([]byte(tc.yaml), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one with %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := ParsePolicy([]byte(`{"mode": "replace"} {"mode": "continue"}`), true); err == nil {
		t.Error("two JSON policies: no error")
	}
}

// TestFlags checks that the flags given apply over the policy file, and
// that the file's own values stay when a flag is not given.
func TestFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.json")
	os.WriteFile(file, []byte(`{"confidence": {"min": 0.4, "min_tokens": 4}, "mode": "continue"}`), 0o644)
	parse := func(args ...string) (*Router, error) {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		f := AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f.Router()
	}
	r, err := parse("--route-policy", file, "--route-min-tokens", "9", "--fallback-url", "http://127.0.0.1:9/v1")
	if err != nil {
		t.Fatal(err)
	}
	p := r.Policy()
	if p.Confidence.Min != 0.4 || p.Confidence.MinTokens != 9 || p.Mode != ModeContinue || r.Remote() == nil || !r.Enabled() {
		t.Errorf("policy %+v", p)
	}
	if r, err = parse("--private", "--fallback-url", "http://127.0.0.1:9", "--route-mode", "replace", "--min-confidence", "0.9"); err != nil {
		t.Fatal(err)
	}
	if p := r.Policy(); r.Enabled() || !r.Private() || p.Mode != ModeReplace || p.Confidence.Min != 0.9 {
		t.Errorf("private %v, policy %+v", r.Private(), p)
	}
	if !strings.HasPrefix(r.Describe(), "private:") {
		t.Errorf("Describe: %q", r.Describe())
	}
	for _, args := range [][]string{
		{"--route-mode", "merge"},
		{"--min-confidence", "2"},
		{"--route-min-tokens", "-1"},
		{"--route-policy", filepath.Join(dir, "missing.yaml")},
		{"--fallback-url", "ftp://x"},
	} {
		if _, err := parse(args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// fakePower writes a power-supply directory: a battery at capacity with
// status, and an AC adapter online or not.
func fakePower(t *testing.T, capacity, status, acOnline string) string {
	dir := t.TempDir()
	write := func(sup, name, v string) {
		os.MkdirAll(filepath.Join(dir, sup), 0o755)
		os.WriteFile(filepath.Join(dir, sup, name), []byte(v+"\n"), 0o644)
	}
	write("AC", "type", "Mains")
	write("AC", "online", acOnline)
	write("BAT0", "type", "Battery")
	write("BAT0", "present", "1")
	write("BAT0", "capacity", capacity)
	write("BAT0", "status", status)
	return dir
}

func TestReadPower(t *testing.T) {
	for _, tc := range []struct {
		capacity, status, ac string
		want                 Power
	}{
		{"15", "Discharging", "0", Power{Battery: 15, HasBattery: true}},
		{"15", "Charging", "0", Power{Battery: 15, HasBattery: true, OnAC: true}},
		{"80", "Not charging", "1", Power{Battery: 80, HasBattery: true, OnAC: true}},
		{"garbage", "Discharging", "0", Power{OnAC: true}}, // no readable battery: nothing to save
	} {
		if got := readPower(fakePower(t, tc.capacity, tc.status, tc.ac)); got != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc, got, tc.want)
		}
	}
	if got := readPower(filepath.Join(t.TempDir(), "none")); got != (Power{OnAC: true}) {
		t.Errorf("no power-supply directory: %+v", got)
	}
}

// fakeNet writes a net-class directory with loopback and eth0 in state.
func fakeNet(t *testing.T, state string) string {
	dir := t.TempDir()
	for ifc, st := range map[string]string{"lo": "unknown", "eth0": state} {
		os.MkdirAll(filepath.Join(dir, ifc), 0o755)
		os.WriteFile(filepath.Join(dir, ifc, "operstate"), []byte(st+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, ifc, "carrier"), []byte("1\n"), 0o644)
	}
	return dir
}

func TestNetworkUp(t *testing.T) {
	if up, known := networkUp(fakeNet(t, "up")); !up || !known {
		t.Errorf("eth0 up: %v %v", up, known)
	}
	if up, known := networkUp(fakeNet(t, "down")); up || !known {
		t.Errorf("eth0 down (lo up): %v %v", up, known)
	}
	if _, known := networkUp(filepath.Join(t.TempDir(), "none")); known {
		t.Error("no net directory: known")
	}
}

// TestBreaker checks the circuit breaker: it opens after the failures
// within the window, stays open for the cool-down, lets one call through
// then (a failure opens it again at once), closes on a success, forgets
// failures older than the window, and honours a longer Retry-After.
func TestBreaker(t *testing.T) {
	h := &health{rule: BreakerRule{Failures: 3, Window: Duration(time.Minute), Cooldown: Duration(30 * time.Second)}}
	t0 := time.Now()
	fail := errors.New("boom")
	h.failure(t0, fail, time.Time{})
	h.failure(t0.Add(61*time.Second), fail, time.Time{}) // the first is out of the window now
	h.failure(t0.Add(62*time.Second), fail, time.Time{})
	if st := h.state(t0.Add(62 * time.Second)); st.open || st.failures != 2 {
		t.Fatalf("two failures in the window: %+v", st)
	}
	h.failure(t0.Add(63*time.Second), fail, time.Time{})
	if st := h.state(t0.Add(63 * time.Second)); !st.open || !strings.Contains(st.describe(t0.Add(63*time.Second)), "last: boom") {
		t.Fatalf("three failures: %+v", st)
	}
	if !h.state(t0.Add(92*time.Second)).open || h.state(t0.Add(93*time.Second)).open {
		t.Fatal("the breaker does not stay open exactly for the cool-down")
	}
	h.failure(t0.Add(100*time.Second), fail, time.Time{}) // the call after the cool-down fails
	if !h.state(t0.Add(101 * time.Second)).open {
		t.Fatal("a failure after the cool-down does not open the breaker again")
	}
	h.success(40 * time.Millisecond)
	if st := h.state(t0.Add(101 * time.Second)); st.open || st.failures != 0 || st.latency != 40*time.Millisecond {
		t.Fatalf("after a success: %+v", st)
	}
	h.success(140 * time.Millisecond)
	if st := h.state(t0); st.latency != 70*time.Millisecond {
		t.Errorf("moving average %s, want 70ms", st.latency)
	}
	h.failure(t0, fail, t0.Add(time.Hour)) // one failure, but a Retry-After of an hour
	if !h.state(t0.Add(59 * time.Minute)).open {
		t.Error("Retry-After not honoured")
	}
}

// TestRunningConfidence checks the window and the whole-answer means.
func TestRunningConfidence(t *testing.T) {
	r := newRunning(ConfidenceRule{Window: 2, WindowWeight: 0.5})
	for _, lp := range []float64{0, 0, -2, -2} {
		r.add(lp)
	}
	if w, a := r.window(), r.whole(); abs(w-0.1353) > 1e-4 || abs(a-0.3679) > 1e-4 || abs(r.score()-(w+a)/2) > 1e-12 {
		t.Errorf("window %v, whole %v, score %v", w, a, r.score())
	}
	r.add(-1e9) // a token of probability 0 weighs, but not infinitely
	if r.whole() <= 0 || r.window() <= 0 {
		t.Errorf("after an impossible token: window %v, whole %v", r.window(), r.whole())
	}
}

func abs(x float64) float64 { return max(x, -x) }
