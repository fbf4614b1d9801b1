/*
 * op_reshape.c: the operators that copy their input's data unchanged under
 * a new shape: Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout (in
 * inference, the identity). Any element type.
 */
#include "graph.h"
#include "attr.h"

/* Sets output 0 to shape y with the type of input 0. */
static pred_status pred__same_type_out(pred__graph *g, const pred__node *n, const pred__shape *y) {
    return pred__set_out(g, n, 0, y, pred__in_tensor(g, n, 0)->dtype);
}

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
    return pred__same_type_out(g, n, &y);
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
    return pred__same_type_out(g, n, &y);
}

/* ---- Squeeze, Unsqueeze: axes from an attribute before opset 13, an input after */

static pred_status pred__squeeze_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__axes_params *p = &n->p.axes;
    int present;
    pred_status st;
    p->from_attr = g->opset < 13;
    p->n_axes = 0;
    if (!p->from_attr) {
        if (n->op == PRED__OP_UNSQUEEZE && n->n_in < 2)
            return pred__node_errorf(n, PRED_ERR_MODEL, "the input 'axes' is missing");
        return PRED_OK;
    }
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "axes are an attribute before opset 13");
    if ((st = pred__attr_int_list(n, src, "axes", p->axes, PRED_MAX_DIMS, &p->n_axes, &present)) != PRED_OK) return st;
    if (!present && n->op == PRED__OP_UNSQUEEZE) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'axes' is required");
    return PRED_OK;
}

/* The axes (attribute, or input 1 if given) normalized to [0, rank) as a bit
 * mask; *given is 0 when there are none. Duplicates are an error. */
static pred_status pred__axes_mask(const pred__graph *g, const pred__node *n, size_t rank, unsigned *mask,
                                   int *given) {
    const pred__axes_params *p = &n->p.axes;
    const int64_t *axes = p->axes;
    size_t count = p->n_axes, k;
    *mask = 0;
    if (!p->from_attr && n->n_in > 1 && n->in[1] >= 0) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        if (t->shape.ndim > 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'axes' ('%s') must be 1-D", t->name);
        axes = t->i;
        count = t->count;
    }
    *given = count > 0;
    for (k = 0; k < count; k++) {
        int64_t a = axes[k];
        if (a < -(int64_t)rank || a >= (int64_t)rank)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "axis %lld is out of range for rank %lu", (long long)a,
                                     (unsigned long)rank);
        if (a < 0) a += (int64_t)rank;
        if (*mask & (1u << a)) return pred__node_errorf(n, PRED_ERR_MODEL, "axis %lld appears twice", (long long)axes[k]);
        *mask |= 1u << a;
    }
    return PRED_OK;
}

static pred_status pred__squeeze_infer(pred__graph *g, pred__node *n) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    char bx[PRED__SHAPE_STR_SIZE];
    pred__shape y;
    unsigned mask;
    int given;
    size_t i;
    pred_status st = pred__axes_mask(g, n, x->ndim, &mask, &given);
    if (st != PRED_OK) return st;
    y.ndim = 0;
    for (i = 0; i < x->ndim; i++) {
        int drop = given ? (mask >> i) & 1 : x->d[i] == 1;
        if (drop && x->d[i] != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "dimension %lu of input %s is not 1", (unsigned long)i,
                                     pred__shape_str(x, bx, sizeof bx));
        if (!drop) y.d[y.ndim++] = x->d[i];
    }
    return pred__same_type_out(g, n, &y);
}

static pred_status pred__unsqueeze_infer(pred__graph *g, pred__node *n) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    const pred__axes_params *p = &n->p.axes;
    size_t count = p->from_attr ? p->n_axes : pred__in_tensor(g, n, 1)->count, rank = x->ndim + count, i, k = 0;
    pred__shape y;
    unsigned mask;
    int given;
    pred_status st;
    if (rank > PRED_MAX_DIMS)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the output would have %lu dimensions, at most %d are supported",
                                 (unsigned long)rank, PRED_MAX_DIMS);
    if ((st = pred__axes_mask(g, n, rank, &mask, &given)) != PRED_OK) return st;
    y.ndim = rank;
    for (i = 0; i < rank; i++) y.d[i] = (mask >> i) & 1 ? 1 : x->d[k++];
    return pred__same_type_out(g, n, &y);
}

/* ---- Identity, Dropout ----------------------------------------------------*/

static pred_status pred__identity_infer(pred__graph *g, pred__node *n) {
    return pred__same_type_out(g, n, pred__in_shape(g, n, 0));
}

/* Dropout in inference is the identity; training (a training_mode input) is not supported. */
static pred_status pred__dropout_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    (void)src;
    if (n->n_in > 2 && n->in[2] >= 0)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the input 'training_mode' is not supported");
    return PRED_OK;
}

/* y = x: the data of all the ops above does not change */
static void pred__copy_run(const pred__exec *x, const pred__node *n) {
    void *y = PRED__OUT(x, n, 0);
    const void *src = PRED__IN(x, n, 0);
    const pred__tensor *t = &x->tensors[n->out[0]];
    if (y != src) memcpy(y, src, t->count * pred__elem_size(t->dtype));
}
