"""The lowering (bindgen/lower.py), once for every language.

Expectations follow from the annotation semantics of bindgen/README.md, on a
header written for the purpose: each function exercises one rule.
"""
import textwrap

import pytest

from bindgen import lower
from bindgen.parse import parse_header

HEADER = """\
#include <stddef.h>
#include <stdint.h>
/** Status. @errors ok=L_OK closed=L_ERR_CLOSED */
typedef enum l_status { L_OK = 0, L_ERR = 1, L_ERR_CLOSED = 2 } l_status;
/** Most dims. */
#define L_MAX 8
/** A model: only read once made. @handle free=l_model_free */
typedef struct l_model l_model;
/** A session: one thread at a time. @handle free=l_session_free */
typedef struct l_session l_session;
/** Called back. @param u [user_data] U. @param n N. */
typedef void (*l_fn)(void *u, int n);
/** Frees. @param m [nullable] M. */
void l_model_free(l_model *m);
/** Frees. @param s [nullable] S. */
void l_session_free(l_session *s);
/** Size. @param m M. @param i I. @return N. */
size_t l_model_size(const l_model *m, size_t i);
/** Sum of two. @param a [count=n] A. @param b [count=n] B. @param[out] y [count=n] Y. @param n N. */
void l_add(const float *a, const float *b, float *y, size_t n);
/** Scale in place. @param[in,out] x [count=n] X. @param w [count=n] W. @param n N. */
void l_scale(float *x, const float *w, size_t n);
/** Fixed. @param[out] a [count=n, alloc=4] A. @param[out] b [count=n, alloc=L_MAX] B. @param n N. */
void l_fixed(int64_t *a, int64_t *b, size_t n);
/** Filled. @param[out] v [count=cap] V. @param cap How many. */
void l_fill(float *v, size_t cap);
/** Two out. @param[out] v [count=cap] V. @param[out] w [count=cap] W. @param cap How many. */
void l_fill2(float *v, uint8_t *w, size_t cap);
/**
 * Reads.
 * @param m M. @param i I. @param[out] d [count=n, alloc=l_model_size(m, i)] D. @param n N.
 */
void l_model_read(const l_model *m, size_t i, float *d, size_t n);
/** Makes. @param m [retained] M. @param[out] s [owned] S. @return L_OK. */
l_status l_session_create(const l_model *m, l_session **s);
/** Runs. @param s S. @param other [nullable] O. @return L_OK. */
l_status l_session_run(l_session *s, l_session *other);
/** Reads the model. @param m M. @return N. */
size_t l_model_count(const l_model *m);
/** Keeps. @param s S. @param m [retained] M. */
void l_session_use(l_session *s, const l_model *m);
/** Forks. @param s [retained] S. @param m [retained] M. @param[out] t [owned] T. @return L_OK. */
l_status l_session_fork(l_session *s, const l_model *m, l_session **t);
/** Listens. @param s S. @param fn [user_data=u, scope=stored] F. @param u U. */
void l_session_listen(l_session *s, l_fn fn, void *u);
/** Logs. @param fn [user_data=u, scope=stored, nullable] F. @param u U. */
void l_log(l_fn fn, void *u);
/** Each. @param fn [user_data=u] F. @param u U. */
void l_each(l_fn fn, void *u);
/**
 * Dims. @param m M. @param i I. @param[out] d [count=c, alloc=L_MAX, length=r] D.
 * @param c C. @param[out] r R. @return L_OK.
 */
l_status l_model_dims(const l_model *m, size_t i, int64_t *d, size_t c, size_t *r);
/**
 * Shaped. @param m M. @param i I. @param x [count=n, shape=l_model_dims(m, i)] X.
 * @param[out] y [count=k, alloc=l_model_size(m, i), shape=l_model_dims(m, i)] Y.
 * @param n N. @param k K. @param[out] t [count=j] T. @param j J.
 */
void l_model_map(const l_model *m, size_t i, const float *x, float *y, size_t n, size_t k, char *t, size_t j);
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    path = tmp_path_factory.mktemp("lower") / "l.h"
    path.write_text(textwrap.dedent(HEADER))
    return parse_header(path, "l_", "l", "l.h")


def names(params):
    return [p.name for p in params]


def test_out_array_sizes(api):
    """alloc= (a number, a constant, a call with those params), else the length of the
    [in] array sharing the count, else the capacity the caller passes."""
    size = lambda f, p: lower.size(api.function(f), api.function(f).param(p))  # noqa: E731
    assert size("l_fixed", "a") == lower.Size("number", "4")
    assert size("l_fixed", "b") == lower.Size("constant", "L_MAX")
    assert size("l_model_read", "d") == lower.Size("call", "l_model_size", ("m", "i"))
    assert size("l_add", "y") == lower.Size("array", "a")
    assert size("l_fill", "v") == lower.Size("capacity", "cap")


def test_counts_come_from_the_callers_first_array_and_the_others_must_match(api):
    add = lower.counts(api.function("l_add"))
    assert list(add) == ["n"]
    assert add["n"].source.name == "a" and names(add["n"].same) == ["b"]   # y is allocated as long
    scale = lower.counts(api.function("l_scale"))["n"]
    assert scale.source.name == "x" and names(scale.same) == ["w"]         # in-out arrays count too


def test_counts_of_allocated_arrays_only(api):
    """Every array is allocated (alloc=): the count is the first one's length; nothing to check."""
    fixed = lower.counts(api.function("l_fixed"))["n"]
    assert fixed.source.name == "a" and fixed.same == []


