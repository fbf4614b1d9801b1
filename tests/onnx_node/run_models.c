/* Loads and runs ONNX models through the C API, for test_onnx_node.py, which
 * builds it with AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 *   run_models MODEL.onnx ...
 *
 * Each model loads with and without the load-time optimizations; the ones
 * that load run on the float32 data of MODEL.onnx.in0, .in1... (raw
 * little-endian, one file per input; a missing file leaves zeros) and every
 * output is read. A refusal is fine; a sanitizer report, a crash or a
 * failing call after a successful load is not. Prints "loaded N". */
#include "predict.h"

#include <stdio.h>
#include <stdlib.h>

static int failures = 0;

static void fail(const char *path, const char *what) {
    fprintf(stderr, "%s: %s failed: %s\n", path, what, pred_last_error());
    failures++;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    *size = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
    fclose(f);
    return buf;
}

/* 1 if the model loaded. */
static int run(const char *path, const unsigned char *bytes, size_t size, int options) {
    pred_model *model = NULL;
    pred_session *session = NULL;
    size_t i;
    if (pred_model_load_with_options(bytes, size, options, &model) != PRED_OK) return 0;
    if (pred_session_create(model, &session) != PRED_OK) {
        fail(path, "pred_session_create");
        pred_model_free(model);
        return 1;
    }
    for (i = 0; i < pred_model_input_count(model); i++) {
        char name[4096];
        size_t n = 0;
        float *x;
        snprintf(name, sizeof name, "%s.in%lu", path, (unsigned long)i);
        if (!(x = (float *)read_file(name, &n))) continue;
        if (pred_session_set_input(session, i, x, n / sizeof *x) != PRED_OK) fail(path, "pred_session_set_input");
        free(x);
    }
    if (pred_session_run(session) != PRED_OK) fail(path, "pred_session_run");
    for (i = 0; i < pred_model_output_count(model); i++) {
        size_t n = pred_session_output_size(session, i);
        float *y = malloc((n ? n : 1) * sizeof *y);
        if (pred_session_get_output(session, i, y, n) != PRED_OK) fail(path, "pred_session_get_output");
        free(y);
    }
    pred_session_free(session);
    pred_model_free(model);
    return 1;
}

int main(int argc, char **argv) {
    int loaded = 0, a;
    for (a = 1; a < argc; a++) {
        size_t size = 0;
        unsigned char *bytes = read_file(argv[a], &size);
        if (!bytes) {
            fprintf(stderr, "%s: cannot read\n", argv[a]);
            return 1;
        }
        loaded += run(argv[a], bytes, size, 0);
        run(argv[a], bytes, size, PRED_LOAD_NO_OPTIMIZE);
        free(bytes);
    }
    printf("loaded %d\n", loaded);
    return failures ? 1 : 0;
}
