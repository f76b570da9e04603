package gollm

import (
	"runtime/debug"
	"sync"
)

// modulePath is the path of this module, as go.mod declares it.
const modulePath = "github.com/gollm/gollm"

// Version returns the version of the gollm module linked into the running
// program, from its build information: the tag `go install ...@v1.2.3` or
// `go get` fetched, a pseudo-version such as
// v0.0.0-20261204120000-abcdef123456 (+dirty for uncommitted changes) for a
// build from a git checkout, or "(devel)" when the build has no version
// (go run, or a build outside version control).
func Version() string {
	versionOnce.Do(func() { version = versionOf(debug.ReadBuildInfo()) })
	return version
}

var (
	versionOnce sync.Once
	version     string
)

// versionOf finds this module's version in build information: the main
// module (a gollm binary) or a dependency (a program that uses the
// library), following a replace directive.
func versionOf(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "(devel)"
	}
	if info.Main.Path == modulePath {
		return nonEmpty(info.Main.Version)
	}
	for _, d := range info.Deps {
		if d.Path != modulePath {
			continue
		}
		if d.Replace != nil {
			return nonEmpty(d.Replace.Version)
		}
		return nonEmpty(d.Version)
	}
	return "(devel)"
}

func nonEmpty(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}
