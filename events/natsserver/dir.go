package natsserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir returns the default data directory (see the package doc for the rule).
func DefaultDir() (string, error) {
	base, err := dataHome()
	if err != nil {
		return "", fmt.Errorf("natsserver: default data directory: %w (give one with --data)", err)
	}
	return filepath.Join(base, "gpuplan", "nats"), nil
}

// dataHome is the user's data directory. Go has os.UserConfigDir and os.UserCacheDir but nothing
// for data, so the XDG rule is written out here.
func dataHome() (string, error) {
	// XDG says relative values are invalid and must be ignored.
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		return os.UserConfigDir() // ~/Library/Application Support, where macOS apps keep data
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}
