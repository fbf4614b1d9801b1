/*
 * op_norm.c: BatchNormalization, in inference mode (the given statistics),
 * or with training_mode = 1 (opset 14+) with the batch's own statistics,
 * then also computing the running mean and variance; LayerNormalization
 * (opset 17), over the dims from `axis` on (ConvNeXt's and transformers'
 * nn.LayerNorm); InstanceNormalization, per sample and channel; LRN, the
 * local response normalization across channels of AlexNet and GoogLeNet.
 */
#include <math.h>
#include "graph.h"
#include "attr.h"
#include "fmath.h"

static pred_status pred__batchnorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__batchnorm_params *p = &n->p.batchnorm;
    int64_t v;
    pred_status st;
    (void)g;
    if ((st = pred__attr_float(n, src, "epsilon", 1e-5f, &p->epsilon)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "momentum", 0.9f, &p->momentum)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "training_mode", 0, &v)) != PRED_OK) return st;
    if (v != 0 && v != 1) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'training_mode' must be 0 or 1");
    p->training = (int)v;
    if (!p->training && n->n_out > 1)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "the outputs besides Y are not supported in inference mode");
    if ((st = pred__attr_int(n, src, "spatial", 1, &v)) != PRED_OK) return st;
    if (v != 1) return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'spatial' = %lld is not supported", (long long)v);
    return PRED_OK;
}

/* Inputs 1 .. count - 1 (named names[i]) hold one value per channel of
 * input 0, which is (N, C, ...). */
static pred_status pred__check_per_channel(pred__graph *g, const pred__node *n, const char *const *names, int count) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    char buf[PRED__SHAPE_STR_SIZE];
    int i;
    if (x->ndim < 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input %s has shape %s, expected (N,C,...)", names[0],
                                 pred__shape_str(x, buf, sizeof buf));
    for (i = 1; i < count; i++) {
        const pred__shape *s = pred__in_shape(g, n, i);
        if (s->ndim != 1 || s->d[0] != x->d[1])
            return pred__node_errorf(n, PRED_ERR_SHAPE, "input %s has shape %s, expected (%lld)", names[i],
                                     pred__shape_str(s, buf, sizeof buf), (long long)x->d[1]);
    }
    return PRED_OK;
}

static pred_status pred__batchnorm_infer(pred__graph *g, pred__node *n) {
    static const char *const names[] = {"X", "scale", "B", "mean", "var"};
    const pred__shape *x = pred__in_shape(g, n, 0);
    pred_status st;
    int i;
    if ((st = pred__check_per_channel(g, n, names, 5)) != PRED_OK) return st;
    for (i = 1; i < n->n_out; i++)
        if ((st = pred__set_out_shape(g, n, i, pred__in_shape(g, n, 3))) != PRED_OK) return st;
    if (n->p.batchnorm.training) n->scratch = 2 * (size_t)x->d[1]; /* the batch's mean and variance */
    return pred__set_out_shape(g, n, 0, x);
}

/* y (n, c, size) = (x - mean) / sqrt(var + eps) * scale + b, per channel c */
static void pred__batchnorm(float *y, const float *x, const float *scale, const float *b, const float *mean,
                            const float *var, float eps, int64_t n, int64_t c, int64_t size) {
    int64_t ni, ci, i;
    for (ni = 0; ni < n; ni++)
        for (ci = 0; ci < c; ci++) {
            float a = scale[ci] / sqrtf(var[ci] + eps), shift = b[ci] - mean[ci] * a;
            const float *xs = x + (ni * c + ci) * size;
            float *ys = y + (ni * c + ci) * size;
            for (i = 0; i < size; i++) ys[i] = xs[i] * a + shift;
        }
}

/* mean (c), var (c) = the statistics of x (n, c, size) per channel; var is
 * the population variance. run_mean, run_var (c) (may be NULL) = momentum *
 * the given ones + (1 - momentum) * the batch's. */
