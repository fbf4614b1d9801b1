/*
 * api.c: the public functions of predict.h.
 *
 * Each checks its arguments, calls into the engine and, on failure, sets the
 * thread-local message prefixed with its own name.
 */
#include <errno.h>
#include <stdio.h>
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define PRED__HAVE_MMAP 1
#else
#define PRED__HAVE_MMAP 0
#endif
#include "predict.h"
#include "common.h"
#include "model.h"
#include "session.h"
#include "kernels/dispatch.h"

/* Sets the message "function: text" and returns status. */
static pred_status pred__api_fail(const char *function, pred_status status, const char *fmt, ...) PRED__PRINTF(3, 4);

static pred_status pred__api_fail(const char *function, pred_status status, const char *fmt, ...) {
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return pred__errorf(status, "%s: %s", function, text);
}

static const char *pred__plural(size_t n, const char *word, char *buf, size_t size) {
    snprintf(buf, size, "%lu %s%s", (unsigned long)n, word, n == 1 ? "" : "s");
    return buf;
}

/* ---- library --------------------------------------------------------------*/

const char *pred_version(void) {
    return PRED_VERSION;
}

const char *pred_kernel_isa(void) {
    return pred__kernels_get()->name;
}

int pred_abi_version(void) {
    return PRED_ABI_VERSION;
}

const char *pred_last_error(void) {
    return pred__error_get();
}

const char *pred_status_name(pred_status status) {
    switch (status) {
    case PRED_OK: return "PRED_OK";
    case PRED_ERR_ARGUMENT: return "PRED_ERR_ARGUMENT";
    case PRED_ERR_MODEL: return "PRED_ERR_MODEL";
    case PRED_ERR_UNSUPPORTED: return "PRED_ERR_UNSUPPORTED";
    case PRED_ERR_SHAPE: return "PRED_ERR_SHAPE";
    case PRED_ERR_MEMORY: return "PRED_ERR_MEMORY";
    case PRED_ERR_IO: return "PRED_ERR_IO";
    case PRED_ERR_STATE: return "PRED_ERR_STATE";
    }
    return "PRED_UNKNOWN";
}

size_t pred_operator_count(void) {
    return PRED__OP_COUNT;
}

const char *pred_operator_name(size_t index) {
    if (index >= PRED__OP_COUNT) {
        pred__api_fail("pred_operator_name", PRED_ERR_ARGUMENT, "index %lu is out of range (there are %d operators)",
                       (unsigned long)index, PRED__OP_COUNT);
        return NULL;
    }
    return pred__op_get((int)index)->name;
}

/* ---- model ----------------------------------------------------------------*/

/* 1 if options holds only PRED_LOAD_* bits; else fails fn (PRED_ERR_ARGUMENT). */
static int pred__options_ok(const char *fn, int options) {
    if (!(options & ~PRED_LOAD_NO_OPTIMIZE)) return 1;
    pred__api_fail(fn, PRED_ERR_ARGUMENT, "options has unknown bits (0x%x)", (unsigned)options);
    return 0;
}

static pred_status pred__model_load(const char *fn, const void *bytes, size_t size, int options, pred_model **out) {
    pred_status st;
    if (!out) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!bytes && size > 0) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "bytes is NULL but size is %lu", (unsigned long)size);
    if (!pred__options_ok(fn, options)) return PRED_ERR_ARGUMENT;
    if (size == 0) return pred__api_fail(fn, PRED_ERR_MODEL, "the model is empty (0 bytes)");
    st = pred__model_create(bytes, size, options, NULL, out);
    return st == PRED_OK ? st : pred__error_prefix(st, fn);
}

pred_status pred_model_load(const void *bytes, size_t size, pred_model **out) {
    return pred__model_load("pred_model_load", bytes, size, 0, out);
}

pred_status pred_model_load_with_options(const void *bytes, size_t size, int options, pred_model **out) {
    return pred__model_load("pred_model_load_with_options", bytes, size, options, out);
}

/* *data = the whole file at path, mapped where the system can (no copy: the parser reads the page
 * cache), else read into memory; *mapped says which, for pred__file_free. NULL and size 0 for an
 * empty file. */
