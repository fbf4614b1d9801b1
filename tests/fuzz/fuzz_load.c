/* libFuzzer harness: hostile bytes through the whole public API.
 *
 * Every input is loaded with pred_model_load. A model that loads is
 * introspected and described, run with zero inputs, with inputs of ones and
 * with inputs of a value the bytes choose (a shape input, Resize's scales,
 * re-plans the session or refuses the value), every output is read back;
 * then each input's first dimension is set
 * to 3 (a symbolic batch: re-planned and run again, a fixed one: refused and
 * the session still runs). The same bytes are loaded without optimization
 * too, and must give the same output shapes. Any sanitizer report, crash,
 * leak or hang is a bug; a clean refusal with a status and a message is not.
 *
 * Inputs that name an external data location are also loaded from a file,
 * beside data files holding the same bytes, so that fuzzed locations,
 * offsets and lengths reach the external data reader.
 *
 * Built by run.sh together with generated/c/predict.c and a small
 * PRED_MAX_ELEMENTS, so that a tiny file describing a huge tensor is refused
 * instead of timing out in the naive kernels (the checks are the same code
 * at any limit). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "predict.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed check stops the fuzzer with a stack trace. */
#define FUZZ_CHECK(cond)          \
    do {                          \
        if (!(cond)) __builtin_trap(); \
    } while (0)

static void check_error_set(void) {
    const char *e = pred_last_error();
    FUZZ_CHECK(e != NULL && e[0] != '\0');
}

/* A refused load: no model, a status that says why (PRED_ERR_IO only from a
 * file: its data files), and a message. */
static void check_refused(pred_status st, const pred_model *model, int from_file) {
    FUZZ_CHECK(model == NULL);
    FUZZ_CHECK(st == PRED_ERR_MODEL || st == PRED_ERR_UNSUPPORTED || st == PRED_ERR_SHAPE ||
               st == PRED_ERR_MEMORY || (from_file && st == PRED_ERR_IO));
    check_error_set();
}

static void introspect(const pred_model *model) {
    int64_t dims[PRED_MAX_DIMS];
    size_t ndim = 0, i;
    for (i = 0; i < pred_model_input_count(model); i++) {
        const char *name = pred_model_input_name(model, i);
        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(pred_model_input_shape(model, i, dims, PRED_MAX_DIMS, &ndim) == PRED_OK);
        FUZZ_CHECK(ndim <= PRED_MAX_DIMS);
    }
    for (i = 0; i < pred_model_output_count(model); i++) {
        const char *name = pred_model_output_name(model, i);
        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(pred_model_output_shape(model, i, dims, PRED_MAX_DIMS, &ndim) == PRED_OK);
        FUZZ_CHECK(ndim <= PRED_MAX_DIMS);
    }
    /* out-of-range indexes are refused, not read */
    FUZZ_CHECK(pred_model_input_name(model, pred_model_input_count(model)) == NULL);
    FUZZ_CHECK(pred_model_output_name(model, pred_model_output_count(model)) == NULL);
}

static void read_outputs(const pred_model *model, const pred_session *session) {
    size_t i;
    for (i = 0; i < pred_model_output_count(model); i++) {
        size_t n = pred_session_output_size(session, i);
        float *out;
        FUZZ_CHECK(n > 0);
        out = (float *)malloc(n * sizeof *out);
        FUZZ_CHECK(out != NULL);
        FUZZ_CHECK(pred_session_get_output(session, i, out, n) == PRED_OK);
        free(out);
    }
}

/* Sets every input to `value`; the values of ones are what shape inputs are
 * planned with, so they are always taken. */
static void set_inputs(const pred_model *model, pred_session *session, float value) {
    size_t i, k;
    for (i = 0; i < pred_model_input_count(model); i++) {
        size_t n = pred_session_input_size(session, i);
        pred_status st;
        float *in;
        FUZZ_CHECK(n > 0);
        in = (float *)malloc(n * sizeof *in);
        FUZZ_CHECK(in != NULL);
        for (k = 0; k < n; k++) in[k] = value;
        st = pred_session_set_input(session, i, in, n);
        if (st != PRED_OK) { /* a shape input refusing the value; the session is unchanged */
            check_error_set();
            FUZZ_CHECK(value != 1.0f && (st == PRED_ERR_SHAPE || st == PRED_ERR_UNSUPPORTED ||
                                         st == PRED_ERR_MEMORY));
            FUZZ_CHECK(pred_session_input_size(session, i) == n);
        }
        free(in);
    }
}

/* Sets the first dimension of each input to 3 and runs what that gives. */
static void reshape_and_run(const pred_model *model, pred_session *session) {
    int64_t dims[PRED_MAX_DIMS], got[PRED_MAX_DIMS];
    size_t ndim = 0, n2 = 0, i;
    for (i = 0; i < pred_model_input_count(model); i++) {
        pred_status st;
        FUZZ_CHECK(pred_session_input_shape(session, i, dims, PRED_MAX_DIMS, &ndim) == PRED_OK);
        if (ndim == 0) continue;
        dims[0] = 3;
        st = pred_session_set_input_shape(session, i, dims, ndim);
        if (st != PRED_OK) {
            check_error_set();
            FUZZ_CHECK(st == PRED_ERR_SHAPE || st == PRED_ERR_UNSUPPORTED || st == PRED_ERR_MODEL ||
                       st == PRED_ERR_MEMORY);
        } else {
            FUZZ_CHECK(pred_session_input_shape(session, i, got, PRED_MAX_DIMS, &n2) == PRED_OK);
            FUZZ_CHECK(n2 == ndim && memcmp(got, dims, ndim * sizeof *dims) == 0);
        }
        /* re-planned or unchanged, the session runs */
        FUZZ_CHECK(pred_session_run(session) == PRED_OK);
        read_outputs(model, session);
    }
}

