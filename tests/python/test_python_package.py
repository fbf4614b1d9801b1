"""The `predict` Python package's own tests (the Cython binding over the single file).

Expected values come from first principles (y = relu(x + bias) for add_relu.onnx,
see tests/data/make_models.py), never from the engine.
"""
from __future__ import annotations

import gc
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import predict
from predict import Model, PredictError, Session, Status

ROOT = Path(__file__).resolve().parents[2]
ADD_RELU = ROOT / "tests" / "data" / "add_relu.onnx"
BIAS = np.array([-1.0, 0.5, 2.0, -3.0], dtype=np.float32)
X = np.array([[0.5, -1.0, -2.5, 4.0]], dtype=np.float32)


def expected(x) -> np.ndarray:
    """relu(x + bias), in float32 like the model, shaped as its output y: [N, 4], N = 1."""
    return np.maximum(np.asarray(x, dtype=np.float32).reshape(-1) + BIAS, np.float32(0)).reshape(1, 4)


@pytest.fixture
def model():
    with Model.load_file(ADD_RELU) as m:
        yield m


@pytest.fixture
def session(model):
    with model.session() as s:
        yield s


def oracle():
    """bindgen's view of the header and of the Python binding made from it."""
    from bindgen.config import load_config
    from bindgen.python import PyOracle
    from bindgen.render import load_api
    cfg = load_config(file=ROOT / "pyproject.toml")
    return PyOracle(load_api(cfg), cfg)


def run(session: Session, x) -> np.ndarray:
    session.set_input(0, x)
    session.run()
    return session.get_output(0)


# -- library ------------------------------------------------------------------

def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", predict.version())
    assert predict.version() == predict.VERSION == predict.__version__


def test_abi_version_matches_the_header():
    header = (ROOT / "native" / "include" / "predict.h").read_text()
    declared = int(re.search(r"#define\s+PRED_ABI_VERSION\s+(\d+)", header).group(1))
    assert predict.abi_version() == predict.ABI_VERSION == declared


def test_status_names():
    assert Status.ERR_MODEL.c_name == "PRED_ERR_MODEL"
    for status in Status:
        assert predict.status_name(status) == status.c_name


def test_every_function_of_the_header_is_bound_with_its_doc():
    """Each C function is a Python callable whose docstring carries the header's summary."""
    o = oracle()
    bound = {f.f.name: getattr(predict, f.name) for f in o.functions}
    for c in o.classes:
        cls = getattr(predict, c.name)
        bound[c.free.name] = cls.close
        for f in c.factories + c.methods + ([c.ctor] if c.ctor else []):
            bound[f.f.name] = getattr(cls, f.name)
    assert set(bound) == {f.name for f in o.api.functions}
    for f in o.api.functions:
        summary = " ".join(f.doc.summary.split())
        assert summary in " ".join(bound[f.name].__doc__.split()), f.name


# -- loading and introspection ----------------------------------------------------

def test_load_file_and_bytes_agree():
    data = ADD_RELU.read_bytes()
    for m in (Model.load_file(ADD_RELU), Model.load_file(str(ADD_RELU)), Model.load(data),
              Model.load(bytearray(data)), Model.load(np.frombuffer(data, dtype=np.uint8))):
        with m:
            assert (m.input_count(), m.output_count()) == (1, 1)


def test_introspection(model, session):
    assert model.input_name(0) == "x"
    assert model.output_name(0) == "y"
    assert model.input_shape(0) == (1, 4)   # the symbolic N runs as 1
    assert model.output_shape(0) == (1, 4)
    assert session.input_size(0) == 4 and session.output_size(0) == 4


def test_bad_index_raises_argument(model):
    for call in (model.input_name, model.output_name, model.input_shape, model.output_shape):
        with pytest.raises(PredictError) as e:
            call(1)
        assert e.value.status == Status.ERR_ARGUMENT
        assert e.value.message == predict.last_error() != ""


def test_model_cannot_be_constructed_directly():
    with pytest.raises(TypeError):
        Model()


# -- running --------------------------------------------------------------------

def test_run_matches_relu_of_x_plus_bias(session):
    y = run(session, X)
    assert y.dtype == np.float32 and y.shape == (1, 4)
    np.testing.assert_array_equal(y, expected(X))
    x2 = np.array([3.0, -0.5, -2.0, 3.0], dtype=np.float32)   # every sign of x + bias
    np.testing.assert_array_equal(run(session, x2), expected(x2))


