//go:build !unix

package natsserver

import "os"

// lockDir does nothing where flock is missing: keep one server per directory by hand there.
func lockDir(string) (*os.File, error) { return nil, nil }
