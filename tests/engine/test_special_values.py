"""Special values through every claimed operator, against onnxruntime.

Each case is a small model fed float32 tensors holding NaN, +-Inf, -0.0 and +0.0,
subnormals (+-1e-40), +-FLT_MAX and ordinary values. Its outputs must match onnxruntime's
(the oracle): NaN where onnxruntime gives NaN (any payload, either sign), the same infinity,
the sign of a zero where onnxruntime's answer is well-defined (``signed_zero``), bit for bit
where the operator only selects or moves values (``exact``), and otherwise within ONNX's
backend tolerances (rtol 1e-3, atol 1e-7). Every case also runs unoptimized
(``LOAD_NO_OPTIMIZE``), so activations fused into Conv and Gemm at load must give what the
operators give on their own.

Where onnxruntime drops a NaN that IEEE 754 and NumPy propagate (an artifact of its kernels'
max/min instructions), the engine deliberately propagates it: such a case is listed in
``DELIBERATE`` with its reason (native/README.md, "Special values") and compared with NumPy
instead, and onnxruntime must agree with NumPy everywhere except at outputs NumPy says are NaN.

Every operator in the engine's table (``predict.operator_name``) must be covered by a case or
listed in ``NOT_COVERED`` with the reason.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import predict

ort = pytest.importorskip("onnxruntime")

F32 = np.float32
NAN, INF, FMAX = F32(np.nan), F32(np.inf), F32(np.finfo(np.float32).max)
NEG_NAN = -NAN  # sign bit set
SUB = F32(1e-40)  # subnormal

# the special values, then ordinary ones around the points where activations change their formula
SPECIAL = np.array([NAN, INF, -INF, -0.0, 0.0, SUB, -SUB, FMAX, -FMAX, NEG_NAN], F32)
NORMAL = np.array([1.0, -1.0, 0.5, -0.5, 2.5, -3.0, 3.0, 7.0, -7.0, 30.0, -30.0, 100.0, -100.0, 1e-20, 6.0], F32)
VALUES = np.concatenate([SPECIAL, NORMAL])
# a short set for operators of pairs or rows, so that every ordered pair fits
PAIR = np.array([NAN, INF, -INF, -0.0, 0.0, SUB, FMAX, -FMAX, 1.5, -2.0], F32)

RTOL, ATOL = 1e-3, 1e-7  # ONNX's backend runner defaults


@dataclass
class Case:
    id: str
    ops: frozenset
    model: bytes
    feeds: dict
    exact: bool = False          # selection and data movement: bit-identical to onnxruntime (NaN payloads aside)
    signed_zero: bool = True     # onnxruntime's sign of a zero is well-defined


def build(nodes, feeds, inits=(), outputs=("y",), opset=13):
    """A model of nodes with float32 graph inputs `feeds` and initializers `inits` (name -> array)."""
    inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in feeds.items()]
    outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
    g = helper.make_graph(nodes, "g", inputs, outs, [numpy_helper.from_array(np.asarray(v), k) for k, v in dict(inits).items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True).graph
    known = {v.name: v.type for v in [*inferred.value_info, *inferred.output]}
    for out in m.graph.output:
        if out.name in known:
            out.type.CopyFrom(known[out.name])
    onnx.checker.check_model(m, full_check=True)
    return m.SerializeToString()


CASES: list[Case] = []


def case(id, nodes, feeds, inits=(), opset=13, outputs=("y",), exact=False, signed_zero=True):
    CASES.append(Case(id, frozenset(n.op_type for n in nodes), build(nodes, feeds, inits, outputs, opset), feeds,
                      exact, signed_zero))


def node(op, inputs, outputs=("y",), **attrs):
    return helper.make_node(op, list(inputs), list(outputs), **attrs)


def row(v):
    return np.asarray(v, F32).reshape(1, -1)


def sparse_image(channels=2, size=9, rng_seed=0):
    """(1, channels, size, size) ordinary values with the special values of PAIR and SPECIAL at the centres
    of 3x3 blocks of channel 0, so that a 3x3 window never holds two of them."""
    rng = np.random.default_rng(rng_seed)
    x = rng.uniform(-2, 2, (1, channels, size, size)).astype(F32)
    specials = SPECIAL[:9]
    for k, v in enumerate(specials):
        x[0, 0, 1 + 3 * (k // 3), 1 + 3 * (k % 3)] = v
    return x


def pairs(values=PAIR, extra=()):
    """(len(values)^2, 2 + len(extra)): every ordered pair of values, then the extra columns."""
    a, b = np.meshgrid(values, values, indexing="ij")
    cols = [a.ravel(), b.ravel()] + [np.full(a.size, e, F32) for e in extra]
    return np.stack(cols, axis=1).astype(F32)


def rows_with_specials(width=4):
    """Rows of `width`: each special value among ordinary ones, twice, and alone; an ordinary row."""
    base = np.array([1.0, 2.0, -3.0, 0.5, 4.0, -1.0][:width], F32)
    rows = [base.copy()]
    for s in SPECIAL:
        r = base.copy(); r[1] = s; rows.append(r)
        r = base.copy(); r[0] = r[2] = s; rows.append(r)
        rows.append(np.full(width, s, F32))
    for a, b in [(INF, -INF), (FMAX, FMAX), (-FMAX, -FMAX), (FMAX, -FMAX), (INF, NAN), (-0.0, 0.0), (0.0, -0.0)]:
        r = base.copy(); r[0], r[3] = a, b; rows.append(r)
    return np.stack(rows).astype(F32)


# ---- elementwise, one input --------------------------------------------------------------------

x = row(VALUES)
UNARY = [  # (op, attrs, opset)
    ("Relu", {}, 13), ("LeakyRelu", {"alpha": 0.1}, 13), ("LeakyRelu", {}, 6), ("Sigmoid", {}, 13),
    ("HardSigmoid", {}, 6), ("HardSigmoid", {"alpha": 0.5, "beta": 0.25}, 6), ("HardSwish", {}, 14),
    ("Tanh", {}, 13), ("Exp", {}, 13), ("Sqrt", {}, 13), ("Erf", {}, 13), ("Gelu", {}, 20),
    ("Gelu", {"approximate": "tanh"}, 20), ("Abs", {}, 13), ("Neg", {}, 13), ("Reciprocal", {}, 13),
    ("Floor", {}, 13), ("Ceil", {}, 13), ("Elu", {}, 6), ("Elu", {"alpha": 0.5}, 6), ("Selu", {}, 6),
    ("Celu", {}, 12), ("Celu", {"alpha": 2.0}, 12), ("Softplus", {}, 1), ("Softsign", {}, 1),
    ("ThresholdedRelu", {}, 10), ("ThresholdedRelu", {"alpha": 0.0}, 10), ("ThresholdedRelu", {"alpha": -1.0}, 10),
    ("Mish", {}, 18), ("Identity", {}, 13), ("Dropout", {}, 13),
]
EXACT_UNARY = {"Relu", "LeakyRelu", "Abs", "Neg", "Floor", "Ceil", "Sqrt", "ThresholdedRelu", "Identity", "Dropout"}
for op, attrs, opset in UNARY:
    suffix = "-".join(f"{k}={v}" for k, v in attrs.items())
    case(f"{op}{'-' + suffix if suffix else ''}", [node(op, ["x"], **attrs)], {"x": x}, opset=opset,
         exact=op in EXACT_UNARY)

# Clip: attributes before opset 11, optional scalar inputs after
case("Clip-6-0-6", [node("Clip", ["x"], min=0.0, max=6.0)], {"x": x}, opset=6, exact=True)
case("Clip-6-default", [node("Clip", ["x"])], {"x": x}, opset=6, exact=True)
for lo, hi in [(0.0, 6.0), (-1.0, 1.0), (-0.0, 0.0), (None, 2.0), (-2.0, None), (None, None), (-FMAX, FMAX)]:
    names = ["x", "" if lo is None else "lo", "" if hi is None else "hi"]
    while names[-1] == "": names.pop()
    inits = {k: np.array(v, F32) for k, v in (("lo", lo), ("hi", hi)) if v is not None}
    case(f"Clip-13-{lo}-{hi}", [node("Clip", names)], {"x": x}, inits, exact=True)

# ---- elementwise, two or more inputs, broadcast: every ordered pair ----------------------------

a, b = VALUES.reshape(-1, 1), VALUES.reshape(1, -1)
for op in ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum"]:
    case(f"{op}-pairs", [node(op, ["a", "b"])], {"a": a, "b": b}, exact=op in {"Max", "Min"},
         # max(-0, +0) and min(-0, +0): IEEE 754 leaves the sign open
         signed_zero=op not in {"Max", "Min"})
for op in ["Max", "Min", "Sum"]:
    case(f"{op}-one", [node(op, ["a"])], {"a": x}, exact=True)
    case(f"{op}-three", [node(op, ["a", "b", "c"])],
         {"a": pairs()[:, :1].copy(), "b": pairs()[:, 1:2].copy(), "c": np.array([[1.0, NAN, -INF, 0.0]], F32)},
         exact=op != "Sum", signed_zero=op == "Sum")
case("Max-same-shape", [node("Max", ["a", "b"])], {"a": pairs()[:, 0].copy(), "b": pairs()[:, 1].copy()},
     exact=True, signed_zero=False)
case("Min-same-shape", [node("Min", ["a", "b"])], {"a": pairs()[:, 0].copy(), "b": pairs()[:, 1].copy()},
     exact=True, signed_zero=False)
case("PRelu-pairs", [node("PRelu", ["x", "slope"])], {"x": np.repeat(a, VALUES.size, axis=1)}, {"slope": VALUES},
     exact=False)

# ---- Conv and Gemm, alone and with the activations fused into them at load ----------------------

img = sparse_image()
rng = np.random.default_rng(1)
w3 = rng.uniform(-1, 1, (3, 2, 3, 3)).astype(F32)
bias = np.array([0.5, NAN, -INF], F32)
case("Conv-bias", [node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1])], {"x": img}, {"w": w3, "b": bias},
     signed_zero=False)
case("Conv-nobias", [node("Conv", ["x", "w"], strides=[2, 2])], {"x": img}, {"w": w3}, signed_zero=False)
case("Conv-depthwise", [node("Conv", ["x", "w"], group=2, pads=[1, 1, 1, 1])], {"x": img},
     {"w": rng.uniform(-1, 1, (2, 1, 3, 3)).astype(F32)}, signed_zero=False)
case("ConvTranspose", [node("ConvTranspose", ["x", "w", "b"], strides=[2, 2])], {"x": img},
     {"w": rng.uniform(-1, 1, (2, 3, 3, 3)).astype(F32), "b": np.array([0.0, 1.0, -1.0], F32)}, signed_zero=False)
# weights as a graph input are not packed (the plain loops of pred__conv, or the depthwise kernels): the padding
# multiplies them by 0 there too, so an infinite or NaN weight over it makes NaN, as onnxruntime's im2col does
w_run = w3.copy()
w_run[0, 0, 0, 0], w_run[1, 1, 2, 2], w_run[2, 0, 1, 0] = INF, NAN, -INF
case("Conv-runtime-weights", [node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1])], {"x": img, "w": w_run},
     {"b": np.array([0.5, -1.0, 2.0], F32)}, signed_zero=False)
case("Conv-runtime-weights-strided-dilated",
     [node("Conv", ["x", "w"], pads=[2, 1, 0, 2], strides=[2, 1], dilations=[2, 1])], {"x": img, "w": w_run},
     signed_zero=False)
w_dw = np.random.default_rng(2).uniform(-1, 1, (2, 1, 3, 3)).astype(F32)
w_dw[0, 0, 0, 2], w_dw[1, 0, 2, 0] = NAN, -INF
case("Conv-runtime-weights-depthwise", [node("Conv", ["x", "w"], group=2, pads=[1, 1, 1, 1])], {"x": img, "w": w_dw},
     signed_zero=False)

# a 1x1 Conv and a Gemm of weight 1 hand the activation the values themselves
ident = x.reshape(1, 1, 1, -1)
ACTS = [("Relu", [], {}, 13), ("Clip", ["lo", "hi"], {}, 13), ("Clip", ["lo2", "hi2"], {}, 13),
        ("Clip", [], {"min": -0.5, "max": 0.5}, 10), ("LeakyRelu", [], {"alpha": 0.2}, 13), ("Sigmoid", [], {}, 13),
        ("HardSwish", [], {}, 14)]
bounds = {"lo": np.array(0.0, F32), "hi": np.array(6.0, F32), "lo2": np.array(-1.0, F32), "hi2": np.array(2.0, F32)}
for act, extra, attrs, opset in ACTS:
    tag = f"{act}{'-' + '-'.join(extra) if extra else ''}{'-attrs' if attrs else ''}"
    case(f"Conv1x1-{tag}", [node("Conv", ["x", "w"], ["c"]), node(act, ["c", *extra], **attrs)], {"x": ident},
         {"w": np.ones((1, 1, 1, 1), F32), **{k: bounds[k] for k in extra}}, opset=opset, signed_zero=False)
    case(f"Conv3x3-{tag}", [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), node(act, ["c", *extra], **attrs)],
         {"x": img}, {"w": w3, "b": bias, **{k: bounds[k] for k in extra}}, opset=opset, signed_zero=False)
    case(f"Gemm-{tag}", [node("Gemm", ["x", "w", "c0"], ["c"]), node(act, ["c", *extra], **attrs)],
         {"x": VALUES.reshape(-1, 1).copy()},
         {"w": np.ones((1, 1), F32), "c0": np.zeros(1, F32), **{k: bounds[k] for k in extra}}, opset=opset,
         signed_zero=False)

mat_a = np.stack([VALUES, np.ones_like(VALUES)], axis=1)
mat_b = np.array([[1.0, 0.5, -2.0], [0.25, 3.0, 1.0]], F32)
case("MatMul", [node("MatMul", ["a", "b"])], {"a": mat_a}, {"b": mat_b}, signed_zero=False)
case("Gemm-C", [node("Gemm", ["a", "b", "c"], alpha=0.5, beta=2.0)], {"a": mat_a},
     {"b": mat_b, "c": np.array([1.0, INF, NAN], F32)}, signed_zero=False)
case("Gemm-transB-noC", [node("Gemm", ["a", "b"], transB=1)], {"a": mat_a}, {"b": mat_b.T.copy()},
     signed_zero=False)
case("Gemm-transA", [node("Gemm", ["a", "b", "c"], transA=1)], {"a": mat_a.T.copy()},
     {"b": mat_b, "c": np.array([[0.0], [-1.0], [2.0]], F32).repeat(VALUES.size, 0).reshape(-1, 1)[:VALUES.size]},
     signed_zero=False)

# ---- pooling --------------------------------------------------------------------------------------

pair_img = pairs().T.reshape(1, 1, 2, -1)  # (1, 1, 2, 100): each column an ordered pair
case("MaxPool-3x3", [node("MaxPool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], {"x": img}, exact=True)
case("MaxPool-2x2-ceil", [node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)], {"x": img},
     exact=True)
case("MaxPool-pairs", [node("MaxPool", ["x"], kernel_shape=[2, 1])], {"x": pair_img}, exact=True, signed_zero=False)
case("MaxPool-1d-dilated", [node("MaxPool", ["x"], kernel_shape=[2], dilations=[2], pads=[1, 1])],
     {"x": row(VALUES).reshape(1, 1, -1)}, exact=True, signed_zero=False)
case("AveragePool-3x3", [node("AveragePool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])], {"x": img},
     signed_zero=False)
case("AveragePool-include-pad", [node("AveragePool", ["x"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                      count_include_pad=1)], {"x": img}, signed_zero=False)
case("AveragePool-pairs", [node("AveragePool", ["x"], kernel_shape=[2, 1])], {"x": pair_img}, signed_zero=False)
glob = pairs(extra=(1.0,)).reshape(1, -1, 3, 1)  # planes of three: every ordered pair of PAIR, and 1
case("GlobalMaxPool", [node("GlobalMaxPool", ["x"])], {"x": glob}, exact=True, signed_zero=False)
case("GlobalMaxPool-img", [node("GlobalMaxPool", ["x"])], {"x": img}, exact=True)
case("GlobalAveragePool", [node("GlobalAveragePool", ["x"])], {"x": glob}, signed_zero=False)

# ---- normalization ------------------------------------------------------------------------------

rows = rows_with_specials()
for op in ["Softmax", "LogSoftmax"]:
    case(f"{op}-13", [node(op, ["x"], axis=-1)], {"x": rows}, signed_zero=False)
    case(f"{op}-11", [node(op, ["x"], axis=1)], {"x": rows}, opset=11, signed_zero=False)
# Rows holding +-FLT_MAX overflow the variance (stash_type FLOAT): onnxruntime gives NaN for some of them and 0 for
# others, in LayerNormalization and InstanceNormalization alike, so they are left out here (see NOT_COMPARED).
moment_rows = rows[~np.isin(np.abs(rows), [FMAX]).any(axis=1)]
case("LayerNormalization", [node("LayerNormalization", ["x", "s", "b"], axis=-1)], {"x": moment_rows},
     {"s": np.array([1.0, 2.0, -1.0, 0.5], F32), "b": np.array([0.0, 1.0, -0.5, 0.0], F32)}, opset=17,
     signed_zero=False)
chan = np.stack([VALUES, VALUES[::-1], np.resize(NORMAL[::-1], VALUES.size)]).reshape(1, 3, -1).astype(F32)
case("BatchNormalization", [node("BatchNormalization", ["x", "s", "b", "m", "v"])], {"x": chan},
     {"s": np.array([1.0, -2.0, 0.5], F32), "b": np.array([0.0, 1.0, -1.0], F32),
      "m": np.array([0.5, -1.0, 0.0], F32), "v": np.array([1.0, 4.0, 0.0], F32)}, signed_zero=False)
case("BatchNormalization-special-stats", [node("BatchNormalization", ["x", "s", "b", "m", "v"])],
     {"x": np.array([[[1.0, -2.0, 0.0]] * 6], F32).reshape(1, 6, 3)},
     {"s": np.array([INF, 1.0, 1.0, 0.0, 1.0, SUB], F32), "b": np.array([0.0, NAN, 1.0, 0.0, -INF, 0.0], F32),
      "m": np.array([0.0, 0.0, INF, 1.0, 0.0, 0.0], F32), "v": np.array([1.0, 1.0, 1.0, INF, 1.0, 1.0], F32)},
     signed_zero=False)
inst = moment_rows[:, None, :].repeat(2, axis=1).copy()  # (rows, 2, 4): each (n, c) a row
case("InstanceNormalization", [node("InstanceNormalization", ["x", "s", "b"])], {"x": inst},
     {"s": np.array([1.0, -0.5], F32), "b": np.array([0.0, 2.0], F32)}, signed_zero=False)
lrn = np.stack([np.resize(NORMAL, VALUES.size), VALUES,
                np.ones_like(VALUES), VALUES[::-1]]).reshape(1, 4, 1, -1).astype(F32)
case("LRN", [node("LRN", ["x"], size=3)], {"x": lrn}, signed_zero=False)

# ---- reductions: rows with special values, and every ordered pair -------------------------------

for op in ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceSumSquare", "ReduceL2"]:
    exact = op in {"ReduceMax", "ReduceMin"}
    attr_opset = 11
    case(f"{op}-rows", [node(op, ["x"], axes=[1])], {"x": rows}, opset=attr_opset, exact=exact, signed_zero=False)
    case(f"{op}-pairs", [node(op, ["x"], axes=[1], keepdims=0)], {"x": pairs()}, opset=attr_opset, exact=exact,
         signed_zero=False)
    case(f"{op}-18-all", [node(op, ["x"], keepdims=0)], {"x": rows[:2].copy()}, opset=18, exact=exact,
         signed_zero=False)
case("ReduceMax-18-axes", [node("ReduceMax", ["x", "axes"])], {"x": rows}, {"axes": np.array([1], np.int64)},
     opset=18, exact=True, signed_zero=False)
case("ReduceMin-18-axes", [node("ReduceMin", ["x", "axes"])], {"x": rows}, {"axes": np.array([0], np.int64)},
     opset=18, exact=True, signed_zero=False)

# ---- resize -----------------------------------------------------------------------------------

line = row(VALUES).reshape(1, 1, 1, -1)
for mode, extra in [("nearest", {}), ("linear", {}), ("linear", {"coordinate_transformation_mode": "align_corners"}),
                    ("cubic", {}), ("nearest", {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"})]:
    tag = f"{mode}{'-' + extra.get('coordinate_transformation_mode', '') if extra else ''}"
    case(f"Resize-{tag}", [node("Resize", ["x", "", "scales"], mode=mode, **extra)], {"x": line},
         {"scales": np.array([1, 1, 1, 2], F32)}, exact=mode == "nearest", signed_zero=mode == "nearest")
case("Upsample-9-nearest", [node("Upsample", ["x", "scales"], mode="nearest")], {"x": line},
     {"scales": np.array([1, 1, 2, 2], F32)}, opset=9, exact=True)
case("Upsample-9-linear", [node("Upsample", ["x", "scales"], mode="linear")], {"x": line},
     {"scales": np.array([1, 1, 1, 2], F32)}, opset=9, signed_zero=False)

# ---- data movement: values pass unchanged, bit for bit ----------------------------------------

x3 = VALUES.reshape(1, 5, 5)
I64 = np.int64
MOVES = [
    ("Transpose", [node("Transpose", ["x"], perm=[2, 0, 1])], {}),
    ("Flatten", [node("Flatten", ["x"], axis=2)], {}),
    ("Reshape", [node("Reshape", ["x", "s"])], {"s": np.array([5, -1], I64)}),
    ("Squeeze", [node("Squeeze", ["x", "ax"])], {"ax": np.array([0], I64)}),
    ("Unsqueeze", [node("Unsqueeze", ["x", "ax"])], {"ax": np.array([3], I64)}),
    ("Concat", [node("Concat", ["x", "x"], axis=1)], {}),
    ("Split", [node("Split", ["x", "sp"], ["y", "z"], axis=2)], {"sp": np.array([2, 3], I64)}),
    ("Slice", [node("Slice", ["x", "st", "en", "ax", "step"])],
     {"st": np.array([4, 0], I64), "en": np.array([-6, 5], I64), "ax": np.array([1, 2], I64), "step": np.array([-1, 2], I64)}),
    ("Gather", [node("Gather", ["x", "idx"], axis=2)], {"idx": np.array([[4, 0], [2, 2]], I64)}),
    ("Pad-constant", [node("Pad", ["x", "p"])], {"p": np.array([0, 1, 2, 0, 1, 1], I64)}),
    ("Pad-constant-nan", [node("Pad", ["x", "p", "v"])], {"p": np.array([0, 1, 2, 0, 1, 1], I64), "v": np.array(NAN)}),
    ("Pad-constant-negzero", [node("Pad", ["x", "p", "v"])], {"p": np.array([0, 1, 2, 0, 1, 1], I64),
                                                              "v": np.array(-0.0, F32)}),
    ("Pad-reflect", [node("Pad", ["x", "p"], mode="reflect")], {"p": np.array([0, 2, 2, 0, 1, 3], I64)}),
    ("Pad-edge", [node("Pad", ["x", "p"], mode="edge")], {"p": np.array([0, 2, 2, 0, 1, 3], I64)}),
    ("Cast", [node("Cast", ["x"], to=TensorProto.FLOAT)], {}),
]
for tag, nodes, inits in MOVES:
    outs = ("y", "z") if tag == "Split" else ("y",)
    case(tag, nodes, {"x": x3}, inits, outputs=outs, exact=True)
case("Pad-wrap-19", [node("Pad", ["x", "p"], mode="wrap")], {"x": x3}, {"p": np.array([0, 2, 2, 0, 1, 3], I64)},
     opset=19, exact=True)
const = numpy_helper.from_array(np.array([NAN, -INF, -0.0, SUB, -FMAX], F32), "k")
case("Constant", [node("Constant", [], ["k"], value=const), node("Add", ["x", "k"])], {"x": row(np.ones(5, F32))},
     exact=True)
case("ConstantOfShape", [node("ConstantOfShape", ["s"], ["k"], value=numpy_helper.from_array(np.array([-0.0], F32))),
                         node("Mul", ["x", "k"])],
     {"x": x3}, {"s": np.array([5], I64)}, exact=True)
case("ConstantOfShape-nan", [node("ConstantOfShape", ["s"], ["k"], value=numpy_helper.from_array(np.array([NAN], F32))),
                             node("Add", ["x", "k"])],
     {"x": x3}, {"s": np.array([1, 5], I64)}, exact=True)
case("Shape", [node("Shape", ["x"], ["s"]), node("Cast", ["s"], ["f"], to=TensorProto.FLOAT), node("Mul", ["f", "x2"])],
     {"x": x3, "x2": row(SPECIAL[:3])}, exact=True)

# Operators of the table no case above computes values with (all are covered today)
NOT_COVERED: dict[str, str] = {}

# Inputs deliberately not compared, with the reason
NOT_COMPARED = {
    "LayerNormalization, InstanceNormalization with +-FLT_MAX":
        "the variance overflows float32; onnxruntime answers NaN for some such rows and 0 for others",
    "Cast of NaN or +-Inf to an integer type":
        "undefined in C and in onnxruntime (x86 gives INT64_MIN); the engine saturates and maps NaN to 0, at load only",
    "Gemm with beta = 0 and a non-finite C":
        "onnxruntime skips C when beta is 0 (0 * Inf is not computed)",
}


# ---- NumPy references of the deliberate differences -----------------------------------------------

def np_reduce(fn, axes, keepdims=True):
    def ref(feeds):
        x = feeds["x"].astype(np.float64)
        return [fn(x, axis=tuple(axes) if axes is not None else None, keepdims=keepdims).astype(F32)]
    return ref


def np_maxpool(kernel, strides=None, pads=None, dilations=None, ceil_mode=False):
    """MaxPool as numpy.max over each window (NaN propagates); padding never wins."""
    def ref(feeds):
        import itertools
        x = feeds["x"]
        sp = x.shape[2:]
        nd = len(sp)
        st, dl = strides or [1] * nd, dilations or [1] * nd
        pd = pads or [0] * (2 * nd)
        rnd = np.ceil if ceil_mode else np.floor
        out = [int(rnd((sp[i] + pd[i] + pd[nd + i] - dl[i] * (kernel[i] - 1) - 1) / st[i])) + 1 for i in range(nd)]
        y = np.empty(x.shape[:2] + tuple(out), F32)
        for o in itertools.product(*(range(n) for n in out)):
            taps = [[o[i] * st[i] - pd[i] + k * dl[i] for k in range(kernel[i])] for i in range(nd)]
            taps = [[t for t in ts if 0 <= t < sp[i]] for i, ts in enumerate(taps)]
            win = x[(slice(None), slice(None)) + np.ix_(*taps)]
            y[(slice(None), slice(None)) + o] = win.reshape(x.shape[0], x.shape[1], -1).max(axis=2)
        return [y]
    return ref


def np_resample(mode, coordinate, scale=2):
    """1-D linear or cubic (Keys, A = -0.75) resampling of the last axis, in float64, from the taps of
    nonzero weight: a tap whose weight is 0 contributes nothing, even if it holds Inf or NaN."""
    def weight(d):
        d, a = abs(d), -0.75
        if mode == "linear":
            return max(0.0, 1.0 - d)
        if d <= 1:
            return ((a + 2) * d - (a + 3)) * d * d + 1
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a if d < 2 else 0.0

    def ref(feeds):
        x = feeds["x"].astype(np.float64)
        n = x.shape[-1]
        y = np.empty(x.shape[:-1] + (n * scale,), np.float64)
        for o in range(n * scale):
            xo = o / scale if coordinate == "asymmetric" else (o + 0.5) / scale - 0.5
            support = 1 if mode == "linear" else 2
            acc = None
            for t in range(int(np.floor(xo)) - support + 1, int(np.floor(xo)) + support + 1):
                w = weight(t - xo)
                if w == 0.0:
                    continue
                with np.errstate(invalid="ignore", over="ignore"):
                    term = w * x[..., min(max(t, 0), n - 1)]
                    acc = term if acc is None else acc + term
            y[..., o] = acc
        with np.errstate(over="ignore"):
            return [y.astype(F32)]
    return ref


def np_lrn(size, alpha=1e-4, beta=0.75, bias=1.0):
    def ref(feeds):
        x = feeds["x"].astype(np.float64)
        c = x.shape[1]
        sq = np.zeros_like(x)
        with np.errstate(invalid="ignore", over="ignore"):
            for i in range(c):
                lo, hi = max(0, i - (size - 1) // 2), min(c - 1, i + size // 2)
                sq[:, i] = (x[:, lo:hi + 1] ** 2).sum(axis=1)
            return [(x / (bias + alpha / size * sq) ** beta).astype(F32)]
    return ref


def np_softsign(feeds):
    x = feeds["x"].astype(np.float64)
    with np.errstate(invalid="ignore"):
        return [np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x))).astype(F32)]


# Cases where the engine deliberately differs from onnxruntime, with the reason; each is compared with the NumPy
# reference below instead (native/README.md, "Special values").
DROPS_NAN = "onnxruntime drops a NaN depending on where it sits in the window or row; the engine propagates it (numpy.max)"
DELIBERATE: dict[str, tuple[str, Callable]] = {
    "MaxPool-3x3": (DROPS_NAN, np_maxpool([3, 3], pads=[1, 1, 1, 1])),
    "MaxPool-pairs": (DROPS_NAN, np_maxpool([2, 1])),
    "MaxPool-1d-dilated": (DROPS_NAN, np_maxpool([2], dilations=[2], pads=[1, 1])),
    "GlobalMaxPool": (DROPS_NAN, np_reduce(np.max, (2, 3))),
    "GlobalMaxPool-img": (DROPS_NAN, np_reduce(np.max, (2, 3))),
    "ReduceMax-rows": (DROPS_NAN, np_reduce(np.max, (1,))),
    "ReduceMax-pairs": (DROPS_NAN, np_reduce(np.max, (1,), keepdims=False)),
    "ReduceMax-18-all": (DROPS_NAN, np_reduce(np.max, None, keepdims=False)),
    "ReduceMax-18-axes": (DROPS_NAN, np_reduce(np.max, (1,))),
    "ReduceMin-rows": (DROPS_NAN, np_reduce(np.min, (1,))),
    "ReduceMin-pairs": (DROPS_NAN, np_reduce(np.min, (1,), keepdims=False)),
    "ReduceMin-18-all": (DROPS_NAN, np_reduce(np.min, None, keepdims=False)),
    "ReduceMin-18-axes": (DROPS_NAN, np_reduce(np.min, (0,))),
    "LRN": ("onnxruntime slides a running sum of squares across channels, so an Inf or NaN stays in it for every "
            "later channel; the engine sums each window", np_lrn(3)),
    "Resize-cubic": ("onnxruntime also interpolates the axes it does not resize, multiplying Inf by weights of 0; "
                     "the engine resamples only resized axes, from taps of nonzero weight", np_resample("cubic", "half_pixel")),
    "Upsample-9-linear": ("onnxruntime multiplies the neighbour of an exact sample point by its weight 0, so an Inf "
                          "or NaN neighbour makes the sample NaN; the engine skips taps of weight 0",
                          np_resample("linear", "asymmetric")),
    "Softsign": ("x / (1 + |x|) is NaN at +-Inf in onnxruntime; the engine returns the limit +-1 (as tanh)", np_softsign),
}


# ---- running ------------------------------------------------------------------------------------

def run_engine(c: Case, optimize: bool):
    with predict.Model.load_with_options(c.model, 0 if optimize else predict.LOAD_NO_OPTIMIZE) as m, \
            predict.Session(m) as s:
        for i in range(m.input_count()):
            s.set_input(i, np.ascontiguousarray(c.feeds[m.input_name(i)]))
        s.run()
        return [s.get_output(i).reshape(s.output_shape(i)) for i in range(m.output_count())]


def run_ort(c: Case):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(c.model, opts, providers=["CPUExecutionProvider"])
    return sess.run(None, c.feeds)


def mismatches(got: np.ndarray, want: np.ndarray, exact: bool, signed_zero: bool) -> np.ndarray:
    """Boolean mask of the elements where got differs from want."""
    got, want = got.astype(F32), want.astype(F32)
    gn, wn = np.isnan(got), np.isnan(want)
    bad = gn != wn
    both = ~gn & ~wn
    if exact:
        bad |= both & (got.view(np.uint32) != want.view(np.uint32)) & ~((got == 0) & (want == 0) & (not signed_zero))
        return bad
    inf = both & (np.isinf(want) | np.isinf(got))
    bad |= inf & (got != want)
    fin = both & ~inf
    with np.errstate(over="ignore", invalid="ignore"):
        bad |= fin & ~(np.abs(got.astype(np.float64) - want) <= ATOL + RTOL * np.abs(want.astype(np.float64)))
    if signed_zero:
        bad |= fin & (got == 0) & (want == 0) & (np.signbit(got) != np.signbit(want))
    return bad


def describe(c: Case, got, want, bad) -> str:
    idx = np.argwhere(bad)[:12]
    lines = [f"{c.id}: {int(bad.sum())} of {bad.size} outputs differ"]
    for i in idx:
        lines.append(f"  at {tuple(int(k) for k in i)}: engine {got[tuple(i)]!r}, expected {want[tuple(i)]!r}")
    return "\n".join(lines)


def check(c: Case, outputs, expected):
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        assert got.shape == want.shape, f"{c.id}: shape {got.shape}, expected {want.shape}"
        bad = mismatches(got, want, c.exact, c.signed_zero)
        assert not bad.any(), describe(c, got, want, bad)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "unoptimized"])
def test_special_values(c: Case, optimize: bool):
    got = run_engine(c, optimize)
    want = run_ort(c)
    if c.id in DELIBERATE:
        reference = DELIBERATE[c.id][1](c.feeds)
        # the difference is confined to NaN: onnxruntime agrees with the reference wherever neither is NaN
        for o, r in zip(want, reference):
            assert not (mismatches(o, r, False, c.signed_zero) & ~np.isnan(r) & ~np.isnan(o)).any(), \
                f"{c.id}: onnxruntime differs from the NumPy reference elsewhere than at a NaN: revisit DELIBERATE"
        want = reference
    check(c, got, want)


def run_js(c: Case, folder: Path):
    """The outputs of the JavaScript binding (the C compiled to WebAssembly) through its conformance runner."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "conformance"))
    from runners import js
    (folder / "model.onnx").write_bytes(c.model)
    steps = [{"op": "load_file", "path": "model.onnx"}, {"op": "create_session"}]
    for i, v in enumerate(c.feeds.values()):
        (folder / f"input{i}.bin").write_bytes(np.ascontiguousarray(v, "<f4").tobytes())
        steps.append({"op": "set_input", "index": i, "path": f"input{i}.bin"})
    steps.append({"op": "run"})
    for i in range(len(onnx.load_from_string(c.model).graph.output)):
        steps += [{"op": "session_output_shape", "index": i}, {"op": "get_output", "index": i}]
    (folder / "case.json").write_text(json.dumps({"name": c.id, "steps": steps}))
    res = js.run_case(folder / "case.json")["steps"]
    assert all(r["status"] == "PRED_OK" for r in res), res
    return [np.frombuffer(bytes.fromhex(data["data"]), "<f4").reshape(shape["dims"])
            for shape, data in zip(res[3 + len(c.feeds)::2], res[4 + len(c.feeds)::2])]


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_special_values_in_webassembly(c: Case, tmp_path):
    """The same expectations through the JavaScript binding, whose C is compiled by clang for
    WebAssembly (which makes `v < 0 ? 0 : v` an f32.max, +0 for -0) and has its own SIMD128 kernels."""
    got = run_js(c, tmp_path)
    check(c, got, DELIBERATE[c.id][1](c.feeds) if c.id in DELIBERATE else run_ort(c))


