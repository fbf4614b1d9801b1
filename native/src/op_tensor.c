/*
 * op_tensor.c: the operators that move elements: Transpose, Concat, Split,
 * Slice, Gather, Pad. Any element type: they copy elements of
 * pred__elem_size bytes (4 for floats, 8 for integers).
 */
#include "graph.h"
#include "attr.h"

/* Row-major strides (in elements) of shape s. */
static void pred__strides(const pred__shape *s, int64_t *strides) {
    int64_t c = 1;
    size_t i;
    for (i = s->ndim; i-- > 0;) {
        strides[i] = c;
        c *= s->d[i];
    }
}

/* y (dims) = x[offset + sum_d i_d * strides[d]] for every index i of dims;
 * elements of esize bytes (4 or 8) */
static void pred__strided_copy(void *y, const void *x, size_t esize, const pred__shape *dims, const int64_t *strides,
                               int64_t offset) {
    int64_t idx[PRED_MAX_DIMS] = {0}, inner, step, i, at = offset;
    uint64_t rows, r;
    size_t nd = dims->ndim, d;
    if (nd == 0) {
        memcpy(y, (const char *)x + (size_t)offset * esize, esize);
        return;
    }
    inner = dims->d[nd - 1];
    step = strides[nd - 1];
    rows = pred__shape_range(dims, 0, nd - 1);
    if (inner == 0) return; /* an empty y (rows is 0 if another dim is) */
    for (r = 0; r < rows; r++) {
        if (esize == sizeof(float)) {
            float *yr = (float *)y + r * (uint64_t)inner;
            const float *xr = (const float *)x;
            for (i = 0; i < inner; i++) yr[i] = xr[at + i * step];
        } else {
            int64_t *yr = (int64_t *)y + r * (uint64_t)inner;
            const int64_t *xr = (const int64_t *)x;
            for (i = 0; i < inner; i++) yr[i] = xr[at + i * step];
        }
        for (d = nd - 1; d-- > 0;) { /* next row */
            at += strides[d];
            if (++idx[d] < dims->d[d]) break;
            at -= strides[d] * dims->d[d];
            idx[d] = 0;
        }
    }
}

/* Normalizes axis (which may be negative) for a rank; 0 if out of range. */
static int pred__norm_axis(int64_t *axis, int64_t rank) {
    if (*axis < -rank || *axis >= rank) return 0;
    if (*axis < 0) *axis += rank;
    return 1;
}

static pred_status pred__axis_error(const pred__node *n, int64_t axis, size_t rank) {
    return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'axis' = %lld is out of range for rank %lu", (long long)axis,
                             (unsigned long)rank);
}

static size_t pred__esize_in(const pred__exec *x, const pred__node *n) {
    return pred__elem_size(PRED__IN_TYPE(x, n, 0));
}

/* ---- Transpose ------------------------------------------------------------*/

static pred_status pred__transpose_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__transpose_params *p = &n->p.transpose;
    int present;
    (void)g;
    return pred__attr_int_list(n, src, "perm", p->perm, PRED_MAX_DIMS, &p->n_perm, &present);
}

static pred_status pred__transpose_infer(pred__graph *g, pred__node *n) {
    const pred__transpose_params *p = &n->p.transpose;
    const pred__shape *x = pred__in_shape(g, n, 0);
    pred__shape y;
    unsigned seen = 0;
    size_t i;
    if (p->n_perm && p->n_perm != x->ndim)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'perm' has %lu values for an input of rank %lu",
                                 (unsigned long)p->n_perm, (unsigned long)x->ndim);
    y.ndim = x->ndim;
    for (i = 0; i < x->ndim; i++) {
        int64_t a = p->n_perm ? p->perm[i] : (int64_t)(x->ndim - 1 - i);
        if (a < 0 || a >= (int64_t)x->ndim || (seen >> a) & 1)
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'perm' is not a permutation of the dimensions");
        seen |= 1u << a;
        y.d[i] = x->d[a];
    }
    return pred__set_out(g, n, 0, &y, pred__in_tensor(g, n, 0)->dtype);
}

static void pred__transpose_run(const pred__exec *x, const pred__node *n) {
    const pred__transpose_params *p = &n->p.transpose;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0);
    int64_t xstr[PRED_MAX_DIMS], str[PRED_MAX_DIMS];
    size_t i;
    pred__strides(xs, xstr);
    for (i = 0; i < xs->ndim; i++) str[i] = xstr[p->n_perm ? p->perm[i] : (int64_t)(xs->ndim - 1 - i)];
    pred__strided_copy(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), pred__esize_in(x, n), PRED__OUT_SHAPE(x, n, 0), str, 0);
}

