"""The zlib example (examples/zlib): the system's <zlib.h> as installed, annotated by an
overlay, bound in Python, Go, Java and Swift, each checked against an independent zlib.

The oracles: Python's zlib module (here, and for Swift through files), Go's compress/zlib
and hash/crc32 (examples/zlib/templates/go/zlib_test.go.j2), java.util.zip
(templates/java/.../ZlibTest.java.j2). Each language's package is generated into pytest's
cache folder, where only changed files are rewritten, so a second run reuses its builds.
"""
from __future__ import annotations

import re
import shlex
import zlib
from pathlib import Path

import pytest

from bindgen.cli import main
from packages import (ROOT, generate as generate_in, go, java, python_package, require, run,
                      run_under_sanitizers, swift)

CONFIG = ROOT / "examples" / "zlib" / "bindgen.toml"
SAMPLE = b"bindgen binds zlib; " * 500 + bytes([0, 1, 255])   # as the package tests' sample()

pytestmark = pytest.mark.skipif(not Path("/usr/include/zlib.h").is_file(),
                                reason="zlib1g-dev is not installed (tools/setup.sh installs it)")


def generate(home: Path, lang: str) -> Path:
    return generate_in(CONFIG, home, lang)


@pytest.fixture(scope="module")
def home(request) -> Path:
    return Path(request.config.cache.mkdir("zlib-example"))


# -- what bindgen makes of the header ----------------------------------------------

def test_report_lists_what_is_skipped_and_why(capsys):
    assert main(["--config", str(CONFIG), "report"]) == 0
    out = capsys.readouterr().out
    bound = out.split("skipped:")[0]
    for name in ("compress2", "uncompress", "crc32", "adler32", "zlibVersion", "zlib_status"):
        assert name in bound
    assert "gzprintf" in out and "variadic functions are not supported" in out
    assert "deflateInit  " in out and "a function-like macro" in out
    assert "deflateInit_  " in out and "is called through the macro deflateInit()" in out


# -- the tutorial of bindgen/README.md ---------------------------------------------------

def tutorial() -> list[tuple[str, str, str]]:
    """(marker, language, text) of each code block of the tutorial; marker is the file a
    `<!-- snippet: FILE -->` block belongs to, else ""."""
    readme = (ROOT / "bindgen" / "README.md").read_text()
    section = readme.split("## Tutorial: binding a library you did not write")[1].split("\n## ")[0]
    blocks = re.findall(r"(?:<!-- snippet: (\S+) -->\n)?```(\w*)\n(.*?)```", section, re.S)
    assert len(blocks) >= 10
    return blocks


def test_tutorial_snippets_are_the_example_the_tests_run():
    for marker, _, text in tutorial():
        if marker:
            assert text in (ROOT / marker).read_text(), f"{marker} does not hold:\n{text}"


def test_tutorial_commands(tmp_path, capsys):
    commands = [t for m, lang, t in tutorial() if lang == "sh"]
    report_cmd, generate_cmd = commands
    shown = next(t for m, lang, t in tutorial() if lang == "" and "skipped" not in t and "zlib.h" in t)
    assert main(shlex.split(report_cmd)[3:]) == 0            # python -m bindgen ...
    out = capsys.readouterr().out
    for line in shown.strip().splitlines():
        assert line.strip() in out
    args = shlex.split(generate_cmd.replace("/tmp/zlib", str(tmp_path)))[3:]
    assert main(args) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"python", "go", "java", "swift"}


# -- the overlay's inline C, alone under the sanitizers ----------------------------------

HARNESS = r"""
#include <assert.h>
#include <stdio.h>
#include <zlib.h>
#include "prelude.h"

int main(void)
{
    static uint8_t text[300000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)("bindgen binds zlib; "[i % 20] ^ (i / 4096));
    deflate_stream *d;
    assert(deflate_stream_new(9, &d) == Z_OK);
    for (size_t at = 0; at < sizeof text; at += 70000) {
        size_t n = sizeof text - at < 70000 ? sizeof text - at : 70000;
        assert(deflate_stream_push(d, text + at, n, at + n == sizeof text ? Z_FINISH : Z_NO_FLUSH) == Z_OK);
    }
    assert(deflate_stream_push(d, text, 1, Z_NO_FLUSH) == Z_STREAM_ERROR);   /* after the end */
    size_t size = deflate_stream_pending(d), taken, half;
    static uint8_t packed[300000], back[300000];
    deflate_stream_take(d, packed, size / 2, &half);            /* in two parts */
    deflate_stream_take(d, packed + half, sizeof packed - half, &taken);
    assert(half == size / 2 && half + taken == size && deflate_stream_pending(d) == 0);
    deflate_stream_free(d);
    deflate_stream_free(NULL);

    inflate_stream *f;
    assert(inflate_stream_new(&f) == Z_OK);
    for (size_t at = 0; at < size; at += 1000)
        assert(inflate_stream_push(f, packed + at, size - at < 1000 ? size - at : 1000) == Z_OK);
    assert(inflate_stream_finished(f) && inflate_stream_pending(f) == sizeof text);
    inflate_stream_take(f, back, sizeof back, &taken);
    assert(taken == sizeof text && memcmp(back, text, sizeof text) == 0);
    inflate_stream_free(f);

    assert(inflate_stream_new(&f) == Z_OK);
    assert(inflate_stream_push(f, (const uint8_t *)"not zlib at all", 15) == Z_DATA_ERROR);
    inflate_stream_free(f);
    assert(deflate_stream_new(42, &d) == Z_STREAM_ERROR && d == NULL);
    puts("ok");
    return 0;
}
"""


