"""Every kernel level this CPU runs against the scalar reference (tests/c/kernels_test.c),
built as users build the single file (plain -O2, gcc and clang) and under ASan+UBSan, and the
WebAssembly SIMD128 level built with emcc -msimd128 (as the JavaScript package builds it) and
run in node."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_sanitizers import sanitizers_work

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests" / "c" / "kernels_test.c"
BUILDS = {"gcc": ["gcc", "-O2"], "clang": ["/usr/bin/clang", "-O2"],
          "gcc-sanitized": ["gcc", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]}


def check_output(res: subprocess.CompletedProcess) -> None:
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level scalar: tested" in res.stdout


@pytest.mark.parametrize("build", BUILDS)
def test_kernel_levels_agree_with_the_reference(tmp_path, build):
    cc, *flags = BUILDS[build]
    if "-fsanitize=address,undefined" in flags and not sanitizers_work(cc, tmp_path):
        pytest.skip(f"{cc} cannot link the sanitizers")
    exe = tmp_path / "kernels_test"
    subprocess.run([cc, "-std=c11", *flags, "-I", str(ROOT / "generated" / "c"), str(SOURCE),
                    "-lm", "-pthread", "-o", str(exe)], check=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    check_output(res)


def test_wasm128_level_agrees_with_the_reference(tmp_path):
    """Skipped (a failure under PREDICT_REQUIRE_TARGETS, as for tests/conformance/test_targets.py)
    without emcc or node; tools/setup.sh installs both."""
    missing = [tool for tool in ("emcc", "node") if shutil.which(tool) is None]
    if missing:
        why = f"{' and '.join(missing)} not installed (tools/setup.sh installs emscripten, node-acorn, nodejs)"
        if os.environ.get("PREDICT_REQUIRE_TARGETS"):
            pytest.fail(f"wasm128: {why}; PREDICT_REQUIRE_TARGETS is set")
        pytest.skip(f"wasm128: {why}")
    js = tmp_path / "kernels_test.js"
    # Debian's emscripten finds acorn (its JS optimizer needs it) only through NODE_PATH
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/usr/share/nodejs"))
    subprocess.run(["emcc", "-std=c11", "-O2", "-msimd128", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                    "-sENVIRONMENT=node", "-sALLOW_MEMORY_GROWTH=1", "-I", str(ROOT / "generated" / "c"),
                    str(SOURCE), "-o", str(js)], check=True, env=env, timeout=600)
    # emscripten 3.1's node output fetch()es its .wasm by path unless node's fetch is off
    res = subprocess.run(["node", "--no-experimental-fetch", str(js)], capture_output=True, text=True, timeout=600)
    check_output(res)
    assert "level wasm128: tested" in res.stdout
