"""Graphs as exporters write them: shapes computed at run time by the graph itself
(PyTorch's dynamic "same" padding, long Shape/Gather/Concat/Reshape chains) and NHWC
models with a Transpose around every Conv (tf2onnx). The engine must run them as onnxruntime
does, and fold what depends only on shapes away at load.
"""
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import predict

ort = pytest.importorskip("onnxruntime")

I64 = TensorProto.INT64


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def i64(*values):
    return np.array(values, dtype=np.int64)


def build(nodes, inputs, outputs, inits, opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(m).graph  # outputs declared without a shape get one
    known = {v.name: v.type for v in [*inferred.value_info, *inferred.output]}
    for out in m.graph.output:
        if not out.type.tensor_type.HasField("shape") and out.name in known:
            out.type.CopyFrom(known[out.name])
    onnx.checker.check_model(m, full_check=True)
    return m.SerializeToString()


def reference(data, x):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def describe(data, optimize=True):
    with predict.Model.load_with_options(data, 0 if optimize else predict.LOAD_NO_OPTIMIZE) as m:
        return json.loads(m.describe())


def run(data, x, optimize=True):
    with predict.Model.load_with_options(data, 0 if optimize else predict.LOAD_NO_OPTIMIZE) as m, \
            predict.Session(m) as s:
        s.set_input_shape(0, x.shape)
        s.set_input(0, x)
        s.run()
        return s.get_output(0).reshape(s.output_shape(0))


class Graph:
    """Collects nodes and initializers under generated names."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], {}, 0

    def const(self, value):
        self.count += 1
        name = f"k{self.count}"
        self.inits[name] = np.asarray(value)
        return name

    def op(self, op, *inputs, **attrs):
        self.count += 1
        out = f"{op.lower()}{self.count}"
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **attrs))
        return out


def same_pad_conv(g, x, w, k, stride):
    """Conv2dDynamicSamePadding of efficientnet-pytorch as torch.onnx exports it with dynamic
    H and W: the pads come from Shape(x) at run time, through F.pad's pads reordering."""
    shape = g.op("Shape", x)
    pads = []
    for axis in (3, 2):  # F.pad lists the last dim first
        size = g.op("Gather", shape, g.const(np.int64(axis)), axis=0)
        out = g.op("Div", g.op("Add", size, g.const(np.int64(stride - 1))), g.const(np.int64(stride)))
        need = g.op("Sub", g.op("Add", g.op("Mul", g.op("Sub", out, g.const(np.int64(1))),
                                            g.const(np.int64(stride))), g.const(np.int64(k))), size)
        total = g.op("Max", need, g.const(np.int64(0)))
        half = g.op("Div", total, g.const(np.int64(2)))
        pads += [half, g.op("Sub", total, half)]
    listed = g.op("Concat", *[g.op("Unsqueeze", p, g.const(i64(0))) for p in pads], axis=0)
    zeros = g.op("ConstantOfShape", g.const(i64(4)), value=numpy_helper.from_array(i64(0)))
    full = g.op("Concat", listed, zeros, axis=0)  # [w0, w1, h0, h1, 0, 0, 0, 0]
    pairs = g.op("Reshape", full, g.const(i64(-1, 2)))
    reversed_ = g.op("Slice", pairs, g.const(i64(-1)), g.const(i64(-(2 ** 62))), g.const(i64(0)),
                     g.const(i64(-1)))
    onnx_pads = g.op("Cast", g.op("Reshape", g.op("Transpose", reversed_, perm=[1, 0]), g.const(i64(-1))),
                     to=I64)
    padded = g.op("Pad", x, onnx_pads, g.const(np.float32(0)))
    return g.op("Conv", padded, w, kernel_shape=[k, k], strides=[stride, stride])


def test_pytorch_dynamic_same_padding_becomes_one_conv():
    rng = np.random.default_rng(0)
    g = Graph()
    y = same_pad_conv(g, "x", g.const(rand(rng, 4, 3, 3, 3)), 3, 2)
    data = build(g.nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
                 [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)], g.inits)
    before, after = describe(data, optimize=False), describe(data)
    assert before["totals"]["nodes"] == len(g.nodes) > 30
    assert before["totals"]["folded"] == len(g.nodes) - 2  # all but Pad and Conv
    (conv,) = after["nodes"]
    assert conv["op"] == "Conv" and conv["inputs"][0]["name"] == "x"
    # the pads depend on H and W: every shape gets its own, as onnxruntime computes them
    for shape in [(1, 3, 9, 9), (2, 3, 10, 7), (1, 3, 4, 12)]:
        x = rand(rng, *shape)
        want = reference(data, x)
        for optimize in (True, False):
            np.testing.assert_allclose(run(data, x, optimize), want, rtol=1e-5, atol=1e-5)