/* The same bytes without optimization: the output shapes must not change. */
static void load_unoptimized(const uint8_t *data, size_t size, const pred_model *optimized) {
    pred_model *model = NULL;
    pred_session *session = NULL;
    int64_t a[PRED_MAX_DIMS], b[PRED_MAX_DIMS];
    size_t na = 0, nb = 0, i;
    FUZZ_CHECK(pred_model_load_with_options(data, size, PRED_LOAD_NO_OPTIMIZE, &model) == PRED_OK);
    FUZZ_CHECK(pred_model_output_count(model) == pred_model_output_count(optimized));
    for (i = 0; i < pred_model_output_count(model); i++) {
        FUZZ_CHECK(pred_model_output_shape(model, i, a, PRED_MAX_DIMS, &na) == PRED_OK);
        FUZZ_CHECK(pred_model_output_shape(optimized, i, b, PRED_MAX_DIMS, &nb) == PRED_OK);
        FUZZ_CHECK(na == nb && memcmp(a, b, na * sizeof *a) == 0);
    }
    if (pred_session_create(model, &session) == PRED_OK) {
        FUZZ_CHECK(pred_session_run(session) == PRED_OK);
        read_outputs(model, session);
        pred_session_free(session);
    }
    pred_model_free(model);
}

static int contains(const uint8_t *data, size_t size, const char *text) {
    size_t n = strlen(text), k;
    for (k = 0; k + n <= size; k++)
        if (memcmp(data + k, text, n) == 0) return 1;
    return 0;
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t size) {
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL && fwrite(data, 1, size, f) == size && fclose(f) == 0);
}

static char file_dir[] = "/tmp/predict-fuzz-XXXXXX";
static const char *const file_names[] = {"model.onnx", "model.onnx.data", "d"};

static void remove_files(void) {
    char path[256];
    size_t k;
    for (k = 0; k < sizeof file_names / sizeof file_names[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", file_dir, file_names[k]);
        remove(path);
    }
    remove(file_dir);
}

/* The bytes as file_dir/model.onnx, with the same bytes as the data files
 * "model.onnx.data" (what the conformance seeds name) and "d". */
static void load_from_file(const uint8_t *data, size_t size) {
    static int made = 0;
    char path[256];
    size_t k;
    pred_model *model = NULL;
    pred_session *session = NULL;
    pred_status st;
    if (!contains(data, size, "location")) return;
    if (!made) {
        FUZZ_CHECK(mkdtemp(file_dir) != NULL);
        atexit(remove_files);
        made = 1;
    }
    for (k = 0; k < sizeof file_names / sizeof file_names[0]; k++) write_file(file_dir, file_names[k], data, size);
    snprintf(path, sizeof path, "%s/model.onnx", file_dir);
    st = pred_model_load_file(path, &model);
    if (st != PRED_OK) {
        check_refused(st, model, 1);
        return;
    }
    introspect(model);
    if (pred_session_create(model, &session) == PRED_OK) {
        FUZZ_CHECK(pred_session_run(session) == PRED_OK);
        read_outputs(model, session);
        pred_session_free(session);
    }
    pred_model_free(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pred_model *model = NULL;
    pred_session *session = NULL;
    pred_status st;
    load_from_file(data, size);
    st = pred_model_load(data, size, &model);
    if (st != PRED_OK) {
        check_refused(st, model, 0);
        return 0;
    }
    FUZZ_CHECK(model != NULL);
    FUZZ_CHECK(pred_model_output_count(model) > 0);
    introspect(model);
    {
        const char *json = pred_model_describe(model);
        size_t len;
        FUZZ_CHECK(json != NULL && json[0] == '{');
        for (len = strlen(json); len > 0 && json[len - 1] == '\n';) len--;
        FUZZ_CHECK(len > 0 && json[len - 1] == '}');
    }
    load_unoptimized(data, size, model);
    st = pred_session_create(model, &session);
    if (st != PRED_OK) {
        /* only memory can run out: the model was checked at load */
        FUZZ_CHECK(st == PRED_ERR_MEMORY && session == NULL);
        pred_model_free(model);
        return 0;
    }
    FUZZ_CHECK(pred_session_run(session) == PRED_OK);
    read_outputs(model, session);
    set_inputs(model, session, 1.0f);
    FUZZ_CHECK(pred_session_run(session) == PRED_OK);
    read_outputs(model, session);
    set_inputs(model, session, 0.25f * (float)(data[size - 1] % 16)); /* 0, 0.25, ... 3.75 */
    FUZZ_CHECK(pred_session_run(session) == PRED_OK);
    read_outputs(model, session);
    reshape_and_run(model, session);
    /* a freed model: the session stays a valid object that refuses to run */
    pred_model_free(model);
    FUZZ_CHECK(pred_session_run(session) == PRED_ERR_STATE);
    check_error_set();
    pred_session_free(session);
    return 0;
}