def test_a_capacity_is_passed_unless_its_arrays_come_as_buffers(api):
    fill, fill2 = api.function("l_fill"), api.function("l_fill2")
    assert lower.counts(fill) == {}                       # the caller passes it
    buffered = lower.counts(fill, buffers={"v"})["cap"]   # the buffer's length is the capacity
    assert buffered.source.name == "v" and buffered.same == []
    assert lower.counts(fill2, buffers={"v"}) == {}       # w is still allocated: cap stays
    both = lower.counts(fill2, buffers={"v", "w"})["cap"]
    assert both.source.name == "v" and names(both.same) == ["w"]


def test_buffers_sharing_a_count_with_in_arrays_must_match_them(api):
    add = lower.counts(api.function("l_add"), buffers={"y"})["n"]
    assert add.source.name == "a" and names(add.same) == ["b", "y"]


def test_only_the_receiver_of_a_serial_handle_locks(api):
    run = api.function("l_session_run")   # l_session is taken as a mutable pointer: serial
    assert api.handle("l_session").serial and not api.handle("l_model").serial
    assert lower.locks(api, run, run.param("s"))
    assert not lower.locks(api, run, run.param("other"))   # an argument is only borrowed
    count = api.function("l_model_count")
    assert not lower.locks(api, count, count.param("m"))   # a model is only read


def test_the_new_object_keeps_retained_arguments(api):
    create = api.function("l_session_create")
    assert lower.made(create) == "l_session"
    assert names(lower.kept_by_new(create)) == ["m"] and lower.held(create) == []
    fork = api.function("l_session_fork")   # a method making an object: that object keeps them
    assert lower.made(fork) == "l_session"
    assert names(lower.kept_by_new(fork)) == ["s", "m"] and lower.held(fork) == []


def test_a_method_making_nothing_keeps_retained_arguments_on_its_receiver(api):
    use = api.function("l_session_use")
    assert lower.made(use) is None and lower.kept_by_new(use) == []
    assert names(lower.held(use)) == ["m"] and lower.holder(use) == "receiver"


def test_stored_callbacks_are_held_by_the_receiver_or_the_module(api):
    listen, log, each = api.function("l_session_listen"), api.function("l_log"), api.function("l_each")
    assert names(lower.held(listen)) == ["fn"] and lower.holder(listen) == "receiver"
    assert names(lower.held(log)) == ["fn"] and lower.holder(log) == "module"
    assert lower.held(each) == []   # scope=call: alive for the call only


def test_user_data_belongs_to_its_callback(api):
    each = api.function("l_each")
    assert lower.callback_of(each, each.param("u")) is each.param("fn")


def test_shapes_name_the_function_and_its_arguments(api):
    f = api.function("l_model_map")
    for array in ("x", "y"):
        s = lower.shape(api, f, f.param(array))
        assert s.function.name == "l_model_dims" and names(s.args) == ["m", "i"]
    assert lower.shape(api, f, f.param("t")) is None


def test_caller_buffers_are_out_arrays_of_numbers(api):
    """Not text (char) nor bytes (void); numbers of any type, whatever sizes them."""
    assert names(lower.caller_buffers(api.function("l_model_map"))) == ["y"]     # t is text
    assert names(lower.caller_buffers(api.function("l_fixed"))) == ["a", "b"]
    assert names(lower.caller_buffers(api.function("l_fill2"))) == ["v", "w"]
    assert lower.caller_buffers(api.function("l_scale")) == []                 # in-out: the caller's anyway
