/*
 * op_elementwise.c: Add and Mul (numpy broadcasting), Relu, Clip.
 */
#include <float.h>
#include "graph.h"
#include "attr.h"

/* ---- Add, Mul -------------------------------------------------------------*/

enum { PRED__BINARY_ADD, PRED__BINARY_MUL };

static pred_status pred__binary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__binary_params *p = &n->p.binary;
    pred_status st;
    p->legacy = g->opset < 7;
    if (!p->legacy) return PRED_OK;
    if ((st = pred__attr_int(n, src, "broadcast", 0, &p->legacy_broadcast)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "axis", -1, &p->legacy_axis)) != PRED_OK) return st;
    if (!pred__attr_find(src, "axis")) p->legacy_axis = INT64_MIN; /* align B with the end of A */
    return PRED_OK;
}

static pred_status pred__binary_infer(pred__graph *g, pred__node *n) {
    pred__binary_params *p = &n->p.binary;
    const pred__shape *a = pred__in_shape(g, n, 0);
    pred__shape b = *pred__in_shape(g, n, 1), y;
    char ba[PRED__SHAPE_STR_SIZE], bb[PRED__SHAPE_STR_SIZE];
    size_t i;
    if (p->legacy) {
        /* opset < 7: B must equal A, or with broadcast=1 match A from `axis` on */
        if (!p->legacy_broadcast) {
            if (!pred__shape_equal(a, &b)) goto mismatch;
        } else if (p->legacy_axis != INT64_MIN) {
            int64_t axis = p->legacy_axis < 0 ? p->legacy_axis + (int64_t)a->ndim : p->legacy_axis;
            if (axis < 0 || axis > (int64_t)a->ndim || b.ndim > a->ndim - (size_t)axis) goto mismatch;
            while (b.ndim < a->ndim - (size_t)axis) b.d[b.ndim++] = 1;
        }
    }
    y.ndim = a->ndim > b.ndim ? a->ndim : b.ndim;
    p->a.ndim = p->b.ndim = y.ndim;
    for (i = 0; i < y.ndim; i++) {
        int64_t da = i + a->ndim >= y.ndim ? a->d[i + a->ndim - y.ndim] : 1;
        int64_t db = i + b.ndim >= y.ndim ? b.d[i + b.ndim - y.ndim] : 1;
        if (da != db && da != 1 && db != 1) goto mismatch;
        p->a.d[i] = da;
        p->b.d[i] = db;
        y.d[i] = da == 1 ? db : da;
    }
    if (p->legacy && !pred__shape_equal(&y, a)) goto mismatch;
    return pred__set_out_shape(g, n, 0, &y);
mismatch:
    return pred__node_errorf(n, PRED_ERR_SHAPE, "shapes %s and %s cannot be broadcast",
                             pred__shape_str(a, ba, sizeof ba), pred__shape_str(pred__in_shape(g, n, 1), bb, sizeof bb));
}

/* y (n,) = a (n, stride sa) op b (n, stride sb); a stride of 0 repeats one value */
static void pred__binary_row(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n, int op) {
    size_t i;
    if (op == PRED__BINARY_ADD)
        for (i = 0; i < n; i++) y[i] = a[i * sa] + b[i * sb];
    else
        for (i = 0; i < n; i++) y[i] = a[i * sa] * b[i * sb];
}

/* y (ys) = a (as) op b (bs), numpy broadcasting; as and bs have the rank of ys */
static void pred__binary(float *y, const float *a, const float *b, const pred__shape *ys, const pred__shape *as,
                         const pred__shape *bs, int op) {
    size_t nd = ys->ndim, i, inner, sa_in, sb_in;
    uint64_t sa[PRED_MAX_DIMS], sb[PRED_MAX_DIMS], oa = 0, ob = 0, rows, r;
    int64_t idx[PRED_MAX_DIMS] = {0};
    uint64_t total = pred__shape_count(ys);
    if (pred__shape_equal(as, bs)) {
        pred__binary_row(y, a, 1, b, 1, (size_t)total, op);
        return;
    }
    if (nd == 0) {
        y[0] = op == PRED__BINARY_ADD ? a[0] + b[0] : a[0] * b[0];
        return;
    }
    /* strides of a and b over the output index; 0 along broadcast dims */
    {
        uint64_t ca = 1, cb = 1;
        for (i = nd; i-- > 0;) {
            sa[i] = as->d[i] == 1 ? 0 : ca;
            sb[i] = bs->d[i] == 1 ? 0 : cb;
            ca *= (uint64_t)as->d[i];
            cb *= (uint64_t)bs->d[i];
        }
    }
    inner = (size_t)ys->d[nd - 1];
    sa_in = (size_t)sa[nd - 1];
    sb_in = (size_t)sb[nd - 1];
    rows = total / inner;
    for (r = 0; r < rows; r++) {
        pred__binary_row(y + r * inner, a + oa, sa_in, b + ob, sb_in, inner, op);
        for (i = nd - 1; i-- > 0;) { /* next row: advance the outer index */
            oa += sa[i];
            ob += sb[i];
            if (++idx[i] < ys->d[i]) break;
            oa -= sa[i] * (uint64_t)ys->d[i];
            ob -= sb[i] * (uint64_t)ys->d[i];
            idx[i] = 0;
        }
    }
}

static void pred__add_run(const pred__exec *x, const pred__node *n) {
    pred__binary(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__OUT_SHAPE(x, n, 0), &n->p.binary.a,
                 &n->p.binary.b, PRED__BINARY_ADD);
}

static void pred__mul_run(const pred__exec *x, const pred__node *n) {
    pred__binary(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__OUT_SHAPE(x, n, 0), &n->p.binary.a,
                 &n->p.binary.b, PRED__BINARY_MUL);
}

/* ---- unary: Relu, Clip ----------------------------------------------------*/

static pred_status pred__unary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    (void)n;
    (void)src;
    return PRED_OK;
}

/* The output has the shape of input 0. */
static pred_status pred__unary_infer(pred__graph *g, pred__node *n) {
    return pred__set_out_shape(g, n, 0, pred__in_shape(g, n, 0));
}

/* y (n,) = max(x, 0) */
static void pred__relu(float *y, const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void pred__relu_run(const pred__exec *x, const pred__node *n) {
    pred__relu(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), x->tensors[n->out[0]].count);
}

/* Clip bounds: attributes before opset 11, optional scalar initializers after. */
static pred_status pred__clip_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__clip_params *p = &n->p.clip;
    pred_status st;
    int i;
    p->min = -FLT_MAX;
    p->max = FLT_MAX;
    if (g->opset < 11) {
        if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "min and max are attributes before opset 11");
        if ((st = pred__attr_float(n, src, "min", -FLT_MAX, &p->min)) != PRED_OK) return st;
        return pred__attr_float(n, src, "max", FLT_MAX, &p->max);
    }
    for (i = 1; i < n->n_in; i++) {
        const pred__tensor *t;
        if (n->in[i] < 0) continue;
        t = pred__in_tensor(g, n, i);
        if (t->count != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "%s ('%s') must be a scalar", i == 1 ? "min" : "max", t->name);
        if (i == 1) p->min = t->f[0];
        else p->max = t->f[0];
    }
    return PRED_OK;
}

/* y (n,) = min(max(x, lo), hi) */
static void pred__clip(float *y, const float *x, size_t n, float lo, float hi) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}

static void pred__clip_run(const pred__exec *x, const pred__node *n) {
    pred__clip(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), x->tensors[n->out[0]].count, n->p.clip.min, n->p.clip.max);
}
