#!/usr/bin/python3
"""ONNX versions of the whole models bench/x86/models.cc times, for ONNX Runtime.

Writes to OUT_DIR:
  mobilenetv2.onnx           float, the architecture of models.cc's MobileNetV2 (224x224x3,
                             width 1.0, expansion 6, ReLU; random weights from a fixed seed)
  fashion_cnn.onnx           models/fashion_cnn.onnx (float), batch norms folded
  fashion_mixed.onnx,        models/fashion_mixed.onnx and models/blazeface_front_128.onnx
  blazeface_front_128.onnx   (float), as the converter reads them
  <name>_qdq_s8.onnx         QDQ int8 (int8 activations, int8 weights, per-tensor scales)
  <name>_qdq_u8.onnx         QDQ with uint8 activations (ONNX Runtime's fast x86 path)

The QDQ models are for latency: activation scales are fixed rather than calibrated, and each
ReLU is folded into its producer's quantized range, as int8 runtimes (qinfer included) fuse
it into the clamp. ONNX Runtime fuses the Q/DQ pairs into its quantized operators.

usage: bench/x86/ort_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACT_SCALE = 0.05


class Graph:
    """A small float graph builder (NCHW)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, kind):
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, array):
        n = self.name("w")
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n

    def conv(self, x, cin, cout, k, stride, groups, relu):
        w = self.rng.normal(0, np.sqrt(2.0 / (k * k * cin / groups)), (cout, cin // groups, k, k))
        b = self.rng.normal(0, 0.01, cout)
        y = self.name("conv")
        self.nodes.append(helper.make_node(
            "Conv", [x, self.const(w), self.const(b)], [y], kernel_shape=[k, k],
            strides=[stride, stride], pads=[(k - 1) // 2] * 4, group=groups))
        return self.op("Relu", [y]) if relu else y

    def op(self, kind, inputs, **attrs):
        y = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [y], **attrs))
        return y

    def model(self, x, shape, y):
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 1000])], self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def mobilenetv2():
    g = Graph(2024)
    x = g.conv("input", 3, 32, 3, 2, 1, True)
    channels = 32
    for expand, out, repeats, stride in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2),
                                         (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                                         (6, 320, 1, 1)]:
        for r in range(repeats):
            s = stride if r == 0 else 1
            y, hidden = x, channels * expand
            if expand != 1:
                y = g.conv(y, channels, hidden, 1, 1, 1, True)
            y = g.conv(y, hidden, hidden, 3, s, hidden, True)
            y = g.conv(y, hidden, out, 1, 1, 1, False)
            x = g.op("Add", [x, y]) if s == 1 and channels == out else y
            channels = out
    x = g.conv(x, channels, 1280, 1, 1, 1, True)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    w = g.rng.normal(0, 0.03, (1000, 1280))
    y = g.op("Gemm", [x, g.const(w), g.const(np.zeros(1000))], transB=1)
    return g.model("input", [1, 3, 224, 224], y)


