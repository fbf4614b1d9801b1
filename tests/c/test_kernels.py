"""Every kernel level against the scalar reference (tests/c/kernels_test.c), built as users build
the single file (plain -O2, gcc and clang) and under ASan+UBSan on this CPU; for aarch64 and armv7
(their NEON level) with the cross gcc and clang, run under qemu-user (armv7: gcc's per-function
NEON, detected at run time, and clang's with -mfpu=neon, which clang needs for any); and the
WebAssembly SIMD128 level built with emcc -msimd128 (as the JavaScript package builds it), run in
node."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_sanitizers import sanitizers_work
from runners import c

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests" / "c" / "kernels_test.c"
BUILDS = {"gcc": ["gcc", "-O2"], "clang": ["/usr/bin/clang", "-O2"],
          "gcc-sanitized": ["gcc", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]}
AARCH64, ARMV7 = c.CROSS["aarch64"], c.CROSS["armv7"]
STRICT = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]   # no other test compiles for aarch64 with clang
CROSS_BUILDS = {"aarch64-gcc": (AARCH64, [AARCH64.cc, "-O2", *STRICT]),
                "aarch64-clang": (AARCH64, ["/usr/bin/clang", "--target=aarch64-linux-gnu", "-O2", *STRICT]),
                "armv7-gcc": (ARMV7, [ARMV7.cc, "-O2", *STRICT]),
                "armv7-clang-mfpu-neon": (ARMV7, ["/usr/bin/clang", "--target=arm-linux-gnueabihf", "-mfpu=neon",
                                                  "-O2", *STRICT])}


def check_output(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level scalar: tested" in res.stdout
    return res.stdout


def run_kernels_test(cmd: list[str], exe: Path, exec_prefix=()) -> str:
    subprocess.run([*cmd, "-std=c11", "-I", str(ROOT / "generated" / "c"), str(SOURCE),
                    "-lm", "-pthread", "-o", str(exe)], check=True)
    return check_output(subprocess.run([*exec_prefix, str(exe)], capture_output=True, text=True, timeout=600))


@pytest.mark.parametrize("build", BUILDS)
def test_kernel_levels_agree_with_the_reference(tmp_path, build):
    cc, *flags = BUILDS[build]
    if "-fsanitize=address,undefined" in flags and not sanitizers_work(cc, tmp_path):
        pytest.skip(f"{cc} cannot link the sanitizers")
    run_kernels_test([cc, *flags], tmp_path / "kernels_test")


@pytest.mark.parametrize("build", CROSS_BUILDS)
def test_neon_level_agrees_with_the_reference(tmp_path, build):
    """Under qemu-user: slower than native, but the NEON code itself, on every commit."""
    target, cmd = CROSS_BUILDS[build]
    c.require(target.name, target.missing())
    out = run_kernels_test(cmd, tmp_path / "kernels_test", target.exec_prefix)
    assert "level neon: tested" in out


def test_wasm128_level_agrees_with_the_reference(tmp_path):
    missing = [tool for tool in ("emcc", "node") if shutil.which(tool) is None]
    c.require("wasm128", f"{' and '.join(missing)} not installed (emscripten, node-acorn, nodejs)" if missing else "")
    js = tmp_path / "kernels_test.js"
    # Debian's emscripten finds acorn (its JS optimizer needs it) only through NODE_PATH
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/usr/share/nodejs"))
    subprocess.run(["emcc", "-std=c11", "-O2", "-msimd128", *STRICT,
                    "-sENVIRONMENT=node", "-sALLOW_MEMORY_GROWTH=1", "-I", str(ROOT / "generated" / "c"),
                    str(SOURCE), "-o", str(js)], check=True, env=env, timeout=600)
    # emscripten 3.1's node output fetch()es its .wasm by path unless node's fetch is off
    res = subprocess.run(["node", "--no-experimental-fetch", str(js)], capture_output=True, text=True, timeout=600)
    assert "level wasm128: tested" in check_output(res)
