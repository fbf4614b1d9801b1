"""Every way the ONNX format stores a number, each in a case of its own.

ONNX is protobuf, and protobuf is little-endian: float attributes and float_data are
fixed32 (packed, or one key per value: a parser must read both), int64_data and dims are
varints (packed or not), raw_data and external data files are the tensor's little-endian
bytes, and a reader must skip fields it does not know by their wire type, fixed64 (8 bytes)
and fixed32 (4 bytes) included. On a little-endian host a wrong reader can still pass; these
cases exist so that a big-endian target (s390x, test_targets.py) proves each encoding is read
as the format says, value by value, through outputs compared with onnxruntime run on the
exact same bytes.

One small model uses every kind of stored number: Gemm's float attributes alpha and beta
(fixed32), LeakyRelu's alpha, a float weight, bias and Constant-node tensor, and Reshape's
int64 shape, whose bytes reversed are no shape at all. The bytes onnx.helper cannot write
(unpacked repeated fields, unknown fields) are written here field by field, and checked to
parse with the onnx package into the same model.
"""
import io
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import Case, Expect, const, f32, make_model, tensor
from .hostile import field_bytes, key, varint

rng = np.random.default_rng(2024)

# values whose four bytes all differ, and an int64 shape of distinct nonzero low bytes
W = (rng.standard_normal((4, 3)) * 3).astype(np.float32)
B = rng.standard_normal(4).astype(np.float32)
K = np.array([1.5, -0.3125, 2.75e-3, -1.0e3], np.float32)
SHAPE = np.array([4, 2], np.int64)
X = rng.standard_normal((2, 3)).astype(np.float32)


def model(raw: bool) -> onnx.ModelProto:
    """y = Reshape(Mul(LeakyRelu(Gemm(x, W, b)), k), [4, 2]); tensors in raw_data or typed fields."""
    k = numpy_helper.from_array(K, "k") if raw else helper.make_tensor("k", TensorProto.FLOAT, K.shape, K.tolist())
    nodes = [
        helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="gemm", alpha=0.75, beta=1.25, transB=1),
        helper.make_node("LeakyRelu", ["g"], ["l"], name="leaky", alpha=0.1875),
        helper.make_node("Constant", [], ["kc"], name="k", value=k),
        helper.make_node("Mul", ["l", "kc"], ["m"], name="mul"),
        helper.make_node("Reshape", ["m", "shape"], ["y"], name="reshape"),
    ]
    inits = [const("w", W, raw), const("b", B, raw), const("shape", SHAPE, raw)]
    return make_model(nodes, [tensor("x", [2, 3])], [tensor("y", [4, 2])], inits)


