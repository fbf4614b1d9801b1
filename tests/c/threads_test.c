/*
 * threads_test.c: one model shared by several application threads, each
 * running it through its own session of 1 to 3 threads, with outputs the
 * same bits as a single-threaded run. Built with -fsanitize=thread by
 * test_tsan_threads.py.
 *
 *     threads_test MODEL.onnx[@BATCH]...
 *
 * With @BATCH, every session runs a batch of BATCH (the first dimension of
 * every input): a graph that computes each sample alone runs one sample a
 * thread, against the 1-thread session's one sample after the other.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

#define APP_THREADS 4
#define RUNS 3

typedef struct expected {
    size_t n_in, n_out;
    float **inputs;              /* per input */
    size_t *in_count;
    float **outputs;             /* per output: the 1-thread run */
    size_t *out_count;
} expected;

typedef struct job {
    const pred_model *model;
    const expected *want;
    int64_t batch;               /* 0: the model's shapes */
    int session_threads;
    int failures;
} job;

static int check(pred_status st, const char *what) {
    if (st != PRED_OK) {
        printf("FAIL %s: %s\n", what, pred_last_error());
        return 1;
    }
    return 0;
}

/* Sets the first dimension of every input of s to `batch` (0: leaves s as it is). */
static int set_batch(pred_session *s, const pred_model *m, int64_t batch) {
    size_t k, ndim;
    int64_t dims[PRED_MAX_DIMS];
    int failures = 0;
    for (k = 0; batch && k < pred_model_input_count(m); k++) {
        failures += check(pred_session_input_shape(s, k, dims, PRED_MAX_DIMS, &ndim), "input_shape");
        dims[0] = batch;
        failures += check(pred_session_set_input_shape(s, k, dims, ndim), "set_input_shape");
    }
    return failures;
}

/* Sets the inputs, runs `runs` times and compares every output with `want` (when its outputs exist). */
static int run_and_compare(pred_session *s, const expected *want, int runs, float **keep) {
    size_t k;
    int r, failures = 0;
    for (r = 0; r < runs; r++) {
        for (k = 0; k < want->n_in; k++)
            failures += check(pred_session_set_input(s, k, want->inputs[k], want->in_count[k]), "set_input");
        failures += check(pred_session_run(s), "run");
        for (k = 0; k < want->n_out; k++) {
            float *y = (float *)malloc(want->out_count[k] * sizeof *y);
            failures += check(pred_session_get_output(s, k, y, want->out_count[k]), "get_output");
            if (keep) {
                keep[k] = y;
                continue;
            }
            if (memcmp(y, want->outputs[k], want->out_count[k] * sizeof *y) != 0) {
                printf("FAIL output %zu differs from the 1-thread run\n", k);
                failures++;
            }
            free(y);
        }
    }
    return failures;
}

static void *app_thread(void *arg) {
    job *j = (job *)arg;
    pred_session *s = NULL;
    if (check(pred_session_create(j->model, &s), "session_create")) {
        j->failures++;
        return NULL;
    }
    j->failures += check(pred_session_set_threads(s, j->session_threads), "set_threads");
    j->failures += set_batch(s, j->model, j->batch);
    j->failures += run_and_compare(s, j->want, RUNS, NULL);
    /* a new count replaces the workers between runs */
    j->failures += check(pred_session_set_threads(s, 5 - j->session_threads), "set_threads again");
    j->failures += run_and_compare(s, j->want, 1, NULL);
    pred_session_free(s);
    return NULL;
}

static int test_model(const char *arg) {
    char path[4096];
    const char *at = strchr(arg, '@');
    const int64_t batch = at ? atoll(at + 1) : 0;
    pred_model *m = NULL;
    pred_session *one = NULL;
    expected want;
    pthread_t ids[APP_THREADS];
    job jobs[APP_THREADS];
    size_t k;
    int i, failures = 0;
    unsigned seed = 12345;
    snprintf(path, sizeof path, "%.*s", at ? (int)(at - arg) : (int)strlen(arg), arg);
    if (check(pred_model_load_file(path, &m), path)) return 1;
    if (check(pred_session_create(m, &one), "session_create")) return 1;
    failures += check(pred_session_set_threads(one, 1), "set_threads 1");
    failures += set_batch(one, m, batch);
    want.n_in = pred_model_input_count(m);
    want.n_out = pred_model_output_count(m);
    want.inputs = (float **)calloc(want.n_in + 1, sizeof(float *));
    want.in_count = (size_t *)calloc(want.n_in + 1, sizeof(size_t));
    want.outputs = (float **)calloc(want.n_out + 1, sizeof(float *));
    want.out_count = (size_t *)calloc(want.n_out + 1, sizeof(size_t));
    for (k = 0; k < want.n_in; k++) {
        size_t e;
        want.in_count[k] = pred_session_input_size(one, k);
        want.inputs[k] = (float *)malloc(want.in_count[k] * sizeof(float) + 1);
        for (e = 0; e < want.in_count[k]; e++) {
            seed = seed * 1103515245u + 12345u;
            want.inputs[k][e] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
        }
    }
    for (k = 0; k < want.n_out; k++) want.out_count[k] = pred_session_output_size(one, k);
    failures += run_and_compare(one, &want, 1, want.outputs);
    pred_session_free(one);

    for (i = 0; i < APP_THREADS; i++) {
        jobs[i].model = m;
        jobs[i].want = &want;
        jobs[i].batch = batch;
        jobs[i].session_threads = 1 + i % 3; /* 1, 2, 3, 1 */
        jobs[i].failures = 0;
        if (pthread_create(&ids[i], NULL, app_thread, &jobs[i]) != 0) {
            printf("FAIL pthread_create\n");
            return failures + 1;
        }
    }
    for (i = 0; i < APP_THREADS; i++) {
        pthread_join(ids[i], NULL);
        failures += jobs[i].failures;
    }
    pred_model_free(m);
    for (k = 0; k < want.n_in; k++) free(want.inputs[k]);
    for (k = 0; k < want.n_out; k++) free(want.outputs[k]);
    free(want.inputs);
    free(want.in_count);
    free(want.outputs);
    free(want.out_count);
    printf("%s: %d failure(s)\n", arg, failures);
    return failures;
}

int main(int argc, char **argv) {
    int i, failures = 0;
    for (i = 1; i < argc; i++) failures += test_model(argv[i]);
    printf("threads_test: %d failure(s)\n", failures);
    return failures != 0;
}
