"""Every kernel level against the scalar reference (tests/c/kernels_test.c), built as users build
the single file (plain -O2, gcc and clang) and under ASan+UBSan on this CPU, and for aarch64
(its NEON level) with the cross gcc and clang, run under qemu-user."""
import os
import subprocess
from pathlib import Path

import pytest

from test_sanitizers import sanitizers_work
from runners import c

ROOT = Path(__file__).resolve().parents[2]
BUILDS = {"gcc": ["gcc", "-O2"], "clang": ["/usr/bin/clang", "-O2"],
          "gcc-sanitized": ["gcc", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]}
AARCH64 = c.CROSS["aarch64"]
STRICT = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]   # no other test compiles for aarch64 with clang
CROSS_BUILDS = {"aarch64-gcc": [AARCH64.cc, "-O2", *STRICT],
                "aarch64-clang": ["/usr/bin/clang", "--target=aarch64-linux-gnu", "-O2", *STRICT]}


def run_kernels_test(cmd: list[str], exe: Path, exec_prefix=()) -> str:
    subprocess.run([*cmd, "-std=c11", "-I", str(ROOT / "generated" / "c"), str(ROOT / "tests" / "c" / "kernels_test.c"),
                    "-lm", "-pthread", "-o", str(exe)], check=True)
    res = subprocess.run([*exec_prefix, str(exe)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level scalar: tested" in res.stdout
    return res.stdout


@pytest.mark.parametrize("build", BUILDS)
def test_kernel_levels_agree_with_the_reference(tmp_path, build):
    cc, *flags = BUILDS[build]
    if "-fsanitize=address,undefined" in flags and not sanitizers_work(cc, tmp_path):
        pytest.skip(f"{cc} cannot link the sanitizers")
    run_kernels_test([cc, *flags], tmp_path / "kernels_test")


@pytest.mark.parametrize("build", CROSS_BUILDS)
def test_neon_level_agrees_with_the_reference(tmp_path, build):
    """Under qemu-aarch64: slower than native, but the NEON code itself, on every commit."""
    why = AARCH64.missing()
    if why:
        if os.environ.get("PREDICT_REQUIRE_TARGETS"):
            pytest.fail(f"aarch64: {why}; PREDICT_REQUIRE_TARGETS is set")
        pytest.skip(f"aarch64: {why}")
    out = run_kernels_test(CROSS_BUILDS[build], tmp_path / "kernels_test", AARCH64.exec_prefix)
    assert "level neon: tested" in out
