package main

import (
	"fmt"
	"io"

	"github.com/google/renameio/v2"
)

// writeOutput writes an output file whole or not at all: fill writes into a temporary file in
// path's directory, which replaces path (atomically, by rename) only when fill and the close
// succeed. On any failure path is left as it was, absent or the previous complete file, so a
// 0-byte or cut-off file never passes for a result. The file gets os.Create's permissions.
func writeOutput(path string, fill func(io.Writer) error) error {
	pf, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o666))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer pf.Cleanup()
	if err := fill(pf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