static pred_status pred__file_read(const char *fn, const char *path, unsigned char **data, size_t *size, int *mapped) {
    FILE *f;
    size_t cap = 0;
    *data = NULL;
    *size = 0;
    *mapped = 0;
#if PRED__HAVE_MMAP
    {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uintmax_t)st.st_size <= (uintmax_t)SIZE_MAX) {
#ifdef MAP_POPULATE
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
#else
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
#endif
            if (p != MAP_FAILED) {
                close(fd);
                *data = (unsigned char *)p;
                *size = (size_t)st.st_size;
                *mapped = 1;
                return PRED_OK;
            }
        }
        if (fd >= 0) close(fd); /* not mappable (a pipe, a device): read it below */
    }
#endif
    errno = 0;
    f = fopen(path, "rb");
    if (!f) return pred__api_fail(fn, PRED_ERR_IO, "cannot open '%s': %s", path, errno ? strerror(errno) : "unknown error");
    for (;;) {
        size_t got;
        if (*size == cap) {
            void *p = pred__grow(*data, &cap, cap < 65536 ? 65536 : cap * 2, 1);
            if (!p) {
                PRED_FREE(*data);
                fclose(f);
                return pred__api_fail(fn, PRED_ERR_MEMORY, "out of memory reading '%s'", path);
            }
            *data = (unsigned char *)p;
        }
        got = fread(*data + *size, 1, cap - *size, f);
        *size += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int err = errno;
        PRED_FREE(*data);
        fclose(f);
        return pred__api_fail(fn, PRED_ERR_IO, "cannot read '%s': %s", path, err ? strerror(err) : "read error");
    }
    fclose(f);
    return PRED_OK;
}

static void pred__file_free(unsigned char *data, size_t size, int mapped) {
#if PRED__HAVE_MMAP
    if (mapped) {
        munmap(data, size);
        return;
    }
#endif
    (void)size;
    (void)mapped;
    PRED_FREE(data);
}

static pred_status pred__model_load_file(const char *fn, const char *path, int options, pred_model **out) {
    unsigned char *data;
    size_t size;
    int mapped;
    pred_status st;
    if (!out) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!path) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "path is NULL");
    if (!pred__options_ok(fn, options)) return PRED_ERR_ARGUMENT;
    if ((st = pred__file_read(fn, path, &data, &size, &mapped)) != PRED_OK) return st;
    if (size == 0) {
        pred__file_free(data, size, mapped);
        return pred__api_fail(fn, PRED_ERR_MODEL, "the file '%s' is empty", path);
    }
    st = pred__model_create(data, size, options, path, out);
    pred__file_free(data, size, mapped);
    return st == PRED_OK ? st : pred__error_prefix(st, fn);
}

pred_status pred_model_load_file(const char *path, pred_model **out) {
    return pred__model_load_file("pred_model_load_file", path, 0, out);
}

pred_status pred_model_load_file_with_options(const char *path, int options, pred_model **out) {
    return pred__model_load_file("pred_model_load_file_with_options", path, options, out);
}

void pred_model_free(pred_model *model) {
    if (!model) return;
    if (!pred__model_mark_released(model)) return; /* freed twice while sessions keep it alive */
    pred__model_release(model);
}

size_t pred_model_input_count(const pred_model *model) {
    return model ? model->graph.n_inputs : 0;
}

size_t pred_model_output_count(const pred_model *model) {
    return model ? model->graph.n_outputs : 0;
}

/* The tensor of input (outputs == 0) or output `index`; NULL after setting the error. */
static const pred__tensor *pred__io_tensor(const char *fn, const pred_model *model, int outputs, size_t index) {
    const pred__graph *g;
    size_t count;
    char buf[64];
    if (!model) {
        pred__api_fail(fn, PRED_ERR_ARGUMENT, "model is NULL");
        return NULL;
    }
    g = &model->graph;
    count = outputs ? g->n_outputs : g->n_inputs;
    if (index >= count) {
        pred__api_fail(fn, PRED_ERR_ARGUMENT, "index %lu is out of range (the model has %s)", (unsigned long)index,
                       pred__plural(count, outputs ? "output" : "input", buf, sizeof buf));
        return NULL;
    }
    return &g->tensors[outputs ? g->outputs[index] : g->inputs[index]];
}

const char *pred_model_input_name(const pred_model *model, size_t index) {
    const pred__tensor *t = pred__io_tensor("pred_model_input_name", model, 0, index);
    return t ? t->name : NULL;
}

