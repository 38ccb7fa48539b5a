#!/usr/bin/env python3
"""Writes internal/format/hdf5/testdata/: the HDF5 reader's fixtures.

Run with Debian's python3, which has h5py 3.7 (HDF5 1.10.8) and numpy:
    /usr/bin/python3 testdata/gen/hdf5.py
Outputs are deterministic (object header timestamps are pinned) and
committed; CI never runs this script. Every file is written the
way real writers do (Keras 2 legacy .h5, Keras 3 model.weights.h5, h5py with
each libver bound), plus the hazards the reader must describe (soft and
external links, external storage, virtual datasets, shape bombs). Two large
structures are committed gzip-compressed (*.h5.gz); the Go tests inflate them.

Nothing here is executed by the reader; the Lambda "code" is the base64 of a
marshalled harmless `lambda x: x * 2`, as Keras 2 stores it.
"""
import base64
import ctypes
import glob
import gzip
import json
import marshal
import os
import shutil
import subprocess

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "internal", "format", "hdf5", "testdata")
TMP = "/tmp/modelgate-hdf5-gen"


def path(name):
    return os.path.join(OUT, name)


def lookup3(data, init=0):
    """Bob Jenkins' hashlittle, HDF5's metadata checksum."""
    m = 0xFFFFFFFF
    rot = lambda x, k: ((x << k) | (x >> (32 - k))) & m
    a = b = c = (0xDEADBEEF + len(data) + init) & m
    while len(data) > 12:
        a = (a + int.from_bytes(data[0:4], "little")) & m
        b = (b + int.from_bytes(data[4:8], "little")) & m
        c = (c + int.from_bytes(data[8:12], "little")) & m
        a = (a - c) & m; a ^= rot(c, 4); c = (c + b) & m
        b = (b - a) & m; b ^= rot(a, 6); a = (a + c) & m
        c = (c - b) & m; c ^= rot(b, 8); b = (b + a) & m
        a = (a - c) & m; a ^= rot(c, 16); c = (c + b) & m
        b = (b - a) & m; b ^= rot(a, 19); a = (a + c) & m
        c = (c - b) & m; c ^= rot(b, 4); b = (b + a) & m
        data = data[12:]
    if not data:
        return c
    tail = data + bytes(12 - len(data))
    a = (a + int.from_bytes(tail[0:4], "little")) & m
    b = (b + int.from_bytes(tail[4:8], "little")) & m
    c = (c + int.from_bytes(tail[8:12], "little")) & m
    c ^= b; c = (c - rot(b, 14)) & m
    a ^= c; a = (a - rot(c, 11)) & m
    b ^= a; b = (b - rot(a, 25)) & m
    c ^= b; c = (c - rot(b, 16)) & m
    a ^= c; a = (a - rot(c, 4)) & m
    b ^= a; b = (b - rot(a, 14)) & m
    c ^= b; c = (c - rot(b, 24)) & m
    return c


FIXED_TIME = 1704067200  # 2024-01-01


def fix_times(p):
    """libver='latest' object headers record access, modification, change
    and birth times. Pin them (and re-checksum the header's first chunk) so
    regenerating the fixtures changes nothing."""
    data = bytearray(open(p, "rb").read())
    at = data.find(b"OHDR")
    while at >= 0:
        flags = data[at + 5]
        if data[at + 4] == 2 and flags & 0x20:
            data[at + 6:at + 22] = FIXED_TIME.to_bytes(4, "little") * 4
            pre = 6 + 16 + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 3)
            size = int.from_bytes(data[at + pre:at + pre + width], "little")
            end = at + pre + width + size
            data[end:end + 4] = lookup3(bytes(data[at:end])).to_bytes(4, "little")
        at = data.find(b"OHDR", at + 1)
    open(p, "wb").write(data)


