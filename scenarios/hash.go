package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// hash is the sha256 of the scenario's canonical YAML (YAML rather than JSON because a scenario may
// hold infinities, such as max_owner_load: .inf), with every file it reads replaced by the
// sha256 of that file's contents, so moving a scenario and its files keeps the hash.
func (s *Scenario) hash(digests map[string]string) (string, error) {
	c := s.Clone()
	// The study is not the world: a sweep or reps changes no run, and a plan's results cite the
	// same hash whether its sweep came from the file or from --sweep.
	c.Sweep, c.Reps = nil, 0
	if t := c.Workload.Trace; t != nil && digests[t.File] != "" {
		t.File = "sha256:" + digests[t.File]
	}
	if f := c.Owners.PoolsFile; f != "" && digests[f] != "" {
		c.Owners.PoolsFile = "sha256:" + digests[f]
	}
	data, err := yaml.Marshal(canonical{Version: 1, Scenario: c})
	if err != nil {
		return "", fmt.Errorf("scenarios: hash: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// canonical versions the hashed form: a change to what is hashed bumps Version.
type canonical struct {
	Version  int       `yaml:"version"`
	Scenario *Scenario `yaml:"scenario"`
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("scenarios: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("scenarios: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
