"""The IR of the fixture headers: the roles, kinds and nodes other backends build on.

Each expectation restates what the annotations in tests/fixtures/<name>/<name>.h
say, so a change in how the parser reads them shows here first.
"""
from pathlib import Path

import pytest

from bindgen import support
from bindgen.annotations import BindgenError
from bindgen.config import load_config
from bindgen.parse import parse_header
from bindgen.render import load_api, make_env

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
NAMES = sorted(p.parent.name for p in FIXTURES.glob("*/bindgen.toml"))


def api(name: str):
    return load_api(load_config(file=FIXTURES / name / "bindgen.toml"))


def roles(f) -> list[tuple[str, str]]:
    return [(p.name, p.role) for p in f.params]


def test_every_fixture_is_complete():
    assert set(NAMES) >= {"arithmetic", "strings", "buffers", "enums", "structs", "handles",
                          "callbacks", "nullable", "constants"}
    for name in NAMES:
        for part in (f"{name}.h", f"{name}.c", f"test_{name}.py"):
            assert (FIXTURES / name / part).is_file(), f"{name}/{part}"


def test_strings():
    a = api("strings")
    assert a.function("str_free").kind == "deallocator" and roles(a.function("str_free")) == [("s", "freed")]
    concat = a.function("str_concat").returns
    assert (concat.ownership, concat.free) == ("owned", "str_free")
    out = a.function("str_repeat").param("out")
    assert (out.role, out.ownership, out.free) == ("out_string", "owned", "str_free")
    assert a.function("str_weekday").param("name").ownership == "static"
    assert a.function("str_builder_peek").param("text").ownership == "borrowed"
    hexa = a.function("str_color_hex").returns
    assert (hexa.ownership, hexa.nullable) == ("static", True)
    assert roles(a.function("str_upper")) == [("s", "string"), ("buffer", "array_out"),
                                              ("capacity", "count"), ("length", "length")]
    assert [p.name for p in a.function("str_upper").outputs] == ["buffer"]


def test_buffers():
    a = api("buffers")
    axpy = a.function("buf_axpy")
    assert roles(axpy) == [("a", "value"), ("x", "array_in"), ("y", "array_in"),
                           ("result", "array_out"), ("count", "count")]
    assert axpy.param("count").arrays == ["x", "y", "result"]
    assert [p.name for p in axpy.visible_params] == ["a", "x", "y"]
    ramp = a.function("buf_ramp")
    assert ramp.param("count").role == "capacity" and [p.name for p in ramp.visible_params] == [
        "start", "step", "count"]
    assert roles(a.function("buf_primes"))[1:] == [("primes", "array_out"), ("capacity", "capacity"),
                                                   ("found", "length")]
    rev = a.function("buf_reverse")
    assert roles(rev) == [("values", "array_inout"), ("count", "count"), ("sum", "out_value")]
    assert [p.name for p in rev.visible_params] == ["values"] and [p.name for p in rev.outputs] == ["sum"]


def test_enums_and_structs():
    a = api("enums")
    assert [e.flags for e in a.enums] == [False, True] and a.error_enum is None
    # what names a combination: the one-bit members, not NONE (0) nor ALL (a union)
    assert [m.name for m in a.enum("en_perm").bits] == ["EN_PERM_READ", "EN_PERM_WRITE", "EN_PERM_EXECUTE"]
    assert a.function("en_perm_revoke").param("perms").role == "inout_value"
    s = api("structs")
    assert [(st.name, [(f.name, f.type.kind) for f in st.fields]) for st in s.structs] == [
        ("geo_point", [("x", "scalar"), ("y", "scalar")]),
        ("geo_rect", [("min", "struct"), ("max", "struct")]),
        ("geo_shape", [("kind", "enum"), ("size", "scalar"), ("layer", "scalar"), ("filled", "scalar"),
                       ("id", "scalar")])]
    move = s.function("geo_point_move")
    assert [(p.role, p.type.kind, p.nullable) for p in move.params] == [
        ("struct", "struct", False), ("struct", "pointer", True)]
    assert s.function("geo_point_add").returns.type.kind == "struct"
    assert s.function("geo_rect_intersect").param("overlap").role == "out_value"
    inflate = s.function("geo_rect_inflate")
    assert inflate.param("rect").role == "inout_value"
    assert [p.name for p in inflate.visible_params] == ["rect", "margin"]
    assert [p.name for p in inflate.outputs] == ["rect"]


