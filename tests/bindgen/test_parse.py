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
    assert get.param("data").shape_call == {"function": "pred_session_output_shape",
                                            "args": ["session", "index"]}
    assert api.function("pred_session_set_input").param("data").shape_call == {
        "function": "pred_session_input_shape", "args": ["session", "index"]}


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


STRUCT = "/** S. */\ntypedef struct x_s { int a; } x_s;\n"
CALLBACK = "/** C. @param u [user_data] U. */\ntypedef void (*x_cb)(void *u);\n"


@pytest.mark.parametrize("body, line, message", [
    ("/** F. @param a [frobnicate] A. */\nvoid x_f(int a);", 1, "unknown annotation 'frobnicate'"),
    ("/** F. @param[sideways] a A. */\nvoid x_f(int a);", 1, "bad direction"),
    ("/** F. */\nvoid x_f(int a);", 2, "parameter 'a' is not documented"),
    ("/** F. @param b B. */\nvoid x_f(void);", 1, "@param b: x_f has no such parameter"),
    ("void x_f(void);", 1, "function x_f has no doc comment"),
    ("/** F. @param a A. */\nvoid x_f(const float *a);", 1, "needs [in] with count="),
    ("/** F. @param a [count=n] A. @param n N. */\nvoid x_f(const float *a, int n);", 2,
     "must name an unsigned integer parameter"),
    ("/** F. @param[out] a [count=n, alloc=4] A. @param b [count=n] B. @param n N. */\n"
     "void x_f(float *a, const float *b, size_t n);", 2, "'a' needs no alloc=: it has the length of 'b'"),
    ("/** F. @param a [count=n, alloc=4] A. @param n N. */\nvoid x_f(const float *a, size_t n);", 1,
     "alloc and length apply to [out] arrays"),
    ("/** F. @param[out] a [count=n, alloc=x_g(s)] A. @param n N. @param s S. */\n"
     "void x_f(float *a, size_t n, const char *s);\n/** G. @param s S. @return N. */\nsize_t x_g(const char *s);",
     2, "alloc argument 's' must be a value or handle parameter"),
    ("/** F. @param[out] a [count=n, alloc=x_g()] A. @param n N. */\n"
     "void x_f(float *a, size_t n);\n/** G. @return N. */\nfloat x_g(void);", 2,
     "alloc=x_g(...) must return an integer"),
    ("/** F. @param a [count=n, shape=4] A. @param n N. */\nvoid x_f(const float *a, size_t n);", 1,
     "shape=4: give a call f(a, b), on an array of numbers"),
    ("/** F. @param a [count=n, shape=x_g(n)] A. @param n N. */\nvoid x_f(const char *a, size_t n);", 1,
     "on an array of numbers"),
    ("/** F. @param[out] a [count=n, alloc=4, length=w, shape=x_g()] A. @param n N. @param[out] w W. */\n"
     "void x_f(float *a, size_t n, size_t *w);", 1, "shape= gives all the dimensions of an array length= cuts"),
    ("/** F. @param a [count=n, shape=x_g(n)] A. @param n N. */\nvoid x_f(const float *a, size_t n);\n"
     "/** G. @param k K. @param[out] d [count=c, length=r] D. @param c C. @param[out] r R. */\n"
     "void x_g(int k, int64_t *d, size_t c, size_t *r);", 2, "with alloc=N or CONST (the most dimensions) and length="),
    ("/** F. @param a [count=n, shape=x_g()] A. @param n N. */\nvoid x_f(const float *a, size_t n);", 2,
     "shape=x_g(...) of 'a': no such function"),
    ("/** F. @param a [count=n, shape=x_g()] A. @param n N. */\nvoid x_f(const float *a, size_t n);\n"
     "/** G. @return N. */\nsize_t x_g(void);", 2, "x_g must return the dimensions as its one output"),
    ("/** F. @param a [count=n, shape=x_g(k)] A. @param n N. @param k K. */\n"
     "void x_f(const float *a, size_t n, int k);\n"
     "/** G. @param[out] d [count=c, alloc=8, length=r] D. @param c C. @param[out] r R. */\n"
     "void x_g(int64_t *d, size_t c, size_t *r);", 2, "x_g takes 0 arguments, 1 given"),
    ("/** F. @param a [count=n, shape=x_g(n)] A. @param n N. */\nvoid x_f(const float *a, size_t n);\n"
     "/** G. @param k K. @param[out] d [count=c, alloc=8, length=r] D. @param c C. @param[out] r R. */\n"
     "void x_g(int k, int64_t *d, size_t c, size_t *r);", 2, "'n' must be a value or handle parameter"),
    ("/** F. @param a [count=n, shape=x_g(k)] A. @param n N. @param k K. */\n"
     "void x_f(const float *a, size_t n, double k);\n"
     "/** G. @param k K. @param[out] d [count=c, alloc=8, length=r] D. @param c C. @param[out] r R. */\n"
     "void x_g(int k, int64_t *d, size_t c, size_t *r);", 2, "'k' is a double, x_g takes a int there"),
    ("/** F. @param[out] t T. @return S. */\nx_status x_thing_make(x_thing **t);", 2,
     "x_thing_make: an [out] handle must be [owned]"),
    ("/** F. @param[in,out] a [count=n] A. @param n N. */\nvoid x_f(const float *a, size_t n);", 1,
     "an [in,out] array cannot point to const"),
    ("/** F. @param[out] s S. */\nvoid x_f(char *s);", 1, "an [out] char * is a buffer"),
    ("/** F. @param a A. */\nvoid x_f(int a, ...);", 2, "variadic functions are not supported"),
    # unsupported C constructs
    ("/** F. @param cb C. */\nvoid x_f(void (*cb)(int));", 2, "function pointers need a typedef"),
    ("/** U. */\ntypedef union x_u { int a; float b; } x_u;", 2, "union x_u: unions are not supported"),
    ("/** S. */\ntypedef struct x_s {\n    int a : 3;\n} x_s;", 3, "bit-field 'a' is not supported"),
    ("/** S. */\ntypedef struct x_s { int a[4]; } x_s;", 2, "array field 'a' is not supported"),
    ("/** S. */\ntypedef struct x_s { const char *name; } x_s;", 2, "pointer field 'name' is not supported"),
    ("/** A. */\ntypedef int x_id;", 2, "no type aliases"),
    ("/** V. */\nextern int x_count;", 2, "global variable x_count"),
    ("struct x_s { int a; };", 1, "declare structs, unions and enums with typedef"),
    ("#define X_MAX(a, b) ((a) > (b) ? (a) : (b))", 1, "function-like macros are not supported"),
    ("#define X_FEATURE", 1, "#define X_FEATURE has no value"),
    ("#define X_THING (1 << 2)", 1, "must be an integer, floating-point or string literal"),
    ("#if 1\n#endif", 1, "conditional compilation is not supported"),
    ("#pragma once", 1, "unsupported preprocessor directive '#pragma'"),
    # types and their annotations
    ("typedef struct x_s { int a; } x_s;", 1, "struct x_s has no doc comment"),
    ("/** S. @handle free=x_thing_free */\ntypedef struct x_s { int a; } x_s;", 2,
     "@handle applies to opaque structs"),
    ("/** E. @flags */\ntypedef enum x_e { X_E_A = 1, X_E_B = 3 } x_e;", 2,
     "X_E_B = 3 is neither 0, one bit, nor a union of other members"),
    ("/** E. @errors ok=X_E_OK */\ntypedef enum x_e { X_E_OK = 0 } x_e;", 2, "only one enum may be @errors"),
    ("/** E. */\ntypedef enum x_e { X_E_A = 1.5 } x_e;", 2, "enum values must be integer literals"),
    ("/** F. @flags */\nvoid x_f(void);", 2, "@flags, @handle and @errors apply to types"),
    ("/** F. @blocking now */\nvoid x_f(void);", 1, "@blocking takes no arguments"),
    ("/** F. @frob */\nvoid x_f(void);", 1, "unknown tag '@frob'"),
    # callbacks
    ("/** C. @param a A. */\ntypedef void (*x_cb)(int a);", 2,
     "exactly one 'void *' parameter annotated [user_data]"),
    ("/** C. @param u [user_data] U. @return R. */\ntypedef const char *(*x_cb)(void *u);", 2,
     "a callback returns void, a scalar or an enum"),
    (CALLBACK + "/** F. @param cb C. @param u U. */\nvoid x_f(x_cb cb, void *u);", 3,
     "a callback parameter needs user_data=P"),
    (CALLBACK + "/** F. @param cb [user_data=n] C. @param n N. */\nvoid x_f(x_cb cb, int n);", 4,
     "user_data=n of 'cb' must name a 'void *' parameter"),
    (CALLBACK + "/** F. @param cb [user_data=u, scope=forever] C. @param u U. */\nvoid x_f(x_cb cb, void *u);",
     3, "scope=forever: use scope=call or scope=stored"),
    ("/** F. @param p P. */\nvoid x_f(void *p);", 1, "a callback's user_data or the pointer a deallocator frees"),
    ("/** C. @param u [user_data] U. @param v V. */\ntypedef void (*x_cb)(void *u, void *v);", 1,
     "a callback's user_data or the pointer a deallocator frees"),
    ("/** C. @param u [user_data] U. @param[out] n N. */\ntypedef void (*x_cb)(void *u, int *n);", 1,
     "a callback cannot take a parameter of role out_value"),
    # returns and ownership
    ("/** F. @return R. */\nconst char *x_f(void);", 2, "needs [static], [borrowed] or [owned]"),
    ("/** F. @return [owned] R. */\nchar *x_f(void);", 1, "an owned string needs free=FUNCTION"),
    ("/** F. @return [owned, free=x_nope] R. */\nchar *x_f(void);", 2, "free=x_nope: no such function"),
    ("/** F. @return [owned, free=x_g] R. */\nchar *x_f(void);\n/** G. @param n N. */\nvoid x_g(int n);", 4,
     "x_g: a deallocator (free=) is void x_g(char *p) or void x_g(void *p)"),
    ("/** F. @param[out] s S. */\nx_status x_f(char **s);", 1, "needs one of owned (with free=), borrowed or static"),
    ("/** F. @return [owned] T. */\nx_thing *x_thing_new(void);", 1, "say what NULL means"),
    ("/** F. @param t T. @return [borrowed, nullable] P. */\nx_thing *x_thing_parent(x_thing *t);", 1,
     "a returned handle must be [owned]"),
    ("/** F. @return [borrowed] P. */\nconst float *x_f(void);", 2, "returning const float * is not supported"),
    ("/** F. @return [static] R. */\nint x_f(void);", 1, "return annotations apply to pointers only"),
    # roles and attributes
    ("/** F. @param a [retained] A. */\nvoid x_f(int a);", 1, "retained does not apply to a parameter of role value"),
    ("/** F. @param a [nullable] A. */\nvoid x_f(int a);", 1, "nullable does not apply to a parameter of role value"),
    ("/** F. @param t [retained] T. */\nvoid x_g(x_thing *t);", 2, "retained (t) needs an object to keep it"),
    (STRUCT + "/** F. @param s S. */\nvoid x_f(x_s *s);", 3, "a struct pointer [in] must point to const"),
    (STRUCT + "/** F. @param s [count=n] S. @param n N. */\nvoid x_f(const x_s *s, size_t n);", 3,
     "arrays of structs are not supported"),
    (STRUCT + "/** F. @param s [nullable] S. */\nvoid x_f(x_s s);", 3, "a struct passed by value cannot be nullable"),
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


def parse_alone(tmp_path, text: str):
    """A header without the prelude."""
    path = tmp_path / "y.h"
    path.write_text(textwrap.dedent(text))
    return parse_header(path, "y_", "y", "y.h")


def test_error_message_function(tmp_path):
    api = parse_alone(tmp_path, """
        /** S. @errors ok=Y_OK message=y_why */
        typedef enum y_status { Y_OK = 0, Y_BAD = 1 } y_status;
        /** Why. @return [static] Text. */
        const char *y_why(void);
        """)
    assert api.error_enum.message == "y_why" and api.error_enum.closed is None
    api = parse_alone(tmp_path, """
        /** S. @errors ok=Y_OK */
        typedef enum y_status { Y_OK = 0 } y_status;
        """)
    assert api.error_enum.message is None   # no y_last_error(): bindings use the status name


@pytest.mark.parametrize("text, line, message", [
    ("/** S. @errors ok=Y_OK message=y_nope */\ntypedef enum y_status { Y_OK = 0 } y_status;", 2,
     "message=y_nope: no such function"),
    ("/** S. @errors ok=Y_OK message=y_f */\ntypedef enum y_status { Y_OK = 0 } y_status;\n"
     "/** F. @param a A. @return [static] T. */\nconst char *y_f(int a);", 4,
     "takes no parameters and returns a [static] or [borrowed] string"),
    ("/** S. @errors ok=Y_OK */\ntypedef enum y_status { Y_OK = 0 } y_status;\n"
     "/** H. @handle free=y_h_free */\ntypedef struct y_h y_h;\n/** F. @param h H. */\nvoid y_h_free(y_h *h);",
     2, "@errors needs closed=MEMBER"),
    ("/** S. @errors closed=Y_OK */\ntypedef enum y_status { Y_OK = 0 } y_status;", 1, "ok= is missing"),
    ("/** H. @handle free=y_h_free */\ntypedef struct y_h y_h;\n/** F. @param n N. */\nvoid y_h_free(int n);", 4,
     "the destructor of y_h takes one y_h *"),
])
def test_errors_without_prelude(tmp_path, text, line, message):
    with pytest.raises(BindgenError) as e:
        parse_alone(tmp_path, text)
    assert str(e.value).startswith(f"y.h:{line}: "), str(e.value)
    assert message in str(e.value)


def test_enum_values_from_earlier_members_and_flags(tmp_path):
    api = parse_alone(tmp_path, """
        /** P. @flags */
        typedef enum y_p { Y_P_NONE = 0, Y_P_A = 1 << 0, Y_P_B = 1 << 1, Y_P_AB = Y_P_A | Y_P_B } y_p;
        /** N. */
        typedef enum y_n { Y_N_LOW = -2, Y_N_NEXT, Y_N_HIGH = 0x10 } y_n;
        """)
    p, n = api.enums
    assert p.flags and [(m.name, m.value) for m in p.members] == [
        ("Y_P_NONE", 0), ("Y_P_A", 1), ("Y_P_B", 2), ("Y_P_AB", 3)]
    assert not n.flags and [m.value for m in n.members] == [-2, -1, 16]


def test_constants_of_every_kind(tmp_path):
    api = parse_alone(tmp_path, """
        /** I. */
        #define Y_I (-4)
        /** U. */
        #define Y_U 0xFFu
        /** F. */
        #define Y_F 2.5e3f
        /** D. */
        #define Y_D .5
        /** S. */
        #define Y_S "a b"
        """)
    assert [(c.name, c.value, c.kind) for c in api.constants] == [
        ("Y_I", -4, "int"), ("Y_U", 255, "int"), ("Y_F", 2500.0, "float"), ("Y_D", 0.5, "float"),
        ("Y_S", "a b", "string")]
