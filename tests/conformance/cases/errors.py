"""Bad input: every language must give the same status and the same message."""
import numpy as np
from onnx import helper

from . import Case, Expect, const, f32, make_model, tensor


def add_relu():
    return make_model(
        [helper.make_node("Add", ["x", "bias"], ["s"], name="add"),
         helper.make_node("Relu", ["s"], ["y"], name="relu")],
        [tensor("x", ["N", 4])], [tensor("y", ["N", 4])],
        [const("bias", np.array([-1, 0.5, 2, -3], np.float32))])


def loaded(*steps_and_expect, files=None) -> tuple[dict, list, list]:
    """A valid model loaded and a session created, then the given (step, Expect) pairs."""
    f = {"model.onnx": add_relu().SerializeToString(), "x.bin": f32([1, 2, 3, 4])}
    f.update(files or {})
    steps = [{"op": "load_file", "path": "model.onnx"}, {"op": "create_session"}]
    expect = [Expect(), Expect()]
    for step, exp in steps_and_expect:
        steps.append(step)
        expect.append(exp)
    return f, steps, expect


def load_bytes_case(name: str, data: bytes, status: str, *contains: str) -> Case:
    return Case(name, {"model.bin": data}, [{"op": "load_bytes", "path": "model.bin"}],
                [Expect(status, contains=contains)])


def cases() -> list[Case]:
    good = add_relu().SerializeToString()
    rng = np.random.default_rng(7)
    unsupported = make_model([helper.make_node("LpNormalization", ["x"], ["y"], name="norm_1")],
                             [tensor("x", [1, 4])], [tensor("y", [1, 4])])
    out = [
        load_bytes_case("empty_bytes", b"", "PRED_ERR_MODEL"),
        load_bytes_case("truncated_model", good[: len(good) // 2], "PRED_ERR_MODEL"),
        load_bytes_case("garbage_bytes", rng.integers(0, 256, 300, dtype=np.uint8).tobytes(), "PRED_ERR_MODEL"),
        load_bytes_case("unsupported_op", unsupported.SerializeToString(), "PRED_ERR_UNSUPPORTED",
                        "LpNormalization", "norm_1"),
        Case("missing_file", {}, [{"op": "load_file", "path": "no-such-model.onnx"}],
             [Expect("PRED_ERR_IO", contains=("no-such-model.onnx",))]),
    ]
    x_ok = ({"op": "set_input", "index": 0, "path": "x.bin"}, Expect())
    run_ok = ({"op": "run"}, Expect())
    expected_y = np.maximum(np.array([1, 2, 3, 4], np.float32) + np.array([-1, 0.5, 2, -3], np.float32), 0)
    for name, pairs, files in [
        ("wrong_input_index", [({"op": "set_input", "index": 3, "path": "x.bin"}, Expect("PRED_ERR_ARGUMENT")),
                               ({"op": "input_name", "index": 1}, Expect("PRED_ERR_ARGUMENT")),
                               ({"op": "get_output", "index": 5}, Expect("PRED_ERR_ARGUMENT"))], None),
        ("wrong_buffer_length", [({"op": "set_input", "index": 0, "path": "short.bin"},
                                  Expect("PRED_ERR_ARGUMENT", contains=("3",)))], {"short.bin": f32([1, 2, 3])}),
        ("output_before_run", [({"op": "get_output", "index": 0}, Expect("PRED_ERR_STATE"))], None),
        # what C cannot receive exactly never reaches it: each binding refuses it
        ("refused_arguments", [({"op": "input_name", "index": -1}, Expect("ARGUMENT_REFUSED")),
                               ({"op": "get_output", "index": -1}, Expect("ARGUMENT_REFUSED")),
                               ({"op": "load_file", "path": "model.onnx\u0000.txt"}, Expect("ARGUMENT_REFUSED"))],
         None),
        ("session_after_model_closed", [x_ok, ({"op": "close_model"}, Expect()),
                                        ({"op": "run"}, Expect("PRED_ERR_STATE")),
                                        ({"op": "counts"}, Expect("PRED_ERR_STATE",
                                                                  contains=("pred_model used after it was closed",)))],
         None),
        ("session_after_closed", [x_ok, run_ok, ({"op": "get_output", "index": 0}, Expect(output=expected_y.reshape(1, 4))),
                                  ({"op": "close_session"}, Expect()), ({"op": "close_session"}, Expect()),
                                  ({"op": "run"}, Expect("PRED_ERR_STATE",
                                                         contains=("pred_session used after it was closed",))),
                                  ({"op": "get_output", "index": 0}, Expect("PRED_ERR_STATE"))], None),
    ]:
        f, steps, expect = loaded(*pairs, files=files)
        out.append(Case(name, f, steps, expect))
    return out
