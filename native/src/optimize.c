/*
 * optimize.c: constant folding, graph rewrites, per-shape plans and the
 * JSON description of a graph (see optimize.h for the pipeline).
 *
 * Rewrites mark nodes dead and rewire tensors; pred__compact then drops the
 * dead nodes and recomputes every tensor's producer. A rewrite that replaces
 * X -> [a] -> t -> [b] -> Y by one node makes that node write Y, so graph
 * outputs keep their names; it requires t to have no other reader.
 */
#include <math.h>
#include <stdio.h>
#include "optimize.h"
#include "kernels.h"

/* ---- constant folding -----------------------------------------------------*/

static int pred__node_is_folded(const pred__graph *g, const pred__node *n) {
    int j, any = 0;
    for (j = 0; j < n->n_out; j++) {
        if (n->out[j] < 0) continue;
        if (g->tensors[n->out[j]].kind != PRED__TENSOR_CONST) return 0;
        any = 1;
    }
    return any;
}

/* The buffer a run function sees for a constant: FLOAT data, or any other
 * type's widened to int64 (see pred__elem_size). */
static float *pred__const_buf(const pred__tensor *t) {
    return t->dtype == PRED__DT_FLOAT ? t->f : (float *)(void *)t->i;
}

static pred_status pred__fold_node(pred__graph *g, pred__node *n) {
    /* The node runs on a local copy whose tensor numbers index these arrays:
     * inputs first, then outputs. */
    pred__tensor local[PRED__NODE_MAX_INPUTS + PRED__NODE_MAX_OUTPUTS];
    float *bufs[PRED__NODE_MAX_INPUTS + PRED__NODE_MAX_OUTPUTS];
    pred__node copy = *n;
    pred__exec x;
    float *scratch = NULL;
    unsigned flags = PRED__TF_FOLDED;
    int j, shape_only = (pred__op_get(n->op)->props & PRED__PROP_SHAPE_ONLY) != 0;
    for (j = 0; j < n->n_in; j++) {
        const pred__tensor *t;
        if (n->in[j] < 0) continue;
        t = &g->tensors[n->in[j]];
        if (shape_only && j == 0) {
            if (t->kind != PRED__TENSOR_CONST || (t->flags & PRED__TF_SHAPE_DEP)) flags |= PRED__TF_SHAPE_DEP;
            continue;
        }
        if (t->kind != PRED__TENSOR_CONST) return PRED_OK; /* needs values known only at run time */
        if (t->flags & PRED__TF_SHAPE_DEP) flags |= PRED__TF_SHAPE_DEP;
    }
    for (j = 0; j < n->n_in; j++) {
        copy.in[j] = n->in[j] < 0 ? -1 : j;
        if (n->in[j] < 0) continue;
        local[j] = g->tensors[n->in[j]];
        bufs[j] = local[j].kind == PRED__TENSOR_CONST ? pred__const_buf(&local[j]) : NULL;
    }
    for (j = 0; j < n->n_out; j++) {
        pred__tensor *t;
        copy.out[j] = n->out[j] < 0 ? -1 : n->n_in + j;
        if (n->out[j] < 0) continue;
        t = &g->tensors[n->out[j]];
        if (t->dtype == PRED__DT_FLOAT) t->f = (float *)pred__calloc(t->count, sizeof *t->f);
        else t->i = (int64_t *)pred__calloc(t->count, sizeof *t->i);
        if (!t->f && !t->i) goto oom;
        local[n->n_in + j] = *t;
        bufs[n->n_in + j] = pred__const_buf(t);
    }
    if (n->scratch && !(scratch = (float *)pred__calloc(n->scratch, sizeof *scratch))) goto oom;
    x.tensors = local;
    x.bufs = bufs;
    x.scratch = scratch;
    x.scratch_stride = 0;
    x.threads = 1; /* folding runs on one thread */
    x.pool = NULL;
    pred__op_get(n->op)->run(&x, &copy);
    PRED_FREE(scratch);
    for (j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0) {
            g->tensors[n->out[j]].kind = PRED__TENSOR_CONST;
            g->tensors[n->out[j]].flags |= flags;
        }
    return PRED_OK;
oom:
    for (j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0) {
            pred__tensor *t = &g->tensors[n->out[j]];
            PRED_FREE(t->f);
            PRED_FREE(t->i);
            t->f = NULL;
            t->i = NULL;
        }
    return pred__oom();
}

/* ---- rewriting ------------------------------------------------------------*/

typedef struct pred__rw {
    pred__graph *g;
    int owner;                   /* g owns its names and data (the base); a plan shares them */
    unsigned char *dead;         /* per node */
    size_t *uses;                /* per tensor: inputs of live nodes, plus 1 if a graph output */
    unsigned char *is_output;    /* per tensor */
} pred__rw;

static void pred__rw_count(pred__rw *rw) {
    const pred__graph *g = rw->g;
    size_t k;
    int j;
    memset(rw->uses, 0, g->n_tensors * sizeof *rw->uses);
    memset(rw->is_output, 0, g->n_tensors);
    for (k = 0; k < g->n_outputs; k++) {
        rw->uses[g->outputs[k]]++;
        rw->is_output[g->outputs[k]] = 1;
    }
    for (k = 0; k < g->n_nodes; k++) {
        if (rw->dead[k]) continue;
        for (j = 0; j < g->nodes[k].n_in; j++)
            if (g->nodes[k].in[j] >= 0) rw->uses[g->nodes[k].in[j]]++;
    }
}

