"""The configuration: [tool.bindgen] in pyproject.toml, or a standalone bindgen.toml."""
import json
import textwrap

import pytest

from bindgen.annotations import BindgenError
from bindgen.cli import main
from bindgen.config import load_config

HEADER = """\
/** mini: a test library. */
#include <stdint.h>
/** Adds. @param a A. @param b B. @return The sum. */
int32_t mini_add(int32_t a, int32_t b);
"""


@pytest.fixture
def lib(tmp_path):
    (tmp_path / "mini.h").write_text(HEADER)
    (tmp_path / "mini.c").write_text('#include "mini.h"\nint32_t mini_add(int32_t a, int32_t b) { return a + b; }\n')
    return tmp_path


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_standalone_file(lib):
    cfg = load_config(file=write(lib / "bindgen.toml", """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        sources = ["mini.c"]
        languages = ["python"]
        [python]
        package = "minipkg"
        output = "py"
        """))
    assert (cfg.name, cfg.header, cfg.prefix, cfg.languages) == ("mini", lib / "mini.h", "mini_", ["python"])
    assert cfg.sources == [lib / "mini.c"] and cfg.native is None
    assert cfg.lang("python")["package"] == "minipkg"
    assert cfg.out_dir("python") == lib / "py"            # its own output=
    assert cfg.out_dir("go") == lib / "generated" / "go"  # the default
    assert cfg.header_display == "mini.h"


def test_output_override_wins_over_every_folder(lib, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    cfg = load_config(file=write(lib / "b.toml", """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        [python]
        output = "py"
        """), output=out)
    assert cfg.out_dir("python") == out / "python"


def test_cli_config_and_output(lib, tmp_path_factory, capsys):
    toml = write(lib / "bindgen.toml", """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        sources = ["mini.c"]
        languages = ["python"]
        """)
    out = tmp_path_factory.mktemp("gen")
    assert main(["--config", str(toml), "--output", str(out), "all"]) == 0
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert made == ["python/csrc/mini.c", "python/csrc/mini.h", "python/mini/__init__.py",
                    "python/mini/_mini.pyi", "python/mini/_mini.pyx", "python/mini/py.typed",
                    "python/pyproject.toml", "python/setup.py"]
    assert main(["--config", str(toml), "--output", str(out), "all", "--check"]) == 0
    capsys.readouterr()
    assert main(["--config", str(toml), "ir"]) == 0
    assert json.loads(capsys.readouterr().out)["functions"][0]["name"] == "mini_add"


@pytest.mark.parametrize("text, message", [
    ('name = "m"\nheader = "mini.h"\n', "needs 'prefix'"),
    ('name = "m"\nheader = "mini.h"\nprefix = "mini_"\nlanguage = ["go"]\n', "unknown key 'language'"),
    ('name = "m"\nheader = "mini.h"\nprefix = "mini_"\n[cobol]\npackage = "x"\n', "unknown language table [cobol]"),
    ('name = "m"\nheader = "mini.h"\nprefix = "mini_"\nlanguages = ["cobol"]\n', "unknown language 'cobol'"),
    ('name = "m"\nheader = "nope.h"\nprefix = "mini_"\n', "header nope.h: no such file"),
    ('name = "m"\nheader = "mini.h"\nprefix = "mini_"\nsources = ["nope.c"]\n', "source nope.c: no such file"),
    ('name = "m"\nheader = "mini.h"\nprefix = "mini_"\nnative = "n"\nsources = ["mini.c"]\n', "not both"),
    ('name = "m"\nheader = \n', "cannot read the configuration"),
])
def test_bad_configuration(lib, text, message):
    with pytest.raises(BindgenError) as e:
        load_config(file=write(lib / "bindgen.toml", text))
    assert str(e.value).startswith(str(lib / "bindgen.toml") + ": ") and message in str(e.value)


def test_pyproject_needs_the_table(lib):
    with pytest.raises(BindgenError, match=r"no \[tool.bindgen\] table"):
        load_config(file=write(lib / "pyproject.toml", "[project]\nname = 'x'\n"))


def test_cli_reports_configuration_errors(lib, capsys):
    toml = write(lib / "bindgen.toml", 'name = "m"\n')
    assert main(["--config", str(toml), "ir"]) == 2
    assert "needs 'header'" in capsys.readouterr().err
