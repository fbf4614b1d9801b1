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
        if (t->kind == PRED__TENSOR_VALUE && t->producer < 0) continue; /* no node computes it any more */
        size = (t->count + PRED__ALIGN_FLOATS - 1) / PRED__ALIGN_FLOATS * PRED__ALIGN_FLOATS;
        offsets[k] = at;
        if (!pred__add_size(at, size, &at)) return pred__oom();
    }
    *total = at;
    return PRED_OK;
}

static void pred__session_free(pred_session *s) {
    if (!s) return;
    if (s->graph == &s->own) pred__plan_free(&s->own);
    if (s->model) pred__model_release(s->model);
    PRED_FREE(s->bufs);
    PRED_FREE(s->arena);
    PRED_FREE(s->scratch);
    PRED_FREE(s);
}

/* Allocates the buffers of graph g into s, replacing those it had for graph
 * `old` (NULL: none), and copies over the data of inputs whose shape stays.
 * On failure s is unchanged. */
static pred_status pred__session_alloc(pred_session *s, const pred__graph *g, const pred__graph *old) {
    float **bufs = (float **)pred__calloc(g->n_tensors, sizeof *bufs);
    size_t *offsets = (size_t *)pred__calloc(g->n_tensors, sizeof *offsets);
    float *arena = NULL, *scratch = NULL;
    size_t total = 0, k;
    pred_status st = PRED_OK;
    if (!bufs || !offsets) {
        st = pred__oom();
        goto done;
    }
    if ((st = pred__memory_plan(g, offsets, &total)) != PRED_OK) goto done;
    /* zeroed: inputs never set read as zeros */
    arena = (float *)pred__calloc(total, sizeof(float));
    scratch = (float *)pred__calloc(g->max_scratch, sizeof(float));
    if (!arena || !scratch) {
        st = pred__oom();
        goto done;
    }
    for (k = 0; k < g->n_tensors; k++) {
        const pred__tensor *t = &g->tensors[k];
        if (t->kind == PRED__TENSOR_CONST) /* read-only: never a node output */
            bufs[k] = t->dtype == PRED__DT_FLOAT ? t->f : (float *)(void *)t->i;
        else if (offsets[k] != SIZE_MAX) bufs[k] = arena + offsets[k];
    }
    for (k = 0; old && k < g->n_inputs; k++) { /* plans of one base number the inputs alike */
        const pred__tensor *t = &g->tensors[g->inputs[k]], *was = &old->tensors[old->inputs[k]];
        if (t->kind == PRED__TENSOR_INPUT && pred__shape_equal(&t->shape, &was->shape))
            memcpy(bufs[g->inputs[k]], s->bufs[old->inputs[k]], t->count * sizeof(float));
    }
    PRED_FREE(s->bufs);
    PRED_FREE(s->arena);
    PRED_FREE(s->scratch);
    s->bufs = bufs;
    s->arena = arena;
    s->scratch = scratch;
    bufs = NULL;
    arena = scratch = NULL;
done:
    PRED_FREE(bufs);
    PRED_FREE(offsets);
    PRED_FREE(arena);
    PRED_FREE(scratch);
    return st;
}

static pred_status pred__session_create(pred_model *m, pred_session **out) {
    pred_session *s;
    pred_status st;
    *out = NULL;
    if (!(s = (pred_session *)pred__calloc(1, sizeof *s))) return pred__oom();
    pred__model_retain(m);
    s->model = m;
    s->graph = &m->graph;
    if ((st = pred__session_alloc(s, s->graph, NULL)) != PRED_OK) {
        pred__session_free(s);
        return st;
    }
    *out = s;
    return PRED_OK;
}

static pred_status pred__session_replan(pred_session *s, const pred__shape *shapes, const float *const *values) {
    const pred__graph *g = s->graph;
    const float **kept = (const float **)pred__calloc(g->n_inputs, sizeof *kept);
    pred__shape *now = (pred__shape *)pred__calloc(g->n_inputs, sizeof *now);
    pred__graph plan;
    pred_status st = PRED_OK;
    size_t k;
    if (!kept || !now) st = pred__oom();
    for (k = 0; st == PRED_OK && k < g->n_inputs; k++) {
        const pred__tensor *t = &g->tensors[g->inputs[k]];
        now[k] = shapes ? shapes[k] : t->shape;
        if (values && values[k]) kept[k] = values[k];
        else if ((t->flags & PRED__TF_SHAPE_INPUT) && pred__shape_equal(&t->shape, &now[k])) kept[k] = t->f;
    }
    if (st == PRED_OK) st = pred__plan_create(&s->model->base, now, kept, s->model->optimize, &plan);
    PRED_FREE(kept);
    PRED_FREE(now);
    if (st != PRED_OK) return st;
    if ((st = pred__session_alloc(s, &plan, g)) != PRED_OK) {
        pred__plan_free(&plan);
        return st;
    }
    if (s->graph == &s->own) pred__plan_free(&s->own);
    s->own = plan;
    s->graph = &s->own;
    s->has_run = 0;
    return PRED_OK;
}

static void pred__session_run(pred_session *s) {
    const pred__graph *g = s->graph;
    pred__exec x;
    size_t k;
    x.tensors = g->tensors;
    x.bufs = s->bufs;
    x.scratch = s->scratch;
    for (k = 0; k < g->n_nodes; k++) {
        if (pred__node_is_folded(g, &g->nodes[k])) continue; /* computed at load */
        pred__op_get(g->nodes[k].op)->run(&x, &g->nodes[k]);
    }
    s->has_run = 1;
}