static pred_status pred__rw_init(pred__rw *rw, pred__graph *g, int owner) {
    memset(rw, 0, sizeof *rw);
    rw->g = g;
    rw->owner = owner;
    rw->dead = (unsigned char *)pred__calloc(g->n_nodes, 1);
    rw->uses = (size_t *)pred__calloc(g->n_tensors, sizeof *rw->uses);
    rw->is_output = (unsigned char *)pred__calloc(g->n_tensors, 1);
    if (!rw->dead || !rw->uses || !rw->is_output) return pred__oom();
    pred__rw_count(rw);
    return PRED_OK;
}

static void pred__rw_free(pred__rw *rw) {
    PRED_FREE(rw->dead);
    PRED_FREE(rw->uses);
    PRED_FREE(rw->is_output);
}

/* The live node that computes tensor t, or NULL. */
static pred__node *pred__rw_producer(const pred__rw *rw, int t) {
    int p = t >= 0 ? rw->g->tensors[t].producer : -1;
    if (p < 0 || rw->dead[p]) return NULL;
    return &rw->g->nodes[p];
}

/* t is read by exactly one node and is no graph output: its producer may
 * write the reader's output instead. */
static int pred__rw_single_use(const pred__rw *rw, int t) {
    return t >= 0 && rw->uses[t] == 1 && !rw->is_output[t];
}

/* A constant whose data does not depend on input shapes, of type FLOAT. */
static const float *pred__rw_weights(const pred__rw *rw, int t) {
    const pred__tensor *c = t >= 0 ? &rw->g->tensors[t] : NULL;
    if (!c || c->kind != PRED__TENSOR_CONST || (c->flags & PRED__TF_SHAPE_DEP) || c->dtype != PRED__DT_FLOAT)
        return NULL;
    return c->f;
}

/* Node `from` now writes the output `to` wrote; `to` dies. */
static void pred__rw_take_output(pred__rw *rw, pred__node *from, pred__node *to) {
    from->out[0] = to->out[0];
    rw->g->tensors[from->out[0]].producer = (int)(from - rw->g->nodes);
    rw->dead[to - rw->g->nodes] = 1;
}

/* Drops dead nodes, then nodes none of whose outputs anything needs, and
 * recomputes producers and the largest scratch. */
static pred_status pred__compact(pred__rw *rw) {
    pred__graph *g = rw->g;
    unsigned char *needed = (unsigned char *)pred__calloc(g->n_tensors, 1);
    size_t k, kept = 0;
    int j;
    if (!needed) return pred__oom();
    for (k = 0; k < g->n_outputs; k++) needed[g->outputs[k]] = 1;
    for (k = g->n_nodes; k-- > 0;) { /* reverse execution order: readers before producers */
        const pred__node *n = &g->nodes[k];
        int live = 0;
        if (rw->dead[k]) continue;
        for (j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && needed[n->out[j]]) live = 1;
        if (!live) {
            rw->dead[k] = 1;
            continue;
        }
        for (j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) needed[n->in[j]] = 1;
    }
    PRED_FREE(needed);
    for (k = 0; k < g->n_tensors; k++) g->tensors[k].producer = -1;
    g->max_scratch = 0;
    for (k = 0; k < g->n_nodes; k++) {
        if (rw->dead[k]) {
            if (rw->owner) PRED_FREE(g->nodes[k].name);
            continue;
        }
        g->nodes[kept] = g->nodes[k];
        for (j = 0; j < g->nodes[kept].n_out; j++)
            if (g->nodes[kept].out[j] >= 0) g->tensors[g->nodes[kept].out[j]].producer = (int)kept;
        if (!pred__node_is_folded(g, &g->nodes[kept]) && g->nodes[kept].scratch > g->max_scratch)
            g->max_scratch = g->nodes[kept].scratch;
        kept++;
    }
    g->n_nodes = kept;
    memset(rw->dead, 0, kept);
    pred__rw_count(rw);
    return PRED_OK;
}

/* Appends a FLOAT constant (data owned by g, name "<base><suffix>"). The
 * tensor table must have room (see pred__reserve_tensors). */
static pred_status pred__add_const(pred__graph *g, const char *base, const char *suffix, float *data,
                                   const pred__shape *shape, int *index) {
    pred__tensor *t = &g->tensors[g->n_tensors];
    size_t lb = strlen(base), ls = strlen(suffix);
    memset(t, 0, sizeof *t);
    if (!(t->name = (char *)PRED_MALLOC(lb + ls + 1))) return pred__oom();
    memcpy(t->name, base, lb);
    memcpy(t->name + lb, suffix, ls + 1);
    t->kind = PRED__TENSOR_CONST;
    t->dtype = PRED__DT_FLOAT;
    t->shape = *shape;
    t->count = (size_t)pred__shape_count(shape);
    t->f = data;
    t->producer = -1;
    *index = (int)g->n_tensors++;
    return PRED_OK;
}

