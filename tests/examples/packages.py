"""What the example tests share: generate a package into pytest's cache folder, run a tool
there, build and import a Python package, find the language tools."""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bindgen import render
from bindgen.config import load_config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from runners.c import require  # noqa: E402,F401  (the one skip-or-fail rule for missing tools)

JUNIT = Path("/usr/share/java/junit-platform-console-standalone.jar")


def generate(config: Path, home: Path, lang: str) -> Path:
    """The package of `lang` under home/, rewriting only what changed (builds stay cached)."""
    cfg = load_config(file=config, output=home)
    files = render.render(cfg, [lang])
    out = cfg.out_dir(lang)
    for path, data in files.items():
        raw = data if isinstance(data, bytes) else data.encode()
        if not path.exists() or path.read_bytes() != raw:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(raw)
            if path.suffix in (".h", ".modulemap") and lang == "swift":
                # SwiftPM does not see a system library's header change: build afresh
                shutil.rmtree(out / ".build", ignore_errors=True)
    return out


def run(cmd: list[str], cwd: Path, timeout: float, **env: str) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **env})
    assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    return res


@contextlib.contextmanager
def python_package(config: Path, home: Path, name: str):
    """The example's Python package, built in place (again only when its sources changed)."""
    package = generate(config, home, "python")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(package.rglob("*.py*")))).hexdigest()
    if not (package / f"built-{digest[:16]}").exists():
        run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], package, 600)
        for old in package.glob("built-*"):
            old.unlink()
        (package / f"built-{digest[:16]}").write_text("")
    sys.path.insert(0, str(package))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(package))


def swift() -> str | None:
    local = Path("/opt/swift/usr/bin/swift")
    return shutil.which("swift") or (str(local) if local.exists() else None)


def go() -> str:
    found = shutil.which("go")
    require("go", None if found else "go is not on PATH")
    return found


def java() -> None:
    require("java", None if shutil.which("javac") else "javac is not on PATH")
    require("java", None if JUNIT.is_file() else "JUnit 5 is not installed")


def run_under_sanitizers(config: Path, harness: str, folder: Path) -> str:
    """Compile the example's inline C (API.c_prelude, as "prelude.h") with a harness program,
    strictly, under ASan (leaks included) and UBSan; run it; its output."""
    cc = shutil.which("gcc")
    require("c", None if cc else "gcc is not on PATH")
    cfg = load_config(file=config)
    (folder / "prelude.h").write_text(render.load_api(cfg).c_prelude)
    (folder / "main.c").write_text(harness)
    run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", "main.c", *("-l" + lib for lib in cfg.libraries), "-o", "harness"],
        folder, 120)
    return run(["./harness"], folder, 120, ASAN_OPTIONS="detect_leaks=1").stdout