def oracle_bytes(data: bytes) -> np.ndarray:
    """onnxruntime's output on exactly these bytes."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    (y,) = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]).run(None, {"x": X})
    return y


def run(name: str, files: dict, path: str, y: np.ndarray) -> Case:
    steps = [{"op": "load_file", "path": path}, {"op": "output_shape", "index": 0}, {"op": "create_session"},
             {"op": "set_input", "index": 0, "path": "x.bin"}, {"op": "run"}, {"op": "get_output", "index": 0}]
    expect = [Expect(), Expect(fields={"dims": [4, 2]}), Expect(), Expect(), Expect(), Expect(output=y)]
    return Case(name, {**files, "x.bin": f32(X)}, steps, expect)


# ---- protobuf written field by field ------------------------------------------

def unknown_fields() -> bytes:
    """One unknown field of each wire type: varint, fixed64, length-delimited, fixed32.

    The fixed64 and fixed32 values read backwards would be other, valid-looking numbers: a
    reader that skips them by a wrong length, or reads a length from them, loses the message."""
    return (key(1000, 0) + varint(300) + key(1001, 1) + bytes(range(1, 9)) + field_bytes(1002, b"\x08\x01")
            + key(1003, 5) + bytes([4, 3, 2, 1]))


def tensor_bytes(t: onnx.TensorProto, unpacked: bool) -> bytes:
    """A TensorProto: dims, data_type, float_data / int64_data (one key per value when
    unpacked), name, then unknown fields. raw_data tensors are not written here."""
    assert not t.HasField("raw_data")
    out = b"".join(key(1, 0) + varint(d) for d in t.dims) if unpacked else field_bytes(1, b"".join(map(varint, t.dims)))
    out += key(2, 0) + varint(t.data_type)
    if t.float_data:
        values = [np.array(v, "<f4").tobytes() for v in t.float_data]
        out += b"".join(key(4, 5) + v for v in values) if unpacked else field_bytes(4, b"".join(values))
    if t.int64_data:
        values = [varint(v & (2**64 - 1)) for v in t.int64_data]
        out += b"".join(key(7, 0) + v for v in values) if unpacked else field_bytes(7, b"".join(values))
    return out + field_bytes(8, t.name.encode()) + unknown_fields()


def attribute_bytes(a: onnx.AttributeProto, unpacked: bool) -> bytes:
    """An AttributeProto: name, then its one value (f: fixed32, i: varint, t: a tensor), type."""
    out = field_bytes(1, a.name.encode())
    if a.type == onnx.AttributeProto.FLOAT:
        out += key(2, 5) + np.array(a.f, "<f4").tobytes()
    elif a.type == onnx.AttributeProto.INT:
        out += key(3, 0) + varint(a.i & (2**64 - 1))
    elif a.type == onnx.AttributeProto.TENSOR:
        out += field_bytes(5, tensor_bytes(a.t, unpacked))
    else:
        raise ValueError(a.type)
    return out + key(20, 0) + varint(a.type) + unknown_fields()


def node_bytes(n: onnx.NodeProto, unpacked: bool) -> bytes:
    out = b"".join(field_bytes(1, s.encode()) for s in n.input) + b"".join(field_bytes(2, s.encode()) for s in n.output)
    out += field_bytes(3, n.name.encode()) + field_bytes(4, n.op_type.encode())
    out += b"".join(field_bytes(5, attribute_bytes(a, unpacked)) for a in n.attribute)
    return out + unknown_fields()


def model_bytes(m: onnx.ModelProto, unpacked: bool) -> bytes:
    """The model with every node, attribute and tensor written here, and unknown fields in
    every message: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto."""
    g = m.graph
    graph = b"".join(field_bytes(1, node_bytes(n, unpacked)) for n in g.node) + field_bytes(2, g.name.encode())
    graph += b"".join(field_bytes(5, tensor_bytes(t, unpacked)) for t in g.initializer)
    graph += b"".join(field_bytes(11, v.SerializeToString() + unknown_fields()) for v in g.input)
    graph += b"".join(field_bytes(12, v.SerializeToString() + unknown_fields()) for v in g.output)
    graph += unknown_fields()
    rest = onnx.ModelProto()
    rest.CopyFrom(m)
    rest.ClearField("graph")
    data = unknown_fields() + rest.SerializeToString() + field_bytes(7, graph) + unknown_fields()
    # what was written is the same model for the onnx package, once the unknown fields are dropped
    parsed = onnx.ModelProto.FromString(data)
    parsed.DiscardUnknownFields()
    assert parsed == m, "the hand-written bytes do not parse into the model"
    return data


def external_files(m: onnx.ModelProto) -> dict[str, bytes]:
    """The files onnx.save_model writes with every tensor (float and int64) in one data file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        onnx.save_model(onnx.ModelProto.FromString(m.SerializeToString()), path, save_as_external_data=True,
                        all_tensors_to_one_file=True, location="model.data", size_threshold=0,
                        convert_attribute=True)
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir()}
    saved = onnx.load_model(io.BytesIO(files["model.onnx"]), load_external_data=False)
    external = [t.name for t in saved.graph.initializer if t.data_location == TensorProto.EXTERNAL]
    assert sorted(external) == ["b", "shape", "w"], external
    return files


def cases() -> list[Case]:
    raw, typed = model(raw=True), model(raw=False)
    assert all(t.HasField("raw_data") for t in raw.graph.initializer)
    assert not any(t.HasField("raw_data") for t in typed.graph.initializer)
    y = oracle_bytes(raw.SerializeToString())
    packed_bytes, unpacked_bytes = model_bytes(typed, unpacked=False), model_bytes(typed, unpacked=True)
    return [
        run("encoding_raw_data", {"model.onnx": raw.SerializeToString()}, "model.onnx",
            oracle_bytes(raw.SerializeToString())),
        run("encoding_packed_fields", {"model.onnx": typed.SerializeToString()}, "model.onnx",
            oracle_bytes(typed.SerializeToString())),
        run("encoding_packed_unknown_fields", {"model.onnx": packed_bytes}, "model.onnx", oracle_bytes(packed_bytes)),
        run("encoding_unpacked_unknown_fields", {"model.onnx": unpacked_bytes}, "model.onnx",
            oracle_bytes(unpacked_bytes)),
        # onnxruntime on the same model with its data inline
        run("encoding_external_data", external_files(raw), "model.onnx", y),
    ]
