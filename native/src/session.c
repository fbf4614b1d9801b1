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
 * planner does). A node never writes over its own inputs. With io_only, only
 * the inputs and outputs get memory (a graph whose samples a sample plan runs). */

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

static pred_status pred__memory_plan(const pred__graph *g, int io_only, size_t *offsets, size_t *total) {
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
        } else if (!io_only) {
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
    pred__plan_free(&s->sample);
    if (s->model) pred__model_release(s->model);
    PRED_FREE(s->bufs);
    pred__aligned_free(s->arena);
    PRED_FREE(s->sample_bufs);
    pred__aligned_free(s->sample_arena);
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

/* `copies` arenas of graph g (io_only: its inputs and outputs alone) in one block, and every
 * tensor's data in them (copy c's at c * n_tensors of *bufs; constants shared): *bufs, *arena
 * and *floats (one copy's) set, or nothing allocated on failure. */
static pred_status pred__buffers_alloc(const pred__graph *g, int io_only, size_t copies, float ***bufs,
                                       float **arena, size_t *floats) {
    size_t *offsets = (size_t *)pred__calloc(g->n_tensors, sizeof *offsets), k, c, all = 0, ptrs = 0;
    pred_status st = PRED_OK;
    *bufs = NULL;
    *arena = NULL;
    *floats = 0;
    if (!offsets || !pred__mul_size(g->n_tensors, copies, &ptrs)) st = pred__oom();
    if (st == PRED_OK && !(*bufs = (float **)pred__calloc(ptrs, sizeof **bufs))) st = pred__oom();
    if (st == PRED_OK) st = pred__memory_plan(g, io_only, offsets, floats);
    if (st == PRED_OK && !pred__mul_size(*floats, copies, &all)) st = pred__oom();
    /* zeroed: inputs never set read as zeros */
    if (st == PRED_OK && !(*arena = (float *)pred__aligned_alloc(all, sizeof(float), 1))) st = pred__oom();
    for (c = 0; st == PRED_OK && c < copies; c++)
        for (k = 0; k < g->n_tensors; k++) {
            const pred__tensor *t = &g->tensors[k];
            float **buf = *bufs + c * g->n_tensors + k;
            if (t->kind == PRED__TENSOR_CONST) /* read-only: never a node output */
                *buf = t->dtype == PRED__DT_FLOAT ? t->f : (float *)(void *)t->i;
            else if (offsets[k] != SIZE_MAX) *buf = *arena + c * *floats + offsets[k];
        }
    PRED_FREE(offsets);
    if (st != PRED_OK) {
        PRED_FREE(*bufs);
        *bufs = NULL;
    }
    return st;
}

/* The graph a session's runs execute: its sample plan, if it has one. */
static const pred__graph *pred__session_runs(const pred_session *s) {
    return s->sample.n_nodes ? &s->sample : s->graph;
}

/* Allocates the buffers of graph g into s (with `sample`, not NULL, the plan that runs each of
 * g's samples: g gets memory for its inputs and outputs alone, and each thread a copy of the
 * sample plan's), replacing those it had
 * for graph `old` (NULL: none), and copies over the data of inputs whose shape stays. On failure
 * s is unchanged. */
static pred_status pred__session_alloc(pred_session *s, const pred__graph *g, const pred__graph *old,
                                       const pred__graph *sample) {
    float **bufs = NULL, **sample_bufs = NULL;
    float *arena = NULL, *sample_arena = NULL, *scratch = NULL;
    size_t total = 0, sample_total = 0, stride = 0, k;
    pred_status st = pred__buffers_alloc(g, sample != NULL, 1, &bufs, &arena, &total);
    if (st == PRED_OK && sample) /* one copy a thread: the threads may run a sample each */
        st = pred__buffers_alloc(sample, 0, (size_t)s->threads, &sample_bufs, &sample_arena, &sample_total);
    if (st == PRED_OK && !(scratch = pred__scratch_alloc(sample ? sample : g, s->threads, &stride))) st = pred__oom();
    if (st != PRED_OK) {
        PRED_FREE(bufs);
        PRED_FREE(sample_bufs);
        pred__aligned_free(arena);
        pred__aligned_free(sample_arena);
        return st;
    }
    for (k = 0; old && k < g->n_inputs; k++) { /* plans of one base number the inputs alike */
        const pred__tensor *t = &g->tensors[g->inputs[k]], *was = &old->tensors[old->inputs[k]];
        if (t->kind == PRED__TENSOR_INPUT && pred__shape_equal(&t->shape, &was->shape))
            memcpy(bufs[g->inputs[k]], s->bufs[old->inputs[k]], t->count * sizeof(float));
    }
    PRED_FREE(s->bufs);
    PRED_FREE(s->sample_bufs);
    pred__aligned_free(s->arena);
    pred__aligned_free(s->sample_arena);
    pred__aligned_free(s->scratch);
    s->bufs = bufs;
    s->arena = arena;
    s->sample_bufs = sample_bufs;
    s->sample_arena = sample_arena;
    s->scratch = scratch;
    s->scratch_stride = stride;
    s->arena_floats = total;
    s->sample_floats = sample_total;
    s->memory = (total + (sample_total + stride) * (size_t)s->threads) * sizeof(float);
    return PRED_OK;
}

/* 1 when node n of a plan at batch `batch` computes each sample from that sample alone, as node
 * n1 of the same graph's plan at batch 1 does, given that every value of both plans has the batch
 * as its first dimension, the other dimensions alike (pred__sample_plan checks that). The ops
 * below could only mix samples by working along the first dimension (concatenating, reducing,
 * moving or splitting it), which would change its size. Others (Slice with a negative step,
 * Gather, LayerNormalization over every axis, ...) can mix samples and keep every size: their
 * graphs run the batch as a whole. */
static int pred__node_per_sample(const pred__node *n, const pred__node *n1, size_t batch) {
    switch (n->op) {
    case PRED__OP_BATCHNORMALIZATION:
        return !n->p.batchnorm.training; /* training: the batch's statistics */
    case PRED__OP_SOFTMAX:
    case PRED__OP_LOGSOFTMAX:
        return n->p.axis.outer == n1->p.axis.outer * (int64_t)batch; /* not along the batch */
    case PRED__OP_CONV: case PRED__OP_CONVTRANSPOSE: case PRED__OP_MAXPOOL: case PRED__OP_AVERAGEPOOL:
    case PRED__OP_GLOBALAVERAGEPOOL: case PRED__OP_GLOBALMAXPOOL: case PRED__OP_LRN:
    case PRED__OP_INSTANCENORMALIZATION: case PRED__OP_GEMM: case PRED__OP_MATMUL: case PRED__OP_FLATTEN:
    case PRED__OP_RESHAPE: case PRED__OP_IDENTITY: case PRED__OP_DROPOUT: case PRED__OP_ADD: case PRED__OP_SUB:
    case PRED__OP_MUL: case PRED__OP_DIV: case PRED__OP_POW: case PRED__OP_MAX: case PRED__OP_MIN:
    case PRED__OP_SUM: case PRED__OP_PRELU: case PRED__OP_RELU: case PRED__OP_CLIP: case PRED__OP_LEAKYRELU:
    case PRED__OP_SIGMOID: case PRED__OP_HARDSIGMOID: case PRED__OP_HARDSWISH: case PRED__OP_TANH:
    case PRED__OP_EXP: case PRED__OP_SQRT: case PRED__OP_ERF: case PRED__OP_GELU: case PRED__OP_ABS:
    case PRED__OP_NEG: case PRED__OP_RECIPROCAL: case PRED__OP_FLOOR: case PRED__OP_CEIL: case PRED__OP_ELU:
    case PRED__OP_SELU: case PRED__OP_CELU: case PRED__OP_SOFTPLUS: case PRED__OP_SOFTSIGN:
    case PRED__OP_THRESHOLDEDRELU: case PRED__OP_MISH: case PRED__OP_CONCAT: case PRED__OP_SPLIT:
    case PRED__OP_PAD: case PRED__OP_TRANSPOSE: case PRED__OP_SQUEEZE: case PRED__OP_UNSQUEEZE:
    case PRED__OP_RESIZE: case PRED__OP_UPSAMPLE: case PRED__OP_REDUCEMEAN: case PRED__OP_REDUCEMAX:
    case PRED__OP_REDUCEMIN: case PRED__OP_REDUCESUM: case PRED__OP_REDUCESUMSQUARE:
        return 1;
    default:
        return 0;
    }
}

/* Plan `all` (for the input shapes `shapes`) as *sample, the same graph at batch 1, when that plan
 * can run all's samples one after the other: every input and value of `all` has its batch (more
 * than 1, the same for all) as first dimension and 1 there in *sample, the other dimensions
 * alike, and every node computes a sample from that sample alone. Else *sample is left empty. */
static pred_status pred__sample_plan(const pred_model *m, const pred__graph *all, const pred__shape *shapes,
                                     const float *const *kept, pred__graph *sample, size_t *batch) {
    pred__shape *one;
    pred_status st;
    size_t k, d, b = 0;
    int ok;
    memset(sample, 0, sizeof *sample);
    for (k = 0; k < all->n_inputs; k++) {
        const pred__tensor *t = &all->tensors[all->inputs[k]];
        if (t->kind != PRED__TENSOR_INPUT || shapes[k].ndim == 0 || shapes[k].d[0] < 2) return PRED_OK;
        if (k > 0 && (size_t)shapes[k].d[0] != b) return PRED_OK;
        b = (size_t)shapes[k].d[0];
    }
    if (!b || !(one = (pred__shape *)pred__calloc(all->n_inputs, sizeof *one))) return b ? pred__oom() : PRED_OK;
    for (k = 0; k < all->n_inputs; k++) {
        one[k] = shapes[k];
        one[k].d[0] = 1;
    }
    st = pred__plan_create(&m->base, one, kept, m->optimize, sample);
    PRED_FREE(one);
    if (st != PRED_OK) { /* a graph that cannot run one sample runs the batch as a whole */
        memset(sample, 0, sizeof *sample);
        return PRED_OK;
    }
    ok = sample->n_nodes == all->n_nodes && sample->n_tensors == all->n_tensors;
    for (k = 0; ok && k < all->n_tensors; k++) {
        const pred__tensor *t = &all->tensors[k], *t1 = &sample->tensors[k];
        if (t->kind != t1->kind || t->dtype != t1->dtype) ok = 0;
        else if (t->kind == PRED__TENSOR_INPUT || (t->kind == PRED__TENSOR_VALUE && t->producer >= 0)) {
            /* (a value no node computes any more, optimized away, is read by none) */
            ok = t->shape.ndim > 0 && t->shape.ndim == t1->shape.ndim && (size_t)t->shape.d[0] == b &&
                 t1->shape.d[0] == 1;
            for (d = 1; ok && d < t->shape.ndim; d++) ok = t->shape.d[d] == t1->shape.d[d];
        }
    }
    for (k = 0; ok && k < all->n_outputs; k++) ok = all->tensors[all->outputs[k]].kind != PRED__TENSOR_CONST;
    for (k = 0; ok && k < all->n_nodes; k++) {
        const pred__node *n = &all->nodes[k], *n1 = &sample->nodes[k];
        ok = n->op == n1->op && pred__node_is_folded(all, n) == pred__node_is_folded(sample, n1) &&
             (pred__node_is_folded(all, n) || pred__node_per_sample(n, n1, b));
    }
    if (!ok) pred__plan_free(sample);
    else *batch = b;
    return PRED_OK;
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
    if ((st = pred__session_alloc(s, s->graph, NULL, NULL)) != PRED_OK) {
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
    pred__graph plan, sample;
    pred_status st = PRED_OK;
    size_t k, batch = 0;
    if (!kept || !now) st = pred__oom();
    for (k = 0; st == PRED_OK && k < g->n_inputs; k++) {
        const pred__tensor *t = &g->tensors[g->inputs[k]];
        now[k] = shapes ? shapes[k] : t->shape;
        if (values && values[k]) kept[k] = values[k];
        else if ((t->flags & PRED__TF_SHAPE_INPUT) && pred__shape_equal(&t->shape, &now[k])) kept[k] = t->f;
    }
    if (st == PRED_OK) st = pred__plan_create(&s->model->base, now, kept, s->model->optimize, &plan);
    if (st == PRED_OK && (st = pred__sample_plan(s->model, &plan, now, kept, &sample, &batch)) != PRED_OK)
        pred__plan_free(&plan);
    PRED_FREE(kept);
    PRED_FREE(now);
    if (st != PRED_OK) return st;
    if ((st = pred__session_alloc(s, &plan, g, sample.n_nodes ? &sample : NULL)) != PRED_OK) {
        pred__plan_free(&plan);
        pred__plan_free(&sample);
        return st;
    }
    if (s->graph == &s->own) pred__plan_free(&s->own);
    pred__plan_free(&s->sample);
    s->own = plan;
    s->graph = &s->own;
    s->sample = sample;
    s->batch = batch;
    s->has_run = 0;
    return PRED_OK;
}

/* Runs every node of graph g on the buffers of x. */
static void pred__graph_run(const pred__graph *g, pred__exec *x) {
    size_t k;
    x->tensors = g->tensors;
    for (k = 0; k < g->n_nodes; k++) {
        if (pred__node_is_folded(g, &g->nodes[k])) continue; /* computed at load */
        pred__op_get(g->nodes[k].op)->run(x, &g->nodes[k]);
    }
}

/* Runs sample b of the session's graph through its sample plan, on copy `copy` of the plan's
 * buffers and with x's threads and scratch. */
static void pred__sample_run(pred_session *s, size_t b, size_t copy, pred__exec *x) {
    const pred__graph *g = s->graph;
    float **bufs = s->sample_bufs + copy * s->sample.n_tensors;
    size_t k;
    for (k = 0; k < g->n_inputs; k++) { /* the plans number their tensors alike */
        const size_t count = s->sample.tensors[g->inputs[k]].count;
        memcpy(bufs[g->inputs[k]], s->bufs[g->inputs[k]] + b * count, count * sizeof(float));
    }
    x->bufs = bufs;
    pred__graph_run(&s->sample, x);
    for (k = 0; k < g->n_outputs; k++) {
        const size_t count = s->sample.tensors[g->outputs[k]].count;
        memcpy(s->bufs[g->outputs[k]] + b * count, bufs[g->outputs[k]], count * sizeof(float));
    }
}

/* Samples [begin, end), each on one thread: its own copy of the buffers and its scratch. */
static void pred__samples_task(void *ctx, size_t begin, size_t end, int worker) {
    pred_session *s = (pred_session *)ctx;
    pred__exec x;
    size_t b;
    x.scratch = PRED__SCRATCH(s, worker);
    x.scratch_stride = 0; /* one thread: whichever worker number a node asks for */
    x.threads = 1;
    x.pool = NULL;
    for (b = begin; b < end; b++) pred__sample_run(s, b, (size_t)worker, &x);
}

static void pred__session_run(pred_session *s) {
    pred__exec x;
    size_t b = 0;
    x.scratch = s->scratch;
    x.scratch_stride = s->scratch_stride;
    x.threads = s->threads;
    x.pool = &s->pool;
    pred__pool_spin(s->pool, 1); /* the workers wait for the next node spinning (a pool made in the run too) */
    if (!s->sample.n_nodes) {
        x.bufs = s->bufs;
        pred__graph_run(s->graph, &x);
    } else {
        /* whole rounds of one sample a thread, the rest a sample at a time on every thread: splitting
         * samples between threads costs no step of a node's work in waiting for the others */
        const size_t rounds = s->threads > 1 ? s->batch / (size_t)s->threads * (size_t)s->threads : 0;
        if (rounds) pred__parallel_for(&x, rounds, pred__samples_task, s);
        for (b = rounds; b < s->batch; b++) pred__sample_run(s, b, 0, &x);
    }
    pred__pool_spin(s->pool, 0);
    s->has_run = 1;
}

static pred_status pred__session_set_threads(pred_session *s, int threads) {
    int n = pred__threads_resolve(threads);
    size_t stride, floats = 0;
    float *scratch, **sample_bufs = NULL, *sample_arena = NULL;
    if (n == s->threads) return PRED_OK;
    if (!(scratch = pred__scratch_alloc(pred__session_runs(s), n, &stride))) return pred__oom();
    if (s->sample.n_nodes &&
        pred__buffers_alloc(&s->sample, 0, (size_t)n, &sample_bufs, &sample_arena, &floats) != PRED_OK) {
        pred__aligned_free(scratch);
        return pred__oom();
    }
    pred__pool_free(s->pool); /* joins the workers; the next run starts n - 1 */
    s->pool = NULL;
    pred__aligned_free(s->scratch);
    s->scratch = scratch;
    s->scratch_stride = stride;
    if (s->sample.n_nodes) { /* the samples' inputs are copied in at each run: nothing to keep */
        PRED_FREE(s->sample_bufs);
        pred__aligned_free(s->sample_arena);
        s->sample_bufs = sample_bufs;
        s->sample_arena = sample_arena;
    }
    s->threads = n;
    s->memory = (s->arena_floats + (s->sample_floats + stride) * (size_t)n) * sizeof(float);
    return PRED_OK;
}