def fold_batch_norms(model):
    """Conv followed by BatchNormalization -> one Conv with bias."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    keep = []
    for n in model.graph.node:
        conv = producer.get(n.input[0]) if n.op_type == "BatchNormalization" else None
        if conv is None or conv.op_type != "Conv":
            keep.append(n)
            continue
        gamma, beta, mean, var = (inits[i] for i in n.input[1:5])
        eps = next((a.f for a in n.attribute if a.name == "epsilon"), 1e-5)
        scale = gamma / np.sqrt(var + eps)
        w = inits[conv.input[1]] * scale[:, None, None, None]
        b = (inits[conv.input[2]] if len(conv.input) > 2 else 0) - mean
        b = b * scale + beta
        inits[conv.input[1]] = w
        bias_name = conv.input[1] + "_folded_bias"
        inits[bias_name] = b
        del conv.input[2:]
        conv.input.append(bias_name)
        conv.output[0] = n.output[0]
    del model.graph.node[:]
    model.graph.node.extend(keep)
    del model.graph.initializer[:]
    used = {i for n in keep for i in n.input}
    model.graph.initializer.extend(
        numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items() if k in used)
    return model


def to_qdq(model, act_type):
    """Q/DQ around every activation, int8 weights and int32 biases behind DequantizeLinear."""
    src = onnx.ModelProto()
    src.CopyFrom(model)
    g = src.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    zero = 128 if act_type == TensorProto.UINT8 else 0
    np_act = np.uint8 if act_type == TensorProto.UINT8 else np.int8
    new_inits = [numpy_helper.from_array(np.array(ACT_SCALE, np.float32), "act_scale"),
                 numpy_helper.from_array(np.array(zero, np_act), "act_zero")]
    nodes = []
    # ReLU folded into its producer's quantized range: consumers read the ReLU's input.
    alias = {}
    for n in g.node:
        if n.op_type == "Relu":
            alias[n.output[0]] = alias.get(n.input[0], n.input[0])
    out_name = g.output[0].name
    if out_name in alias:
        raise ValueError("graph output is a ReLU")

    def dq_weight(name, bias_of=None):
        v = inits[name]
        if bias_of is None:
            s = max(float(np.abs(v).max()) / 127.0, 1e-8)
            q = np.clip(np.round(v / s), -127, 127).astype(np.int8)
        else:
            s = ACT_SCALE * bias_of
            q = np.round(v / s).astype(np.int32)
        qn, sn, dn = name + "_q", name + "_scale", name + "_dq"
        new_inits.append(numpy_helper.from_array(q, qn))
        new_inits.append(numpy_helper.from_array(np.array(s, np.float32), sn))
        nodes.append(helper.make_node("DequantizeLinear", [qn, sn], [dn]))
        return dn, s

    def qdq(name):
        nodes.append(helper.make_node("QuantizeLinear", [name, "act_scale", "act_zero"], [name + "_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", "act_scale", "act_zero"],
                                      [name + "_dq"]))
        return name + "_dq"

    act = {g.input[0].name: qdq(g.input[0].name)}
    kept = set()
    for n in g.node:
        if n.op_type == "Relu":
            continue
        ins = []
        for i, name in enumerate(n.input):
            name = alias.get(name, name)
            if name in act:
                ins.append(act[name])
            elif name in inits and n.op_type in ("Conv", "Gemm") and i == 1:
                wq, ws = dq_weight(name)
                ins.append(wq)
            elif name in inits and n.op_type in ("Conv", "Gemm") and i == 2:
                ins.append(dq_weight(name, bias_of=ws)[0])
            else:
                if name in inits and name not in kept:  # shapes, pads: as they were
                    kept.add(name)
                    new_inits.append(numpy_helper.from_array(inits[name], name))
                ins.append(name)
        out = n.output[0]
        nodes.append(helper.make_node(n.op_type, ins, [out], name=n.name, **{
            a.name: helper.get_attribute_value(a) for a in n.attribute}))
        act[out] = qdq(out)
    nodes.append(helper.make_node("Identity", [act[out_name]], [out_name + "_float"]))
    graph = helper.make_graph(
        nodes, "qdq", list(g.input),
        [helper.make_tensor_value_info(out_name + "_float", TensorProto.FLOAT,
                                       [d.dim_value for d in g.output[0].type.tensor_type.shape.dim])],
        new_inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    models = {
        "mobilenetv2": mobilenetv2(),
        "fashion_cnn": fold_batch_norms(onnx.load(os.path.join(ROOT, "models", "fashion_cnn.onnx"))),
        "fashion_mixed": fold_batch_norms(onnx.load(os.path.join(ROOT, "models", "fashion_mixed.onnx"))),
        "blazeface_front_128": onnx.load(os.path.join(ROOT, "models", "blazeface_front_128.onnx")),
    }
    for name, m in models.items():
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(out_dir, name + ".onnx"))
        for suffix, t in (("s8", TensorProto.INT8), ("u8", TensorProto.UINT8)):
            q = to_qdq(m, t)
            onnx.checker.check_model(q)
            onnx.save(q, os.path.join(out_dir, f"{name}_qdq_{suffix}.onnx"))
    print("wrote", ", ".join(sorted(os.listdir(out_dir))))


if __name__ == "__main__":
    main()
