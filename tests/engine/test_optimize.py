"""Load-time graph optimization, the graph description and per-session input shapes.

Outputs are compared with onnxruntime; what the optimizer did is read from the engine's own
description (pred_model_describe), which must also agree with the file for unoptimized loads.
"""
import json
import threading

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import predict

ort = pytest.importorskip("onnxruntime")


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    # outputs declared without a shape get the one ONNX's shape inference finds
    inferred = onnx.shape_inference.infer_shapes(m).graph
    known = {v.name: v.type for v in [*inferred.value_info, *inferred.output]}
    for out in m.graph.output:
        if not out.type.tensor_type.HasField("shape") and out.name in known:
            out.type.CopyFrom(known[out.name])
    onnx.checker.check_model(m)
    return m.SerializeToString()


def tensor(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def reference(data, feeds):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]).run(None, feeds)


def describe(data, optimize=True):
    options = 0 if optimize else predict.LOAD_NO_OPTIMIZE
    with predict.Model.load_with_options(data, options) as m:
        return json.loads(m.describe())


def run(data, feeds, optimize=True, shapes=None):
    options = 0 if optimize else predict.LOAD_NO_OPTIMIZE
    with predict.Model.load_with_options(data, options) as m, predict.Session(m) as s:
        for i, (name, shape) in enumerate((shapes or {}).items()):
            assert m.input_name(i) == name
            s.set_input_shape(i, shape)
        for i in range(m.input_count()):
            s.set_input(i, feeds[m.input_name(i)])
        s.run()
        return [s.get_output(i).reshape(s.output_shape(i)) for i in range(m.output_count())]


