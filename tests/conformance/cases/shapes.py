"""Input shapes fixed per session (pred_session_set_input_shape) and graphs the optimizer rewrites."""
import numpy as np
from onnx import helper

from . import Case, Expect, const, f32, make_model, oracle, run_case, tensor


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def small_cnn(rng, batch="N"):
    """Conv-BN-Relu6, depthwise Conv-BN-Relu6, pooled into a Gemm: the batch is symbolic."""
    c = 6
    inits = [
        const("w1", rand(rng, c, 3, 3, 3) * 0.3),
        const("s1", 1 + 0.1 * rand(rng, c)), const("b1", 0.1 * rand(rng, c)),
        const("m1", 0.1 * rand(rng, c)), const("v1", 1 + np.abs(rand(rng, c))),
        const("w2", rand(rng, c, 1, 3, 3) * 0.3), const("cb2", rand(rng, c) * 0.1),
        const("s2", 1 + 0.1 * rand(rng, c)), const("b2", 0.1 * rand(rng, c)),
        const("m2", 0.1 * rand(rng, c)), const("v2", 1 + np.abs(rand(rng, c))),
        const("lo", np.array(0.0, np.float32)), const("hi", np.array(6.0, np.float32)),
        const("wfc", rand(rng, 5, c) * 0.3), const("bfc", rand(rng, 5)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c1", "s1", "b1", "m1", "v1"], ["n1"], name="bn1", epsilon=1e-3),
        helper.make_node("Clip", ["n1", "lo", "hi"], ["r1"], name="relu6_1"),
        helper.make_node("Conv", ["r1", "w2", "cb2"], ["c2"], name="dw", group=c, pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c2", "s2", "b2", "m2", "v2"], ["n2"], name="bn2"),
        helper.make_node("Relu", ["n2"], ["r2"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wfc", "bfc"], ["y"], name="fc", transB=1),
    ]
    return make_model(nodes, [tensor("x", [batch, 3, 9, 9])], [tensor("y", [batch, 5])], inits)


def batch8(rng) -> Case:
    """A session fixes the symbolic batch to 8 and runs 8 images at once, as onnxruntime does."""
    model = small_cnn(rng)
    x = rand(rng, 8, 3, 9, 9)
    (want,) = oracle(model, {"x": x})
    files = {"model.onnx": model.SerializeToString(), "x8.bin": f32(x)}
    pairs = [
        ({"op": "load_file", "path": "model.onnx"}, Expect()),
        ({"op": "input_shape", "index": 0}, Expect(fields={"dims": [1, 3, 9, 9]})),
        ({"op": "create_session"}, Expect()),
        ({"op": "session_input_shape", "index": 0}, Expect(fields={"dims": [1, 3, 9, 9]})),
        ({"op": "set_input_shape", "index": 0, "dims": [8, 3, 9, 9]}, Expect()),
        ({"op": "session_input_shape", "index": 0}, Expect(fields={"dims": [8, 3, 9, 9]})),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [8, 5]})),
        ({"op": "output_shape", "index": 0}, Expect(fields={"dims": [1, 5]})),  # the model keeps its own
        ({"op": "set_input", "index": 0, "path": "x8.bin"}, Expect()),
        ({"op": "run"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect(output=want)),
    ]
    return Case("batch8", files, [s for s, _ in pairs], [e for _, e in pairs])


def input_shape_errors(rng) -> Case:
    """Bad shapes are refused and leave the session as it was."""
    model = small_cnn(rng)
    x1 = rand(rng, 1, 3, 9, 9)
    (want,) = oracle(model, {"x": x1})
    files = {"model.onnx": model.SerializeToString(), "x1.bin": f32(x1), "x2.bin": f32(rand(rng, 2, 3, 9, 9))}
    pairs = [
        ({"op": "load_file", "path": "model.onnx"}, Expect()),
        ({"op": "create_session"}, Expect()),
        ({"op": "set_input_shape", "index": 0, "dims": [1, 3, 9, 10]},
         Expect("PRED_ERR_SHAPE", contains=("pred_session_set_input_shape", "fixed"))),
        ({"op": "set_input_shape", "index": 0, "dims": [2, 3, 9]}, Expect("PRED_ERR_SHAPE", contains=("dimensions",))),
        ({"op": "set_input_shape", "index": 0, "dims": [0, 3, 9, 9]}, Expect("PRED_ERR_ARGUMENT")),
        ({"op": "set_input_shape", "index": 1, "dims": [2, 3, 9, 9]}, Expect("PRED_ERR_ARGUMENT")),
        ({"op": "session_input_shape", "index": 0}, Expect(fields={"dims": [1, 3, 9, 9]})),
        ({"op": "set_input", "index": 0, "path": "x1.bin"}, Expect()),
        ({"op": "run"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect(output=want)),
        # a new shape drops the last run and wants inputs of the new size
        ({"op": "set_input_shape", "index": 0, "dims": [2, 3, 9, 9]}, Expect()),
        ({"op": "get_output", "index": 0}, Expect("PRED_ERR_STATE")),
        ({"op": "set_input", "index": 0, "path": "x1.bin"}, Expect("PRED_ERR_ARGUMENT")),
        ({"op": "set_input", "index": 0, "path": "x2.bin"}, Expect()),
        ({"op": "run"}, Expect()),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [2, 5]})),
    ]
    return Case("input_shape_errors", files, [s for s, _ in pairs], [e for _, e in pairs])


