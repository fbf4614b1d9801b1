"""The [tool.bindgen] table of pyproject.toml: what to generate, and where.

    [tool.bindgen]
    name = "predict"                      # the library's name
    header = "native/include/predict.h"   # the annotated header (the source of truth)
    prefix = "pred_"                      # stripped from C names in bindings
    native = "native"                     # optional: engine sources to amalgamate
    output = "generated"                  # one folder per language below it
    testdata = "tests/data"               # optional: files copied into each package's tests
    languages = ["c", "go", "java", "swift", "python"]

    [tool.bindgen.go]                     # per-language options, read by bindgen/<lang>.py
    module = "..."
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .annotations import BindgenError


@dataclass
class Config:
    root: Path
    name: str
    header: Path
    prefix: str
    output: Path
    native: Path | None
    languages: list[str]
    testdata: Path | None = None
    options: dict[str, dict] = field(default_factory=dict)

    def testdata_files(self) -> dict[str, bytes]:
        """{name: bytes} of the test data files (*.onnx) each package's tests load."""
        if self.testdata is None:
            return {}
        return {p.name: p.read_bytes() for p in sorted(self.testdata.glob("*.onnx"))}

    def lang(self, language: str) -> dict:
        return self.options.get(language, {})

    @property
    def header_display(self) -> str:
        """The header's path as errors show it (relative to the project)."""
        try:
            return str(self.header.relative_to(self.root))
        except ValueError:
            return str(self.header)


def load_config(start: Path | None = None, file: Path | None = None) -> Config:
    """Read [tool.bindgen] from `file`, or from the nearest pyproject.toml upward of `start`."""
    if file is None:
        here = (start or Path.cwd()).resolve()
        for d in [here, *here.parents]:
            if (d / "pyproject.toml").is_file():
                file = d / "pyproject.toml"
                break
        else:
            raise BindgenError(str(here), "no pyproject.toml with a [tool.bindgen] table found")
    data = tomllib.loads(file.read_text())
    table = data.get("tool", {}).get("bindgen")
    if table is None:
        raise BindgenError(str(file), "no [tool.bindgen] table")
    root = file.parent.resolve()
    for key in ("name", "header", "prefix"):
        if key not in table:
            raise BindgenError(str(file), f"[tool.bindgen] needs '{key}'")
    languages = table.get("languages", ["c", "go", "java", "swift", "python"])
    return Config(
        root=root, name=table["name"], header=root / table["header"], prefix=table["prefix"],
        output=root / table.get("output", "generated"),
        native=root / table["native"] if "native" in table else None,
        languages=list(languages),
        testdata=root / table["testdata"] if "testdata" in table else None,
        options={k: v for k, v in table.items() if isinstance(v, dict)})
