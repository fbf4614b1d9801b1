/*
 * window.c: window attributes and output sizes of Conv, ConvTranspose and the pools.
 */
#include "window.h"
#include "attr.h"

/* Bound for window attributes, so that all size arithmetic fits in int64. */
#define PRED__WINDOW_MAX ((int64_t)1 << 30)

/* Reads the ints attribute `name` of `per_dim` values per spatial dim into
 * out (right-aligned in PRED__SPATIAL slots, per_dim groups), agreeing on the
 * rank with the attributes read before. */
static pred_status pred__window_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                     int per_dim, int64_t min, pred__window *w, int64_t *out, int *present) {
    int64_t v[PRED_MAX_DIMS * 2];
    size_t got, k;
    int rank, first, g;
    pred_status st = pred__attr_int_list(n, src, name, v, PRED_MAX_DIMS * 2, &got, present);
    if (st != PRED_OK || !*present) return st;
    if (got % (size_t)per_dim != 0)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute '%s' has %lu values, not a multiple of %d", name,
                                 (unsigned long)got, per_dim);
    rank = (int)(got / (size_t)per_dim);
    if (rank < 1 || rank > PRED__SPATIAL)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                 "attribute '%s' has %lu values: only 1-D to %d-D windows are supported", name,
                                 (unsigned long)got, PRED__SPATIAL);
    if (w->rank && w->rank != rank)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute '%s' describes a %d-D window, another attribute a %d-D one",
                                 name, rank, w->rank);
    w->rank = rank;
    first = PRED__SPATIAL - rank;
    for (k = 0; k < got; k++)
        if (v[k] < min || v[k] > PRED__WINDOW_MAX)
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute '%s' has the value %lld, out of range", name,
                                     (long long)v[k]);
    for (g = 0; g < per_dim; g++) /* pads: the begins, then the ends */
        for (k = 0; k < (size_t)rank; k++) out[g * PRED__SPATIAL + first + (int)k] = v[(size_t)g * (size_t)rank + k];
    return PRED_OK;
}

static pred_status pred__window_init(const pred__node *n, const pred__onnx_node *src, pred__window *w,
                                     int require_kernel, int allow_ceil, int allow_dilations) {
    int64_t pads[2 * PRED__SPATIAL] = {0};
    const char *pad;
    int64_t ceil_mode;
    int present, i;
    pred_status st;
    memset(w, 0, sizeof *w);
    for (i = 0; i < PRED__SPATIAL; i++) w->kernel[i] = w->strides[i] = w->dilations[i] = w->in[i] = w->out[i] = 1;
    if ((st = pred__window_list(n, src, "kernel_shape", 1, 1, w, w->kernel, &present)) != PRED_OK) return st;
    if (!present && require_kernel) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'kernel_shape' is required");
    w->has_kernel = present;
    if ((st = pred__window_list(n, src, "strides", 1, 1, w, w->strides, &present)) != PRED_OK) return st;
    if ((st = pred__window_list(n, src, "dilations", 1, 1, w, w->dilations, &present)) != PRED_OK) return st;
    for (i = 0; i < PRED__SPATIAL; i++)
        if (!allow_dilations && w->dilations[i] != 1)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'dilations' other than 1 is not supported");
    if ((st = pred__window_list(n, src, "pads", 2, 0, w, pads, &present)) != PRED_OK) return st;
    memcpy(w->pad_begin, pads, sizeof w->pad_begin);
    memcpy(w->pad_end, pads + PRED__SPATIAL, sizeof w->pad_end);
    if ((st = pred__attr_string(n, src, "auto_pad", "NOTSET", &pad)) != PRED_OK) return st;
    if (strcmp(pad, "NOTSET") == 0 || pad[0] == '\0') w->auto_pad = PRED__PAD_NOTSET;
    else if (strcmp(pad, "SAME_UPPER") == 0) w->auto_pad = PRED__PAD_SAME_UPPER;
    else if (strcmp(pad, "SAME_LOWER") == 0) w->auto_pad = PRED__PAD_SAME_LOWER;
    else if (strcmp(pad, "VALID") == 0) w->auto_pad = PRED__PAD_VALID;
    else return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'auto_pad' has the unsupported value '%s'", pad);
    if (w->auto_pad != PRED__PAD_NOTSET) {
        memset(w->pad_begin, 0, sizeof w->pad_begin);
        memset(w->pad_end, 0, sizeof w->pad_end);
    }
    if ((st = pred__attr_int(n, src, "ceil_mode", 0, &ceil_mode)) != PRED_OK) return st;
    if (ceil_mode != 0 && ceil_mode != 1)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'ceil_mode' must be 0 or 1");
    if (ceil_mode && !allow_ceil)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'ceil_mode' is not supported");
    w->ceil_mode = (int)ceil_mode;
    return PRED_OK;
}

static int pred__window_first(const pred__shape *x) {
    return PRED__SPATIAL - (int)(x->ndim - 2);
}

static pred_status pred__window_input(const pred__node *n, pred__window *w, const pred__shape *x, const char *what) {
    char buf[PRED__SHAPE_STR_SIZE];
    int i, first;
    if (x->ndim < 3)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "%s has shape %s, expected (N,C,spatial...)", what,
                                 pred__shape_str(x, buf, sizeof buf));
    if (x->ndim > 2 + PRED__SPATIAL)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "%s has shape %s: at most %d spatial dimensions are supported",
                                 what, pred__shape_str(x, buf, sizeof buf), PRED__SPATIAL);
    if (w->rank && (size_t)w->rank != x->ndim - 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "%s has shape %s, but the attributes describe a %d-D window", what,
                                 pred__shape_str(x, buf, sizeof buf), w->rank);
    first = pred__window_first(x);
    for (i = 0; i < PRED__SPATIAL; i++) w->in[i] = i < first ? 1 : x->d[2 + i - first];
    return PRED_OK;
}

static pred_status pred__window_infer(const pred__node *n, pred__window *w) {
    int i;
    for (i = 0; i < PRED__SPATIAL; i++) {
        int64_t in = w->in[i], keff = (w->kernel[i] - 1) * w->dilations[i] + 1, s = w->strides[i], out, total;
        if (w->auto_pad == PRED__PAD_SAME_UPPER || w->auto_pad == PRED__PAD_SAME_LOWER) {
            out = (in + s - 1) / s;
            total = (out - 1) * s + keff - in;
            if (total < 0) total = 0;
            w->pad_begin[i] = w->auto_pad == PRED__PAD_SAME_UPPER ? total / 2 : total - total / 2;
            w->pad_end[i] = total - w->pad_begin[i];
        } else {
            total = in + w->pad_begin[i] + w->pad_end[i];
            if (total < keff)
                return pred__node_errorf(n, PRED_ERR_SHAPE,
                                         "the window (%lld with dilation) is larger than the padded input (%lld)",
                                         (long long)keff, (long long)total);
            if (w->ceil_mode) {
                out = (total - keff + s - 1) / s + 1;
                if ((out - 1) * s >= in + w->pad_begin[i]) out--; /* the last window must start inside */
            } else {
                out = (total - keff) / s + 1;
            }
        }
        if (out < 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the output would be empty");
        w->out[i] = out;
    }
    return PRED_OK;
}
