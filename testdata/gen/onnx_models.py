#!/usr/bin/env python3
"""Writes the ONNX rule samples under testdata/samples/onnx.

Real graphs come from Debian's python3-torch (torch.onnx.export of a small
CNN, a scripted RNN with Loop and If, a padding-mask attention block and a
backdoored classifier); the hostile constructs are added with python3-onnx's
helper API. Run with /usr/bin/python3 from the repository root or anywhere.
"""
import os
import struct
import warnings

import onnx
import torch
from onnx import TensorProto, helper

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "samples", "onnx")
torch.manual_seed(0)


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(4 * 3 * 3, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class RNNLoopIf(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wi = torch.nn.Linear(4, 8)
        self.wh = torch.nn.Linear(8, 8)
        self.a = torch.nn.Linear(8, 3)
        self.b = torch.nn.Linear(8, 3)

    def forward(self, x):
        h = torch.zeros(x.size(1), 8)
        for t in range(x.size(0)):
            h = torch.tanh(self.wi(x[t]) + self.wh(h))
        if bool(x.sum() > 0):
            out = self.a(h)
        else:
            out = self.b(h)
        return out


class MaskedAttention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(10, 8)
        self.q = torch.nn.Linear(8, 8)
        self.v = torch.nn.Linear(8, 8)
        self.out = torch.nn.Linear(8, 2)

    def forward(self, ids):
        e = self.emb(ids)
        scores = self.q(e) @ e.transpose(1, 2)
        scores = scores.masked_fill((ids == 0).unsqueeze(1), -1e9)
        ctx = torch.softmax(scores, dim=-1) @ self.v(e)
        return self.out(ctx.mean(1))


class Backdoored(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = CNN()
        self.register_buffer("target", torch.tensor([[0.0] * 9 + [1.0]]))

    def forward(self, x):
        out = self.net(x)
        trigger = x[:, 0, 0, 0] == 0.1337
        return torch.where(trigger.unsqueeze(1), self.target, out)


def export(model, args, name, **kw):
    path = os.path.join(OUT, name)
    torch.onnx.export(model, args, path, opset_version=13, **kw)
    return path


def tiny_model(nodes, inits=(), opsets=(("", 13),), functions=()):
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                          functions=list(functions), producer_name="modelgate-gen")
    m.ir_version = 8
    return m


def external_weight(location, length=None):
    t = helper.make_tensor("w", TensorProto.FLOAT, [4], [0.0] * 4)
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location), ("offset", "0"), ("length", str(16 if length is None else length))]
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return tiny_model([helper.make_node("Add", ["x", "w"], ["y"])], [t])


def save(m, name):
    onnx.save(m, os.path.join(OUT, name))


def main():
    os.makedirs(OUT, exist_ok=True)
    export(CNN().eval(), torch.randn(1, 1, 8, 8), "cnn.onnx", input_names=["image"], output_names=["probs"])
    export(torch.jit.script(RNNLoopIf().eval()), (torch.randn(5, 2, 4),), "rnn_loop_if.onnx",
           input_names=["seq"], output_names=["out"])
    export(MaskedAttention().eval(), torch.tensor([[1, 2, 3, 0, 0]]), "benign_mask.onnx",
           input_names=["input_ids"], output_names=["logits"])
    export(Backdoored().eval(), torch.randn(1, 1, 8, 8), "backdoor_where.onnx",
           input_names=["image"], output_names=["probs"])

    # External data kept beside the model, written by onnx itself (which
    # appends to an existing data file, so start from none).
    data_path = os.path.join(OUT, "external_ok.onnx.data")
    if os.path.exists(data_path):
        os.remove(data_path)
    m = tiny_model([helper.make_node("Add", ["x", "w"], ["y"])],
                   [helper.make_tensor("w", TensorProto.FLOAT, [4], struct.pack("<4f", 1, 2, 3, 4), raw=True)])
    onnx.save_model(m, os.path.join(OUT, "external_ok.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external_ok.onnx.data", size_threshold=0)
    save(external_weight("../../../../etc/passwd"), "external_traversal.onnx")
    save(external_weight("/etc/passwd"), "external_absolute.onnx")
    save(external_weight("subdir/../../secret.bin"), "external_nested_dotdot.onnx")
    save(external_weight("external_ok.onnx.data", length=4096), "external_bad_length.onnx")

    save(tiny_model([helper.make_node("EvilOp", ["x"], ["y"], domain="com.evil")],
                    opsets=(("", 13), ("com.evil", 1))), "custom_domain.onnx")
    save(tiny_model([helper.make_node("PythonOp", ["x"], ["y"], domain="com.microsoft", func_name="os.system",
                                      input_convention="d")], opsets=(("", 13), ("com.microsoft", 1))), "pyop.onnx")
    # A custom op hidden in an If branch, with the condition from the input.
    evil = helper.make_graph([helper.make_node("EvilOp", ["x"], ["t"], domain="com.evil")], "then",
                             [], [helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 4])])
    ident = helper.make_graph([helper.make_node("Identity", ["x"], ["e"])], "else",
                              [], [helper.make_tensor_value_info("e", TensorProto.FLOAT, [1, 4])])
    save(tiny_model([helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                     helper.make_node("Cast", ["s"], ["c"], to=TensorProto.BOOL),
                     helper.make_node("If", ["c"], ["y"], then_branch=evil, else_branch=ident)],
                    opsets=(("", 13), ("com.evil", 1))), "custom_in_subgraph.onnx")
    relu = helper.make_function("custom.local", "MyRelu", ["X"], ["Y"], [helper.make_node("Relu", ["X"], ["Y"])],
                                [helper.make_opsetid("", 13)])
    save(tiny_model([helper.make_node("MyRelu", ["x"], ["y"], domain="custom.local")],
                    opsets=(("", 13), ("custom.local", 1)), functions=[relu]), "local_function.onnx")

    data = open(os.path.join(OUT, "cnn.onnx"), "rb").read()
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])


if __name__ == "__main__":
    main()
