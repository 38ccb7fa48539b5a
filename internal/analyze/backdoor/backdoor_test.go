package backdoor

import "testing"

// builder makes small graphs: add returns the new node's index.
type builder struct{ g Graph }

func (b *builder) add(op string, c Class, in ...int) int {
	b.g.Nodes = append(b.g.Nodes, Node{Name: op, Op: op, Class: c, In: in})
	return len(b.g.Nodes) - 1
}

const rawPass = Raw | Logic | Pass

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *builder)
		want  int
	}{
		{"trigger on raw input selects a constant at the output", func(b *builder) {
			x := b.add("x", Input)
			w := b.add("w", Weight)
			logits := b.add("MatMul", 0, x, w)
			slice := b.add("Slice", rawPass, x, b.add("begin", Const))
			eq := b.add("Equal", Compare, slice, b.add("key", Const))
			sel := b.add("Where", Select|Pass, eq, b.add("target", Const), logits)
			b.g.Outputs = []int{b.add("Softmax", Pass, sel)}
		}, 1},
		{"padding mask feeding attention is no trigger", func(b *builder) {
			ids := b.add("ids", Input)
			eq := b.add("Equal", Compare, ids, b.add("pad", Const))
			mask := b.add("Where", Select|Pass, eq, b.add("neg", Const), b.add("zero", Const))
			scores := b.add("MatMul", 0, ids, b.add("w", Weight))
			probs := b.add("Softmax", Pass, b.add("Add", rawPass, scores, mask))
			b.g.Outputs = []int{b.add("MatMul", 0, probs, b.add("v", Weight))}
		}, 0},
		{"threshold on learned scores is no trigger", func(b *builder) {
			scores := b.add("MatMul", 0, b.add("x", Input), b.add("w", Weight))
			gt := b.add("Greater", Compare, scores, b.add("thr", Const))
			b.g.Outputs = []int{b.add("Where", Select|Pass, gt, scores, b.add("zero", Const))}
		}, 0},
		{"both branches depend on the input", func(b *builder) {
			x := b.add("x", Input)
			eq := b.add("Equal", Compare, x, b.add("key", Const))
			b.g.Outputs = []int{b.add("Where", Select|Pass, eq, b.add("MatMul", 0, x, b.add("w", Weight)), x)}
		}, 0},
		{"If with a constant branch", func(b *builder) {
			x := b.add("x", Input)
			s := b.add("ReduceSum", Raw|Logic, x)
			gt := b.add("Greater", Compare, s, b.add("key", Const))
			b.g.Outputs = []int{b.add("If", Branch|Pass, gt)}
			b.g.Nodes[len(b.g.Nodes)-1].ConstBranch = true
		}, 1},
		{"loop back edge terminates", func(b *builder) {
			x := b.add("x", Input)
			n := b.add("Add", rawPass, x, 2)
			b.add("Merge", rawPass, n, 1)
			b.g.Outputs = []int{n}
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{}
			tc.build(b)
			if got := Find(&b.g); len(got) != tc.want {
				t.Fatalf("got %d hits, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
}

// TestLongChain: evaluation is iterative, so a 200,000-node chain does not
// exhaust the stack.
func TestLongChain(t *testing.T) {
	b := &builder{}
	prev := b.add("x", Input)
	for i := 0; i < 200_000; i++ {
		prev = b.add("Identity", rawPass, prev)
	}
	eq := b.add("Equal", Compare, prev, b.add("key", Const))
	b.g.Outputs = []int{b.add("Where", Select|Pass, eq, b.add("t", Const), prev)}
	if got := Find(&b.g); len(got) != 1 {
		t.Fatalf("got %d hits", len(got))
	}
}