static void pred__batch_stats(float *mean, float *var, float *run_mean, float *run_var, const float *x,
                              const float *in_mean, const float *in_var, float momentum, int64_t n, int64_t c,
                              int64_t size) {
    int64_t ni, ci, i;
    double count = (double)(n * size);
    for (ci = 0; ci < c; ci++) {
        double s = 0.0, s2 = 0.0, m;
        for (ni = 0; ni < n; ni++)
            for (i = 0; i < size; i++) s += x[(ni * c + ci) * size + i];
        m = s / count;
        for (ni = 0; ni < n; ni++)
            for (i = 0; i < size; i++) {
                double d = x[(ni * c + ci) * size + i] - m;
                s2 += d * d;
            }
        mean[ci] = (float)m;
        var[ci] = (float)(s2 / count);
        if (run_mean) run_mean[ci] = in_mean[ci] * momentum + mean[ci] * (1.0f - momentum);
        if (run_var) run_var[ci] = in_var[ci] * momentum + var[ci] * (1.0f - momentum);
    }
}

static void pred__batchnorm_run(const pred__exec *x, const pred__node *n) {
    const pred__batchnorm_params *p = &n->p.batchnorm;
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    int64_t size = (int64_t)pred__shape_range(s, 2, s->ndim);
    const float *mean = PRED__IN(x, n, 3), *var = PRED__IN(x, n, 4);
    if (p->training) {
        /* the batch statistics go to the scratch memory */
        float *bm = x->scratch, *bv = x->scratch + s->d[1];
        pred__batch_stats(bm, bv, n->n_out > 1 && n->out[1] >= 0 ? PRED__OUT(x, n, 1) : NULL,
                          n->n_out > 2 && n->out[2] >= 0 ? PRED__OUT(x, n, 2) : NULL, PRED__IN(x, n, 0), mean, var,
                          p->momentum, s->d[0], s->d[1], size);
        mean = bm;
        var = bv;
    }
    pred__batchnorm(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__IN(x, n, 2), mean, var,
                    p->epsilon, s->d[0], s->d[1], size);
}

/* ---- LayerNormalization -----------------------------------------------------*/

/* mean and var = the mean and the population variance of x (n,), summed in double */
static void pred__moments(const float *x, int64_t n, float *mean, float *var) {
    double s = 0.0, s2 = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) s += x[i];
    *mean = (float)(s / (double)n);
    for (i = 0; i < n; i++) {
        double d = (double)x[i] - (double)*mean;
        s2 += d * d;
    }
    *var = (float)(s2 / (double)n);
}

static pred_status pred__layernorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__layernorm_params *p = &n->p.layernorm;
    int64_t stash;
    pred_status st;
    (void)g;
    if ((st = pred__attr_int(n, src, "axis", -1, &p->axis)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "epsilon", 1e-5f, &p->epsilon)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "stash_type", 1, &stash)) != PRED_OK) return st;
    if (stash != 1) /* the statistics in another type than FLOAT */
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'stash_type' = %lld is not supported (only 1, FLOAT)",
                                 (long long)stash);
    return PRED_OK;
}

