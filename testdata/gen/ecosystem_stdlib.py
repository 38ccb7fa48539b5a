# -*- coding: utf-8 -*-
"""Per-interpreter half of the benign ecosystem corpus (see ecosystem.py).

Runs under every CPython the machines carry (2.7 and 3.6-3.13, standard
library only) and writes, for every pickle protocol that interpreter
supports, the kinds of objects training scripts pickle without any ML
library: a run record of standard-library value types, and a model object of
the author's own classes (a __main__ class instance, a bound method of it, an
old-style class on Python 2, an Enum and a namedtuple on Python 3).

usage: python ecosystem_stdlib.py OUTDIR
Prints one manifest line per file: relative name, TAB, what it is.
Stays Python 2 compatible on purpose; nothing here loads a pickle.
"""
from __future__ import print_function

import argparse
import array
import collections
import datetime
import decimal
import fractions
import os
import pickle
import platform
import re
import sys
import uuid

PY3 = sys.version_info[0] >= 3


class Net(object):
    """Stands for a model class from the author's own training script."""

    def __init__(self, sizes):
        self.sizes = list(sizes)
        self.weights = [[0.0] * n for n in sizes]
        self.config = {"lr": 0.01, "epochs": 3}

    def predict(self, x):
        return x


if not PY3:
    exec("class OldStyle:\n    def __init__(self):\n        self.tag = 'old-style class'\n")

Point = collections.namedtuple("Point", "x y")

if PY3:
    import enum
    import pathlib
    import types

    class Phase(enum.Enum):
        TRAIN = 1
        EVAL = 2


def record():
    """A training-run record made only of standard-library value types."""
    counts = collections.Counter("abracadabra")
    history = collections.defaultdict(list)
    history["loss"].extend([0.9, 0.5, 0.25])
    args = argparse.Namespace(lr=0.1, batch_size=32, arch="resnet18")
    rec = collections.OrderedDict()
    rec["name"] = u"run-\u00e9t\u00e9"
    rec["raw"] = b"\x00\x01\xff" if PY3 else bytearray(b"\x00\x01\xff")
    rec["buffer"] = bytearray(b"abc")
    rec["numbers"] = (1, -2, 2 ** 70, 3.5, complex(1, -1), True, None)
    rec["sets"] = [set([1, 2, 3]), frozenset(["a", "b"])]
    rec["counts"] = counts
    rec["history"] = history
    rec["queue"] = collections.deque([1, 2, 3], maxlen=5)
    rec["when"] = datetime.datetime(2024, 1, 2, 3, 4, 5, 6)
    rec["day"] = datetime.date(2024, 1, 2)
    rec["clock"] = datetime.time(12, 30)
    rec["took"] = datetime.timedelta(seconds=90)
    rec["price"] = decimal.Decimal("12.50")
    rec["ratio"] = fractions.Fraction(3, 4)
    rec["id"] = uuid.UUID("12345678-1234-5678-1234-567812345678")
    rec["args"] = args
    rec["pattern"] = re.compile(r"layer\.(\d+)\.weight", re.I)
    rec["array"] = array.array("d", [1.0, 2.0, 3.0])
    rec["window"] = slice(1, 10, 2)
    rec["span"] = range(0, 10, 2) if PY3 else xrange(0, 10, 2)  # noqa: F821
    if PY3:
        rec["tz"] = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
        rec["ellipsis"] = Ellipsis
        rec["ns"] = types.SimpleNamespace(seed=7)
        rec["path"] = pathlib.PurePosixPath("runs/exp1/model.pt")
        rec["chain"] = collections.ChainMap({"a": 1}, {"b": 2})
    return rec


def model():
    """The author's own model objects, as whole-object pickles hold them."""
    net = Net([3, 2])
    out = {"net": net, "point": Point(1, 2)}
    if PY3:
        out["phase"] = Phase.EVAL
        out["predict"] = net.predict  # a bound method: getattr(net, 'predict')
    else:
        out["old"] = OldStyle()  # noqa: F821
    return out


def main():
    outdir = sys.argv[1]
    if not os.path.isdir(outdir):
        os.makedirs(outdir)
    ver = "%d.%d" % sys.version_info[:2]
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        for kind, make, what in (
            ("record", record, "standard-library value types (containers, datetime, Decimal, UUID, Namespace, re, array)"),
            ("model", model, "the author's own classes (__main__ instance, bound method, Enum, namedtuple)"),
        ):
            name = "%s_p%d.pkl" % (kind, proto)
            with open(os.path.join(outdir, name), "wb") as f:
                pickle.dump(make(), f, protocol=proto)
            print("%s\tCPython %s\tpickle protocol %d: %s" % (name, platform.python_version(), proto, what))
    _ = ver


if __name__ == "__main__":
    main()
