"""Models large enough for every operator that splits its work between threads to split
(native/README.md, "Threads"), at odd sizes: tests/conformance/test_threads.py and
tests/c/test_tsan_threads.py run them at several thread counts."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from cases import make_model


def _vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def batch_cnn():
    """A small classifier with a symbolic batch, every node computing a sample from itself alone
    (convolutions, BN, a residual Add, pooling, Gemm, Softmax): a batch runs one sample a thread."""
    rng = np.random.default_rng(11)

    def const(name, shape, scale=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c1", "g", "be", "mu", "var"], ["n1"]),
             helper.make_node("Clip", ["n1", "lo", "hi"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], group=8),
             helper.make_node("Add", ["c2", "r1"], ["a"]),
             helper.make_node("GlobalAveragePool", ["a"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "wf", "bf"], ["l"], transB=1),
             helper.make_node("Softmax", ["l"], ["y"], axis=1)]
    inits = [const("w1", (8, 3, 3, 3)), const("b1", (8,)), const("g", (8,)), const("be", (8,)),
             const("mu", (8,)), numpy_helper.from_array(np.full(8, 0.5, np.float32), "var"),
             numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi"),
             const("w2", (8, 1, 3, 3)), const("wf", (10, 8)), const("bf", (10,))]
    return make_model(nodes, [_vi("x", ["batch", 3, 20, 20])], [_vi("y", ["batch", 10])], inits).SerializeToString()


def big_models():
    """(name, model, input shapes): each operator split by threads, at odd sizes."""
    rng = np.random.default_rng(7)
    models = []
    shape = [2, 5, 97, 131]                     # 127070 elements: above both thresholds, ragged blocks
    unary = ["Relu", "Sigmoid", "Tanh", "Exp", "Erf", "Softplus", "Mish", "Abs", "Floor", "Sqrt", "Elu", "Gelu"]
    nodes = []
    prev = "x"
    for k, op in enumerate(unary):
        out = f"u{k}"
        nodes.append(helper.make_node(op, [prev], [out]))
        prev = out
    nodes.append(helper.make_node("Clip", [prev, "lo", "hi"], ["clip"]))
    inits = [numpy_helper.from_array(np.array(-0.5, np.float32), "lo"),
             numpy_helper.from_array(np.array(0.75, np.float32), "hi")]
    models.append(("unary", make_model(nodes, [_vi("x", shape)], [_vi("clip", shape)], inits, opset=20), [shape]))

    # binary: flat, and broadcasting over rows (channel-wise, row-wise, column vector, scalar)
    bshape = [2, 5, 1, 131]
    nodes = [helper.make_node("Add", ["x", "y"], ["a"]),
             helper.make_node("Mul", ["a", "c"], ["m"]),            # per-channel (1, 5, 1, 1)
             helper.make_node("Sub", ["m", "r"], ["s"]),            # (2, 5, 1, 131): every row repeats
             helper.make_node("Div", ["s", "col"], ["d"]),          # (97, 1): a column
             helper.make_node("Pow", ["d", "two"], ["p"]),
             helper.make_node("Max", ["p", "x", "r"], ["mx"]),
             helper.make_node("Sum", ["mx", "y", "c"], ["sum"]),
             helper.make_node("PRelu", ["sum", "c"], ["out"])]
    inits = [numpy_helper.from_array(rng.uniform(0.5, 2, (1, 5, 1, 1)).astype(np.float32), "c"),
             numpy_helper.from_array(rng.uniform(0.5, 2, (97, 1)).astype(np.float32), "col"),
             numpy_helper.from_array(np.array(2.0, np.float32), "two")]
    models.append(("binary", make_model(nodes, [_vi("x", shape), _vi("y", shape), _vi("r", bshape)],
                                        [_vi("out", shape)], inits), [shape, shape, bshape]))

    # depthwise convolutions: 3x3 stride 1 pad 1, stride 2, 5x5, with bias and fused Relu; batch 2
    c = 24
    xshape = [2, c, 57, 61]
    w3 = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
    w5 = rng.standard_normal((c, 1, 5, 5)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w3", "b"], ["c1"], group=c, pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w3"], ["c2"], group=c, pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Conv", ["c2", "w5", "b"], ["c3"], group=c, pads=[2, 2, 2, 2]),
             helper.make_node("Clip", ["c3", "lo", "hi"], ["out"])]
    inits = [numpy_helper.from_array(w3, "w3"), numpy_helper.from_array(w5, "w5"),
             numpy_helper.from_array(b, "b"), numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    models.append(("depthwise", make_model(nodes, [_vi("x", xshape)], [_vi("out", [2, c, 29, 31])], inits),
                   [xshape]))

    # the packed GEMM: a 3x3 convolution (im2col), a pointwise one (the input read in place) and a
    # ConvTranspose (its columns), each past the bound on multiply-adds (PRED__PAR_MIN_MACS); batch 2
    xshape = [2, 8, 45, 47]
    nodes = [helper.make_node("Conv", ["x", "wa", "ba"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c1", "wb"], ["c2"]),
             helper.make_node("ConvTranspose", ["c2", "wt", "bt"], ["out"], kernel_shape=[2, 2], strides=[2, 2])]
    inits = [numpy_helper.from_array((rng.standard_normal((16, 8, 3, 3)) * 0.3).astype(np.float32), "wa"),
             numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "ba"),
             numpy_helper.from_array((rng.standard_normal((24, 16, 1, 1)) * 0.3).astype(np.float32), "wb"),
             numpy_helper.from_array((rng.standard_normal((24, 8, 2, 2)) * 0.3).astype(np.float32), "wt"),
             numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "bt")]
    models.append(("gemm", make_model(nodes, [_vi("x", xshape)], [_vi("out", [2, 8, 90, 94])], inits), [xshape]))
    return models