static pred_status pred__layernorm_infer(pred__graph *g, pred__node *n) {
    pred__layernorm_params *p = &n->p.layernorm;
    const pred__shape *x = pred__in_shape(g, n, 0);
    int64_t r = (int64_t)x->ndim, axis = p->axis;
    char bx[PRED__SHAPE_STR_SIZE], bs[PRED__SHAPE_STR_SIZE];
    pred__shape stats;
    pred_status st;
    size_t d;
    int i;
    if (axis < -r || axis >= r)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'axis' = %lld is out of range for rank %lld",
                                 (long long)axis, (long long)r);
    if (axis < 0) axis += r;
    /* Scale and B broadcast to the normalized dims x[axis:] */
    for (i = 1; i < n->n_in; i++) {
        const pred__shape *s = n->in[i] >= 0 ? pred__in_shape(g, n, i) : NULL;
        int ok = !s || s->ndim <= x->ndim - (size_t)axis;
        for (d = 0; ok && s && d < s->ndim; d++) {
            int64_t want = x->d[x->ndim - s->ndim + d];
            ok = s->d[d] == 1 || s->d[d] == want;
        }
        if (!ok)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "input %s has shape %s, which does not broadcast to the "
                                     "normalized dims of X %s from axis %lld", i == 1 ? "Scale" : "B",
                                     pred__shape_str(s, bs, sizeof bs), pred__shape_str(x, bx, sizeof bx),
                                     (long long)axis);
    }
    p->rows = (int64_t)pred__shape_range(x, 0, (size_t)axis);
    p->cols = (int64_t)pred__shape_range(x, (size_t)axis, x->ndim);
    stats = *x; /* Mean and InvStdDev: X's shape with the normalized dims 1 */
    for (d = (size_t)axis; d < x->ndim; d++) stats.d[d] = 1;
    for (i = 1; i < n->n_out; i++)
        if ((st = pred__set_out_shape(g, n, i, &stats)) != PRED_OK) return st;
    n->scratch = 2 * (size_t)p->cols; /* Scale and B broadcast to (cols) */
    return pred__set_out_shape(g, n, 0, x);
}

/* v (cols) = t (ts) broadcast to the trailing dims of xs that make up cols
 * (t NULL: fill) */
static void pred__broadcast_trailing(float *v, const float *t, const pred__shape *ts, const pred__shape *xs,
                                     int64_t cols, float fill) {
    int64_t k, at, rest, stride;
    size_t d;
    for (k = 0; k < cols; k++) {
        if (!t) {
            v[k] = fill;
            continue;
        }
        /* the index of k in t: right-aligned dims, 0 along dims of size 1 */
        at = 0;
        stride = 1;
        rest = k;
        for (d = ts->ndim; d-- > 0;) {
            int64_t xd = xs->d[xs->ndim - ts->ndim + d];
            if (ts->d[d] != 1) at += (rest % xd) * stride;
            stride *= ts->d[d];
            rest /= xd;
        }
        v[k] = t[at];
    }
}

/* y (rows, cols) = (x - mean) * inv_std * scale + b, row by row, with the
 * mean and the inverse standard deviation (1 / sqrt(var + eps)) of each row
 * of x; mean and inv_std (rows) receive them unless NULL */
static void pred__layernorm(float *y, float *mean, float *inv_std, const float *x, const float *scale, const float *b,
                            float eps, int64_t rows, int64_t cols) {
    int64_t r, k;
    for (r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m, var, inv;
        pred__moments(xr, cols, &m, &var);
        inv = 1.0f / sqrtf(var + eps);
        for (k = 0; k < cols; k++) yr[k] = (xr[k] - m) * inv * scale[k] + b[k];
        if (mean) mean[r] = m;
        if (inv_std) inv_std[r] = inv;
    }
}

static void pred__layernorm_run(const pred__exec *x, const pred__node *n) {
    const pred__layernorm_params *p = &n->p.layernorm;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0);
    float *scale = x->scratch, *b = x->scratch + p->cols;
    int has_b = n->n_in > 2 && n->in[2] >= 0;
    pred__broadcast_trailing(scale, PRED__IN(x, n, 1), PRED__IN_SHAPE(x, n, 1), xs, p->cols, 1.0f);
    pred__broadcast_trailing(b, has_b ? PRED__IN(x, n, 2) : NULL, has_b ? PRED__IN_SHAPE(x, n, 2) : NULL, xs, p->cols,
                             0.0f);
    pred__layernorm(PRED__OUT(x, n, 0), n->n_out > 1 && n->out[1] >= 0 ? PRED__OUT(x, n, 1) : NULL,
                    n->n_out > 2 && n->out[2] >= 0 ? PRED__OUT(x, n, 2) : NULL, PRED__IN(x, n, 0), scale, b,
                    p->epsilon, p->rows, p->cols);
}

