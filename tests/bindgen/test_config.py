"""The configuration: [tool.bindgen] in pyproject.toml, or a standalone bindgen.toml."""
import dataclasses
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bindgen import render
from bindgen.annotations import BindgenError
from bindgen.cli import main
from bindgen.config import load_config

ROOT = Path(__file__).resolve().parents[2]
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
    assert re.match(re.escape(str(lib / "bindgen.toml")) + r"(:\d+)?: ", str(e.value))
    assert message in str(e.value)


@pytest.mark.parametrize("name, text, line", [
    ("bindgen.toml", 'name = "m"\nheader = "mini.h"\nprefix = "mini_"\nlanguages = ["python",\n  "ruby"]\n', 5),
    ("bindgen.toml", 'name = "m"\nheader = "mini.h"\nprefix = "mini_"\n[ruby]\npackage = "x"\n', 4),
    ("pyproject.toml", '[project]\nname = "x"\n[tool.bindgen]\nname = "m"\nheader = "mini.h"\n'
                       'prefix = "mini_"\nlanguages = ["ruby"]\n', 7),
    ("pyproject.toml", '[project]\nname = "x"\n[tool.bindgen]\nname = "m"\nheader = "mini.h"\n'
                       'prefix = "mini_"\n[tool.bindgen.ruby]\nmodule = "x"\n', 7),
    ("pyproject.toml", '[project]\nname = "x"\n[tool.bindgen]\nname = "m"\nheader = "mini.h"\n'
                       'prefix = "mini_"\nname2 = 1\n', 7),
])
def test_unknown_language_in_the_configuration_is_an_error_at_its_line(lib, capsys, name, text, line):
    """A language bindgen does not implement (ruby, say) is refused where the
    configuration names it, as file:line, with exit status 2 and no traceback."""
    config = lib / name
    config.write_text(text)
    assert main(["--config", str(config), "all"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bindgen: error: {config}:{line}: ") and "Traceback" not in err


def test_unknown_language_on_the_command_line(lib, capsys):
    toml = write(lib / "bindgen.toml", """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        sources = ["mini.c"]
        languages = ["python"]
        """)
    assert main(["--config", str(toml), "all", "ruby"]) == 2
    err = capsys.readouterr().err
    assert err == "bindgen: error: ruby: unknown language (bindgen implements: c, go, java, swift, python, js)\n"
    assert main(["--config", str(toml), "all", "--check", "go"]) == 2   # implemented, not configured
    assert capsys.readouterr().err == (f"bindgen: error: {toml}:5: go is not among the configured "
                                       "languages (python)\n")


def test_unknown_command_exits_without_traceback():
    res = subprocess.run([sys.executable, "-m", "bindgen", "go", "--lang", "foo"], capture_output=True,
                         text=True, cwd=ROOT)
    assert res.returncode == 2 and "invalid choice: 'go'" in res.stderr and "Traceback" not in res.stderr


def test_pyproject_needs_the_table(lib):
    with pytest.raises(BindgenError, match=r"no \[tool.bindgen\] table"):
        load_config(file=write(lib / "pyproject.toml", "[project]\nname = 'x'\n"))


def test_cli_reports_configuration_errors(lib, capsys):
    toml = write(lib / "bindgen.toml", 'name = "m"\n')
    assert main(["--config", str(toml), "ir"]) == 2
    assert "needs 'header'" in capsys.readouterr().err


def test_project_templates_add_and_replace_files(lib, tmp_path_factory):
    """templates=: <templates>/<lang>/<path>.j2 renders into <lang>'s output at <path>, with the
    language's own context; it may replace a generated file, and extend bindgen's template."""
    (lib / "tpl" / "python" / "tests").mkdir(parents=True)
    (lib / "tpl" / "python" / "tests" / "notes.txt.j2").write_text('{{ banner("# ") }}\n{{ o.package }}\n')
    (lib / "tpl" / "python" / "pyproject.toml.j2").write_text(
        '{% extends "cython/pyproject.toml.j2" %}\n')
    (lib / "tpl" / "python" / "setup.py.j2").write_text("# the project's own\n")
    toml = write(lib / "bindgen.toml", """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        sources = ["mini.c"]
        languages = ["python"]
        templates = "tpl"
        """)
    out = tmp_path_factory.mktemp("gen")
    cfg = load_config(file=toml, output=out)
    files, plain = render.render(cfg), render.render(dataclasses.replace(cfg, templates=None))
    base = out / "python"
    assert files[base / "tests" / "notes.txt"] == "# Generated by bindgen from mini.h; do not edit.\nmini\n"
    assert files[base / "setup.py"] == "# the project's own\n"
    assert files[base / "pyproject.toml"] == plain[base / "pyproject.toml"]


def test_java_main_class(lib, tmp_path_factory):
    """[java] main_class= becomes the jar manifest's Main-Class (`java -jar` runs it); a class the
    package does not have is an error at generation, not at `java -jar` on a user's machine."""
    (lib / "tpl" / "java" / "src" / "main" / "java" / "org" / "mini").mkdir(parents=True)
    (lib / "tpl" / "java" / "src" / "main" / "java" / "org" / "mini" / "Tool.java.j2").write_text(
        "package org.mini;\npublic final class Tool {}\n")
    base = """\
        name = "mini"
        header = "mini.h"
        prefix = "mini_"
        sources = ["mini.c"]
        languages = ["java"]
        templates = "tpl"
        [java]
        package = "org.mini"
        """
    out = tmp_path_factory.mktemp("gen")
    manifest = re.compile(r"^printf '(.*)' > build/manifest.txt$", re.M)
    files = render.render(load_config(file=write(lib / "plain.toml", base), output=out))
    assert "Main-Class" not in manifest.search(files[out / "java" / "build.sh"]).group(1)
    files = render.render(load_config(file=write(lib / "main.toml", base + 'main_class = "org.mini.Tool"\n'),
                                      output=out))
    assert manifest.search(files[out / "java" / "build.sh"]).group(1).endswith(r"\nMain-Class: org.mini.Tool\n")
    with pytest.raises(BindgenError) as e:
        render.render(load_config(file=write(lib / "bad.toml", base + 'main_class = "org.mini.Tol"\n'),
                                  output=out))
    assert "main_class = 'org.mini.Tol'" in str(e.value) and "src/main/java/org/mini/Tol.java" in str(e.value)