# activations that hand a NaN input on by selecting it (or by arithmetic on that NaN alone)
NAN_THROUGH = {"Relu", "LeakyRelu", "Clip", "HardSigmoid", "HardSwish"}


@pytest.mark.parametrize("c", [c for c in CASES if c.ops <= NAN_THROUGH], ids=[c.id for c in CASES if c.ops <= NAN_THROUGH])
@pytest.mark.parametrize("engine", ["native", "webassembly"])
def test_a_nan_keeps_its_sign(c: Case, engine: str, tmp_path):
    """A NaN through these activations keeps its sign, as in onnxruntime, natively and in WebAssembly, where
    clang compiles some selects into f32.min or f32.max, which return a NaN of their own (+NaN for -NaN in V8)."""
    got = run_js(c, tmp_path) if engine == "webassembly" else run_engine(c, True)
    for g, w in zip(got, run_ort(c)):
        nan = np.isnan(g) & np.isnan(w)
        assert nan.sum() >= 2, f"{c.id}: the case should carry +NaN and -NaN through"
        bad = nan & (np.signbit(g) != np.signbit(w))
        assert not bad.any(), describe(c, g.view(np.uint32), w.view(np.uint32), bad)


@pytest.mark.parametrize("c", [c for c in CASES if c.ops & {"Conv", "Gemm"}],
                         ids=[c.id for c in CASES if c.ops & {"Conv", "Gemm"}])
def test_fused_activation_keeps_the_bits(c: Case):
    """An activation fused into Conv or Gemm at load computes exactly what the operator computes on its own."""
    for fused, alone in zip(run_engine(c, True), run_engine(c, False)):
        bad = mismatches(fused, alone, exact=True, signed_zero=True)
        assert not bad.any(), describe(c, fused, alone, bad)


def test_every_claimed_operator_is_covered():
    claimed = {predict.operator_name(i) for i in range(predict.operator_count())}
    covered = set().union(*(c.ops for c in CASES))
    missing = claimed - covered - set(NOT_COVERED)
    assert not missing, f"claimed operators without a special-value case (add one, or a reason in NOT_COVERED): {sorted(missing)}"
    stale = (covered | set(NOT_COVERED)) - claimed
    assert not stale, f"cases or reasons for operators the engine does not claim: {sorted(stale)}"
    assert not set(NOT_COVERED) & covered, "an operator is both covered and listed in NOT_COVERED"


def test_deliberate_cases_exist():
    assert set(DELIBERATE) <= {c.id for c in CASES}
