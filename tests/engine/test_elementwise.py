"""Arithmetic, clamps and pooling through the kernel layer, bit for bit against NumPy.

Add, Sub, Mul and Div round each result once whatever the level (IEEE 754), so the engine's
outputs must be NumPy's float32 results bit for bit, in every broadcasting shape its loops
take apart differently: same shapes (flat), a per-channel row of an NHWC tensor (rows of 3,
run against a repeated copy), a scalar, rows broadcast on both sides, either operand
broadcast. Pow(x, 2) must be x * x, Relu and Clip NumPy's selections, and MaxPool the
maximum of each window (no zeros in its input, whose sign a maximum may pick either way).
Each case runs with the kernels this CPU has and with PRED_ISA=scalar (a subprocess): both
must give NumPy's bits.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from onnx import TensorProto, helper

import predict

F32 = np.float32
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40, -1e-40, 3e38, 1.0], F32)

BROADCASTS = [
    ((2, 5, 7, 3), (2, 5, 7, 3)),   # flat
    ((2, 5, 7, 3), (3,)),           # NHWC per-channel row: rows of 3
    ((1, 64, 64, 3), (1, 1, 1, 3)),
    ((3, 33), (33,)),               # rows of 33 against one row
    ((4, 9, 1), (1, 9, 20)),        # both broadcast
    ((6, 1), (6, 17)),              # a column against rows
    ((2, 3, 8, 8), (1, 3, 1, 1)),   # NCHW per-channel
    ((5, 7), ()),                   # a scalar
]


def _data(shape, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(F32)
    flat = x.reshape(-1)
    if flat.size:
        picks = rng.integers(0, flat.size, size=max(1, flat.size // 6))
        flat[picks] = rng.choice(SPECIAL, size=picks.size)
    return x


def _binary_model(op, a_shape, b_shape):
    out = np.broadcast_shapes(a_shape, b_shape)
    g = helper.make_graph([helper.make_node(op, ["a", "b"], ["y"])], "t",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, list(a_shape)),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, list(b_shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out))])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def _run(model: bytes, inputs: list[np.ndarray]) -> np.ndarray:
    with predict.Model.load(model) as m, predict.Session(m) as s:
        for i, x in enumerate(inputs):
            s.set_input(i, np.ascontiguousarray(x, F32).ravel())
        s.run()
        return np.asarray(s.get_output(0), F32).reshape(s.output_shape(0))


OPS = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}


def _cases():
    for k, (sa, sb) in enumerate(BROADCASTS):
        for name in OPS:
            for swap in (False, True):
                yield name, (sb, sa) if swap else (sa, sb), 100 * k + len(name) + swap


CASES = list(_cases())


def _same_bits(got, want):
    """Equal bits, or NaN where NumPy gives NaN (its payload and sign are the compiler's choice)."""
    got, want = np.asarray(got, F32), np.asarray(want, F32)
    assert got.shape == want.shape
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    bad = (got.view(np.uint32) != want.view(np.uint32)) & ~nan
    assert not bad.any(), f"{bad.sum()} of {bad.size} differ, first at {np.argwhere(bad)[0]}: " \
                          f"{got[bad][0]!r} vs {want[bad][0]!r}"


@pytest.mark.parametrize("op,shapes,seed", CASES, ids=[f"{c[0]}-{c[1][0]}-{c[1][1]}" for c in CASES])
def test_arithmetic_is_numpys_bits(op, shapes, seed):
    a, b = _data(shapes[0], seed), _data(shapes[1], seed + 1)
    with np.errstate(all="ignore"):
        want = OPS[op](a, b)
    _same_bits(_run(_binary_model(op, shapes[0], shapes[1]), [a, b]), want)


def test_pow_2_is_the_square():
    a = _data((3, 40), 7)
    g = helper.make_graph([helper.make_node("Pow", ["a", "two"], ["y"])], "t",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 40])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 40])],
                          [helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()
    with np.errstate(all="ignore"):
        want = a * a
    _same_bits(_run(model, [a]), want)


@pytest.mark.parametrize("op,attrs", [("Relu", {}), ("Clip", {"min": -0.5, "max": 2.0})])
def test_clamps_are_numpys_selections(op, attrs):
    a = _data((5, 37), 11)
    node = helper.make_node(op, ["a"], ["y"], **attrs)
    g = helper.make_graph([node], "t", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [5, 37])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 37])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 6)]).SerializeToString()
    lo, hi = (attrs["min"], attrs["max"]) if attrs else (0.0, np.inf)
    want = np.where(a < F32(lo), F32(lo), a)          # v < lo ? lo : v, then v > hi ? hi : v
    want = np.where(want > F32(hi), F32(hi), want).astype(F32)
    _same_bits(_run(model, [a]), want)


@pytest.mark.parametrize("kernel,stride,pads,size", [(3, 2, 1, 32), (2, 2, 0, 33), (3, 1, 1, 21), (5, 2, 2, 40)])
def test_maxpool_is_each_windows_maximum(kernel, stride, pads, size):
    rng = np.random.default_rng(kernel * 100 + size)
    x = (rng.standard_normal((1, 3, size, size)) + 0.01).astype(F32)
    x[x == 0] = 1.0
    x[0, 1, 5, 7] = np.nan
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[kernel, kernel], strides=[stride, stride],
                            pads=[pads] * 4)
    out = (size + 2 * pads - kernel) // stride + 1
    g = helper.make_graph([node], "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, out, out])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()
    padded = np.pad(x, ((0, 0), (0, 0), (pads, pads), (pads, pads)), constant_values=-np.inf)
    want = np.empty((1, 3, out, out), F32)
    for oy in range(out):
        for ox in range(out):
            win = padded[:, :, oy * stride:oy * stride + kernel, ox * stride:ox * stride + kernel]
            want[:, :, oy, ox] = win.max(axis=(2, 3))   # NaN if the window holds one
    _same_bits(_run(model, [x]), want)


def test_the_scalar_level_gives_the_same_bits():
    """The cases above once more in a subprocess at PRED_ISA=scalar: every output's bits equal."""
    if os.environ.get("PRED_ISA") == "scalar":
        pytest.skip("this process runs the scalar level already")
    script = (
        "import json, sys, numpy as np; sys.path.insert(0, sys.argv[1]); import test_elementwise as t\n"
        "out = []\n"
        "for op, shapes, seed in t.CASES:\n"
        "    a, b = t._data(shapes[0], seed), t._data(shapes[1], seed + 1)\n"
        "    out.append(t._run(t._binary_model(op, *shapes), [a, b]).view(np.uint32).tolist())\n"
        "print(json.dumps(out))\n")
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run([sys.executable, "-c", script, here], capture_output=True, text=True, check=True,
                         env={**os.environ, "PRED_ISA": "scalar"})
    scalar = json.loads(res.stdout)
    for (op, shapes, seed), bits in zip(CASES, scalar):
        a, b = _data(shapes[0], seed), _data(shapes[1], seed + 1)
        here_bits = _run(_binary_model(op, *shapes), [a, b]).view(np.uint32)
        got = np.array(bits, np.uint32).reshape(here_bits.shape)
        nan = np.isnan(here_bits.view(F32))
        assert np.array_equal(np.isnan(got.view(F32)), nan), (op, shapes)
        assert np.array_equal(got[~nan], here_bits[~nan]), (op, shapes)
