"""Where bindgen reads its configuration: what to generate, and where.

Either the [tool.bindgen] table of a pyproject.toml (found upward from the
current folder), or a standalone TOML file (conventionally bindgen.toml)
with the same keys at top level, selected with `bindgen --config FILE`.
Paths are relative to the file's folder.

    name = "predict"                      # the library's name (packages, error class, ...)
    header = "native/include/predict.h"   # the annotated header (the source of truth)
    prefix = "pred_"                      # stripped from C names in bindings
    output = "generated"                  # one folder per language below it
    languages = ["c", "go", "java", "swift", "python", "js"]
    native = "native"                     # optional: engine sources to amalgamate ("c")
    sources = ["lib.c"]                   # optional, instead of native: C files the
                                          # packages carry and compile as they are
    testdata = "tests/data"               # optional: files copied into each package's tests
    templates = "tests/templates"         # optional: the project's own templates (its package
                                          # tests, ...): <templates>/<lang>/<path>.j2 -> <path>
    libraries = ["z"]                     # optional: system libraries every package links
    overlay = "zlib.overlay.toml"         # optional: annotations kept beside the header
                                          # (bindgen/overlay.py), or an [overlay] table here

A header written `<zlib.h>` is a system header, read through the C
preprocessor (parse.py says why).

    [go]                                  # per language ([tool.bindgen.go] in pyproject.toml),
    module = "..."                        # read by bindgen/<lang>.py; every language also
    output = "go-pkg"                     # takes output= (default <output>/<lang>)
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .annotations import BindgenError
from .overlay import Overlay

# The languages bindgen implements: "c" (amalgamate.py) and a backend bindgen/<lang>.py each.
LANGUAGES = ("c", "go", "java", "swift", "python", "js")
KEYS = {"name", "header", "prefix", "output", "languages", "native", "sources", "testdata", "templates",
        "libraries", "overlay"}


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
    templates: Path | None = None   # the project's own templates (render.project_files)
    options: dict[str, dict] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    file: Path | None = None
    libraries: list[str] = field(default_factory=list)   # system libraries packages link
    overlay: Overlay | None = None
    system_header: str | None = None   # "zlib.h" for header = "<zlib.h>"
    languages_at: str = ""   # `file:line` of languages= (errors about the selection point there)

    def select(self, languages: list[str] | None = None) -> list[str]:
        """The languages to generate: `languages` (default: the configured ones), each
        configured, hence implemented (load_config checked)."""
        for lang in languages or []:
            if lang not in LANGUAGES:
                raise BindgenError(lang, f"unknown language (bindgen implements: {', '.join(LANGUAGES)})")
            if lang not in self.languages:
                raise BindgenError(self.languages_at or str(self.file),
                                   f"{lang} is not among the configured languages "
                                   f"({', '.join(self.languages)})")
        return list(languages or self.languages)

    def testdata_files(self) -> dict[str, bytes]:
        """{name: bytes} of the test data files (*.onnx) each package's tests load."""
        if self.testdata is None:
            return {}
        return {p.name: p.read_bytes() for p in sorted(self.testdata.glob("*.onnx"))}

    def lang(self, language: str) -> dict:
        return self.options.get(language, {})

    def out_dir(self, language: str) -> Path:
        """Where a language's files go: its output= option, else <output>/<language>."""
        own = self.lang(language).get("output")
        return self.root / own if own else self.output / language

    @property
    def header_display(self) -> str:
        """The header's path as errors show it (relative to the project)."""
        if self.system_header:   # as templates #include it
            return self.system_header
        try:
            return str(self.header.relative_to(self.root))
        except ValueError:
            return str(self.header)


def _find_pyproject(start: Path | None) -> Path:
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        if (d / "pyproject.toml").is_file():
            return d / "pyproject.toml"
    raise BindgenError(str(here), "no pyproject.toml with a [tool.bindgen] table found "
                                  "(or pass --config bindgen.toml)")


def _locate(file: Path, text: str, *patterns: str) -> str:
    """`file:line` of the line matching the last pattern, each searched from the line of
    the one before (tomllib gives no positions); `file` alone when one is not found."""
    lines, at = text.splitlines(), 0
    for pattern in patterns:
        at = next((i for i in range(at, len(lines)) if re.search(pattern, lines[i])), None)
        if at is None:
            return str(file)
    return f"{file}:{at + 1}"


