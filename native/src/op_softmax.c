/*
 * op_softmax.c: Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at
 * `axis` (default 1) and each row is normalized; from opset 13 on, the
 * normalization is along the one axis (default -1).
 */
#include "graph.h"
#include "attr.h"
#include "kernels.h"
#include "fmath.h"

static pred_status pred__softmax_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__axis_params *p = &n->p.axis;
    p->legacy = g->opset < 13;
    return pred__attr_int(n, src, "axis", p->legacy ? 1 : -1, &p->axis);
}

static pred_status pred__softmax_infer(pred__graph *g, pred__node *n) {
    pred__axis_params *p = &n->p.axis;
    const pred__shape *x = pred__in_shape(g, n, 0);
    int64_t r = (int64_t)x->ndim, axis = p->axis;
    if (axis < -r || axis >= r)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'axis' = %lld is out of range for rank %lld",
                                 (long long)axis, (long long)r);
    if (axis < 0) axis += r;
    p->outer = (int64_t)pred__shape_range(x, 0, (size_t)axis);
    if (p->legacy) {
        p->n = (int64_t)pred__shape_range(x, (size_t)axis, x->ndim);
        p->inner = 1;
    } else {
        p->n = x->d[axis];
        p->inner = (int64_t)pred__shape_range(x, (size_t)axis + 1, x->ndim);
    }
    return pred__set_out_shape(g, n, 0, x);
}

/* y (outer, n, inner) = softmax of x (outer, n, inner) along n */
static void pred__softmax(float *y, const float *x, int64_t outer, int64_t n, int64_t inner) {
    int64_t o, i, k;
    for (o = 0; o < outer; o++)
        for (i = 0; i < inner; i++) {
            const float *xr = x + o * n * inner + i;
            float *yr = y + o * n * inner + i;
            float m = xr[0], s = 0.0f;
            for (k = 1; k < n; k++)
                if (xr[k * inner] > m) m = xr[k * inner];
            for (k = 0; k < n; k++) {
                yr[k * inner] = pred__expf(xr[k * inner] - m);
                s += yr[k * inner];
            }
            for (k = 0; k < n; k++) yr[k * inner] /= s;
        }
}

static void pred__softmax_run(const pred__exec *x, const pred__node *n) {
    const pred__axis_params *p = &n->p.axis;
    pred__softmax(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), p->outer, p->n, p->inner);
}

/* y (outer, n, inner) = log of the softmax of x (outer, n, inner) along n */
static void pred__logsoftmax(float *y, const float *x, int64_t outer, int64_t n, int64_t inner) {
    int64_t o, i, k;
    for (o = 0; o < outer; o++)
        for (i = 0; i < inner; i++) {
            const float *xr = x + o * n * inner + i;
            float *yr = y + o * n * inner + i;
            float m = xr[0], s = 0.0f, ls;
            for (k = 1; k < n; k++)
                if (xr[k * inner] > m) m = xr[k * inner];
            for (k = 0; k < n; k++) s += pred__expf(xr[k * inner] - m);
            ls = pred__logf(s);
            for (k = 0; k < n; k++) yr[k * inner] = (xr[k * inner] - m) - ls;
        }
}

static void pred__logsoftmax_run(const pred__exec *x, const pred__node *n) {
    const pred__axis_params *p = &n->p.axis;
    pred__logsoftmax(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), p->outer, p->n, p->inner);
}
