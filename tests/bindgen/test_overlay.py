"""Overlays (annotations kept beside a header) and headers nobody wrote for bindgen:
the same IR as in-header annotations, skipped declarations with reasons, file:line errors."""
import textwrap

import pytest

from bindgen.annotations import BindgenError
from bindgen.cli import main, report
from bindgen.config import load_config
from bindgen.parse import parse_header
from bindgen.render import load_api

# A header in the style of a system library: no doc comments, no prefix, typedef chains.
HEADER = """\
#include <stddef.h>
typedef unsigned long ulong_t;
typedef ulong_t ulongf_t;
typedef unsigned char byte_t;
#define LIB_OK 0
#define LIB_ERR_ARG (-2)
#define LIB_ERR_ROOM (-5)
#define LIB_LEVEL 9
#define LIB_NAME "lib"
typedef struct lib_box lib_box;
lib_box *lib_box_new(int size);
void lib_box_free(lib_box *box);
int lib_box_size(const lib_box *box);
ulong_t lib_sum(ulong_t start, const byte_t *buf, unsigned int len);
int lib_pack(byte_t *dest, ulongf_t *destLen, const byte_t *src, ulong_t srcLen);
const char *lib_version(void);
int lib_printf(const char *format, ...);
ulong_t lib_twice(ulong_t x);
"""


def project(tmp_path, overlay: str, header: str = HEADER):
    (tmp_path / "lib.h").write_text(header)
    (tmp_path / "bindgen.toml").write_text(textwrap.dedent("""\
        name = "lib"
        header = "lib.h"
        prefix = ""
        languages = ["python"]
        overlay = "overlay.toml"
        """))
    (tmp_path / "overlay.toml").write_text(textwrap.dedent(overlay))
    return load_config(file=tmp_path / "bindgen.toml")


def api_of(tmp_path, overlay: str, header: str = HEADER):
    return load_api(project(tmp_path, overlay, header))


def error_of(tmp_path, overlay: str, header: str = HEADER) -> str:
    with pytest.raises(BindgenError) as e:
        api_of(tmp_path, overlay, header)
    return str(e.value)


FULL = '''\
lib_status = """Status of the calls that can fail.
@defines LIB_OK LIB_ERR_*
@errors ok=LIB_OK closed=LIB_ERR_ARG"""
lib_box = "A box. @handle free=lib_box_free"
"lib_box_new" = "Makes a box. @param size Its size. @return [owned, nullable] The box."
"lib_box_*.box" = "The box."
"lib_sum.buf" = "[count=len] The bytes."
"lib_pack" = """Packs src into dest.
@param[out] dest [count=destLen] Receives the packed bytes.
@param[in,out] destLen The room; receives how much was written.
@param src [count=srcLen] What to pack.
@return [enum=lib_status] LIB_OK or LIB_ERR_ROOM."""
lib_version = "@return [static] The version."
'''


def test_overlay_feeds_the_same_ir_as_annotations(tmp_path):
    api = api_of(tmp_path, FULL)
    names = {f.name: f for f in api.functions}
    assert set(names) >= {"lib_box_new", "lib_box_size", "lib_sum", "lib_pack", "lib_version", "lib_twice"}
    assert names["lib_box_new"].kind == "factory" and names["lib_box_size"].kind == "method"
    assert names["lib_box_free"].kind == "destructor"
    assert [(p.name, p.role) for p in names["lib_sum"].params] == [
        ("start", "value"), ("buf", "array_in"), ("len", "count")]
    # typedef chains end at the scalar, keeping the header's name for it
    start = names["lib_sum"].param("start").type
    assert (start.name, start.spelling) == ("uint64_t", "ulong_t")
    assert names["lib_sum"].param("buf").type.pointee.name == "uint8_t"
    # the glob's parameter doc reached every member of the family that has `box`
    assert names["lib_box_size"].param("box").doc == "The box."


