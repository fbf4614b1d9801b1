"""The single file over the build matrix a maintainer porting it meets: gcc and clang,
-std=c99 and -std=c11, -O0/-O2/-Os, with and without -DNDEBUG, with threads and with
-DPRED_NO_THREADS, on 64-bit (this x86-64 machine) and 32-bit (armv7 hard-float, its programs
run by qemu-user; x86's -m32 would need Debian's gcc-multilib, which conflicts with the cross
compilers of test_targets.py).

- Every cell compiles generated/c/predict.c with -Wall -Wextra -Wpedantic -Werror. Under
  -std=c99 the file needs C11's _Atomic, which gcc and clang accept there as an extension: those
  cells must compile, and -Wpedantic may name _Atomic and nothing else (README: C11 required).
- A -D flag only changes the preprocessed text: cells whose text is the same as another's
  (-DNDEBUG, while the file uses no assert) share its compile.
- A few cells, which together take every value of every axis, also link and run the C API test
  program (tests/c/api_test.c, with its truncations and mutations), threads_test and a dozen
  conformance cases through the C runner, and on x86-64 at -O0 and -Os kernels_test.

About 4 minutes of CPU, 2 to 3 on 2 cores: compiles run in parallel, one per CPU this process may use. armv7
needs Debian's cross gcc and qemu-user (tools/setup.sh): missing, its cells skip, or fail under
PREDICT_REQUIRE_TARGETS=1 as in test_targets.py.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from cases import write_files  # noqa: E402
from runners import c  # noqa: E402
from suite import CASES, case_model_paths, check_steps  # noqa: E402

SINGLE = ROOT / "generated" / "c"
TESTS_C = ROOT / "tests" / "c"
WARNINGS = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]
ARMV7 = c.CROSS["armv7"]
CLANG = "/usr/bin/clang"   # Debian's (tools/setup.sh), not the one of the Swift toolchain that PATH may put first
COMPILERS = {
    ("x86-64", "gcc"): ("gcc",),
    ("x86-64", "clang"): (CLANG,),
    ("armv7", "gcc"): (ARMV7.cc,),
    ("armv7", "clang"): (CLANG, "--target=arm-linux-gnueabihf"),   # with the cross gcc's libraries and linker
}
# what -std=c99 -Wpedantic may say: the C11 _Atomic of the file (gcc, then clang)
C11_ONLY = re.compile(r"ISO C99 does not support the '_Atomic' qualifier \[-Wpedantic\]"
                      r"|'_Atomic' is a C11 extension \[-Wc11-extensions\]")


@dataclass(frozen=True)
class Cell:
    arch: str        # "x86-64" or "armv7"
    cc: str          # "gcc" or "clang"
    std: str         # "c99" or "c11"
    opt: str         # "-O0", "-O2" or "-Os"
    ndebug: bool
    threads: bool

    @property
    def id(self) -> str:
        return "-".join([self.arch, self.cc, self.std, self.opt[1:], "ndebug" if self.ndebug else "debug",
                         "threads" if self.threads else "nothreads"])

    @property
    def compiler(self) -> tuple[str, ...]:
        return COMPILERS[self.arch, self.cc]

    @property
    def defines(self) -> list[str]:
        return ["-DNDEBUG"] * self.ndebug + ["-DPRED_NO_THREADS"] * (not self.threads)

    def library_flags(self) -> list[str]:
        # -Werror stays off under c99 so that every diagnostic can be checked against C11_ONLY
        warnings = WARNINGS if self.std == "c11" else WARNINGS[:-1]
        return [f"-std={self.std}", *warnings, self.opt, *self.defines]


CELLS = [Cell(*axes) for axes in itertools.product(("x86-64", "armv7"), ("gcc", "clang"), ("c99", "c11"),
                                                    ("-O0", "-O2", "-Os"), (False, True), (False, True))]
# Built into programs and run: between them every value of every axis, on each architecture
# (armv7 without -O0: slow under emulation). A cell's twin with or without NDEBUG shares its object.
RUNS = [
    Cell("x86-64", "gcc", "c99", "-O0", True, False),
    Cell("x86-64", "clang", "c11", "-Os", False, True),
    Cell("x86-64", "clang", "c99", "-O2", True, True),
    Cell("armv7", "clang", "c11", "-O2", False, True),
    Cell("armv7", "gcc", "c99", "-Os", True, False),
]
API_MODELS = ("tiny_cnn", "conv_groups_padding", "pools", "fusions", "nhwc_transposes")
THREAD_MODELS = ("tiny_cnn", "fusions", "pools")
RUN_CASES = ("tiny_cnn", "conv_groups_padding", "fusions", "pools", "activations", "normalization_gelu",
             "conv_transpose_resize", "lrn_upsample_reduce", "encoding_packed_fields", "external_data_one_file",
             "truncated_model", "refused_arguments")


def missing(arch: str, cc: str) -> str | None:
    """What this machine lacks to build (and run) for arch with cc; None when nothing."""
    if not shutil.which(COMPILERS["x86-64", cc][0]):
        return f"{COMPILERS['x86-64', cc][0]} is not installed (tools/setup.sh installs it)"
    return ARMV7.missing() if arch == "armv7" else None


def usable(cell: Cell) -> None:
    why = missing(cell.arch, cell.cc)
    if why and (cell.arch == "x86-64" or os.environ.get("PREDICT_REQUIRE_TARGETS")):
        pytest.fail(f"{cell.id}: {why}")
    if why:
        pytest.skip(f"{cell.id}: {why}")


def sh(cmd: list[str]) -> subprocess.CompletedProcess:
    # LC_ALL=C: plain quotes in diagnostics, for C11_ONLY
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=dict(os.environ, LC_ALL="C"))


@dataclass
class Build:
    cmd: list[str]
    res: subprocess.CompletedProcess
    obj: Path


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[Cell, Future]:
    """Each cell's compile of the single file, started in the background; cells with the same
    compiler, -std, -O and preprocessed text share one."""
    folder = tmp_path_factory.mktemp("portability")
    cells = [cell for cell in CELLS if not missing(cell.arch, cell.cc)]
    pool = ThreadPoolExecutor(len(os.sched_getaffinity(0)))

    def text_hash(cell: Cell) -> str:
        res = sh([*cell.compiler, *cell.library_flags(), "-E", str(SINGLE / "predict.c")])
        return hashlib.sha256((res.stdout + res.stderr).encode()).hexdigest()

    def compile_(cell: Cell) -> Build:
        obj = folder / f"{cell.id}.o"
        cmd = [*cell.compiler, *cell.library_flags(), "-c", str(SINGLE / "predict.c"), "-o", str(obj)]
        return Build(cmd, sh(cmd), obj)

    shared: dict[tuple, Future] = {}
    futures = {}
    for cell, digest in zip(cells, pool.map(text_hash, cells)):
        key = (cell.compiler, cell.std, cell.opt, digest)
        if key not in shared:
            shared[key] = pool.submit(compile_, cell)
        futures[cell] = shared[key]
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("cell", CELLS, ids=lambda cell: cell.id)
def test_single_file_compiles(cell, builds):
    usable(cell)
    build = builds[cell].result()
    words = f"{' '.join(build.cmd)}\n{build.res.stderr}"
    assert build.res.returncode == 0, words
    if cell.std == "c11":
        assert not build.res.stderr, words
    else:
        diagnostics = [line for line in build.res.stderr.splitlines() if re.search(r": (warning|error): ", line)]
        assert diagnostics, "the single file is C99 now: make the c99 cells -Werror and update README's 'C11 required'"
        assert all(C11_ONLY.search(line) for line in diagnostics), words


def program(cell: Cell, sources: list[Path], out: Path, obj: Path | None = None) -> Path:
    """A test program built as an application would be, with the cell's compiler and flags."""
    cmd = [*cell.compiler, f"-std={cell.std}", cell.opt, *cell.defines, "-I", str(SINGLE), *map(str, sources),
           *([str(obj)] if obj else []), "-o", str(out), "-lm", "-pthread"]
    res = sh(cmd)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    return out


