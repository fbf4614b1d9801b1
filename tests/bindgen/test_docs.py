"""The annotation language is documented completely, and the documented examples parse."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bindgen.annotations import PARAM_ATTRS, RETURN_ATTRS, TAGS, BindgenError
from bindgen.cli import EXAMPLE
from bindgen.config import load_config
from bindgen.go import GoOracle
from bindgen.parse import parse_header
from bindgen.render import load_api

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "bindgen" / "README.md").read_text()


@pytest.fixture(scope="module")
def help_text():
    res = subprocess.run([sys.executable, "-m", "bindgen", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0
    return res.stdout


@pytest.mark.parametrize("word", [f"@{t}" for t in TAGS] + sorted(PARAM_ATTRS.keys() | RETURN_ATTRS.keys()))
def test_every_tag_and_attribute_is_documented(word, help_text):
    assert re.search(rf"`[^`]*{re.escape(word)}\b", README), f"{word} is not in bindgen/README.md"
    assert word in help_text


def test_help_mentions_configuration_and_declarations(help_text):
    for word in ("--config", "--output", "bindgen.toml", "sources", "typedef R (*x_fn)", "@flags"):
        assert word in help_text


def parse_text(tmp_path, text, prefix):
    path = tmp_path / "example.h"
    path.write_text(text)
    return parse_header(path, prefix, "example", "example.h")


def test_help_example_parses(tmp_path):
    code = "\n".join(line[2:] for line in EXAMPLE.splitlines()[1:])
    api = parse_text(tmp_path, "#include <stdint.h>\n#include <stdbool.h>\n#include <stddef.h>\n" + code, "my_")
    run = api.function("my_parser_run")
    assert [(p.name, p.role) for p in run.params] == [
        ("parser", "handle"), ("text", "array_in"), ("size", "count"), ("fn", "callback"),
        ("ctx", "user_data"), ("summary", "out_string")]
    assert run.kind == "method" and run.blocking and run.throws


def test_readme_example_parses(tmp_path):
    code = README.split("### Examples", 1)[1].split("```c\n", 1)[1].split("```", 1)[0]
    api = parse_text(tmp_path, "#include <stdint.h>\n#include <stdbool.h>\n#include <stddef.h>\n" + code, "kv_")
    kinds = {f.name: (f.kind, f.short_name) for f in api.functions}
    assert kinds["kv_store_new"] == ("factory", "new")
    assert kinds["kv_string_free"] == ("deallocator", "string_free")
    assert kinds["kv_scale"] == ("function", "scale")
    values = api.function("kv_store_values")
    assert [p.role for p in values.params] == ["handle", "array_out", "capacity", "length"]
    compact = api.function("kv_store_compact")
    assert [p.name for p in compact.visible_params] == ["progress", "origin"] and compact.blocking
    assert api.enums[1].flags and api.structs[0].name == "kv_point"


def test_go_names_for_project_templates():
    """Project templates reach Go names by C name; one the binding lacks fails in bindgen."""
    cfg = load_config(file=ROOT / "pyproject.toml")
    o = GoOracle(load_api(cfg), cfg)
    assert [o.name(c) for c in ("pred_model_load", "pred_model", "PRED_ERR_STATE", "PRED_VERSION")] == [
        "LoadModel", "Model", "StatusErrState", "HeaderVersion"]
    with pytest.raises(BindgenError, match="go: the binding has no pred_model_frobnicate"):
        o.name("pred_model_frobnicate")