/* ---- InstanceNormalization --------------------------------------------------*/

static pred_status pred__instancenorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    return pred__attr_float(n, src, "epsilon", 1e-5f, &n->p.batchnorm.epsilon);
}

static pred_status pred__instancenorm_infer(pred__graph *g, pred__node *n) {
    static const char *const names[] = {"input", "scale", "B"};
    pred_status st = pred__check_per_channel(g, n, names, 3);
    return st != PRED_OK ? st : pred__set_out_shape(g, n, 0, pred__in_shape(g, n, 0));
}

/* y (n, c, size) = (x - mean) / sqrt(var + eps) * scale + b, with the mean
 * and the population variance of each (n, c): BatchNormalization of each
 * (n, c) alone, with its own statistics */
static void pred__instancenorm(float *y, const float *x, const float *scale, const float *b, float eps, int64_t n,
                               int64_t c, int64_t size) {
    int64_t ni, ci;
    for (ni = 0; ni < n; ni++)
        for (ci = 0; ci < c; ci++) {
            const float *xs = x + (ni * c + ci) * size;
            float m, var;
            pred__moments(xs, size, &m, &var);
            pred__batchnorm(y + (ni * c + ci) * size, xs, scale + ci, b + ci, &m, &var, eps, 1, 1, size);
        }
}

static void pred__instancenorm_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__instancenorm(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__IN(x, n, 2),
                       n->p.batchnorm.epsilon, s->d[0], s->d[1], (int64_t)pred__shape_range(s, 2, s->ndim));
}

/* ---- LRN ----------------------------------------------------------------------*/

static pred_status pred__lrn_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__lrn_params *p = &n->p.lrn;
    pred_status st;
    (void)g;
    if ((st = pred__attr_float(n, src, "alpha", 1e-4f, &p->alpha)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "beta", 0.75f, &p->beta)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "bias", 1.0f, &p->bias)) != PRED_OK) return st;
    if (!pred__attr_find(src, "size")) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'size' is required");
    if ((st = pred__attr_int(n, src, "size", 1, &p->size)) != PRED_OK) return st;
    if (p->size < 1)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'size' = %lld must be positive", (long long)p->size);
    return PRED_OK;
}

static pred_status pred__lrn_infer(pred__graph *g, pred__node *n) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    char buf[PRED__SHAPE_STR_SIZE];
    if (x->ndim < 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X has shape %s, expected (N,C,...)",
                                 pred__shape_str(x, buf, sizeof buf));
    return pred__set_out_shape(g, n, 0, x);
}

/* y (n, c, size) = x / (bias + alpha / window * sum of x^2 over the channels
 * c - (window - 1) / 2 .. c + window / 2)^beta */
static void pred__lrn(float *y, const float *x, int64_t n, int64_t c, int64_t size, const pred__lrn_params *p) {
    int64_t ni, ci, i, j, before = (p->size - 1) / 2, after = p->size / 2;
    float k = p->alpha / (float)p->size;
    for (ni = 0; ni < n; ni++)
        for (ci = 0; ci < c; ci++) {
            int64_t lo = ci - before < 0 ? 0 : ci - before, hi = ci + after >= c ? c - 1 : ci + after;
            const float *xs = x + (ni * c + ci) * size;
            float *ys = y + (ni * c + ci) * size;
            for (i = 0; i < size; i++) {
                float sum = 0.0f;
                for (j = lo; j <= hi; j++) {
                    float v = x[(ni * c + j) * size + i];
                    sum += v * v;
                }
                ys[i] = xs[i] / pred__powf(p->bias + k * sum, p->beta);
            }
        }
}

static void pred__lrn_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__lrn(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), s->d[0], s->d[1], (int64_t)pred__shape_range(s, 2, s->ndim),
              &n->p.lrn);
}
