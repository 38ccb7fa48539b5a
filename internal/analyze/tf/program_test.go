package tf

import (
	"testing"

	"github.com/modelgate/modelgate/internal/format/tfgraph"
)

func call(name, fn string, inputs ...string) *tfgraph.Node {
	return &tfgraph.Node{Name: name, Op: "StatefulPartitionedCall", Inputs: inputs, Attrs: []tfgraph.Attr{{Key: "f", Funcs: []string{fn}}}}
}

// TestSaverOwnsItsOps: SaveV2 in the function the SaverDef's save tensor
// calls is the saver's, unless the serving path calls that function too.
func TestSaverOwnsItsOps(t *testing.T) {
	save := &tfgraph.Node{Name: "SaveV2", Op: "SaveV2", Inputs: []string{"file_prefix"}}
	restore := &tfgraph.Node{Name: "RestoreV2", Op: "RestoreV2", Inputs: []string{"file_prefix"}}
	fns := []*tfgraph.Function{
		{Name: "save_fn", Args: []string{"file_prefix"}, Nodes: []*tfgraph.Node{save}},
		{Name: "restore_fn", Args: []string{"file_prefix"}, Nodes: []*tfgraph.Node{restore}},
	}
	saver := &tfgraph.Saver{Filename: "saver_filename:0", Save: "save_call:0", Restore: "restore_call"}
	base := []*tfgraph.Node{
		{Name: "saver_filename", Op: "Placeholder"},
		call("save_call", "save_fn", "saver_filename"),
		call("restore_call", "restore_fn", "saver_filename"),
	}
	tests := []struct {
		name                 string
		extra                []*tfgraph.Node
		saveOwned, restOwned bool
	}{
		{"standard saver", nil, true, true},
		{"serving calls the save function", []*tfgraph.Node{call("serving", "save_fn", "x")}, false, true},
		{"serving calls the restore function", []*tfgraph.Node{call("serving", "restore_fn", "x")}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &tfgraph.Graph{Nodes: append(append([]*tfgraph.Node(nil), base...), tc.extra...), Functions: fns}
			pr := newProgram(g, saver, nil, "graph", 0)
			if pr.save[save] != tc.saveOwned || pr.restore[restore] != tc.restOwned {
				t.Fatalf("save owned %v restore owned %v", pr.save[save], pr.restore[restore])
			}
		})
	}
}

func TestEscapes(t *testing.T) {
	for p, want := range map[string]bool{
		"vocab.txt": false, "assets/vocab.txt": false, "/etc/passwd": true, "../x": true, "a/../../x": true,
		"C:\\Windows\\win.ini": true, "gs://bucket/x": true, "\\\\host\\share": true,
	} {
		if escapes(p) != want {
			t.Errorf("escapes(%q) = %v", p, !want)
		}
	}
}

// TestRecursiveBranchTerminates: a branch function that calls itself
// through an If is decided (not constant) instead of recursing forever.
func TestRecursiveBranchTerminates(t *testing.T) {
	self := &tfgraph.Node{Name: "again", Op: "If", Inputs: []string{"x", "x"},
		Attrs: []tfgraph.Attr{{Key: "then_branch", Funcs: []string{"loop"}}, {Key: "else_branch", Funcs: []string{"loop"}}}}
	g := &tfgraph.Graph{Functions: []*tfgraph.Function{{Name: "loop", Args: []string{"x"}, Rets: []string{"again:output:0"}, Nodes: []*tfgraph.Node{self}}}}
	pr := newProgram(g, nil, nil, "graph", 0)
	if pr.constantFunction("loop") {
		t.Fatal("a self-recursive branch was judged constant")
	}
}
