"""Cases that run models and compare outputs with onnxruntime."""
import numpy as np
from onnx import helper

from . import Case, const, make_model, run_case, tensor


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def conv_groups_padding(rng) -> Case:
    w = rand(rng, 4, 2, 3, 3)
    b = rand(rng, 4)
    model = make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", group=2,
                          pads=[1, 0, 2, 1], strides=[2, 1])],
        [tensor("x", [1, 4, 7, 6])], [tensor("y", None)], [const("w", w), const("b", b)])
    return run_case("conv_groups_padding", model, {"x": rand(rng, 1, 4, 7, 6)})


def conv_depthwise_same_dilated(rng) -> Case:
    model = make_model(
        [helper.make_node("Conv", ["x", "w"], ["d"], name="dw", group=3, auto_pad="SAME_UPPER",
                          kernel_shape=[3, 3], strides=[2, 2]),
         helper.make_node("Conv", ["d", "w2"], ["y"], name="dilated", dilations=[2, 2], pads=[2, 1, 2, 2])],
        [tensor("x", [1, 3, 9, 8])], [tensor("y", None)],
        [const("w", rand(rng, 3, 1, 3, 3), raw=False), const("w2", rand(rng, 2, 3, 3, 3))])
    return run_case("conv_depthwise_same_dilated", model, {"x": rand(rng, 1, 3, 9, 8)})


def gemm(rng) -> Case:
    model = make_model(
        [helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm", alpha=0.5, beta=2.0, transB=1)],
        [tensor("a", [3, 5])], [tensor("y", None)], [const("b", rand(rng, 4, 5)), const("c", rand(rng, 4))])
    return run_case("gemm", model, {"a": rand(rng, 3, 5)})


def matmul_batched(rng) -> Case:
    model = make_model([helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")],
                       [tensor("a", [2, 3, 4])], [tensor("y", None)], [const("b", rand(rng, 4, 5))])
    return run_case("matmul_batched", model, {"a": rand(rng, 2, 3, 4)})


def pools(rng) -> Case:
    model = make_model(
        [helper.make_node("MaxPool", ["x"], ["m"], name="max", kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1], ceil_mode=1),
         helper.make_node("AveragePool", ["x"], ["a"], name="avg", kernel_shape=[2, 3], strides=[2, 2],
                          pads=[0, 1, 1, 1], count_include_pad=0),
         helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap")],
        [tensor("x", [1, 2, 7, 8])], [tensor("m", None), tensor("a", None), tensor("g", None)])
    return run_case("pools", model, {"x": rand(rng, 1, 2, 7, 8)})


def tiny_cnn(rng) -> Case:
    """Every operator of the walking skeleton in one small classifier."""
    c = 4
    inits = [
        const("w1", rand(rng, c, 3, 3, 3) * 0.3), const("b1", rand(rng, c)),
        const("scale", 1 + 0.1 * rand(rng, c)), const("bias", 0.1 * rand(rng, c)),
        const("mean", 0.1 * rand(rng, c)), const("var", 1 + np.abs(rand(rng, c)), raw=False),
        const("w2", rand(rng, c, 1, 3, 3) * 0.3), const("k", rand(rng, 1, c, 1, 1)),
        const("shape", np.array([1, -1], dtype=np.int64)),
        const("wfc", rand(rng, 10, c) * 0.3), const("bfc", rand(rng, 10)),
        const("wmm", rand(rng, 10, 10) * 0.3), const("lo", np.array(-1.0, np.float32)),
        const("hi", np.array(1.5, np.float32)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "scale", "bias", "mean", "var"], ["bn"], name="bn",
                         epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="dwconv", group=c, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["r2"], name="clip"),
        helper.make_node("Mul", ["r2", "k"], ["m"], name="scale_channels"),
        helper.make_node("Add", ["m", "p1"], ["res"], name="residual"),
        helper.make_node("AveragePool", ["res"], ["ap"], name="avgpool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["ap"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Flatten", ["res"], ["fr"], name="flatten_all", axis=2),
        helper.make_node("GlobalAveragePool", ["p1"], ["g2"], name="gap2"),
        helper.make_node("Reshape", ["g2", "shape"], ["f2"], name="reshape"),
        helper.make_node("Add", ["f", "f2"], ["cat"], name="merge"),
        helper.make_node("Gemm", ["cat", "wfc", "bfc"], ["fc"], name="fc", transB=1),
        helper.make_node("MatMul", ["fc", "wmm"], ["mm"], name="mm"),
        helper.make_node("Softmax", ["mm"], ["prob"], name="softmax"),
    ]
    model = make_model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("prob", [1, 10]), tensor("fr", None)], inits)
    return run_case("tiny_cnn", model, {"x": rand(rng, 1, 3, 8, 8)})


def two_inputs_two_outputs(rng) -> Case:
    model = make_model(
        [helper.make_node("Add", ["a", "b"], ["sum"], name="add"),
         helper.make_node("Mul", ["a", "b"], ["prod"], name="mul"),
         helper.make_node("Relu", ["prod"], ["relu"], name="relu")],
        [tensor("a", [2, 1, 3]), tensor("b", [4, 1])], [tensor("sum", None), tensor("relu", None)])
    return run_case("two_inputs_two_outputs", model, {"a": rand(rng, 2, 1, 3), "b": rand(rng, 4, 1)})


def softmax_opset11(rng) -> Case:
    """Softmax before opset 13 flattens to 2-D at `axis`; from 13 on it is per axis."""
    model = make_model([helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)],
                       [tensor("x", [2, 3, 4])], [tensor("y", None)], opset=11)
    return run_case("softmax_opset11", model, {"x": rand(rng, 2, 3, 4)})


def cases() -> list[Case]:
    makers = [conv_groups_padding, conv_depthwise_same_dilated, gemm, matmul_batched, pools,
              tiny_cnn, two_inputs_two_outputs, softmax_opset11]
    return [make(np.random.default_rng(seed)) for seed, make in enumerate(makers)]