def test_session_constructor_and_shortcut_agree(model):
    with Session(model) as a, model.session() as b:
        np.testing.assert_array_equal(run(a, X), run(b, X))


def test_float32_input_is_not_copied(session, monkeypatch):
    """C-contiguous float32 buffers reach C through a memoryview, without a conversion."""
    calls = []
    real = np.ascontiguousarray

    def spy(x, *args, **kwargs):
        out = real(x, *args, **kwargs)
        calls.append(np.shares_memory(out, x) if isinstance(x, np.ndarray) else False)
        return out

    monkeypatch.setattr(np, "ascontiguousarray", spy)
    flat = X.reshape(-1).copy()
    readonly = flat.copy()
    readonly.flags.writeable = False
    for x in (flat, readonly, memoryview(flat)):
        np.testing.assert_array_equal(run(session, x), expected(flat))
    assert calls == []                      # taken as is: no conversion at all
    np.testing.assert_array_equal(run(session, X), expected(X))   # 2-D: a flat view
    assert calls == []                      # of its memory, no conversion either


def test_other_inputs_are_converted(session):
    for x in ([0.5, -1.0, -2.5, 4.0], X.astype(np.float64), X.astype(np.int32),
              np.asfortranarray(np.repeat(X, 2, axis=0))[:1], np.repeat(X, 2, axis=1)[:, ::2]):
        np.testing.assert_array_equal(run(session, x), expected(np.asarray(x).reshape(-1)[:4]))


# -- errors ---------------------------------------------------------------------

def test_garbage_bytes_raise_model_error():
    with pytest.raises(PredictError) as e:
        Model.load(b"this is not an ONNX model")
    assert e.value.status == Status.ERR_MODEL
    assert e.value.status.c_name == "PRED_ERR_MODEL"
    assert e.value.message and e.value.message == predict.last_error()
    assert str(e.value) == f"PRED_ERR_MODEL: {e.value.message}"


def test_missing_file_raises_io_error(tmp_path):
    with pytest.raises(PredictError) as e:
        Model.load_file(tmp_path / "missing.onnx")
    assert e.value.status == Status.ERR_IO


def test_wrong_input_length_raises_argument(session):
    for x in ([1.0, 2.0, 3.0], np.zeros(5, np.float32), np.zeros(0, np.float32)):
        with pytest.raises(PredictError) as e:
            session.set_input(0, x)
        assert e.value.status == Status.ERR_ARGUMENT
        assert e.value.message


def test_values_c_cannot_receive_exactly_are_refused(model, session):
    """No truncation on the way to C: as Python's own index() and int conversions do."""
    with pytest.raises(TypeError):
        session.set_input_shape(0, [1.5, 4])
    with pytest.raises(TypeError):
        session.set_input_shape(0, np.array([1.0, 4.0]))
    with pytest.raises(OverflowError):
        session.set_input_shape(0, [2**63, 4])
    with pytest.raises(TypeError):
        session.set_threads(1.5)
    with pytest.raises(OverflowError):
        session.set_threads(2**40)
    with pytest.raises(OverflowError):
        model.input_name(-1)
    with pytest.raises(ValueError):
        Model.load_file(str(ADD_RELU) + "\0.txt")
    session.set_input_shape(0, np.array([1, 4], np.int32))   # integers of any width are fine
    assert session.input_shape(0) == (1, 4)


def test_use_after_close_raises_closed_status():
    m = Model.load_file(ADD_RELU)
    s = m.session()
    s.close()
    s.close()                                # idempotent
    assert s.closed and not m.closed
    with pytest.raises(PredictError) as e:
        s.run()
    assert e.value.status == Status.ERR_STATE
    assert e.value.message == "pred_session used after it was closed"
    m.close()
    m.close()
    with pytest.raises(PredictError) as e:
        m.input_count()
    assert e.value.status == Status.ERR_STATE
    assert e.value.message == "pred_model used after it was closed"
    with pytest.raises(PredictError) as e:
        Session(m)
    assert e.value.message == "pred_model used after it was closed"