def conv_bn_act(rng, batch="N", act="Clip"):
    """Conv -> BatchNormalization -> Relu6, depthwise Conv -> BN -> Relu, pooled into Gemm -> Relu."""
    c = 6
    inits = {"w1": rand(rng, c, 3, 3, 3) * 0.3, "s1": 1 + 0.1 * rand(rng, c), "b1": 0.1 * rand(rng, c),
             "m1": 0.1 * rand(rng, c), "v1": 1 + np.abs(rand(rng, c)),
             "w2": rand(rng, c, 1, 3, 3) * 0.3, "cb2": 0.1 * rand(rng, c), "s2": 1 + 0.1 * rand(rng, c),
             "b2": 0.1 * rand(rng, c), "m2": 0.1 * rand(rng, c), "v2": 1 + np.abs(rand(rng, c)),
             "lo": np.array(0, np.float32), "hi": np.array(6, np.float32),
             "wfc": rand(rng, 5, c) * 0.3, "bfc": rand(rng, 5)}
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c1", "s1", "b1", "m1", "v1"], ["n1"], name="bn1", epsilon=1e-3),
        helper.make_node("Clip", ["n1", "lo", "hi"], ["r1"], name="relu6"),
        helper.make_node("Conv", ["r1", "w2", "cb2"], ["c2"], name="dw", group=c, pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c2", "s2", "b2", "m2", "v2"], ["n2"], name="bn2"),
        helper.make_node("Relu", ["n2"], ["r2"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wfc", "bfc"], ["fc"], name="fc", transB=1),
        helper.make_node("Relu", ["fc"], ["y"], name="relu_fc"),
    ]
    return model(nodes, [tensor("x", [batch, 3, 9, 9])], [tensor("y", [batch, 5])], inits.items())


def test_batchnorm_folds_and_activations_fuse():
    data = conv_bn_act(np.random.default_rng(0))
    before, after = describe(data, optimize=False), describe(data)
    assert before["totals"]["ops"] == {"Conv": 2, "BatchNormalization": 2, "Clip": 1, "Relu": 2,
                                       "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1}
    assert [n["op"] for n in before["nodes"]] == ["Conv", "BatchNormalization", "Clip", "Conv",
                                                  "BatchNormalization", "Relu", "GlobalAveragePool",
                                                  "Flatten", "Gemm", "Relu"]
    assert [(n["op"], n["name"], n["activation"]) for n in after["nodes"]] == [
        ("Conv", "conv1", "Clip(0,6)"), ("Conv", "dw", "Relu"), ("GlobalAveragePool", "gap", None),
        ("Flatten", "flatten", None), ("Gemm", "fc", "Relu")]
    # the fused nodes write the tensors the removed ones wrote
    assert after["nodes"][0]["outputs"][0]["name"] == "r1" and after["nodes"][-1]["outputs"][0]["name"] == "y"
    # BatchNormalization's 4 vectors per channel are gone; conv1 gained a bias
    assert before["totals"]["params"] - after["totals"]["params"] == 2 * 4 * 6 - 6 + 2
    x = rand(np.random.default_rng(1), 1, 3, 9, 9)
    (want,) = reference(data, {"x": x})
    for optimize in (False, True):
        (got,) = run(data, {"x": x}, optimize)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_rewrites_keep_tensors_others_read():
    """No fold or fusion where the intermediate tensor has another reader or is a graph output."""
    rng = np.random.default_rng(2)
    c = 4
    inits = {"w": rand(rng, c, 2, 3, 3), "s": 1 + rand(rng, c) * 0.1, "sh": rand(rng, c), "m": rand(rng, c),
             "v": 1 + np.abs(rand(rng, c)), "w2": rand(rng, c, c, 1, 1)}
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "sh", "m", "v"], ["bn"], name="bn_shared"),
        helper.make_node("Relu", ["c"], ["cr"], name="reads_conv"),
        helper.make_node("Add", ["bn", "cr"], ["a"], name="add"),
        helper.make_node("Conv", ["a", "w2"], ["c2"], name="pw"),
        helper.make_node("Relu", ["c2"], ["y"], name="relu_out"),
        helper.make_node("Conv", ["a", "w2"], ["c3"], name="pw_out"),
        helper.make_node("Relu", ["c3"], ["z"], name="relu_after_output"),
    ]
    data = model(nodes, [tensor("x", [1, 2, 5, 5])], [tensor("y", None), tensor("c3", None), tensor("z", None)],
                 inits.items())
    after = describe(data)
    assert [(n["name"], n["activation"]) for n in after["nodes"]] == [
        ("conv", None), ("bn_shared", None), ("reads_conv", None), ("add", None), ("pw", "Relu"),
        ("pw_out", None), ("relu_after_output", None)]
    x = rand(rng, 1, 2, 5, 5)
    for got, want in zip(run(data, {"x": x}), reference(data, {"x": x})):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_bn_output_as_graph_output_still_folds():
    rng = np.random.default_rng(3)
    inits = {"w": rand(rng, 3, 3, 1, 1), "s": rand(rng, 3), "sh": rand(rng, 3), "m": rand(rng, 3),
             "v": 1 + np.abs(rand(rng, 3))}
    data = model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
                  helper.make_node("BatchNormalization", ["c", "s", "sh", "m", "v"], ["y"], name="bn")],
                 [tensor("x", [1, 3, 4, 4])], [tensor("y", None)], inits.items())
    after = describe(data)
    assert [n["op"] for n in after["nodes"]] == ["Conv"] and after["outputs"][0]["name"] == "y"
    x = rand(rng, 1, 3, 4, 4)
    np.testing.assert_allclose(run(data, {"x": x})[0], reference(data, {"x": x})[0], rtol=1e-5, atol=1e-5)