def lambda_layer(name):
    code = base64.b64encode(marshal.dumps((lambda x: x * 2).__code__)).decode()
    return {
        "class_name": "Lambda",
        "config": {
            "name": name, "trainable": True, "dtype": "float32",
            "function": [code, None, None], "function_type": "lambda",
            "module": "__main__", "output_shape": None, "output_shape_type": "raw",
            "output_shape_module": None, "arguments": {},
        },
    }


def dense_layer(name, units):
    return {
        "class_name": "Dense",
        "config": {
            "name": name, "trainable": True, "dtype": "float32", "units": units,
            "activation": "relu", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        },
    }


def model_config(n_dense=2, pad_layers=0):
    layers = [{"class_name": "InputLayer",
               "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                          "sparse": False, "ragged": False, "name": "input_1"}}]
    layers += [dense_layer("dense" if i == 0 else "dense_%d" % i, 4) for i in range(n_dense)]
    layers.append(lambda_layer("lambda"))
    # pad_layers inflates the config the way a deep model does.
    layers += [dense_layer("pad_%d" % i, 8) for i in range(pad_layers)]
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


TRAINING = {"loss": "mse", "metrics": ["mae"], "optimizer_config": {
    "class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001}}}


def keras2(f, n_dense=2, chunked=True, extra_root_attrs=0, fixed=False):
    """Keras 2 legacy_h5_format.save_model_to_hdf5, attribute for attribute."""
    cfg = json.dumps(model_config(n_dense)).encode("utf8")
    if fixed:  # h5py 2 era: bytes became fixed-length strings
        f.attrs["model_config"] = np.bytes_(cfg)
    else:
        f.attrs["model_config"] = cfg
    f.attrs["keras_version"] = b"2.12.0"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["training_config"] = json.dumps(TRAINING).encode("utf8")
    for i in range(extra_root_attrs):
        f.attrs["extra_%02d" % i] = ("value %d" % i).encode()
    mw = f.create_group("model_weights")
    names = ["dense" if i == 0 else "dense_%d" % i for i in range(n_dense)] + ["lambda"]
    mw.attrs["layer_names"] = np.array([n.encode() for n in names])
    mw.attrs["backend"] = b"tensorflow"
    mw.attrs["keras_version"] = b"2.12.0"
    rng = np.random.default_rng(7)
    for i, n in enumerate(names):
        g = mw.create_group(n)
        if n == "lambda":
            g.attrs["weight_names"] = np.array([], dtype="S1")
            continue
        w = [n + "/kernel:0", n + "/bias:0"]
        g.attrs["weight_names"] = np.array([x.encode() for x in w])
        inner = g.create_group(n)
        opts = {"chunks": (2, 4), "compression": "gzip"} if chunked and i == 0 else {}
        inner.create_dataset("kernel:0", data=rng.standard_normal((4, 4)).astype("f4"), **opts)
        inner.create_dataset("bias:0", data=np.zeros(4, "f4"))
    ow = f.create_group("optimizer_weights")
    ow.attrs["weight_names"] = np.array([b"Adam/iter:0"])
    ow.create_group("Adam").create_dataset("iter:0", data=np.int64(10))


def keras2_files():
    for libver, name in (("earliest", "keras2_v0.h5"), ("latest", "keras2_latest.h5")):
        with h5py.File(path(name), "w", libver=libver) as f:
            keras2(f)
    # 12 root attributes: dense attribute storage (fractal heap + v2 B-tree),
    # which the pure-Go library silently missed.
    with h5py.File(path("keras2_dense_v2.h5"), "w", libver=("v108", "latest")) as f:
        keras2(f, extra_root_attrs=8)
    with h5py.File(path("keras2_dense_latest.h5"), "w", libver="latest", track_order=True) as f:
        keras2(f, n_dense=12, extra_root_attrs=20)
    with h5py.File(path("keras2_fixed.h5"), "w", libver="earliest") as f:
        keras2(f, fixed=True, chunked=False)


def split_attrs(tmp):
    """save_attributes_to_hdf5_group splits values over 64512 bytes into
    name0, name1, ... (np.array_split of a numpy S array)."""
    with h5py.File(tmp, "w", libver="earliest") as f:
        f.attrs["model_config"] = json.dumps(model_config()).encode()
        mw = f.create_group("model_weights")
        names = np.array([("layer_with_a_long_name_%04d" % i).encode() for i in range(2600)])
        for i, chunk in enumerate(np.array_split(names, 2)):
            mw.attrs["layer_names%d" % i] = chunk
        mw.attrs["backend"] = b"tensorflow"


def keras3_weights():
    """Keras 3 saving_lib H5IOStore layout: vars groups, datasets 0, 1, ..."""
    rng = np.random.default_rng(3)
    with h5py.File(path("keras3_model.weights.h5"), "w") as f:
        f.create_group("vars")
        for layer, shapes in (("dense", [(4, 8), (8,)]), ("dense_1", [(8, 2), (2,)])):
            v = f.create_group("layers/" + layer).create_group("vars")
            for i, s in enumerate(shapes):
                v[str(i)] = rng.standard_normal(s).astype("f4")
        f.create_group("layers/lambda").create_group("vars")
        o = f.create_group("optimizer").create_group("vars")
        o["0"] = np.int64(3)
        o["1"] = np.float32(0.001)


def links():
    for libver in ("earliest", "latest"):
        with h5py.File(path("links_%s.h5" % libver), "w", libver=libver) as f:
            g = f.create_group("model_weights/dense")
            g["kernel"] = np.ones((2, 2), "f4")
            g["alias"] = h5py.SoftLink("/model_weights/dense/kernel")
            g["dangling"] = h5py.SoftLink("/nowhere")
            g["stolen"] = h5py.ExternalLink("/etc/passwd.h5", "/data")
            f["hard_again"] = g["kernel"]  # a second hard link to one dataset
            f["model_weights/dense/up"] = f["model_weights"]  # a hard-link cycle
    # Old-style groups keep soft links as symbol-table entries (cache type 2).
    with h5py.File(path("soft_symtab.h5"), "w", libver="earliest") as f:
        f["data"] = np.arange(3, dtype="i4")
        f["soft"] = h5py.SoftLink("/data")


def storage_hazards():
    with h5py.File(path("external_storage.h5"), "w") as f:
        f.create_dataset("weights", shape=(16,), dtype="f4",
                         external=[("/etc/passwd", 0, 32), ("secrets.bin", 100, 32)])
    os.makedirs(TMP, exist_ok=True)
    src = os.path.join(TMP, "src.h5")
    with h5py.File(src, "w") as s:
        s["data"] = np.arange(8, dtype="f4")
    with h5py.File(path("virtual.h5"), "w", libver="latest") as f:
        layout = h5py.VirtualLayout(shape=(2, 8), dtype="f4")
        layout[0] = h5py.VirtualSource("/tmp/secret/src.h5", "data", shape=(8,))
        layout[1] = h5py.VirtualSource(".", "local", shape=(8,))
        f["local"] = np.arange(8, dtype="f4")
        f.create_virtual_dataset("vds", layout, fillvalue=0)
    for libver in ("earliest", "latest"):
        with h5py.File(path("shape_bomb_%s.h5" % libver), "w", libver=libver) as f:
            # 4 TB declared, nothing stored: what CVE-2026-0897 loads.
            f.create_dataset("chunked", shape=(10**6, 10**6), dtype="f4", chunks=(1000, 1000))
            # Resizable in both dimensions: a v2 B-tree index when libver is
            # latest (a fixed array would index all 10^6 chunks up front).
            one = f.create_dataset("one_chunk", shape=(10**6, 10**6), dtype="f4",
                                   maxshape=(None, None), chunks=(1000, 1000), compression="gzip")
            one[0:2, 0:2] = 1
            f.create_dataset("contiguous", shape=(2**40,), dtype="u1")
            f.create_dataset("fine", data=np.ones(16, "f4"))


def layouts():
    """Every chunk index libhdf5 1.10 writes, and compact storage."""
    with h5py.File(path("chunk_indexes.h5"), "w", libver="latest") as f:
        f.create_dataset("single", data=np.ones((4, 4), "f4"), chunks=(4, 4))
        f.create_dataset("implicit", shape=(8, 8), dtype="f4", chunks=(2, 2))  # no writes
        fa = f.create_dataset("fixed", shape=(8, 8), dtype="f4", chunks=(2, 2), compression="gzip")
        fa[:4] = 2
        # 2048 one-element chunks: a fixed array paged 1024 entries at a time.
        fp = f.create_dataset("fixed_paged", shape=(2048,), dtype="f4", chunks=(1,))
        fp[:4] = 1
        ea = f.create_dataset("extensible", shape=(4, 4), maxshape=(None, 4), dtype="f4", chunks=(2, 4))
        ea[:] = 1
        bt = f.create_dataset("btree2", shape=(4, 4), maxshape=(None, None), dtype="f4", chunks=(2, 2))
        bt[:] = 1
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        sp = h5py.h5s.create_simple((4,))
        h5py.h5d.create(f.id, b"compact", h5py.h5t.STD_I32LE, sp, dcpl=dcpl)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((2, 2))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        h5py.h5d.create(f.id, b"implicit_early", h5py.h5t.IEEE_F32LE,
                        h5py.h5s.create_simple((8, 8)), dcpl=dcpl)
    with h5py.File(path("chunk_btree1.h5"), "w", libver="earliest") as f:
        d = f.create_dataset("d", shape=(64, 64), dtype="f4", chunks=(4, 4))
        d[:32] = 1  # 128 chunks: a two-level v1 B-tree


def attr_types():
    with h5py.File(path("attr_types.h5"), "w") as f:
        a = f.attrs
        a["i8"] = np.int8(-5)
        a["u16be"] = np.array([1, 2, 65535], dtype=">u2")
        a["i64"] = np.int64(-1234567890123)
        a["f32"] = np.float32(1.5)
        a["bool"] = np.bool_(True)
        a["vlen_list"] = ["alpha", "beta", "gamma"]
        a["fixed_list"] = np.array([b"one", b"three"])
        a["fixed_utf8"] = np.array("h\u00e9llo".encode(), dtype=h5py.string_dtype("utf-8", 6))
        a["empty_vlen"] = ""
        a["matrix"] = np.arange(6, dtype="i4").reshape(2, 3)
        a["compound"] = np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])
        a["enum"] = np.array([0, 1], dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="i1"))
        a.create("array", data=np.array([[1, 2], [3, 4]], "i2"), shape=(2,), dtype=np.dtype(("i2", (2,))))
        a["null"] = h5py.Empty("f4")
        a["ref"] = f.ref
        vi = np.empty(1, dtype=h5py.vlen_dtype("i4"))
        vi[0] = np.arange(3, dtype="i4")
        a["vlen_ints"] = vi
        a["padded"] = np.array([b"x\x00y"], dtype="S5")
        f["type"] = np.dtype("<f8")  # committed datatype
        d = f.create_dataset("typed", shape=(2,), dtype=f["type"])
        d.attrs.create("shared_type_attr", data=np.array([1.0]), dtype=f["type"])
        sp = h5py.h5s.create(h5py.h5s.SCALAR)
        st = h5py.h5t.C_S1.copy()
        st.set_size(8)
        st.set_strpad(h5py.h5t.STR_SPACEPAD)
        h5py.h5a.create(f.id, b"spacepad", st, sp).write(np.array(b"abc     ", dtype="S8"))


def superblocks():
    with h5py.File(path("userblock.h5"), "w", userblock_size=1024) as f:
        f.attrs["model_config"] = b'{"class_name": "Sequential"}'
        f["x"] = np.arange(4, dtype="f4")
    with open(path("userblock.h5"), "r+b") as fh:
        fh.write(b"#!/bin/sh\necho this is a userblock\n")
    # Superblock v1 (non-default indexed-storage K) with 4-byte offsets and
    # lengths; h5py does not expose H5Pset_istore_k, so call libhdf5 directly.
    lib = ctypes.CDLL(glob.glob("/usr/lib/x86_64-linux-gnu/libhdf5_serial.so.*")[0])
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if lib.H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(64)) < 0:
        raise SystemExit("H5Pset_istore_k failed")
    fcpl.set_sizes(4, 4)
    fid = h5py.h5f.create(path("sb1_small_offsets.h5").encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.attrs["model_config"] = b'{"class_name": "Sequential"}'
        f.create_dataset("c", data=np.arange(64, dtype="f4"), chunks=(8,))
        f.create_group("g").attrs["n"] = np.int32(7)
        f["g/soft"] = h5py.SoftLink("/c")


def compressed(name, build):
    """Builds a fixture too large to commit raw, then stores it gzip'd."""
    os.makedirs(TMP, exist_ok=True)
    tmp = os.path.join(TMP, name)
    build(tmp)
    fix_times(tmp)
    with open(tmp, "rb") as src, gzip.GzipFile(path(name + ".gz"), "wb", mtime=0) as dst:
        shutil.copyfileobj(src, dst)


def many(tmp):
    """Deep structures: 1500 attributes (a depth-2 v2 B-tree name index and a
    fractal heap with child indirect blocks), 1000 soft links (dense links), a
    150 KB attribute (a huge heap object) and a v1 B-tree of symbol nodes."""
    with h5py.File(tmp, "w", libver="latest") as f:
        g = f.create_group("attrs")
        for i in range(1500):
            g.attrs["attribute_number_%05d" % i] = np.bytes_(b"v" * 600)
        g.attrs["huge"] = np.frombuffer(b"H" * 150000, dtype="S1")
        links = f.create_group("links")
        for i in range(1000):
            links["link_%05d" % i] = h5py.SoftLink("/attrs")


def old_groups(tmp):
    with h5py.File(tmp, "w", libver="earliest") as f:
        g = f.create_group("wide")
        for i in range(400):
            g.create_group("member_%04d" % i)


def big_config(tmp):
    """The issue's acceptance case: a Keras .h5 of 2 GiB whose model_config
    is about 200 KB. The dataset is allocated (one element written at its
    end) so the file really spans 2 GiB; only the metadata prefix is kept,
    and the test presents it at its full declared size."""
    full = tmp + ".full"
    with h5py.File(full, "w", libver="earliest") as f:
        cfg = json.dumps(model_config(pad_layers=480)).encode("utf8")
        assert 190_000 < len(cfg) < 220_000, len(cfg)
        f.attrs["model_config"] = cfg
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["training_config"] = json.dumps(TRAINING).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([b"embedding"])
        g = mw.create_group("embedding/embedding")
        d = g.create_dataset("embeddings:0", shape=(2**19, 1024), dtype="f4")
        d[-1, -1] = 1.0
    size = os.path.getsize(full)
    assert size >= 2 << 30, size
    # Keep everything before the dataset's storage.
    out = subprocess.run(["h5dump", "-H", "-p", full], capture_output=True, text=True, check=True).stdout
    off = int(out.split("OFFSET")[1].split()[0])
    with open(full, "rb") as src, open(tmp, "wb") as dst:
        dst.write(src.read(off))
    os.remove(full)


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.h5*")):
        os.remove(old)
    keras2_files()
    keras3_weights()
    links()
    storage_hazards()
    layouts()
    attr_types()
    superblocks()
    compressed("split_attrs.h5", split_attrs)
    compressed("many.h5", many)
    compressed("old_groups.h5", old_groups)
    compressed("big_config.h5", big_config)
    for p in glob.glob(os.path.join(OUT, "*.h5")):
        fix_times(p)
    for p in sorted(glob.glob(os.path.join(OUT, "*.h5*"))):
        print("%8d %s" % (os.path.getsize(p), os.path.relpath(p, ROOT)))


if __name__ == "__main__":
    main()
