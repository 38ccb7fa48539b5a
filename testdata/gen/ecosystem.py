#!/usr/bin/env python3
"""Writes testdata/ecosystem/: the benign ecosystem corpus and its MANIFEST.tsv.

Every file is what an ordinary user of one of these libraries saves: whole
torchvision models, state dicts, optimizer and scheduler state, fitted
scikit-learn estimators and pipelines (pickle and every joblib compression),
xgboost boosters, gensim and nltk models, pandas frames of every dtype, scipy
sparse matrices, statsmodels results, numpy arrays, dill and cloudpickle
dumps, and pickles of every protocol from CPython 2.7 and 3.6-3.13. Every one
must scan `safe`; internal/analyze/pickle/ecosystem_test.go asserts it.

Parameter tensors are shrunk to one-element storages expanded to their
original shapes (stride 0): the pickle structure, which is what a scanner
reads, is unchanged, and the whole corpus stays small.

Run from a clean directory with Debian's python3 (torch, torchvision,
sklearn, joblib, xgboost, gensim, pandas, scipy, statsmodels, nltk, numpy,
dill, cloudpickle) and the pyenv CPythons for the per-version pickles:
    cd /tmp && /usr/bin/python3 /path/to/testdata/gen/ecosystem.py
Outputs are committed; CI never runs this script. Only benign objects are
pickled; nothing is ever loaded.
"""
import argparse
import collections
import datetime
import functools
import io
import os
import pickle
import platform
import random
import shutil
import subprocess
import sys
import types
import warnings

warnings.filterwarnings("ignore")

