#!/usr/bin/python3
"""Train the two small Fashion-MNIST CNNs bundled with qinfer and regenerate their fixtures.

Run from the repository root with Debian's Python (needs python3-torch, python3-onnx,
python3-numpy and the dataset-fashion-mnist package; `scripts/setup.sh --dev` installs them):

    /usr/bin/python3 scripts/train_fashion_mnist.py            # writes everything into models/
    /usr/bin/python3 scripts/train_fashion_mnist.py --out DIR  # somewhere else

Single-threaded and seeded (torch, numpy, data order), so reruns on the same torch build should
reproduce the numbers; takes ~5 CPU minutes (4 epochs per model, ~30-45 s each).
It (re)writes:

  models/fashion_cnn.onnx                   main model: Conv+BN+ReLU, MaxPool, depthwise+pointwise
                                            block with residual Add, GlobalAveragePool, Flatten, Gemm
                                            -> logits [1,10]
  models/fashion_mixed.onnx                 second op mix: Clip (ReLU6), HardSigmoid+Mul (HardSwish),
                                            dilated conv, Sigmoid, Concat, AveragePool, grouped conv
                                            (group=2), Flatten, Gemm, Tanh, Gemm, Softmax -> probs [1,10]
  models/fashion_calib.npy                  float32 [200,1,28,28] training images (seed 1234), in [0,1]
  models/fashion_test_1000_u8.npy           uint8 [1000,1,28,28] first 1000 test images (raw pixels)
  models/fashion_test_1000_labels.npy       int64 [1000] their labels
  models/fashion_cnn.float_logits_1000.npy  float32 [1000,10] torch eval-mode outputs of fashion_cnn
  models/fashion_mixed.float_logits_1000.npy float32 [1000,10] torch eval-mode outputs of fashion_mixed
                                            (these are Softmax probabilities: the model's output)
  models/reference.json                     accuracies (float top-1 on the 10k test set for both
                                            models; PyTorch int8 PTQ top-1 for fashion_cnn); other keys
                                            already in the file (e.g. "blazeface") are preserved.

Every model input is x = float32(u8) / float32(255): NCHW [1,1,28,28], no further normalization.
"""
import argparse
import copy
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
SEED = 1234
CALIB_N = 200
FIXTURE_N = 1000


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    assert magic >> 8 == 0x08, "expected unsigned byte IDX data"
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_split(prefix):
    x = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    return x[:, None, :, :].copy(), y.astype(np.int64)  # uint8 [N,1,28,28], int64 [N]


def to_float(u8):
    return u8.astype(np.float32) / np.float32(255.0)


# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------
class FashionCNN(nn.Module):
    """Main model. QuantStub/DeQuantStub and FloatFunctional are no-ops in float mode (they add
    no ONNX nodes except the residual Add), and make the same class usable for eager-mode PTQ."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                                   # 28 -> 14
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        # depthwise + pointwise block with a residual connection
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False)
        self.bn_dw = nn.BatchNorm2d(32)
        self.relu_dw = nn.ReLU()
        self.pw = nn.Conv2d(32, 32, 1, bias=False)
        self.bn_pw = nn.BatchNorm2d(32)
        self.skip_add = nn.quantized.FloatFunctional()
        self.relu_res = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)                                   # 14 -> 7
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.relu3 = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)                             # GlobalAveragePool
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(64, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.relu2(self.bn2(self.conv2(x)))
        y = self.relu_dw(self.bn_dw(self.dw(x)))
        y = self.bn_pw(self.pw(y))
        x = self.relu_res(self.skip_add.add(x, y))
        x = self.pool2(x)
        x = self.relu3(self.bn3(self.conv3(x)))
        x = self.fc(self.flatten(self.gap(x)))
        return self.dequant(x)

    fuse_groups = [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"],
                   ["dw", "bn_dw", "relu_dw"], ["pw", "bn_pw"], ["conv3", "bn3", "relu3"]]


class FashionMixed(nn.Module):
    """Second model with a different op mix (no BatchNorm)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.act0 = nn.ReLU6()                                          # -> Clip(0, 6)
        self.br_a = nn.Conv2d(16, 16, 3, padding=1)
        self.act_a = nn.Hardswish()                                     # -> HardSigmoid + Mul (opset 13)
        self.br_b = nn.Conv2d(16, 16, 3, padding=2, dilation=2)         # dilated conv
        self.act_b = nn.Sigmoid()
        self.pool1 = nn.AvgPool2d(2, count_include_pad=False)           # 28 -> 14 (no Pad node)
        self.gconv = nn.Conv2d(32, 32, 3, padding=1, groups=2)          # grouped conv
        self.act1 = nn.ReLU6()
        self.pool2 = nn.AvgPool2d(2, count_include_pad=False)           # 14 -> 7
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(32 * 7 * 7, 48)
        self.act2 = nn.Tanh()
        self.fc2 = nn.Linear(48, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x, with_softmax=True):
        x = self.act0(self.stem(x))
        a = self.act_a(self.br_a(x))
        b = self.act_b(self.br_b(x))
        x = torch.cat([a, b], dim=1)
        x = self.pool1(x)
        x = self.pool2(self.act1(self.gconv(x)))
        x = self.fc2(self.act2(self.fc1(self.flatten(x))))
        return self.softmax(x) if with_softmax else x