def shape_the_model_cannot_run(rng) -> Case:
    """A batch the graph cannot take (a Reshape to a fixed size) fails with the node named; the
    session keeps running the old shape."""
    model = make_model(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("Reshape", ["r", "to"], ["y"], name="to_row")],
        [tensor("x", ["N", 4])], [tensor("y", [1, 4])], [const("to", np.array([1, 4], np.int64))])
    x = rand(rng, 1, 4)
    files = {"model.onnx": model.SerializeToString(), "x.bin": f32(x)}
    pairs = [
        ({"op": "load_file", "path": "model.onnx"}, Expect()),
        ({"op": "create_session"}, Expect()),
        ({"op": "set_input_shape", "index": 0, "dims": [3, 4]},
         Expect("PRED_ERR_SHAPE", contains=("pred_session_set_input_shape", "to_row"))),
        ({"op": "set_input", "index": 0, "path": "x.bin"}, Expect()),
        ({"op": "run"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect(output=np.maximum(x, 0))),
    ]
    return Case("shape_the_model_cannot_run", files, [s for s, _ in pairs], [e for _, e in pairs])


def fusions(rng) -> Case:
    """Conv+BatchNormalization folding and activation fusion where they must not apply: a conv
    output read twice, a BatchNormalization output that is a graph output, a Gemm + Relu."""
    c = 4
    inits = [const("w", rand(rng, c, 2, 3, 3) * 0.3), const("b", rand(rng, c)),
             const("s", 1 + 0.1 * rand(rng, c)), const("sh", 0.1 * rand(rng, c)),
             const("m", 0.1 * rand(rng, c)), const("v", 1 + np.abs(rand(rng, c))),
             const("w2", rand(rng, c, c, 1, 1) * 0.3),
             const("wfc", rand(rng, 3, c * 36) * 0.1), const("bfc", rand(rng, 3))]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "sh", "m", "v"], ["bn"], name="bn_shared"),
        helper.make_node("Relu", ["c"], ["cr"], name="reads_conv_too"),
        helper.make_node("Add", ["bn", "cr"], ["a"], name="add"),
        helper.make_node("Conv", ["a", "w2"], ["c2"], name="pointwise"),
        helper.make_node("BatchNormalization", ["c2", "s", "sh", "m", "v"], ["bn2"], name="bn_out"),
        helper.make_node("Relu", ["bn2"], ["r2"], name="relu2"),
        helper.make_node("Flatten", ["r2"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wfc", "bfc"], ["g"], name="fc", transB=1),
        helper.make_node("Relu", ["g"], ["y"], name="relu_fc"),
    ]
    model = make_model(nodes, [tensor("x", [1, 2, 6, 6])],
                       [tensor("y", None), tensor("bn2", None), tensor("r2", None)], inits)
    return run_case("fusions", model, {"x": rand(rng, 1, 2, 6, 6)})


def dynamic_same_padding(rng) -> Case:
    """PyTorch's dynamic "same" padding: pads computed from Shape(x) at run time feed a Pad
    before a strided Conv. The engine folds it into one Conv, again for every input shape."""
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    nodes, inits = [], [const("w", rand(rng, 4, 3, 3, 3)), const("zero", np.array(0, np.float32))]

    def op(kind, *ins, **attrs):
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(kind, list(ins), [out], name=out, **attrs))
        return out

    def k(name, value):
        inits.append(const(name, value))
        return name

    shape, pads = op("Shape", "x"), []
    for axis in (2, 3):
        size = op("Gather", shape, k(f"axis{axis}", np.array(axis, np.int64)), axis=0)
        out = op("Div", op("Add", size, k(f"s1_{axis}", np.array(1, np.int64))), k(f"s2_{axis}", np.array(2, np.int64)))
        need = op("Sub", op("Add", op("Mul", op("Sub", out, k(f"one_{axis}", np.array(1, np.int64))),
                                         k(f"st_{axis}", np.array(2, np.int64))), k(f"kk_{axis}", np.array(3, np.int64))),
                  size)
        total = op("Max", need, k(f"z_{axis}", np.array(0, np.int64)))
        half = op("Div", total, k(f"two_{axis}", np.array(2, np.int64)))
        pads.append((half, op("Sub", total, half)))
    parts = [k("zeros2", i64(0, 0)), op("Unsqueeze", pads[0][0], k("ax0", i64(0))),
             op("Unsqueeze", pads[1][0], k("ax1", i64(0))), k("zeros2b", i64(0, 0)),
             op("Unsqueeze", pads[0][1], k("ax2", i64(0))), op("Unsqueeze", pads[1][1], k("ax3", i64(0)))]
    padded = op("Pad", "x", op("Concat", *parts, axis=0), "zero")
    nodes.append(helper.make_node("Conv", [padded, "w"], ["y"], name="conv", strides=[2, 2]))
    model = make_model(nodes, [tensor("x", ["N", 3, "H", "W"])], [tensor("y", ["N", 4, "OH", "OW"])], inits)
    files = {"model.onnx": model.SerializeToString()}
    pairs = [({"op": "load_file", "path": "model.onnx"}, Expect()), ({"op": "create_session"}, Expect())]
    for i, shape in enumerate([(1, 3, 9, 9), (2, 3, 10, 7)]):
        x = rand(rng, *shape)
        (want,) = oracle(model, {"x": x})
        files[f"x{i}.bin"] = f32(x)
        pairs += [({"op": "set_input_shape", "index": 0, "dims": list(shape)}, Expect()),
                  ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": list(want.shape)})),
                  ({"op": "set_input", "index": 0, "path": f"x{i}.bin"}, Expect()),
                  ({"op": "run"}, Expect()),
                  ({"op": "get_output", "index": 0}, Expect(output=want))]
    return Case("dynamic_same_padding", files, [s for s, _ in pairs], [e for _, e in pairs])


