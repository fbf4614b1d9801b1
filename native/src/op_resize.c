/*
 * op_resize.c: Resize (nearest, linear, cubic; antialias; every coordinate
 * transformation mode) and the deprecated Upsample (Resize-10's rules; its
 * scales an attribute before opset 9). The output size comes from scales or
 * sizes known at load. Resampling is separable: the kernel resamples one
 * axis at a time, each output coordinate taking a weighted sum of a few input
 * "taps", as in ONNX's reference implementation.
 */
#include <math.h>
#include "graph.h"
#include "attr.h"

enum { PRED__COORD_HALF_PIXEL, PRED__COORD_ASYMMETRIC, PRED__COORD_PYTORCH_HALF_PIXEL, PRED__COORD_ALIGN_CORNERS,
       PRED__COORD_TF_CROP_AND_RESIZE, PRED__COORD_HALF_PIXEL_SYMMETRIC, PRED__COORD_TF_HALF_PIXEL };
enum { PRED__NEAREST_ROUND_PREFER_FLOOR, PRED__NEAREST_ROUND_PREFER_CEIL, PRED__NEAREST_FLOOR, PRED__NEAREST_CEIL,
       PRED__NEAREST_SIMPLE };

/* The most taps one output coordinate takes (antialias widens the filter by 1/scale). */
#define PRED__RESIZE_TAPS 64

/* Index of s in the NULL-terminated names, or -1. */
static int pred__pick(const char *s, const char *const *names) {
    int k;
    for (k = 0; names[k]; k++)
        if (strcmp(s, names[k]) == 0) return k;
    return -1;
}

static pred_status pred__resize_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
    static const char *const coords[] = {"half_pixel", "asymmetric", "pytorch_half_pixel", "align_corners",
                                         "tf_crop_and_resize", "half_pixel_symmetric", "tf_half_pixel_for_nn", NULL};
    static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL};
    static const char *const policies[] = {"stretch", "not_larger", "not_smaller", NULL};
    pred__resize_params *p = &n->p.resize;
    const char *s;
    int64_t v;
    int present;
    pred_status st;
    memset(p, 0, sizeof *p);
    if ((st = pred__attr_string(n, src, "mode", "nearest", &s)) != PRED_OK) return st;
    if ((p->mode = pred__pick(s, modes)) < 0)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'mode' has the unsupported value '%s'", s);
    p->legacy = g->opset < 11;
    if (p->legacy) { /* Resize-10: the Upsample coordinates */
        p->coord = PRED__COORD_ASYMMETRIC;
        p->nearest = PRED__NEAREST_SIMPLE;
        if (p->mode == PRED__RESIZE_CUBIC)
            return pred__node_errorf(n, PRED_ERR_MODEL, "mode 'cubic' needs opset 11");
        return PRED_OK;
    }
    if ((st = pred__attr_string(n, src, "coordinate_transformation_mode", "half_pixel", &s)) != PRED_OK) return st;
    if ((p->coord = pred__pick(s, coords)) < 0)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                 "attribute 'coordinate_transformation_mode' has the unsupported value '%s'", s);
    if ((st = pred__attr_string(n, src, "nearest_mode", "round_prefer_floor", &s)) != PRED_OK) return st;
    if ((p->nearest = pred__pick(s, nearests)) < 0)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'nearest_mode' has the unsupported value '%s'", s);
    if ((st = pred__attr_string(n, src, "keep_aspect_ratio_policy", "stretch", &s)) != PRED_OK) return st;
    if ((p->keep_aspect = pred__pick(s, policies)) < 0)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                 "attribute 'keep_aspect_ratio_policy' has the unsupported value '%s'", s);
    if ((st = pred__attr_float(n, src, "cubic_coeff_a", -0.75f, &p->cubic_a)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "extrapolation_value", 0.0f, &p->extrapolation)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "exclude_outside", 0, &v)) != PRED_OK) return st;
    p->exclude_outside = v != 0;
    if ((st = pred__attr_int(n, src, "antialias", 0, &v)) != PRED_OK) return st;
    p->antialias = v != 0 && p->mode != PRED__RESIZE_NEAREST;
    if ((st = pred__attr_int_list(n, src, "axes", p->axes, PRED_MAX_DIMS, &p->n_axes, &present)) != PRED_OK) return st;
    if (p->coord == PRED__COORD_TF_HALF_PIXEL)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "coordinate_transformation_mode 'tf_half_pixel_for_nn' is not supported");
    return PRED_OK;
}