/* ---- Concat ---------------------------------------------------------------*/

static pred_status pred__concat_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    /* the axis is required from opset 4; before, it defaults to 1 */
    if (g->opset >= 4 && !pred__attr_find(src, "axis"))
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'axis' is required");
    return pred__attr_int(n, src, "axis", 1, &n->p.axis.axis);
}

static pred_status pred__concat_infer(pred__graph *g, pred__node *n) {
    pred__axis_params *p = &n->p.axis;
    const pred__shape *x0 = pred__in_shape(g, n, 0);
    int32_t dtype = pred__in_tensor(g, n, 0)->dtype;
    char b0[PRED__SHAPE_STR_SIZE], bj[PRED__SHAPE_STR_SIZE];
    pred__shape y = *x0;
    int64_t axis = p->axis;
    size_t d;
    int j;
    if (!pred__norm_axis(&axis, (int64_t)x0->ndim)) return pred__axis_error(n, p->axis, x0->ndim);
    y.d[axis] = 0;
    for (j = 0; j < n->n_in; j++) {
        const pred__shape *s;
        if (n->in[j] < 0) return pred__node_errorf(n, PRED_ERR_MODEL, "input %d is missing", j);
        s = pred__in_shape(g, n, j);
        if (pred__in_tensor(g, n, j)->dtype != dtype)
            return pred__node_errorf(n, PRED_ERR_MODEL, "input %d has type %s, input 0 has type %s", j,
                                     pred__onnx_dtype_name(pred__in_tensor(g, n, j)->dtype), pred__onnx_dtype_name(dtype));
        if (s->ndim != x0->ndim) goto mismatch;
        for (d = 0; d < s->ndim; d++)
            if ((int64_t)d != axis && s->d[d] != x0->d[d]) goto mismatch;
        y.d[axis] += s->d[axis];
        continue;
    mismatch:
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input %d %s does not match input 0 %s outside axis %lld", j,
                                 pred__shape_str(s, bj, sizeof bj), pred__shape_str(x0, b0, sizeof b0), (long long)axis);
    }
    p->outer = (int64_t)pred__shape_range(x0, 0, (size_t)axis);
    p->inner = (int64_t)pred__shape_range(x0, (size_t)axis + 1, x0->ndim);
    return pred__set_out(g, n, 0, &y, dtype);
}

static void pred__concat_run(const pred__exec *x, const pred__node *n) {
    const pred__axis_params *p = &n->p.axis;
    const pred__shape *ys = PRED__OUT_SHAPE(x, n, 0);
    int64_t axis = p->axis < 0 ? p->axis + (int64_t)ys->ndim : p->axis, o;
    size_t es = pred__esize_in(x, n), row = (size_t)(ys->d[axis] * p->inner) * es, at = 0;
    char *y = (char *)PRED__OUT(x, n, 0);
    int j;
    /* y (outer, sum of dims, inner): each input fills its band of every row */
    for (j = 0; j < n->n_in; j++) {
        size_t band = (size_t)(PRED__IN_SHAPE(x, n, j)->d[axis] * p->inner) * es;
        const char *src = (const char *)PRED__IN(x, n, j);
        if (band == 0) continue; /* an empty input */
        for (o = 0; o < p->outer; o++) memcpy(y + (size_t)o * row + at, src + (size_t)o * band, band);
        at += band;
    }
}

/* ---- Split ----------------------------------------------------------------*/

static pred_status pred__split_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__split_params *p = &n->p.split;
    int present;
    pred_status st;
    if ((st = pred__attr_int(n, src, "axis", 0, &p->axis)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "num_outputs", 0, &p->num_outputs)) != PRED_OK) return st;
    p->n_split = 0;
    if (g->opset < 13) {
        if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "split is an attribute before opset 13");
        if ((st = pred__attr_int_list(n, src, "split", p->split, PRED__SPLIT_MAX, &p->n_split, &present)) != PRED_OK)
            return st;
    }
    if (p->num_outputs && (n->n_in > 1 || p->n_split))
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'num_outputs' and the split sizes are both given");
    if (p->num_outputs && p->num_outputs != n->n_out)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'num_outputs' is %lld, the node has %d outputs",
                                 (long long)p->num_outputs, n->n_out);
    return PRED_OK;
}