static pred_status pred__reserve_tensors(pred__rw *rw, size_t extra) {
    pred__graph *g = rw->g;
    size_t n;
    void *p;
    if (!pred__add_size(g->n_tensors, extra, &n) || n > (size_t)INT32_MAX) return pred__oom();
    if (!(p = PRED_REALLOC(g->tensors, (n ? n : 1) * sizeof *g->tensors))) return pred__oom();
    g->tensors = (pred__tensor *)p;
    if (!(p = PRED_REALLOC(rw->uses, (n ? n : 1) * sizeof *rw->uses))) return pred__oom();
    rw->uses = (size_t *)p;
    if (!(p = PRED_REALLOC(rw->is_output, n ? n : 1))) return pred__oom();
    rw->is_output = (unsigned char *)p;
    if (n > g->n_tensors) {
        memset(rw->uses + g->n_tensors, 0, (n - g->n_tensors) * sizeof *rw->uses);
        memset(rw->is_output + g->n_tensors, 0, n - g->n_tensors);
    }
    return PRED_OK;
}

/* The Conv that BatchNormalization node b can fold into, or NULL. */
static pred__node *pred__bn_conv(const pred__rw *rw, const pred__node *b) {
    pred__node *c = pred__rw_producer(rw, b->in[0]);
    int j;
    if (b->p.batchnorm.training || b->n_out > 1) return NULL;
    if (!c || c->op != PRED__OP_CONV || c->p.conv.act.kind != PRED__ACT_NONE || !pred__rw_single_use(rw, b->in[0]))
        return NULL;
    if (!pred__rw_weights(rw, c->in[1])) return NULL;
    if (c->n_in > 2 && c->in[2] >= 0 && !pred__rw_weights(rw, c->in[2])) return NULL;
    for (j = 1; j < 5; j++)
        if (!pred__rw_weights(rw, b->in[j])) return NULL;
    return c;
}

/* Conv -> BatchNormalization becomes one Conv with scaled weights and a new
 * bias: y = (conv(x, W) + b - mean) * s + B with s = scale / sqrt(var + eps)
 * is conv(x, W * s) + (b - mean) * s + B, per output channel. */
static pred_status pred__fold_batchnorm(pred__rw *rw) {
    pred__graph *g = rw->g;
    size_t k, count = 0;
    pred_status st;
    for (k = 0; k < g->n_nodes; k++)
        if (!rw->dead[k] && g->nodes[k].op == PRED__OP_BATCHNORMALIZATION && pred__bn_conv(rw, &g->nodes[k])) count++;
    if (count == 0) return PRED_OK;
    if ((st = pred__reserve_tensors(rw, 2 * count)) != PRED_OK) return st;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *b = &g->nodes[k], *c;
        const pred__tensor *wt;
        const float *w, *bias, *scale, *shift, *mean, *var;
        float *w2, *b2;
        size_t m, per, i;
        pred__shape bs;
        int wi, bi, j;
        if (rw->dead[k] || b->op != PRED__OP_BATCHNORMALIZATION || !(c = pred__bn_conv(rw, b))) continue;
        wt = &g->tensors[c->in[1]];
        w = wt->f;
        bias = c->n_in > 2 && c->in[2] >= 0 ? g->tensors[c->in[2]].f : NULL;
        scale = g->tensors[b->in[1]].f;
        shift = g->tensors[b->in[2]].f;
        mean = g->tensors[b->in[3]].f;
        var = g->tensors[b->in[4]].f;
        m = (size_t)wt->shape.d[0];
        per = wt->count / m;
        /* weights only this Conv reads are scaled where they are (a load would otherwise write
         * all of a model's weights once more): the new tensor takes their memory */
        if (rw->uses[c->in[1]] == 1 && !rw->is_output[c->in[1]]) {
            w2 = g->tensors[c->in[1]].f;
            g->tensors[c->in[1]].f = NULL;
        } else {
            w2 = (float *)pred__calloc(wt->count, sizeof *w2);
        }
        b2 = (float *)pred__calloc(m, sizeof *b2);
        if (!w2 || !b2) {
            PRED_FREE(w2);
            PRED_FREE(b2);
            return pred__oom();
        }
        for (i = 0; i < m; i++) {
            /* the same scale as the BatchNormalization kernel */
            float a = scale[i] / sqrtf(var[i] + b->p.batchnorm.epsilon), sh = shift[i] - mean[i] * a;
            size_t e;
            for (e = 0; e < per; e++) w2[i * per + e] = w[i * per + e] * a; /* w may be w2 */
            b2[i] = (bias ? bias[i] : 0.0f) * a + sh;
        }
        bs.ndim = 1;
        bs.d[0] = (int64_t)m;
        if ((st = pred__add_const(g, g->tensors[c->in[1]].name, "/bn", w2, &wt->shape, &wi)) != PRED_OK) {
            PRED_FREE(w2);
            PRED_FREE(b2);
            return st;
        }
        if ((st = pred__add_const(g, g->tensors[b->out[0]].name, "/bias", b2, &bs, &bi)) != PRED_OK) {
            PRED_FREE(b2);
            return st;
        }
        /* the uses change only around c and b (a full recount per fold would be quadratic) */
        rw->uses[c->in[1]]--;
        if (c->n_in > 2 && c->in[2] >= 0) rw->uses[c->in[2]]--;
        for (j = 0; j < b->n_in; j++) rw->uses[b->in[j]]--;
        c->in[1] = wi;
        c->in[2] = bi;
        c->n_in = 3;
        rw->uses[wi] = rw->uses[bi] = 1;
        pred__rw_take_output(rw, c, b);
    }
    return PRED_OK;
}

/* Clip bound i (1: min, 2: max): the attribute's or a constant input's; 0 if
 * it is known only at run time. */
