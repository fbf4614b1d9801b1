"""Build every generated package with its own language's tools (part of `make demo`).

    python tools/build.py [LANG ...]     # default: python go java swift
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"

BUILDS = {
    # the Cython extension of the editable install (tools/setup_python.py), rebuilt in place when
    # the binding or the single file changed: offline, and nothing to do when neither did
    "python": (ROOT, [sys.executable, "setup.py", "-q", "build_ext", "--inplace"]),
    "go": (GENERATED / "go", ["go", "build", "./..."]),
    "java": (GENERATED / "java", ["bash", "build.sh"]),
    "swift": (GENERATED / "swift", ["swift", "build", "-c", "release"]),   # debug builds the C at -O0
}


def main(languages: list[str]) -> int:
    for lang in languages or list(BUILDS):
        if lang not in BUILDS:
            print(f"build: unknown language {lang!r}; choose from {', '.join(BUILDS)}", file=sys.stderr)
            return 2
        cwd, cmd = BUILDS[lang]
        print(f"build: {lang}: {' '.join(cmd)}  (in {cwd.relative_to(ROOT) or '.'})", flush=True)
        t0 = time.perf_counter()
        if subprocess.run(cmd, cwd=cwd).returncode != 0:
            print(f"build: {lang} failed", file=sys.stderr)
            return 1
        print(f"build: {lang} done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