def test_run_after_model_closed_raises_state():
    m = Model.load_file(ADD_RELU)
    s = m.session()
    s.set_input(0, X)
    m.close()                                # allowed: the library fails the session itself
    with pytest.raises(PredictError) as e:
        s.run()
    assert e.value.status == Status.ERR_STATE
    assert e.value.message != "pred_session used after it was closed"
    s.close()


def test_context_managers_close():
    with Model.load_file(ADD_RELU) as m, m.session() as s:
        np.testing.assert_array_equal(run(s, X), expected(X))
    assert m.closed and s.closed
    assert repr(m) == "<predict.Model closed>"


def test_session_keeps_its_model_alive():
    s = Model.load_file(ADD_RELU).session()  # the model object has no other reference
    gc.collect()
    np.testing.assert_array_equal(run(s, X), expected(X))


# -- threads and the GIL --------------------------------------------------------------

def test_sessions_run_concurrently(model):
    errors, rng = [], np.random.default_rng(0)
    inputs = [rng.standard_normal((1, 4)).astype(np.float32) for _ in range(4)]

    def work(x):
        try:
            with model.session() as s:
                for _ in range(2000):
                    np.testing.assert_array_equal(run(s, x), expected(x))
        except Exception as e:   # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(x,)) for x in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and errors == []


def test_closing_during_an_argument_conversion_raises(model):
    """NumPy calls back into Python while set_input converts its data: a session
    closed there makes the call raise the closed status, never reach C."""
    s = model.session()

    class Closing:
        def __array__(self, dtype=None, copy=None):
            s.close()
            return X

    with pytest.raises(PredictError) as e:
        s.set_input(0, Closing())
    assert e.value.message == "pred_session used after it was closed"


def test_blocking_calls_release_the_gil_in_the_source():
    """Every call of a `blocking` function of the IR is inside `with nogil`."""
    api = oracle().api
    source = (ROOT / "generated" / "python" / "predict" / "_predict.pyx").read_text()
    blocking = [f.name for f in api.functions if f.blocking]
    assert blocking, "the header marks no call as blocking"
    for name in blocking:
        # statements `f(...)` or `x = f(...)`: not the extern declaration, not docstrings
        calls = re.findall(rf"^( +)(?:\w+ = )?{name}\(", source, re.M)
        assert calls, name
        for indent in calls:
            nogil = re.search(rf"^{indent[:-4]}with nogil:\n{indent}(?:\w+ = )?{name}\(", source, re.M)
            assert nogil, f"{name} is called with the GIL held"


def gemm_chain(n: int, depth: int) -> bytes:
    """An ONNX model of `depth` Gemm layers [1, n] x [n, n] with identity weights."""
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Gemm", [f"h{i}", "w"], [f"h{i + 1}"]) for i in range(depth)]
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, n])],
        [helper.make_tensor_value_info(f"h{depth}", TensorProto.FLOAT, [1, n])],
        [numpy_helper.from_array(np.eye(n, dtype=np.float32), "w")])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    proto.ir_version = 8
    return proto.SerializeToString()


def timed_run(session: Session) -> float:
    start = time.perf_counter()
    session.run()
    return time.perf_counter() - start


def test_close_races_every_call():
    """Threads make every call on a session and its model while another closes them
    (run() releases the GIL, so it overlaps the close): each call works or raises
    ERR_STATE, and the calls on one session are serialised, never corrupt it."""
    pytest.importorskip("onnx")
    model_bytes, x = gemm_chain(64, 8), np.ones(64, np.float32)   # runs of some microseconds
    calls = [lambda s, m: s.set_input(0, x), lambda s, m: s.run(), lambda s, m: s.get_output(0),
             lambda s, m: s.set_input_shape(0, [1, 64]), lambda s, m: s.input_shape(0),
             lambda s, m: s.output_shape(0), lambda s, m: s.input_size(0),
             lambda s, m: s.output_size(0), lambda s, m: s.set_threads(1),
             lambda s, m: m.input_name(0), lambda s, m: m.input_shape(0),
             lambda s, m: Session(m).close()]
    errors = []
    for i in range(300):
        m = Model.load(model_bytes)
        s = Session(m)
        ready = threading.Barrier(len(calls) + 1)

        def work(call):
            ready.wait()
            for _ in range(50):
                try:
                    call(s, m)
                except PredictError as e:
                    if e.status != Status.ERR_STATE:
                        errors.append(e)
                    return
                except Exception as e:   # noqa: BLE001 - reported by the main thread
                    errors.append(e)
                    return

        threads = [threading.Thread(target=work, args=(c,)) for c in calls]
        for t in threads:
            t.start()
        ready.wait()
        if i % 2:
            m.close()
        s.close()
        m.close()
        for t in threads:
            t.join()
        assert errors == [] and s.closed