static int pred__clip_bound(const pred__graph *g, const pred__node *a, int i, float *v) {
    const pred__tensor *t;
    if (a->n_in <= i || a->in[i] < 0) {
        *v = i == 1 ? a->p.clip.min : a->p.clip.max;
        return 1;
    }
    t = &g->tensors[a->in[i]];
    if (t->kind != PRED__TENSOR_CONST || t->dtype != PRED__DT_FLOAT || !t->f) return 0;
    *v = t->f[0];
    return 1;
}

/* Activation node a as a pred__act; kind NONE if it cannot be fused. */
static pred__act pred__act_of(const pred__graph *g, const pred__node *a) {
    pred__act act;
    act.kind = PRED__ACT_NONE;
    act.a = act.b = 0.0f;
    if (a->n_out != 1 || a->out[0] < 0 || g->tensors[a->out[0]].dtype != PRED__DT_FLOAT) return act;
    switch (a->op) {
    case PRED__OP_RELU:
        act.kind = PRED__ACT_RELU;
        break;
    case PRED__OP_CLIP:
        if (pred__clip_bound(g, a, 1, &act.a) && pred__clip_bound(g, a, 2, &act.b)) act.kind = PRED__ACT_CLIP;
        break;
    case PRED__OP_LEAKYRELU:
        act.kind = PRED__ACT_LEAKYRELU;
        act.a = a->p.unary.alpha;
        break;
    case PRED__OP_SIGMOID:
        act.kind = PRED__ACT_SIGMOID;
        break;
    case PRED__OP_HARDSWISH:
        act.kind = PRED__ACT_HARDSWISH;
        act.a = a->p.unary.alpha;
        act.b = a->p.unary.beta;
        break;
    default:
        break;
    }
    return act;
}

/* Conv or Gemm -> activation becomes Conv or Gemm applying it to its output. */
static void pred__fuse_activations(pred__rw *rw) {
    pred__graph *g = rw->g;
    size_t k;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *a = &g->nodes[k], *c;
        pred__act act;
        if (rw->dead[k]) continue;
        act = pred__act_of(g, a);
        if (act.kind == PRED__ACT_NONE) continue;
        c = pred__rw_producer(rw, a->in[0]);
        if (!c || !pred__rw_single_use(rw, a->in[0]) || pred__node_is_folded(g, c)) continue;
        if (c->op == PRED__OP_CONV && c->p.conv.act.kind == PRED__ACT_NONE) c->p.conv.act = act;
        else if (c->op == PRED__OP_GEMM && c->p.gemm.act.kind == PRED__ACT_NONE) c->p.gemm.act = act;
        else continue;
        pred__rw_take_output(rw, c, a);
    }
    pred__rw_count(rw);
}

/* Add(Conv(...), r) with r of the same shape, computed before the Conv, becomes the Conv adding r
 * to its sums before its activation (input 3: the GEMM adds it in each tile while the tile is in
 * L1, and the Add's pass over memory goes): the residual connections of ResNets, MobileNetV2 and
 * EfficientNet. Relu after the Add then fuses as the Conv's activation. */
static void pred__fuse_residuals(pred__rw *rw) {
    pred__graph *g = rw->g;
    size_t k;
    int side;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *a = &g->nodes[k], *c = NULL;
        const pred__tensor *y;
        if (rw->dead[k] || a->op != PRED__OP_ADD || a->n_in != 2 || a->out[0] < 0) continue;
        y = &g->tensors[a->out[0]];
        if (y->dtype != PRED__DT_FLOAT) continue;
        for (side = 0; side < 2 && !c; side++) {
            int t = a->in[side], r = a->in[1 - side], rp;
            c = pred__rw_producer(rw, t);
            if (!c || c->op != PRED__OP_CONV || c->n_in > 3 || c->p.conv.act.kind != PRED__ACT_NONE ||
                !pred__rw_single_use(rw, t) || pred__node_is_folded(g, c) || r < 0 || r == t ||
                g->tensors[r].dtype != PRED__DT_FLOAT || !pred__shape_equal(&g->tensors[t].shape, &y->shape) ||
                !pred__shape_equal(&g->tensors[r].shape, &y->shape)) {
                c = NULL;
                continue;
            }
            rp = g->tensors[r].producer; /* r must exist when the Conv runs */
            if (g->tensors[r].kind == PRED__TENSOR_VALUE && (rp < 0 || rp >= (int)(c - g->nodes))) {
                c = NULL;
                continue;
            }
            if (c->n_in < 3) c->in[2] = -1;
            c->in[3] = r;
            c->n_in = 4;
        }
        if (c) pred__rw_take_output(rw, c, a);
    }
    pred__rw_count(rw);
}

/* Pad (mode constant, value 0, pads >= 0 on the spatial dims only) -> Conv
 * becomes the Conv with the pads added to its own. */