def test_handles():
    a = api("handles")
    kinds = {f.name: (f.kind, f.handle, f.short_name) for f in a.functions}
    assert kinds["kv_store_new"] == ("factory", "kv_store", "new")
    assert kinds["kv_store_named"] == ("factory", "kv_store", "named")
    assert kinds["kv_store_copy"] == ("method", "kv_store", "copy")   # returns a new handle
    assert kinds["kv_cursor_create"] == ("factory", "kv_cursor", "create")
    new = a.function("kv_store_new")
    assert new.returns_handle and (new.returns.ownership, new.returns.null_status) == (
        "owned", "KV_ERR_MEMORY")
    assert a.function("kv_cursor_create").param("store").retained
    fallback = a.function("kv_store_set_fallback").param("fallback")
    assert (fallback.retained, fallback.nullable) == (True, True)
    key = a.function("kv_cursor_next").param("key")
    assert (key.role, key.ownership, key.nullable) == ("out_string", "borrowed", True)


def test_callbacks():
    a = api("callbacks")
    log = a.callback("cb_log_fn")
    assert (log.user_data, roles(log)) == ("user_data", [("user_data", "user_data"), ("level", "value"),
                                                         ("message", "string")])
    assert [p.name for p in log.visible_params] == ["level", "message"]
    progress = a.callback("cb_progress_fn")
    assert progress.user_data == "user_data" and progress.returns.type.name == "bool"
    assert roles(a.callback("cb_chunk_fn"))[1:] == [("chunk", "array_in"), ("size", "count")]
    logger = a.function("cb_set_logger")
    assert roles(logger) == [("logger", "callback"), ("context", "user_data")]
    assert (logger.param("logger").user_data, logger.param("logger").scope) == ("context", "stored")
    count = a.function("cb_count")
    assert count.param("progress").scope == "call" and not count.blocking
    assert [p.name for p in count.visible_params] == ["total", "progress"]
    assert a.function("cb_count_in_threads").blocking   # @blocking
    assert a.function("cb_emitter_listen").kind == "method"


def test_nullable_and_constants():
    a = api("nullable")
    assert a.function("nl_item_maybe").param("out").nullable
    assert a.function("nl_item_copy").returns.nullable
    assert a.function("nl_item_path").param("path").free == "nl_free"
    assert a.function("nl_apply").param("fn").nullable
    c = api("constants")
    assert {x.name: x.kind for x in c.constants}["CST_PI"] == "float"
    assert c.abi == {"constant": "CST_ABI_VERSION", "function": "cst_abi_version", "value": 7}
    assert c.error_enum is None and not c.handles


def test_predict_uses_only_what_every_backend_implements():
    """Beyond the baseline, predict.h uses a struct, an enum value and a nullable struct
    (the image options): every backend must implement each construct it uses."""
    predict = parse_header(ROOT / "native" / "include" / "predict.h", "pred_", "predict")
    used = {construct for construct, _ in support.constructs(predict)}
    for lang, supported in support.SUPPORTED.items():
        assert used - supported == set(), lang


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["go", "java", "swift"])
def test_backends_refuse_what_they_do_not_implement(name, lang):
    """Every backend renders a fixture or names the first construct it lacks, at its line."""
    import importlib
    cfg = load_config(file=FIXTURES / name / "bindgen.toml")
    a = load_api(cfg)
    missing = support.unsupported(a, lang)
    module = importlib.import_module(f"bindgen.{lang}")
    if not missing:
        module.files(a, cfg, make_env(cfg), {})
        return
    with pytest.raises(BindgenError) as e:
        module.files(a, cfg, make_env(cfg), {})
    what, coord = missing[0]
    assert str(e.value).startswith(f"{coord}: {lang}: {what}: not supported yet")
    assert coord.startswith(f"{name}.h:")
