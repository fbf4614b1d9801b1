"""bindgen all / --check / ir on a small project of its own."""
import json
import subprocess
import sys
import textwrap

import pytest

from bindgen.cli import main

HEADER = """\
/** tiny: a test library. */
#include <stdint.h>
/** ABI. */
#define TINY_ABI_VERSION 3
/** Adds. @param a A. @param b B. @return The sum. */
int32_t tiny_add(int32_t a, int32_t b);
/** ABI version. @return The ABI version. */
int tiny_abi_version(void);
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "tiny.h").write_text(HEADER)
    (tmp_path / "native" / "src").mkdir(parents=True)
    (tmp_path / "native" / "src" / "util.h").write_text("#ifndef U\n#define U\nstatic int one(void) { return 1; }\n#endif\n")
    (tmp_path / "native" / "src" / "add.c").write_text(
        '#include "util.h"\n#include "tiny.h"\nint32_t tiny_add(int32_t a, int32_t b) { return a + b + one() - 1; }\n')
    (tmp_path / "native" / "src" / "abi.c").write_text(
        '#include "util.h"\n#include "tiny.h"\nint tiny_abi_version(void) { return TINY_ABI_VERSION; }\n')
    (tmp_path / "native" / "sources.txt").write_text("# order matters\nsrc/add.c\nsrc/abi.c\n")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.bindgen]
        name = "tiny"
        header = "include/tiny.h"
        prefix = "tiny_"
        native = "native"
        languages = ["c"]
        """))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_all_then_check(project, capsys):
    assert main(["all"]) == 0
    c = (project / "generated" / "c" / "predict.c").read_text()
    # one marker per source; the shared header inlined once
    assert c.count("/**** Begin file native/src/add.c ****/") == 1
    assert c.count("static int one(void)") == 1
    assert '#include "' not in c
    assert "do not edit" in c.splitlines()[1]
    assert main(["all", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_lists_stale_and_missing(project, capsys):
    assert main(["all"]) == 0
    (project / "generated" / "c" / "predict.c").write_text("edited by hand\n")
    (project / "generated" / "c" / "predict.h").unlink()
    capsys.readouterr()
    assert main(["all", "--check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "stale: generated/c/predict.c" in out
    assert "missing: generated/c/predict.h" in out


def test_check_after_source_change(project, capsys):
    assert main(["all"]) == 0
    (project / "native" / "src" / "abi.c").write_text((project / "native" / "src" / "abi.c").read_text() + "\n")
    assert main(["all", "--check"]) == 1
    assert "stale: generated/c/predict.c" in capsys.readouterr().out


def test_amalgamation_compiles(project):
    assert main(["all"]) == 0
    res = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c",
                          "generated/c/predict.c", "-o", "tiny.o"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_header_error_exit_code(project, capsys):
    (project / "include" / "tiny.h").write_text(HEADER + "int32_t tiny_sub(int32_t a);\n")
    assert main(["all"]) == 2
    assert "include/tiny.h:9: function tiny_sub has no doc comment" in capsys.readouterr().err


def test_missing_source_listed(project, capsys):
    (project / "native" / "sources.txt").write_text("src/gone.c\n")
    assert main(["all"]) == 2
    assert "sources.txt:1: src/gone.c: no such file" in capsys.readouterr().err


def test_ir_json(project, capsys):
    assert main(["ir"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"name", "prefix", "header", "doc", "constants", "enums", "structs", "handles",
                        "callbacks", "functions", "abi", "skipped", "c_prelude"}
    add = next(f for f in doc["functions"] if f["name"] == "tiny_add")
    assert [p["role"] for p in add["params"]] == ["value", "value"]
    assert add["params"][0]["type"] == {"kind": "scalar", "name": "int32_t", "const": False, "pointee": None,
                                        "spelling": ""}
    assert add["coord"] == "include/tiny.h:6"
    assert doc["abi"]["value"] == 3


def test_console_script_help():
    res = subprocess.run([sys.executable, "-m", "bindgen", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "count=P" in res.stdout
