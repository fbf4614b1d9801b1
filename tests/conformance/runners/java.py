"""Java runner: runs a conformance case through the generated Java binding in-process (JPype).

    python tests/conformance/runners/java.py CASE_JSON OUT_JSON

The JVM starts once per process with generated/java/build/predict.jar on its class
path; the jar is (re)built with generated/java/build.sh when missing or older than
its sources. The protocol is described in tests/conformance/README.md.
"""
from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "generated" / "java"
JAR = PACKAGE / "build" / "predict.jar"


def _stale() -> bool:
    if not JAR.exists():
        return True
    built = JAR.stat().st_mtime
    sources = [PACKAGE / "build.sh", *(p for p in (PACKAGE / "src" / "main").rglob("*") if p.is_file())]
    return any(p.stat().st_mtime > built for p in sources)


@functools.cache
def _java():
    """The binding's classes, from a JVM started (once) with the jar on its class path."""
    import jpype
    if _stale():
        res = subprocess.run(["sh", str(PACKAGE / "build.sh")], capture_output=True, text=True,
                             timeout=1800)
        if res.returncode != 0:
            raise RuntimeError(f"generated/java/build.sh failed:\n{res.stdout}\n{res.stderr}")
    if not jpype.isJVMStarted():
        jpype.startJVM(classpath=[str(JAR)], convertStrings=False)
    elif not str(jpype.java.lang.System.getProperty("java.class.path")).count(str(JAR)):
        raise RuntimeError(f"a JVM is already running without {JAR} on its class path")
    pkg = "dev.predict"
    return {name: jpype.JClass(f"{pkg}.{name}")
            for name in ("Model", "Session", "Status", "PredictException")} | {
        "floats": jpype.JArray(jpype.JFloat), "bytes": jpype.JArray(jpype.JByte),
        "longs": jpype.JArray(jpype.JLong),
        "IllegalArgumentException": jpype.JClass("java.lang.IllegalArgumentException")}


class _Runner:
    """Holds at most one model and one session, as the protocol says."""

    def __init__(self, folder: Path):
        self.j = _java()
        self.folder = folder
        self.model = None
        self.session = None

    # A step on an object never made fails like one on a closed object.
    def _never_made(self, cls):
        return self.j["PredictException"](self.j["Status"].ERR_STATE, cls.CLOSED_MESSAGE)

    def _model(self):
        if self.model is None:
            raise self._never_made(self.j["Model"])
        return self.model

    def _session(self):
        if self.session is None:
            raise self._never_made(self.j["Session"])
        return self.session

    def do(self, step: dict) -> dict:
        """Run one step; return the result fields of a success."""
        j = self.j
        op, index = step["op"], step.get("index", 0)
        if op == "load_file":
            self.model = j["Model"].loadFile(str(self.folder / step["path"]))
        elif op == "load_bytes":
            # the previous model is not closed: it is left to the garbage collector
            self.model = j["Model"].load(j["bytes"]((self.folder / step["path"]).read_bytes()))
        elif op == "counts":
            m = self._model()
            return {"inputs": int(m.inputCount()), "outputs": int(m.outputCount())}
        elif op in ("input_name", "output_name"):
            m = self._model()
            name = m.inputName if op == "input_name" else m.outputName
            return {"name": str(name(index))}
        elif op in ("input_shape", "output_shape"):
            m = self._model()
            shape = m.inputShape if op == "input_shape" else m.outputShape
            return {"dims": [int(d) for d in shape(index)]}
        elif op == "create_session":
            self.session = j["Session"](self._model())
        elif op == "set_input":
            data = np.fromfile(self.folder / step["path"], dtype="<f4").astype("=f4")
            self._session().setInput(index, j["floats"](data))
        elif op == "set_input_shape":
            self._session().setInputShape(index, j["longs"]([int(d) for d in step["dims"]]))
        elif op in ("session_input_shape", "session_output_shape"):
            s = self._session()
            shape = s.inputShape if op == "session_input_shape" else s.outputShape
            return {"dims": [int(d) for d in shape(index)]}
        elif op == "run":
            self._session().run()
        elif op == "get_output":
            y = np.asarray(self._session().getOutput(index), dtype=np.float32)
            return {"data": y.astype("<f4").tobytes().hex()}
        elif op == "close_session":
            if self.session is not None:   # closing what was never made does nothing
                self.session.close()
        elif op == "close_model":
            if self.model is not None:
                self.model.close()
        else:
            raise ValueError(f"unknown op {op!r}")
        return {}


def prepare() -> None:
    """Builds (or starts) what run_case needs, once, so that a caller can time the cases alone."""
    _java()


def run_case(case_json: Path) -> dict:
    case_json = Path(case_json)
    case = json.loads(case_json.read_text())
    runner = _Runner(case_json.parent)
    error = runner.j["PredictException"]
    steps = []
    for step in case["steps"]:
        result = {"op": step["op"], "status": str(runner.j["Status"].OK.cName()), "message": ""}
        try:
            result.update(runner.do(step))
        except error as e:
            result["status"], result["message"] = str(e.status().cName()), str(e.getMessage())
        except runner.j["IllegalArgumentException"]:   # the binding refused an argument
            result["status"], result["message"] = "ARGUMENT_REFUSED", "the binding refused a value C cannot receive exactly"
        steps.append(result)
    return {"steps": steps}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: java.py CASE_JSON OUT_JSON")
    Path(sys.argv[2]).write_text(json.dumps(run_case(Path(sys.argv[1])), indent=2) + "\n")
