/*
 * window.c: window attributes and output sizes of Conv and the pools.
 */
#include "window.h"
#include "attr.h"

/* Bound for window attributes, so that all size arithmetic fits in int64. */
#define PRED__WINDOW_MAX ((int64_t)1 << 30)

static pred_status pred__window_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                     int64_t *out, size_t count, int64_t min, int *present) {
    int64_t v[PRED_MAX_DIMS * 2];
    size_t got, k;
    pred_status st = pred__attr_int_list(n, src, name, v, PRED_MAX_DIMS * 2, &got, present);
    if (st != PRED_OK) return st;
    if (!*present) return PRED_OK;
    if (got != count)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                 "attribute '%s' has %lu values: only 2-D windows (%lu values) are supported",
                                 name, (unsigned long)got, (unsigned long)count);
    for (k = 0; k < count; k++) {
        if (v[k] < min || v[k] > PRED__WINDOW_MAX)
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute '%s' has the value %lld, out of range", name,
                                     (long long)v[k]);
        out[k] = v[k];
    }
    return PRED_OK;
}

static pred_status pred__window_init(const pred__node *n, const pred__onnx_node *src, pred__window *w,
                                     int require_kernel, int allow_ceil, int allow_dilations) {
    const char *pad;
    int64_t ceil_mode;
    int present;
    pred_status st;
    memset(w, 0, sizeof *w);
    w->strides[0] = w->strides[1] = 1;
    w->dilations[0] = w->dilations[1] = 1;
    if ((st = pred__window_list(n, src, "kernel_shape", w->kernel, 2, 1, &present)) != PRED_OK) return st;
    if (!present && require_kernel) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'kernel_shape' is required");
    if ((st = pred__window_list(n, src, "strides", w->strides, 2, 1, &present)) != PRED_OK) return st;
    if ((st = pred__window_list(n, src, "dilations", w->dilations, 2, 1, &present)) != PRED_OK) return st;
    if (!allow_dilations && (w->dilations[0] != 1 || w->dilations[1] != 1))
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'dilations' other than 1 is not supported");
    if ((st = pred__window_list(n, src, "pads", w->pads, 4, 0, &present)) != PRED_OK) return st;
    if ((st = pred__attr_string(n, src, "auto_pad", "NOTSET", &pad)) != PRED_OK) return st;
    if (strcmp(pad, "NOTSET") == 0 || pad[0] == '\0') w->auto_pad = PRED__PAD_NOTSET;
    else if (strcmp(pad, "SAME_UPPER") == 0) w->auto_pad = PRED__PAD_SAME_UPPER;
    else if (strcmp(pad, "SAME_LOWER") == 0) w->auto_pad = PRED__PAD_SAME_LOWER;
    else if (strcmp(pad, "VALID") == 0) w->auto_pad = PRED__PAD_VALID;
    else return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'auto_pad' has the unsupported value '%s'", pad);
    if (w->auto_pad != PRED__PAD_NOTSET) memset(w->pads, 0, sizeof w->pads);
    if ((st = pred__attr_int(n, src, "ceil_mode", 0, &ceil_mode)) != PRED_OK) return st;
    if (ceil_mode != 0 && ceil_mode != 1)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'ceil_mode' must be 0 or 1");
    if (ceil_mode && !allow_ceil)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'ceil_mode' is not supported");
    w->ceil_mode = (int)ceil_mode;
    return PRED_OK;
}

static pred_status pred__window_infer(const pred__node *n, pred__window *w, int64_t in_h, int64_t in_w) {
    int64_t in[2];
    int i;
    in[0] = in_h;
    in[1] = in_w;
    for (i = 0; i < 2; i++) {
        int64_t keff = (w->kernel[i] - 1) * w->dilations[i] + 1, s = w->strides[i], out, total;
        if (w->auto_pad == PRED__PAD_SAME_UPPER || w->auto_pad == PRED__PAD_SAME_LOWER) {
            out = (in[i] + s - 1) / s;
            total = (out - 1) * s + keff - in[i];
            if (total < 0) total = 0;
            w->pads[i] = w->auto_pad == PRED__PAD_SAME_UPPER ? total / 2 : total - total / 2;
            w->pads[i + 2] = total - w->pads[i];
        } else {
            total = in[i] + w->pads[i] + w->pads[i + 2];
            if (total < keff)
                return pred__node_errorf(n, PRED_ERR_SHAPE,
                                         "the window (%lld with dilation) is larger than the padded input (%lld)",
                                         (long long)keff, (long long)total);
            if (w->ceil_mode) {
                out = (total - keff + s - 1) / s + 1;
                if ((out - 1) * s >= in[i] + w->pads[i]) out--; /* the last window must start inside */
            } else {
                out = (total - keff) / s + 1;
            }
        }
        if (out < 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the output would be empty");
        w->out[i] = out;
    }
    return PRED_OK;
}

static pred_status pred__window_check_rank(const pred__node *n, const pred__shape *x, const char *what) {
    char buf[PRED__SHAPE_STR_SIZE];
    if (x->ndim == 4) return PRED_OK;
    if (x->ndim >= 3)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "%s has shape %s: only 2-D (N,C,H,W) inputs are supported",
                                 what, pred__shape_str(x, buf, sizeof buf));
    return pred__node_errorf(n, PRED_ERR_SHAPE, "%s has shape %s, expected (N,C,H,W)", what,
                             pred__shape_str(x, buf, sizeof buf));
}