def n_params(m):
    return sum(p.numel() for p in m.parameters())


# ----------------------------------------------------------------------------------------------
# Training / evaluation
# ----------------------------------------------------------------------------------------------
def train(model, xtr, ytr, epochs, lr, seed, logits_fn, batch=128):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(xtr) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    xt = torch.from_numpy(xtr)
    yt = torch.from_numpy(ytr)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        t0, tot, correct = time.time(), 0.0, 0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            xb, yb = xt[idx], yt[idx]
            out = logits_fn(model, xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        print(f"  epoch {ep + 1}/{epochs}: loss {tot / len(xt):.4f} train-acc "
              f"{correct / len(xt):.4f} ({time.time() - t0:.0f}s)", flush=True)
    model.eval()
    return model


@torch.no_grad()
def predict(fn, x, batch=500):
    outs = [fn(torch.from_numpy(x[i:i + batch])) for i in range(0, len(x), batch)]
    return torch.cat(outs).numpy()


def export_onnx(model, path, keep_batchnorm):
    import onnx
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    if keep_batchnorm:
        # TrainingMode.PRESERVE with the module in eval mode skips the exporter's eval-mode
        # Conv+BN fusion peephole, so BatchNormalization nodes stay in the graph (inference form).
        kw = dict(do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
    else:
        # plain export: constants (e.g. Clip min/max) become initializers
        kw = dict(do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    torch.onnx.export(model, dummy, path, opset_version=13, input_names=["input"],
                      output_names=["output"], **kw)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"  exported {path}: {ops}")
    return ops


def check_onnx_matches(model, path, x):
    """Run the exported graph with the small torch-based interpreter in make_lfw_data.py
    (no onnxruntime / onnx.reference here) and compare with the eval-mode module."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_lfw_data import MiniOnnx
    ev = MiniOnnx(path)
    ref = predict(model, x)
    got = np.concatenate([ev.run({"input": x[i:i + 1]})["output"] for i in range(len(x))])
    err = float(np.abs(got - ref).max())
    print(f"  ONNX graph vs torch on {len(x)} images: max abs diff {err:.2e}")
    assert err < 1e-4, err


def quantize_pytorch(float_model, calib, xte, yte):
    """PyTorch eager-mode post-training static quantization of FashionCNN."""
    from torch.ao import quantization as tq
    engines = torch.backends.quantized.supported_engines
    # fbgemm/x86 are preferred but Debian's torch 1.13 is built without FBGEMM; onednn is the
    # x86 backend there. Both use per-channel symmetric int8 weights + HistogramObserver activations.
    engine = next(e for e in ("x86", "fbgemm", "onednn", "qnnpack") if e in engines)
    torch.backends.quantized.engine = engine
    qm = copy.deepcopy(float_model).eval()
    qm = tq.fuse_modules(qm, FashionCNN.fuse_groups)
    qm.qconfig = tq.get_default_qconfig(engine)
    qconf = str(qm.qconfig)
    tq.prepare(qm, inplace=True)
    with torch.no_grad():
        qm(torch.from_numpy(calib))  # one pass over the same 200 calibration images
    tq.convert(qm, inplace=True)
    pred = predict(qm, xte).argmax(1)
    acc = float((pred == yte).mean())
    return acc, engine, qconf


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    np.random.seed(SEED)

    xtr_u8, ytr = load_split("train")
    xte_u8, yte = load_split("t10k")
    xtr, xte = to_float(xtr_u8), to_float(xte_u8)
    print(f"train {xtr.shape} test {xte.shape}")

    # fixtures
    rng = np.random.RandomState(SEED)
    calib_idx = np.sort(rng.choice(len(xtr), CALIB_N, replace=False))
    calib = xtr[calib_idx]
    np.save(os.path.join(out, "fashion_calib.npy"), calib)
    np.save(os.path.join(out, "fashion_test_1000_u8.npy"), xte_u8[:FIXTURE_N])
    np.save(os.path.join(out, "fashion_test_1000_labels.npy"), yte[:FIXTURE_N])
    fx = xte[:FIXTURE_N]

    results = {}

    # --- a) fashion_cnn -------------------------------------------------------------------
    cnn = FashionCNN()
    print(f"fashion_cnn: {n_params(cnn)} params")
    train(cnn, xtr, ytr, args.epochs, 4e-3, SEED, lambda m, x: m(x))
    acc = float((predict(cnn, xte).argmax(1) == yte).mean())
    print(f"  float top-1 (10k test): {acc:.4f}")
    np.save(os.path.join(out, "fashion_cnn.float_logits_1000.npy"), predict(cnn, fx).astype(np.float32))
    ops_cnn = export_onnx(cnn, os.path.join(out, "fashion_cnn.onnx"), keep_batchnorm=True)
    assert ops_cnn.get("BatchNormalization", 0) == 5 and "Identity" not in ops_cnn, ops_cnn
    check_onnx_matches(cnn, os.path.join(out, "fashion_cnn.onnx"), fx[:50])
    qacc, engine, qconf = quantize_pytorch(cnn, calib, xte, yte)
    print(f"  PyTorch int8 PTQ top-1 (10k test, engine {engine}): {qacc:.4f}")
    results["fashion_cnn"] = {
        "params": n_params(cnn), "epochs": args.epochs,
        "float_top1_test10k": acc,
        "float_top1_test1000": float((np.load(os.path.join(out, "fashion_cnn.float_logits_1000.npy")).argmax(1) == yte[:FIXTURE_N]).mean()),
        "pytorch_int8_ptq_top1_test10k": qacc,
        "pytorch_int8_ptq": {
            "torch_version": torch.__version__, "engine": engine, "qconfig": qconf,
            "method": "eager-mode static PTQ: fuse conv+bn(+relu), QuantStub/DeQuantStub, "
                      "FloatFunctional residual add, calibrated with one pass over fashion_calib.npy "
                      "(200 images); input quantized by QuantStub, output dequantized",
        },
        "onnx_ops": ops_cnn,
    }

    # --- b) fashion_mixed -----------------------------------------------------------------
    mixed = FashionMixed()
    print(f"fashion_mixed: {n_params(mixed)} params")
    # train on logits (Softmax is only applied in eval/export)
    train(mixed, xtr, ytr, args.epochs, 3e-3, SEED + 1, lambda m, x: m(x, with_softmax=False))
    acc_m = float((predict(mixed, xte).argmax(1) == yte).mean())
    print(f"  float top-1 (10k test): {acc_m:.4f}")
    np.save(os.path.join(out, "fashion_mixed.float_logits_1000.npy"), predict(mixed, fx).astype(np.float32))
    ops_mixed = export_onnx(mixed, os.path.join(out, "fashion_mixed.onnx"), keep_batchnorm=False)
    check_onnx_matches(mixed, os.path.join(out, "fashion_mixed.onnx"), fx[:50])
    results["fashion_mixed"] = {
        "params": n_params(mixed), "epochs": args.epochs,
        "float_top1_test10k": acc_m,
        "float_top1_test1000": float((np.load(os.path.join(out, "fashion_mixed.float_logits_1000.npy")).argmax(1) == yte[:FIXTURE_N]).mean()),
        "output": "softmax probabilities",
        "onnx_ops": ops_mixed,
    }
    results["fashion_inputs"] = {
        "preprocess": "x = float32(u8) / float32(255), NCHW [1,1,28,28]",
        "calib": f"fashion_calib.npy: {CALIB_N} training images, np.random.RandomState({SEED}).choice(60000, {CALIB_N}, replace=False), sorted",
        "fixture": f"fashion_test_1000_u8.npy: first {FIXTURE_N} test images",
    }

    ref_path = os.path.join(out, "reference.json")
    ref = {}
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            ref = json.load(f)
    ref.update(results)
    with open(ref_path, "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {ref_path}")


if __name__ == "__main__":
    sys.exit(main())