def test_constant_subgraph_is_folded():
    """A chain computed from initializers only runs at load: nothing of it is left to run."""
    rng = np.random.default_rng(4)
    inits = {"a": rand(rng, 4, 4), "b": rand(rng, 4, 4), "lo": np.array(-0.5, np.float32),
             "hi": np.array(0.5, np.float32)}
    nodes = [helper.make_node("MatMul", ["a", "b"], ["ab"], name="const_mm"),
             helper.make_node("Clip", ["ab", "lo", "hi"], ["w"], name="const_clip"),
             helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")]
    data = model(nodes, [tensor("x", [2, 4])], [tensor("y", None)], inits.items())
    before, after = describe(data, optimize=False), describe(data)
    assert [(n["name"], n["folded"]) for n in before["nodes"]] == [
        ("const_mm", True), ("const_clip", True), ("mm", False)]
    assert before["totals"]["folded"] == 2 and before["totals"]["run"] == 1
    assert [n["name"] for n in after["nodes"]] == ["mm"]
    assert after["nodes"][0]["inputs"][1] == {"name": "w", "shape": [4, 4], "type": "float", "kind": "folded"}
    x = rand(rng, 2, 4)
    for optimize in (False, True):
        np.testing.assert_allclose(run(data, {"x": x}, optimize)[0], reference(data, {"x": x})[0], rtol=1e-5)


def test_description_totals_and_escaping():
    rng = np.random.default_rng(5)
    name = 'odd "name"\\\n\u00e9'
    data = model([helper.make_node("Conv", ["x", "w", "b"], [name], name="c\t1", pads=[1, 1, 1, 1])],
                 [tensor("x", [2, 3, 8, 8])], [tensor(name, None)],
                 [("w", rand(rng, 4, 3, 3, 3)), ("b", rand(rng, 4))])
    d = describe(data)
    (node,) = d["nodes"]
    assert node["name"] == "c\t1" and node["outputs"][0]["name"] == name
    assert node["inputs"][0] == {"name": "x", "shape": [2, 3, 8, 8], "type": "float", "kind": "input"}
    assert node["inputs"][1]["kind"] == "const"
    assert node["flops"] == 2 * (2 * 4 * 8 * 8) * (3 * 3 * 3)
    t = d["totals"]
    assert t["params"] == 4 * 3 * 3 * 3 + 4 and t["constant_bytes"] == 4 * t["params"]
    assert t["value_bytes"] == 4 * (2 * 3 * 8 * 8 + 2 * 4 * 8 * 8) and t["flops"] == node["flops"]


def test_unknown_load_option_is_refused():
    data = conv_bn_act(np.random.default_rng(0))
    with pytest.raises(predict.PredictError) as e:
        predict.Model.load_with_options(data, 6)
    assert e.value.status == predict.Status.ERR_ARGUMENT and "options" in str(e.value)


# ---- input shapes per session ---------------------------------------------


def test_sessions_with_different_batches_share_one_model():
    rng = np.random.default_rng(6)
    data = conv_bn_act(rng)
    xs = {b: rand(rng, b, 3, 9, 9) for b in (1, 3, 8)}
    wants = {b: reference(data, {"x": x})[0] for b, x in xs.items()}
    with predict.Model.load(data) as m:
        sessions = {b: predict.Session(m) for b in xs}
        errors = []

        def work(b):
            try:
                s = sessions[b]
                if b != 1:  # re-planned while the other threads run the shared model
                    s.set_input_shape(0, [b, 3, 9, 9])
                assert s.input_size(0) == b * 3 * 81 and s.output_shape(0) == (b, 5)
                for _ in range(3):
                    s.set_input(0, xs[b])
                    s.run()
                    np.testing.assert_allclose(s.get_output(0).reshape(b, 5), wants[b], rtol=1e-5, atol=1e-5)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(b,)) for b in xs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert m.input_shape(0) == (1, 3, 9, 9) and m.output_shape(0) == (1, 5)  # the model is unchanged
        for s in sessions.values():
            s.close()


def test_reshape_back_and_unoptimized():
    rng = np.random.default_rng(7)
    data = conv_bn_act(rng)
    for optimize in (True, False):
        x = rand(rng, 4, 3, 9, 9)
        (got,) = run(data, {"x": x}, optimize, shapes={"x": [4, 3, 9, 9]})
        np.testing.assert_allclose(got, reference(data, {"x": x})[0], rtol=1e-5, atol=1e-5)
    with predict.Model.load(data) as m, predict.Session(m) as s:
        s.set_input_shape(0, [5, 3, 9, 9])
        s.set_input_shape(0, [1, 3, 9, 9])
        assert s.output_size(0) == 5
        s.set_input_shape(0, np.array([2, 3, 9, 9], dtype=np.int64))
        assert s.input_shape(0) == (2, 3, 9, 9)