static pred_status pred__fold_pads(pred__rw *rw) {
    pred__graph *g = rw->g;
    size_t k;
    pred_status st;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *c = &g->nodes[k], *pad;
        const pred__pad_params *pp;
        const pred__shape *x;
        pred__window *w;
        size_t r, d;
        int first, ok = 1;
        if (rw->dead[k] || c->op != PRED__OP_CONV) continue;
        pad = pred__rw_producer(rw, c->in[0]);
        if (!pad || pad->op != PRED__OP_PAD || !pred__rw_single_use(rw, c->in[0])) continue;
        pp = &pad->p.pad;
        x = &g->tensors[pad->in[0]].shape;
        r = x->ndim;
        w = &c->p.conv.w;
        if (!pp->from_attr && pad->n_in > 2 && pad->in[2] >= 0) { /* the value as an input */
            const pred__tensor *v = &g->tensors[pad->in[2]];
            if (v->kind != PRED__TENSOR_CONST || v->dtype != PRED__DT_FLOAT || !v->f || v->f[0] != 0.0f) continue;
        }
        if (pp->mode != PRED__PADMODE_CONSTANT || pp->value != 0.0f || r < 3 || r > 2 + PRED__SPATIAL ||
            (w->auto_pad != PRED__PAD_NOTSET && w->auto_pad != PRED__PAD_VALID))
            continue;
        for (d = 0; d < r; d++) /* no padding of N and C, no cropping */
            if (pp->pads[d] < 0 || pp->pads[r + d] < 0 || (d < 2 && (pp->pads[d] || pp->pads[r + d]))) ok = 0;
        if (!ok) continue;
        first = PRED__SPATIAL - (int)(r - 2);
        w->auto_pad = PRED__PAD_NOTSET;
        for (d = 2; d < r; d++) {
            w->pad_begin[first + (int)d - 2] += pp->pads[d];
            w->pad_end[first + (int)d - 2] += pp->pads[r + d];
        }
        c->in[0] = pad->in[0];
        rw->dead[pad - g->nodes] = 1;
        /* the window now reads the unpadded input: same output, new scratch */
        if ((st = pred__op_get(c->op)->infer(g, c)) != PRED_OK) return st;
    }
    pred__rw_count(rw);
    return PRED_OK;
}

/* n copies its input's data unchanged (PRED__PROP_COPY; Dropout only when its mask is not read). */
static int pred__op_is_copy(const pred__rw *rw, const pred__node *n) {
    if (n->out[0] < 0 || !(pred__op_get(n->op)->props & PRED__PROP_COPY)) return 0;
    return n->op != PRED__OP_DROPOUT || n->n_out < 2 || n->out[1] < 0 || rw->uses[n->out[1]] == 0;
}

static int pred__transposes_cancel(const pred__graph *g, const pred__node *a, const pred__node *b) {
    size_t r = g->tensors[a->in[0]].shape.ndim, i;
    int64_t pa[PRED_MAX_DIMS], pb[PRED_MAX_DIMS];
    for (i = 0; i < r; i++) { /* no perm: reverse the dims */
        pa[i] = a->p.transpose.n_perm ? a->p.transpose.perm[i] : (int64_t)(r - 1 - i);
        pb[i] = b->p.transpose.n_perm ? b->p.transpose.perm[i] : (int64_t)(r - 1 - i);
    }
    for (i = 0; i < r; i++) /* output dim i of b is input dim pa[pb[i]] of a */
        if (pb[i] < 0 || pb[i] >= (int64_t)r || pa[pb[i]] != (int64_t)i) return 0;
    return 1;
}

/* Nodes that give back their input: Identity, Dropout in inference, a copy
 * op whose output has its input's shape, and a Transpose that undoes the one
 * before it. Their readers read the input instead; a node that writes a graph
 * output stays, to keep its name. A copy op reading another copy op's output
 * reads that one's input instead (the data is the same). */
static pred_status pred__skip_copies(pred__rw *rw) {
    pred__graph *g = rw->g;
    int *alias = (int *)pred__calloc(g->n_tensors, sizeof *alias); /* t is read as alias[t] */
    size_t k;
    int j;
    if (!alias) return pred__oom();
    for (k = 0; k < g->n_tensors; k++) alias[k] = -1;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *n = &g->nodes[k], *a;
        int same = 0;
        if (rw->dead[k]) continue;
        for (j = 0; j < n->n_in; j++)
            while (n->in[j] >= 0 && alias[n->in[j]] >= 0) n->in[j] = alias[n->in[j]];
        if (pred__op_is_copy(rw, n)) {
            a = pred__rw_producer(rw, n->in[0]);
            if (a && pred__op_is_copy(rw, a)) n->in[0] = a->in[0];
            same = pred__shape_equal(&g->tensors[n->in[0]].shape, &g->tensors[n->out[0]].shape);
        } else if (n->op == PRED__OP_TRANSPOSE && !rw->is_output[n->out[0]]) {
            /* not on a graph output: that node stays, and rewired it would transpose a's input */
            a = pred__rw_producer(rw, n->in[0]);
            if (a && a->op == PRED__OP_TRANSPOSE && pred__transposes_cancel(g, a, n)) {
                n->in[0] = a->in[0];
                same = 1;
            }
        }
        if (same && !rw->is_output[n->out[0]]) {
            alias[n->out[0]] = n->in[0];
            rw->dead[k] = 1;
        }
    }
    PRED_FREE(alias);
    pred__rw_count(rw);
    return PRED_OK;
}

/* Nodes whose outputs were all computed at load never run. The base keeps
 * those folded from input shapes: a plan for other shapes recomputes them. */
static void pred__drop_folded(pred__rw *rw, int keep_shape_dep) {
    pred__graph *g = rw->g;
    size_t k;
    int j;
    for (k = 0; k < g->n_nodes; k++) {
        const pred__node *n = &g->nodes[k];
        int shape_dep = 0;
        if (!pred__node_is_folded(g, n)) continue;
        for (j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && (g->tensors[n->out[j]].flags & PRED__TF_SHAPE_DEP)) shape_dep = 1;
        if (!(keep_shape_dep && shape_dep)) rw->dead[k] = 1;
    }
    pred__rw_count(rw);
}

