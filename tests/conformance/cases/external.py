"""Tensor data kept in other files ("external data"), as onnx and PyTorch write large models.

The files are written by the onnx package itself (`onnx.save_model(...,
save_as_external_data=True)`), in one data file or one file per tensor, beside
the model or in a folder of its own. Expected outputs are onnxruntime's on the
same model with its data inline. Then the files a model must not be able to
name (outside its folder, absolute, or reached through a symbolic link that
leaves the folder), files that are not regular files (a FIFO would hang the
load), and data files that do not hold what the model says.
"""
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import Case, Expect, Fifo, Folder, Link, const, make_model, oracle, tensor

rng = np.random.default_rng(11)


def conv_model(constant_node: bool = False) -> onnx.ModelProto:
    """Conv + bias + Relu, then Add of a constant: initializers, or a Constant node's tensor."""
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    shift = rng.standard_normal((1, 4, 1, 1)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Add", ["r", "shift"], ["y"], name="add")]
    inits = [const("w", w), const("b", b)]
    if constant_node:
        nodes.insert(0, helper.make_node("Constant", [], ["shift"], value=numpy_helper.from_array(shift, "shift"),
                                         name="shift"))
    else:
        inits.append(const("shift", shift))
    return make_model(nodes, [tensor("x", [1, 3, 5, 5])], [tensor("y", [1, 4, 5, 5])], inits)


def saved(model: onnx.ModelProto, folder: str = "", **options) -> dict[str, bytes]:
    """The files onnx.save_model writes for the model (model.onnx in `folder`) with external data."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / folder / "model.onnx"
        path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save_model(onnx.ModelProto.FromString(model.SerializeToString()), path, save_as_external_data=True,
                        size_threshold=0, **options)
        return {str(p.relative_to(tmp)): p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file()}


def run_steps(model: onnx.ModelProto, path: str, x: np.ndarray) -> tuple[list[dict], list[Expect]]:
    (y,) = oracle(model, {"x": x})
    steps = [{"op": "load_file", "path": path}, {"op": "create_session"},
             {"op": "set_input", "index": 0, "path": "x.bin"}, {"op": "run"}, {"op": "get_output", "index": 0}]
    return steps, [Expect(), Expect(), Expect(), Expect(), Expect(output=y)]


def with_entry(model_bytes: bytes, tensor_name: str, key: str, value: str) -> bytes:
    """The model with one external_data entry of one initializer set to value."""
    model = onnx.ModelProto.FromString(model_bytes)
    (t,) = [t for t in model.graph.initializer if t.name == tensor_name]
    (entry,) = [e for e in t.external_data if e.key == key] or [t.external_data.add(key=key)]
    entry.value = value
    return model.SerializeToString()


def refused(name: str, files: dict[str, bytes], status: str, *contains: str) -> Case:
    return Case(name, files, [{"op": "load_file", "path": "model.onnx"}], [Expect(status, contains=contains)])


def cases() -> list[Case]:
    x = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
    model = conv_model()
    x_bin = {"x.bin": x.tobytes()}
    out = []

    one_file = saved(model, location="model.onnx.data")
    steps, expect = run_steps(model, "model.onnx", x)
    out.append(Case("external_data_one_file", {**one_file, **x_bin}, steps, expect))
    out.append(Case("external_data_from_bytes", one_file, [{"op": "load_bytes", "path": "model.onnx"}],
                    [Expect("PRED_ERR_UNSUPPORTED", contains=("'w'", "model.onnx.data", "pred_model_load_file"))]))

    # a file per tensor, the model in a folder of its own: locations are relative to the model's folder
    per_tensor = saved(model, folder="nested", all_tensors_to_one_file=False)
    steps, expect = run_steps(model, "nested/model.onnx", x)
    out.append(Case("external_data_file_per_tensor", {**per_tensor, **x_bin}, steps, expect))

    constant = conv_model(constant_node=True)
    steps, expect = run_steps(constant, "model.onnx", x)
    out.append(Case("external_data_constant_node",
                    {**saved(constant, location="data.bin", convert_attribute=True), **x_bin}, steps, expect))

    # what the files say must hold; the data file here holds w (432 bytes), b (16) and shift (16)
    base = one_file["model.onnx"]
    data = {"model.onnx.data": one_file["model.onnx.data"]}
    out += [
        refused("external_data_missing_file", {"model.onnx": base}, "PRED_ERR_IO", "'w'", "model.onnx.data"),
        refused("external_data_outside_folder",
                {"model.onnx": with_entry(base, "w", "location", "../model.onnx.data"), **data},
                "PRED_ERR_MODEL", "'w'", "relative path inside the model's folder"),
        refused("external_data_absolute_path",
                {"model.onnx": with_entry(base, "w", "location", "/etc/hostname"), **data},
                "PRED_ERR_MODEL", "'w'", "relative path inside the model's folder"),
        refused("external_data_past_end", {"model.onnx": base, "model.onnx.data": data["model.onnx.data"][:400]},
                "PRED_ERR_MODEL", "'w'", "past the end"),
        refused("external_data_wrong_length", {"model.onnx": with_entry(base, "b", "length", "12"), **data},
                "PRED_ERR_MODEL", "'b'", "12 bytes of external data"),
        refused("external_data_bad_offset", {"model.onnx": with_entry(base, "b", "offset", "-4"), **data},
                "PRED_ERR_MODEL", "'b'", "offset that is not a decimal number"),
    ]

    # links: followed while they stay inside the model's folder; what they resolve to must be a regular file
    data_file = data["model.onnx.data"]
    steps, expect = run_steps(model, "linked/model.onnx", x)
    out.append(Case("external_data_through_links_inside",
                    {"real/model.onnx": base, "real/data/w.data": data_file, "real/model.onnx.data": Link("data/w.data"),
                     "linked": Link("real"), **x_bin}, steps, expect))
    # the right bytes, but outside the folder: loading them would read any file the process can
    out.append(Case("external_data_link_outside",
                    {"model/model.onnx": base, "model/model.onnx.data": Link("../outside.data"),
                     "outside.data": data_file},
                    [{"op": "load_file", "path": "model/model.onnx"}],
                    [Expect("PRED_ERR_MODEL", contains=("'w'", "outside the model's folder"))]))
    out.append(refused("external_data_link_to_device", {"model.onnx": base, "model.onnx.data": Link("/dev/zero")},
                       "PRED_ERR_MODEL", "'w'", "outside the model's folder"))
    out.append(refused("external_data_link_loop",
                       {"model.onnx": base, "model.onnx.data": Link("again"), "again": Link("model.onnx.data")},
                       "PRED_ERR_MODEL", "'w'", "loop of symbolic links"))
    out.append(refused("external_data_fifo", {"model.onnx": base, "model.onnx.data": Fifo()},
                       "PRED_ERR_MODEL", "'w'", "not a regular file"))
    out.append(refused("external_data_folder", {"model.onnx": base, "model.onnx.data": Folder()},
                       "PRED_ERR_MODEL", "'w'", "is a folder"))
    return out
