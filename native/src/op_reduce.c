/*
 * op_reduce.c: ReduceMean, ReduceMax, ReduceMin, ReduceSum, ReduceSumSquare
 * and ReduceL2, over any set of axes (an attribute before opset 18, 13 for
 * ReduceSum; an input after), keeping the reduced dims as 1 or dropping them.
 */
#include <math.h>
#include "graph.h"
#include "attr.h"

static pred_status pred__reduce_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__axes_params *p = &n->p.axes;
    int64_t keepdims, noop;
    int present;
    pred_status st;
    if ((st = pred__attr_int(n, src, "keepdims", 1, &keepdims)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "noop_with_empty_axes", 0, &noop)) != PRED_OK) return st;
    p->keepdims = keepdims != 0;
    p->noop_with_empty_axes = noop != 0;
    p->from_attr = g->opset < (n->op == PRED__OP_REDUCESUM ? 13 : 18);
    p->n_axes = 0;
    if (!p->from_attr) return PRED_OK;
    if (n->n_in > 1)
        return pred__node_errorf(n, PRED_ERR_MODEL, "axes are an attribute before opset %d",
                                 n->op == PRED__OP_REDUCESUM ? 13 : 18);
    return pred__attr_int_list(n, src, "axes", p->axes, PRED_MAX_DIMS, &p->n_axes, &present);
}

static pred_status pred__reduce_infer(pred__graph *g, pred__node *n) {
    pred__axes_params *p = &n->p.axes;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const int64_t *axes = p->axes;
    size_t count = p->n_axes, k, d;
    pred__shape y;
    if (!p->from_attr && n->n_in > 1 && n->in[1] >= 0) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        if (t->shape.ndim > 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'axes' ('%s') must be 1-D", t->name);
        axes = t->i;
        count = t->count;
    }
    p->reduce = 0;
    for (k = 0; k < count; k++) {
        int64_t a = axes[k];
        if (a < -(int64_t)x->ndim || a >= (int64_t)x->ndim)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "axis %lld is out of range for rank %lu", (long long)a,
                                     (unsigned long)x->ndim);
        p->reduce |= 1u << (a < 0 ? a + (int64_t)x->ndim : a);
    }
    if (count == 0 && !p->noop_with_empty_axes) p->reduce = (1u << x->ndim) - 1; /* all axes */
    y.ndim = 0;
    for (d = 0; d < x->ndim; d++) {
        if (!((p->reduce >> d) & 1)) y.d[y.ndim++] = x->d[d];
        else if (p->keepdims) y.d[y.ndim++] = 1;
    }
    return pred__set_out_shape(g, n, 0, &y);
}

/* y = the reduction op (PRED__OP_REDUCE*) of x (xs) over the dims whose bit
 * is set in reduce; y holds the kept dims in order */
/* 1 if the reduced dims are the last ones (dims of size 1 aside): then the values of one
 * output are a contiguous run of the input. */
static int pred__reduce_trailing(const pred__shape *xs, unsigned reduce) {
    size_t d;
    int seen = 0;
    for (d = 0; d < xs->ndim; d++) {
        if ((reduce >> d) & 1) seen = 1;
        else if (seen && xs->d[d] != 1) return 0;
    }
    return 1;
}

/* acc folded with x[0..n) in order (NaN wins Max and Min) */
static float pred__fold(float acc, const float *x, uint64_t n, int op) {
    uint64_t k;
    switch (op) {
    case PRED__OP_REDUCEMAX:
        for (k = 0; k < n; k++) acc = x[k] > acc || x[k] != x[k] ? x[k] : acc;
        break;
    case PRED__OP_REDUCEMIN:
        for (k = 0; k < n; k++) acc = x[k] < acc || x[k] != x[k] ? x[k] : acc;
        break;
    case PRED__OP_REDUCESUMSQUARE:
    case PRED__OP_REDUCEL2:
        for (k = 0; k < n; k++) acc += x[k] * x[k];
        break;
    default:
        for (k = 0; k < n; k++) acc += x[k];
        break;
    }
    return acc;
}

static void pred__reduce(float *y, const float *x, const pred__shape *xs, unsigned reduce, size_t ny, int op) {
    int64_t idx[PRED_MAX_DIMS] = {0}, ystr[PRED_MAX_DIMS], c = 1;
    uint64_t total = pred__shape_count(xs), k, at = 0, per;
    float init = op == PRED__OP_REDUCEMAX ? -HUGE_VALF : (op == PRED__OP_REDUCEMIN ? HUGE_VALF : 0.0f);
    size_t d;
    /* strides of y over the index of x; 0 along the reduced dims */
    for (d = xs->ndim; d-- > 0;) {
        ystr[d] = (reduce >> d) & 1 ? 0 : c;
        if (!((reduce >> d) & 1)) c *= xs->d[d];
    }
    per = total / (ny ? ny : 1);
    for (k = 0; k < ny; k++) y[k] = init;
    if (pred__reduce_trailing(xs, reduce)) { /* each y[k] folds a contiguous run of x: no index arithmetic */
        for (k = 0; k < ny; k++) y[k] = pred__fold(y[k], x + k * per, per, op);
    } else {
        for (k = 0; k < total; k++) {
            y[at] = pred__fold(y[at], x + k, 1, op);
            for (d = xs->ndim; d-- > 0;) { /* next index of x */
                at += (uint64_t)ystr[d];
                if (++idx[d] < xs->d[d]) break;
                at -= (uint64_t)(ystr[d] * xs->d[d]);
                idx[d] = 0;
            }
        }
    }
    if (op == PRED__OP_REDUCEMEAN)
        for (k = 0; k < ny; k++) y[k] /= (float)per;
    if (op == PRED__OP_REDUCEL2) /* correctly rounded everywhere (IEEE 754) */
        for (k = 0; k < ny; k++) y[k] = sqrtf(y[k]);
}

static void pred__reduce_run(const pred__exec *x, const pred__node *n) {
    pred__reduce(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN_SHAPE(x, n, 0), n->p.axes.reduce,
                 x->tensors[n->out[0]].count, n->op);
}