def test_defines_make_an_enum_and_errors_map_to_it(tmp_path):
    api = api_of(tmp_path, FULL)
    status = api.enum("lib_status")
    assert status.macros and status.is_error and status.closed == "LIB_ERR_ARG"
    assert [(m.name, m.value) for m in status.members] == [
        ("LIB_OK", 0), ("LIB_ERR_ARG", -2), ("LIB_ERR_ROOM", -5)]
    assert {c.name for c in api.constants} == {"LIB_LEVEL", "LIB_NAME"}   # members left them
    assert api.function("lib_pack").throws


def test_in_out_count_sizes_and_cuts_its_array(tmp_path):
    pack = api_of(tmp_path, FULL).function("lib_pack")
    dest, dest_len = pack.param("dest"), pack.param("destLen")
    assert dest.role == "array_out" and dest.length == "destLen"
    assert dest_len.role == "capacity" and dest_len.type.kind == "pointer"
    assert [p.name for p in pack.visible_params] == ["destLen", "src"]


def test_unannotated_declarations_are_bound_or_skipped_with_a_reason(tmp_path):
    api = api_of(tmp_path, "lib_version = \"@return [static] The version.\"\n")
    bound = {f.name for f in api.functions}
    assert "lib_twice" in bound and "lib_version" in bound      # values only: safe as they are
    skipped = {s.name: s.reason for s in api.skipped}
    assert "variadic" in skipped["lib_printf"]
    assert "count=" in skipped["lib_sum"]                       # a pointer without a size
    assert "needs '@handle free=FUNCTION'" in skipped["lib_box"]
    assert skipped["lib_box_new"].startswith("uses lib_box, which is skipped (")   # never half-bound
    assert skipped["lib_box_free"] and skipped["lib_box_size"]
    assert not bound & set(skipped)
    assert "lib_printf" in report(api) and "variadic" in report(api)


def test_report_command(tmp_path, capsys):
    project(tmp_path, FULL)
    assert main(["--config", str(tmp_path / "bindgen.toml"), "report"]) == 0
    out = capsys.readouterr().out
    assert "lib_pack" in out.split("skipped:")[0]
    assert "lib_printf" in out.split("skipped:")[1]


@pytest.mark.parametrize("overlay, line, message", [
    ('lib_twice = "Doubles."\nlib_nothing = "Nothing."\n', 2, "overlay entry 'lib_nothing': no lib_nothing in lib.h"),
    ('"lib_twice.y" = "No such parameter."\n', 1, "no parameter 'y' of lib_twice"),
    ('"zzz_*" = "A family of nothing."\n', 1, "overlay entry 'zzz_*'"),
    ('lib_twice = "@param x [count=y] Bad."\n', 1, "lib_twice: parameter 'x'"),
    ('lib_twice = """Doubles.\n@param x The number.\n@return [enum=nope] Twice."""\n', 3, "enum=nope: no such enum"),
    ('lib_st = "@defines NOPE_*"\n', 1, "@defines NOPE_*: no integer #define"),
    ('lib_twice = 3\n', 1, "expected the annotation text"),
])
def test_overlay_errors_point_at_the_overlay(tmp_path, overlay, line, message):
    err = error_of(tmp_path, overlay)
    assert err.startswith(f"overlay.toml:{line}: ") and message in err, err


def test_inline_overlay_table(tmp_path):
    (tmp_path / "lib.h").write_text(HEADER)
    (tmp_path / "bindgen.toml").write_text(textwrap.dedent("""\
        name = "lib"
        header = "lib.h"
        prefix = ""

        [overlay]
        lib_version = "@return [static] The version."
        lib_oops = "No such function."
        """))
    with pytest.raises(BindgenError) as e:
        load_api(load_config(file=tmp_path / "bindgen.toml"))
    assert str(e.value).startswith("bindgen.toml:7: overlay entry 'lib_oops'")


def test_header_annotations_stay_strict_without_an_overlay(tmp_path):
    path = tmp_path / "x.h"
    path.write_text("/** Twice. @param x X. */\nunsigned long x_twice(unsigned long x);\n"
                    "int x_bare(int y);\n")
    with pytest.raises(BindgenError, match="x.h:3: function x_bare has no doc comment"):
        parse_header(path, "x_", "x", "x.h")


