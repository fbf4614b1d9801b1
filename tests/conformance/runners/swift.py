"""Swift runner: builds the package's predict-conformance executable once, then runs it per case."""
from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "generated" / "swift"
PRODUCT = "predict-conformance"
# swift lives in /opt/swift on the project's machines
PATH = os.pathsep.join(["/opt/swift/usr/bin", os.environ.get("PATH", "")])


def _swift(*args: str) -> str:
    # Release build (the engine runs real models), in the package's git-ignored .build/.
    cmd = ["swift", "build", "-c", "release", "--package-path", str(PACKAGE), *args]
    res = subprocess.run(cmd, env=dict(os.environ, PATH=PATH), capture_output=True, text=True,
                         timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}")
    return res.stdout


@functools.cache
def runner() -> Path:
    """The runner binary, built (incrementally) once per process."""
    _swift("--product", PRODUCT)
    return Path(_swift("--show-bin-path").strip()) / PRODUCT


def prepare() -> None:
    """Builds (or starts) what run_case needs, once, so that a caller can time the cases alone."""
    runner()


def run_case(case_json: Path) -> dict:
    case_json = Path(case_json)
    out = case_json.with_name("swift-result.json")
    res = subprocess.run([str(runner()), str(case_json), str(out)], capture_output=True, text=True,
                         timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"swift runner failed on {case_json}:\n{res.stdout}\n{res.stderr}")
    return json.loads(out.read_text())
