// Package pickle decodes the Python pickle opcode stream (protocols 0 to 5)
// without executing it. The Decoder is a streaming, bounded reader: argument
// lengths are checked against the bytes that remain, long arguments are
// skipped rather than allocated, and every opcode carries its byte offset.
// Interpreting the opcodes (stack, memo, calls) is the analyzer's job.
package pickle

// Opcodes, named as in CPython's Lib/pickle.py.
const (
	MARK            = '('
	STOP            = '.'
	POP             = '0'
	POP_MARK        = '1'
	DUP             = '2'
	FLOAT           = 'F'
	INT             = 'I'
	BININT          = 'J'
	BININT1         = 'K'
	LONG            = 'L'
	BININT2         = 'M'
	NONE            = 'N'
	PERSID          = 'P'
	BINPERSID       = 'Q'
	REDUCE          = 'R'
	STRING          = 'S'
	BINSTRING       = 'T'
	SHORT_BINSTRING = 'U'
	UNICODE         = 'V'
	BINUNICODE      = 'X'
	APPEND          = 'a'
	BUILD           = 'b'
	GLOBAL          = 'c'
	DICT            = 'd'
	EMPTY_DICT      = '}'
	APPENDS         = 'e'
	GET             = 'g'
	BINGET          = 'h'
	INST            = 'i'
	LONG_BINGET     = 'j'
	LIST            = 'l'
	EMPTY_LIST      = ']'
	OBJ             = 'o'
	PUT             = 'p'
	BINPUT          = 'q'
	LONG_BINPUT     = 'r'
	SETITEM         = 's'
	TUPLE           = 't'
	EMPTY_TUPLE     = ')'
	SETITEMS        = 'u'
	BINFLOAT        = 'G'

	PROTO    = 0x80
	NEWOBJ   = 0x81
	EXT1     = 0x82
	EXT2     = 0x83
	EXT4     = 0x84
	TUPLE1   = 0x85
	TUPLE2   = 0x86
	TUPLE3   = 0x87
	NEWTRUE  = 0x88
	NEWFALSE = 0x89
	LONG1    = 0x8a
	LONG4    = 0x8b

	BINBYTES       = 'B'
	SHORT_BINBYTES = 'C'

	SHORT_BINUNICODE = 0x8c
	BINUNICODE8      = 0x8d
	BINBYTES8        = 0x8e
	EMPTY_SET        = 0x8f
	ADDITEMS         = 0x90
	FROZENSET        = 0x91
	NEWOBJ_EX        = 0x92
	STACK_GLOBAL     = 0x93
	MEMOIZE          = 0x94
	FRAME            = 0x95

	BYTEARRAY8      = 0x96
	NEXT_BUFFER     = 0x97
	READONLY_BUFFER = 0x98
)

// HighestProtocol is the newest protocol CPython understands.
const HighestProtocol = 5

// argKind says how an opcode's argument is encoded.
type argKind uint8

const (
	argInvalid argKind = iota // not an opcode
	argNone
	argU1      // 1-byte unsigned
	argU2      // 2-byte unsigned little-endian
	argI4      // 4-byte signed little-endian
	argU4      // 4-byte unsigned little-endian
	argU8      // 8-byte unsigned little-endian (FRAME)
	argF8      // 8-byte big-endian IEEE double
	argBytes1  // 1-byte length, then bytes
	argBytes4  // 4-byte unsigned length, then bytes
	argBytes4s // 4-byte signed length (negative is an error), then bytes
	argBytes8  // 8-byte length, then bytes
	argLine    // bytes up to a newline
	argLines   // two newline-terminated lines (module, name)
)

// Value kinds of decoded arguments, for opcodes whose text argument must be
// converted the way CPython does.
type lineKind uint8

const (
	lineRaw      lineKind = iota
	lineInt               // INT, GET, PUT
	lineLong              // LONG (optional trailing L)
	lineFloat             // FLOAT
	lineString            // STRING: a quoted Python bytes literal
	lineUnicode           // UNICODE: raw-unicode-escape
	lineASCIIPID          // PERSID
)

type opInfo struct {
	name  string
	arg   argKind
	line  lineKind
	proto uint8
}

