"""The C runner itself: warning-free on gcc and clang, its JSON reader strict, and the protocol's
corners (refused values, objects never made) as the bindings do them."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from runners import c

ROOT = Path(__file__).resolve().parents[2]
ADD_RELU = ROOT / "tests" / "data" / "add_relu.onnx"


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_runner_compiles_warning_free(cc, tmp_path):
    assert shutil.which(cc), f"{cc} is not installed (tools/setup.sh installs it)"
    c.Target(cc, cc).compile([c.RUNNER], tmp_path / "runner.o", link=False)


def run_text(tmp_path: Path, text: bytes) -> subprocess.CompletedProcess:
    case = tmp_path / "case.json"
    case.write_bytes(text)
    return subprocess.run([str(c.runner()), str(case), str(tmp_path / "out.json")], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("text", [
    b'{"steps": [{"op": "counts"},]}',                  # trailing comma
    b'{"steps": [], "steps": []}',                       # duplicate key
    b'{"steps": [{"op": "counts"}]} x',                  # text after the value
    b'{"steps": [{"op": "co\\ud800unts"}]}',            # unpaired surrogate
    b'{"steps": [{"op": "co\xffunts"}]}',                # not UTF-8
    b'{"steps": [{"op": "counts\\q"}]}',                 # unknown escape
    b'{"steps": [{"op": "counts", "index": 01}]}',      # leading zero
    b'{"steps": [{"op": "input_name", "index": 1.5}]}',  # an index must be an integer
    b'{"steps": [{"op": "counts\n"}]}',                  # raw control character
    b'[' * 100 + b']' * 100,                             # nested too deep
    b'{"steps": [{"op": "no_such_op"}]}',
    b'',
])
def test_malformed_cases_stop_the_runner(tmp_path, text):
    res = run_text(tmp_path, text)
    assert res.returncode == 2 and res.stderr.startswith("c-runner: "), (res.returncode, res.stderr)
    assert not (tmp_path / "out.json").exists()


def run_steps(tmp_path: Path, steps: list) -> list[dict]:
    shutil.copy(ADD_RELU, tmp_path / "add relu é.onnx")
    res = run_text(tmp_path, json.dumps({"name": "t", "steps": steps}).encode())
    assert res.returncode == 0, res.stderr
    return json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["steps"]


def test_escapes_and_unicode_paths(tmp_path):
    got = run_steps(tmp_path, [{"op": "load_file", "path": "add\u0020relu \u00e9.onnx"}, {"op": "input_name"}])
    assert [s["status"] for s in got] == ["PRED_OK", "PRED_OK"] and got[1]["name"] == "x"


def test_refused_values_and_objects_never_made(tmp_path):
    refused = "the binding refused a value C cannot receive exactly"
    got = run_steps(tmp_path, [
        {"op": "counts"}, {"op": "run"}, {"op": "close_model"}, {"op": "close_session"},
        {"op": "load_file", "path": "add relu \u00e9.onnx\u0000"},
        {"op": "load_file", "path": "add relu \u00e9.onnx"},
        {"op": "input_name", "index": 2 ** 64}, {"op": "input_name", "index": -1},
        {"op": "create_session"},
        {"op": "set_input_shape", "index": 0, "dims": [2 ** 63, 4]},
        {"op": "set_input_shape", "index": 0, "dims": [3, 4]},
        {"op": "session_input_shape", "index": 0},
        {"op": "load_bytes", "path": "no-such-file"},
    ])
    assert got[0] == {"op": "counts", "status": "PRED_ERR_STATE", "message": "pred_model used after it was closed"}
    assert got[1] == {"op": "run", "status": "PRED_ERR_STATE", "message": "pred_session used after it was closed"}
    assert [s["status"] for s in got[2:4]] == ["PRED_OK", "PRED_OK"]
    assert [(s["status"], s["message"]) for s in (got[4], got[6], got[7], got[9])] == [("ARGUMENT_REFUSED", refused)] * 4
    assert got[11]["dims"] == [3, 4]
    assert got[12]["status"] == "RUNNER_ERROR" and "no-such-file" in got[12]["message"]
