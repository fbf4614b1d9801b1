/*
 * session.h: pred_session, the buffers of one inference at a time.
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
    float **bufs;                /* per tensor: its data (constants point into the model) */
    float *arena;                /* one block for all inputs and values (see the memory plan) */
    float *scratch;              /* graph.max_scratch floats for the node running */
    size_t memory;               /* bytes of arena and scratch */
    int threads;                 /* requested thread count (0: default); unused for now */
    int has_run;                 /* a run completed: outputs are valid */
};

static pred_status pred__session_create(pred_model *m, pred_session **out);
static void pred__session_free(pred_session *s);
static void pred__session_run(pred_session *s);
/* Re-plans the session for the input shapes `shapes` (one per input; NULL:
 * the shapes it has) and
 * the values of its shape inputs (graph.h) `values` (one per input; a NULL
 * entry keeps the values the session has, or ones if the shape changed).
 * The data of inputs whose shape stays is kept. On failure the session is
 * unchanged. */
static pred_status pred__session_replan(pred_session *s, const pred__shape *shapes, const float *const *values);

#endif /* PRED_SESSION_H */
