"""Threads: every thread count gives the bits of one thread.

Each conformance case with a run step goes through the Python binding with its session set to 1,
2, 3 and 7 threads (pred_session_set_threads, right after the session is made); every step's
status, message and output bytes must equal those of the 1-thread run. The expected values are
therefore the 1-thread outputs, which the conformance suite itself (test_conformance.py) checks
against onnxruntime or NumPy. The conformance models are small, below the sizes at which an
operator splits its work (native/README.md, "Threads"), so synthetic models here are large enough
to split: elementwise ops flat and broadcasting, depthwise convolutions, a batch.

Also: pred_session_set_threads's argument checks (negative, 0, huge).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "runners"))

import predict  # noqa: E402
from cases import Fifo, all_cases, make_model, write_files  # noqa: E402
from runners.python import _Runner  # noqa: E402

THREADS = [2, 3, 7]

# cases that compute: a run step, and no FIFO (which would block a reader)
RUN_CASES = [c for c in all_cases() if any(s["op"] == "run" for s in c.steps)
             and not any(isinstance(f, Fifo) for f in c.files.values())]


class _ThreadedRunner(_Runner):
    """The Python conformance runner, with every session it makes set to `threads`."""

    def __init__(self, folder: Path, threads: int):
        super().__init__(folder)
        self.threads = threads

    def do(self, step: dict) -> dict:
        result = super().do(step)
        if step["op"] in ("create_session", "set_input_shape") and self.session is not None:
            self.session.set_threads(self.threads)
        return result


def _run(case, folder: Path, threads: int) -> list[tuple]:
    runner = _ThreadedRunner(folder, threads)
    results = []
    for step in case.steps:
        try:
            out = runner.do(step)
            results.append(("PRED_OK", "", out.get("data")))
        except predict.PredictError as e:
            results.append((e.status.c_name, e.message, None))
        except (TypeError, ValueError, OverflowError) as e:
            results.append(("REFUSED", type(e).__name__, None))
    return results


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.name for c in RUN_CASES])
def test_conformance_cases_same_bits_at_every_thread_count(case, tmp_path):
    write_files(case.files, tmp_path)
    one = _run(case, tmp_path, 1)
    for n in THREADS:
        assert _run(case, tmp_path, n) == one, f"{case.name}: {n} threads differ from 1"


# ---- models large enough to split -------------------------------------------

def _vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _big_models():
    """(name, model, input shapes): each operator split by threads, at odd sizes."""
    rng = np.random.default_rng(7)
    models = []
    shape = [2, 5, 97, 131]                     # 127070 elements: above both thresholds, ragged blocks
    unary = ["Relu", "Sigmoid", "Tanh", "Exp", "Erf", "Softplus", "Mish", "Abs", "Floor", "Sqrt", "Elu", "Gelu"]
    nodes = []
    prev = "x"
    for k, op in enumerate(unary):
        out = f"u{k}"
        nodes.append(helper.make_node(op, [prev], [out]))
        prev = out
    nodes.append(helper.make_node("Clip", [prev, "lo", "hi"], ["clip"]))
    inits = [numpy_helper.from_array(np.array(-0.5, np.float32), "lo"),
             numpy_helper.from_array(np.array(0.75, np.float32), "hi")]
    models.append(("unary", make_model(nodes, [_vi("x", shape)], [_vi("clip", shape)], inits, opset=20), [shape]))

    # binary: flat, and broadcasting over rows (channel-wise, row-wise, column vector, scalar)
    bshape = [2, 5, 1, 131]
    nodes = [helper.make_node("Add", ["x", "y"], ["a"]),
             helper.make_node("Mul", ["a", "c"], ["m"]),            # per-channel (1, 5, 1, 1)
             helper.make_node("Sub", ["m", "r"], ["s"]),            # (2, 5, 1, 131): every row repeats
             helper.make_node("Div", ["s", "col"], ["d"]),          # (97, 1): a column
             helper.make_node("Pow", ["d", "two"], ["p"]),
             helper.make_node("Max", ["p", "x", "r"], ["mx"]),
             helper.make_node("Sum", ["mx", "y", "c"], ["sum"]),
             helper.make_node("PRelu", ["sum", "c"], ["out"])]
    inits = [numpy_helper.from_array(rng.uniform(0.5, 2, (1, 5, 1, 1)).astype(np.float32), "c"),
             numpy_helper.from_array(rng.uniform(0.5, 2, (97, 1)).astype(np.float32), "col"),
             numpy_helper.from_array(np.array(2.0, np.float32), "two")]
    models.append(("binary", make_model(nodes, [_vi("x", shape), _vi("y", shape), _vi("r", bshape)],
                                        [_vi("out", shape)], inits), [shape, shape, bshape]))

    # depthwise convolutions: 3x3 stride 1 pad 1, stride 2, 5x5, with bias and fused Relu; batch 2
    c = 24
    xshape = [2, c, 57, 61]
    w3 = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
    w5 = rng.standard_normal((c, 1, 5, 5)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w3", "b"], ["c1"], group=c, pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w3"], ["c2"], group=c, pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Conv", ["c2", "w5", "b"], ["c3"], group=c, pads=[2, 2, 2, 2]),
             helper.make_node("Clip", ["c3", "lo", "hi"], ["out"])]
    inits = [numpy_helper.from_array(w3, "w3"), numpy_helper.from_array(w5, "w5"),
             numpy_helper.from_array(b, "b"), numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    models.append(("depthwise", make_model(nodes, [_vi("x", xshape)], [_vi("out", [2, c, 29, 31])], inits),
                   [xshape]))
    return models


BIG = _big_models()


def _outputs(model: onnx.ModelProto, inputs, threads: int, runs: int = 2) -> list[bytes]:
    m = predict.Model.load(model.SerializeToString())
    s = predict.Session(m)
    s.set_threads(threads)
    results = []
    for _ in range(runs):           # the second run reuses the started pool
        for k, x in enumerate(inputs):
            s.set_input(k, x)
        s.run()
        results.append(b"".join(s.get_output(k).tobytes() for k in range(m.output_count())))
    s.close()
    m.close()
    return results


@pytest.mark.parametrize("name,model,shapes", BIG, ids=[b[0] for b in BIG])
def test_large_operators_same_bits_at_every_thread_count(name, model, shapes):
    rng = np.random.default_rng(3)
    inputs = [rng.standard_normal(s).astype(np.float32).ravel() for s in shapes]
    one = _outputs(model, inputs, 1)
    assert one[0] == one[1]
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: x.reshape(s) for i, x, s in zip(sess.get_inputs(), inputs, shapes)}
    expected = sess.run(None, feeds)[0]
    got = np.frombuffer(one[0], dtype=np.float32).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    for n in THREADS:
        assert _outputs(model, inputs, n) == one, f"{name}: {n} threads differ from 1"


# ---- pred_session_set_threads's argument ------------------------------------

@pytest.fixture
def session():
    m = predict.Model.load(BIG[0][1].SerializeToString())
    s = predict.Session(m)
    yield s
    s.close()
    m.close()


def test_negative_count_is_an_argument_error(session):
    with pytest.raises(predict.PredictError) as e:
        session.set_threads(-1)
    assert e.value.status == predict.Status.ERR_ARGUMENT
    assert "threads is -1, must be 0 or more" in e.value.message
    session.run()                   # the session keeps its count and still runs


def test_zero_default_and_huge_counts_run(session):
    x = np.random.default_rng(0).standard_normal(session.input_size(0) if hasattr(session, "input_size")
                                                 else 2 * 5 * 97 * 131).astype(np.float32)
    session.set_input(0, x)
    outs = []
    for n in (1, 0, 1000, 2**31 - 1, 1, 64):    # 0: the default; above 64: capped at 64
        session.set_threads(n)
        session.run()
        outs.append(session.get_output(0).tobytes())
    assert all(o == outs[0] for o in outs)


def test_memory_size_counts_the_scratch_of_every_thread():
    model = BIG[2][1]               # depthwise: scratch memory per thread
    m = predict.Model.load(model.SerializeToString())
    s = predict.Session(m)
    s.set_threads(1)
    one = s.memory_size()
    s.set_threads(4)
    assert s.memory_size() > one
    s.set_threads(1)
    assert s.memory_size() == one
    s.close()
    m.close()