static pred_status pred__split_infer(pred__graph *g, pred__node *n) {
    pred__split_params *p = &n->p.split;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const int64_t *sizes = p->split;
    size_t count = p->n_split;
    int64_t axis = p->axis, dim, total = 0, part;
    int32_t dtype = pred__in_tensor(g, n, 0)->dtype;
    char bx[PRED__SHAPE_STR_SIZE];
    pred_status st;
    int j;
    if (!pred__norm_axis(&axis, (int64_t)x->ndim)) return pred__axis_error(n, p->axis, x->ndim);
    dim = x->d[axis];
    if (n->n_in > 1 && n->in[1] >= 0) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        sizes = t->i;
        count = t->count;
    }
    if (count && count != (size_t)n->n_out)
        return pred__node_errorf(n, PRED_ERR_MODEL, "%lu split sizes for %d outputs", (unsigned long)count, n->n_out);
    part = (dim + n->n_out - 1) / n->n_out; /* no sizes: equal parts, the last one smaller */
    if (!count && !p->num_outputs && dim % n->n_out != 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input %s cannot be split in %d equal parts along axis %lld",
                                 pred__shape_str(x, bx, sizeof bx), n->n_out, (long long)axis);
    for (j = 0; j < n->n_out; j++) {
        pred__shape y = *x;
        int64_t size = count ? sizes[j] : (dim - total < part ? dim - total : part);
        if (size < 0 || size > dim - total)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the split sizes do not add up to dimension %lld of input %s",
                                     (long long)axis, pred__shape_str(x, bx, sizeof bx));
        y.d[axis] = p->size[j] = size;
        total += size;
        if ((st = pred__set_out(g, n, j, &y, dtype)) != PRED_OK) return st;
    }
    if (total != dim)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "the split sizes do not add up to dimension %lld of input %s",
                                 (long long)axis, pred__shape_str(x, bx, sizeof bx));
    p->outer = (int64_t)pred__shape_range(x, 0, (size_t)axis);
    p->inner = (int64_t)pred__shape_range(x, (size_t)axis + 1, x->ndim);
    return PRED_OK;
}

static void pred__split_run(const pred__exec *x, const pred__node *n) {
    const pred__split_params *p = &n->p.split;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0);
    int64_t axis = p->axis < 0 ? p->axis + (int64_t)xs->ndim : p->axis, o;
    size_t es = pred__esize_in(x, n), row = (size_t)(xs->d[axis] * p->inner) * es, at = 0;
    const char *src = (const char *)PRED__IN(x, n, 0);
    int j;
    for (j = 0; j < n->n_out; j++) {
        size_t band = (size_t)(p->size[j] * p->inner) * es;
        if (n->out[j] >= 0 && band > 0) { /* an omitted or empty output is skipped */
            char *y = (char *)PRED__OUT(x, n, j);
            for (o = 0; o < p->outer; o++) memcpy(y + (size_t)o * band, src + (size_t)o * row + at, band);
        }
        at += band;
    }
}

/* ---- Slice ----------------------------------------------------------------*/

static pred_status pred__slice_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__slice_params *p = &n->p.slice;
    size_t n_ends = 0;
    int present;
    pred_status st;
    p->from_attr = g->opset < 10;
    p->has_axes = 0;
    p->n = 0;
    if (!p->from_attr) {
        if (n->n_in < 3 || n->in[1] < 0 || n->in[2] < 0)
            return pred__node_errorf(n, PRED_ERR_MODEL, "the inputs 'starts' and 'ends' are required");
        return PRED_OK;
    }
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "starts and ends are attributes before opset 10");
    if ((st = pred__attr_int_list(n, src, "starts", p->starts, PRED_MAX_DIMS, &p->n, &present)) != PRED_OK) return st;
    if (!present) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'starts' is required");
    if ((st = pred__attr_int_list(n, src, "ends", p->ends, PRED_MAX_DIMS, &n_ends, &present)) != PRED_OK) return st;
    if (!present || n_ends != p->n)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'ends' must have as many values as 'starts'");
    if ((st = pred__attr_int_list(n, src, "axes", p->axes, PRED_MAX_DIMS, &n_ends, &present)) != PRED_OK) return st;
    if (present && n_ends != p->n)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'axes' must have as many values as 'starts'");
    p->has_axes = present;
    return PRED_OK;
}

