"""JavaScript runner: builds generated/js (emscripten) once, then runs every case through one
node process (`node conformance.mjs --many`: one WebAssembly compile for the suite).

Skips (pytest.skip) with the reason when emcc or node is missing; tools/setup.sh installs both.
"""
from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "generated" / "js"
NODE_PATH = "/usr/share/nodejs"   # Debian's emscripten finds acorn there


def missing_tools() -> str:
    """Why the JavaScript package cannot be built and run here ("" when it can)."""
    for tool in ("emcc", "node"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (tools/setup.sh installs emscripten, node-acorn, nodejs)"
    return ""


def build() -> Path:
    """generated/js built (build.sh builds only when its .wasm is older than what it is made of)."""
    why = missing_tools()
    if why:
        pytest.skip(why)
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", NODE_PATH))
    res = subprocess.run(["sh", "build.sh"], cwd=PACKAGE, env=env, capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"generated/js/build.sh failed:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}")
    return PACKAGE


@functools.cache
def _process() -> subprocess.Popen:
    build()
    proc = subprocess.Popen(["node", "conformance.mjs", "--many"], cwd=PACKAGE, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    atexit.register(proc.kill)
    return proc


def run_case(case_json: Path) -> dict:
    case_json = Path(case_json)
    out = case_json.with_name("js-result.json")
    proc = _process()
    proc.stdin.write(json.dumps([str(case_json), str(out)]) + "\n")
    proc.stdin.flush()
    if proc.stdout.readline().strip() != "done":
        proc.kill()
        _process.cache_clear()
        raise RuntimeError(f"js runner failed on {case_json}:\n{proc.stderr.read()[-6000:]}")
    return json.loads(out.read_text())
