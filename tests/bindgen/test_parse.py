"""The header parser: roles, kinds, docs, and file:line errors for bad input."""
import textwrap

import pytest

from bindgen.annotations import BindgenError
from bindgen.parse import parse_header

PRELUDE = """\
#include <stddef.h>
/** Status. @errors ok=X_OK closed=X_ERR_CLOSED */
typedef enum x_status { X_OK = 0, X_ERR = 1, X_ERR_CLOSED = 2 } x_status;
/** A thing. @handle free=x_thing_free */
typedef struct x_thing x_thing;
/** Frees. @param t [nullable] The thing. */
void x_thing_free(x_thing *t);
"""


def parse(tmp_path, body: str):
    path = tmp_path / "x.h"
    path.write_text(PRELUDE + textwrap.dedent(body))
    return parse_header(path, "x_", "x", "x.h")


def error(tmp_path, body: str) -> str:
    with pytest.raises(BindgenError) as e:
        parse(tmp_path, body)
    return str(e.value)


PRELUDE_LINES = PRELUDE.count("\n")


def test_predict_header_parses():
    api = parse_header("native/include/predict.h", "pred_", "predict")
    kinds = {f.name: (f.kind, f.handle, f.short_name) for f in api.functions}
    assert kinds["pred_model_load"] == ("factory", "pred_model", "load")
    assert kinds["pred_session_create"] == ("factory", "pred_session", "create")
    assert kinds["pred_session_run"] == ("method", "pred_session", "run")
    assert kinds["pred_model_free"] == ("destructor", "pred_model", "free")
    assert kinds["pred_version"] == ("function", None, "version")
    assert api.error_enum.name == "pred_status" and api.error_enum.closed == "PRED_ERR_STATE"
    assert api.abi == {"constant": "PRED_ABI_VERSION", "function": "pred_abi_version", "value": 1}
    get = api.function("pred_session_get_output")
    assert [(p.name, p.role) for p in get.params] == [
        ("session", "handle"), ("index", "value"), ("data", "array_out"), ("count", "count")]
    assert get.param("data").alloc_call == {"function": "pred_session_output_size",
                                            "args": ["session", "index"]}
    shape = api.function("pred_model_input_shape")
    assert shape.param("dims").alloc == "PRED_MAX_DIMS" and shape.param("ndim").role == "length"
    assert [p.name for p in shape.outputs] == ["dims"]
    assert [p.name for p in shape.visible_params] == ["index"]
    assert api.function("pred_session_create").param("model").retained


def test_roles_and_docs(tmp_path):
    api = parse(tmp_path, """
        /**
         * Makes a thing.
         *
         * More words.
         *
         * @param[in] name The name,
         *     continued on the next line.
         * @param[in] data [count=n] Numbers.
         * @param n How many.
         * @param[out] out [owned] The thing.
         * @return X_OK or an error.
         */
        x_status x_thing_make(const char *name, const float *data, size_t n, x_thing **out);
        """)
    f = api.function("x_thing_make")
    assert (f.kind, f.handle, f.short_name, f.throws) == ("factory", "x_thing", "make", True)
    assert [p.role for p in f.params] == ["string", "array_in", "count", "out_handle"]
    assert f.doc.summary == "Makes a thing." and f.doc.body == "More words."
    assert f.param("name").doc == "The name, continued on the next line."
    assert f.param("out").owned


@pytest.mark.parametrize("body, line, message", [
    ("/** F. @param a [frobnicate] A. */\nvoid x_f(int a);", 1, "unknown annotation 'frobnicate'"),
    ("/** F. @param[sideways] a A. */\nvoid x_f(int a);", 1, "bad direction"),
    ("/** F. */\nvoid x_f(int a);", 2, "parameter 'a' is not documented"),
    ("/** F. @param b B. */\nvoid x_f(void);", 1, "@param b: x_f has no such parameter"),
    ("void x_f(void);", 1, "function x_f has no doc comment"),
    ("/** F. @param a A. */\nvoid x_f(const float *a);", 1, "needs [in] with count="),
    ("/** F. @param a [count=n] A. @param n N. */\nvoid x_f(const float *a, int n);", 2,
     "must name an unsigned integer parameter"),
    ("/** F. @param[out] a [count=n] A. @param n N. */\nx_status x_f(float *a, size_t n);", 1,
     "needs alloc="),
    ("/** F. @param a A. */\nvoid x_f(int a, ...);", 2, "variadic functions are not supported"),
    ("/** F. @param cb C. */\nvoid x_f(void (*cb)(int));", 2, "function pointers are not supported"),
    ("/** U. */\ntypedef union x_u { int a; float b; } x_u;", 2, "only enums and opaque structs"),
    ("/** F. @return R. */\nconst char *x_f(void);", 2, "needs [static], [borrowed] or [owned]"),
    ("/** F. @frob */\nvoid x_f(void);", 1, "unknown tag '@frob'"),
    ("#define X_THING (1 << 2)", 1, "must be an integer or string literal"),
    ("#if 1\n#endif", 1, "conditional compilation is not supported"),
    ("#pragma once", 1, "unsupported preprocessor directive '#pragma'"),
])
def test_errors_name_file_and_line(tmp_path, body, line, message):
    text = error(tmp_path, body)
    assert text.startswith(f"x.h:{PRELUDE_LINES + line}: "), text
    assert message in text


def test_syntax_error_has_coordinates(tmp_path):
    assert error(tmp_path, "/** F. */\nvoid x_f(int a b);").startswith(f"x.h:{PRELUDE_LINES + 2}:")


def test_cplusplus_block_and_constants(tmp_path):
    api = parse(tmp_path, """
        #ifdef __cplusplus
        extern "C" {
        #endif
        /** The answer. */
        #define X_ANSWER 42
        /** A name. */
        #define X_NAME "x"
        #ifdef __cplusplus
        }
        #endif
        """)
    assert [(c.name, c.value, c.kind) for c in api.constants] == [
        ("X_ANSWER", 42, "int"), ("X_NAME", "x", "string")]