const char *pred_model_output_name(const pred_model *model, size_t index) {
    const pred__tensor *t = pred__io_tensor("pred_model_output_name", model, 1, index);
    return t ? t->name : NULL;
}

/* Copies the shape of t (input or output `index`) out to dims/ndim for `fn`. */
static pred_status pred__copy_shape(const char *fn, const pred__tensor *t, int outputs, size_t index, int64_t *dims,
                                    size_t capacity, size_t *ndim) {
    size_t k;
    if (!ndim) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "ndim is NULL");
    if (capacity < t->shape.ndim)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "capacity %lu is below the rank %lu of %s %lu",
                              (unsigned long)capacity, (unsigned long)t->shape.ndim, outputs ? "output" : "input",
                              (unsigned long)index);
    if (!dims && t->shape.ndim > 0) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "dims is NULL");
    for (k = 0; k < t->shape.ndim; k++) dims[k] = t->shape.d[k];
    *ndim = t->shape.ndim;
    return PRED_OK;
}

static pred_status pred__io_shape(const char *fn, const pred_model *model, int outputs, size_t index, int64_t *dims,
                                  size_t capacity, size_t *ndim) {
    const pred__tensor *t = pred__io_tensor(fn, model, outputs, index);
    if (!t) return PRED_ERR_ARGUMENT;
    return pred__copy_shape(fn, t, outputs, index, dims, capacity, ndim);
}

pred_status pred_model_input_shape(const pred_model *model, size_t index, int64_t *dims, size_t capacity,
                                   size_t *ndim) {
    return pred__io_shape("pred_model_input_shape", model, 0, index, dims, capacity, ndim);
}

pred_status pred_model_output_shape(const pred_model *model, size_t index, int64_t *dims, size_t capacity,
                                    size_t *ndim) {
    return pred__io_shape("pred_model_output_shape", model, 1, index, dims, capacity, ndim);
}

const char *pred_model_describe(const pred_model *model) {
    static const char fn[] = "pred_model_describe";
    const char *text;
    if (!model) {
        pred__api_fail(fn, PRED_ERR_ARGUMENT, "model is NULL");
        return NULL;
    }
    if (!(text = pred__model_describe(model))) pred__api_fail(fn, PRED_ERR_MEMORY, "out of memory");
    return text;
}

/* ---- session --------------------------------------------------------------*/

pred_status pred_session_create(const pred_model *model, pred_session **out) {
    static const char fn[] = "pred_session_create";
    pred_status st;
    if (!out) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!model) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "model is NULL");
    if (pred__model_is_released(model)) return pred__api_fail(fn, PRED_ERR_STATE, "the model was freed");
    /* a session shares the model and holds a reference to it: the only
     * mutation of a model after load, atomic where available */
    st = pred__session_create((pred_model *)model, out);
    return st == PRED_OK ? st : pred__error_prefix(st, fn);
}

void pred_session_free(pred_session *session) {
    pred__session_free(session);
}

pred_status pred_session_set_threads(pred_session *session, int threads) {
    static const char fn[] = "pred_session_set_threads";
    pred_status st;
    if (!session) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (threads < 0) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "threads is %d, must be 0 or more", threads);
    st = pred__session_set_threads(session, threads);
    return st == PRED_OK ? st : pred__error_prefix(st, fn);
}

static const pred__tensor *pred__session_io(const pred_session *s, int outputs, size_t index) {
    const pred__graph *g;
    if (!s) return NULL;
    g = s->graph;
    if (index >= (outputs ? g->n_outputs : g->n_inputs)) return NULL;
    return &g->tensors[outputs ? g->outputs[index] : g->inputs[index]];
}

size_t pred_session_memory_size(const pred_session *session) {
    return session ? session->memory : 0;
}

size_t pred_session_input_size(const pred_session *session, size_t index) {
    const pred__tensor *t = pred__session_io(session, 0, index);
    return t ? t->count : 0;
}

size_t pred_session_output_size(const pred_session *session, size_t index) {
    const pred__tensor *t = pred__session_io(session, 1, index);
    return t ? t->count : 0;
}

