/* The predict worker of the benchmark harness (bench/README.md).
 *
 *   runner MODEL THREADS OUTDIR SHAPE FILE [SHAPE FILE ...]
 *
 * SHAPE is "1x3x224x224", FILE the input's raw float32 data. The runner loads
 * the model (timed, with the session and the input shapes set), copies the
 * inputs in, runs once, writes each output as raw float32 to
 * OUTDIR/predict_out<i>.bin and prints one line
 *
 *   @@ {"load_ms": ..., "outputs": [[dims], ...], "rss_kb": ..., "version": ...}
 *
 * then answers commands read from stdin, one a line:
 *
 *   run N   times N calls (set the inputs, run, copy the outputs out, as a
 *           peer's run call does) -> @@ {"ms": [N latencies], "run_ms": [N
 *           latencies of pred_session_run alone]}
 *   rss     -> @@ {"rss_kb": peak resident set size so far (VmHWM)}
 *   quit    exits
 *
 * Failures print @@ {"error": "..."} and exit with status 1. The harness
 * compiles this file against the library built from generated/c/predict.c. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "predict.h"

#define MAX_IO 16

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void fail(const char *what, const char *detail) {
    char msg[2048];
    snprintf(msg, sizeof msg, "%s: %s", what, detail);
    printf("@@ {\"error\": ");
    json_string(msg);
    printf("}\n");
    fflush(stdout);
    exit(1);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Peak resident set size, KiB: VmHWM, since ru_maxrss keeps the parent's (the
 * harness's) peak across fork and exec. */
static long rss_kb(void) {
    struct rusage ru;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        long kb = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld", &kb) == 1) break;
        fclose(f);
        if (kb >= 0) return kb;
    }
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static size_t parse_shape(const char *s, int64_t *dims) {
    size_t n = 0;
    char *end;
    while (n < PRED_MAX_DIMS) {
        long long v = strtoll(s, &end, 10);
        if (end == s) break;
        dims[n++] = v;
        if (*end != 'x') break;
        s = end + 1;
    }
    return n;
}

static float *read_floats(const char *path, size_t count) {
    FILE *f = fopen(path, "rb");
    float *data;
    if (!f) fail(path, strerror(errno));
    data = malloc(count * sizeof *data + 1);
    if (!data || fread(data, sizeof *data, count, f) != count) fail(path, "short read");
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    pred_model *model;
    pred_session *session;
    size_t n_in, n_out, i;
    float *in[MAX_IO], *out[MAX_IO];
    size_t in_size[MAX_IO], out_size[MAX_IO];
    double t0, load_ms;
    char line[256];

    if (argc < 4 || (argc - 4) % 2 != 0) {
        fprintf(stderr, "usage: runner MODEL THREADS OUTDIR SHAPE FILE [SHAPE FILE ...]\n");
        return 2;
    }
    n_in = (size_t)(argc - 4) / 2;
    if (n_in > MAX_IO) fail("inputs", "too many");

    t0 = now_ms();
    if (pred_model_load_file(argv[1], &model) != PRED_OK) fail("load", pred_last_error());
    if (pred_session_create(model, &session) != PRED_OK) fail("session", pred_last_error());
    if (pred_session_set_threads(session, atoi(argv[2])) != PRED_OK) fail("threads", pred_last_error());
    if (pred_model_input_count(model) != n_in) fail("inputs", "the model has another input count");
    for (i = 0; i < n_in; i++) {
        int64_t dims[PRED_MAX_DIMS];
        size_t nd = parse_shape(argv[4 + 2 * i], dims);
        if (pred_session_set_input_shape(session, i, dims, nd) != PRED_OK) fail("input shape", pred_last_error());
    }
    load_ms = now_ms() - t0;

    for (i = 0; i < n_in; i++) {
        in_size[i] = pred_session_input_size(session, i);
        in[i] = read_floats(argv[5 + 2 * i], in_size[i]);
        if (pred_session_set_input(session, i, in[i], in_size[i]) != PRED_OK) fail("set input", pred_last_error());
    }
    n_out = pred_model_output_count(model);
    if (n_out > MAX_IO) fail("outputs", "too many");
    if (pred_session_run(session) != PRED_OK) fail("run", pred_last_error());
    printf("@@ {\"load_ms\": %.3f, \"outputs\": [", load_ms);
    for (i = 0; i < n_out; i++) {
        int64_t dims[PRED_MAX_DIMS];
        size_t nd, d;
        char path[4096];
        FILE *f;
        out_size[i] = pred_session_output_size(session, i);
        out[i] = malloc(out_size[i] * sizeof(float) + 1);
        if (!out[i]) fail("outputs", "out of memory");
        if (pred_session_get_output(session, i, out[i], out_size[i]) != PRED_OK) fail("get output", pred_last_error());
        if (pred_session_output_shape(session, i, dims, PRED_MAX_DIMS, &nd) != PRED_OK) fail("output shape", pred_last_error());
        snprintf(path, sizeof path, "%s/predict_out%zu.bin", argv[3], i);
        f = fopen(path, "wb");
        if (!f || fwrite(out[i], sizeof(float), out_size[i], f) != out_size[i]) fail(path, "cannot write");
        fclose(f);
        printf("%s[", i ? ", " : "");
        for (d = 0; d < nd; d++) printf("%s%lld", d ? ", " : "", (long long)dims[d]);
        printf("]");
    }
    printf("], \"rss_kb\": %ld, \"version\": ", rss_kb());
    json_string(pred_version());
    printf("}\n");
    fflush(stdout);

    while (fgets(line, sizeof line, stdin)) {
        long n, k;
        if (sscanf(line, "run %ld", &n) == 1) {
            double *ms = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *ms), *run_ms;
            if (!ms) fail("run", "out of memory");
            run_ms = ms + (n > 0 ? n : 1);
            for (k = 0; k < n; k++) {
                double t = now_ms(), t1, t2;
                for (i = 0; i < n_in; i++) pred_session_set_input(session, i, in[i], in_size[i]);
                t1 = now_ms();
                if (pred_session_run(session) != PRED_OK) fail("run", pred_last_error());
                t2 = now_ms();
                for (i = 0; i < n_out; i++) pred_session_get_output(session, i, out[i], out_size[i]);
                ms[k] = now_ms() - t;
                run_ms[k] = t2 - t1;
            }
            printf("@@ {\"ms\": [");
            for (k = 0; k < n; k++) printf("%s%.5f", k ? ", " : "", ms[k]);
            printf("], \"run_ms\": [");
            for (k = 0; k < n; k++) printf("%s%.5f", k ? ", " : "", run_ms[k]);
            printf("]}\n");
            free(ms);
        } else if (strncmp(line, "rss", 3) == 0) {
            printf("@@ {\"rss_kb\": %ld}\n", rss_kb());
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        } else {
            printf("@@ {\"error\": \"unknown command\"}\n");
        }
        fflush(stdout);
    }
    for (i = 0; i < n_in; i++) free(in[i]);
    for (i = 0; i < n_out; i++) free(out[i]);
    pred_session_free(session);
    pred_model_free(model);
    return 0;
}