/* An integer input of count values (1-D), or NULL with an error. */
static const int64_t *pred__int_list(const pred__graph *g, const pred__node *n, int i, size_t count, const char *what,
                                     pred_status *st) {
    const pred__tensor *t = pred__in_tensor(g, n, i);
    if (t->shape.ndim != 1 || t->count != count) {
        *st = pred__node_errorf(n, PRED_ERR_SHAPE, "the input '%s' ('%s') must be 1-D with %lu values", what, t->name,
                                (unsigned long)count);
        return NULL;
    }
    return t->i;
}

static pred_status pred__slice_infer(pred__graph *g, pred__node *n) {
    pred__slice_params *p = &n->p.slice;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const int64_t *starts = p->starts, *ends = p->ends, *axes = p->has_axes ? p->axes : NULL, *steps = NULL;
    size_t count = p->n, k, d;
    unsigned seen = 0;
    pred__shape y = *x;
    pred_status st = PRED_OK;
    if (!p->from_attr) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        if (t->shape.ndim != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'starts' ('%s') must be 1-D", t->name);
        count = t->count;
        starts = t->i;
        if (!(ends = pred__int_list(g, n, 2, count, "ends", &st))) return st;
        if (n->n_in > 3 && n->in[3] >= 0 && !(axes = pred__int_list(g, n, 3, count, "axes", &st))) return st;
        if (n->n_in > 4 && n->in[4] >= 0 && !(steps = pred__int_list(g, n, 4, count, "steps", &st))) return st;
    }
    for (d = 0; d < x->ndim; d++) {
        p->start[d] = 0;
        p->step[d] = 1;
    }
    for (k = 0; k < count; k++) {
        int64_t axis = axes ? axes[k] : (int64_t)k, dim, step = steps ? steps[k] : 1, s, e, len;
        if (!pred__norm_axis(&axis, (int64_t)x->ndim) || (seen >> axis) & 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the axes of the slice are out of range or repeated");
        seen |= 1u << axis;
        if (step == 0) return pred__node_errorf(n, PRED_ERR_MODEL, "a step is 0");
        dim = x->d[axis];
        /* a step longer than the axis takes one element at most: clamping it keeps the
           length and keeps stride * step (and -step) from overflowing */
        if (step > dim) step = dim > 0 ? dim : 1;
        if (step < -dim) step = dim > 0 ? -dim : -1;
        s = starts[k];
        e = ends[k];
        /* clamp as numpy does: [0, dim] for a positive step, [-1, dim-1] for a negative one */
        if (s < 0) s = s < -dim ? -dim : s, s += dim;
        if (e < 0) e = e < -dim ? -dim - 1 : e, e += dim;
        if (step > 0) {
            s = s > dim ? dim : s;
            e = e > dim ? dim : e;
            len = e > s ? (e - s - 1) / step + 1 : 0;
        } else {
            s = s > dim - 1 ? dim - 1 : s;
            e = e > dim - 1 ? dim - 1 : e;
            if (e < -1) e = -1;
            len = s > e ? (s - e - 1) / -step + 1 : 0;
        }
        p->start[axis] = s;
        p->step[axis] = step;
        y.d[axis] = len;
    }
    return pred__set_out(g, n, 0, &y, pred__in_tensor(g, n, 0)->dtype);
}

static void pred__slice_run(const pred__exec *x, const pred__node *n) {
    const pred__slice_params *p = &n->p.slice;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0);
    int64_t xstr[PRED_MAX_DIMS], str[PRED_MAX_DIMS], offset = 0;
    size_t d;
    pred__strides(xs, xstr);
    for (d = 0; d < xs->ndim; d++) {
        str[d] = xstr[d] * p->step[d];
        offset += xstr[d] * p->start[d];
    }
    pred__strided_copy(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), pred__esize_in(x, n), PRED__OUT_SHAPE(x, n, 0), str, offset);
}

/* ---- Gather: y = x indexed along axis by the (constant) indices -----------*/

static pred_status pred__gather_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    return pred__attr_int(n, src, "axis", 0, &n->p.axis.axis);
}