@pytest.mark.parametrize("perm", [None, [0, 2, 3, 1]], ids=["reversed", "to_nhwc"])
def test_transposes_that_cancel_before_a_graph_output(perm):
    """Transpose then its inverse, the second writing a graph output: that node must stay as it
    is (found by the fuzzer: it was rewired to read the first one's input, and read past it)."""
    rng = np.random.default_rng(11)
    inverse = None if perm is None else [perm.index(i) for i in range(4)]
    attrs = lambda p: {} if p is None else {"perm": p}
    data = model([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 2, 1, 0]),
                  helper.make_node("Transpose", ["c"], ["t"], **attrs(perm)),
                  helper.make_node("Transpose", ["t"], ["y"], **attrs(inverse))],
                 [tensor("x", [1, 3, 5, 6])], [tensor("y", None)], [("w", rand(rng, 4, 3, 3, 3))])
    x = rand(rng, 1, 3, 5, 6)
    for optimize in (True, False):
        (got,) = run(data, {"x": x}, optimize)
        np.testing.assert_allclose(got, reference(data, {"x": x})[0], rtol=1e-5, atol=1e-5)


def test_shapes_flow_through_reshape_with_minus_one():
    """Reshape to (-1, 16) follows the batch; Reshape to a fixed (1, 16) refuses batch 2."""
    rng = np.random.default_rng(8)
    for target, ok in (([-1, 16], True), ([1, 16], False)):
        data = model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                      helper.make_node("Reshape", ["r", "to"], ["y"], name="flat")],
                     [tensor("x", ["batch", 4, 2, 2])], [tensor("y", None)],
                     [("to", np.array(target, np.int64))])
        with predict.Model.load(data) as m, predict.Session(m) as s:
            if not ok:
                with pytest.raises(predict.PredictError) as e:
                    s.set_input_shape(0, [2, 4, 2, 2])
                assert e.value.status == predict.Status.ERR_SHAPE and "flat" in str(e.value)
                assert s.input_shape(0) == (1, 4, 2, 2)
                continue
            s.set_input_shape(0, [2, 4, 2, 2])
            x = rand(rng, 2, 4, 2, 2)
            s.set_input(0, x)
            s.run()
            assert s.output_shape(0) == (2, 16)
            np.testing.assert_array_equal(s.get_output(0).reshape(2, 16), np.maximum(x, 0).reshape(2, 16))


@pytest.mark.parametrize("act,attrs,label", [("LeakyRelu", {"alpha": 0.2}, "LeakyRelu(0.2)"),
                                             ("Sigmoid", {}, "Sigmoid"), ("HardSwish", {}, "HardSwish"),
                                             ("Relu", {}, "Relu")])
def test_each_activation_fuses_bit_for_bit(act, attrs, label):
    """Fusing applies the activation op's own arithmetic: the fused graph gives the same bits
    as the unfused one (BatchNormalization is absent here, so nothing else changes)."""
    rng = np.random.default_rng(9)
    inits = {"w": rand(rng, 5, 3, 3, 3), "b": rand(rng, 5), "wfc": rand(rng, 4, 5 * 16), "bfc": rand(rng, 4)}
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node(act, ["c"], ["a"], name="act", **attrs),
             helper.make_node("Flatten", ["a"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "wfc", "bfc"], ["g"], name="fc", transB=1),
             helper.make_node(act, ["g"], ["y"], name="act_fc", **attrs)]
    data = model(nodes, [tensor("x", [2, 3, 4, 4])], [tensor("y", None)], inits.items(), opset=14)
    after = describe(data)
    assert [(n["op"], n["activation"]) for n in after["nodes"]] == [
        ("Conv", label), ("Flatten", None), ("Gemm", label)]
    x = rand(rng, 2, 3, 4, 4) * 3
    (fused,), (plain,) = run(data, {"x": x}), run(data, {"x": x}, optimize=False)
    np.testing.assert_array_equal(fused, plain)
    np.testing.assert_allclose(fused, reference(data, {"x": x})[0], rtol=1e-5, atol=1e-5)


