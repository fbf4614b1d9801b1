"""Every kernel level this CPU runs against the scalar reference (tests/c/kernels_test.c),
built as users build the single file (plain -O2, gcc and clang) and under ASan+UBSan."""
import subprocess
from pathlib import Path

import pytest

from test_sanitizers import sanitizers_work

ROOT = Path(__file__).resolve().parents[2]
BUILDS = {"gcc": ["gcc", "-O2"], "clang": ["/usr/bin/clang", "-O2"],
          "gcc-sanitized": ["gcc", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]}


@pytest.mark.parametrize("build", BUILDS)
def test_kernel_levels_agree_with_the_reference(tmp_path, build):
    cc, *flags = BUILDS[build]
    if "-fsanitize=address,undefined" in flags and not sanitizers_work(cc, tmp_path):
        pytest.skip(f"{cc} cannot link the sanitizers")
    exe = tmp_path / "kernels_test"
    subprocess.run([cc, "-std=c11", *flags, "-I", str(ROOT / "generated" / "c"), str(ROOT / "tests" / "c" / "kernels_test.c"),
                    "-lm", "-pthread", "-o", str(exe)], check=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level scalar: tested" in res.stdout