/* Upsample (opsets 7 to 9): Resize-10 (asymmetric coordinates, nearest
 * rounding down) with scales >= 1, from the `scales` attribute before opset
 * 9, from input 1 in opset 9. Deprecated since opset 10, where ONNX's checker
 * and onnxruntime reject it. */
static pred_status pred__upsample_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__resize_params *p = &n->p.resize;
    const char *s;
    int present;
    pred_status st;
    memset(p, 0, sizeof *p);
    if (g->opset < 7)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "Upsample before opset 7 (attributes 'height_scale' "
                                 "and 'width_scale') is not supported");
    if (g->opset >= 10)
        return pred__node_errorf(n, PRED_ERR_MODEL, "Upsample is deprecated since opset 10 (the model imports "
                                 "opset %lld): Resize replaces it", (long long)g->opset);
    if ((st = pred__attr_string(n, src, "mode", "nearest", &s)) != PRED_OK) return st;
    if (strcmp(s, "nearest") == 0) p->mode = PRED__RESIZE_NEAREST;
    else if (strcmp(s, "linear") == 0) p->mode = PRED__RESIZE_LINEAR;
    else return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'mode' has the unsupported value '%s'", s);
    p->legacy = 1;
    p->coord = PRED__COORD_ASYMMETRIC;
    p->nearest = PRED__NEAREST_SIMPLE;
    if (g->opset >= 9) {
        if (n->n_in < 2 || n->in[1] < 0) return pred__node_errorf(n, PRED_ERR_MODEL, "input 'scales' is required");
        return PRED_OK;
    }
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "scales are an attribute before opset 9");
    if ((st = pred__attr_float_list(n, src, "scales", p->scales_attr, PRED_MAX_DIMS, &p->n_scales_attr, &present)) !=
        PRED_OK)
        return st;
    if (!present) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'scales' is required");
    return PRED_OK;
}

/* Input i of Resize, or NULL if it is absent or empty. */
static const pred__tensor *pred__resize_input(const pred__graph *g, const pred__node *n, int i) {
    const pred__tensor *t;
    if (n->n_in <= i || n->in[i] < 0) return NULL;
    t = pred__in_tensor(g, n, i);
    return t->count ? t : NULL;
}