/* The base owns its constants: free the data nothing reads any more (the
 * weights BatchNormalization folding replaced, the inputs of folded nodes). */
static void pred__free_unused_constants(pred__rw *rw) {
    pred__graph *g = rw->g;
    size_t k;
    for (k = 0; k < g->n_tensors; k++) {
        pred__tensor *t = &g->tensors[k];
        if (t->kind != PRED__TENSOR_CONST || rw->uses[k] > 0) continue;
        PRED_FREE(t->f);
        PRED_FREE(t->i);
        t->f = NULL;
        t->i = NULL;
    }
}

static pred_status pred__optimize_base(pred__graph *g, int optimize) {
    pred__rw rw;
    pred_status st;
    if (!optimize) return PRED_OK;
    if ((st = pred__rw_init(&rw, g, 1)) != PRED_OK) goto done;
    pred__drop_folded(&rw, 1);
    if ((st = pred__compact(&rw)) != PRED_OK) goto done;
    if ((st = pred__fold_batchnorm(&rw)) != PRED_OK) goto done;
    if ((st = pred__compact(&rw)) != PRED_OK) goto done;
    pred__free_unused_constants(&rw);
done:
    pred__rw_free(&rw);
    return st;
}

/* ---- plans ----------------------------------------------------------------*/

static void pred__plan_free(pred__graph *plan) {
    size_t k;
    for (k = 0; k < plan->n_tensors; k++) {
        pred__tensor *t = &plan->tensors[k];
        if (t->kind == PRED__TENSOR_CONST && (t->flags & PRED__TF_SHAPE_DEP)) { /* computed by this plan */
            PRED_FREE(t->f);
            PRED_FREE(t->i);
        }
    }
    PRED_FREE(plan->tensors);
    PRED_FREE(plan->nodes);
    PRED_FREE(plan->inputs);
    PRED_FREE(plan->outputs);
    memset(plan, 0, sizeof *plan);
}

static pred_status pred__optimize_plan(pred__graph *g) {
    pred__rw rw;
    pred_status st;
    if ((st = pred__rw_init(&rw, g, 0)) != PRED_OK) goto done;
    pred__drop_folded(&rw, 0);
    if ((st = pred__fold_pads(&rw)) != PRED_OK) goto done;
    pred__fuse_residuals(&rw);
    pred__fuse_activations(&rw);
    if ((st = pred__skip_copies(&rw)) != PRED_OK) goto done;
    st = pred__compact(&rw);
done:
    pred__rw_free(&rw);
    return st;
}

static pred_status pred__plan_create(const pred__graph *base, const pred__shape *inputs,
                                     const float *const *values, int optimize, pred__graph *plan) {
    size_t k;
    pred_status st;
    memset(plan, 0, sizeof *plan);
    plan->tensors = (pred__tensor *)pred__calloc(base->n_tensors, sizeof *plan->tensors);
    plan->nodes = (pred__node *)pred__calloc(base->n_nodes, sizeof *plan->nodes);
    plan->inputs = (int *)pred__calloc(base->n_inputs, sizeof *plan->inputs);
    plan->outputs = (int *)pred__calloc(base->n_outputs, sizeof *plan->outputs);
    if (!plan->tensors || !plan->nodes || !plan->inputs || !plan->outputs) {
        pred__plan_free(plan);
        return pred__oom();
    }
    /* names, node params and constants are shared with the base */
    if (base->n_tensors) memcpy(plan->tensors, base->tensors, base->n_tensors * sizeof *plan->tensors);
    if (base->n_nodes) memcpy(plan->nodes, base->nodes, base->n_nodes * sizeof *plan->nodes);
    if (base->n_inputs) memcpy(plan->inputs, base->inputs, base->n_inputs * sizeof *plan->inputs);
    if (base->n_outputs) memcpy(plan->outputs, base->outputs, base->n_outputs * sizeof *plan->outputs);
    plan->n_tensors = base->n_tensors;
    plan->n_nodes = base->n_nodes;
    plan->n_inputs = base->n_inputs;
    plan->n_outputs = base->n_outputs;
    plan->opset = base->opset;
    /* what was folded from input shapes is computed again for these shapes */
    for (k = 0; k < plan->n_tensors; k++) {
        pred__tensor *t = &plan->tensors[k];
        if (t->kind != PRED__TENSOR_CONST || !(t->flags & PRED__TF_SHAPE_DEP)) continue;
        if (t->flags & PRED__TF_SHAPE_INPUT) { /* gets this plan's values below */
            t->f = NULL;
            continue;
        }
        t->kind = PRED__TENSOR_VALUE;
        t->flags &= ~(unsigned)(PRED__TF_FOLDED | PRED__TF_SHAPE_DEP);
        t->f = NULL;
        t->i = NULL;
    }
    for (k = 0; k < plan->n_inputs; k++) {
        pred__tensor *t = &plan->tensors[plan->inputs[k]];
        const float *v = values ? values[k] : NULL;
        size_t e;
        if (inputs) {
            t->shape = inputs[k];
            t->count = (size_t)pred__shape_count(&inputs[k]);
        }
        if (!(t->flags & PRED__TF_SHAPE_INPUT)) continue;
        if (!(t->f = (float *)pred__calloc(t->count, sizeof *t->f))) {
            pred__plan_free(plan);
            return pred__oom();
        }
        for (e = 0; e < t->count; e++) t->f[e] = v ? v[e] : 1.0f;
    }
    st = pred__graph_infer(plan);
    if (st == PRED_OK && optimize) st = pred__optimize_plan(plan);
    for (k = 0; st == PRED_OK && k < plan->n_outputs; k++) {
        const pred__tensor *t = &plan->tensors[plan->outputs[k]];
        if (t->dtype != PRED__DT_FLOAT || t->count == 0)
            st = pred__errorf(PRED_ERR_UNSUPPORTED, "graph output '%s' is not a non-empty FLOAT tensor", t->name);
    }
    if (st != PRED_OK) pred__plan_free(plan);
    return st;
}