@pytest.mark.parametrize("cell", RUNS, ids=lambda cell: cell.id)
def test_programs_run(cell, builds, tmp_path):
    usable(cell)
    build = builds[cell].result()
    assert build.res.returncode == 0, build.res.stderr
    target = ARMV7 if cell.arch == "armv7" else c.NATIVE

    def run(exe: Path, *args) -> str:
        res = target.run([str(exe), *map(str, args)])
        assert res.returncode == 0, f"{exe.name}: {res.stdout[-3000:]}{res.stderr[-3000:]}"
        return res.stdout

    api = program(cell, [TESTS_C / "api_test.c"], tmp_path / "api_test", build.obj)
    out = run(api, ROOT / "tests" / "data" / "add_relu.onnx", *case_model_paths(tmp_path, API_MODELS))
    assert "api_test: 0 failure(s)" in out
    threads = program(cell, [TESTS_C / "threads_test.c"], tmp_path / "threads_test", build.obj)
    assert "threads_test: 0 failure(s)" in run(threads, *case_model_paths(tmp_path, THREAD_MODELS))
    # kernels_test includes predict.c, a compile of its own: at the levels test_kernels.py (-O2) leaves
    if cell.arch == "x86-64" and cell.opt != "-O2":
        kernels = program(cell, [TESTS_C / "kernels_test.c"], tmp_path / "kernels_test")
        out = run(kernels)
        assert " 0 failure(s)" in out and "level scalar: tested" in out, out

    runner = program(cell, [c.RUNNER], tmp_path / "runner", build.obj)
    for case in CASES:
        if case.name in RUN_CASES:
            folder = tmp_path / "cases" / case.name
            write_files(case.files, folder)
            (folder / "case.json").write_text(json.dumps({"name": case.name, "steps": case.steps}))
            run(runner, folder / "case.json", folder / "out.json")
            check_steps(case, json.loads((folder / "out.json").read_text(encoding="utf-8"))["steps"])


def test_every_axis_runs_somewhere():
    for axis in ("cc", "std", "opt", "ndebug", "threads"):
        for arch in ("x86-64", "armv7"):
            values = {getattr(cell, axis) for cell in CELLS if cell.arch == arch}
            ran = {getattr(cell, axis) for cell in RUNS if cell.arch == arch}
            assert ran == values or (axis == "opt" and arch == "armv7" and ran == values - {"-O0"}), (axis, arch)
    assert {case.name for case in CASES} >= set(RUN_CASES)
