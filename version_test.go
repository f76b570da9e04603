package gollm

import (
	"runtime/debug"
	"testing"
)

// TestVersionOf reads the module's version from build information, as
// the main module, as a dependency (replaced or not), or not at all.
func TestVersionOf(t *testing.T) {
	for _, c := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.2.3"}}, true, "v1.2.3"},
		{&debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, true, "(devel)"},
		{&debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "v0.1.0"},
			Deps: []*debug.Module{{Path: "golang.org/x/sys", Version: "v0.49.0"}, {Path: modulePath, Version: "v0.4.0"}}}, true, "v0.4.0"},
		{&debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.4.0", Replace: &debug.Module{Path: "../gollm"}}}}, true, "(devel)"},
		{&debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}}, true, "(devel)"},
		{nil, false, "(devel)"},
	} {
		if got := versionOf(c.info, c.ok); got != c.want {
			t.Errorf("%+v: %q, want %q", c.info, got, c.want)
		}
	}
}