# Set and dict orders of strings follow the hash seed: fix it (for this
# process and the per-version helpers) so that regenerating rewrites the
# same bytes. Legacy torch.save archives still differ between runs: they
# name storages by memory address.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "testdata", "ecosystem")
PYENV = os.path.expanduser("~/.pyenv/versions")
CPYTHONS = ["2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]

import numpy as np  # noqa: E402

ROWS = []
PROTO_CYCLE = [0, 1, 2, 3, 4, 5]
_proto_i = [0]


def next_proto():
    p = PROTO_CYCLE[_proto_i[0] % len(PROTO_CYCLE)]
    _proto_i[0] += 1
    return p


def path(rel):
    p = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def note(rel, producer, what):
    ROWS.append((rel, producer, what))


def version(mod):
    return "%s %s" % (mod.__name__, mod.__version__)


PY = "CPython %s" % platform.python_version()


def project(modname, obj, name):
    """Place obj in a stand-in for the author's own package (mylab.*), so
    that pickle references it by that module path, as it would a class or
    function from the user's project."""
    parts = modname.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    obj.__module__, obj.__qualname__ = modname, name
    setattr(sys.modules[modname], name, obj)
    return obj


def dump(rel, obj, producer, what, protocol=None):
    if protocol is None:
        protocol = next_proto()
    try:
        data = pickle.dumps(obj, protocol=protocol)
    except TypeError:
        if protocol >= 2:
            raise
        protocol = 2  # classes with __slots__ need protocol 2
        data = pickle.dumps(obj, protocol=protocol)
    with open(path(rel), "wb") as f:
        f.write(data)
    note(rel, producer + " / " + PY, "pickle protocol %d: %s" % (protocol, what))


# ------------------------------------------------------------------ torch

def torch_section():
    import torch
    import torch.nn as nn
    import torchvision
    from torchvision import models as M

    torch.set_num_threads(1)
    torch.manual_seed(0)
    TV = version(torch) + ", " + version(torchvision)

    def tiny(t, bases):
        # One one-element storage per dtype, viewed and expanded (stride 0)
        # to each tensor's shape: the pickle keeps every tensor's metadata,
        # the archive holds one storage record per dtype.
        base = bases.setdefault(t.dtype, torch.zeros(1, dtype=t.dtype))
        if t.dim() == 0:
            return base.view(())
        return base.view((1,) * t.dim()).expand(t.shape)

    def shrink(model):
        bases = {}
        for mod in model.modules():
            for name, p in list(mod._parameters.items()):
                if p is not None:
                    mod._parameters[name] = nn.Parameter(tiny(p.data, bases), requires_grad=p.requires_grad)
            for name, b in list(mod._buffers.items()):
                if b is not None:
                    mod._buffers[name] = tiny(b, bases)
        return model

    def save(rel, obj, what, legacy=False, protocol=2):
        torch.save(obj, path(rel), _use_new_zipfile_serialization=not legacy, pickle_protocol=protocol)
        fmt = "legacy serialization" if legacy else "zip serialization"
        note(rel, TV + " / " + PY, "torch.save %s, pickle protocol %d: %s" % (fmt, protocol, what))

    D, S, Q, V, O = M.detection, M.segmentation, M.quantization, M.video, M.optical_flow
    archs = [
        ("alexnet", lambda: M.alexnet()),
        ("convnext_tiny", lambda: M.convnext_tiny()),
        ("densenet121", lambda: M.densenet121()),
        ("efficientnet_b0", lambda: M.efficientnet_b0()),
        ("efficientnet_v2_s", lambda: M.efficientnet_v2_s()),
        ("googlenet", lambda: M.googlenet(init_weights=False)),
        ("inception_v3", lambda: M.inception_v3(init_weights=False)),
        ("maxvit_t", lambda: M.maxvit_t()),
        ("mnasnet0_5", lambda: M.mnasnet0_5()),
        ("mobilenet_v2", lambda: M.mobilenet_v2()),
        ("mobilenet_v3_small", lambda: M.mobilenet_v3_small()),
        ("mobilenet_v3_large", lambda: M.mobilenet_v3_large()),
        ("regnet_x_400mf", lambda: M.regnet_x_400mf()),
        ("regnet_y_400mf", lambda: M.regnet_y_400mf()),
        ("resnet18", lambda: M.resnet18()),
        ("resnet50", lambda: M.resnet50()),
        ("resnext50_32x4d", lambda: M.resnext50_32x4d()),
        ("wide_resnet50_2", lambda: M.wide_resnet50_2()),
        ("shufflenet_v2_x0_5", lambda: M.shufflenet_v2_x0_5()),
        ("squeezenet1_0", lambda: M.squeezenet1_0()),
        ("squeezenet1_1", lambda: M.squeezenet1_1()),
        ("swin_t", lambda: M.swin_t()),
        ("swin_v2_t", lambda: M.swin_v2_t()),
        ("vgg11", lambda: M.vgg11()),
        ("vgg11_bn", lambda: M.vgg11_bn()),
        ("vit_b_32", lambda: M.vit_b_32()),
        ("detection_fasterrcnn_resnet50_fpn", lambda: D.fasterrcnn_resnet50_fpn(weights_backbone=None)),
        ("detection_fasterrcnn_resnet50_fpn_v2", lambda: D.fasterrcnn_resnet50_fpn_v2(weights_backbone=None)),
        ("detection_fasterrcnn_mobilenet_v3_large_fpn", lambda: D.fasterrcnn_mobilenet_v3_large_fpn(weights_backbone=None)),
        ("detection_maskrcnn_resnet50_fpn", lambda: D.maskrcnn_resnet50_fpn(weights_backbone=None)),
        ("detection_maskrcnn_resnet50_fpn_v2", lambda: D.maskrcnn_resnet50_fpn_v2(weights_backbone=None)),
        ("detection_keypointrcnn_resnet50_fpn", lambda: D.keypointrcnn_resnet50_fpn(weights_backbone=None)),
        ("detection_retinanet_resnet50_fpn", lambda: D.retinanet_resnet50_fpn(weights_backbone=None)),
        ("detection_retinanet_resnet50_fpn_v2", lambda: D.retinanet_resnet50_fpn_v2(weights_backbone=None)),
        ("detection_fcos_resnet50_fpn", lambda: D.fcos_resnet50_fpn(weights_backbone=None)),
        ("detection_ssd300_vgg16", lambda: D.ssd300_vgg16(weights_backbone=None)),
        ("detection_ssdlite320_mobilenet_v3_large", lambda: D.ssdlite320_mobilenet_v3_large(weights_backbone=None)),
        ("segmentation_fcn_resnet50", lambda: S.fcn_resnet50(weights_backbone=None, aux_loss=True)),
        ("segmentation_deeplabv3_resnet50", lambda: S.deeplabv3_resnet50(weights_backbone=None)),
        ("segmentation_deeplabv3_mobilenet_v3_large", lambda: S.deeplabv3_mobilenet_v3_large(weights_backbone=None)),
        ("segmentation_lraspp_mobilenet_v3_large", lambda: S.lraspp_mobilenet_v3_large(weights_backbone=None)),
        ("video_r3d_18", lambda: V.r3d_18()),
        ("video_mc3_18", lambda: V.mc3_18()),
        ("video_r2plus1d_18", lambda: V.r2plus1d_18()),
        ("video_s3d", lambda: V.s3d()),
        ("video_mvit_v1_b", lambda: V.mvit_v1_b()),
        ("video_mvit_v2_s", lambda: V.mvit_v2_s()),
        ("optical_flow_raft_small", lambda: O.raft_small()),
        ("optical_flow_raft_large", lambda: O.raft_large()),
        ("quantizable_googlenet", lambda: Q.googlenet(quantize=False, init_weights=False)),
        ("quantizable_inception_v3", lambda: Q.inception_v3(quantize=False, init_weights=False)),
        ("quantizable_mobilenet_v2", lambda: Q.mobilenet_v2(quantize=False)),
        ("quantizable_mobilenet_v3_large", lambda: Q.mobilenet_v3_large(quantize=False)),
        ("quantizable_resnet18", lambda: Q.resnet18(quantize=False)),
        ("quantizable_shufflenet_v2_x0_5", lambda: Q.shufflenet_v2_x0_5(quantize=False)),
    ]
    for i, (name, build) in enumerate(archs):
        model = shrink(build())
        model.eval()
        save("torch/full/%s.pt" % name, model, "torch.save(model) of torchvision %s" % name)
        if i % 3 == 0:
            save("torch/full_legacy/%s.pt" % name, model, "torch.save(model) of torchvision %s" % name, legacy=True)
        if i % 4 == 1:
            save("torch/state_dict/%s.pth" % name, model.state_dict(), "state_dict of torchvision %s" % name,
                 legacy=(i % 8 == 1), protocol=4 if i % 8 == 5 else 2)
        if i % 9 == 2:
            save("torch/full_proto/%s_p4.pt" % name, model, "torch.save(model) of torchvision %s" % name, protocol=4)
            save("torch/full_proto/%s_p5.pt" % name, model, "torch.save(model) of torchvision %s" % name, protocol=5)
        del model

    # Wrappers people save whole: DataParallel, a user model class from the
    # training script and from a project package (PICKLE-100, info).
    small = shrink(M.resnet18(num_classes=10))
    save("torch/full/dataparallel_resnet18.pt", nn.DataParallel(small), "torch.save(nn.DataParallel(resnet18))")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.head = nn.Linear(8, 2)
            self.dropout = nn.Dropout(0.1)

        def forward(self, x):
            return self.head(self.dropout(self.features(x)))

    project("__main__", Net, "Net")
    save("torch/full/user_main_net.pt", Net(), "torch.save(model) of a __main__.Net from the training script")
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = shrink(M.mobilenet_v3_small(num_classes=4))
            self.act = nn.functional.gelu
    project("mylab.models", Classifier, "Classifier")
    save("torch/full/user_package_classifier.pt", Classifier(), "torch.save(model) of mylab.models.Classifier (a project package)")
    save("torch/full_legacy/user_package_classifier.pt", Classifier(), "torch.save(model) of mylab.models.Classifier", legacy=True)

    # A model holding a TransformerEncoder (stores torch.nn.functional.relu).
    enc = shrink(nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16), num_layers=2))
    save("torch/full/transformer_encoder.pt", enc, "torch.save(nn.TransformerEncoder)")
    lstm = nn.LSTM(4, 8, num_layers=2, batch_first=True)
    save("torch/full/lstm.pt", lstm, "torch.save(nn.LSTM)")
    save("torch/full_legacy/gru.pt", nn.GRU(4, 8), "torch.save(nn.GRU)", legacy=True)

    # Optimizers after one step, and learning-rate schedulers.
    def tiny_model():
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))

    optims = [
        ("sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        ("adam", lambda p: torch.optim.Adam(p, lr=1e-3, amsgrad=True)),
        ("adamw", lambda p: torch.optim.AdamW(p, lr=1e-3)),
        ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=1e-3, centered=True, momentum=0.5)),
        ("adagrad", lambda p: torch.optim.Adagrad(p)),
        ("adadelta", lambda p: torch.optim.Adadelta(p)),
        ("adamax", lambda p: torch.optim.Adamax(p)),
        ("nadam", lambda p: torch.optim.NAdam(p)),
        ("radam", lambda p: torch.optim.RAdam(p)),
        ("asgd", lambda p: torch.optim.ASGD(p)),
        ("rprop", lambda p: torch.optim.Rprop(p)),
        ("lbfgs", lambda p: torch.optim.LBFGS(p, history_size=3)),
    ]
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    for i, (name, make) in enumerate(optims):
        model = tiny_model()
        opt = make(model.parameters())

        def closure():
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss
        opt.step(closure)
        save("torch/optimizer/%s.pt" % name, opt.state_dict(), "optimizer.state_dict() of torch.optim.%s after one step" % type(opt).__name__,
             legacy=(i % 4 == 3))

    def lr_warmup(epoch):
        return min(1.0, (epoch + 1) / 5)

    scheds = [
        ("steplr", lambda o: torch.optim.lr_scheduler.StepLR(o, 2)),
        ("multisteplr", lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [2, 4])),
        ("exponentiallr", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
        ("cosineannealinglr", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10)),
        ("cosinewarmrestarts", lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 3)),
        ("reducelronplateau", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o)),
        ("onecyclelr", lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10)),
        ("lambdalr", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lr_warmup)),
        ("linearlr", lambda o: torch.optim.lr_scheduler.LinearLR(o)),
        ("constantlr", lambda o: torch.optim.lr_scheduler.ConstantLR(o)),
        ("polynomiallr", lambda o: torch.optim.lr_scheduler.PolynomialLR(o, 5)),
        ("sequentiallr", lambda o: torch.optim.lr_scheduler.SequentialLR(
            o, [torch.optim.lr_scheduler.LinearLR(o), torch.optim.lr_scheduler.ExponentialLR(o, 0.9)], milestones=[2])),
        ("chainedscheduler", lambda o: torch.optim.lr_scheduler.ChainedScheduler(
            [torch.optim.lr_scheduler.ConstantLR(o), torch.optim.lr_scheduler.ExponentialLR(o, 0.9)])),
    ]
    for i, (name, make) in enumerate(scheds):
        model = tiny_model()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sch = make(opt)
        opt.step()
        sch.step(1.0) if name == "reducelronplateau" else sch.step()
        save("torch/scheduler/%s.pt" % name, sch.state_dict(), "scheduler.state_dict() of %s" % type(sch).__name__, legacy=(i % 5 == 4))
    # Whole scheduler objects are saved too (the optimizer rides along).
    model = tiny_model()
    opt = torch.optim.Adam(model.parameters())
    save("torch/scheduler/whole_steplr.pt", torch.optim.lr_scheduler.StepLR(opt, 3), "torch.save(scheduler) of a whole StepLR with its Adam")
    project("mylab.schedules", lr_warmup, "lr_warmup")
    save("torch/scheduler/whole_lambdalr.pt", torch.optim.lr_scheduler.LambdaLR(opt, lr_warmup),
         "torch.save(scheduler) of a whole LambdaLR whose lr_lambda is a project function (stored, not called)")

    # Training checkpoints: model, optimizer, scheduler, RNG states, args.
    model = tiny_model()
    opt = torch.optim.AdamW(model.parameters())
    sch = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 10)
    np_rng = np.random.RandomState(0)
    ckpt = {
        "epoch": 3, "global_step": 120, "best_metric": 0.91,
        "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "scheduler_state_dict": sch.state_dict(),
        "args": argparse.Namespace(lr=1e-3, arch="mlp", epochs=10), "torch_version": torch.__version__,
        "rng_state": torch.get_rng_state(), "numpy_rng_state": np_rng.get_state(), "python_rng_state": random.Random(0).getstate(),
        "dtype": torch.float16, "device": torch.device("cpu"), "size": torch.Size([3, 4]), "history": collections.defaultdict(list, loss=[0.5, 0.3]),
    }
    save("torch/checkpoint/training_checkpoint.pt", ckpt, "a training checkpoint dict (state dicts, RNG states, Namespace, dtype, device)")
    save("torch/checkpoint/training_checkpoint_legacy.pt", ckpt, "a training checkpoint dict", legacy=True)
    save("torch/checkpoint/training_checkpoint_p4.pt", ckpt, "a training checkpoint dict", protocol=4)
    save("torch/checkpoint/training_checkpoint_p5.pt", ckpt, "a training checkpoint dict", protocol=5)
    save("torch/checkpoint/training_checkpoint_p3_legacy.pt", ckpt, "a training checkpoint dict", legacy=True, protocol=3)

    # Tensors of every dtype and layout.
    tensors = {str(dt).replace("torch.", ""): torch.zeros(2, dtype=dt) for dt in [
        torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.uint8, torch.int16, torch.int32,
        torch.int64, torch.bool, torch.complex64, torch.complex128]}
    tensors["sparse_coo"] = torch.eye(3).to_sparse()
    tensors["sparse_csr"] = torch.eye(3).to_sparse_csr()
    tensors["channels_last"] = torch.zeros(1, 2, 2, 2).to(memory_format=torch.channels_last)
    tensors["quantized"] = torch.quantize_per_tensor(torch.zeros(4), 0.1, 0, torch.quint8)
    tensors["quantized_per_channel"] = torch.quantize_per_channel(torch.zeros(2, 2), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 0, torch.qint8)
    tensors["param"] = nn.Parameter(torch.zeros(2), requires_grad=False)
    tensors["view"] = torch.zeros(4)[1:3]
    save("torch/tensors/every_dtype.pt", tensors, "tensors of every dtype, sparse COO/CSR, channels_last, quantized, views")
    save("torch/tensors/every_dtype_legacy.pt", {k: v for k, v in tensors.items() if k != "sparse_csr"},
         "tensors of every dtype, sparse COO, quantized, views", legacy=True)
    save("torch/tensors/single_tensor.pt", torch.arange(6).reshape(2, 3), "torch.save(tensor)")
    save("torch/tensors/tensor_list_p4.pt", [torch.zeros(2), torch.ones(3, dtype=torch.int64)], "a list of tensors", protocol=4)

    # Quantized models: dynamic (packed linear params) and static (conv).
    dq = torch.ao.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), {nn.Linear}, dtype=torch.qint8)
    save("torch/quantized/dynamic_linear.pt", dq, "torch.save of a dynamically quantized model")
    save("torch/quantized/dynamic_linear_state_dict.pt", dq.state_dict(), "state_dict of a dynamically quantized model")
    sq = nn.Sequential(torch.ao.quantization.QuantStub(), nn.Conv2d(3, 4, 3), nn.ReLU(), torch.ao.quantization.DeQuantStub())
    sq.eval()
    sq.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.prepare(sq, inplace=True)
    sq(torch.randn(1, 3, 8, 8))
    torch.ao.quantization.convert(sq, inplace=True)
    save("torch/quantized/static_conv_state_dict.pt", sq.state_dict(), "state_dict of a statically quantized conv model")
    save("torch/quantized/static_conv.pt", sq, "torch.save of a statically quantized conv model")

    # TorchScript archives (unpickled by TorchScript's own unpickler).
    scripted = torch.jit.script(tiny_model())
    scripted.save(path("torch/torchscript/scripted_mlp.pt"))
    note("torch/torchscript/scripted_mlp.pt", TV, "torch.jit.script(model).save")
    traced = torch.jit.trace(shrink(M.squeezenet1_1()).eval(), torch.randn(1, 3, 64, 64))
    traced.save(path("torch/torchscript/traced_squeezenet.pt"))
    note("torch/torchscript/traced_squeezenet.pt", TV, "torch.jit.trace(squeezenet1_1).save")



