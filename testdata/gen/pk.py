"""A tiny pickle opcode assembler for hand-built fixtures.

Fixtures that attack scanners must be written opcode by opcode: letting
Python's pickler produce them would mean defining (and risking running) the
payload objects. Nothing here imports or calls what the pickles name.
"""
import struct

MARK, STOP, POP, TUPLE, REDUCE, BUILD, DICT, LIST = b"(", b".", b"0", b"t", b"R", b"b", b"d", b"l"
EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, SETITEM, SETITEMS, APPEND, APPENDS = b"}", b"]", b")", b"s", b"u", b"a", b"e"
NONE, NEWTRUE, NEWFALSE, TUPLE1, TUPLE2, TUPLE3 = b"N", b"\x88", b"\x89", b"\x85", b"\x86", b"\x87"
STACK_GLOBAL, MEMOIZE, NEWOBJ, NEWOBJ_EX, OBJ = b"\x93", b"\x94", b"\x81", b"\x92", b"o"


def proto(n):
    return b"\x80" + bytes([n])


def frame(n):
    return b"\x95" + struct.pack("<Q", n)


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def inst(module, name):
    return b"i" + module.encode() + b"\n" + name.encode() + b"\n"


def s(text):
    """SHORT_BINUNICODE or BINUNICODE."""
    b = text.encode()
    if len(b) < 256:
        return b"\x8c" + bytes([len(b)]) + b
    return b"X" + struct.pack("<I", len(b)) + b


def u0(text):
    """Protocol 0 UNICODE (raw-unicode-escape line)."""
    return b"V" + text.encode("raw_unicode_escape") + b"\n"


def string0(text):
    """Protocol 0 STRING (quoted)."""
    return b"S" + repr(text).encode() + b"\n"


def binstring(b):
    return b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<I", len(b)) + b


def bb(b):
    """SHORT_BINBYTES / BINBYTES."""
    return b"C" + bytes([len(b)]) + b if len(b) < 256 else b"B" + struct.pack("<I", len(b)) + b


def i(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    return b"J" + struct.pack("<i", n)


def put(n):
    return b"q" + bytes([n])


def get(n):
    return b"h" + bytes([n])


def put0(n):
    return b"p" + str(n).encode() + b"\n"


def get0(n):
    return b"g" + str(n).encode() + b"\n"


def ext1(code):
    return b"\x82" + bytes([code])


def stack_global(module, name):
    return s(module) + s(name) + STACK_GLOBAL


def call(module, name, *args):
    """protocol 2 style: GLOBAL, args tuple, REDUCE."""
    return glob(module, name) + MARK + b"".join(args) + TUPLE + REDUCE


def pickle(*ops, p=2):
    return proto(p) + b"".join(ops) + STOP