def test_system_header_through_the_preprocessor():
    if not __import__("pathlib").Path("/usr/include/zlib.h").is_file():
        pytest.skip("zlib1g-dev is not installed")
    api = parse_header("zlib.h", "", "zlib", system=True)
    names = {f.name for f in api.functions}
    assert {"compressBound", "zlibCompileFlags"} <= names   # values only: bound unannotated
    skipped = {s.name: s for s in api.skipped}
    assert skipped["gzprintf"].reason.endswith("variadic functions are not supported")
    assert skipped["deflateInit"].reason == "a function-like macro"
    assert skipped["deflate"].coord.startswith("/usr/include/zlib.h:")
    assert any(c.name == "Z_BEST_COMPRESSION" and c.value == 9 for c in api.constants)


CALLBACK_HEADER = """\
#include <stdint.h>
typedef int (*cb_visit_fn)(void *ctx, int32_t value);
typedef enum cb_mode { CB_READ = 1, CB_WRITE = 2, CB_BOTH = 3 } cb_mode;
int cb_walk(cb_visit_fn visit, void *ctx, cb_mode mode);
"""


def test_callbacks_and_flags_in_an_overlay(tmp_path):
    api = api_of(tmp_path, '''\
        cb_visit_fn = """Called for each value.
        @param ctx [user_data] The context.
        @param value The value.
        @return 0 to go on."""
        cb_mode = "What to do. @flags"
        "cb_walk" = """Walks the values. @blocking
        @param visit [user_data=ctx] Called for each.
        @param ctx Passed to visit.
        @param mode What to do."""
        ''', CALLBACK_HEADER)
    cb = api.callback("cb_visit_fn")
    assert cb.user_data == "ctx" and cb.doc.summary == "Called for each value."
    assert api.enum("cb_mode").flags
    walk = api.function("cb_walk")
    assert walk.blocking and [(p.name, p.role) for p in walk.params] == [
        ("visit", "callback"), ("ctx", "user_data"), ("mode", "value")]


def test_skip_leaves_a_family_out_with_the_reason(tmp_path):
    api = api_of(tmp_path, '"lib_box*" = "@skip not exported by this build"\n')
    skipped = {s.name: s for s in api.skipped}
    for name in ("lib_box", "lib_box_new", "lib_box_free", "lib_box_size"):
        assert skipped[name].reason == "not exported by this build"
    assert not any(f.name.startswith("lib_box") for f in api.functions)


def test_sqlite_header_as_installed():
    if not __import__("pathlib").Path("/usr/include/sqlite3.h").is_file():
        pytest.skip("libsqlite3-dev is not installed")
    api = parse_header("sqlite3.h", "sqlite3_", "sqlite", system=True)
    assert {"sqlite3_libversion_number", "sqlite3_threadsafe"} <= {f.name for f in api.functions}
    skipped = {s.name: s.reason for s in api.skipped}
    assert skipped["sqlite3_config"].endswith("variadic functions are not supported")
    assert skipped["sqlite3_open_v2"].startswith("uses sqlite3, which is skipped")
    assert any(c.name == "SQLITE_ROW" and c.value == 100 for c in api.constants)


def test_structs_fields_and_constants_by_name(tmp_path):
    header = HEADER + "typedef struct lib_point { double x; double y; } lib_point;\n" \
                      "lib_point lib_origin(void);\n"
    api = api_of(tmp_path, '''\
        lib_point = "A point."
        "lib_point.x" = "Horizontal."
        LIB_LEVEL = "The best level."
        ''', header)
    point = api.struct("lib_point")
    assert point.doc.summary == "A point." and [(f.name, f.doc) for f in point.fields] == [
        ("x", "Horizontal."), ("y", "")]
    assert next(c for c in api.constants if c.name == "LIB_LEVEL").doc.summary == "The best level."
    assert api.function("lib_origin").returns.type.kind == "struct"
