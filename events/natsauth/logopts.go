package natsauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gpuplan/gpuplan/events/jetstream"
)

// logFile records the subject prefix and stream names that Init was given, so that AddNode
// issues collectors for the same log.
const logFile = "log.json"

type logOptions struct {
	Prefix       string `json:"prefix,omitempty"`
	StreamPrefix string `json:"stream_prefix,omitempty"`
}

func writeLogOptions(dir string, o jetstream.Options) error {
	b, err := json.Marshal(logOptions{Prefix: o.Prefix, StreamPrefix: o.StreamPrefix})
	if err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	return writeNew(filepath.Join(dir, logFile), append(b, '\n'))
}

func readLogOptions(dir string) (jetstream.Options, error) {
	p := filepath.Join(dir, logFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return jetstream.Options{}, nil
	}
	if err != nil {
		return jetstream.Options{}, fmt.Errorf("natsauth: %w", err)
	}
	var o logOptions
	if err := json.Unmarshal(b, &o); err != nil {
		return jetstream.Options{}, fmt.Errorf("natsauth: %s: %w", p, err)
	}
	return jetstream.Options{Prefix: o.Prefix, StreamPrefix: o.StreamPrefix}, nil
}