def test_inline_c_under_sanitizers(tmp_path):
    """The streams' C, compiled strictly and run under ASan (leaks included) and UBSan."""
    assert run_under_sanitizers(CONFIG, HARNESS, tmp_path) == "ok\n"


# -- Python ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zb(home):
    with python_package(CONFIG, home, "zlib_bindgen") as package:
        yield package


def test_python_checksums_match_zlib(zb):
    assert zb.crc32(0, SAMPLE) == zlib.crc32(SAMPLE)
    assert zb.adler32(1, SAMPLE) == zlib.adler32(SAMPLE)
    assert zb.crc32(zb.crc32(0, SAMPLE[:100]), SAMPLE[100:]) == zlib.crc32(SAMPLE)


def test_python_round_trips_with_zlib(zb):
    packed = zb.compress2(SAMPLE, 9)
    assert len(packed) < len(SAMPLE) and zlib.decompress(packed) == SAMPLE
    assert zb.uncompress(len(SAMPLE), zlib.compress(SAMPLE)) == SAMPLE
    assert zb.compressBound(len(SAMPLE)) >= len(packed)
    assert zb.zlibVersion().split(".")[0] == zlib.ZLIB_RUNTIME_VERSION.split(".")[0]


def test_python_errors_name_the_status(zb):
    with pytest.raises(zb.ZlibError) as e:
        zb.uncompress(10, zlib.compress(SAMPLE))
    assert e.value.status == zb.ZlibStatus.Z_BUF_ERROR
    assert str(e.value) == "Z_BUF_ERROR: uncompress failed"   # the C function, by name
    with pytest.raises(zb.ZlibError) as e:
        zb.uncompress(100, b"not zlib at all")
    assert e.value.status == zb.ZlibStatus.Z_DATA_ERROR
    with pytest.raises(zb.ZlibError) as e:
        zb.compress2(SAMPLE, 42)
    assert e.value.status == zb.ZlibStatus.Z_STREAM_ERROR
    with pytest.raises((ValueError, OverflowError)):
        zb.uncompress(-1, b"x")


def test_python_streams_round_trip_with_zlib(zb):
    from zlib_bindgen import streams
    assert zlib.decompress(streams.compress(SAMPLE, 9)) == SAMPLE
    assert streams.decompress(zlib.compress(SAMPLE)) == SAMPLE
    with streams.Compressor(6) as c:   # in pieces, flushed in the middle
        packed = b"".join(c.compress(SAMPLE[i:min(i + 777, 3000)]) for i in range(0, 3000, 777))
        packed += c.flush(finish=False)
        assert zlib.decompressobj().decompress(packed) == SAMPLE[:3000]   # decodable so far
        packed += c.compress(SAMPLE[3000:]) + c.flush()
    assert zlib.decompress(packed) == SAMPLE
    whole = zlib.compress(SAMPLE)
    with streams.Decompressor() as d:   # a byte at a time
        assert b"".join(d.decompress(whole[i:i + 1]) for i in range(len(whole))) == SAMPLE
        assert d.eof
    with pytest.raises(zb.ZlibError, match="truncated"):
        streams.decompress(whole[:-10])
    with pytest.raises(zb.ZlibError) as e:
        streams.decompress(b"not zlib at all")
    assert e.value.status == zb.ZlibStatus.Z_DATA_ERROR


def test_tutorial_python(zb):
    (code,) = [t for m, lang, t in tutorial() if lang == "python"]
    exec(compile(code, "bindgen/README.md (tutorial)", "exec"), {})


def test_python_streams_refuse_use_after_close(zb):
    stream = zb.DeflateStream(1)
    stream.close()
    stream.close()   # twice is harmless
    with pytest.raises(zb.ZlibError) as e:
        stream.push(b"x", zb.Z_NO_FLUSH)
    assert e.value.status == zb.ZlibStatus.Z_STREAM_ERROR and "closed" in e.value.message


# -- Go, Java, Swift: their own tests, against their own oracles -------------------------

def test_go(home):
    tool = go()
    run([tool, "vet", "./..."], generate(home, "go"), 300)
    run([tool, "test", "./..."], generate(home, "go"), 300)


def test_java(home):
    java()
    res = run(["sh", "build.sh", "test"], generate(home, "java"), 600)
    assert "0 tests failed" in res.stdout and " 0 tests successful" not in res.stdout


def test_swift(home, tmp_path):
    tool = swift()
    require("swift", None if tool else "swift is not on PATH or in /opt/swift")
    (tmp_path / "sample.zlib").write_bytes(zlib.compress(SAMPLE))
    (tmp_path / "sample.sums").write_text(f"{zlib.crc32(SAMPLE)} {zlib.adler32(SAMPLE)}")
    res = run([tool, "test"], generate(home, "swift"), 900, ZLIB_ORACLE_DIR=str(tmp_path))
    assert "Executed 7 tests, with 0 failures" in res.stdout + res.stderr
    for name in ("swift.zlib", "swift-data.zlib"):   # what Swift compressed, read by Python
        assert zlib.decompress((tmp_path / name).read_bytes()) == SAMPLE
