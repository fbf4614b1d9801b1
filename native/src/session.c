/*
 * session.c: a session's memory and the run loop.
 *
 * All memory a run needs is allocated when the session is created: one
 * arena holding every input and intermediate tensor, at offsets chosen by
 * the memory plan, and one scratch buffer shared by the nodes.
 */
#include "session.h"

/* Offsets are multiples of this many floats (64 bytes), for vector kernels. */
#define PRED__ALIGN_FLOATS 16

/* The memory plan: offsets[t] (in floats) of every non-constant tensor in
 * the arena, and the arena size. This one gives each tensor its own range.
 * A plan that reuses the range of a value after its last consumer ran (the
 * graph is in execution order, so lifetimes are intervals) replaces this
 * function alone; inputs and graph outputs must keep their own ranges. */
static pred_status pred__memory_plan(const pred__graph *g, size_t *offsets, size_t *total) {
    size_t k, at = 0;
    for (k = 0; k < g->n_tensors; k++) {
        const pred__tensor *t = &g->tensors[k];
        size_t size;
        offsets[k] = SIZE_MAX;
        if (t->kind == PRED__TENSOR_CONST) continue;
        size = (t->count + PRED__ALIGN_FLOATS - 1) / PRED__ALIGN_FLOATS * PRED__ALIGN_FLOATS;
        offsets[k] = at;
        if (!pred__add_size(at, size, &at)) return pred__oom();
    }
    *total = at;
    return PRED_OK;
}

static void pred__session_free(pred_session *s) {
    if (!s) return;
    if (s->model) pred__model_release(s->model);
    PRED_FREE(s->bufs);
    PRED_FREE(s->arena);
    PRED_FREE(s->scratch);
    PRED_FREE(s);
}

static pred_status pred__session_create(pred_model *m, pred_session **out) {
    const pred__graph *g = &m->graph;
    pred_session *s;
    size_t *offsets = NULL, total = 0, k;
    pred_status st = PRED_OK;
    *out = NULL;
    if (!(s = (pred_session *)pred__calloc(1, sizeof *s))) return pred__oom();
    pred__model_retain(m);
    s->model = m;
    s->bufs = (float **)pred__calloc(g->n_tensors, sizeof *s->bufs);
    offsets = (size_t *)pred__calloc(g->n_tensors, sizeof *offsets);
    if (!s->bufs || !offsets) {
        st = pred__oom();
        goto fail;
    }
    if ((st = pred__memory_plan(g, offsets, &total)) != PRED_OK) goto fail;
    /* zeroed: inputs never set read as zeros */
    s->arena = (float *)pred__calloc(total, sizeof(float));
    s->scratch = (float *)pred__calloc(g->max_scratch, sizeof(float));
    if (!s->arena || !s->scratch) {
        st = pred__oom();
        goto fail;
    }
    for (k = 0; k < g->n_tensors; k++) {
        const pred__tensor *t = &g->tensors[k];
        if (t->kind == PRED__TENSOR_CONST) s->bufs[k] = (float *)t->f; /* read-only: never a node output */
        else s->bufs[k] = s->arena + offsets[k];
    }
    PRED_FREE(offsets);
    *out = s;
    return PRED_OK;
fail:
    PRED_FREE(offsets);
    pred__session_free(s);
    return st;
}

static void pred__session_run(pred_session *s) {
    const pred__graph *g = &s->model->graph;
    pred__exec x;
    size_t k;
    x.tensors = g->tensors;
    x.bufs = s->bufs;
    x.scratch = s->scratch;
    for (k = 0; k < g->n_nodes; k++) pred__op_get(g->nodes[k].op)->run(&x, &g->nodes[k]);
    s->has_run = 1;
}
