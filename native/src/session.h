/*
 * session.h: pred_session, the buffers of one inference at a time.
 *
 * A session owns its thread pool: sessions are used one per application
 * thread, so a pool shared between sessions would make them wait for each
 * other, and an owned pool is started, resized and joined with the session
 * alone (native/README.md, "Threads").
 */
#ifndef PRED_SESSION_H
#define PRED_SESSION_H

#include "common.h"
#include "graph.h"
#include "model.h"

struct pred_session {
    pred_model *model;           /* holds a reference */
    const pred__graph *graph;    /* what runs: the model's plan, or `own` */
    pred__graph own;             /* the plan for shapes set with pred_session_set_input_shape; empty if none */
    float **bufs;                /* per tensor: its data (constants point into the model); with a sample
                                    plan, graph's inputs and outputs only */
    float *arena;                /* one block for all inputs and values (see the memory plan) */
    pred__graph sample;          /* a batch of several samples whose nodes each compute a sample from that
                                    sample alone: the plan at batch 1 that runs each sample in turn (the
                                    batch's values stay in cache; the same bits). Empty (no nodes): graph
                                    runs as a whole */
    float **sample_bufs;         /* per thread, per tensor of `sample`: its data (thread w's at
                                    w * sample.n_tensors): the threads may run a sample each */
    float *sample_arena;         /* per thread, an arena of sample_floats */
    size_t batch;                /* samples of graph's inputs when `sample` runs them */
    size_t arena_floats, sample_floats;
    float *scratch;              /* per thread, graph.max_scratch floats (rounded up to 64 bytes: scratch_stride)
                                    for the node running */
    size_t scratch_stride;
    size_t memory;               /* bytes of arena and scratch */
    int threads;                 /* the thread count runs use (1 or more), from pred_session_set_threads */
    pred__threadpool *pool;      /* its workers, started at the first run with threads > 1; NULL before */
    int has_run;                 /* a run completed: outputs are valid */
};

static pred_status pred__session_create(pred_model *m, pred_session **out);
static void pred__session_free(pred_session *s);
/* Runs every node, on s->threads threads (starting the pool at the first run). */
static void pred__session_run(pred_session *s);
/* Sets the thread count (resolved: pred__threads_resolve) and sizes the
 * scratch memory for it; the pool is started again at the next run. On
 * failure (memory) the session is unchanged. */
static pred_status pred__session_set_threads(pred_session *s, int threads);
/* Re-plans the session for the input shapes `shapes` (one per input; NULL:
 * the shapes it has) and
 * the values of its shape inputs (graph.h) `values` (one per input; a NULL
 * entry keeps the values the session has, or ones if the shape changed).
 * The data of inputs whose shape stays is kept. On failure the session is
 * unchanged. */
static pred_status pred__session_replan(pred_session *s, const pred__shape *shapes, const float *const *values);

#endif /* PRED_SESSION_H */