# ---------------------------------------------------------------- sklearn

def fitted_estimators():
    """(module, name, fitted estimator) for every scikit-learn module."""
    import sklearn
    from sklearn import (calibration, cluster, compose, covariance, cross_decomposition, decomposition, discriminant_analysis,
                         dummy, ensemble, feature_extraction, feature_selection, gaussian_process, impute, isotonic,
                         kernel_approximation, kernel_ridge, linear_model, manifold, mixture, model_selection, multiclass,
                         multioutput, naive_bayes, neighbors, neural_network, pipeline, preprocessing, random_projection,
                         semi_supervised, svm, tree)
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.datasets import make_classification, make_regression
    import pandas as pd
    from scipy import stats

    X, y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    Xr, yr = make_regression(n_samples=40, n_features=4, random_state=0)
    Xb, yb = make_classification(n_samples=40, n_features=4, random_state=1)
    Xpos = np.abs(X)
    Xnan = X.copy()
    Xnan[::5, 1] = np.nan
    docs = ["the cat sat on the mat", "the dog ate my homework", "cats and dogs", "a model of words", "the end"] * 2
    labels = [0, 1, 0, 1, 0] * 2
    frame = pd.DataFrame({"age": [20, 30, 40, 50] * 5, "city": ["a", "b", "c", "a"] * 5, "score": np.linspace(0, 1, 20)})
    fy = np.array([0, 1] * 10)
    rs = 0
    E = []

    def add(mod, name, est, *fit):
        if fit:
            est.fit(*fit)
        E.append((mod, name, est))

    lm = linear_model
    add("linear_model", "LinearRegression", lm.LinearRegression(), Xr, yr)
    add("linear_model", "LogisticRegression", lm.LogisticRegression(max_iter=200), X, y)
    add("linear_model", "LogisticRegressionCV", lm.LogisticRegressionCV(cv=2, max_iter=200), X, y)
    add("linear_model", "Ridge", lm.Ridge(), Xr, yr)
    add("linear_model", "RidgeClassifierCV", lm.RidgeClassifierCV(), X, y)
    add("linear_model", "Lasso", lm.Lasso(), Xr, yr)
    add("linear_model", "ElasticNet", lm.ElasticNet(), Xr, yr)
    add("linear_model", "Lars", lm.Lars(), Xr, yr)
    add("linear_model", "OrthogonalMatchingPursuit", lm.OrthogonalMatchingPursuit(), Xr, yr)
    add("linear_model", "BayesianRidge", lm.BayesianRidge(), Xr, yr)
    add("linear_model", "ARDRegression", lm.ARDRegression(), Xr, yr)
    add("linear_model", "HuberRegressor", lm.HuberRegressor(), Xr, yr)
    add("linear_model", "SGDClassifier", lm.SGDClassifier(random_state=rs), X, y)
    add("linear_model", "SGDRegressor", lm.SGDRegressor(random_state=rs), Xr, yr)
    add("linear_model", "Perceptron", lm.Perceptron(), X, y)
    add("linear_model", "PassiveAggressiveClassifier", lm.PassiveAggressiveClassifier(), X, y)
    add("linear_model", "PoissonRegressor", lm.PoissonRegressor(), Xr, np.abs(yr))
    add("linear_model", "TweedieRegressor", lm.TweedieRegressor(power=1.5), Xr, np.abs(yr) + 1)
    add("linear_model", "QuantileRegressor", lm.QuantileRegressor(alpha=0.0, solver="highs"), Xr, yr)
    add("linear_model", "RANSACRegressor", lm.RANSACRegressor(random_state=rs), Xr, yr)
    add("linear_model", "TheilSenRegressor", lm.TheilSenRegressor(random_state=rs, max_subpopulation=50), Xr, yr)
    add("tree", "DecisionTreeClassifier", tree.DecisionTreeClassifier(random_state=rs), X, y)
    add("tree", "DecisionTreeRegressor", tree.DecisionTreeRegressor(random_state=rs), Xr, yr)
    add("tree", "ExtraTreeClassifier", tree.ExtraTreeClassifier(random_state=rs), X, y)
    en = ensemble
    add("ensemble", "RandomForestClassifier", en.RandomForestClassifier(n_estimators=3, random_state=rs), X, y)
    add("ensemble", "RandomForestRegressor", en.RandomForestRegressor(n_estimators=3, random_state=rs), Xr, yr)
    add("ensemble", "ExtraTreesRegressor", en.ExtraTreesRegressor(n_estimators=3, random_state=rs), Xr, yr)
    add("ensemble", "GradientBoostingClassifier", en.GradientBoostingClassifier(n_estimators=3, random_state=rs), X, y)
    add("ensemble", "GradientBoostingRegressor", en.GradientBoostingRegressor(n_estimators=3, loss="huber", random_state=rs), Xr, yr)
    add("ensemble", "HistGradientBoostingClassifier", en.HistGradientBoostingClassifier(max_iter=3), X, y)
    add("ensemble", "HistGradientBoostingRegressor", en.HistGradientBoostingRegressor(max_iter=3, loss="poisson"), Xr, np.abs(yr))
    add("ensemble", "AdaBoostClassifier", en.AdaBoostClassifier(n_estimators=3, random_state=rs), X, y)
    add("ensemble", "AdaBoostRegressor", en.AdaBoostRegressor(n_estimators=3, random_state=rs), Xr, yr)
    add("ensemble", "BaggingClassifier", en.BaggingClassifier(n_estimators=3, random_state=rs), X, y)
    add("ensemble", "VotingClassifier", en.VotingClassifier([("lr", lm.LogisticRegression()), ("dt", tree.DecisionTreeClassifier())], voting="soft"), X, y)
    add("ensemble", "StackingRegressor", en.StackingRegressor([("r", lm.Ridge()), ("dt", tree.DecisionTreeRegressor())], cv=2), Xr, yr)
    add("ensemble", "IsolationForest", en.IsolationForest(n_estimators=3, random_state=rs), X)
    add("ensemble", "RandomTreesEmbedding", en.RandomTreesEmbedding(n_estimators=3, random_state=rs), X)
    add("svm", "SVC", svm.SVC(probability=True, random_state=rs), X, y)
    add("svm", "NuSVC", svm.NuSVC(), X, y)
    add("svm", "SVR", svm.SVR(), Xr, yr)
    add("svm", "LinearSVC", svm.LinearSVC(), X, y)
    add("svm", "LinearSVR", svm.LinearSVR(), Xr, yr)
    add("svm", "OneClassSVM", svm.OneClassSVM(), X)
    nb = neighbors
    add("neighbors", "KNeighborsClassifier_kd_tree", nb.KNeighborsClassifier(algorithm="kd_tree"), X, y)
    add("neighbors", "KNeighborsClassifier_ball_tree", nb.KNeighborsClassifier(algorithm="ball_tree", metric="manhattan"), X, y)
    add("neighbors", "KNeighborsRegressor_brute", nb.KNeighborsRegressor(algorithm="brute", metric="cosine"), Xr, yr)
    add("neighbors", "RadiusNeighborsClassifier", nb.RadiusNeighborsClassifier(radius=5.0), X, y)
    add("neighbors", "NearestNeighbors_haversine", nb.NearestNeighbors(metric="haversine", algorithm="ball_tree"), X[:, :2])
    add("neighbors", "NearestCentroid", nb.NearestCentroid(), X, y)
    add("neighbors", "LocalOutlierFactor", nb.LocalOutlierFactor(novelty=True), X)
    add("neighbors", "KernelDensity", nb.KernelDensity(), X)
    add("neighbors", "NeighborhoodComponentsAnalysis", nb.NeighborhoodComponentsAnalysis(max_iter=5, random_state=rs), X, y)
    add("neighbors", "KDTree", nb.KDTree(X))
    add("neighbors", "BallTree", nb.BallTree(X, metric="minkowski", p=3))
    cl = cluster
    add("cluster", "KMeans", cl.KMeans(3, n_init=2, random_state=rs), X)
    add("cluster", "MiniBatchKMeans", cl.MiniBatchKMeans(3, n_init=2, random_state=rs), X)
    add("cluster", "BisectingKMeans", cl.BisectingKMeans(3, random_state=rs), X)
    add("cluster", "DBSCAN", cl.DBSCAN(), X)
    add("cluster", "AgglomerativeClustering", cl.AgglomerativeClustering(3), X)
    add("cluster", "Birch", cl.Birch(n_clusters=3), X)
    add("cluster", "MeanShift", cl.MeanShift(), X)
    add("cluster", "SpectralClustering", cl.SpectralClustering(3, random_state=rs), X)
    add("cluster", "AffinityPropagation", cl.AffinityPropagation(random_state=rs), X)
    add("cluster", "OPTICS", cl.OPTICS(min_samples=3), X)
    de = decomposition
    add("decomposition", "PCA", de.PCA(2), X)
    add("decomposition", "IncrementalPCA", de.IncrementalPCA(2), X)
    add("decomposition", "TruncatedSVD", de.TruncatedSVD(2), X)
    add("decomposition", "NMF", de.NMF(2, max_iter=50, random_state=rs), Xpos)
    add("decomposition", "FastICA", de.FastICA(2, random_state=rs), X)
    add("decomposition", "KernelPCA", de.KernelPCA(2, kernel="rbf", fit_inverse_transform=True), X)
    add("decomposition", "LatentDirichletAllocation", de.LatentDirichletAllocation(2, max_iter=3, random_state=rs), Xpos)
    add("decomposition", "FactorAnalysis", de.FactorAnalysis(2), X)
    add("decomposition", "SparsePCA", de.SparsePCA(2, max_iter=5, random_state=rs), X)
    add("decomposition", "MiniBatchDictionaryLearning", de.MiniBatchDictionaryLearning(2, max_iter=3, random_state=rs), X)
    pp = preprocessing
    add("preprocessing", "StandardScaler", pp.StandardScaler(), X)
    add("preprocessing", "MinMaxScaler", pp.MinMaxScaler(), X)
    add("preprocessing", "RobustScaler", pp.RobustScaler(), X)
    add("preprocessing", "MaxAbsScaler", pp.MaxAbsScaler(), X)
    add("preprocessing", "Normalizer", pp.Normalizer(), X)
    add("preprocessing", "Binarizer", pp.Binarizer(), X)
    add("preprocessing", "OneHotEncoder", pp.OneHotEncoder(handle_unknown="ignore"), frame[["city"]])
    add("preprocessing", "OrdinalEncoder", pp.OrdinalEncoder(), frame[["city"]])
    add("preprocessing", "LabelEncoder", pp.LabelEncoder(), ["x", "y", "x"])
    add("preprocessing", "LabelBinarizer", pp.LabelBinarizer(), y)
    add("preprocessing", "MultiLabelBinarizer", pp.MultiLabelBinarizer(), [{"a", "b"}, {"c"}])
    add("preprocessing", "PolynomialFeatures", pp.PolynomialFeatures(2), X)
    add("preprocessing", "KBinsDiscretizer", pp.KBinsDiscretizer(3, encode="ordinal"), X)
    add("preprocessing", "QuantileTransformer", pp.QuantileTransformer(n_quantiles=10), X)
    add("preprocessing", "PowerTransformer", pp.PowerTransformer(), X)
    add("preprocessing", "SplineTransformer", pp.SplineTransformer(), X)
    add("preprocessing", "FunctionTransformer_numpy_ufunc", pp.FunctionTransformer(np.log1p, inverse_func=np.expm1), Xpos)
    fe = feature_extraction
    add("feature_extraction", "CountVectorizer", fe.text.CountVectorizer(ngram_range=(1, 2)), docs)
    add("feature_extraction", "TfidfVectorizer", fe.text.TfidfVectorizer(sublinear_tf=True, stop_words="english"), docs)
    add("feature_extraction", "TfidfVectorizer_char", fe.text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), dtype=np.float32), docs)
    add("feature_extraction", "HashingVectorizer", fe.text.HashingVectorizer(n_features=32), docs)
    add("feature_extraction", "TfidfTransformer", fe.text.TfidfTransformer(), fe.text.CountVectorizer().fit_transform(docs))
    add("feature_extraction", "DictVectorizer", fe.DictVectorizer(), [{"a": 1, "b": 2}, {"c": 3}])
    add("feature_extraction", "FeatureHasher", fe.FeatureHasher(8, input_type="string"), [["a", "b"], ["c"]])
    add("naive_bayes", "GaussianNB", naive_bayes.GaussianNB(), X, y)
    add("naive_bayes", "MultinomialNB", naive_bayes.MultinomialNB(), Xpos, y)
    add("naive_bayes", "BernoulliNB", naive_bayes.BernoulliNB(), X, y)
    add("naive_bayes", "ComplementNB", naive_bayes.ComplementNB(), Xpos, y)
    add("naive_bayes", "CategoricalNB", naive_bayes.CategoricalNB(), (Xpos * 2).astype(int), y)
    nn_ = neural_network
    add("neural_network", "MLPClassifier", nn_.MLPClassifier((5,), max_iter=20, random_state=rs), X, y)
    add("neural_network", "MLPRegressor", nn_.MLPRegressor((5,), solver="lbfgs", max_iter=20, random_state=rs), Xr, yr)
    add("neural_network", "BernoulliRBM", nn_.BernoulliRBM(2, n_iter=2, random_state=rs), Xpos / Xpos.max())
    add("calibration", "CalibratedClassifierCV_sigmoid", calibration.CalibratedClassifierCV(svm.LinearSVC(), cv=2), X, y)
    add("calibration", "CalibratedClassifierCV_isotonic", calibration.CalibratedClassifierCV(naive_bayes.GaussianNB(), method="isotonic", cv=2), X, y)
    ct = compose.ColumnTransformer([("num", pp.StandardScaler(), ["age", "score"]), ("cat", pp.OneHotEncoder(), ["city"])], remainder="drop")
    add("compose", "ColumnTransformer", ct, frame)
    add("compose", "TransformedTargetRegressor", compose.TransformedTargetRegressor(lm.Ridge(), func=np.log1p, inverse_func=np.expm1), Xr, np.abs(yr))
    add("compose", "make_column_transformer", compose.make_column_transformer((pp.MinMaxScaler(), compose.make_column_selector(dtype_include=np.number))), frame)
    add("impute", "SimpleImputer", impute.SimpleImputer(strategy="median", add_indicator=True), Xnan)
    add("impute", "IterativeImputer", impute.IterativeImputer(max_iter=3, random_state=rs), Xnan)
    add("impute", "KNNImputer", impute.KNNImputer(), Xnan)
    add("impute", "MissingIndicator", impute.MissingIndicator(), Xnan)
    add("pipeline", "Pipeline", pipeline.Pipeline([("scale", pp.StandardScaler()), ("pca", de.PCA(2)), ("clf", lm.LogisticRegression())]), X, y)
    add("pipeline", "FeatureUnion", pipeline.FeatureUnion([("pca", de.PCA(1)), ("svd", de.TruncatedSVD(1))]), X)
    add("pipeline", "text_pipeline", pipeline.make_pipeline(fe.text.TfidfVectorizer(), naive_bayes.MultinomialNB()), docs, labels)
    add("pipeline", "frame_pipeline", pipeline.make_pipeline(ct, ensemble.RandomForestClassifier(n_estimators=2, random_state=rs)), frame, fy)
    ms = model_selection
    add("model_selection", "GridSearchCV", ms.GridSearchCV(svm.SVC(), {"C": [0.1, 1.0], "kernel": ["linear", "rbf"]}, cv=2, scoring="f1_macro"), X, y)
    add("model_selection", "RandomizedSearchCV", ms.RandomizedSearchCV(lm.Ridge(), {"alpha": stats.loguniform(1e-3, 1e1)}, n_iter=3, cv=2, random_state=rs), Xr, yr)
    add("model_selection", "HalvingGridSearch_like_KFold", ms.KFold(3, shuffle=True, random_state=rs))
    fs = feature_selection
    add("feature_selection", "SelectKBest", fs.SelectKBest(fs.f_classif, k=2), X, y)
    add("feature_selection", "SelectPercentile_mutual_info", fs.SelectPercentile(fs.mutual_info_classif, percentile=50), X, y)
    add("feature_selection", "RFE", fs.RFE(lm.LogisticRegression(), n_features_to_select=2), X, y)
    add("feature_selection", "VarianceThreshold", fs.VarianceThreshold(), X)
    add("feature_selection", "SelectFromModel", fs.SelectFromModel(lm.Lasso()), Xr, yr)
    add("discriminant_analysis", "LinearDiscriminantAnalysis", discriminant_analysis.LinearDiscriminantAnalysis(), X, y)
    add("discriminant_analysis", "QuadraticDiscriminantAnalysis", discriminant_analysis.QuadraticDiscriminantAnalysis(), X, y)
    gp = gaussian_process
    kern = gp.kernels.ConstantKernel() * gp.kernels.RBF() + gp.kernels.WhiteKernel()
    add("gaussian_process", "GaussianProcessRegressor", gp.GaussianProcessRegressor(kern, random_state=rs), Xr, yr)
    add("gaussian_process", "GaussianProcessClassifier", gp.GaussianProcessClassifier(gp.kernels.Matern(), random_state=rs), Xb, yb)
    add("cross_decomposition", "PLSRegression", cross_decomposition.PLSRegression(2), X, Xr[:, :2])
    add("cross_decomposition", "CCA", cross_decomposition.CCA(1), X, Xr[:, :2])
    add("covariance", "LedoitWolf", covariance.LedoitWolf(), X)
    add("covariance", "EllipticEnvelope", covariance.EllipticEnvelope(random_state=rs), X)
    add("covariance", "GraphicalLasso", covariance.GraphicalLasso(), X)
    add("manifold", "Isomap", manifold.Isomap(n_components=2), X)
    add("manifold", "TSNE", manifold.TSNE(2, perplexity=5, n_iter=250, random_state=rs), X)
    add("manifold", "LocallyLinearEmbedding", manifold.LocallyLinearEmbedding(n_components=2, random_state=rs), X)
    add("mixture", "GaussianMixture", mixture.GaussianMixture(2, random_state=rs), X)
    add("mixture", "BayesianGaussianMixture", mixture.BayesianGaussianMixture(n_components=2, random_state=rs), X)
    add("isotonic", "IsotonicRegression", isotonic.IsotonicRegression(), Xr[:, 0], yr)
    add("kernel_approximation", "RBFSampler", kernel_approximation.RBFSampler(n_components=4, random_state=rs), X)
    add("kernel_approximation", "Nystroem", kernel_approximation.Nystroem(n_components=4, random_state=rs), X)
    add("kernel_ridge", "KernelRidge", kernel_ridge.KernelRidge(kernel="rbf"), Xr, yr)
    add("multiclass", "OneVsRestClassifier", multiclass.OneVsRestClassifier(svm.LinearSVC()), X, y)
    add("multiclass", "OneVsOneClassifier", multiclass.OneVsOneClassifier(svm.LinearSVC()), X, y)
    add("multiclass", "OutputCodeClassifier", multiclass.OutputCodeClassifier(lm.LogisticRegression(), random_state=rs), X, y)
    add("multioutput", "MultiOutputRegressor", multioutput.MultiOutputRegressor(lm.Ridge()), X, Xr[:, :2])
    add("multioutput", "ClassifierChain", multioutput.ClassifierChain(lm.LogisticRegression()), X, np.stack([yb, 1 - yb], 1))
    add("semi_supervised", "LabelPropagation", semi_supervised.LabelPropagation(), X, np.where(np.arange(40) % 3, y, -1))
    add("semi_supervised", "SelfTrainingClassifier", semi_supervised.SelfTrainingClassifier(svm.SVC(probability=True)), X, np.where(np.arange(40) % 3, y, -1))
    add("dummy", "DummyClassifier", dummy.DummyClassifier(strategy="prior"), X, y)
    add("random_projection", "GaussianRandomProjection", random_projection.GaussianRandomProjection(2, random_state=rs), X)
    add("random_projection", "SparseRandomProjection", random_projection.SparseRandomProjection(2, random_state=rs), X)
    return E, version(sklearn)


