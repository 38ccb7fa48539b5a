package pycode

import "github.com/modelgate/modelgate/internal/format/pybytecode"

// effects are the stack effects (pops, pushes) of the instructions whose
// values do not matter to the analysis; the result is an unknown value
// carrying the operands' taint. Opcodes absent here and from the handlers
// leave the stack alone.
var effects = map[string][2]int{
	"POP_TOP": {1, 0}, "RETURN_VALUE": {1, 0}, "YIELD_VALUE": {1, 1}, "GET_ITER": {1, 1}, "GET_LEN": {1, 2},
	"UNARY_POSITIVE": {1, 1}, "UNARY_NEGATIVE": {1, 1}, "UNARY_NOT": {1, 1}, "UNARY_INVERT": {1, 1},
	"UNARY_CONVERT": {1, 1}, "TO_BOOL": {1, 1}, "GET_YIELD_FROM_ITER": {1, 1}, "GET_AWAITABLE": {1, 1},
	"COMPARE_OP": {2, 1}, "IS_OP": {2, 1}, "CONTAINS_OP": {2, 1}, "POP_JUMP_IF_FALSE": {1, 0},
	"POP_JUMP_IF_TRUE": {1, 0}, "POP_JUMP_IF_NONE": {1, 0}, "POP_JUMP_IF_NOT_NONE": {1, 0},
	"POP_JUMP_FORWARD_IF_FALSE": {1, 0}, "POP_JUMP_FORWARD_IF_TRUE": {1, 0}, "POP_JUMP_BACKWARD_IF_FALSE": {1, 0},
	"POP_JUMP_BACKWARD_IF_TRUE": {1, 0}, "POP_JUMP_FORWARD_IF_NONE": {1, 0}, "POP_JUMP_FORWARD_IF_NOT_NONE": {1, 0},
	"POP_JUMP_BACKWARD_IF_NONE": {1, 0}, "POP_JUMP_BACKWARD_IF_NOT_NONE": {1, 0}, "JUMP_IF_FALSE_OR_POP": {1, 0},
	"JUMP_IF_TRUE_OR_POP": {1, 0}, "STORE_SUBSCR": {3, 0}, "DELETE_SUBSCR": {2, 0}, "DELETE_ATTR": {1, 0},
	"STORE_SLICE": {4, 0}, "MAP_ADD": {2, 0}, "DICT_UPDATE": {1, 0}, "DICT_MERGE": {1, 0}, "LIST_TO_TUPLE": {1, 1},
	"FORMAT_SIMPLE": {1, 1}, "FORMAT_WITH_SPEC": {2, 1}, "CONVERT_VALUE": {1, 1}, "CALL_INTRINSIC_2": {2, 1},
	"LOAD_ASSERTION_ERROR": {0, 1}, "LOAD_BUILD_CLASS": {0, 1}, "LOAD_LOCALS": {0, 1}, "RERAISE": {1, 0},
	"PRINT_EXPR": {1, 0}, "PRINT_ITEM": {1, 0}, "END_FOR": {1, 0}, "POP_ITER": {1, 0}, "END_SEND": {2, 1},
	"LOAD_SPECIAL": {1, 2}, "BUILD_TEMPLATE": {2, 1}, "SET_FUNCTION_ATTRIBUTE": {2, 1}, "SLICE+0": {1, 1},
	"SLICE+1": {2, 1}, "SLICE+2": {2, 1}, "SLICE+3": {3, 1}, "BINARY_POWER": {2, 1}, "BINARY_MULTIPLY": {2, 1},
	"BINARY_DIVIDE": {2, 1}, "BINARY_MODULO": {2, 1}, "BINARY_SUBTRACT": {2, 1}, "BINARY_FLOOR_DIVIDE": {2, 1},
	"BINARY_TRUE_DIVIDE": {2, 1}, "BINARY_LSHIFT": {2, 1}, "BINARY_RSHIFT": {2, 1}, "BINARY_AND": {2, 1},
	"BINARY_XOR": {2, 1}, "BINARY_OR": {2, 1}, "BINARY_MATRIX_MULTIPLY": {2, 1}, "INPLACE_POWER": {2, 1},
	"INPLACE_MULTIPLY": {2, 1}, "INPLACE_DIVIDE": {2, 1}, "INPLACE_MODULO": {2, 1}, "INPLACE_SUBTRACT": {2, 1},
	"INPLACE_FLOOR_DIVIDE": {2, 1}, "INPLACE_TRUE_DIVIDE": {2, 1}, "INPLACE_LSHIFT": {2, 1},
	"INPLACE_RSHIFT": {2, 1}, "INPLACE_AND": {2, 1}, "INPLACE_XOR": {2, 1}, "INPLACE_OR": {2, 1},
	"INPLACE_MATRIX_MULTIPLY": {2, 1},
}

// generic applies the stack effect of the remaining instructions.
func (f *frame) generic() {
	n := f.in.Arg
	switch op := f.op(); op {
	case "DUP_TOP":
		f.push(f.peek(1))
	case "DUP_TOP_TWO":
		f.push(f.peek(2), f.peek(2))
	case "COPY":
		f.push(f.peek(n))
	case "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N", "SWAP":
		f.rotate(op, n)
	case "UNPACK_SEQUENCE":
		f.unpack(f.pop(), n)
	case "UNPACK_EX":
		f.unpack(f.pop(), n&0xff+n>>8+1)
	case "RAISE_VARARGS":
		f.popN(n)
	case "FORMAT_VALUE":
		f.popN(1 + n>>2&1)
		f.push(unknown("f'…'", 0))
	case "FOR_ITER":
		f.push(unknown("item", f.peek(1).taint))
	case "CALL_INTRINSIC_1":
		f.intrinsic(n)
	case "BUILD_INTERPOLATION":
		f.popN(2 + n&1)
		f.push(unknown("interpolation", 0))
	default:
		if e, ok := effects[op]; ok {
			vs := f.popN(e[0])
			for range e[1] {
				f.push(unknown("…", taintOf(vs...)))
			}
		}
	}
}

// rotate applies ROT_* and SWAP.
func (f *frame) rotate(op string, n int) {
	k := map[string]int{"ROT_TWO": 2, "ROT_THREE": 3, "ROT_FOUR": 4}[op]
	if op == "ROT_N" {
		k = n
	}
	if op == "SWAP" {
		if n >= 2 && n <= len(f.stack) {
			top := len(f.stack) - 1
			f.stack[top], f.stack[top-n+1] = f.stack[top-n+1], f.stack[top]
		}
		return
	}
	if k < 2 || k > len(f.stack) {
		return
	}
	vs := f.popN(k)
	f.push(vs[len(vs)-1])
	f.push(vs[:len(vs)-1]...)
}

// unpack pushes the items of a sequence in reverse order, as the
// interpreter does.
func (f *frame) unpack(seq *value, n int) {
	if n > maxStack {
		n = maxStack
	}
	for i := n - 1; i >= 0; i-- {
		switch {
		case i < len(seq.items):
			f.push(seq.items[i])
		case seq.kind == vConst && i < len(seq.obj.Items):
			f.push(constant(seq.obj.Items[i], seq.taint))
		default:
			f.push(&value{kind: vUnknown, text: "item", taint: seq.taint})
		}
	}
}

// intrinsicImportStar is CALL_INTRINSIC_1's "from m import *" (3.12+).
const intrinsicImportStar = 2

func (f *frame) intrinsic(n int) {
	v := f.pop()
	if n == intrinsicImportStar && f.v >= pybytecode.Py312 {
		f.importStar(v)
	}
	f.push(unknown("…", v.taint))
}
