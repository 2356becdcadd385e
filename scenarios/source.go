package scenarios

// BuiltinSource returns the YAML text of a built-in scenario, comments included: the comments cite
// the source of every number, and reports quote them.
func BuiltinSource(name string) ([]byte, bool) {
	file, ok := builtinFile(name)
	if !ok {
		return nil, false
	}
	data, err := builtinFS.ReadFile(file)
	return data, err == nil
}

// QuickHash is the hash Build would give, computed without generating the workload; ok is false for
// a scenario that reads files (a trace or a pools file), whose hash covers their contents and only
// Build computes. Reports use it to check that a scenario is the one behind a results file.
func (s *Scenario) QuickHash() (hash string, ok bool, err error) {
	if s.Workload.Trace != nil || s.Owners.PoolsFile != "" {
		return "", false, nil
	}
	if err := s.Validate(); err != nil {
		return "", false, err
	}
	h, err := s.hash(map[string]string{})
	return h, err == nil, err
}