static pred_status pred__gather_infer(pred__graph *g, pred__node *n) {
    pred__axis_params *p = &n->p.axis;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const pred__tensor *ind = pred__in_tensor(g, n, 1);
    int64_t axis = p->axis;
    pred__shape y;
    size_t k;
    if (!pred__norm_axis(&axis, (int64_t)x->ndim)) return pred__axis_error(n, p->axis, x->ndim);
    if (x->ndim - 1 + ind->shape.ndim > PRED_MAX_DIMS)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the output would have more than %d dimensions", PRED_MAX_DIMS);
    for (k = 0; k < ind->count; k++)
        if (ind->i[k] < -x->d[axis] || ind->i[k] >= x->d[axis])
            return pred__node_errorf(n, PRED_ERR_SHAPE, "index %lld is out of range for dimension %lld of size %lld",
                                     (long long)ind->i[k], (long long)axis, (long long)x->d[axis]);
    /* y = x.shape[:axis] + indices.shape + x.shape[axis+1:] */
    y.ndim = 0;
    for (k = 0; k < (size_t)axis; k++) y.d[y.ndim++] = x->d[k];
    for (k = 0; k < ind->shape.ndim; k++) y.d[y.ndim++] = ind->shape.d[k];
    for (k = (size_t)axis + 1; k < x->ndim; k++) y.d[y.ndim++] = x->d[k];
    p->outer = (int64_t)pred__shape_range(x, 0, (size_t)axis);
    p->n = x->d[axis];
    p->inner = (int64_t)pred__shape_range(x, (size_t)axis + 1, x->ndim);
    return pred__set_out(g, n, 0, &y, pred__in_tensor(g, n, 0)->dtype);
}

static void pred__gather_run(const pred__exec *x, const pred__node *n) {
    const pred__axis_params *p = &n->p.axis;
    const int64_t *ind = PRED__IN_I64(x, n, 1);
    size_t count = x->tensors[n->in[1]].count, es = pred__esize_in(x, n), block = (size_t)p->inner * es, k;
    const char *src = (const char *)PRED__IN(x, n, 0);
    char *y = (char *)PRED__OUT(x, n, 0);
    int64_t o;
    for (o = 0; o < p->outer; o++)
        for (k = 0; k < count; k++) {
            int64_t i = ind[k] < 0 ? ind[k] + p->n : ind[k];
            memcpy(y, src + (size_t)(o * p->n + i) * block, block);
            y += block;
        }
}

/* ---- Pad ------------------------------------------------------------------*/

static pred_status pred__pad_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__pad_params *p = &n->p.pad;
    const char *mode;
    int present;
    pred_status st;
    if ((st = pred__attr_string(n, src, "mode", "constant", &mode)) != PRED_OK) return st;
    if (strcmp(mode, "constant") == 0) p->mode = PRED__PADMODE_CONSTANT;
    else if (strcmp(mode, "reflect") == 0) p->mode = PRED__PADMODE_REFLECT;
    else if (strcmp(mode, "edge") == 0) p->mode = PRED__PADMODE_EDGE;
    else if (strcmp(mode, "wrap") == 0) p->mode = PRED__PADMODE_WRAP;
    else return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'mode' has the unsupported value '%s'", mode);
    p->from_attr = g->opset < 11;
    p->value = 0.0f;
    p->n_pads = 0;
    if (!p->from_attr) {
        if (n->n_in < 2 || n->in[1] < 0) return pred__node_errorf(n, PRED_ERR_MODEL, "the input 'pads' is required");
        return PRED_OK;
    }
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "pads are an attribute before opset 11");
    if ((st = pred__attr_float(n, src, "value", 0.0f, &p->value)) != PRED_OK) return st;
    /* opset 1 called the attribute `paddings` */
    if ((st = pred__attr_int_list(n, src, g->opset < 2 ? "paddings" : "pads", p->pads, 2 * PRED_MAX_DIMS, &p->n_pads,
                                  &present)) != PRED_OK)
        return st;
    if (!present) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'pads' is required");
    return PRED_OK;
}