static pred_status pred__resize_infer(pred__graph *g, pred__node *n) {
    pred__resize_params *p = &n->p.resize;
    const pred__shape *x = pred__in_shape(g, n, 0);
    const pred__tensor *roi = p->legacy ? NULL : pred__resize_input(g, n, 1);
    const pred__tensor *scales = pred__resize_input(g, n, p->legacy ? 1 : 2);
    const pred__tensor *sizes = p->legacy ? NULL : pred__resize_input(g, n, 3);
    const float *sv = scales ? scales->f : p->scales_attr; /* the scales, from the input or Upsample's attribute */
    size_t ns = scales ? scales->count : p->n_scales_attr;
    size_t r = x->ndim, na = p->n_axes ? p->n_axes : r, k;
    int64_t axes[PRED_MAX_DIMS];
    unsigned seen = 0;
    pred__shape y = *x;
    char bx[PRED__SHAPE_STR_SIZE], by[PRED__SHAPE_STR_SIZE];
    double keep = 0.0;
    size_t most = 0;
    for (k = 0; k < na; k++) {
        axes[k] = p->n_axes ? p->axes[k] : (int64_t)k;
        if (axes[k] < -(int64_t)r || axes[k] >= (int64_t)r)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "axis %lld is out of range", (long long)axes[k]);
        if (axes[k] < 0) axes[k] += (int64_t)r;
        if ((seen >> axes[k]) & 1) return pred__node_errorf(n, PRED_ERR_MODEL, "axis %lld appears twice", (long long)axes[k]);
        seen |= 1u << axes[k];
    }
    if ((ns != 0) == (sizes != NULL))
        return pred__node_errorf(n, PRED_ERR_MODEL, "exactly one of 'scales' and 'sizes' must be given");
    if ((ns && ns != na) || (sizes && sizes->count != na))
        return pred__node_errorf(n, PRED_ERR_SHAPE, "%lu %s for %lu axes of input %s",
                                 (unsigned long)(ns ? ns : sizes->count), ns ? "scales" : "sizes",
                                 (unsigned long)na, pred__shape_str(x, bx, sizeof bx));
    for (k = 0; k < r; k++) {
        p->scale[k] = 1.0;
        p->roi[k] = 0.0f;
        p->roi[r + k] = 1.0f;
    }
    if (p->coord == PRED__COORD_TF_CROP_AND_RESIZE && roi) {
        if (roi->count != 2 * na)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "roi has %lu values for %lu axes", (unsigned long)roi->count,
                                     (unsigned long)na);
        for (k = 0; k < na; k++) {
            p->roi[axes[k]] = roi->f[k];
            p->roi[r + (size_t)axes[k]] = roi->f[na + k];
        }
    }
    if (sizes && p->keep_aspect) {
        /* one scale for every axis: the smallest (not_larger) or largest (not_smaller) */
        for (k = 0; k < na; k++) {
            double s = (double)sizes->i[k] / (double)x->d[axes[k]];
            if (k == 0 || (p->keep_aspect == 1 ? s < keep : s > keep)) keep = s;
        }
    }
    for (k = 0; k < na; k++) {
        size_t a = (size_t)axes[k];
        double out;
        if (ns) {
            if (!(sv[k] > 0.0f) || sv[k] > 1e6f)
                return pred__node_errorf(n, PRED_ERR_SHAPE, "scale %g is out of range", (double)sv[k]);
            if (n->op == PRED__OP_UPSAMPLE && sv[k] < 1.0f)
                return pred__node_errorf(n, PRED_ERR_SHAPE, "scale %g is below 1", (double)sv[k]);
            p->scale[a] = sv[k];
            out = floor((double)x->d[a] * (double)sv[k]);
        } else if (p->keep_aspect) {
            out = floor(keep * (double)x->d[a] + 0.5);
            p->scale[a] = keep;
        } else {
            out = (double)sizes->i[k];
            p->scale[a] = out / (double)x->d[a];
        }
        if (out < 0.0 || out > (double)PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the output size along axis %lu is out of range", (unsigned long)a);
        y.d[a] = (int64_t)out;
        /* antialias widens the filter by 1/scale: 2 * support / scale + 2 taps at most */
        if (p->antialias && p->scale[a] < 1.0 && 2.0 * (double)p->mode / p->scale[a] + 2.0 > PRED__RESIZE_TAPS)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "antialias with a scale of %g is not supported",
                                     p->scale[a]);
    }
    /* scratch: two buffers for the axes resampled one after the other */
    for (k = 0; k <= r; k++) {
        pred__shape s = *x;
        size_t j;
        uint64_t c;
        for (j = 0; j < k; j++) s.d[j] = y.d[j];
        c = pred__shape_count(&s);
        /* 0 for a shape above PRED_MAX_ELEMENTS: the buffer would be too small */
        if (c == 0 && pred__shape_count(&y) != 0)
            return pred__node_errorf(n, PRED_ERR_SHAPE,
                                     "resampling %s axis by axis passes through %s, more than %llu elements",
                                     pred__shape_str(x, bx, sizeof bx), pred__shape_str(&s, by, sizeof by),
                                     (unsigned long long)PRED_MAX_ELEMENTS);
        if (c > most) most = (size_t)c;
    }
    n->scratch = 2 * most;
    return pred__set_out_shape(g, n, 0, &y);
}

/* The filter of linear (support 1) and cubic (support 2) interpolation at distance d >= 0. */
static double pred__resize_filter(double d, int mode, double a) {
    if (mode == PRED__RESIZE_LINEAR) return d < 1.0 ? 1.0 - d : 0.0;
    if (d <= 1.0) return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0;
    if (d < 2.0) return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a;
    return 0.0;
}

/* The taps (input indices, clamped into [0, in)) and weights of output
 * coordinate o along an axis of `in` elements resized to `out` with scale
 * factor sf; returns their count, 0 for the extrapolation value. */