/* Common checks of set_input / get_output: session, model state, index, data and count. */
static pred_status pred__session_check(const char *fn, const pred_session *s, int outputs, size_t index,
                                       const float *data, size_t count, const pred__tensor **out) {
    const pred__tensor *t = NULL;
    const char *what = outputs ? "output" : "input";
    char buf[64];
    size_t n;
    if (!s) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (pred__model_is_released(s->model))
        return pred__api_fail(fn, PRED_ERR_STATE, "the model of this session was freed");
    n = outputs ? s->graph->n_outputs : s->graph->n_inputs;
    if (!(t = pred__session_io(s, outputs, index)))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "index %lu is out of range (the model has %s)",
                              (unsigned long)index, pred__plural(n, what, buf, sizeof buf));
    if (outputs && !s->has_run)
        return pred__api_fail(fn, PRED_ERR_STATE, "the session has not run yet");
    if (!data) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "data is NULL");
    if (count != t->count)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "%s %lu has %lu elements, got %lu", what, (unsigned long)index,
                              (unsigned long)t->count, (unsigned long)count);
    *out = t;
    return PRED_OK;
}

/* Gives every symbolic dim named like dim d of input `index` the size n
 * (in shapes: one per input), as one name is one size. */
static pred_status pred__link_dim(const char *fn, const pred__graph *base, size_t index, size_t d, int64_t n,
                                  pred__shape *shapes) {
    const int *sym = base->dim_symbols;
    int s = sym[index * PRED_MAX_DIMS + d];
    size_t k, e;
    char bs[PRED__SHAPE_STR_SIZE];
    if (s < 0) return PRED_OK;
    for (k = 0; k < base->n_inputs; k++)
        for (e = 0; e < shapes[k].ndim; e++) {
            if (sym[k * PRED_MAX_DIMS + e] != s || (k == index && e == d)) continue;
            if (k == index && shapes[k].d[e] != n) /* the caller set both */
                return pred__api_fail(fn, PRED_ERR_SHAPE,
                                      "dimensions %lu and %lu of input '%s' have one symbolic name, got %lld and %lld",
                                      (unsigned long)e, (unsigned long)d, base->tensors[base->inputs[k]].name,
                                      (long long)shapes[k].d[e], (long long)n);
            shapes[k].d[e] = n;
            if (pred__shape_count(&shapes[k]) == 0)
                return pred__api_fail(fn, PRED_ERR_SHAPE, "input '%s' would have shape %s, more than %llu elements",
                                      base->tensors[base->inputs[k]].name,
                                      pred__shape_str(&shapes[k], bs, sizeof bs),
                                      (unsigned long long)PRED_MAX_ELEMENTS);
        }
    return PRED_OK;
}

/* 1 when plan g runs its inputs with these shapes. */
static int pred__plan_has_shapes(const pred__graph *g, const pred__shape *shapes) {
    size_t k;
    for (k = 0; k < g->n_inputs; k++)
        if (!pred__shape_equal(&shapes[k], &g->tensors[g->inputs[k]].shape)) return 0;
    return 1;
}