def nhwc_transposes(rng) -> Case:
    """tf2onnx style: an NHWC input and a Transpose before and after every Conv."""
    nodes, inits, x, c = [], [], "x", 3
    for i, width in enumerate((6, 8)):
        inits += [const(f"w{i}", rand(rng, width, c, 3, 3) * 0.3), const(f"b{i}", rand(rng, width))]
        nodes += [helper.make_node("Transpose", [x], [f"nchw{i}"], name=f"to_nchw{i}", perm=[0, 3, 1, 2]),
                  helper.make_node("Conv", [f"nchw{i}", f"w{i}", f"b{i}"], [f"c{i}"], name=f"conv{i}",
                                   pads=[1, 1, 1, 1]),
                  helper.make_node("LeakyRelu", [f"c{i}"], [f"r{i}"], name=f"act{i}", alpha=0.1),
                  helper.make_node("Transpose", [f"r{i}"], [f"nhwc{i}"], name=f"to_nhwc{i}", perm=[0, 2, 3, 1])]
        x, c = f"nhwc{i}", width
    model = make_model(nodes, [tensor("x", [1, 5, 6, 3])], [tensor(x, None)], inits)
    return run_case("nhwc_transposes", model, {"x": rand(rng, 1, 5, 6, 3)})


def split_omitted_output(rng) -> Case:
    """A node whose first output is left out ("") next to the rewrites (a libFuzzer find).
    The oracle is NumPy: onnxruntime 1.32 crashes on this valid model."""
    model = make_model([helper.make_node("Split", ["x"], ["", "b"], name="split", axis=1, num_outputs=2),
                        helper.make_node("Relu", ["b"], ["y"], name="relu")],
                       [tensor("x", [2, 6])], [tensor("y", [2, 3])], opset=18)
    x = rand(rng, 2, 6)
    files = {"model.onnx": model.SerializeToString(), "x.bin": f32(x)}
    pairs = [({"op": "load_file", "path": "model.onnx"}, Expect()), ({"op": "create_session"}, Expect()),
             ({"op": "set_input", "index": 0, "path": "x.bin"}, Expect()), ({"op": "run"}, Expect()),
             ({"op": "get_output", "index": 0}, Expect(output=np.maximum(x[:, 3:], 0)))]
    return Case("split_omitted_output", files, [s for s, _ in pairs], [e for _, e in pairs])