def sklearn_section():
    import joblib
    E, SK = fitted_estimators()
    for mod, name, est in E:
        dump("sklearn/pickle/%s.%s.pkl" % (mod, name), est, SK, "fitted sklearn.%s %s" % (mod, name))
    # joblib: every compressor, then a spread of estimators with joblib's
    # default (uncompressed, arrays inline) and compress levels.
    JB = version(joblib) + ", " + SK + " / " + PY
    pipe = dict((n, e) for m, n, e in E)["frame_pipeline"]
    forest = dict((n, e) for m, n, e in E)["RandomForestClassifier"]
    for comp in ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"]:
        for lvl, (tag, obj) in zip((3, 9), (("pipeline", pipe), ("forest", forest))):
            rel = "sklearn/joblib/%s_%s.joblib" % (tag, comp)
            joblib.dump(obj, path(rel), compress=(comp, lvl))
            note(rel, JB, "joblib.dump compress=(%r, %d) of a fitted %s" % (comp, lvl, type(obj).__name__))
    for ext in ["z", "gz", "bz2", "xz", "lzma"]:
        rel = "sklearn/joblib/by_extension.joblib.%s" % ext
        joblib.dump(pipe, path(rel))
        note(rel, JB, "joblib.dump to a .%s name (compressor chosen by extension) of a fitted Pipeline" % ext)
    for i, (mod, name, est) in enumerate(E[::7]):
        rel = "sklearn/joblib/%s.%s.joblib" % (mod, name)
        joblib.dump(est, path(rel), compress=i % 4, protocol=[2, 3, 4, 5][i % 4])
        note(rel, JB, "joblib.dump compress=%d protocol=%d of a fitted sklearn.%s %s" % (i % 4, [2, 3, 4, 5][i % 4], mod, name))

    # A FunctionTransformer with the author's own function (stored, not
    # called: PICKLE-100), and a numpy ufunc pickled the way numpy < 1.20 did.
    from sklearn.preprocessing import FunctionTransformer
    import copyreg

    def add_ratio(X):
        return np.c_[X, X[:, :1] / (X[:, 1:2] + 1)]
    project("mylab.features", add_ratio, "add_ratio")
    dump("sklearn/pickle/user_function_transformer.pkl", FunctionTransformer(add_ratio).fit(np.ones((3, 2))), SK,
         "FunctionTransformer whose func is a project function (mylab.features.add_ratio)", protocol=4)
    from numpy.core import _ufunc_reconstruct
    saved = copyreg.dispatch_table.get(np.ufunc)
    copyreg.pickle(np.ufunc, lambda f: (_ufunc_reconstruct, ("numpy", f.__name__)))
    try:
        ft = dict((n, e) for m, n, e in E)["FunctionTransformer_numpy_ufunc"]
        dump("sklearn/pickle/function_transformer_ufunc_numpy119.pkl", ft, SK + " (numpy<1.20 ufunc reducer)",
             "FunctionTransformer(np.log1p) with ufuncs pickled as numpy.core._ufunc_reconstruct('numpy', name), as numpy < 1.20 wrote them", protocol=2)
    finally:
        copyreg.dispatch_table[np.ufunc] = saved


