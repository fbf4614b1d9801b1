"""A batch whose samples the graph computes each from itself alone runs one sample at a time
(on every thread, or one sample a thread) through the plan at batch 1: the same bits as each
sample run alone, whatever the thread count, and the memory of one sample a thread. Graphs
that mix samples run the batch as a whole. Expected values: each sample's own batch-1 run,
onnxruntime and NumPy; expected sizes from the memory plan's rules (test_memory_plan.py)."""
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import predict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from threads_models import batch_cnn  # noqa: E402  (tests/c/test_tsan_threads.py runs it too)

ort = pytest.importorskip("onnxruntime")
rng = np.random.default_rng(7)


def model(nodes, inits, x_shape, y_shape):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m.SerializeToString()


def alone(m, xs):
    """Each sample's output from a batch-1 session on one thread."""
    with predict.Session(m) as s:
        s.set_threads(1)
        out = []
        for x in xs:
            s.set_input(0, x[None])
            s.run()
            out.append(s.get_output(0))
    return np.concatenate(out)


@pytest.mark.parametrize("batch", [2, 5, 8])
def test_samples_give_each_sample_alone_bits_at_every_thread_count(batch):
    data = batch_cnn()
    xs = rng.standard_normal((batch, 3, 20, 20)).astype(np.float32)
    want = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": xs})[0]
    with predict.Model.load(data) as m:
        expected = alone(m, xs)
        np.testing.assert_allclose(expected, want, rtol=1e-4, atol=1e-6)
        for threads in (1, 2, 3, 7):  # 5 samples on 2 threads: two whole rounds, then one on both
            with predict.Session(m) as s:
                s.set_threads(threads)
                s.set_input_shape(0, [batch, 3, 20, 20])
                s.set_input(0, xs)
                for _ in range(2):  # a second run reuses every buffer
                    s.run()
                    assert s.get_output(0).tobytes() == expected.tobytes(), (batch, threads)


def test_a_batch_holds_the_memory_of_one_sample_a_thread():
    """Batch 8 holds its inputs and outputs, and per thread one sample's arena and scratch: what a
    batch-1 session holds (the same plan). Aligned to 16 floats as the memory plan aligns."""
    with predict.Model.load(batch_cnn()) as m, predict.Session(m) as one, predict.Session(m) as eight:
        one.set_threads(1)
        io = 4 * (8 * 3 * 20 * 20 + 16 * ((8 * 10 + 15) // 16))  # batch 8's input and output, bytes
        for threads in (1, 2, 3):
            eight.set_threads(threads)
            eight.set_input_shape(0, [8, 3, 20, 20])
            assert eight.memory_size() == io + threads * one.memory_size(), threads


def test_graphs_that_mix_samples_run_the_batch_as_a_whole():
    """Softmax along the batch, and Slice reversing it, keep every size at batch 1 and at 4: only
    what the ops do tells that they mix samples (NumPy computes the expected values)."""
    xs = rng.standard_normal((4, 6)).astype(np.float32)
    softmax = model([helper.make_node("Softmax", ["x"], ["y"], axis=0)], [], ["batch", 6], ["batch", 6])
    e = np.exp(xs - xs.max(axis=0))
    reverse = model([helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"])],
                    [numpy_helper.from_array(np.array([-1], np.int64), n) if n == "s" else
                     numpy_helper.from_array(np.array([v], np.int64), n)
                     for n, v in (("s", -1), ("e", -(2 ** 62)), ("a", 0), ("st", -1))],
                    ["batch", 6], ["batch", 6])
    for data, want in ((softmax, e / e.sum(axis=0)), (reverse, xs[::-1])):
        with predict.Model.load(data) as m, predict.Session(m) as s:
            s.set_input_shape(0, [4, 6])
            s.set_input(0, xs)
            s.run()
            np.testing.assert_allclose(s.get_output(0), want, rtol=1e-6)