def test_node_with_an_omitted_first_output():
    """Fusion looks at every node's first output; one left out (-1) must not be read (a
    libFuzzer find: Split with outputs ["", "b"])."""
    data = model([helper.make_node("Split", ["x"], ["", "b"], name="split", axis=1, num_outputs=2),
                  helper.make_node("Relu", ["b"], ["y"], name="relu")],
                 [tensor("x", [1, 4])], [tensor("y", None)], opset=18)
    x = np.array([[1, -2, 3, -4]], np.float32)
    for optimize in (True, False):
        np.testing.assert_array_equal(run(data, {"x": x}, optimize)[0], [[3, 0]])


@pytest.mark.parametrize("label,c,m,hw,k,group", [
    ("3x3 GEMM", 8, 16, 9, 3, 1),
    ("pointwise, 7x7 map, deep (the transposed product)", 320, 24, 7, 1, 1),
    ("pointwise on a large map", 24, 40, 28, 1, 1),
    ("depthwise (added after its kernel)", 16, 16, 10, 3, 16)])
def test_residual_add_fuses_into_conv_bit_for_bit(label, c, m, hw, k, group):
    """Add(Conv(x), r) becomes the Conv adding r to its sums, and Relu after the Add its activation:
    the same bits as the unfused graph, on every kernel path a Conv takes, and onnxruntime's
    values. r here is a Conv output too, computed before the fused one."""
    rng = np.random.default_rng(11)
    inits = {"w0": rand(rng, m, c, 1, 1), "w": rand(rng, m, c // group, k, k), "b": rand(rng, m)}
    nodes = [helper.make_node("Conv", ["x", "w0"], ["r"], name="shortcut"),
             helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[k // 2] * 4, group=group),
             helper.make_node("Add", ["c", "r"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["y"], name="relu")]
    data = model(nodes, [tensor("x", [2, c, hw, hw])], [tensor("y", None)], inits.items())
    after = describe(data)
    assert [(n["op"], n["name"], n["activation"]) for n in after["nodes"]] == [
        ("Conv", "shortcut", None), ("Conv", "conv", "Relu")], label
    assert [i["name"] for i in after["nodes"][1]["inputs"]] == ["x", "w", "b", "r"]
    x = rand(rng, 2, c, hw, hw)
    (fused,), (plain,) = run(data, {"x": x}), run(data, {"x": x}, optimize=False)
    np.testing.assert_array_equal(fused, plain)
    np.testing.assert_allclose(fused, reference(data, {"x": x})[0], rtol=1e-4, atol=1e-4)


def test_residual_add_stays_where_it_cannot_fuse():
    """No fusion when the other operand is computed after the Conv (it would be read before it
    exists; the nodes run in the file's order, which is a valid one), when the Add broadcasts, or
    when the Conv's output is read elsewhere too."""
    rng = np.random.default_rng(12)
    inits = {"w": rand(rng, 4, 4, 1, 1), "bias": rand(rng, 4, 1, 1)}
    later = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Sigmoid", ["x"], ["r"], name="after"),
             helper.make_node("Add", ["c", "r"], ["y"], name="add")]
    broadcast = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
                 helper.make_node("Add", ["c", "bias"], ["y"], name="add")]
    shared = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
              helper.make_node("Add", ["c", "x"], ["s"], name="add"),
              helper.make_node("Mul", ["s", "c"], ["y"], name="mul")]
    x = rand(rng, 1, 4, 5, 5)
    for nodes in (later, broadcast, shared):
        data = model(nodes, [tensor("x", [1, 4, 5, 5])], [tensor("y", None)], inits.items())
        assert "Add" in [n["op"] for n in describe(data)["nodes"]]
        np.testing.assert_allclose(run(data, {"x": x})[0], reference(data, {"x": x})[0], rtol=1e-5, atol=1e-5)