# ---------------------------------------------------------------- xgboost

def xgboost_section():
    import xgboost as xgb
    import joblib
    from sklearn.datasets import make_classification
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    XG = version(xgb)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, label=y), num_boost_round=3)
    for p in (2, 4, 5):
        dump("xgboost/booster_p%d.pkl" % p, booster, XG, "pickled xgboost.Booster", protocol=p)
    models = [
        ("XGBClassifier", xgb.XGBClassifier(n_estimators=3, max_depth=2), y),
        ("XGBRegressor", xgb.XGBRegressor(n_estimators=3, max_depth=2), X[:, 0]),
        ("XGBRFClassifier", xgb.XGBRFClassifier(n_estimators=3, max_depth=2), y),
    ]
    for name, m, target in models:
        m.fit(X, target)
        dump("xgboost/%s.pkl" % name, m, XG, "fitted xgboost.%s" % name)
        rel = "xgboost/%s.joblib" % name
        joblib.dump(m, path(rel), compress=3)
        note(rel, XG + ", " + version(joblib) + " / " + PY, "joblib.dump compress=3 of a fitted xgboost.%s" % name)
    rk = xgb.XGBRanker(n_estimators=3, max_depth=2)
    rk.fit(X, y, qid=np.repeat(np.arange(4), 10))
    dump("xgboost/XGBRanker.pkl", rk, XG, "fitted xgboost.XGBRanker")
    pipe = make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=2, max_depth=2)).fit(X, y)
    rel = "xgboost/pipeline.joblib"
    joblib.dump(pipe, path(rel))
    note(rel, XG + ", " + version(joblib) + " / " + PY, "joblib.dump of a Pipeline ending in XGBClassifier")