def test_run_releases_the_gil():
    """Another thread runs Python code while a long run() is inside C."""
    pytest.importorskip("onnx")
    n, x = 1024, np.arange(1024, dtype=np.float32)
    with Model.load(gemm_chain(n, 8)) as m, m.session() as s:   # size the model: ~0.3 s a run
        s.set_input(0, x)
        per_layer = min(timed_run(s) for _ in range(3)) / 8
    depth = int(min(max(0.3 / per_layer, 8), 4000))
    with Model.load(gemm_chain(n, depth)) as m, m.session() as s:
        s.set_input(0, x)
        started, times = threading.Event(), {}

        def work():
            started.set()
            times["start"] = time.perf_counter()
            s.run()
            times["end"] = time.perf_counter()

        t = threading.Thread(target=work)
        t.start()
        started.wait()
        time.sleep(0.05)                     # the worker is inside run() by now
        seen = time.perf_counter()           # needs the GIL: held by a run that kept it
        t.join()
        np.testing.assert_array_equal(s.get_output(0).ravel(), x)   # identity weights
    run_time = times["end"] - times["start"]
    assert run_time > 0.1, f"the model ran too fast ({run_time:.3f} s) to tell"
    assert seen < times["end"] - 0.4 * run_time, (seen - times["start"], run_time)


# -- shapes, names, infer, out= (the shapes and names come from make_models.py) ----

