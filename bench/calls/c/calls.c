/* bench/calls: the time of one set_input + run + get_output through the C API, the
 * baseline of every binding's per-call overhead (bench/README.md, "Per-call overhead").
 *
 *   cc -O2 calls.c predict.c -lm -pthread -o calls && ./calls model.onnx N
 *
 * Protocol (the same in every language; the driver is bench/calls/driver.py):
 * prints "ready <language>" once the model is loaded and one call has run, then reads
 * commands on stdin, one per line:
 *   time K      runs K iterations, answers "ns <total nanoseconds>"
 *   check PATH  runs one iteration, writes the output as raw float32 to PATH, answers "ok"
 *   quit        (or end of input) exits
 * The input is x[i] = ((i % 251) - 125) / 8, the output goes into a preallocated buffer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "predict.h"

static pred_session *session;
static float *x, *y;
static size_t n;

static void fail(const char *what)
{
    fprintf(stderr, "calls (C): %s: %s\n", what, pred_last_error());
    exit(1);
}

static void call(void)
{
    if (pred_session_set_input(session, 0, x, n) != PRED_OK)
        fail("pred_session_set_input");
    if (pred_session_run(session) != PRED_OK)
        fail("pred_session_run");
    if (pred_session_get_output(session, 0, y, n) != PRED_OK)
        fail("pred_session_get_output");
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    pred_model *model;
    char line[4096];
    if (argc != 3) {
        fprintf(stderr, "usage: calls model.onnx N\n");
        return 2;
    }
    n = (size_t)strtoull(argv[2], NULL, 10);
    if (pred_model_load_file(argv[1], &model) != PRED_OK)
        fail("pred_model_load_file");
    if (pred_session_create(model, &session) != PRED_OK)
        fail("pred_session_create");
    if (pred_session_set_threads(session, 1) != PRED_OK)
        fail("pred_session_set_threads");
    if (pred_session_input_size(session, 0) != n || pred_session_output_size(session, 0) != n) {
        fprintf(stderr, "calls (C): the model's input or output is not %zu floats\n", n);
        return 1;
    }
    x = malloc(n * sizeof *x);
    y = malloc(n * sizeof *y);
    if (x == NULL || y == NULL) {
        fprintf(stderr, "calls (C): out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((int)(i % 251) - 125) / 8.0f;
    call();
    printf("ready c\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "time ", 5) == 0) {
            long long k = atoll(line + 5);
            long long t0 = now_ns();
            for (long long i = 0; i < k; i++)
                call();
            long long t1 = now_ns();
            printf("ns %lld\n", t1 - t0);
        } else if (strncmp(line, "check ", 6) == 0) {
            FILE *f;
            call();
            f = fopen(line + 6, "wb");
            if (f == NULL || fwrite(y, sizeof *y, n, f) != n || fclose(f) != 0) {
                fprintf(stderr, "calls (C): cannot write %s\n", line + 6);
                return 1;
            }
            printf("ok\n");
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            fprintf(stderr, "calls (C): unknown command: %s\n", line);
            return 2;
        }
        fflush(stdout);
    }
    pred_session_free(session);
    pred_model_free(model);
    free(x);
    free(y);
    return 0;
}
