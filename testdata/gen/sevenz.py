#!/usr/bin/env python3
"""Writes the 7z fixtures of internal/format/sevenz/testdata/ with the 7zz
tool (Debian package 7zip), one per coder and header layout the reader
supports or must refuse:
    python3 testdata/gen/sevenz.py
samples.py uses archive() for the 7z rule samples. Outputs are
deterministic (fixed times and modes, one thread) except the encrypted ones
(AES draws a random IV), and committed; tests never run 7zz.
"""
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "internal", "format", "sevenz", "testdata")
FIXED_TIME = 1704067200


def archive(members, *switches, cwd_name="in"):
    """A 7z archive of members: (name, bytes) for files, (name, None) for
    directories, (name, "->target") for symbolic links (stored with -snl).
    Names are given to 7zz as written, so "../x" needs -spf."""
    with tempfile.TemporaryDirectory() as d:
        top = os.path.join(d, cwd_name)
        os.makedirs(top)
        names = []
        for name, data in members:
            path = os.path.normpath(os.path.join(top, name))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if data is None:
                os.makedirs(path, exist_ok=True)
                os.chmod(path, 0o755)
            elif isinstance(data, str):
                os.symlink(data[2:], path)
            else:
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, 0o644)
            names.append(name)
        for name, data in members:
            path = os.path.normpath(os.path.join(top, name))
            os.utime(path, (FIXED_TIME, FIXED_TIME), follow_symlinks=not isinstance(data, str))
        out = os.path.join(d, "out.7z")
        cmd = ["7zz", "a", "-bd", "-bso0", "-mmt=1", "-mtm=off", "-mtc=off", "-mta=off", *switches, out, *names]
        subprocess.run(cmd, cwd=top, check=True)
        with open(out, "rb") as f:
            return f.read()


def x86_like(n, seed):
    """Bytes full of CALL/JMP opcodes followed by near addresses, plus runs
    of E8/E9 close together: what the BCJ filter converts and the corner
    cases of its state."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < n:
        kind = rng.random()
        if kind < 0.5:
            out += bytes([rng.choice((0xE8, 0xE9))]) + rng.randrange(-1 << 20, 1 << 20).to_bytes(4, "little", signed=True)
        elif kind < 0.6:
            out += bytes(rng.choice((0xE8, 0xE9, 0x00, 0xFF)) for _ in range(rng.randrange(1, 8)))
        else:
            out += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
    return bytes(out[:n])


def text(n, seed):
    rng = random.Random(seed)
    words = [b"tensor", b"weight", b"bias", b"layer", b"model", b"float32", b"shape"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


# The standard members: a small text, a larger compressible file that
# spans several decoder buffers, and an empty file.
STANDARD = [
    ("a.txt", b"hello, 7z\n"),
    ("dir/b.bin", text(70_000, 1)),
    ("dir/empty", b""),
]


def fixtures():
    yield "copy.7z", STANDARD, ["-m0=copy"]
    yield "lzma.7z", STANDARD, ["-m0=lzma"]
    yield "lzma2.7z", STANDARD, ["-m0=lzma2"]
    yield "bzip2.7z", STANDARD, ["-m0=bzip2"]
    yield "deflate.7z", STANDARD, ["-m0=deflate"]
    yield "delta.7z", STANDARD, ["-m0=delta:4", "-m1=lzma"]
    x86 = [("code.bin", x86_like(70_000, 2)), ("a.txt", b"hello, 7z\n")]
    yield "bcj_lzma.7z", x86, ["-m0=bcj", "-m1=lzma"]
    yield "bcj_lzma2.7z", x86, ["-m0=bcj", "-m1=lzma2"]
    many = [("f%02d.txt" % i, text(1000 + 997 * i, 10 + i)) for i in range(12)]
    yield "solid.7z", many, ["-m0=lzma2", "-ms=on"]
    yield "nonsolid.7z", many, ["-m0=lzma2", "-ms=off"]
    yield "dirs.7z", [("d", None), ("d/sub", None), ("d/empty", b""), ("d/x.txt", b"x\n")], []
    yield "header_plain.7z", STANDARD, ["-mhc=off"]
    yield "encrypted_content.7z", STANDARD, ["-pinfected"]
    yield "encrypted_header.7z", STANDARD, ["-pinfected", "-mhe=on"]
    yield "symlink.7z", [("a.txt", b"hello, 7z\n"), ("link", "->../../etc/passwd")], ["-snl"]
    # Coders the reader refuses: small inputs, only the headers matter.
    small = [("code.bin", x86_like(2000, 3))]
    yield "ppmd.7z", small, ["-m0=ppmd"]
    yield "bcj2.7z", small, ["-m0=bcj2", "-m1=lzma", "-m2=lzma", "-m3=lzma", "-mb0s0:1", "-mb0s1:2", "-mb0s2:3"]
    yield "arm64.7z", small, ["-m0=arm64", "-m1=lzma2"]
    yield "empty_archive.7z", [], []


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, members, switches in fixtures():
        data = empty_archive() if not members else archive(members, *switches)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


def empty_archive():
    """7zz refuses to create an archive of nothing; delete the only file."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.7z")
        with open(os.path.join(d, "x"), "wb") as f:
            f.write(b"x")
        subprocess.run(["7zz", "a", "-bd", "-bso0", path, "x"], cwd=d, check=True)
        subprocess.run(["7zz", "d", "-bd", "-bso0", path, "x"], cwd=d, check=True)
        with open(path, "rb") as f:
            return f.read()


if __name__ == "__main__":
    main()
