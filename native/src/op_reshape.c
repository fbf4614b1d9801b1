/*
 * op_reshape.c: Flatten and Reshape (a copy with a new shape).
 */
#include "graph.h"
#include "attr.h"

/* ---- Flatten: (d0..dn) -> (d0*..*d(axis-1), d(axis)*..*dn) -----------------*/

static pred_status pred__flatten_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    return pred__attr_int(n, src, "axis", 1, &n->p.axis.axis);
}

static pred_status pred__flatten_infer(pred__graph *g, pred__node *n) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    int64_t r = (int64_t)x->ndim, axis = n->p.axis.axis;
    pred__shape y;
    if (axis < -r || axis > r)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'axis' = %lld is out of range for rank %lld",
                                 (long long)axis, (long long)r);
    if (axis < 0) axis += r;
    y.ndim = 2;
    y.d[0] = (int64_t)pred__shape_range(x, 0, (size_t)axis);
    y.d[1] = (int64_t)pred__shape_range(x, (size_t)axis, x->ndim);
    return pred__set_out_shape(g, n, 0, &y);
}

/* ---- Reshape --------------------------------------------------------------*/

static pred_status pred__reshape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__reshape_params *p = &n->p.reshape;
    int64_t allowzero;
    int present;
    pred_status st;
    if ((st = pred__attr_int(n, src, "allowzero", 0, &allowzero)) != PRED_OK) return st;
    p->allowzero = allowzero != 0;
    if (g->opset >= 5) {
        if (n->n_in < 2) return pred__node_errorf(n, PRED_ERR_MODEL, "the input 'shape' is missing");
        return PRED_OK;
    }
    /* opset < 5: the shape is an attribute */
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "the shape is an attribute before opset 5");
    p->from_attr = 1;
    if ((st = pred__attr_int_list(n, src, "shape", p->shape, PRED_MAX_DIMS, &p->ndim, &present)) != PRED_OK) return st;
    if (!present) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'shape' is required");
    return PRED_OK;
}

static pred_status pred__reshape_infer(pred__graph *g, pred__node *n) {
    const pred__reshape_params *p = &n->p.reshape;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const int64_t *shape = p->shape;
    size_t ndim = p->ndim, i, infer = SIZE_MAX;
    uint64_t known = 1, total = pred__shape_count(x);
    char bx[PRED__SHAPE_STR_SIZE];
    pred__shape y;
    if (!p->from_attr) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        if (t->shape.ndim != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'shape' ('%s') must be 1-D", t->name);
        if (t->count > PRED_MAX_DIMS)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the shape has %lu dimensions, at most %d are supported",
                                     (unsigned long)t->count, PRED_MAX_DIMS);
        shape = t->i;
        ndim = t->count;
    }
    y.ndim = ndim;
    for (i = 0; i < ndim; i++) {
        int64_t v = shape[i];
        if (v == 0 && !p->allowzero) {
            if (i >= x->ndim)
                return pred__node_errorf(n, PRED_ERR_SHAPE, "shape value 0 at index %lu copies a dimension the input %s does not have",
                                         (unsigned long)i, pred__shape_str(x, bx, sizeof bx));
            v = x->d[i];
        } else if (v == -1) {
            if (infer != SIZE_MAX) return pred__node_errorf(n, PRED_ERR_SHAPE, "the shape has more than one -1");
            infer = i;
            y.d[i] = 1;
            continue;
        } else if (v < -1 || v > (int64_t)PRED_MAX_ELEMENTS) {
            return pred__node_errorf(n, PRED_ERR_SHAPE, "shape value %lld is invalid", (long long)v);
        }
        y.d[i] = v;
        if (v > 0 && known > PRED_MAX_ELEMENTS / (uint64_t)v)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the shape has too many elements");
        known *= (uint64_t)v;
    }
    if (infer != SIZE_MAX) {
        if (known == 0 || total % known != 0)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "cannot reshape input %s: -1 cannot be inferred",
                                     pred__shape_str(x, bx, sizeof bx));
        y.d[infer] = (int64_t)(total / known);
        known = total;
    }
    if (known != total) {
        char by[PRED__SHAPE_STR_SIZE];
        return pred__node_errorf(n, PRED_ERR_SHAPE, "cannot reshape input %s to %s", pred__shape_str(x, bx, sizeof bx),
                                 pred__shape_str(&y, by, sizeof by));
    }
    return pred__set_out_shape(g, n, 0, &y);
}

/* y (n,) = x (n,): the data of Flatten and Reshape does not change */
static void pred__copy_run(const pred__exec *x, const pred__node *n) {
    float *y = PRED__OUT(x, n, 0);
    const float *src = PRED__IN(x, n, 0);
    if (y != src) memcpy(y, src, x->tensors[n->out[0]].count * sizeof *y);
}