# ---------------------------------------------------------------- gensim

def gensim_section():
    import gensim
    from gensim import corpora, models
    from gensim.models import phrases
    GS = version(gensim)
    texts = [["human", "machine", "interface", "computer"], ["survey", "user", "computer", "system", "response", "time"],
             ["eps", "user", "interface", "system"], ["system", "human", "system", "eps"], ["user", "response", "time"],
             ["trees"], ["graph", "trees"], ["graph", "minors", "trees"], ["graph", "minors", "survey"]] * 3
    dictionary = corpora.Dictionary(texts)
    bow = [dictionary.doc2bow(t) for t in texts]
    tfidf = models.TfidfModel(bow)
    objs = [
        ("word2vec", models.Word2Vec(texts, vector_size=8, min_count=1, epochs=2, seed=1, workers=1)),
        ("fasttext", models.FastText(texts, vector_size=8, min_count=1, epochs=2, bucket=64, seed=1, workers=1)),
        ("doc2vec", models.Doc2Vec([models.doc2vec.TaggedDocument(t, [i]) for i, t in enumerate(texts)], vector_size=8, min_count=1, epochs=2, workers=1)),
        ("dictionary", dictionary),
        ("tfidf", tfidf),
        ("lsi", models.LsiModel(tfidf[bow], id2word=dictionary, num_topics=2)),
        ("lda", models.LdaModel(bow, id2word=dictionary, num_topics=2, passes=1, random_state=1)),
        ("hdp", models.HdpModel(bow, id2word=dictionary, T=4, K=2, random_state=1)),
        ("rp", models.RpModel(tfidf[bow], num_topics=2)),
        ("logentropy", models.LogEntropyModel(bow)),
        ("nmf", models.Nmf(bow, id2word=dictionary, num_topics=2, passes=1, random_state=1)),
        ("phrases", phrases.Phrases(texts, min_count=1, threshold=0.1)),
        ("phrases_npmi", phrases.Phrases(texts, min_count=1, threshold=0.1, scoring="npmi")),
    ]
    objs.append(("frozen_phrases", objs[-2][1].freeze()))
    objs.append(("keyedvectors", objs[0][1].wv))
    for name, obj in objs:
        rel = "gensim/%s.model" % name
        obj.save(path(rel))
        note(rel, GS + " / " + PY, "%s.save() (gensim SaveLoad pickle)" % type(obj).__name__)
        for f in sorted(os.listdir(os.path.dirname(path(rel)))):
            if f.startswith(name + ".model."):  # a companion pickle (LsiModel's projection)
                note("gensim/" + f, GS + " / " + PY, "%s.save() companion file %s" % (type(obj).__name__, f[len(name) + 7:]))
    dump("gensim/word2vec_pickled.pkl", objs[0][1], GS, "pickle.dump of a gensim Word2Vec")
    dump("gensim/dictionary_pickled.pkl", dictionary, GS, "pickle.dump of a gensim Dictionary")
    objs[-1][1].save_word2vec_format(path("gensim/vectors.bin"), binary=True)
    note("gensim/vectors.bin", GS, "KeyedVectors.save_word2vec_format binary (not a pickle)")


# ---------------------------------------------------------------- pandas

