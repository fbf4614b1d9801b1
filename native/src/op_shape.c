/*
 * op_shape.c: Shape, Cast, ConstantOfShape and Constant: the operators that
 * make integer tensors for shape arithmetic. All of them are computed at load
 * (a session's buffers hold floats), except a Cast to FLOAT of a float.
 */
#include "graph.h"
#include "attr.h"

/* The element types the engine stores (see pred__elem_size). */
static int pred__dtype_supported(int32_t t) {
    return t == PRED__DT_FLOAT || t == PRED__DT_INT64 || t == PRED__DT_INT32;
}

/* ---- Shape: the dims [start, end) of the input as an INT64 1-D tensor -----*/

static pred_status pred__shape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__shape_params *p = &n->p.shape;
    pred_status st;
    (void)g;
    if ((st = pred__attr_int(n, src, "start", 0, &p->start)) != PRED_OK) return st;
    return pred__attr_int(n, src, "end", INT64_MAX, &p->end);
}

/* v clamped into [0, rank] after adding rank to a negative v. */
static int64_t pred__clamp_dim(int64_t v, int64_t rank) {
    if (v < 0) v = v < -rank ? 0 : v + rank;
    return v > rank ? rank : v;
}

static pred_status pred__shape_infer(pred__graph *g, pred__node *n) {
    int64_t r = (int64_t)pred__in_shape(g, n, 0)->ndim, start, end;
    pred__shape y;
    /* the attributes as given stay in n->p: clamp a copy (infer may run again) */
    start = pred__clamp_dim(n->p.shape.start, r);
    end = pred__clamp_dim(n->p.shape.end, r);
    y.ndim = 1;
    y.d[0] = end > start ? end - start : 0;
    return pred__set_out(g, n, 0, &y, PRED__DT_INT64);
}

static void pred__shape_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    int64_t start = pred__clamp_dim(n->p.shape.start, (int64_t)s->ndim), i;
    int64_t *y = PRED__OUT_I64(x, n, 0);
    for (i = 0; i < PRED__OUT_SHAPE(x, n, 0)->d[0]; i++) y[i] = s->d[start + i];
}

/* ---- Cast -----------------------------------------------------------------*/

static pred_status pred__cast_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    int64_t to;
    pred_status st;
    if (g->opset < 6) return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "Cast before opset 6 is not supported");
    if ((st = pred__attr_int(n, src, "to", -1, &to)) != PRED_OK) return st;
    if (!pred__attr_find(src, "to")) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'to' is required");
    if (to < INT32_MIN || to > INT32_MAX || !pred__dtype_supported((int32_t)to))
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                 "attribute 'to' = %s is not supported (only FLOAT, INT64 and INT32 are)",
                                 pred__onnx_dtype_name(to < 0 || to > INT32_MAX ? -1 : (int32_t)to));
    n->p.cast.to = (int32_t)to;
    return PRED_OK;
}

static pred_status pred__cast_infer(pred__graph *g, pred__node *n) {
    return pred__set_out(g, n, 0, pred__in_shape(g, n, 0), n->p.cast.to);
}

/* float -> integer truncates toward 0 and saturates (NaN gives 0): C leaves
 * out-of-range conversions undefined */
static int64_t pred__float_to_i64(float v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0f) return INT64_MAX;
    if (v <= -9223372036854775808.0f) return INT64_MIN;
    return (int64_t)v;
}

/* y (n,) = x (n,) converted from type from to type to; integers are int64 */
static void pred__cast(void *y, const void *x, size_t n, int32_t from, int32_t to) {
    size_t i;
    if (to == PRED__DT_FLOAT) {
        float *yf = (float *)y;
        if (from == PRED__DT_FLOAT) memcpy(yf, x, n * sizeof *yf);
        else for (i = 0; i < n; i++) yf[i] = (float)((const int64_t *)x)[i];
        return;
    }
    for (i = 0; i < n; i++) {
        int64_t v = from == PRED__DT_FLOAT ? pred__float_to_i64(((const float *)x)[i]) : ((const int64_t *)x)[i];
        if (to == PRED__DT_INT32) {
            if (from == PRED__DT_FLOAT) v = v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : v);
            else v = (int32_t)(uint32_t)((uint64_t)v & 0xffffffffu); /* integers wrap */
        }
        ((int64_t *)y)[i] = v;
    }
}

static void pred__cast_run(const pred__exec *x, const pred__node *n) {
    pred__cast(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), x->tensors[n->out[0]].count, PRED__IN_TYPE(x, n, 0),
               n->p.cast.to);
}

/* ---- ConstantOfShape: a tensor of the input's shape filled with one value --*/

static pred_status pred__constantofshape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__fill_params *p = &n->p.fill;
    const pred__onnx_attr *a = pred__attr_find(src, "value");
    const pred__onnx_tensor *t;
    char why[256];
    pred_status st;
    (void)g;
    p->dtype = PRED__DT_FLOAT;
    p->f = 0.0f;
    p->i = 0;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_TENSOR || !a->t)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value' must be of type TENSOR");
    t = a->t;
    if ((st = pred__onnx_tensor_check(t, why, sizeof why)) != PRED_OK)
        return pred__node_errorf(n, st, "attribute 'value' %s", why);
    if (t->count != 1) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value' must hold one element");
    p->dtype = t->data_type;
    if (t->f) p->f = t->f[0];
    if (t->i) p->i = t->i[0];
    return PRED_OK;
}

