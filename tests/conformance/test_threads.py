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

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "runners"))

import predict  # noqa: E402
from cases import Fifo, all_cases, write_files  # noqa: E402
from runners.python import _Runner  # noqa: E402
from threads_models import big_models  # noqa: E402

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

BIG = big_models()


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


# ---- when the workers start --------------------------------------------------

def _threads_of_this_process() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    pytest.skip("no /proc/self/status")


def test_workers_start_only_when_a_node_splits():
    """A model too small to split never starts a worker (a loop of sessions costs no thread); a large
    one starts threads - 1 of them at its first run, and freeing the session joins them."""
    small = next(c for c in all_cases() if c.name == "tiny_cnn").files["model.onnx"]
    name, big, shapes = BIG[0]
    before = _threads_of_this_process()
    for model, inputs in ((small, None), (big.SerializeToString(), shapes)):
        m = predict.Model.load(model)
        s = predict.Session(m)
        s.set_threads(3)
        for k in range(m.input_count()):
            s.set_input(k, np.ones(int(np.prod(m.input_shape(k) if inputs is None else inputs[k])), np.float32))
        s.run()
        started = _threads_of_this_process() - before
        assert started == (0 if inputs is None else 2), (name if inputs else "tiny_cnn", started)
        s.close()
        m.close()
        assert _threads_of_this_process() == before
