#!/usr/bin/env python3
"""Review aid for the allowlist's class wildcards (internal/analyze/pickle/allowlist.go).

For every module a Classes entry covers (less its Except submodules and any
tests/testing module), with the installed libraries:
  1. lists class-named callables that a module re-exports from outside the
     library (a wildcard admits them under the re-exporting module's name);
  2. greps the source of every covered class's __init__, __new__ and
     __setstate__ for file, process, network, import and deserialisation
     calls.
Both lists are for a person to read; nothing is loaded from a model file.

    cd /tmp && /usr/bin/python3 /path/to/testdata/gen/wildcard_audit.py
Keep WILDCARDS in step with allowlist.go.
"""
import collections
import importlib
import inspect
import pkgutil
import re
import warnings

warnings.filterwarnings("ignore")

WILDCARDS = {
    "sklearn": ["datasets", "externals", "utils", "experimental", "_build_utils", "_config", "_distributor_init", "__check_build"],
    "torch.nn": ["parallel"], "torch.ao.nn": [], "torch.optim": [],
    "torchvision.models": [], "torchvision.ops": [], "torchvision.transforms": [],
    "numpy.random": [], "numpy.dtypes": [],
    "pandas.core.indexes": [], "pandas.core.arrays": [], "pandas.core.dtypes.dtypes": [], "pandas._libs.tslibs.offsets": [],
    "statsmodels.regression": [], "statsmodels.discrete": [], "statsmodels.genmod": [], "statsmodels.robust": [],
    "statsmodels.tsa": ["x13"], "statsmodels.base": [],
}
TESTS = {"tests", "test", "testing", "_testing", "conftest"}
RISKY = re.compile(r"\bopen\(|subprocess|os\.system|urlopen|urlretrieve|mkdir|makedirs|\bexec\(|\beval\(|__import__|import_module|"
                   r"pickle\.load|torch\.load|joblib\.load|np\.load|requests\.|download|socket|Popen|tempfile|\.write\(")


def covered_modules(root, exc):
    try:
        pkg = importlib.import_module(root)
    except Exception as e:  # not installed
        print("skip %s: %s" % (root, e))
        return
    yield pkg
    for m in pkgutil.walk_packages(getattr(pkg, "__path__", []), root + "."):
        rest = m.name[len(root) + 1:]
        if TESTS & set(rest.split(".")) or any(rest == e or rest.startswith(e + ".") for e in exc):
            continue
        try:
            yield importlib.import_module(m.name)
        except Exception:
            continue


def main():
    reexports = collections.defaultdict(set)
    risky = []
    for root, exc in WILDCARDS.items():
        lib = root.split(".")[0]
        seen = set()
        for mod in covered_modules(root, exc):
            for attr, val in list(vars(mod).items()):
                a = attr.lstrip("_")
                if not a or not "A" <= a[0] <= "Z" or not callable(val):
                    continue
                owner = getattr(val, "__module__", "") or ""
                if not owner.startswith(lib):
                    reexports["%s.%s" % (owner, getattr(val, "__qualname__", attr))].add(mod.__name__ + "." + attr)
                if not inspect.isclass(val) or val in seen:
                    continue
                seen.add(val)
                for meth in ("__init__", "__new__", "__setstate__"):
                    f = val.__dict__.get(meth)
                    try:
                        m = RISKY.search(inspect.getsource(f)) if f is not None else None
                    except (OSError, TypeError):
                        m = None
                    if m:
                        risky.append("%s.%s.%s: %s" % (val.__module__, val.__qualname__, meth, m.group(0)))
    print("== class-named callables re-exported from outside their library")
    for name, where in sorted(reexports.items()):
        print("%s  (%d, e.g. %s)" % (name, len(where), sorted(where)[0]))
    print("== constructors and __setstate__ whose source mentions a risky call")
    for line in sorted(set(risky)):
        print(line)


if __name__ == "__main__":
    main()