static pred_status pred__pad_infer(pred__graph *g, pred__node *n) {
    pred__pad_params *p = &n->p.pad;
    const pred__shape *x = pred__in_shape(g, n, 0);
    int64_t pads[2 * PRED_MAX_DIMS] = {0};
    const int64_t *given = p->pads;
    size_t count = p->n_pads, r = x->ndim, k;
    int64_t axes[PRED_MAX_DIMS];
    size_t n_axes = r;
    char bx[PRED__SHAPE_STR_SIZE];
    pred__shape y = *x;
    pred_status st = PRED_OK;
    for (k = 0; k < r; k++) axes[k] = (int64_t)k;
    if (!p->from_attr) {
        const pred__tensor *t = pred__in_tensor(g, n, 1);
        given = t->i;
        count = t->count;
        if (t->shape.ndim != 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'pads' ('%s') must be 1-D", t->name);
        if (n->n_in > 2 && n->in[2] >= 0 && pred__in_tensor(g, n, 2)->count != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the input 'constant_value' must be a scalar");
        if (n->n_in > 3 && n->in[3] >= 0) {
            const int64_t *av;
            n_axes = pred__in_tensor(g, n, 3)->count;
            if (!(av = pred__int_list(g, n, 3, n_axes, "axes", &st))) return st;
            if (n_axes > r)
                return pred__node_errorf(n, PRED_ERR_SHAPE, "%lu axes for input %s", (unsigned long)n_axes,
                                         pred__shape_str(x, bx, sizeof bx));
            for (k = 0; k < n_axes; k++) {
                axes[k] = av[k];
                if (!pred__norm_axis(&axes[k], (int64_t)r))
                    return pred__node_errorf(n, PRED_ERR_SHAPE, "axis %lld is out of range", (long long)av[k]);
            }
        }
    }
    if (count != 2 * n_axes)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "%lu pads for %lu axes of input %s", (unsigned long)count,
                                 (unsigned long)n_axes, pred__shape_str(x, bx, sizeof bx));
    for (k = 0; k < n_axes; k++) {
        int64_t a = axes[k], b = given[k], e = given[n_axes + k];
        if (b < -x->d[a] || e < -x->d[a] || b > (int64_t)PRED_MAX_ELEMENTS || e > (int64_t)PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "pads (%lld, %lld) are out of range for input %s", (long long)b,
                                     (long long)e, pred__shape_str(x, bx, sizeof bx));
        if ((b < 0 || e < 0) && p->mode != PRED__PADMODE_CONSTANT)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "negative pads are supported in mode 'constant' only");
        if (p->mode == PRED__PADMODE_REFLECT && (b >= x->d[a] || e >= x->d[a]))
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "reflect pads must be smaller than the dimension");
        pads[a] = b;
        pads[r + a] = e;
        y.d[a] = x->d[a] + b + e;
    }
    /* resolved into the attribute's own layout (begins, then ends): infer can run again */
    memcpy(p->pads, pads, sizeof pads);
    p->n_pads = 2 * r;
    return pred__set_out(g, n, 0, &y, pred__in_tensor(g, n, 0)->dtype);
}

/* The input coordinate of output coordinate i along a dim of size dim with
 * `begin` pads before it; -1 for the constant. */
static int64_t pred__pad_source(int64_t i, int64_t begin, int64_t dim, int mode) {
    int64_t s = i - begin;
    if (s >= 0 && s < dim) return s;
    switch (mode) {
    case PRED__PADMODE_EDGE: return s < 0 ? 0 : dim - 1;
    case PRED__PADMODE_REFLECT: return s < 0 ? -s : 2 * (dim - 1) - s; /* pads are below dim */
    case PRED__PADMODE_WRAP: return ((s % dim) + dim) % dim;
    default: return -1;
    }
}

/* y (ys) = x (xs) padded by pads (begins, then ends, per dim; negative
 * pads crop) in the given mode; elements of esize bytes, value the constant */
static void pred__pad(void *y, const void *x, size_t esize, const pred__shape *ys, const pred__shape *xs,
                      const int64_t *pads, int mode, const void *value) {
    int64_t idx[PRED_MAX_DIMS] = {0}, xstr[PRED_MAX_DIMS];
    uint64_t total = pred__shape_count(ys), k;
    size_t nd = ys->ndim, d;
    pred__strides(xs, xstr);
    for (k = 0; k < total; k++) {
        int64_t at = 0;
        for (d = 0; d < nd && at >= 0; d++) {
            int64_t s = pred__pad_source(idx[d], pads[d], xs->d[d], mode);
            at = s < 0 ? -1 : at + s * xstr[d];
        }
        memcpy((char *)y + k * esize, at < 0 ? value : (const char *)x + (size_t)at * esize, esize);
        for (d = nd; d-- > 0;) { /* next output index */
            if (++idx[d] < ys->d[d]) break;
            idx[d] = 0;
        }
    }
}

static void pred__pad_run(const pred__exec *x, const pred__node *n) {
    const pred__pad_params *p = &n->p.pad;
    int64_t zero = 0;
    float fv = p->value;
    const void *value = PRED__IN_TYPE(x, n, 0) == PRED__DT_FLOAT ? (const void *)&fv : (const void *)&zero;
    if (!p->from_attr && n->n_in > 2 && n->in[2] >= 0) value = PRED__IN(x, n, 2);
    pred__pad(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), pred__esize_in(x, n), PRED__OUT_SHAPE(x, n, 0),
              PRED__IN_SHAPE(x, n, 0), p->pads, p->mode, value);
}