/* ---- description ----------------------------------------------------------*/

typedef struct pred__text {
    char *s;
    size_t len, cap;
    int failed;
} pred__text;

static void pred__text_add(pred__text *b, const char *fmt, ...) PRED__PRINTF(2, 3);

static void pred__text_add(pred__text *b, const char *fmt, ...) {
    va_list ap;
    int n;
    size_t need;
    void *p;
    if (b->failed) return;
    va_start(ap, fmt);
    n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (b->s && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return;
    }
    if (!pred__add_size(b->len, (size_t)n + 1, &need) || !(p = pred__grow(b->s, &b->cap, need, 1))) {
        b->failed = 1;
        return;
    }
    b->s = (char *)p;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* s as a JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 replaced by '?'. */
static void pred__text_str(pred__text *b, const char *s) {
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    pred__text_add(b, "\"");
    while (*p) {
        size_t n = 1;
        if (*p == '"' || *p == '\\') pred__text_add(b, "\\%c", *p);
        else if (*p < 0x20) pred__text_add(b, "\\u%04x", *p);
        else if (*p < 0x80) pred__text_add(b, "%c", *p);
        else {
            n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
            /* stops at the first byte that is not a continuation, so never reads past the NUL */
            if (pred__utf8_valid((const char *)p, n))
                pred__text_add(b, "%.*s", (int)n, (const char *)p);
            else {
                pred__text_add(b, "?");
                n = 1;
            }
        }
        p += n;
    }
    pred__text_add(b, "\"");
}

static void pred__text_shape(pred__text *b, const pred__shape *s) {
    size_t i;
    pred__text_add(b, "[");
    for (i = 0; i < s->ndim; i++) pred__text_add(b, "%s%lld", i ? "," : "", (long long)s->d[i]);
    pred__text_add(b, "]");
}

static const char *pred__dtype_text(int32_t dtype) {
    switch (dtype) {
    case PRED__DT_FLOAT: return "float";
    case PRED__DT_INT64: return "int64";
    case PRED__DT_INT32: return "int32";
    default: return pred__onnx_dtype_name(dtype);
    }
}

static const char *pred__kind_text(const pred__tensor *t) {
    if (t->kind == PRED__TENSOR_INPUT || (t->flags & PRED__TF_SHAPE_INPUT)) return "input";
    if (t->kind == PRED__TENSOR_VALUE) return "value";
    return t->flags & PRED__TF_FOLDED ? "folded" : "const";
}

static void pred__text_tensor(pred__text *b, const pred__tensor *t) {
    pred__text_add(b, "{\"name\":");
    pred__text_str(b, t->name);
    pred__text_add(b, ",\"shape\":");
    pred__text_shape(b, &t->shape);
    pred__text_add(b, ",\"type\":\"%s\",\"kind\":\"%s\"}", pred__dtype_text(t->dtype), pred__kind_text(t));
}

/* a * b, or UINT64_MAX if it does not fit (a hostile file's window can be huge). */
static uint64_t pred__mul_sat(uint64_t a, uint64_t b) {
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* Floating-point operations of one run of n: a multiply-add counts 2 (Conv,
 * Gemm, MatMul); other ops count 1 per output element, pools 1 per window
 * element. An estimate for comparing graphs, not a measurement. */
static uint64_t pred__node_flops(const pred__graph *g, const pred__node *n) {
    uint64_t out = n->out[0] >= 0 ? g->tensors[n->out[0]].count : 0;
    const int64_t *kernel = n->p.pool.w.kernel;
    switch (n->op) {
    case PRED__OP_CONV: {
        const pred__shape *w = &g->tensors[n->in[1]].shape;
        return pred__mul_sat(2 * out, pred__shape_range(w, 1, w->ndim));
    }
    case PRED__OP_GEMM:
        return pred__mul_sat(pred__mul_sat(2 * (uint64_t)n->p.gemm.m, (uint64_t)n->p.gemm.n), (uint64_t)n->p.gemm.k);
    case PRED__OP_MATMUL:
        return pred__mul_sat(2 * out, (uint64_t)n->p.matmul.k);
    case PRED__OP_MAXPOOL:
    case PRED__OP_AVERAGEPOOL: /* unused window slots hold 1 */
        return pred__mul_sat(pred__mul_sat(pred__mul_sat(out, (uint64_t)kernel[0]), (uint64_t)kernel[1]),
                             (uint64_t)kernel[2]);
    case PRED__OP_GLOBALAVERAGEPOOL:
    case PRED__OP_GLOBALMAXPOOL:
        return g->tensors[n->in[0]].count;
    default:
        return out;
    }
}

static const pred__act *pred__node_act(const pred__node *n) {
    if (n->op == PRED__OP_CONV) return &n->p.conv.act;
    if (n->op == PRED__OP_GEMM) return &n->p.gemm.act;
    return NULL;
}

static void pred__text_act(pred__text *b, const pred__act *act) {
    switch (act->kind) {
    case PRED__ACT_RELU: pred__text_add(b, "\"Relu\""); break;
    case PRED__ACT_CLIP: pred__text_add(b, "\"Clip(%g,%g)\"", (double)act->a, (double)act->b); break;
    case PRED__ACT_LEAKYRELU: pred__text_add(b, "\"LeakyRelu(%g)\"", (double)act->a); break;
    case PRED__ACT_SIGMOID: pred__text_add(b, "\"Sigmoid\""); break;
    case PRED__ACT_HARDSWISH: pred__text_add(b, "\"HardSwish\""); break;
    default: pred__text_add(b, "null"); break;
    }
}

static char *pred__describe(const pred__graph *g) {
    pred__text b;
    size_t k, n_run = 0, n_folded = 0, counts[PRED__OP_COUNT];
    uint64_t flops = 0, params = 0, const_bytes = 0, value_bytes = 0;
    unsigned char *seen = (unsigned char *)pred__calloc(g->n_tensors, 1);
    int j, op;
    if (!seen) return NULL;
    memset(&b, 0, sizeof b);
    memset(counts, 0, sizeof counts);
    pred__text_add(&b, "{\"opset\":%lld,\"inputs\":[", (long long)g->opset);
    for (k = 0; k < g->n_inputs; k++) {
        pred__text_add(&b, "%s", k ? "," : "");
        pred__text_tensor(&b, &g->tensors[g->inputs[k]]);
    }
    pred__text_add(&b, "],\"outputs\":[");
    for (k = 0; k < g->n_outputs; k++) {
        pred__text_add(&b, "%s", k ? "," : "");
        pred__text_tensor(&b, &g->tensors[g->outputs[k]]);
    }
    pred__text_add(&b, "],\"nodes\":[");
    for (k = 0; k < g->n_nodes; k++) {
        const pred__node *n = &g->nodes[k];
        const pred__act *act = pred__node_act(n);
        int folded = pred__node_is_folded(g, n);
        uint64_t f = folded ? 0 : pred__node_flops(g, n);
        if (n->op >= 0 && n->op < PRED__OP_COUNT) counts[n->op]++;
        if (folded) n_folded++;
        else n_run++;
        flops = f > UINT64_MAX - flops ? UINT64_MAX : flops + f;
        pred__text_add(&b, "%s\n{\"op\":", k ? "," : "");
        pred__text_str(&b, pred__op_get(n->op)->name);
        pred__text_add(&b, ",\"name\":");
        pred__text_str(&b, n->name);
        pred__text_add(&b, ",\"inputs\":[");
        for (j = 0; j < n->n_in; j++) {
            const pred__tensor *t;
            pred__text_add(&b, "%s", j ? "," : "");
            if (n->in[j] < 0) {
                pred__text_add(&b, "null");
                continue;
            }
            t = &g->tensors[n->in[j]];
            pred__text_tensor(&b, t);
            if (!folded && t->kind == PRED__TENSOR_CONST && !(t->flags & PRED__TF_SHAPE_INPUT) && !seen[n->in[j]]) {
                seen[n->in[j]] = 1;
                if (t->dtype == PRED__DT_FLOAT) params += t->count;
                const_bytes += (uint64_t)t->count * pred__elem_size(t->dtype);
            }
        }
        pred__text_add(&b, "],\"outputs\":[");
        for (j = 0; j < n->n_out; j++) {
            pred__text_add(&b, "%s", j ? "," : "");
            if (n->out[j] < 0) pred__text_add(&b, "null");
            else pred__text_tensor(&b, &g->tensors[n->out[j]]);
        }
        pred__text_add(&b, "],\"folded\":%s,\"activation\":", folded ? "true" : "false");
        if (act) pred__text_act(&b, act);
        else pred__text_add(&b, "null");
        pred__text_add(&b, ",\"flops\":%llu}", (unsigned long long)f);
    }
    for (k = 0; k < g->n_tensors; k++) {
        const pred__tensor *t = &g->tensors[k];
        if (t->kind == PRED__TENSOR_INPUT || (t->kind == PRED__TENSOR_VALUE && t->producer >= 0))
            value_bytes += (uint64_t)t->count * pred__elem_size(t->dtype);
    }
    pred__text_add(&b, "\n],\"totals\":{\"nodes\":%lu,\"run\":%lu,\"folded\":%lu,\"ops\":{", (unsigned long)g->n_nodes,
                   (unsigned long)n_run, (unsigned long)n_folded);
    for (op = 0, j = 0; op < PRED__OP_COUNT; op++) {
        if (!counts[op]) continue;
        pred__text_add(&b, "%s\"%s\":%lu", j++ ? "," : "", pred__op_get(op)->name, (unsigned long)counts[op]);
    }
    pred__text_add(&b, "},\"params\":%llu,\"constant_bytes\":%llu,\"value_bytes\":%llu,\"flops\":%llu}}\n",
                   (unsigned long long)params, (unsigned long long)const_bytes, (unsigned long long)value_bytes,
                   (unsigned long long)flops);
    PRED_FREE(seen);
    if (b.failed) {
        PRED_FREE(b.s);
        return NULL;
    }
    return b.s;
}
