# Prints, as JSON, the opcode facts of the interpreter that runs it.
# Run by mktables.py under every installed CPython (2.7, 3.6-3.13); the
# output feeds tables_gen.go. Compatible with Python 2.7 on purpose.
import json
import opcode
import sys


def names(lst):
    return sorted(set(opcode.opname[o] for o in lst if o < 256))


def cache_entries():
    ice = getattr(opcode, "_inline_cache_entries", None)
    if ice is None:
        return {}
    if isinstance(ice, dict):  # 3.13: name -> count
        return dict((k, v) for k, v in ice.items() if v)
    return dict((opcode.opname[o], n) for o, n in enumerate(ice) if n)  # 3.11/3.12: list by opcode


def specializations():
    spec = getattr(opcode, "_specializations", None)
    if spec is None:
        try:
            import _opcode_metadata
            spec = _opcode_metadata._specializations
        except ImportError:
            spec = {}
    return dict((base, sorted(fam)) for base, fam in spec.items())


def opmap():
    ops = dict((k, v) for k, v in opcode.opmap.items() if v < 256)
    # 3.11/3.12 list specialised forms outside opmap; they are real opcodes.
    ops.update(getattr(opcode, "_specialized_opmap", {}) or {})
    try:
        import _opcode_metadata
        ops.update(dict((k, v) for k, v in _opcode_metadata._specialized_opmap.items()))
    except (ImportError, AttributeError):
        pass
    # 3.11/3.12 give specialised forms the free slots, in order (dis._all_opmap).
    import dis
    ops.update(getattr(dis, "_all_opmap", {}))
    return dict((k, v) for k, v in ops.items() if v is not None and v < 256)


def main():
    out = {
        "version": "%d.%d" % sys.version_info[:2],
        "opmap": opmap(),
        "have_argument": opcode.HAVE_ARGUMENT,
        "extended_arg": opcode.EXTENDED_ARG,
        "hasname": names(opcode.hasname),
        "hasconst": names(opcode.hasconst),
        "haslocal": names(opcode.haslocal),
        "hasfree": names(opcode.hasfree),
        "hasjrel": names(opcode.hasjrel),
        "hasjabs": names(opcode.hasjabs),
        "hascompare": names(opcode.hascompare),
        "cache": cache_entries(),
        "specializations": specializations(),
    }
    json.dump(out, sys.stdout, sort_keys=True, indent=1)


main()
