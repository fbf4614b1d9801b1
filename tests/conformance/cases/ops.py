"""Cases for the operators beyond the walking skeleton, mixed in small models,
compared with onnxruntime; and the refusals of what the engine needs at load."""
import numpy as np
from onnx import TensorProto, helper

from . import Case, Expect, const, make_model, run_case, tensor


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def i64(*values):
    return np.array(values, dtype=np.int64)


def shape_arithmetic(rng) -> Case:
    """Shape -> Gather -> Unsqueeze -> Concat -> Reshape, computed at load; Transpose, LogSoftmax."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
        helper.make_node("Constant", [], ["minus1"], name="minus1", value=helper.make_tensor("v", TensorProto.INT64, [1], [-1])),
        helper.make_node("Concat", ["n1", "minus1"], ["shape2"], name="concat_shape", axis=0),
        helper.make_node("Reshape", ["x", "shape2"], ["flat"], name="reshape"),
        helper.make_node("Shape", ["x"], ["hw"], name="shape_hw", start=2),
        helper.make_node("Cast", ["hw"], ["hwf"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["hwf"], ["area"], name="mean_hw", keepdims=0),
        helper.make_node("Div", ["flat", "area"], ["scaled"], name="div"),
        helper.make_node("LogSoftmax", ["scaled"], ["logp"], name="logsoftmax", axis=-1),
        helper.make_node("Transpose", ["x"], ["xt"], name="transpose", perm=[0, 3, 1, 2]),
        helper.make_node("ConstantOfShape", ["cshape"], ["ones"], name="ones",
                         value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.5])),
        helper.make_node("Sub", ["xt", "ones"], ["y"], name="sub"),
    ]
    model = make_model(nodes, [tensor("x", [2, 3, 4, 5])], [tensor("logp", [2, 60]), tensor("y", None)],
                       [const("zero", np.array(0, np.int64)), const("axes0", i64(0)), const("cshape", i64(1, 5, 1, 1))],
                       opset=15)
    return run_case("shape_arithmetic", model, {"x": rand(rng, 2, 3, 4, 5)})


def activations(rng) -> Case:
    """The elementwise functions, the broadcasting binary and variadic operators."""
    nodes = [
        helper.make_node("LeakyRelu", ["x"], ["a"], name="leaky", alpha=0.2),
        helper.make_node("PRelu", ["x", "slope"], ["b"], name="prelu"),
        helper.make_node("Sigmoid", ["x"], ["c"], name="sigmoid"),
        helper.make_node("HardSigmoid", ["x"], ["d"], name="hardsigmoid", alpha=0.3, beta=0.4),
        helper.make_node("HardSwish", ["x"], ["e"], name="hardswish"),
        helper.make_node("Tanh", ["x"], ["f"], name="tanh"),
        helper.make_node("Erf", ["x"], ["g"], name="erf"),
        helper.make_node("Exp", ["x"], ["h"], name="exp"),
        helper.make_node("Sqrt", ["h"], ["i"], name="sqrt"),
        helper.make_node("Pow", ["h", "p"], ["j"], name="pow"),
        helper.make_node("Clip", ["x", "lo", "hi"], ["k"], name="clip"),
        helper.make_node("Sum", ["a", "b", "c", "d"], ["s1"], name="sum"),
        helper.make_node("Max", ["e", "f", "g"], ["s2"], name="max"),
        helper.make_node("Min", ["i", "j", "k"], ["s3"], name="min"),
        helper.make_node("Div", ["s1", "h"], ["s4"], name="div"),
        helper.make_node("Sub", ["s4", "s2"], ["s5"], name="sub"),
        helper.make_node("Mul", ["s5", "s3"], ["y"], name="mul"),
    ]
    model = make_model(nodes, [tensor("x", [2, 3, 4])], [tensor("y", None), tensor("s2", None)],
                       [const("slope", rand(rng, 3, 1)), const("p", np.array([1.5, -0.5, 2.0, 3.0], np.float32)),
                        const("lo", np.array(-0.5, np.float32)), const("hi", np.array(0.75, np.float32))],
                       opset=14)
    return run_case("activations", model, {"x": 2 * rand(rng, 2, 3, 4)})


def normalization_gelu(rng) -> Case:
    """LayerNormalization (with its Mean and InvStdDev outputs, and without B) and Gelu, both forms."""
    nodes = [
        helper.make_node("LayerNormalization", ["x", "scale_w", "bias_w"], ["ln", "mean", "inv_std"], name="ln_last"),
        helper.make_node("LayerNormalization", ["x", "scale_chw"], ["ln1"], name="ln_chw", axis=1, epsilon=1e-3),
        helper.make_node("Gelu", ["ln"], ["g"], name="gelu"),
        helper.make_node("Gelu", ["ln1"], ["g1"], name="gelu_tanh", approximate="tanh"),
        helper.make_node("Add", ["g", "g1"], ["y"], name="add"),
    ]
    model = make_model(nodes, [tensor("x", [2, 4, 3, 5])],
                       [tensor("y", None), tensor("mean", None), tensor("inv_std", None)],
                       [const("scale_w", rand(rng, 5)), const("bias_w", rand(rng, 5)),
                        const("scale_chw", rand(rng, 4, 3, 5))], opset=20)
    return run_case("normalization_gelu", model, {"x": 3 * rand(rng, 2, 4, 3, 5) + 1})


def lrn_upsample_reduce(rng) -> Case:
    """Opset 9 (Upsample's last): LRN, Upsample nearest and linear, InstanceNormalization,
    Elu, Selu, Softplus, Softsign, Abs, Neg (also of a shape, at load), Reciprocal, Floor, Ceil and the
    reductions Max, Min, Sum, SumSquare, L2 (axes as attributes)."""
    nodes = [
        helper.make_node("LRN", ["x"], ["lrn"], name="lrn", size=5, alpha=0.3, beta=0.75, bias=1.5),
        helper.make_node("Upsample", ["lrn", "s_near"], ["up"], name="up_nearest", mode="nearest"),
        helper.make_node("Upsample", ["x", "s_lin"], ["upl"], name="up_linear", mode="linear"),
        helper.make_node("InstanceNormalization", ["x", "in_scale", "in_bias"], ["inorm"], name="inorm", epsilon=1e-3),
        helper.make_node("Elu", ["inorm"], ["elu"], name="elu", alpha=0.5),
        helper.make_node("Selu", ["x"], ["selu"], name="selu"),
        helper.make_node("Softplus", ["upl"], ["sp"], name="softplus"),
        helper.make_node("Softsign", ["x"], ["ss"], name="softsign"),
        helper.make_node("Neg", ["ss"], ["neg"], name="neg"),
        helper.make_node("Abs", ["x"], ["abs"], name="abs"),
        helper.make_node("Add", ["abs", "one"], ["abs1"], name="add_one"),
        helper.make_node("Reciprocal", ["abs1"], ["rec"], name="reciprocal"),
        helper.make_node("Mul", ["x", "three"], ["x3"], name="mul_three"),
        helper.make_node("Floor", ["x3"], ["fl"], name="floor"),
        helper.make_node("Ceil", ["inorm"], ["ce"], name="ceil"),
        helper.make_node("Add", ["fl", "ce"], ["fc"], name="add_fc"),
        helper.make_node("Shape", ["x"], ["shp"], name="shape"),
        helper.make_node("Neg", ["shp"], ["nshp"], name="neg_shape"),
        helper.make_node("Abs", ["nshp"], ["ashp"], name="abs_shape"),
        helper.make_node("Add", ["rec", "neg"], ["z"], name="add_z"),
        helper.make_node("Reshape", ["z", "ashp"], ["zr"], name="reshape"),
        helper.make_node("ReduceMax", ["up"], ["rmax"], name="reduce_max", axes=[2, 3]),
        helper.make_node("ReduceSum", ["elu"], ["rsum"], name="reduce_sum", axes=[3]),
        helper.make_node("ReduceL2", ["fc"], ["rl2"], name="reduce_l2"),
        helper.make_node("Add", ["rmax", "rsum"], ["y0"], name="add_y0"),
        helper.make_node("Add", ["y0", "rl2"], ["y1"], name="add_y1"),
        helper.make_node("ReduceMin", ["sp"], ["rmin"], name="reduce_min", axes=[1], keepdims=0),
        helper.make_node("ReduceSumSquare", ["selu"], ["rss"], name="reduce_sum_square", axes=[1, 2], keepdims=0),
    ]
    model = make_model(nodes, [tensor("x", [2, 6, 3, 4])],
                       [tensor("up", [2, 6, 6, 12]), tensor("y1", [2, 6, 3, 1]), tensor("rmin", [2, 6, 6]),
                        tensor("rss", [2, 4]), tensor("zr", [2, 6, 3, 4])],
                       [const("s_near", np.array([1, 1, 2, 3], np.float32)),
                        const("s_lin", np.array([1, 1, 2, 1.5], np.float32)),
                        const("in_scale", 1 + 0.1 * rand(rng, 6)), const("in_bias", rand(rng, 6)),
                        const("one", np.array(1, np.float32)), const("three", np.array(3, np.float32))], opset=9)
    return run_case("lrn_upsample_reduce", model, {"x": 2 * rand(rng, 2, 6, 3, 4)})

def split_slice_pad(rng) -> Case:
    """Split, Slice with negative steps, Squeeze, Pad in three modes, Concat, ReduceMean, GlobalMaxPool."""
    nodes = [
        helper.make_node("Split", ["x", "parts"], ["p0", "p1", "p2"], name="split", axis=1),
        helper.make_node("Slice", ["p2", "starts", "ends", "axes", "steps"], ["sl"], name="slice"),
        helper.make_node("Pad", ["p0", "pads"], ["pc"], name="pad_constant", mode="constant"),
        helper.make_node("Pad", ["p1", "pads"], ["pr"], name="pad_reflect", mode="reflect"),
        helper.make_node("Pad", ["sl", "pads2"], ["pe"], name="pad_edge", mode="edge"),
        helper.make_node("Concat", ["pc", "pr", "pe"], ["cat"], name="concat", axis=1),
        helper.make_node("Dropout", ["cat"], ["dr"], name="dropout"),
        helper.make_node("ReduceMean", ["dr"], ["rm"], name="reduce", axes=[1, 3], keepdims=0),
        helper.make_node("GlobalMaxPool", ["dr"], ["gm"], name="gmp"),
        helper.make_node("Squeeze", ["gm", "sq_axes"], ["sq"], name="squeeze"),
        helper.make_node("Identity", ["sq"], ["y"], name="identity"),
    ]
    model = make_model(nodes, [tensor("x", [2, 6, 5, 7])], [tensor("rm", None), tensor("y", None)],
                       [const("parts", i64(1, 2, 3)), const("starts", i64(-1, 6)), const("ends", i64(-100, 0)),
                        const("axes", i64(2, 3)), const("steps", i64(-2, -3)),
                        const("pads", i64(0, 0, 1, 2, 0, 0, 2, 1)), const("pads2", i64(0, 0, 2, 4, 0, 0, 3, 4)),
                        const("sq_axes", i64(2, 3))])
    return run_case("split_slice_pad", model, {"x": rand(rng, 2, 6, 5, 7)})


def conv_transpose_resize(rng) -> Case:
    """ConvTranspose (groups, strides, output_padding), Resize linear and nearest, BatchNormalization."""
    c = 4
    nodes = [
        helper.make_node("ConvTranspose", ["x", "w", "b"], ["up"], name="deconv", group=2, strides=[2, 2],
                         pads=[1, 0, 0, 1], output_padding=[1, 1]),
        helper.make_node("Resize", ["up", "", "scales"], ["lin"], name="resize_linear", mode="linear"),
        helper.make_node("Resize", ["x", "", "", "sizes"], ["near"], name="resize_nearest", mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("BatchNormalization", ["lin", "scale", "bias", "mean", "var"], ["bn"], name="bn"),
        helper.make_node("Resize", ["bn", "", "", "sizes2"], ["cubic"], name="resize_cubic", mode="cubic",
                         coordinate_transformation_mode="align_corners"),
    ]
    inits = [const("w", rand(rng, c, 3, 3, 3) * 0.3), const("b", rand(rng, 6)),
             const("scales", np.array([1, 1, 1.5, 0.75], np.float32)), const("sizes", i64(1, c, 7, 9)),
             const("scale", 1 + 0.1 * rand(rng, 6)), const("bias", rand(rng, 6)),
             const("mean", 0.1 * rand(rng, 6)), const("var", 1 + np.abs(rand(rng, 6))),
             const("sizes2", i64(1, 6, 9, 6))]
    model = make_model(nodes, [tensor("x", [1, c, 3, 4])], [tensor("near", None), tensor("cubic", None)], inits)
    return run_case("conv_transpose_resize", model, {"x": rand(rng, 1, c, 3, 4)})


def windows_1d_3d(rng) -> Case:
    """Conv, MaxPool (dilated) in 1-D; AveragePool (ceil_mode, count_include_pad) and Conv in 3-D."""
    nodes = [
        helper.make_node("Conv", ["x1", "w1"], ["c1"], name="conv1d", pads=[1, 2], strides=[2]),
        helper.make_node("MaxPool", ["c1"], ["m1"], name="maxpool1d", kernel_shape=[3], dilations=[2]),
        helper.make_node("Conv", ["x3", "w3"], ["c3"], name="conv3d", pads=[1, 1, 1, 1, 1, 1]),
        helper.make_node("AveragePool", ["c3"], ["a3"], name="avgpool3d", kernel_shape=[2, 3, 2], strides=[2, 2, 2],
                         pads=[0, 1, 0, 1, 1, 1], ceil_mode=1, count_include_pad=1),
    ]
    model = make_model(nodes, [tensor("x1", [1, 2, 11]), tensor("x3", [1, 2, 4, 5, 3])],
                       [tensor("m1", None), tensor("a3", None)],
                       [const("w1", rand(rng, 3, 2, 3)), const("w3", rand(rng, 2, 2, 3, 3, 3))])
    return run_case("windows_1d_3d", model, {"x1": rand(rng, 1, 2, 11), "x3": rand(rng, 1, 2, 4, 5, 3)})


def refused(name: str, model, *contains: str) -> Case:
    return Case(name, {"model.onnx": model.SerializeToString()}, [{"op": "load_file", "path": "model.onnx"}],
                [Expect("PRED_ERR_UNSUPPORTED", contains=contains)])


def refusals() -> list[Case]:
    """What the engine needs at load: scales computed from graph inputs (scales fed as they are
    are shape inputs, see shapes.py), integers computed at run time."""
    resize = make_model([helper.make_node("Mul", ["s", "two"], ["scales"], name="double"),
                         helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="nearest")],
                        [tensor("x", [1, 1, 2, 2]), tensor("s", [4])], [tensor("y", None)],
                        [const("two", np.array([1, 1, 2, 2], np.float32))])
    cast = make_model([helper.make_node("Cast", ["x"], ["i"], name="to_int", to=TensorProto.INT64),
                       helper.make_node("Gather", ["x", "i"], ["y"], name="gather")],
                      [tensor("x", [3])], [tensor("y", [3])])
    return [refused("refuse_computed_scales", resize, "Resize", "'up'", "'scales'", "must be known at load",
                    "depends on the values of graph inputs"),
            refused("refuse_runtime_integers", cast, "Cast", "'to_int'", "computed at run time")]


def cases() -> list[Case]:
    makers = [shape_arithmetic, activations, split_slice_pad, conv_transpose_resize, windows_1d_3d, normalization_gelu,
              lrn_upsample_reduce]
    return [make(np.random.default_rng(100 + seed)) for seed, make in enumerate(makers)] + refusals()