def pandas_section():
    import pandas as pd
    PD = version(pd)
    n = 4
    idx = pd.date_range("2024-01-01", periods=n, freq="D")
    cols = {
        "int8": np.arange(n, dtype=np.int8), "int16": np.arange(n, dtype=np.int16), "int32": np.arange(n, dtype=np.int32),
        "int64": np.arange(n, dtype=np.int64), "uint8": np.arange(n, dtype=np.uint8), "uint64": np.arange(n, dtype=np.uint64),
        "float32": np.linspace(0, 1, n, dtype=np.float32), "float64": np.linspace(0, 1, n), "complex": np.ones(n, dtype=np.complex128),
        "bool": np.array([True, False] * 2), "object": ["a", None, 1.5, ("t",)], "bytes": [b"x", b"y", b"z", b"w"],
        "string": pd.array(["a", "b", None, "d"], dtype="string"), "category": pd.Categorical(["x", "y", "x", "z"]),
        "ordered_category": pd.Categorical(["lo", "hi", "lo", "mid"], categories=["lo", "mid", "hi"], ordered=True),
        "datetime": idx, "datetime_utc": idx.tz_localize("UTC"), "datetime_tz": idx.tz_localize("Europe/Berlin"),
        "timedelta": pd.to_timedelta(np.arange(n), unit="h"), "period": pd.period_range("2024-01", periods=n, freq="M"),
        "interval": pd.interval_range(0, n), "Int64": pd.array([1, None, 3, 4], dtype="Int64"),
        "UInt16": pd.array([1, 2, None, 4], dtype="UInt16"), "Float64": pd.array([0.5, None, 1.5, 2.0], dtype="Float64"),
        "boolean": pd.array([True, None, False, True], dtype="boolean"), "sparse": pd.arrays.SparseArray([0, 0, 1, 0]),
    }
    frames = [("every_dtype", pd.DataFrame(cols))]
    for name, values in cols.items():
        frames.append(("series_" + name, pd.Series(values, name=name)))
    frames += [
        ("multiindex", pd.DataFrame(np.arange(8).reshape(4, 2), index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"]),
                                    columns=pd.MultiIndex.from_tuples([("x", "p"), ("y", "q")]))),
        ("datetimeindex_freq", pd.DataFrame({"v": range(n)}, index=pd.date_range("2024-01-01", periods=n, freq="H", tz="UTC"))),
        ("periodindex", pd.Series(range(n), index=pd.period_range("2020Q1", periods=n, freq="Q"))),
        ("categoricalindex", pd.Series(range(3), index=pd.CategoricalIndex(["a", "b", "a"]))),
        ("intervalindex", pd.Series(range(n), index=pd.interval_range(0, n))),
        ("timedeltaindex", pd.Series(range(n), index=pd.timedelta_range("1 day", periods=n))),
        ("rangeindex", pd.DataFrame({"v": range(n)})),
        ("scalars", {"ts": pd.Timestamp("2024-01-01 12:00", tz="US/Eastern"), "td": pd.Timedelta("1h"), "nat": pd.NaT,
                     "period": pd.Period("2024-01", freq="M"), "interval": pd.Interval(0, 1), "offset": pd.offsets.BDay(2),
                     "monthend": pd.offsets.MonthEnd(), "na": pd.NA, "dateoffset": pd.DateOffset(months=1)}),
        ("groupby_result", pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]}).groupby("k").agg(["sum", "mean"])),
        ("resampled", pd.Series(range(6), index=pd.date_range("2024", periods=6, freq="H")).resample("2H").mean()),
    ]
    for name, obj in frames:
        dump("pandas/%s.pkl" % name, obj, PD, "%s (%s)" % (type(obj).__name__, name))
    df = frames[0][1]
    for comp, ext in [(None, "pkl"), ("gzip", "pkl.gz"), ("bz2", "pkl.bz2"), ("xz", "pkl.xz"), ("zip", "pkl.zip"), ("tar", "pkl.tar")]:
        rel = "pandas/to_pickle/every_dtype.%s" % ext
        df.to_pickle(path(rel), compression=comp)
        note(rel, PD + " / " + PY, "DataFrame.to_pickle compression=%s (protocol 5)" % comp)
    for p in (0, 2):
        rel = "pandas/to_pickle/every_dtype_p%d.pkl" % p
        df.to_pickle(path(rel), protocol=p)
        note(rel, PD + " / " + PY, "DataFrame.to_pickle protocol=%d" % p)


# ---------------------------------------------------------------- scipy

def scipy_section():
    import scipy
    from scipy import interpolate, optimize, sparse, spatial, stats
    SC = version(scipy)
    dense = np.array([[1.0, 0, 2], [0, 0, 3], [4, 5, 0]])
    for name in ["csr_matrix", "csc_matrix", "coo_matrix", "bsr_matrix", "dia_matrix", "dok_matrix", "lil_matrix",
                 "csr_array", "csc_array", "coo_array", "lil_array"]:
        dump("scipy/sparse_%s.pkl" % name, getattr(sparse, name)(dense), SC, "scipy.sparse.%s" % name)
    dump("scipy/sparse_int_csr_p5.pkl", sparse.random(10, 10, density=0.2, format="csr", dtype=np.int64, random_state=0), SC,
         "scipy.sparse.random csr of int64", protocol=5)
    x = np.linspace(0, 1, 8)
    objs = [
        ("stats_frozen_norm", stats.norm(0, 1)),
        ("stats_frozen_gamma", stats.gamma(2.0, scale=3.0)),
        ("stats_frozen_poisson", stats.poisson(3)),
        ("stats_gaussian_kde", stats.gaussian_kde(np.random.RandomState(0).randn(2, 20))),
        ("interp1d", interpolate.interp1d(x, x ** 2, kind="cubic")),
        ("cubic_spline", interpolate.CubicSpline(x, np.sin(x))),
        ("univariate_spline", interpolate.UnivariateSpline(x, np.cos(x))),
        ("pchip", interpolate.PchipInterpolator(x, x ** 3)),
        ("regular_grid", interpolate.RegularGridInterpolator((x, x), np.outer(x, x))),
        ("kdtree", spatial.KDTree(np.random.RandomState(0).rand(10, 2))),
        ("ckdtree", spatial.cKDTree(np.random.RandomState(0).rand(10, 2))),
        ("rotation", spatial.transform.Rotation.from_euler("xyz", [10, 20, 30], degrees=True)),
        ("optimize_result", optimize.minimize(lambda v: float(((v - 1) ** 2).sum()), np.zeros(2), method="BFGS")),
    ]
    res = objs[-1][1]
    res.pop("hess_inv", None)
    for name, obj in objs:
        dump("scipy/%s.pkl" % name, obj, SC, "%s (%s)" % (type(obj).__name__, name))
    sparse.save_npz(path("scipy/sparse_csr.npz"), sparse.csr_matrix(dense))
    note("scipy/sparse_csr.npz", SC, "scipy.sparse.save_npz of a csr_matrix (npz, no pickle)")


# ---------------------------------------------------------------- statsmodels

def statsmodels_section():
    import statsmodels
    import statsmodels.api as sm
    import pandas as pd
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.api import VAR
    ST = version(statsmodels)
    rng = np.random.RandomState(0)
    X = sm.add_constant(rng.randn(30, 2))
    y = X @ np.array([1.0, 2.0, -1.0]) + rng.randn(30) * 0.1
    yb = (y + rng.randn(30) * 2 > y.mean()).astype(float)
    df = pd.DataFrame(X[:, 1:], columns=["a", "b"])
    ts = pd.Series(np.cumsum(rng.randn(24)) + 10, index=pd.date_range("2020-01", periods=24, freq="MS"))
    results = [
        ("ols", sm.OLS(y, X).fit()),
        ("ols_pandas", sm.OLS(pd.Series(y, name="y"), sm.add_constant(df)).fit()),
        ("wls", sm.WLS(y, X, weights=np.linspace(1, 2, 30)).fit()),
        ("glm_binomial", sm.GLM(yb, X, family=sm.families.Binomial()).fit()),
        ("glm_poisson", sm.GLM(np.round(np.abs(y)), X, family=sm.families.Poisson(sm.families.links.log())).fit()),
        ("logit", sm.Logit(yb, X).fit(disp=0)),
        ("probit", sm.Probit(yb, X).fit(disp=0)),
        ("rlm", sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit()),
        ("quantreg", sm.QuantReg(y, X).fit(q=0.5)),
        ("arima", ARIMA(ts, order=(1, 0, 0)).fit()),
        ("holtwinters", ExponentialSmoothing(ts, trend="add").fit()),
        ("var", VAR(pd.DataFrame({"a": ts.values, "b": ts.values[::-1]}, index=ts.index)).fit(1)),
    ]
    for name, res in results:
        rel = "statsmodels/%s.pickle" % name
        res.save(path(rel), remove_data=(name == "ols"))
        note(rel, ST + " / " + PY, "%s.save() of %s results%s" % (type(res).__name__, name, " (remove_data=True)" if name == "ols" else ""))
    dump("statsmodels/ols_pickled.pkl", results[1][1], ST, "pickle.dump of OLS results on pandas data")


# ---------------------------------------------------------------- nltk

