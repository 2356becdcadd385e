package main

import (
	"runtime/debug"
	"strings"
)

// version is what --version and the results' "version" say: the module version from the build
// information, and the commit when the binary was built from a checkout.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf reads a build information: the main module's version ("devel" for an unversioned
// build such as go run or go test), then, when the go command stamped one, the commit
// (vcs.revision, 12 hex digits as in pseudo-versions) and whether the checkout had uncommitted
// changes (vcs.modified), unless the version already names the commit, as the pseudo-version Go
// 1.24+ gives a checkout does (v0.0.0-20261127112203-56c81d7bc6a6+dirty).
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" || strings.Contains(v, rev) {
		return v // a checkout's pseudo-version names the commit, and "+dirty" a modified one
	}
	if modified {
		return v + " (commit " + rev + ", modified)"
	}
	return v + " (commit " + rev + ")"
}
