"""The shared cases of the zlib and SQLite examples (examples/<lib>/cases.json), run by each
language's runner (generated from the example's templates: python/cases.py, go/cmd/cases,
Java's Cases class, Swift's <Module>Cases executable), compared with an independent oracle
(Python's zlib and sqlite3 modules, here) and with one another.

Each runner writes {"results": [...]}, one result per case, in the case file's order; the
examples' READMEs give the format. The oracle computes every field except the messages of
the bindings' own errors, which must instead be the same in every language.
"""
from __future__ import annotations

import json
import re
import sqlite3
import sys
import zlib
from pathlib import Path

import pytest

from packages import ROOT, generate, go, java, python_package, require, run, swift

LIBS = {name: ROOT / "examples" / name for name in ("zlib", "sqlite")}
HEADERS = {"zlib": "/usr/include/zlib.h", "sqlite": "/usr/include/sqlite3.h"}
MODULES = {"zlib": "Zlib", "sqlite": "Sqlite"}
LANGS = ("python", "go", "java", "swift")


def cases(lib: str) -> list[dict]:
    return json.loads((LIBS[lib] / "cases.json").read_text(encoding="utf-8"))["cases"]


# -- the oracle: Python's zlib --------------------------------------------------------

Z_STREAM_ERROR, Z_DATA_ERROR, Z_BUF_ERROR, Z_FINISH = -2, -3, -5, 4


def zlib_data(case: dict) -> bytes:
    raw = bytes.fromhex(case["hex"]) if "hex" in case else case["text"].encode()
    return raw * case.get("repeat", 1)


def zlib_pieces(raw: bytes, size: int) -> list[bytes]:
    return [raw[at:at + size] for at in range(0, len(raw), size)] or [b""]


def zlib_inflate(raw: bytes, chunk: int) -> dict:
    stream = zlib.decompressobj()
    try:
        out = b"".join(stream.decompress(piece) for piece in zlib_pieces(raw, chunk))
    except zlib.error as e:   # "Error -3 while decompressing data: ..."
        return {"error": {"status": int(re.match(r"Error (-?\d+)", str(e))[1])}}
    return {"out": out.hex(), "finished": stream.eof}


def zlib_expect(case: dict) -> dict:
    raw, op = zlib_data(case), case["op"]
    if op == "compress":
        if not -1 <= case["level"] <= 9:   # deflateInit refuses the level
            return {"error": {"status": Z_STREAM_ERROR}}
        return {"packed": zlib.compress(raw, case["level"]).hex(), "back": raw.hex()}
    if op == "uncompress":
        # uncompress() reports a corrupt or an incomplete stream as Z_DATA_ERROR (zlib.h)
        try:
            out = zlib.decompress(raw)
        except zlib.error:
            return {"error": {"status": Z_DATA_ERROR}}
        return {"error": {"status": Z_BUF_ERROR}} if len(out) > case["size"] else {"out": out.hex()}
    if op in ("crc32", "adler32"):
        return {"value": getattr(zlib, op)(raw, case["start"])}
    if op == "stream":
        stream, parts = zlib.compressobj(case["level"]), zlib_pieces(raw, case["chunk"])
        packed = b""
        for i, piece in enumerate(parts):
            packed += stream.compress(piece)
            flush = Z_FINISH if i == len(parts) - 1 else case["flush"]
            packed += stream.flush(flush) if flush else b""
        return {"packed": packed.hex(), "back": raw.hex(), "finished": True}
    if op == "inflate":
        return zlib_inflate(raw, case["chunk"])
    raise ValueError(f"unknown op {op!r}")


# -- the oracle: Python's sqlite3 --------------------------------------------------------

def sqlite_value(value):
    if value is None:
        return None
    (kind, v), = value.items()
    return bytes.fromhex(v) if kind == "blob" else v


def sqlite_tagged(value):
    kinds = {int: "int", float: "real", str: "text", bytes: "blob"}
    return None if value is None else {kinds[type(value)]: value.hex() if isinstance(value, bytes) else value}


def sqlite_step(con: sqlite3.Connection, step: dict) -> dict:
    try:
        if "exec" in step:
            con.executescript(step["exec"])
            return {}
        if "exec_rows" in step:   # sqlite3_exec passes every value as text
            cur = con.execute(step["exec_rows"])
            names = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
            assert all(type(v) in (int, str, type(None)) for row in rows for v in row), "text, integers, nulls only"
            return {"values": [[r, names[c], None if v is None else str(v)]
                               for r, row in enumerate(rows) for c, v in enumerate(row)]}
        rows = con.execute(step["query"], [sqlite_value(v) for v in step.get("params", [])]).fetchall()
        return {"rows": [[sqlite_tagged(v) for v in row] for row in rows]}
    except sqlite3.Error as e:
        # the module reports the extended code; the bindings, as sqlite3_exec and friends, the primary
        return {"error": {"status": e.sqlite_errorcode & 0xFF, "message": str(e)}}