def nltk_section():
    import nltk
    from nltk.classify import DecisionTreeClassifier, NaiveBayesClassifier
    from nltk.lm import MLE, Laplace
    from nltk.lm.preprocessing import padded_everygram_pipeline
    from nltk.probability import ConditionalFreqDist, FreqDist
    from nltk.stem import PorterStemmer, SnowballStemmer
    from nltk.tag import BigramTagger, DefaultTagger, UnigramTagger
    from nltk.tag.perceptron import PerceptronTagger
    from nltk.tokenize import RegexpTokenizer, TreebankWordTokenizer, TweetTokenizer
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer
    NL = version(nltk)
    text = ("Mr. Smith went to Washington. He arrived at 3 p.m. on Jan. 5. The U.S. team won. Dr. Brown said so. "
            "It was a long day. Everyone went home at night. ") * 5
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train(text)
    tagged = [[("the", "DT"), ("cat", "NN"), ("sat", "VBD")], [("a", "DT"), ("dog", "NN"), ("ran", "VBD")]] * 3
    feats = [({"last": w[-1], "len": len(w)}, t) for s in tagged for w, t in s]
    default = DefaultTagger("NN")
    uni = UnigramTagger(tagged, backoff=default)
    perc = PerceptronTagger(load=False)
    perc.train(tagged, nr_iter=2)
    sents = [["a", "b", "c"], ["a", "c"]]
    lm_mle = MLE(2)
    lm_mle.fit(*padded_everygram_pipeline(2, sents))
    lm_lap = Laplace(2)
    lm_lap.fit(*padded_everygram_pipeline(2, sents))
    objs = [
        ("punkt_tokenizer", PunktSentenceTokenizer(trainer.get_params())),
        ("punkt_params", trainer.get_params()),
        ("freqdist", FreqDist(text.split())),
        ("conditional_freqdist", ConditionalFreqDist((len(w), w) for w in text.split())),
        ("naive_bayes", NaiveBayesClassifier.train(feats)),
        ("decision_tree", DecisionTreeClassifier.train(feats, entropy_cutoff=0.0, support_cutoff=0)),
        ("unigram_tagger", uni),
        ("bigram_tagger", BigramTagger(tagged, backoff=uni)),
        ("perceptron_tagger", perc),
        ("lm_mle", lm_mle),
        ("lm_laplace", lm_lap),
        ("tree", nltk.Tree.fromstring("(S (NP the cat) (VP sat))")),
        ("grammar", nltk.CFG.fromstring("S -> NP VP\nNP -> 'the' N\nVP -> 'sat'\nN -> 'cat'")),
        ("stemmers", {"porter": PorterStemmer(), "snowball": SnowballStemmer("english")}),
        ("tokenizers", {"regexp": RegexpTokenizer(r"\w+"), "tweet": TweetTokenizer(), "treebank": TreebankWordTokenizer()}),
    ]
    for name, obj in objs:
        dump("nltk/%s.pickle" % name, obj, NL, "%s (%s)" % (type(obj).__name__, name))


# ---------------------------------------------------------------- numpy

def numpy_section():
    NP = version(np)
    arrays = {
        "bool": np.array([True, False]), "int8": np.arange(3, dtype=np.int8), "uint16": np.arange(3, dtype=np.uint16),
        "int64": np.arange(3), "float16": np.ones(2, np.float16), "float32": np.ones(2, np.float32), "float64": np.ones((2, 2)),
        "longdouble": np.ones(2, np.longdouble), "complex64": np.ones(2, np.complex64), "complex128": np.ones(2, np.complex128),
        "unicode": np.array(["ab", "cde"]), "bytes": np.array([b"ab", b"c"]), "datetime64": np.array(["2024-01-01"], dtype="datetime64[D]"),
        "timedelta64": np.array([1, 2], dtype="timedelta64[s]"), "structured": np.zeros(2, dtype=[("x", "<f4"), ("y", "<i8", (2,)), ("name", "U4")]),
        "fortran": np.asfortranarray(np.arange(6).reshape(2, 3)), "big_endian": np.arange(3, dtype=">i4"), "void": np.zeros(2, dtype="V3"),
    }
    for i, p in enumerate(range(6)):
        dump("numpy/arrays_every_dtype_p%d.pkl" % p, arrays, NP, "ndarrays of every dtype (structured, datetime, void, big-endian)", protocol=p)
    obj = np.empty(4, dtype=object)
    obj[:] = [1, "two", {"three": 3}, np.arange(2)]
    extras = [
        ("object_array", obj),
        ("masked_array", np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])),
        ("matrix", np.matrix([[1, 2], [3, 4]])),
        ("recarray", np.rec.fromrecords([(1, "a"), (2, "b")], names="n,s")),
        ("scalars", [np.float64(1.5), np.int32(7), np.bool_(True), np.str_("s"), np.datetime64("2024-01-01"), np.complex64(1j)]),
        ("dtypes", [np.dtype("f4"), np.dtype([("a", "i4"), ("b", "f8")]), np.dtype("M8[ns]"), np.dtype("U10"), np.dtype(">c16")]),
        ("randomstate", np.random.RandomState(0)),
        ("generator_pcg64", np.random.default_rng(0)),
        ("generator_mt19937", np.random.Generator(np.random.MT19937(1))),
        ("generator_philox", np.random.Generator(np.random.Philox(2))),
        ("generator_sfc64", np.random.Generator(np.random.SFC64(3))),
        ("seedsequence", np.random.SeedSequence(42)),
        ("ufuncs", {"add": np.add, "log1p": np.log1p, "sqrt": np.sqrt}),
    ]
    for name, o in extras:
        dump("numpy/%s.pkl" % name, o, NP, name.replace("_", " "))
    np.save(path("numpy/object_array.npy"), obj, allow_pickle=True)
    note("numpy/object_array.npy", NP, "np.save of an object array (a pickle inside the .npy)")
    np.save(path("numpy/float_array.npy"), np.arange(6.0).reshape(2, 3))
    note("numpy/float_array.npy", NP, "np.save of a float64 array")
    np.savez(path("numpy/mixed.npz"), obj=obj, floats=np.ones(3), strings=np.array(["a", "b"]))
    note("numpy/mixed.npz", NP, "np.savez with an object array member")
    np.savez_compressed(path("numpy/compressed.npz"), a=np.arange(10), b=obj)
    note("numpy/compressed.npz", NP, "np.savez_compressed with an object array member")


# ---------------------------------------------------------------- dill / cloudpickle

def dill_cloudpickle_section():
    import cloudpickle
    import dill
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    Xs = np.random.RandomState(0).randn(20, 3)
    ys = (Xs[:, 0] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(Xs, ys)
    data = {"weights": np.ones(3), "frame": pd.DataFrame({"a": [1, 2]}), "meta": collections.OrderedDict(epoch=3),
            "when": datetime.date(2024, 1, 1), "classes": [int, float, str], "none_type": type(None)}
    for lib, dumps in (("dill", dill.dumps), ("cloudpickle", cloudpickle.dumps)):
        V = version(dill if lib == "dill" else cloudpickle)
        for name, obj in (("pipeline", pipe), ("data", data), ("array", np.arange(4.0)), ("ndarray_subclass", np.matrix([[1, 2]]))):
            for p in ((2, 4) if name != "data" else (3, 5)):
                rel = "%s/%s_p%d.pkl" % (lib, name, p)
                with open(path(rel), "wb") as f:
                    f.write(dumps(obj, protocol=p))
                note(rel, V + " / " + PY, "%s.dumps protocol %d of %s" % (lib, p, name.replace("_", " ")))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated sections to regenerate")
    a = ap.parse_args()
    sections = [("cpython", cpython_section), ("torch", torch_section), ("sklearn", sklearn_section), ("xgboost", xgboost_section),
                ("gensim", gensim_section), ("pandas", pandas_section), ("scipy", scipy_section), ("statsmodels", statsmodels_section),
                ("nltk", nltk_section), ("numpy", numpy_section), ("dill", dill_cloudpickle_section)]
    dirs = {"dill": ["dill", "cloudpickle"]}
    only = set(filter(None, a.only.split(",")))
    redone = set()
    for name, fn in sections:
        if only and name not in only:
            continue
        for d in dirs.get(name, [name]):
            redone.add(d)
            if os.path.isdir(os.path.join(OUT, d)):
                shutil.rmtree(os.path.join(OUT, d))
        before = len(ROWS)
        fn()
        print("%-12s %4d files" % (name, len(ROWS) - before), file=sys.stderr)
    write_manifest(redone if only else set())


def cpython_section():
    helper = os.path.join(HERE, "ecosystem_stdlib.py")
    for ver in CPYTHONS:
        exe = os.path.join(PYENV, ver, "bin", "python")
        rel = "cpython/%s" % ".".join(ver.split(".")[:2])
        out = subprocess.run([exe, helper, path(rel + "/x")[:-2]], check=True, stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            name, producer, what = line.split("\t")
            note(rel + "/" + name, producer, what)


def write_manifest(only):
    mf = os.path.join(OUT, "MANIFEST.tsv")
    rows = {}
    if only and os.path.exists(mf):
        with open(mf) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                rel, producer, what, verdict = line.rstrip("\n").split("\t")
                if rel.split("/")[0] not in only:
                    rows[rel] = (producer, what)
    for rel, producer, what in ROWS:
        rows[rel] = (producer, what)
    with open(mf, "w") as f:
        f.write("# path\tproducer\twhat\texpected verdict\n")
        for rel in sorted(rows):
            producer, what = rows[rel]
            f.write("%s\t%s\t%s\tsafe\n" % (rel, producer, what))


if __name__ == "__main__":
    main()
