/*
 * session.c: a session's memory and the run loop.
 *
 * All memory a run needs is allocated when the session is created (and when
 * it is re-planned): one arena holding every input and intermediate tensor,
 * at offsets chosen by the memory plan, and scratch memory shared by the
 * nodes, one block per thread. A run allocates nothing but, at the first run
 * (or the first after pred_session_set_threads changed the count), the thread
 * pool.
 */
#include "session.h"

/* ---- the memory plan -------------------------------------------------------
 * Every non-constant tensor gets an offset (in floats, 64-byte aligned) in one
 * arena. Inputs and graph outputs keep ranges of their own (inputs persist
 * between runs, outputs are read after one). A value lives from the node that
 * computes it to the last node that reads it (the nodes are in execution
 * order, so lifetimes are intervals); values whose lifetimes do not overlap
 * share memory. Placement is greedy by size, largest first, each at the
 * lowest offset that no placed, overlapping value uses (as TFLite's arena
 * planner does). A node never writes over its own inputs. */

typedef struct pred__live {
    size_t tensor, size, first, last;   /* size in floats, rounded to the alignment; first, last: nodes */
    size_t offset;
} pred__live;

static int pred__live_larger(const void *a, const void *b) {
    const pred__live *x = (const pred__live *)a, *y = (const pred__live *)b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->tensor < y->tensor ? -1 : x->tensor > y->tensor; /* a deterministic order */
}

