"""The stripped size of the library on each target of README's "Targets" table, and
EfficientNet-Lite0's run time on aarch64 under qemu-user.

    python tools/target_sizes.py           # sizes: a markdown table (some 2 minutes of one core)
    python tools/target_sizes.py --lite0   # and Lite0 on aarch64 under qemu-user

Each target builds generated/c/predict.c as its users build a shared library, `CC -O2 -fPIC
-shared` (and -Os: apps that count their bytes), and strips it with the target's own
`strip --strip-unneeded`, as bench/ does on x86-64. The compilers are those of test_targets.py
(tests/conformance/runners/c.py). Lite0's time is bench/runner.c's for one pred_session_run on
one thread, after a first untimed run, with qemu-user translating aarch64 on this machine's CPU:
emulated, not a device's speed.
"""
from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "generated" / "c" / "predict.c"
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
sys.path.insert(0, str(ROOT / "tools"))

from runners import c  # noqa: E402

# (target, compiler command, its strip, library file)
TARGETS = [
    ("x86-64 Linux", ("gcc",), "strip", "libpredict.so"),
    ("x86-64 Linux", ("/usr/bin/clang",), "strip", "libpredict.so"),   # Debian's, as in the tests
    *[(f"{name} Linux", (t.cc,), t.cc.removesuffix("gcc") + "strip", "libpredict.so") for name, t in c.CROSS.items()],
    ("x86-64 Windows", (c.WINDOWS.cc,), c.WINDOWS.cc.removesuffix("gcc") + "strip", "predict.dll"),
]


def sh(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(x) for x in cmd], capture_output=True, text=True, check=True, **kwargs)


def stripped_size(cc: tuple[str, ...], strip: str, name: str, opt: str, folder: Path) -> int:
    lib = folder / name
    pic = [] if name.endswith(".dll") else ["-fPIC"]
    sh([*cc, opt, *pic, "-shared", SINGLE, "-o", lib, "-lm", *(["-pthread"] if pic else [])])
    sh([strip, "--strip-unneeded", "-o", folder / f"stripped-{name}", lib])
    return (folder / f"stripped-{name}").stat().st_size


def lite0_on_aarch64(folder: Path) -> dict:
    """bench/runner.c built for aarch64, Lite0 on one thread under qemu-user: load, then one timed run."""
    from predict_models.cache import fetch
    model = fetch("lite0")
    target = c.CROSS["aarch64"]
    exe = folder / "runner-aarch64"
    sh([target.cc, "-O2", "-I", SINGLE.parent, ROOT / "bench" / "runner.c", SINGLE, "-o", exe, "-lm", "-pthread"])
    (folder / "zeros.bin").write_bytes(bytes(4 * 3 * 224 * 224))
    res = sh([*target.exec_prefix, exe, model, 1, folder, "1x3x224x224", folder / "zeros.bin"],
             input="run 1\nquit\n", timeout=1200)
    first, timed = (json.loads(line[3:]) for line in res.stdout.splitlines() if line.startswith("@@ "))
    return {"load_ms": first["load_ms"], "run_ms": timed["run_ms"][0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lite0", action="store_true", help="also time Lite0 on aarch64 under qemu-user")
    args = parser.parse_args()
    print(f"{datetime.date.today()}, {' '.join(sys.argv)}, generated/c/predict.c of git "
          f"{sh(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD']).stdout.strip()}\n")
    print("| target | compiler | stripped -O2 | stripped -Os |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for target, cc, strip, name in TARGETS:
            version = f"{Path(cc[0]).name} {sh([*cc, '-dumpversion']).stdout.strip()}"
            sizes = [stripped_size(cc, strip, name, opt, folder) for opt in ("-O2", "-Os")]
            print(f"| {target} | {version} | " + " | ".join(f"{s / 1024:.0f} KiB" for s in sizes) + " |", flush=True)
        if args.lite0:
            t = lite0_on_aarch64(folder)
            print(f"\nEfficientNet-Lite0 on aarch64 under qemu-user (emulated, one thread): load {t['load_ms']:.0f} ms, "
                  f"one run {t['run_ms']:.0f} ms")


if __name__ == "__main__":
    main()
