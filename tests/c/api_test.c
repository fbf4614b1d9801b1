/* The C API from C, built with AddressSanitizer and UndefinedBehaviorSanitizer by
 * test_sanitizers.py.
 *
 *   api_test ADD_RELU_MODEL [MODEL ...]
 *
 * Checks add_relu.onnx (y = relu(x + bias), see tests/data/make_models.py) against
 * values computed here, the error paths, and then feeds every model's every
 * truncation and thousands of byte mutations to pred_model_load: each must fail
 * cleanly or load and run; a sanitizer report or crash fails the test. */
#include "predict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",     \
                    __FILE__, __LINE__, #cond, pred_last_error());             \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    *size = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Runs a loaded model with zero inputs, reads every output and describes
 * the model; then runs again with the first input's first dimension
 * doubled, if the model allows it. Frees the model. */
static void run_model(pred_model *model) {
    pred_session *session = NULL;
    if (pred_session_create(model, &session) == PRED_OK) {
        if (pred_session_run(session) == PRED_OK) {
            for (size_t i = 0; i < pred_model_output_count(model); i++) {
                size_t n = pred_session_output_size(session, i);
                float *out = malloc((n ? n : 1) * sizeof *out);
                CHECK(pred_session_get_output(session, i, out, n) == PRED_OK);
                free(out);
            }
        }
        int64_t dims[PRED_MAX_DIMS];
        size_t ndim = 0;
        if (pred_session_input_shape(session, 0, dims, PRED_MAX_DIMS, &ndim) == PRED_OK && ndim > 0 &&
            pred_session_input_size(session, 0) < ((size_t)1 << 20)) {
            dims[0] *= 2;
            if (pred_session_set_input_shape(session, 0, dims, ndim) == PRED_OK)
                CHECK(pred_session_run(session) == PRED_OK);
        }
        pred_session_free(session);
    }
    CHECK(pred_model_describe(model) != NULL);
    pred_model_free(model);
}

/* A load must give a model, or no model and a message. */
static int loaded(pred_status status, const pred_model *model) {
    if (status == PRED_OK) return 1;
    CHECK(model == NULL);
    CHECK(pred_last_error()[0] != '\0');
    return 0;
}

/* Loads from memory, every other call without optimization, and runs. */
static void load_and_run(const unsigned char *bytes, size_t size) {
    static int calls = 0;
    pred_model *model = NULL;
    int options = calls++ % 2 ? PRED_LOAD_NO_OPTIMIZE : 0;
    if (loaded(pred_model_load_with_options(bytes, size, options, &model), model)) run_model(model);
}

/* Loads from the path, which also reads data the model keeps in other files, and runs. */
static void load_file_and_run(const char *path) {
    pred_model *model = NULL;
    if (loaded(pred_model_load_file(path, &model), model)) run_model(model);
}