def nchw_identity(n=1, c=3, h=2, w=4) -> bytes:
    """An Identity over an [n, c, h, w] input: its output is its input, in its shape."""
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Identity", ["image"], ["same"])], "nchw",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, [n, c, h, w])],
                              [helper.make_tensor_value_info("same", TensorProto.FLOAT, [n, c, h, w])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def test_names_and_shapes_are_properties(model, session):
    assert model.input_names == ["x"] and model.output_names == ["y"]
    assert model.input_shapes == [(1, 4)] and model.output_shapes == [(1, 4)]
    assert session.model is model
    assert session.input_names == ["x"] and session.output_names == ["y"]
    session.set_input_shape(0, [3, 4])
    assert session.input_shapes == [(3, 4)] and session.output_shapes == [(3, 4)]
    assert model.input_shapes == [(1, 4)]   # the model is not changed


def test_the_shape_a_session_runs_leaves_it_as_it_is(session):
    """Setting the shape the session already runs (a call per frame) re-plans nothing: the last
    run's outputs stay readable and the input keeps its values."""
    x = np.arange(-6, 6, dtype=np.float32).reshape(3, 4)
    session.set_input_shape(0, [3, 4])
    y = run(session, x)
    np.testing.assert_array_equal(y, np.maximum(x + BIAS, 0))
    session.set_input_shape(0, [3, 4])
    np.testing.assert_array_equal(session.get_output(0), y)
    session.run()
    np.testing.assert_array_equal(session.get_output(0), y)
    session.set_input_shape(0, [2, 4])   # another shape re-plans: no outputs until the next run
    with pytest.raises(PredictError) as e:
        session.get_output(0)
    assert e.value.status == Status.ERR_STATE


def test_outputs_come_in_the_shape_the_session_computes(session):
    session.set_input_shape(0, [3, 4])
    x = np.arange(-6, 6, dtype=np.float32).reshape(3, 4)
    y = run(session, x)
    assert y.shape == (3, 4)
    np.testing.assert_array_equal(y, np.maximum(x + BIAS, 0))


def test_infer_matches_onnxruntime():
    ort = pytest.importorskip("onnxruntime")
    reference = ort.InferenceSession(str(ADD_RELU), providers=["CPUExecutionProvider"])
    x = np.array([[3.0, -0.5, -2.0, 3.0], [0.5, -1.0, -2.5, 4.0]], dtype=np.float32)
    (want,) = reference.run(None, {"x": x})
    with Model.load_file(ADD_RELU) as m, Session(m) as s:
        s.set_input_shape(0, [2, 4])
        for inputs in ({"x": x}, {0: x}, [x], (x.reshape(-1),)):
            got = s.infer(inputs)
            assert list(got) == ["y"] and got["y"].shape == want.shape
            np.testing.assert_array_equal(got["y"], want)
        assert list(s.infer({"x": x}, ["y"])) == ["y"]
        with pytest.raises(KeyError, match="no input 'image'"):
            s.infer({"image": x})
        with pytest.raises(TypeError):
            s.infer(x)                           # an array alone: not taken row by row
        with pytest.raises(KeyError, match="no output 'logits'"):
            s.infer({"x": x}, ["logits"])
        with pytest.raises(PredictError) as e:
            s.infer([x, x])                      # one array too many: index 1
        assert e.value.status == Status.ERR_ARGUMENT
        s.close()
        for call in (lambda: s.model, lambda: s.infer({"x": x}), lambda: s.output_shapes):
            with pytest.raises(PredictError) as e:
                call()
            assert e.value.status == Status.ERR_STATE


def test_an_nhwc_array_for_an_nchw_input_is_refused():
    """The same 24 elements in another layout would run silently and wrongly."""
    nchw = np.arange(24, dtype=np.float32).reshape(1, 3, 2, 4)
    with Model.load(nchw_identity()) as m, Session(m) as s:
        with pytest.raises(ValueError, match=r"shape \(1, 2, 4, 3\), not \(1, 3, 2, 4\)"):
            s.set_input(0, nchw.transpose(0, 2, 3, 1))
        with pytest.raises(ValueError):
            s.set_input(0, nchw[0])               # (3, 2, 4): the batch dimension missing
        for ok in (nchw, nchw.reshape(-1), list(nchw.reshape(-1))):   # its shape, or flat
            s.set_input(0, ok)
            s.run()
            np.testing.assert_array_equal(s.get_output(0), nchw)


def test_get_output_fills_the_callers_array(session):
    session.set_input(0, X)
    session.run()
    for out in (np.full(4, np.nan, np.float32), np.full((1, 4), np.nan, np.float32)):
        assert session.get_output(0, out=out) is out
        np.testing.assert_array_equal(out.reshape(1, 4), expected(X))
    with pytest.raises(TypeError):
        session.get_output(0, out=np.empty(4, np.float64))
    with pytest.raises(ValueError, match="shape"):
        session.get_output(0, out=np.empty((4, 1), np.float32))
    with pytest.raises(PredictError) as e:
        session.get_output(0, out=np.empty(5, np.float32))
    assert e.value.status == Status.ERR_ARGUMENT


def peak_bytes(call) -> int:
    """The most memory Python and NumPy held above the start while `call` ran."""
    import tracemalloc
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_get_output_into_the_callers_array_allocates_nothing():
    """A 192 KiB output: a new array per call shows in the peak, out= does not."""
    size = 3 * 128 * 128 * 4
    with Model.load(nchw_identity(1, 3, 128, 128)) as m, Session(m) as s:
        s.set_input(0, np.ones(size // 4, np.float32))
        s.run()
        out = np.empty((1, 3, 128, 128), np.float32)
        assert peak_bytes(lambda: s.get_output(0)) >= size          # the check can see one
        assert peak_bytes(lambda: s.get_output(0, out=out)) < size // 8
        np.testing.assert_array_equal(out, 1)


def test_image_preprocess_fills_the_callers_array():
    """A photo of one grey level g becomes (g - 127) / 128 everywhere (the default
    normalisation, whatever the crop and resampling: their weights sum to 1)."""
    pixels = np.full((40, 30, 3), 255, np.uint8)
    out = np.full((3, 16, 16), np.nan, np.float32)
    assert predict.image_preprocess(pixels.reshape(-1), 30, 40, 16, 16, None, out=out) is out
    np.testing.assert_allclose(out, 1.0, rtol=0, atol=1e-6)
    with pytest.raises(PredictError) as e:
        predict.image_preprocess(pixels.reshape(-1), 30, 40, 16, 16, None, out=np.empty(10, np.float32))
    assert e.value.status == Status.ERR_ARGUMENT
