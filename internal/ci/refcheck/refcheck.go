package refcheck

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// forbidden are the references a reader of the repository cannot follow. They are spelt in pieces
// so that this file does not list itself.
var forbidden = []string{"design" + ".md", "facts" + ".md", "/work" + "/shared"}

// checked are the file kinds a reader is sent to: code comments, docs, scenarios (whose comments
// the policy brief quotes as sources) and unit files.
var checked = []string{".go", ".md", ".yaml", ".yml", ".service"}

// Hit is one line that mentions a forbidden reference.
type Hit struct {
	Path string // slash-separated, relative to the scanned root
	Line int    // 1-based
	Ref  string // the forbidden reference found
}

func (h Hit) String() string { return fmt.Sprintf("%s:%d: mentions %s", h.Path, h.Line, h.Ref) }

// Scan reads every checked file under fsys, skipping version-control folders and the shared
// folder of public traces (shared/ at the root, where a checkout may keep it), and returns the
// hits in path and line order.
func Scan(fsys fs.FS) ([]Hit, error) {
	var hits []Hit
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || p == "shared") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isChecked(p) {
			return nil
		}
		found, err := scanFile(fsys, p)
		hits = append(hits, found...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("refcheck: %w", err)
	}
	return hits, nil
}

func isChecked(p string) bool {
	ext := path.Ext(p)
	for _, e := range checked {
		if ext == e {
			return true
		}
	}
	return false
}

func scanFile(fsys fs.FS, p string) ([]Hit, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hits []Hit
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		for _, ref := range forbidden {
			if strings.Contains(line, ref) {
				hits = append(hits, Hit{Path: p, Line: n, Ref: ref})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return hits, nil
}