def shape_input(rng) -> Case:
    """Resize's scales fed by the caller: planned with ones, re-planned when set (keeping the data
    of x, set before); values the model cannot run are refused and leave the session as it was."""
    model = make_model([helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="linear")],
                       [tensor("x", [1, 2, 3, 4]), tensor("scales", [4])], [tensor("y", ["n", "c", "h", "w"])],
                       opset=13)
    x = rand(rng, 1, 2, 3, 4)
    up, down = np.array([1, 1, 2, 1.5], np.float32), np.array([1, 1, 0.5, 0.5], np.float32)
    (want_up,) = oracle(model, {"x": x, "scales": up})
    (want_down,) = oracle(model, {"x": x, "scales": down})
    files = {"model.onnx": model.SerializeToString(), "x.bin": f32(x), "up.bin": f32(up), "down.bin": f32(down),
             "zero.bin": f32([1, 1, 0, 1]), "empty.bin": f32([1, 1, 0.2, 1])}
    pairs = [
        ({"op": "load_file", "path": "model.onnx"}, Expect()),
        ({"op": "output_shape", "index": 0}, Expect(fields={"dims": [1, 2, 3, 4]})),  # scales of ones
        ({"op": "create_session"}, Expect()),
        ({"op": "set_input", "index": 0, "path": "x.bin"}, Expect()),
        ({"op": "set_input", "index": 1, "path": "up.bin"}, Expect()),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [1, 2, 6, 6]})),
        ({"op": "output_shape", "index": 0}, Expect(fields={"dims": [1, 2, 3, 4]})),  # the model keeps its own
        ({"op": "run"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect(output=want_up)),
        ({"op": "set_input", "index": 1, "path": "zero.bin"},
         Expect("PRED_ERR_SHAPE", contains=("pred_session_set_input", "'up'", "scale 0"))),
        ({"op": "set_input", "index": 1, "path": "empty.bin"},
         Expect("PRED_ERR_UNSUPPORTED", contains=("pred_session_set_input", "'up'", "empty"))),
        ({"op": "get_output", "index": 0}, Expect(output=want_up)),  # unchanged, last run still readable
        ({"op": "set_input", "index": 1, "path": "down.bin"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect("PRED_ERR_STATE")),  # a new plan has not run
        ({"op": "run"}, Expect()),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [1, 2, 1, 2]})),
        ({"op": "get_output", "index": 0}, Expect(output=want_down)),
    ]
    return Case("shape_input", files, [s for s, _ in pairs], [e for _, e in pairs])


def shared_symbolic_dims(rng) -> Case:
    """Inputs whose batch has one symbolic name change together; one input cannot give two sizes
    to one name."""
    model = make_model([helper.make_node("Add", ["a", "b"], ["s"], name="add"),
                        helper.make_node("Concat", ["s", "c"], ["y"], name="concat", axis=1)],
                       [tensor("a", ["batch", 3]), tensor("b", ["batch", 3]), tensor("c", ["batch", "k"])],
                       [tensor("y", ["batch", None])])
    a, b, c = rand(rng, 4, 3), rand(rng, 4, 3), rand(rng, 4, 2)
    (want,) = oracle(model, {"a": a, "b": b, "c": c})
    square = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                        [tensor("x", ["n", "n"])], [tensor("y", ["n", "n"])])
    files = {"model.onnx": model.SerializeToString(), "square.onnx": square.SerializeToString(),
             "a.bin": f32(a), "b.bin": f32(b), "c.bin": f32(c)}
    pairs = [
        ({"op": "load_file", "path": "model.onnx"}, Expect()),
        ({"op": "create_session"}, Expect()),
        ({"op": "set_input_shape", "index": 2, "dims": [4, 2]}, Expect()),
        ({"op": "session_input_shape", "index": 0}, Expect(fields={"dims": [4, 3]})),
        ({"op": "session_input_shape", "index": 1}, Expect(fields={"dims": [4, 3]})),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [4, 5]})),
        ({"op": "set_input", "index": 0, "path": "a.bin"}, Expect()),
        ({"op": "set_input", "index": 1, "path": "b.bin"}, Expect()),
        ({"op": "set_input", "index": 2, "path": "c.bin"}, Expect()),
        ({"op": "run"}, Expect()),
        ({"op": "get_output", "index": 0}, Expect(output=want)),
        ({"op": "load_file", "path": "square.onnx"}, Expect()),
        ({"op": "create_session"}, Expect()),
        ({"op": "set_input_shape", "index": 0, "dims": [2, 3]},
         Expect("PRED_ERR_SHAPE", contains=("pred_session_set_input_shape", "one symbolic name", "'x'"))),
        ({"op": "set_input_shape", "index": 0, "dims": [3, 3]}, Expect()),
        ({"op": "session_output_shape", "index": 0}, Expect(fields={"dims": [3, 3]})),
    ]
    return Case("shared_symbolic_dims", files, [s for s, _ in pairs], [e for _, e in pairs])


def cases() -> list[Case]:
    makers = [batch8, input_shape_errors, shape_the_model_cannot_run, fusions, dynamic_same_padding,
              nhwc_transposes, split_omitted_output, shape_input, shared_symbolic_dims]
    return [make(np.random.default_rng(100 + seed)) for seed, make in enumerate(makers)]
