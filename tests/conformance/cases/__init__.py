"""Language-neutral conformance cases.

A case is a list of runner steps (see ../README.md), the files they name,
and what each step must give: a status, and for successful steps an expected
value from an independent oracle (onnxruntime or NumPy), never from predict.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


@dataclass
class Expect:
    """What one step must produce."""
    status: str = "PRED_OK"
    output: np.ndarray | None = None       # get_output: compared with rtol/atol
    rtol: float = 1e-4
    atol: float = 1e-5
    fields: dict = field(default_factory=dict)   # exact result fields, e.g. {"dims": [1, 4]}
    contains: tuple[str, ...] = ()         # substrings the error message must contain


@dataclass(frozen=True)
class Link:
    """A symbolic link to `target` (relative to the link's folder, or absolute)."""
    target: str


@dataclass(frozen=True)
class Fifo:
    """A named pipe: opening it for reading waits for a writer."""


@dataclass(frozen=True)
class Folder:
    """An empty folder."""


def write_files(files: dict[str, bytes | Link | Fifo | Folder], folder: Path) -> None:
    """Makes a case's files (and links, FIFOs, folders) under folder."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Link):
            path.symlink_to(data.target)
        elif isinstance(data, Fifo):
            os.mkfifo(path)
        elif isinstance(data, Folder):
            path.mkdir()
        else:
            path.write_bytes(data)


@dataclass
class Case:
    name: str
    files: dict[str, bytes | Link | Fifo | Folder]
    steps: list[dict]
    expect: list[Expect]

    def __post_init__(self):
        assert len(self.steps) == len(self.expect), self.name


def make_model(nodes, inputs, outputs, initializers=(), opset=13) -> onnx.ModelProto:
    """A checked ModelProto from onnx.helper pieces."""
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="predict-conformance")
    model.ir_version = 8
    # outputs declared without a shape get the one ONNX's shape inference finds
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    known = {v.name: v.type for v in [*inferred.value_info, *inferred.output]}
    for out in model.graph.output:
        if not out.type.tensor_type.HasField("shape"):
            out.type.CopyFrom(known[out.name])
    onnx.checker.check_model(model)
    return model


def tensor(name: str, shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def const(name: str, array: np.ndarray, raw: bool = True) -> onnx.TensorProto:
    """An initializer, in raw_data or in the typed field (both must load)."""
    if raw:
        return numpy_helper.from_array(array, name)
    dtype = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64}[array.dtype]
    return helper.make_tensor(name, dtype, array.shape, array.flatten().tolist())


def f32(data) -> bytes:
    return np.asarray(data, dtype="<f4").tobytes()


def oracle(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """onnxruntime's outputs: the reference every language is compared with."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, inputs)


def run_case(name: str, model: onnx.ModelProto, inputs: dict[str, np.ndarray],
             rtol: float = 1e-4, atol: float = 1e-5) -> Case:
    """Load, introspect, run and read every output, compared with onnxruntime."""
    outputs = oracle(model, inputs)
    files = {"model.onnx": model.SerializeToString()}
    steps: list[dict] = [{"op": "load_file", "path": "model.onnx"}, {"op": "counts"}]
    expect = [Expect(), Expect(fields={"inputs": len(inputs), "outputs": len(outputs)})]
    graph_inputs = [i.name for i in model.graph.input
                    if i.name not in {t.name for t in model.graph.initializer}]
    for i, input_name in enumerate(graph_inputs):
        steps += [{"op": "input_name", "index": i}, {"op": "input_shape", "index": i}]
        expect += [Expect(fields={"name": input_name}), Expect(fields={"dims": list(inputs[input_name].shape)})]
    for i, (out, value) in enumerate(zip(model.graph.output, outputs)):
        steps += [{"op": "output_name", "index": i}, {"op": "output_shape", "index": i}]
        expect += [Expect(fields={"name": out.name}), Expect(fields={"dims": list(value.shape)})]
    steps.append({"op": "create_session"})
    expect.append(Expect())
    for i, input_name in enumerate(graph_inputs):
        files[f"input{i}.bin"] = f32(inputs[input_name])
        steps.append({"op": "set_input", "index": i, "path": f"input{i}.bin"})
        expect.append(Expect())
    steps.append({"op": "run"})
    expect.append(Expect())
    for i, value in enumerate(outputs):
        steps.append({"op": "get_output", "index": i})
        expect.append(Expect(output=value, rtol=rtol, atol=atol))
    return Case(name, files, steps, expect)


def all_cases() -> list[Case]:
    from . import encodings, errors, external, hostile, models, ops, shapes
    return (models.cases() + errors.cases() + hostile.cases() + shapes.cases() + ops.cases()
            + external.cases() + encodings.cases())