pred_status pred_session_set_input_shape(pred_session *session, size_t index, const int64_t *dims, size_t ndim) {
    static const char fn[] = "pred_session_set_input_shape";
    const pred__tensor *t = NULL;
    pred__shape shape, *shapes;
    char buf[64], bs[PRED__SHAPE_STR_SIZE];
    pred_status st = PRED_OK;
    size_t k;
    if (!session) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (pred__model_is_released(session->model))
        return pred__api_fail(fn, PRED_ERR_STATE, "the model of this session was freed");
    if (index >= session->model->base.n_inputs)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "index %lu is out of range (the model has %s)", (unsigned long)index,
                              pred__plural(session->model->base.n_inputs, "input", buf, sizeof buf));
    if (!dims && ndim > 0) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "dims is NULL");
    t = &session->model->base.tensors[session->model->base.inputs[index]]; /* as the file declares it */
    if (ndim != t->shape.ndim)
        return pred__api_fail(fn, PRED_ERR_SHAPE, "input '%s' has %lu dimensions, got %lu", t->name,
                              (unsigned long)t->shape.ndim, (unsigned long)ndim);
    shape.ndim = ndim;
    for (k = 0; k < ndim; k++) {
        if (dims[k] < 1)
            return pred__api_fail(fn, PRED_ERR_ARGUMENT, "dimension %lu is %lld, must be 1 or more", (unsigned long)k,
                                  (long long)dims[k]);
        if (!((t->symbolic >> k) & 1) && dims[k] != t->shape.d[k])
            return pred__api_fail(fn, PRED_ERR_SHAPE, "dimension %lu of input '%s' %s is fixed by the model, got %lld",
                                  (unsigned long)k, t->name, pred__shape_str(&t->shape, bs, sizeof bs),
                                  (long long)dims[k]);
        shape.d[k] = dims[k];
    }
    if (pred__shape_count(&shape) == 0)
        return pred__api_fail(fn, PRED_ERR_SHAPE, "the shape %s has more than %llu elements",
                              pred__shape_str(&shape, bs, sizeof bs), (unsigned long long)PRED_MAX_ELEMENTS);
    if (!(shapes = (pred__shape *)pred__calloc(session->graph->n_inputs, sizeof *shapes)))
        return pred__error_prefix(pred__oom(), fn);
    for (k = 0; k < session->graph->n_inputs; k++) shapes[k] = session->graph->tensors[session->graph->inputs[k]].shape;
    shapes[index] = shape;
    for (k = 0; st == PRED_OK && k < ndim; k++) st = pred__link_dim(fn, &session->model->base, index, k, dims[k], shapes);
    /* shapes as planned (the same every frame): nothing to do */
    if (st == PRED_OK && !pred__plan_has_shapes(session->graph, shapes) &&
        (st = pred__session_replan(session, shapes, NULL)) != PRED_OK)
        st = pred__error_prefix(st, fn);
    PRED_FREE(shapes);
    return st;
}

static pred_status pred__session_shape(const char *fn, const pred_session *s, int outputs, size_t index,
                                       int64_t *dims, size_t capacity, size_t *ndim) {
    const pred__tensor *t = NULL;
    char buf[64];
    if (!s) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (!(t = pred__session_io(s, outputs, index)))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "index %lu is out of range (the model has %s)",
                              (unsigned long)index,
                              pred__plural(outputs ? s->graph->n_outputs : s->graph->n_inputs,
                                           outputs ? "output" : "input", buf, sizeof buf));
    return pred__copy_shape(fn, t, outputs, index, dims, capacity, ndim);
}

pred_status pred_session_input_shape(const pred_session *session, size_t index, int64_t *dims, size_t capacity,
                                     size_t *ndim) {
    return pred__session_shape("pred_session_input_shape", session, 0, index, dims, capacity, ndim);
}

pred_status pred_session_output_shape(const pred_session *session, size_t index, int64_t *dims, size_t capacity,
                                      size_t *ndim) {
    return pred__session_shape("pred_session_output_shape", session, 1, index, dims, capacity, ndim);
}

pred_status pred_session_set_input(pred_session *session, size_t index, const float *data, size_t count) {
    static const char fn[] = "pred_session_set_input";
    const pred__tensor *t = NULL;
    const float **values;
    pred_status st = pred__session_check(fn, session, 0, index, data, count, &t);
    if (st != PRED_OK) return st;
    if (!(t->flags & PRED__TF_SHAPE_INPUT)) {
        memcpy(session->bufs[session->graph->inputs[index]], data, count * sizeof *data);
        return PRED_OK;
    }
    /* a shape input: the session's plan holds its values; other values need another plan */
    if (memcmp(t->f, data, count * sizeof *data) == 0) return PRED_OK;
    if (!(values = (const float **)pred__calloc(session->graph->n_inputs, sizeof *values)))
        return pred__error_prefix(pred__oom(), fn);
    values[index] = data;
    st = pred__session_replan(session, NULL, values);
    PRED_FREE(values);
    return st == PRED_OK ? st : pred__error_prefix(st, fn);
}

pred_status pred_session_run(pred_session *session) {
    static const char fn[] = "pred_session_run";
    if (!session) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (pred__model_is_released(session->model))
        return pred__api_fail(fn, PRED_ERR_STATE, "the model of this session was freed");
    pred__session_run(session);
    return PRED_OK;
}

pred_status pred_session_get_output(const pred_session *session, size_t index, float *data, size_t count) {
    const pred__tensor *t = NULL;
    pred_status st = pred__session_check("pred_session_get_output", session, 1, index, data, count, &t);
    if (st != PRED_OK) return st;
    memcpy(data, session->bufs[session->graph->outputs[index]], count * sizeof *data);
    return PRED_OK;
}