def load_config(start: Path | None = None, file: Path | None = None,
                output: Path | None = None) -> Config:
    """Read `file` (pyproject.toml or a standalone file), or the nearest pyproject.toml
    upward of `start`; `output` overrides the output folder."""
    file = file or _find_pyproject(start)
    try:
        text = file.read_text()
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BindgenError(str(file), f"cannot read the configuration: {e}") from None
    if file.name == "pyproject.toml":
        table, where = data.get("tool", {}).get("bindgen"), "[tool.bindgen]"
        if table is None:
            raise BindgenError(str(file), "no [tool.bindgen] table")
        table_at, prefix = (r"^\s*\[\s*tool\.bindgen\s*\]",), r"(?:tool\.bindgen\.)?"
    else:
        table, where = data, "the configuration"
        table_at, prefix = (), ""

    def at(*patterns: str) -> str:   # file:line in the table
        return _locate(file, text, *table_at, *patterns)
    root = file.parent.resolve()
    for key in ("name", "header", "prefix"):
        if key not in table:
            raise BindgenError(str(file), f"{where} needs '{key}'")
    # nothing is silently ignored: a misspelt key is an error
    for key, value in table.items():
        if isinstance(value, dict) and key not in LANGUAGES and key != "overlay":
            raise BindgenError(at(rf"^\s*\[\s*{prefix}{re.escape(key)}\s*\]"),
                               f"{where}: unknown language table [{key}] "
                               f"(bindgen implements: {', '.join(LANGUAGES)})")
        if not isinstance(value, dict) and key not in KEYS:
            raise BindgenError(at(rf"^\s*{re.escape(key)}\s*="), f"{where}: unknown key '{key}' "
                                                             f"(expected: {', '.join(sorted(KEYS))})")
    languages = list(table.get("languages", LANGUAGES))
    for lang in languages:
        if lang not in LANGUAGES:
            raise BindgenError(at(r"^\s*languages\s*=", rf"""["']{re.escape(lang)}["']"""),
                               f"{where}: unknown language '{lang}' "
                               f"(bindgen implements: {', '.join(LANGUAGES)})")
    if "native" in table and "sources" in table:
        raise BindgenError(str(file), f"{where}: give native= (amalgamated) or sources=, not both")
    system = re.fullmatch(r"<([\w./+-]+)>", table["header"])
    header = Path(system.group(1)) if system else root / table["header"]
    if not system and not header.is_file():
        raise BindgenError(str(file), f"{where}: header {table['header']}: no such file")
    sources = [root / s for s in table.get("sources", [])]
    for s in sources:
        if not s.is_file():
            raise BindgenError(str(file), f"{where}: source {s.relative_to(root)}: no such file")
    options = {k: dict(v) for k, v in table.items() if isinstance(v, dict) and k in LANGUAGES}
    if output is not None:   # one folder for everything: per-language folders give way
        for opts in options.values():
            opts.pop("output", None)
    overlay = None
    if isinstance(table.get("overlay"), dict):
        overlay = _overlay(file, root, text, table["overlay"], table_at + (rf"^\s*\[\s*{prefix}overlay\s*\]",))
    elif "overlay" in table:
        ofile = root / table["overlay"]
        try:
            otext = ofile.read_text()
            odata = tomllib.loads(otext)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise BindgenError(at(r"^\s*overlay\s*="), f"cannot read the overlay: {e}") from None
        overlay = _overlay(ofile, root, otext, odata, ())
    return Config(
        root=root, name=table["name"], header=header, prefix=table["prefix"],
        output=output.resolve() if output else root / table.get("output", "generated"),
        native=root / table["native"] if "native" in table else None,
        languages=languages,
        testdata=root / table["testdata"] if "testdata" in table else None,
        templates=root / table["templates"] if "templates" in table else None,
        options=options,
        sources=sources, file=file, languages_at=at(r"^\s*languages\s*="),
        libraries=list(table.get("libraries", [])), overlay=overlay,
        system_header=system.group(1) if system else None)


def _overlay(file: Path, root: Path, text: str, table: dict, table_at: tuple[str, ...]) -> Overlay:
    """The overlay in `table` (of `file`, whose text is `text`), with each key's line."""
    lines = {}
    for key in table:
        k = re.escape(key)
        coord = _locate(file, text, *table_at, rf"""^\s*(["']{k}["']|{k})\s*=""")
        lines[key] = int(coord.rpartition(":")[2]) if ":" in coord else 0
    display = str(file.relative_to(root)) if file.is_relative_to(root) else str(file)
    return Overlay(file, display, table, text, lines)