def sqlite_expect(case: dict) -> dict:
    con = sqlite3.connect(":memory:", isolation_level=None)
    try:
        return {"steps": [sqlite_step(con, step) for step in case["steps"]]}
    finally:
        con.close()


ORACLES = {"zlib": zlib_expect, "sqlite": sqlite_expect}


# -- the runners ------------------------------------------------------------------------

def run_python(lib: str, home: Path, cases_json: Path, out: Path) -> None:
    with python_package(LIBS[lib] / "bindgen.toml", home, f"{lib}_bindgen") as module:
        package = Path(module.__file__).parents[1]   # built in place: cases.py sits beside it
        run([sys.executable, "cases.py", str(cases_json), str(out)], package, 120)


def run_go(lib: str, home: Path, cases_json: Path, out: Path) -> None:
    tool = go()
    run([tool, "run", "./cmd/cases", str(cases_json), str(out)],
        generate(LIBS[lib] / "bindgen.toml", home, "go"), 300)


def run_java(lib: str, home: Path, cases_json: Path, out: Path) -> None:
    java()
    package = generate(LIBS[lib] / "bindgen.toml", home, "java")
    run(["sh", "build.sh"], package, 300)
    sources = sorted(str(p) for p in package.glob("src/test/java/**/Case*.java"))
    run(["javac", "--release", "17", "-encoding", "UTF-8", "-d", "build/cases", "-cp", f"build/{lib}.jar",
         *sources], package, 300)
    run(["java", "-Xcheck:jni", "-cp", f"build/{lib}.jar:build/cases", f"dev.bindgen.{lib}.Cases",
         str(cases_json), str(out)], package, 120)


def run_swift(lib: str, home: Path, cases_json: Path, out: Path) -> None:
    tool = swift()
    require("swift", None if tool else "swift is not on PATH or in /opt/swift")
    product = f"{MODULES[lib]}Cases"
    run([tool, "run", product, str(cases_json), str(out)], generate(LIBS[lib] / "bindgen.toml", home, "swift"), 900)


RUNNERS = {"python": run_python, "go": run_go, "java": run_java, "swift": run_swift}


# -- the comparisons -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def outputs() -> dict:
    """(lib, lang) -> the runner's results, each run once per module."""
    return {}


def results(outputs: dict, request, tmp_path_factory, lib: str, lang: str) -> list[dict]:
    if (lib, lang) not in outputs:
        if not Path(HEADERS[lib]).is_file():
            pytest.skip(f"{HEADERS[lib]} is not installed (tools/setup.sh installs it)")
        home = Path(request.config.cache.mkdir(f"{lib}-example"))
        out = tmp_path_factory.mktemp(f"{lib}-{lang}") / "out.json"
        RUNNERS[lang](lib, home, LIBS[lib] / "cases.json", out)
        outputs[lib, lang] = json.loads(out.read_text(encoding="utf-8"))["results"]
    return outputs[lib, lang]


def without_messages(result: dict) -> dict:
    if "error" not in result:
        return result
    return {**result, "error": {"status": result["error"]["status"]}}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lib", sorted(LIBS))
def test_runner_agrees_with_the_oracle(outputs, request, tmp_path_factory, lib, lang):
    got = results(outputs, request, tmp_path_factory, lib, lang)
    listed = cases(lib)
    assert [r["name"] for r in got] == [c["name"] for c in listed]
    for case, result in zip(listed, got):
        expected = {"name": case["name"], **ORACLES[lib](case)}
        if lib == "zlib":   # the oracle does not know the bindings' own messages
            result = without_messages(result)
        assert result == expected, f"{lang}, case {case['name']!r}"


@pytest.mark.parametrize("lang", LANGS[1:])
@pytest.mark.parametrize("lib", sorted(LIBS))
def test_runners_agree_with_one_another(outputs, request, tmp_path_factory, lib, lang):
    """Everything, messages included, as Python's runner gave it."""
    assert results(outputs, request, tmp_path_factory, lib, lang) == \
        results(outputs, request, tmp_path_factory, lib, "python")
