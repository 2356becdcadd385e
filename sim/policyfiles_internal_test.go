package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// policyFiles are the files that hold policies (and the policies' own helpers: easy's index, the
// backfill scan shared by quota and fairshare). They may use only the view's and the plan's
// methods and their own state; everything else of the engine is out of their reach. preempt.go is
// not among them: it is the engine's side of preemption (stopping a run, requeueing it); the
// policy's side, choosing victims, is in quota.go.
var policyFiles = []string{"fifo.go", "easy.go", "easyindex.go", "quota.go", "fairshare.go", "scan.go"}

// engineTypes are the engine's internal types: a policy file names none of them and selects none
// of their fields. The view's vocabulary (room, queued, reservation, outcome) is allowed.
var engineTypes = []string{"engine", "view", "plan", "running", "pool", "world", "site", "ownerLedger",
	"jobRec", "queue", "nodeSet", "estHeap", "preRec", "eventQueue", "group", "gtype"}

// TestPolicyFilesUseOnlyTheView fails when a policy file reaches into the engine: a selector on a
// *view or *plan that is not one of their methods (v.e, v.pl, p.e), a field of an engine type
// selected on anything, or an engine type named.
func TestPolicyFilesUseOnlyTheView(t *testing.T) {
	fset := token.NewFileSet()
	pkg := parsePackage(t, fset, ".")
	rules := newViewRules(pkg)
	for _, name := range policyFiles {
		f, ok := pkg[name]
		if !ok {
			t.Fatalf("policy file %s not found", name)
		}
		for _, p := range rules.check(fset, f) {
			t.Errorf("%s", p)
		}
	}
}

// TestViewRulesCatchViolations checks the checker on policy code that breaks each rule, and on
// code that keeps them.
func TestViewRulesCatchViolations(t *testing.T) {
	fset := token.NewFileSet()
	rules := newViewRules(parsePackage(t, fset, "."))
	for _, tc := range []struct {
		name, src string
		bad       int // violations expected
	}{
		{"view's engine", `func (p *x) Schedule(v *view, pl *plan) { _ = v.e.now }`, 3},
		{"view's pool", `func (p *x) Schedule(v *view, pl *plan) { _ = v.pl.q }`, 3},
		{"plan's engine", `func (p *x) Schedule(v *view, pl *plan) { pl.e.preempt(nil, 0) }`, 2},
		{"in a closure", `func (p *x) Schedule(v *view, pl *plan) { f := func(w *view) int32 { return w.e.n }; _ = f }`, 3},
		{"ledger field", `func (p *x) f(l *ownerLedger) { _ = l.overN }`, 2},
		{"engine named", `func (p *x) f(v *view) { var e *engine; _ = e }`, 1},
		{"methods only", `func (p *x) Schedule(v *view, pl *plan) { if v.Free().GPUs > 0 && v.Waiting(0) { pl.Start(0) }; _ = p.order }`, 0},
	} {
		f, err := parser.ParseFile(fset, tc.name+".go", "package sim\n"+tc.src, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := rules.check(fset, f); len(got) != tc.bad {
			t.Errorf("%s: %d violations %q, want %d", tc.name, len(got), got, tc.bad)
		}
	}
}

func parsePackage(t *testing.T, fset *token.FileSet, dir string) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := map[string]*ast.File{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, n, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkg[filepath.Base(n)] = f
	}
	return pkg
}

// viewRules are what the checker knows of the package: the methods of view and plan, and the
// fields of the engine's types that no policy file declares for itself.
type viewRules struct {
	methods   map[string]map[string]bool // by receiver type
	forbidden map[string]bool            // field names
}

func newViewRules(pkg map[string]*ast.File) viewRules {
	r := viewRules{methods: map[string]map[string]bool{"view": {}, "plan": {}}, forbidden: map[string]bool{}}
	own := map[string]bool{}
	for name, f := range pkg {
		isPolicy := slices.Contains(policyFiles, name)
		ast.Inspect(f, func(n ast.Node) bool {
			switch d := n.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 {
					if m := r.methods[typeName(d.Recv.List[0].Type)]; m != nil {
						m[d.Name.Name] = true
					}
				}
			case *ast.TypeSpec:
				st, ok := d.Type.(*ast.StructType)
				if !ok {
					return true
				}
				for _, fl := range st.Fields.List {
					for _, id := range fl.Names {
						switch {
						case isPolicy:
							own[id.Name] = true
						case slices.Contains(engineTypes, d.Name.Name):
							r.forbidden[id.Name] = true
						}
					}
				}
			}
			return true
		})
	}
	for n := range own {
		delete(r.forbidden, n)
	}
	return r
}

// typeName is T for T and *T.
func typeName(x ast.Expr) string {
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// check returns the violations in f, each with its position.
func (r viewRules) check(fset *token.FileSet, f *ast.File) []string {
	var out []string
	bad := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	// Identifiers declared as *view or *plan, by name (parameters of functions and closures).
	typed := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		var ft *ast.FuncType
		switch d := n.(type) {
		case *ast.FuncDecl:
			ft = d.Type
		case *ast.FuncLit:
			ft = d.Type
		}
		if ft != nil && ft.Params != nil {
			for _, fl := range ft.Params.List {
				if s, ok := fl.Type.(*ast.StarExpr); ok {
					if tn := typeName(s); r.methods[tn] != nil {
						for _, id := range fl.Names {
							typed[id.Name] = tn
						}
					}
				}
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				if tn, ok := typed[id.Name]; ok && !r.methods[tn][x.Sel.Name] {
					bad(x, id.Name+"."+x.Sel.Name+": not a method of "+tn)
				}
			}
			if r.forbidden[x.Sel.Name] {
				bad(x, "."+x.Sel.Name+": a field of the engine's types")
			}
		case *ast.Ident:
			if slices.Contains(engineTypes, x.Name) && x.Name != "view" && x.Name != "plan" && x.Name != "running" {
				bad(x, x.Name+": an engine type")
			}
		}
		return true
	})
	return out
}