// table describes every opcode; bytes that are not opcodes have argInvalid.
var table = [256]opInfo{
	MARK:             {"MARK", argNone, lineRaw, 0},
	STOP:             {"STOP", argNone, lineRaw, 0},
	POP:              {"POP", argNone, lineRaw, 0},
	POP_MARK:         {"POP_MARK", argNone, lineRaw, 1},
	DUP:              {"DUP", argNone, lineRaw, 0},
	FLOAT:            {"FLOAT", argLine, lineFloat, 0},
	INT:              {"INT", argLine, lineInt, 0},
	BININT:           {"BININT", argI4, lineRaw, 1},
	BININT1:          {"BININT1", argU1, lineRaw, 1},
	LONG:             {"LONG", argLine, lineLong, 0},
	BININT2:          {"BININT2", argU2, lineRaw, 1},
	NONE:             {"NONE", argNone, lineRaw, 0},
	PERSID:           {"PERSID", argLine, lineASCIIPID, 0},
	BINPERSID:        {"BINPERSID", argNone, lineRaw, 1},
	REDUCE:           {"REDUCE", argNone, lineRaw, 0},
	STRING:           {"STRING", argLine, lineString, 0},
	BINSTRING:        {"BINSTRING", argBytes4s, lineRaw, 1},
	SHORT_BINSTRING:  {"SHORT_BINSTRING", argBytes1, lineRaw, 1},
	UNICODE:          {"UNICODE", argLine, lineUnicode, 0},
	BINUNICODE:       {"BINUNICODE", argBytes4, lineRaw, 1},
	APPEND:           {"APPEND", argNone, lineRaw, 0},
	BUILD:            {"BUILD", argNone, lineRaw, 0},
	GLOBAL:           {"GLOBAL", argLines, lineRaw, 0},
	DICT:             {"DICT", argNone, lineRaw, 0},
	EMPTY_DICT:       {"EMPTY_DICT", argNone, lineRaw, 1},
	APPENDS:          {"APPENDS", argNone, lineRaw, 1},
	GET:              {"GET", argLine, lineInt, 0},
	BINGET:           {"BINGET", argU1, lineRaw, 1},
	INST:             {"INST", argLines, lineRaw, 0},
	LONG_BINGET:      {"LONG_BINGET", argU4, lineRaw, 1},
	LIST:             {"LIST", argNone, lineRaw, 0},
	EMPTY_LIST:       {"EMPTY_LIST", argNone, lineRaw, 1},
	OBJ:              {"OBJ", argNone, lineRaw, 1},
	PUT:              {"PUT", argLine, lineInt, 0},
	BINPUT:           {"BINPUT", argU1, lineRaw, 1},
	LONG_BINPUT:      {"LONG_BINPUT", argU4, lineRaw, 1},
	SETITEM:          {"SETITEM", argNone, lineRaw, 0},
	TUPLE:            {"TUPLE", argNone, lineRaw, 0},
	EMPTY_TUPLE:      {"EMPTY_TUPLE", argNone, lineRaw, 1},
	SETITEMS:         {"SETITEMS", argNone, lineRaw, 1},
	BINFLOAT:         {"BINFLOAT", argF8, lineRaw, 1},
	PROTO:            {"PROTO", argU1, lineRaw, 2},
	NEWOBJ:           {"NEWOBJ", argNone, lineRaw, 2},
	EXT1:             {"EXT1", argU1, lineRaw, 2},
	EXT2:             {"EXT2", argU2, lineRaw, 2},
	EXT4:             {"EXT4", argI4, lineRaw, 2},
	TUPLE1:           {"TUPLE1", argNone, lineRaw, 2},
	TUPLE2:           {"TUPLE2", argNone, lineRaw, 2},
	TUPLE3:           {"TUPLE3", argNone, lineRaw, 2},
	NEWTRUE:          {"NEWTRUE", argNone, lineRaw, 2},
	NEWFALSE:         {"NEWFALSE", argNone, lineRaw, 2},
	LONG1:            {"LONG1", argBytes1, lineRaw, 2},
	LONG4:            {"LONG4", argBytes4s, lineRaw, 2},
	BINBYTES:         {"BINBYTES", argBytes4, lineRaw, 3},
	SHORT_BINBYTES:   {"SHORT_BINBYTES", argBytes1, lineRaw, 3},
	SHORT_BINUNICODE: {"SHORT_BINUNICODE", argBytes1, lineRaw, 4},
	BINUNICODE8:      {"BINUNICODE8", argBytes8, lineRaw, 4},
	BINBYTES8:        {"BINBYTES8", argBytes8, lineRaw, 4},
	EMPTY_SET:        {"EMPTY_SET", argNone, lineRaw, 4},
	ADDITEMS:         {"ADDITEMS", argNone, lineRaw, 4},
	FROZENSET:        {"FROZENSET", argNone, lineRaw, 4},
	NEWOBJ_EX:        {"NEWOBJ_EX", argNone, lineRaw, 4},
	STACK_GLOBAL:     {"STACK_GLOBAL", argNone, lineRaw, 4},
	MEMOIZE:          {"MEMOIZE", argNone, lineRaw, 4},
	FRAME:            {"FRAME", argU8, lineRaw, 4},
	BYTEARRAY8:       {"BYTEARRAY8", argBytes8, lineRaw, 5},
	NEXT_BUFFER:      {"NEXT_BUFFER", argNone, lineRaw, 5},
	READONLY_BUFFER:  {"READONLY_BUFFER", argNone, lineRaw, 5},
}

// Name returns the opcode's name, or "" for a byte that is not an opcode.
func Name(code byte) string { return table[code].name }

// Valid reports whether code is a pickle opcode.
func Valid(code byte) bool { return table[code].arg != argInvalid }

// Protocol returns the protocol that introduced the opcode.
func Protocol(code byte) int { return int(table[code].proto) }