def test_pad_folds_into_conv_only_when_it_may():
    """A constant zero Pad on H and W merges into the Conv; reflect padding, a non-zero value,
    channel padding or a Pad whose output is read twice stay."""
    rng = np.random.default_rng(1)
    w = rand(rng, 2, 3, 3, 3)
    for pads, mode, value, merged in [([0, 0, 1, 2, 0, 0, 2, 1], "constant", 0.0, True),
                                      ([0, 0, 1, 2, 0, 0, 2, 1], "reflect", 0.0, False),
                                      ([0, 0, 1, 1, 0, 0, 1, 1], "constant", 0.5, False),
                                      ([0, 1, 1, 1, 0, 0, 1, 1], "constant", 0.0, False)]:
        g = Graph()
        p = g.op("Pad", "x", g.const(i64(*pads)), g.const(np.float32(value)), mode=mode)
        cin = 3 + pads[1] + pads[5]
        y = g.op("Conv", p, g.const(w if cin == 3 else rand(rng, 2, cin, 3, 3)), pads=[1, 0, 0, 1])
        data = build(g.nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 5])],
                     [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)], g.inits)
        ops = [n["op"] for n in describe(data)["nodes"]]
        assert ops == (["Conv"] if merged else ["Pad", "Conv"]), (pads, mode, value)
        x = rand(rng, 1, 3, 6, 5)
        np.testing.assert_allclose(run(data, x), reference(data, x), rtol=1e-5, atol=1e-5)
    g = Graph()  # the padded tensor is also a graph output
    p = g.op("Pad", "x", g.const(i64(0, 0, 1, 1, 0, 0, 1, 1)))
    y = g.op("Conv", p, g.const(w))
    data = build(g.nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                 [helper.make_tensor_value_info(y, TensorProto.FLOAT, None),
                  helper.make_tensor_value_info(p, TensorProto.FLOAT, None)], g.inits)
    assert [n["op"] for n in describe(data)["nodes"]] == ["Pad", "Conv"]


def test_nhwc_model_with_transposes_around_every_conv():
    """tf2onnx style: NHWC input, Transpose to NCHW before each Conv and back after it."""
    rng = np.random.default_rng(2)
    g = Graph()
    x, c = "x", 3
    for width in (8, 8, 16):
        t = g.op("Transpose", x, perm=[0, 3, 1, 2])
        conv = g.op("Conv", t, g.const(rand(rng, width, c, 3, 3) * 0.3), g.const(rand(rng, width)),
                    pads=[1, 1, 1, 1], strides=[2, 2] if width == 16 else [1, 1])
        x = g.op("Transpose", g.op("Relu", conv), perm=[0, 2, 3, 1])
        c = width
    pooled = g.op("ReduceMean", x, axes=[1, 2], keepdims=0)
    y = g.op("Add", g.op("MatMul", pooled, g.const(rand(rng, 16, 4))), g.const(rand(rng, 4)))
    data = build(g.nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 12, 12, 3])],
                 [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)], g.inits)
    before, after = describe(data, optimize=False), describe(data)
    assert before["totals"]["ops"]["Transpose"] == 6
    # back-to-back Transposes that undo each other go; one at each end stays
    assert after["totals"]["ops"]["Transpose"] == 2 and "Relu" not in after["totals"]["ops"]
    for batch in (1, 3):
        x = rand(rng, batch, 12, 12, 3)
        want = reference(data, x)
        for optimize in (True, False):
            np.testing.assert_allclose(run(data, x, optimize), want, rtol=1e-5, atol=1e-5)


def test_hundreds_of_shape_nodes_fold_away():
    """A generated chain of 100 Shape/Gather/Unsqueeze/Concat/Reshape steps (500 nodes):
    all of the shape arithmetic folds at load and the Reshapes collapse."""
    rng = np.random.default_rng(3)
    g = Graph()
    x = g.op("Relu", "x")
    for k in range(100):
        shape = g.op("Shape", x)
        batch = g.op("Unsqueeze", g.op("Gather", shape, g.const(np.int64(0)), axis=0), g.const(i64(0)))
        rest = g.const(i64(-1) if k % 2 else i64(4, -1))
        x = g.op("Reshape", x, g.op("Concat", batch, rest, axis=0))
    y = g.op("Relu", x)
    data = build(g.nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, 6])],
                 [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["N", 24])], g.inits)
    before, after = describe(data, optimize=False), describe(data)
    assert before["totals"]["nodes"] == 502 and before["totals"]["folded"] == 400
    assert after["totals"]["ops"] == {"Relu": 2, "Reshape": 1}
    for batch in (1, 5):
        x = rand(rng, batch, 4, 6)
        want = reference(data, x)
        for optimize in (True, False):
            np.testing.assert_array_equal(run(data, x, optimize), want)
