"""The single file: compiles alone, warning-free, on gcc and clang; exports only pred_*."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "generated" / "c" / "predict.c"
HEADER = ROOT / "generated" / "c" / "predict.h"
FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2", "-c"]
# C11 library headers (and pthread.h, allowed where threads are enabled)
STANDARD = {"assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h",
            "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h",
            "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h",
            "stdnoreturn.h", "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h",
            "wctype.h", "pthread.h"}


@pytest.fixture(scope="module", params=["gcc", "clang"])
def objfile(request, tmp_path_factory):
    cc = request.param
    assert shutil.which(cc), f"{cc} is not installed (tools/setup.sh installs it)"
    out = tmp_path_factory.mktemp(cc) / "predict.o"
    res = subprocess.run([cc, *FLAGS, str(SINGLE), "-o", str(out)], capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr, res.stderr
    return out


def test_compiles_warning_free_and_exports_only_pred(objfile):
    res = subprocess.run(["nm", "-g", "--defined-only", str(objfile)], capture_output=True,
                         text=True, check=True)
    symbols = [line.split()[-1] for line in res.stdout.splitlines()]
    assert symbols, "no exported symbols at all"
    assert [s for s in symbols if not s.startswith("pred_")] == []


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("level", ["-O0", "-O1", "-O3", "-Os"])
def test_warning_free_at_every_optimization_level(cc, level, tmp_path):
    """What the optimizer sees differs by level (gcc -O3's maybe-uninitialized, for one)."""
    flags = [f for f in FLAGS if f != "-O2"] + [level]
    res = subprocess.run([cc, *flags, str(SINGLE), "-o", str(tmp_path / "predict.o")], capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr, res.stderr


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("define", ["-DPRED_NO_SIMD", "-DPRED_NO_THREADS"])
def test_warning_free_with_features_compiled_out(cc, define, tmp_path):
    """Without SIMD the build is what riscv64 and s390x compile (a helper only the SIMD levels
    use once broke them, and only the slow cross tests saw it)."""
    res = subprocess.run([cc, *FLAGS, define, str(SINGLE), "-o", str(tmp_path / "predict.o")],
                         capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr, res.stderr


# Operating-system and intrinsic headers (and gcc's and clang's cpuid.h, Linux's sys/auxv.h), each only
# under the #if of the platform that has it.
PLATFORM = {"fcntl.h", "sys/stat.h", "sys/mman.h", "unistd.h", "windows.h", "io.h", "immintrin.h", "cpuid.h",
            "arm_neon.h", "wasm_simd128.h", "sched.h", "sys/auxv.h"}


def test_includes_only_the_standard_library():
    """Outside any #if, the standard library alone; platform headers only under a conditional."""
    stack, unconditional, conditional = [], [], []   # stack: one entry per open #if, True for include guards
    for line in SINGLE.read_text().splitlines():
        directive = re.match(r"\s*#\s*(\w+)\s*(.*)", line)
        if not directive:
            continue
        word, rest = directive.groups()
        if word in ("if", "ifdef", "ifndef"):
            stack.append(word == "ifndef" and re.fullmatch(r"PRED\w*_H", rest.strip()) is not None)
        elif word == "endif":
            stack.pop()
        elif word == "include":
            (conditional if not all(stack) else unconditional).append(rest.strip())
    assert not stack
    assert unconditional and all(h[0] == "<" and h[1:-1] in STANDARD for h in unconditional), unconditional
    assert conditional and all(h[0] == "<" and h[1:-1] in STANDARD | PLATFORM for h in conditional), conditional


def test_one_marker_per_source_in_order():
    text = SINGLE.read_text()
    listed = [ln.split("#")[0].strip() for ln in (ROOT / "native" / "sources.txt").read_text().splitlines()]
    listed = [f"native/{s}" for s in listed if s]
    begins = re.findall(r"^/\*\*\*\* Begin file (\S+) \*\*\*\*/$", text, re.M)
    assert [b for b in begins if b in listed] == listed
    assert len(begins) == len(set(begins)), "a file was inlined twice"


def test_header_compiles_as_c_and_cxx(tmp_path):
    for cc, lang in (("gcc", "c"), ("g++", "c++")):
        res = subprocess.run([cc, "-x", lang, "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                              str(HEADER)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