static void check_add_relu(const char *path) {
    const float x[4] = {1, 2, 3, 4}, bias[4] = {-1.0f, 0.5f, 2.0f, -3.0f};
    pred_model *model = NULL;
    pred_session *session = NULL;
    CHECK(pred_model_load_file(path, &model) == PRED_OK);
    if (!model) return;
    CHECK(pred_model_input_count(model) == 1 && pred_model_output_count(model) == 1);
    CHECK(strcmp(pred_model_input_name(model, 0), "x") == 0);
    CHECK(pred_model_input_name(model, 1) == NULL);
    int64_t dims[PRED_MAX_DIMS];
    size_t ndim = 0;
    CHECK(pred_model_input_shape(model, 0, dims, PRED_MAX_DIMS, &ndim) == PRED_OK);
    CHECK(ndim == 2 && dims[0] == 1 && dims[1] == 4);
    CHECK(pred_model_input_shape(model, 0, dims, 1, &ndim) == PRED_ERR_ARGUMENT);
    CHECK(pred_session_create(model, &session) == PRED_OK);
    float y[4];
    CHECK(pred_session_get_output(session, 0, y, 4) == PRED_ERR_STATE);
    CHECK(pred_session_set_input(session, 0, x, 3) == PRED_ERR_ARGUMENT);
    CHECK(pred_session_set_input(session, 1, x, 4) == PRED_ERR_ARGUMENT);
    CHECK(pred_session_set_input(session, 0, x, 4) == PRED_OK);
    CHECK(pred_session_set_threads(session, -1) == PRED_ERR_ARGUMENT);
    CHECK(pred_session_run(session) == PRED_OK);
    CHECK(pred_session_get_output(session, 0, y, 4) == PRED_OK);
    for (int i = 0; i < 4; i++) {
        float want = x[i] + bias[i] > 0 ? x[i] + bias[i] : 0;
        CHECK(y[i] == want);
    }
    /* a batch of 3 in this session only */
    int64_t three[2] = {3, 4}, bad[2] = {3, 5};
    float x3[12], y3[12];
    for (int i = 0; i < 12; i++) x3[i] = (float)(i - 5) * 0.75f;
    CHECK(pred_session_set_input_shape(session, 0, bad, 2) == PRED_ERR_SHAPE);
    CHECK(pred_session_set_input_shape(session, 0, three, 1) == PRED_ERR_SHAPE);
    CHECK(pred_session_set_input_shape(session, 0, three, 2) == PRED_OK);
    CHECK(pred_session_input_size(session, 0) == 12 && pred_session_output_size(session, 0) == 12);
    CHECK(pred_model_output_shape(model, 0, dims, PRED_MAX_DIMS, &ndim) == PRED_OK && dims[0] == 1);
    CHECK(pred_session_output_shape(session, 0, dims, PRED_MAX_DIMS, &ndim) == PRED_OK && ndim == 2 && dims[0] == 3);
    CHECK(pred_session_get_output(session, 0, y3, 12) == PRED_ERR_STATE);
    CHECK(pred_session_set_input(session, 0, x3, 12) == PRED_OK);
    CHECK(pred_session_run(session) == PRED_OK);
    CHECK(pred_session_get_output(session, 0, y3, 12) == PRED_OK);
    for (int i = 0; i < 12; i++) {
        float want = x3[i] + bias[i % 4] > 0 ? x3[i] + bias[i % 4] : 0;
        CHECK(y3[i] == want);
    }
    const char *text = pred_model_describe(model);
    CHECK(text != NULL && strstr(text, "\"op\":\"Add\"") != NULL);
    CHECK(text == pred_model_describe(model)); /* made once */
    /* the session keeps the freed model's memory alive but refuses to run */
    pred_model_free(model);
    CHECK(pred_session_run(session) == PRED_ERR_STATE);
    pred_session_free(session);
    pred_model_free(NULL);
    pred_session_free(NULL);
    CHECK(pred_model_load(NULL, 0, &model) != PRED_OK);
    CHECK(pred_model_load(x, sizeof x, NULL) == PRED_ERR_ARGUMENT);
    CHECK(pred_model_load_file("/no/such/file.onnx", &model) == PRED_ERR_IO);
    CHECK(strcmp(pred_status_name(PRED_ERR_SHAPE), "PRED_ERR_SHAPE") == 0);
    CHECK(pred_abi_version() == PRED_ABI_VERSION);
    CHECK(strcmp(pred_version(), PRED_VERSION) == 0);
}

static void mutate(const unsigned char *bytes, size_t size, int rounds) {
    unsigned char *copy = malloc(size);
    unsigned int state = 12345u;
    for (size_t cut = 0; cut < size; cut++) load_and_run(bytes, cut);
    for (int r = 0; r < rounds; r++) {
        memcpy(copy, bytes, size);
        for (int k = 0; k < 1 + r % 4; k++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % size;
            state = state * 1103515245u + 12345u;
            copy[at] = (unsigned char)(r % 3 == 0 ? (state >> 16) : copy[at] ^ (1u << ((state >> 16) % 8)));
        }
        load_and_run(copy, size);
    }
    free(copy);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s ADD_RELU_MODEL [MODEL ...]\n", argv[0]);
        return 2;
    }
    check_add_relu(argv[1]);
    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        unsigned char *bytes = read_file(argv[i], &size);
        CHECK(bytes != NULL);
        if (!bytes) continue;
        load_and_run(bytes, size);
        load_file_and_run(argv[i]);
        mutate(bytes, size, 3000);
        free(bytes);
    }
    printf("api_test: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
