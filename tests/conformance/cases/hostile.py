"""Hostile files: sizes that overflow, data the file does not hold, huge repeated fields.

Each model is small, but claims something impossible: dimensions whose
product does not fit in 64 bits, more tensor data than it carries, lengths
past the end of the file, or a field repeated tens of thousands of times.
Each must be refused at load with PRED_ERR_MODEL (a malformed file), in
every language, with the same message, and none may allocate what it claims.
test_hostile.py checks that onnx's own checker refuses these files too.

Then come legal models that once broke the engine: a buffer that would need
more than PRED_MAX_ELEMENTS (PRED_ERR_SHAPE), windows of 2^30 per dimension
(run against onnxruntime, or NumPy where onnxruntime overflows), and inputs
the fuzzer (tests/fuzz) found.

Where the onnx package can write a file, it does. The rest is protobuf wire
bytes written here by hand.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper

from . import Case, Expect, f32, make_model, run_case, tensor
from .errors import load_bytes_case

# ---- protobuf wire format, for what onnx.helper cannot write -----------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def field_bytes(number: int, data: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return key(number, 2) + varint(len(data)) + data


def field_int(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value & (2**64 - 1))


# ---- models ----------------------------------------------------------------

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])


def model_bytes(graph: onnx.GraphProto, extra_graph_fields: bytes = b"") -> bytes:
    """A ModelProto (opset 13) around a graph; extra_graph_fields are appended
    to the graph message as raw wire bytes (a repeated field may be split)."""
    model = helper.make_model(helper.make_graph([], "g", [], []), opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="predict-conformance")
    model.ir_version = 8
    model.ClearField("graph")
    return model.SerializeToString() + field_bytes(7, graph.SerializeToString() + extra_graph_fields)


def add_graph(*initializers: onnx.TensorProto, x=X) -> onnx.GraphProto:
    """y = x + b, with b given."""
    return helper.make_graph([helper.make_node("Add", ["x", "b"], ["y"], name="add")], "g", [x], [Y],
                             list(initializers))


def relu_graph(dims) -> onnx.GraphProto:
    """y = relu(x), x and y of the given dims."""
    return helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
                             [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)])


def bias(dims, raw: bytes | None = None, floats=None) -> onnx.TensorProto:
    """An initializer 'b' whose dims and data are set independently."""
    t = TensorProto(name="b", data_type=TensorProto.FLOAT, dims=list(dims))
    if raw is not None:
        t.raw_data = raw
    if floats is not None:
        t.float_data.extend(floats)
    return t


def raw_bias_tensor(dims, raw_field: bytes) -> bytes:
    """The bytes of an initializer 'b' with a hand-written raw_data field."""
    return (field_bytes(8, b"b") + field_int(2, TensorProto.FLOAT) +
            b"".join(field_int(1, d) for d in dims) + raw_field)


def cases() -> list[Case]:
    big = 2**32
    four_floats = np.arange(4, dtype="<f4").tobytes()
    reshape = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")], "g", [X], [Y],
        [TensorProto(name="shape", data_type=TensorProto.INT64, dims=[3], int64_data=[1, 4])])
    # a packed dims field claiming 2^62 bytes (a count of up to 2^62 dims)
    huge_packed_dims = (field_bytes(8, b"b") + field_int(2, TensorProto.FLOAT) +
                        key(1, 2) + varint(2**62) + b"\x04")
    seven_bytes_floats = (field_bytes(8, b"b") + field_int(2, TensorProto.FLOAT) + field_int(1, 4) +
                          field_bytes(4, four_floats[:7]))
    resize_through_huge = helper.make_graph(
        [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize", mode="nearest")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 46341, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [46341, 1, 1, 1])],
        [TensorProto(name="sizes", data_type=TensorProto.INT64, dims=[4], int64_data=[46341, 1, 1, 1])])
    many_inputs = helper.make_graph([helper.make_node("Add", ["x"] * 100_000, ["y"], name="add")], "g", [X], [Y])
    out = [
        # dimensions whose product does not fit in 64 bits
        load_bytes_case("overflow_input_dims", model_bytes(relu_graph([big, big, big])),
                        "PRED_ERR_MODEL", "input 'x'", "overflows"),
        # ... also when the rank is above what the engine keeps (8)
        load_bytes_case("overflow_input_rank", model_bytes(relu_graph([2] * 70)),
                        "PRED_ERR_MODEL", "input 'x'", "overflows"),
        load_bytes_case("overflow_initializer_dims", model_bytes(add_graph(bias([2**40, 2**40], four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "overflows"),
        load_bytes_case("overflow_initializer_rank", model_bytes(add_graph(bias([2**16] * 64, four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "overflows"),
        load_bytes_case("overflow_int64_wraps", model_bytes(add_graph(bias([2**62, 4], four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "overflows"),
        # tensors that claim more data than the file holds
        load_bytes_case("initializer_over_element_limit", model_bytes(add_graph(bias([2**31, 4], four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "elements"),
        load_bytes_case("raw_data_shorter_than_dims", model_bytes(add_graph(bias([1000], four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "16 bytes of raw data"),
        load_bytes_case("float_data_shorter_than_dims", model_bytes(add_graph(bias([1000], floats=[1, 2, 3, 4]))),
                        "PRED_ERR_MODEL", "tensor 'b'", "4 FLOAT values"),
        load_bytes_case("int64_data_shorter_than_dims", model_bytes(reshape),
                        "PRED_ERR_MODEL", "tensor 'shape'", "2 INT64 values"),
        # rank 10, one element, but four elements of data: wrong at any rank
        load_bytes_case("raw_data_longer_than_dims_high_rank", model_bytes(add_graph(bias([1] * 10, four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "16 bytes of raw data"),
        load_bytes_case("raw_data_length_past_end", model_bytes(add_graph(), field_bytes(5, raw_bias_tensor(
            [4], key(9, 2) + varint(2**31) + four_floats))),
            "PRED_ERR_MODEL", "runs past the end"),
        load_bytes_case("raw_data_length_2_to_64", model_bytes(add_graph(), field_bytes(5, raw_bias_tensor(
            [4], key(9, 2) + varint(2**64 - 1) + four_floats))),
            "PRED_ERR_MODEL", "runs past the end"),
        load_bytes_case("graph_length_2_to_63", field_int(1, 8) + key(7, 2) + varint(2**63) + field_bytes(1, b""),
                        "PRED_ERR_MODEL", "runs past the end"),
        # huge repeated-field counts
        load_bytes_case("packed_dims_length_past_end", model_bytes(add_graph(), field_bytes(5, huge_packed_dims)),
                        "PRED_ERR_MODEL", "runs past the end"),
        load_bytes_case("packed_floats_not_multiple_of_4", model_bytes(add_graph(), field_bytes(5, seven_bytes_floats)),
                        "PRED_ERR_MODEL", "not a multiple"),
        load_bytes_case("initializer_100k_dims", model_bytes(add_graph(bias([2] * 100_000, four_floats))),
                        "PRED_ERR_MODEL", "tensor 'b'", "overflows"),
        load_bytes_case("node_100k_inputs", model_bytes(many_inputs), "PRED_ERR_MODEL", "100000 inputs"),
        load_bytes_case("graph_50k_empty_nodes", model_bytes(add_graph(bias([4], four_floats)),
                                                             field_bytes(1, b"") * 50_000),
                        "PRED_ERR_MODEL", "no operator type"),
        load_bytes_case("graph_50k_nameless_initializers", model_bytes(add_graph(bias([4], four_floats)),
                                                                       field_bytes(5, b"") * 50_000),
                        "PRED_ERR_MODEL", "empty name"),
        load_bytes_case("varint_longer_than_64_bits", key(1, 0) + b"\xff" * 10 + b"\x01", "PRED_ERR_MODEL",
                        "varint longer than 64 bits"),
        load_bytes_case("groups_nested_too_deeply", key(20, 3) * 100 + key(20, 4) * 100, "PRED_ERR_MODEL",
                        "nested too deeply"),
        # upsampling axis 0 first passes through [46341, 1, 46341, 1]: 2^31 + 4633
        # elements, more than one buffer may hold (this once overflowed the heap)
        load_bytes_case("resize_intermediate_over_limit", model_bytes(resize_through_huge),
                        "PRED_ERR_SHAPE", "[46341,1,46341,1]", "more than 2147483647 elements"),
    ]
    # a window of 2^30 x 2^30 over a 2 x 3 image: legal, and each output reads
    # at most 6 elements, so it must take no longer than a small window
    huge_window = make_model(
        [helper.make_node("MaxPool", ["x"], ["m"], name="max", kernel_shape=[2**30, 2**30], auto_pad="SAME_UPPER"),
         helper.make_node("AveragePool", ["x"], ["a"], name="avg", kernel_shape=[2**30, 2**30],
                          auto_pad="SAME_LOWER", count_include_pad=1)],
        [tensor("x", [1, 1, 2, 3])], [tensor("m", None), tensor("a", None)])
    out.append(run_case("pool_window_2_to_30", huge_window,
                        {"x": np.arange(-3, 3, dtype=np.float32).reshape(1, 1, 2, 3)}))
    out.append(avgpool_3d_window_2_to_30())
    # found by fuzz_load: Sum/Max/Min whose first two inputs agree with each
    # other but not with the output once read past their end
    rng = np.random.default_rng(11)
    variadic = make_model(
        [helper.make_node(op, ["a", "b", "c"], [op.lower()], name=op.lower()) for op in ("Sum", "Max", "Min")],
        [tensor("a", [4]), tensor("b", [4]), tensor("c", [2, 3, 4])],
        [tensor("sum", None), tensor("max", None), tensor("min", None)])
    out.append(run_case("variadic_first_two_broadcast", variadic,
                        {"a": rng.standard_normal(4).astype(np.float32), "b": rng.standard_normal(4).astype(np.float32),
                         "c": rng.standard_normal((2, 3, 4)).astype(np.float32)}))
    return out


def avgpool_3d_window_2_to_30() -> Case:
    """AveragePool 3-D, kernel 2^30 per dim, count_include_pad: each output
    divides by 2^90 padded taps (beyond int64). onnxruntime's own count
    overflows here (it answers inf), so NumPy is the oracle: every window
    covers the whole input, and SAME_UPPER pads it to the full kernel."""
    k = 2**30
    model = make_model(
        [helper.make_node("AveragePool", ["x"], ["y"], name="avg", kernel_shape=[k, k, k], auto_pad="SAME_UPPER",
                          count_include_pad=1)],
        [tensor("x", [1, 1, 1, 2, 2])], [tensor("y", [1, 1, 1, 2, 2])], opset=19)
    x = np.array([1, 2, 3, 4], np.float32)
    y = np.full(4, np.float32(x.sum()) / np.float32(2.0**90), np.float32)
    steps = [{"op": "load_file", "path": "model.onnx"}, {"op": "create_session"},
             {"op": "set_input", "index": 0, "path": "x.bin"}, {"op": "run"}, {"op": "get_output", "index": 0}]
    expect = [Expect(), Expect(), Expect(), Expect(), Expect(output=y, rtol=1e-6, atol=0)]
    return Case("avgpool_3d_window_2_to_30", {"model.onnx": model.SerializeToString(), "x.bin": f32(x)},
                steps, expect)