static int pred__resize_taps(const pred__resize_params *p, int64_t o, int64_t in, int64_t out, double sf, double roi0,
                             double roi1, int64_t *idx, double *w) {
    double width = sf * (double)in, xo, fl, frac, es, support, sum = 0.0;
    int64_t t, t0, t1;
    int count = 0, k;
    switch (p->coord) {
    case PRED__COORD_ASYMMETRIC: xo = (double)o / sf; break;
    case PRED__COORD_PYTORCH_HALF_PIXEL: xo = width == 1.0 ? -0.5 : ((double)o + 0.5) / sf - 0.5; break;
    case PRED__COORD_ALIGN_CORNERS: xo = width == 1.0 ? 0.0 : (double)o * (double)(in - 1) / (width - 1.0); break;
    case PRED__COORD_HALF_PIXEL_SYMMETRIC: {
        double offset = (double)in / 2.0 * (1.0 - (double)out / width);
        xo = offset + ((double)o + 0.5) / sf - 0.5;
        break;
    }
    case PRED__COORD_TF_CROP_AND_RESIZE:
        xo = width == 1.0 ? (roi1 - roi0) * (double)(in - 1) / 2.0
                          : (double)o * (roi1 - roi0) * (double)(in - 1) / (width - 1.0);
        xo += roi0 * (double)(in - 1);
        if (xo < 0.0 || xo > (double)(in - 1)) return 0;
        break;
    default: xo = ((double)o + 0.5) / sf - 0.5; break;
    }
    fl = floor(xo);
    frac = xo - fl;
    if (p->mode == PRED__RESIZE_NEAREST) {
        switch (p->nearest) {
        case PRED__NEAREST_ROUND_PREFER_CEIL: t = frac < 0.5 ? (int64_t)fl : (int64_t)fl + 1; break;
        case PRED__NEAREST_FLOOR: t = (int64_t)fl; break;
        case PRED__NEAREST_CEIL: t = (int64_t)ceil(xo); break;
        case PRED__NEAREST_SIMPLE: t = sf < 1.0 ? (int64_t)ceil(xo) : (int64_t)fl; break;
        default: t = frac <= 0.5 ? (int64_t)fl : (int64_t)fl + 1; break;
        }
        idx[0] = t < 0 ? 0 : (t >= in ? in - 1 : t);
        w[0] = 1.0;
        return 1;
    }
    /* linear and cubic: every integer t with |t - xo| * es inside the support */
    es = p->antialias && sf < 1.0 ? sf : 1.0;
    support = p->mode == PRED__RESIZE_LINEAR ? 1.0 : 2.0;
    t0 = (int64_t)floor(xo - support / es) + 1;
    t1 = (int64_t)ceil(xo + support / es) - 1;
    for (t = t0; t <= t1 && count < PRED__RESIZE_TAPS; t++) {
        double d = fabs((double)t - xo) * es, v = pred__resize_filter(d, p->mode, p->cubic_a);
        if (p->exclude_outside && (t < 0 || t >= in)) v = 0.0;
        if (v == 0.0) continue;
        idx[count] = t < 0 ? 0 : (t >= in ? in - 1 : t);
        w[count++] = v;
        sum += v;
    }
    if ((p->antialias || p->exclude_outside) && sum != 0.0)
        for (k = 0; k < count; k++) w[k] /= sum;
    return count;
}

/* y (outer, out, inner) = x (outer, in, inner) resampled along the middle axis */
static void pred__resize_axis(float *y, const float *x, int64_t outer, int64_t in, int64_t out, int64_t inner,
                              const pred__resize_params *p, double sf, double roi0, double roi1) {
    int64_t idx[PRED__RESIZE_TAPS], o, b, i;
    double w[PRED__RESIZE_TAPS];
    int k, taps;
    for (o = 0; o < out; o++) {
        taps = pred__resize_taps(p, o, in, out, sf, roi0, roi1, idx, w);
        for (b = 0; b < outer; b++) {
            float *yr = y + (b * out + o) * inner;
            const float *xb = x + b * in * inner;
            for (i = 0; i < inner; i++) {
                /* from the first product, not 0: a single tap of weight 1 (nearest) copies -0 */
                double s = taps ? w[0] * xb[idx[0] * inner + i] : 0.0;
                for (k = 1; k < taps; k++) s += w[k] * xb[idx[k] * inner + i];
                yr[i] = taps ? (float)s : p->extrapolation;
            }
        }
    }
}

static void pred__resize_run(const pred__exec *x, const pred__node *n) {
    const pred__resize_params *p = &n->p.resize;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0), *ys = PRED__OUT_SHAPE(x, n, 0);
    size_t r = xs->ndim, a, half = n->scratch / 2;
    pred__shape cur = *xs;
    const float *src = PRED__IN(x, n, 0);
    float *bufs[2];
    int which = 0;
    bufs[0] = x->scratch;
    bufs[1] = x->scratch + half;
    for (a = 0; a < r; a++) {
        int64_t outer = (int64_t)pred__shape_range(&cur, 0, a), inner = (int64_t)pred__shape_range(&cur, a + 1, r);
        int default_roi = p->roi[a] == 0.0f && p->roi[r + a] == 1.0f;
        if (p->scale[a] == 1.0 && ys->d[a] == cur.d[a] && default_roi) continue; /* this axis stays */
        pred__resize_axis(bufs[which], src, outer, cur.d[a], ys->d[a], inner, p, p->scale[a], p->roi[a], p->roi[r + a]);
        cur.d[a] = ys->d[a];
        src = bufs[which];
        which ^= 1;
    }
    memcpy(PRED__OUT(x, n, 0), src, pred__shape_count(ys) * sizeof(float));
}
