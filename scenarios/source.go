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