static int pred__live_lower(const void *a, const void *b) {
    const pred__live *x = *(const pred__live *const *)a, *y = *(const pred__live *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static pred_status pred__memory_plan(const pred__graph *g, size_t *offsets, size_t *total) {
    pred__live *v = (pred__live *)pred__calloc(g->n_tensors, sizeof *v);
    pred__live **alive = (pred__live **)pred__calloc(g->n_tensors, sizeof *alive);
    size_t *live_of = (size_t *)pred__calloc(g->n_tensors, sizeof *live_of);
    size_t n_live = 0, at = 0, k, j, p;
    pred_status st = PRED_OK;
    int i;
    if (!v || !alive || !live_of) {
        st = pred__oom();
        goto done;
    }
    for (k = 0; k < g->n_tensors; k++) offsets[k] = live_of[k] = SIZE_MAX;
    for (k = 0; k < g->n_outputs; k++) offsets[g->outputs[k]] = 0; /* marked: a range of its own */
    for (k = 0; k < g->n_tensors; k++) {
        const pred__tensor *t = &g->tensors[k];
        if (t->kind == PRED__TENSOR_CONST || (t->kind == PRED__TENSOR_VALUE && t->producer < 0)) {
            offsets[k] = SIZE_MAX;
        } else if (t->kind == PRED__TENSOR_INPUT || offsets[k] == 0) {
            offsets[k] = at;
            if (!pred__add_size(at, pred__aligned_floats(t->count), &at)) st = pred__oom();
        } else {
            v[n_live].tensor = k;
            v[n_live].size = pred__aligned_floats(t->count);
            v[n_live].first = v[n_live].last = (size_t)t->producer;
            live_of[k] = n_live++;
        }
    }
    for (k = 0; k < g->n_nodes; k++) /* the last reader of each value */
        for (i = 0; i < g->nodes[k].n_in; i++)
            if (g->nodes[k].in[i] >= 0 && (j = live_of[g->nodes[k].in[i]]) != SIZE_MAX && v[j].last < k) v[j].last = k;
    qsort(v, n_live, sizeof *v, pred__live_larger);
    *total = at;
    for (j = 0; st == PRED_OK && j < n_live; j++) {
        size_t n_alive = 0, offset = at, end;
        for (p = 0; p < j; p++) /* placed values alive at the same time, by offset */
            if (!(v[p].last < v[j].first || v[j].last < v[p].first)) alive[n_alive++] = &v[p];
        qsort(alive, n_alive, sizeof *alive, pred__live_lower);
        for (p = 0; p < n_alive && alive[p]->offset < offset + v[j].size; p++) /* the first gap that fits */
            if (alive[p]->offset + alive[p]->size > offset) offset = alive[p]->offset + alive[p]->size;
        v[j].offset = offset;
        offsets[v[j].tensor] = offset;
        if (!pred__add_size(offset, v[j].size, &end)) st = pred__oom();
        else if (end > *total) *total = end;
    }
done:
    PRED_FREE(v);
    PRED_FREE(alive);
    PRED_FREE(live_of);
    return st;
}

static void pred__session_free(pred_session *s) {
    if (!s) return;
    if (s->graph == &s->own) pred__plan_free(&s->own);
    if (s->model) pred__model_release(s->model);
    PRED_FREE(s->bufs);
    pred__aligned_free(s->arena);
    pred__aligned_free(s->scratch);
    pred__pool_free(s->pool);
    PRED_FREE(s);
}

/* The scratch memory of `threads` workers for graph g: *stride floats each. */
static float *pred__scratch_alloc(const pred__graph *g, int threads, size_t *stride) {
    size_t total;
    *stride = pred__aligned_floats(g->max_scratch);
    if (!pred__mul_size(*stride, (size_t)threads, &total)) return NULL;
    return (float *)pred__aligned_alloc(total, sizeof(float), 1);
}

/* Allocates the buffers of graph g into s, replacing those it had for graph
 * `old` (NULL: none), and copies over the data of inputs whose shape stays.
 * On failure s is unchanged. */
static pred_status pred__session_alloc(pred_session *s, const pred__graph *g, const pred__graph *old) {
    float **bufs = (float **)pred__calloc(g->n_tensors, sizeof *bufs);
    size_t *offsets = (size_t *)pred__calloc(g->n_tensors, sizeof *offsets);
    float *arena = NULL, *scratch = NULL;
    size_t total = 0, stride = 0, k;
    pred_status st = PRED_OK;
    if (!bufs || !offsets) {
        st = pred__oom();
        goto done;
    }
    if ((st = pred__memory_plan(g, offsets, &total)) != PRED_OK) goto done;
    /* zeroed: inputs never set read as zeros */
    arena = (float *)pred__aligned_alloc(total, sizeof(float), 1);
    scratch = pred__scratch_alloc(g, s->threads, &stride);
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
    pred__aligned_free(s->arena);
    pred__aligned_free(s->scratch);
    s->bufs = bufs;
    s->arena = arena;
    s->scratch = scratch;
    s->scratch_stride = stride;
    s->memory = (total + stride * (size_t)s->threads) * sizeof(float);
    bufs = NULL;
    arena = scratch = NULL;
done:
    PRED_FREE(bufs);
    PRED_FREE(offsets);
    pred__aligned_free(arena);
    pred__aligned_free(scratch);
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
    s->threads = pred__threads_resolve(0);
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
    x.scratch_stride = s->scratch_stride;
    x.threads = s->threads;
    x.pool = &s->pool;
    pred__pool_spin(s->pool, 1); /* the workers wait for the next node spinning (a pool made in the run too) */
    for (k = 0; k < g->n_nodes; k++) {
        if (pred__node_is_folded(g, &g->nodes[k])) continue; /* computed at load */
        pred__op_get(g->nodes[k].op)->run(&x, &g->nodes[k]);
    }
    pred__pool_spin(s->pool, 0);
    s->has_run = 1;
}

static pred_status pred__session_set_threads(pred_session *s, int threads) {
    int n = pred__threads_resolve(threads);
    size_t stride;
    float *scratch;
    if (n == s->threads) return PRED_OK;
    if (!(scratch = pred__scratch_alloc(s->graph, n, &stride))) return pred__oom();
    pred__pool_free(s->pool); /* joins the workers; the next run starts n - 1 */
    s->pool = NULL;
    pred__aligned_free(s->scratch);
    s->scratch = scratch;
    s->memory = s->memory - s->scratch_stride * (size_t)s->threads * sizeof(float) + stride * (size_t)n * sizeof(float);
    s->scratch_stride = stride;
    s->threads = n;
    return PRED_OK;
}
