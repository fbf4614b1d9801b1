"""The hostile files that predict refuses as malformed are malformed for onnx too.

An oracle independent of predict for cases/hostile.py: each file expected to
give PRED_ERR_MODEL either does not parse as a ModelProto, or fails
onnx.checker with full_check. The exceptions are graph inputs whose
dimensions multiply past 2^64. The checker does not multiply the dims of a
value's type (it does for an initializer's), but no tensor of that shape can
exist.
"""
import onnx
import pytest

from cases import hostile

CHECKER_ACCEPTS = {"overflow_input_dims", "overflow_input_rank"}
MALFORMED = [c for c in hostile.cases() if "model.bin" in c.files and c.expect[0].status == "PRED_ERR_MODEL"]


@pytest.mark.parametrize("case", MALFORMED, ids=[c.name for c in MALFORMED])
def test_onnx_refuses_too(case):
    data = case.files["model.bin"]
    try:
        onnx.checker.check_model(onnx.load_model_from_string(data), full_check=True)
    except Exception:  # noqa: BLE001 - a protobuf DecodeError or an onnx ValidationError
        assert case.name not in CHECKER_ACCEPTS, "onnx now refuses this one too: drop it from CHECKER_ACCEPTS"
        return
    assert case.name in CHECKER_ACCEPTS, f"{case.name}: onnx accepts the file"
