"""Models as real exporters write them (PyTorch's TorchScript and dynamo exporters, tf2onnx
from Keras; see README.md) run in predict as in onnxruntime, at the file's batch and at a
batch of 3, and the load-time optimizer leaves none of the exporters' shape arithmetic."""
import json
import pathlib

import numpy as np
import pytest

import predict

ort = pytest.importorskip("onnxruntime")

HERE = pathlib.Path(__file__).resolve().parent
MODELS = sorted(p.name for p in HERE.glob("*.onnx"))
SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "ConstantOfShape"}


def reference(name):
    return ort.InferenceSession(str(HERE / name), providers=["CPUExecutionProvider"])


def check(session, ref, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want = ref.run(None, {ref.get_inputs()[0].name: x})[0]
    session.set_input(0, x)
    session.run()
    got = session.get_output(0).reshape(session.output_shape(0))
    assert got.shape == want.shape
    spread = max(1.0, float(want.max() - want.min()))
    assert np.abs(got - want).max() <= 1e-4 * spread


@pytest.mark.parametrize("name", MODELS)
def test_matches_onnxruntime(name):
    ref = reference(name)
    with predict.Model.load_file(HERE / name) as model, predict.Session(model) as session:
        shape = model.input_shape(0)
        check(session, ref, shape)
        if isinstance(ref.get_inputs()[0].shape[0], str):  # a symbolic batch
            session.set_input_shape(0, (3, *shape[1:]))
            check(session, ref, (3, *shape[1:]))


@pytest.mark.parametrize("name", MODELS)
def test_shape_arithmetic_is_folded(name):
    with predict.Model.load_file(HERE / name) as model:
        ops = {node["op"] for node in json.loads(model.describe())["nodes"]}
    assert not ops & SHAPE_OPS
