"""Python runner: runs a conformance case through the `predict` package in-process.

    python tests/conformance/runners/python.py CASE_JSON OUT_JSON

The protocol is described in tests/conformance/README.md.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import predict


class _Runner:
    """Holds at most one model and one session, as the protocol says."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.model: predict.Model | None = None
        self.session: predict.Session | None = None

    # A step on an object never made fails like one on a closed object:
    # __new__ without __init__ gives an object that was never opened.
    def _model(self) -> predict.Model:
        return self.model if self.model is not None else predict.Model.__new__(predict.Model)

    def _session(self) -> predict.Session:
        return self.session if self.session is not None else predict.Session.__new__(predict.Session)

    def do(self, step: dict) -> dict:
        """Run one step; return the result fields of a success."""
        op, index = step["op"], step.get("index", 0)
        if op == "load_file":
            self.model = predict.Model.load_file(self.folder / step["path"])
        elif op == "load_bytes":
            # the previous model is not closed: it is left to the garbage collector
            self.model = predict.Model.load((self.folder / step["path"]).read_bytes())
        elif op == "counts":
            m = self._model()
            return {"inputs": m.input_count(), "outputs": m.output_count()}
        elif op in ("input_name", "output_name"):
            m = self._model()
            name = m.input_name if op == "input_name" else m.output_name
            return {"name": name(index)}
        elif op in ("input_shape", "output_shape"):
            m = self._model()
            shape = m.input_shape if op == "input_shape" else m.output_shape
            return {"dims": list(shape(index))}
        elif op == "create_session":
            self.session = predict.Session(self._model())
        elif op == "set_input":
            raw = (self.folder / step["path"]).read_bytes()
            data = np.frombuffer(raw, dtype="<f4", count=len(raw) // 4)   # size / 4 elements
            self._session().set_input(index, data)
        elif op == "set_input_shape":
            self._session().set_input_shape(index, np.asarray(step["dims"], dtype=np.int64))
        elif op in ("session_input_shape", "session_output_shape"):
            s = self._session()
            shape = s.input_shape if op == "session_input_shape" else s.output_shape
            return {"dims": list(shape(index))}
        elif op == "run":
            self._session().run()
        elif op == "get_output":
            y = self._session().get_output(index)
            return {"data": y.astype("<f4").tobytes().hex()}
        elif op == "close_session":
            self._session().close()
        elif op == "close_model":
            self._model().close()
        else:
            raise ValueError(f"unknown op {op!r}")
        return {}


def prepare() -> None:
    """Nothing to build: the package runs in this process (every runner has a prepare())."""


def run_case(case_json: Path) -> dict:
    case_json = Path(case_json)
    case = json.loads(case_json.read_text())
    runner = _Runner(case_json.parent)
    steps = []
    for step in case["steps"]:
        result = {"op": step["op"], "status": predict.Status.OK.c_name, "message": ""}
        try:
            result.update(runner.do(step))
        except predict.PredictError as e:
            result["status"], result["message"] = e.status.c_name, e.message
        except (TypeError, ValueError, OverflowError):  # the binding refused an argument
            result["status"], result["message"] = "ARGUMENT_REFUSED", "the binding refused a value C cannot receive exactly"
        except Exception as e:  # noqa: BLE001 - the protocol reports the runner's own failures
            result["status"], result["message"] = "RUNNER_ERROR", f"{type(e).__name__}: {e}"
        steps.append(result)
    return {"steps": steps}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python.py CASE_JSON OUT_JSON")
    Path(sys.argv[2]).write_text(json.dumps(run_case(Path(sys.argv[1])), indent=2) + "\n")
