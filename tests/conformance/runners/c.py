"""C runner: the C API itself (runners/c/runner.c over generated/c/predict.h), built once.

The suite's "c" language is the runner built for this machine with gcc, as users build the
single file (-O2), held warning-free (-std=c11 -Wall -Wextra -Wpedantic -Werror).
test_targets.py builds the same runner for other targets (cross compilers, run under qemu-user
or wine):
`Target` says how to compile for one and how to run what it compiled.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SINGLE = ROOT / "generated" / "c"
RUNNER = Path(__file__).resolve().parent / "c" / "runner.c"
# the flags every build of the single file and the runner must pass without a word
STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


@dataclass(frozen=True)
class Target:
    """A platform the single file is built for, and how its programs run on this machine."""
    name: str
    cc: str                                         # the compiler (a command on PATH)
    exec_prefix: tuple[str, ...] = ()               # e.g. ("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu")
    libs: tuple[str, ...] = ("-lm", "-pthread")     # what the link needs
    exe_suffix: str = ""
    env: dict = field(default_factory=dict, hash=False, compare=False)   # extra environment of the runs

    def missing(self) -> str | None:
        """Why this machine cannot build or run for the target; None when it can."""
        for tool in (self.cc, *self.exec_prefix[:1]):
            if not shutil.which(tool):
                return f"{tool} is not installed (tools/setup.sh installs it)"
        if len(self.exec_prefix) >= 3 and self.exec_prefix[1] == "-L" and not Path(self.exec_prefix[2]).is_dir():
            return f"no sysroot at {self.exec_prefix[2]}"
        return None

    def compile(self, sources: list[Path], out: Path, link: bool = True, strict: bool = True) -> Path:
        """Compiles (and links) with -O2; raises with the compiler's words on failure and, when
        strict (the single file and the runner), on any warning too."""
        cmd = [self.cc, *(STRICT if strict else ["-std=c11"]), "-O2", "-I", str(SINGLE), *map(str, sources),
               "-o", str(out)]
        if link:
            cmd += self.libs
        else:
            cmd.insert(1, "-c")
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if res.returncode != 0 or (strict and res.stderr.strip()):
            raise RuntimeError(f"{self.name}: {' '.join(cmd)}\n{res.stdout}{res.stderr}")
        return out

    def run(self, args: list[str], timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
        """Runs one of the target's programs (under its emulator, if any). Its output goes to
        files, not pipes: a pipe stays open as long as any process holds it, and the wineserver
        that wine starts inherits it and stays for seconds after the program has exited."""
        env = dict(os.environ, **self.env)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            res = subprocess.run([*self.exec_prefix, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 timeout=timeout, env=env, **kwargs)
            out.seek(0)
            err.seek(0)
            res.stdout = out.read().decode("utf-8", "replace")
            res.stderr = err.read().decode("utf-8", "replace")
        return res


NATIVE = Target("native", "gcc")


@functools.cache
def require(name: str, why: str | None) -> None:
    """Nothing when `why` is empty; else a skip saying what is missing, or a failure under
    PREDICT_REQUIRE_TARGETS (`make test` sets it: setup installed every tool)."""
    import pytest
    if why:
        if os.environ.get("PREDICT_REQUIRE_TARGETS"):
            pytest.fail(f"{name}: {why}; PREDICT_REQUIRE_TARGETS is set")
        pytest.skip(f"{name}: {why}")


def library(target: Target) -> Path:
    """The single file compiled once per target, in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"predict-c-{target.name}-"))
    return target.compile([SINGLE / "predict.c"], folder / "predict.o", link=False)


@functools.cache
def runner(target: Target = NATIVE) -> Path:
    """The runner program for a target, linked with its single file."""
    obj = library(target)
    return target.compile([RUNNER, obj], obj.with_name("predict-conformance" + target.exe_suffix))


def run_case_on(target: Target, case_json: Path, timeout: float = 900) -> dict:
    """One case through the runner of a target; the result as the suite reads it."""
    case_json = Path(case_json)
    out = case_json.with_name(f"c-{target.name}-result.json")
    res = target.run([str(runner(target)), str(case_json), str(out)], timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"c runner ({target.name}) failed on {case_json}:\n{res.stdout}\n{res.stderr}")
    return json.loads(out.read_text(encoding="utf-8"))


def run_case(case_json: Path) -> dict:
    return run_case_on(NATIVE, case_json)


def _linux(name: str, triple: str, qemu: str) -> Target:
    """A Debian cross compiler, its programs run by qemu-user over Debian's sysroot for the triple."""
    return Target(name, f"{triple}-gcc", (qemu, "-L", f"/usr/{triple}"))


# The devices the seed means: phones and boards (aarch64, older ones armv7 hard-float), boards
# that are increasingly riscv64, and a big-endian host (s390x), where a reader of the
# little-endian format goes wrong if it can.
CROSS = {t.name: t for t in [
    _linux("aarch64", "aarch64-linux-gnu", "qemu-aarch64"),
    _linux("armv7", "arm-linux-gnueabihf", "qemu-arm"),
    _linux("riscv64", "riscv64-linux-gnu", "qemu-riscv64"),
    _linux("s390x", "s390x-linux-gnu", "qemu-s390x"),
]}

# Windows: Debian's mingw-w64 (its default, win32-threads variant: the library's own Win32
# threads, no winpthreads), the programs run by wine in a prefix of their own.
WINE = "/usr/lib/wine/wine64" if Path("/usr/lib/wine/wine64").exists() else "wine"
WINDOWS = Target("windows", "x86_64-w64-mingw32-gcc", (WINE,), libs=("-lm",), exe_suffix=".exe",
                 env={"WINEDEBUG": "-all", "WINEPREFIX": str(Path(tempfile.gettempdir()) / "predict-wine")})