static pred_status pred__constantofshape_infer(pred__graph *g, pred__node *n) {
    const pred__tensor *t = pred__in_tensor(g, n, 0);
    pred__shape y;
    size_t k;
    if (t->shape.ndim != 1)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "the input '%s' must be 1-D", t->name);
    if (t->count > PRED_MAX_DIMS)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the shape has %lu dimensions, at most %d are supported",
                                 (unsigned long)t->count, PRED_MAX_DIMS);
    y.ndim = t->count;
    for (k = 0; k < t->count; k++) {
        if (t->i[k] < 0) return pred__node_errorf(n, PRED_ERR_SHAPE, "the shape has a negative dimension");
        y.d[k] = t->i[k];
    }
    return pred__set_out(g, n, 0, &y, n->p.fill.dtype);
}

static void pred__constantofshape_run(const pred__exec *x, const pred__node *n) {
    const pred__fill_params *p = &n->p.fill;
    size_t count = x->tensors[n->out[0]].count, i;
    if (p->dtype == PRED__DT_FLOAT) {
        float *y = PRED__OUT(x, n, 0);
        for (i = 0; i < count; i++) y[i] = p->f;
    } else {
        int64_t *y = PRED__OUT_I64(x, n, 0);
        for (i = 0; i < count; i++) y[i] = p->i;
    }
}

/* ---- Constant: its value becomes the constant data of its output at init,
 * so the node is computed at load from the start and never runs. ----------*/

static pred_status pred__constant_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    static const char *const unsupported[] = {"sparse_value", "value_string", "value_strings"};
    pred__tensor *out = &g->tensors[n->out[0]];
    const pred__onnx_attr *a;
    const pred__onnx_tensor *t = NULL;
    size_t k, count = 1;
    int is_int = 0, rank1 = 0;
    const float *f = NULL;
    const int64_t *iv = NULL;
    float fv;
    char why[256];
    pred_status st;
    for (k = 0; k < sizeof unsupported / sizeof unsupported[0]; k++)
        if (pred__attr_find(src, unsupported[k]))
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute '%s' is not supported", unsupported[k]);
    if ((a = pred__attr_find(src, "value"))) {
        if (a->type != PRED__ATTR_TENSOR || !a->t)
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value' must be of type TENSOR");
        t = a->t;
        if ((st = pred__onnx_tensor_check(t, why, sizeof why)) != PRED_OK)
            return pred__node_errorf(n, st, "attribute 'value' %s", why);
        count = t->count;
        is_int = t->data_type != PRED__DT_FLOAT;
        f = t->f;
        iv = t->i;
    } else if ((a = pred__attr_find(src, "value_float"))) {
        if (a->type != PRED__ATTR_FLOAT) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value_float' must be of type FLOAT");
        fv = a->f;
        f = &fv;
    } else if ((a = pred__attr_find(src, "value_int"))) {
        if (a->type != PRED__ATTR_INT) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value_int' must be of type INT");
        iv = &a->i;
        is_int = 1;
    } else if ((a = pred__attr_find(src, "value_floats"))) {
        if (a->type != PRED__ATTR_FLOATS) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value_floats' must be of type FLOATS");
        f = a->floats.v;
        count = a->floats.n;
        rank1 = 1;
    } else if ((a = pred__attr_find(src, "value_ints"))) {
        if (a->type != PRED__ATTR_INTS) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'value_ints' must be of type INTS");
        iv = a->ints.v;
        count = a->ints.n;
        is_int = rank1 = 1;
    } else {
        return pred__node_errorf(n, PRED_ERR_MODEL, "no attribute gives the value");
    }
    if (count > PRED_MAX_ELEMENTS) return pred__node_errorf(n, PRED_ERR_SHAPE, "the value has too many elements");
    memset(&out->shape, 0, sizeof out->shape);
    if (t) {
        out->shape.ndim = t->ndim;
        for (k = 0; k < t->ndim; k++) out->shape.d[k] = t->dims[k];
    } else if (rank1) {
        out->shape.ndim = 1;
        out->shape.d[0] = (int64_t)count;
    }
    if (is_int) {
        if (!(out->i = (int64_t *)pred__calloc(count, sizeof *out->i))) return pred__oom();
        if (count) memcpy(out->i, iv, count * sizeof *out->i);
        out->dtype = t ? t->data_type : PRED__DT_INT64;
    } else {
        if (!(out->f = (float *)pred__calloc(count, sizeof *out->f))) return pred__oom();
        if (count) memcpy(out->f, f, count * sizeof *out->f);
        out->dtype = PRED__DT_FLOAT;
    }
    out->count = count;
    out->kind = PRED__TENSOR_CONST;
    out->flags |= PRED__TF_FOLDED;
    return PRED_OK;
}

static pred_status pred__constant_infer(pred__graph *g, pred__node *n) {
    (void)g;
    (void)n;
    return PRED_OK; /* the output was made at init */
}

static void pred__constant_run(const pred__exec *x, const pred__node *n) {
    (void)x;
    (void)n;
}
