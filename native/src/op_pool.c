/*
 * op_pool.c: MaxPool, AveragePool (1-D to 3-D), GlobalAveragePool and
 * GlobalMaxPool. Spatial dims sit right-aligned in three slots (see
 * pred__window), so the kernels below are 3-D.
 */
#include <math.h>
#include "graph.h"
#include "attr.h"
#include "window.h"
#include "kernels/dispatch.h"

static pred_status pred__pool_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__pool_params *p = &n->p.pool;
    int is_max = n->op == PRED__OP_MAXPOOL;
    int64_t v;
    pred_status st;
    int i;
    (void)g;
    if ((st = pred__window_init(n, src, &p->w, 1, 1, 1)) != PRED_OK) return st;
    for (i = 0; i < PRED__SPATIAL; i++)
        if (p->w.pad_begin[i] >= p->w.kernel[i] || p->w.pad_end[i] >= p->w.kernel[i])
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'pads' must be smaller than the kernel");
    if (is_max) {
        /* storage_order only orders the Indices output, which is not computed */
        if ((st = pred__attr_int(n, src, "storage_order", 0, &v)) != PRED_OK) return st;
        if (v != 0 && v != 1) return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'storage_order' must be 0 or 1");
    } else {
        if ((st = pred__attr_int(n, src, "count_include_pad", 0, &v)) != PRED_OK) return st;
        p->count_include_pad = v != 0;
    }
    return PRED_OK;
}

static pred_status pred__pool_infer(pred__graph *g, pred__node *n) {
    pred__pool_params *p = &n->p.pool;
    const pred__shape *x = pred__in_shape(g, n, 0);
    pred__shape y = *x;
    pred_status st;
    int i, first;
    if ((st = pred__window_input(n, &p->w, x, "input X")) != PRED_OK) return st;
    if ((st = pred__window_infer(n, &p->w)) != PRED_OK) return st;
    first = pred__window_first(x);
    for (i = first; i < PRED__SPATIAL; i++) y.d[2 + i - first] = p->w.out[i];
    return pred__set_out_shape(g, n, 0, &y);
}

/* The taps of window o along one slot: the first input index, and the range
 * [t0, t1) of taps that fall inside [lo, hi) (taps step by the dilation). */
static void pred__pool_taps(const pred__window *win, int i, int64_t o, int64_t lo, int64_t hi, int64_t *start,
                            int64_t *t0, int64_t *t1) {
    int64_t s = o * win->strides[i] - win->pad_begin[i], d = win->dilations[i], k = win->kernel[i];
    int64_t a = s >= lo ? 0 : (lo - s + d - 1) / d, b = s >= hi ? 0 : (hi - s + d - 1) / d;
    *start = s;
    *t0 = a < k ? a : k;
    *t1 = b < k ? b : k;
    if (*t1 < *t0) *t1 = *t0;
}

/* [*lo, *hi): the windows along slot i whose taps all fall inside the input (no padding, no
 * clipping): there pred__pool skips pred__pool_taps, whose divisions cost more than a 3 x 3 max. */
static void pred__pool_inner(const pred__window *win, int i, int64_t *lo, int64_t *hi) {
    const int64_t s = win->strides[i], pb = win->pad_begin[i], span = (win->kernel[i] - 1) * win->dilations[i] + 1;
    const int64_t last = win->in[i] - span + pb; /* the largest window start (plus pb) inside */
    *lo = (pb + s - 1) / s;
    *hi = last < 0 ? 0 : last / s + 1;
    if (*hi > win->out[i]) *hi = win->out[i];
    if (*hi < *lo) *hi = *lo;
}

/* The taps a mean divides by: (z, y, x) taps inside the input, or, with count_include_pad, the
 * (pz, py, px) inside the padded input. In double: up to 2^90 taps with padding overflow int64, and
 * double is exact below 2^53. */
static double pred__pool_count(int count_include_pad, int64_t z, int64_t y, int64_t x, int64_t pz, int64_t py,
                               int64_t px) {
    return count_include_pad ? (double)pz * (double)py * (double)px : (double)(z * y * x);
}

/* y (planes, od, oh, ow) = max or mean over each window of x (planes, d, h, w).
 * Max ignores padding and propagates NaN (numpy.max); the mean divides by the taps inside the input, or,
 * with count_include_pad, by those inside the padded input (explicit pads,
 * not the extra room of ceil_mode). */
static void pred__pool(float *y, const float *x, int64_t planes, const pred__window *win, int is_max,
                       int count_include_pad) {
    const int64_t *in = win->in, *o = win->out, *dl = win->dilations;
    int64_t in_size = in[0] * in[1] * in[2], c, oz, oy, ox, tz, ty, tx, ox_lo, ox_hi;
    /* the windows inside the input along a row, a row of input rows at a time, by the kernel level's
     * pool_row (the same bits) where it has one and the taps along x are contiguous */
    pred__pool_row_fn pool_row = win->dilations[2] == 1 ? pred__kernels_get()->pool_row : NULL;
    pred__pool_inner(win, 2, &ox_lo, &ox_hi);
    for (c = 0; c < planes; c++) {
        const float *xc = x + c * in_size;
        for (oz = 0; oz < o[0]; oz++) {
            int64_t sz, z0, z1, pz0, pz1;
            pred__pool_taps(win, 0, oz, 0, in[0], &sz, &z0, &z1);
            pred__pool_taps(win, 0, oz, -win->pad_begin[0], in[0] + win->pad_end[0], &sz, &pz0, &pz1);
            for (oy = 0; oy < o[1]; oy++) {
                int64_t sy, y0, y1, py0, py1, done = 0; /* done: windows from ox_lo on that pool_row computed */
                pred__pool_taps(win, 1, oy, 0, in[1], &sy, &y0, &y1);
                pred__pool_taps(win, 1, oy, -win->pad_begin[1], in[1] + win->pad_end[1], &sy, &py0, &py1);
                if (pool_row && z1 - z0 == 1 && y1 > y0 && ox_hi > ox_lo) {
                    const int64_t sx = ox_lo * win->strides[2] - win->pad_begin[2];
                    const double count = pred__pool_count(count_include_pad, 1, y1 - y0, win->kernel[2], pz1 - pz0,
                                                          py1 - py0, win->kernel[2]);
                    done = (int64_t)pool_row(y + ox_lo, xc + ((sz + z0 * dl[0]) * in[1] + sy + y0 * dl[1]) * in[2] + sx,
                                             (size_t)(in[2] * dl[1]), (size_t)(y1 - y0), (size_t)win->kernel[2],
                                             (size_t)win->strides[2], (size_t)(ox_hi - ox_lo), (size_t)(in[2] - sx),
                                             is_max, (float)count);
                }
                for (ox = 0; ox < o[2]; ox++, y++) {
                    int64_t sx, x0, x1, px0, px1;
                    double count;
                    float acc = is_max ? -HUGE_VALF : 0.0f, nan = 0.0f;
                    if (ox >= ox_lo && ox < ox_lo + done) continue;
                    if (ox >= ox_lo && ox < ox_hi) {
                        sx = ox * win->strides[2] - win->pad_begin[2];
                        x0 = px0 = 0;
                        x1 = px1 = win->kernel[2];
                    } else {
                        pred__pool_taps(win, 2, ox, 0, in[2], &sx, &x0, &x1);
                        pred__pool_taps(win, 2, ox, -win->pad_begin[2], in[2] + win->pad_end[2], &sx, &px0, &px1);
                    }
                    for (tz = z0; tz < z1; tz++)
                        for (ty = y0; ty < y1; ty++) {
                            int64_t at = ((sz + tz * dl[0]) * in[1] + sy + ty * dl[1]) * in[2] + sx;
                            if (is_max) {
                                for (tx = x0; tx < x1; tx++) {
                                    float v = xc[at + tx * dl[2]];
                                    /* a select, not a branch on the data (one MAXSS on x86: the branch
                                     * mispredicted every other tap); the rare NaN apart */
                                    acc = v > acc ? v : acc;
                                    if (v != v) nan = v;
                                }
                            } else {
                                for (tx = x0; tx < x1; tx++) acc += xc[at + tx * dl[2]];
                            }
                        }
                    if (is_max) {
                        *y = nan == nan ? acc : nan; /* the last NaN of the window, if any (numpy.max) */
                        continue;
                    }
                    count = pred__pool_count(count_include_pad, z1 - z0, y1 - y0, x1 - x0, pz1 - pz0, py1 - py0,
                                             px1 - px0);
                    *y = count > 0 ? acc / (float)count : 0.0f;
                }
            }
        }
    }
}

static void pred__maxpool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__pool(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), s->d[0] * s->d[1], &n->p.pool.w, 1, 0);
}

static void pred__averagepool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__pool(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), s->d[0] * s->d[1], &n->p.pool.w, 0,
               n->p.pool.count_include_pad);
}

/* ---- GlobalAveragePool, GlobalMaxPool: (N, C, spatial...) -> (N, C, 1...) ---*/

static pred_status pred__global_pool_infer(pred__graph *g, pred__node *n) {
    const pred__shape *x = pred__in_shape(g, n, 0);
    char buf[PRED__SHAPE_STR_SIZE];
    pred__shape y = *x;
    size_t i;
    if (x->ndim < 3)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X has shape %s, expected (N,C,spatial...)",
                                 pred__shape_str(x, buf, sizeof buf));
    for (i = 2; i < y.ndim; i++) y.d[i] = 1;
    return pred__set_out_shape(g, n, 0, &y);
}

/* y (planes,) = mean of each row of x (planes, size), each row summed in order; 4 rows side by side,
 * as 4 sums in flight hide the adder's latency that one sum waits on (Lite0's head: 25 -> 6 us) */
static void pred__mean_rows(float *y, const float *x, size_t planes, size_t size) {
    size_t c = 0, i;
    for (; c + 4 <= planes; c += 4) { /* written out: gcc -O2 keeps a loop's array in memory */
        const float *x0 = x + c * size, *x1 = x0 + size, *x2 = x1 + size, *x3 = x2 + size;
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        for (i = 0; i < size; i++) s0 += x0[i], s1 += x1[i], s2 += x2[i], s3 += x3[i];
        y[c] = s0 / (float)size, y[c + 1] = s1 / (float)size, y[c + 2] = s2 / (float)size, y[c + 3] = s3 / (float)size;
    }
    for (; c < planes; c++) {
        float s = 0.0f;
        for (i = 0; i < size; i++) s += x[c * size + i];
        y[c] = s / (float)size;
    }
}

/* y (planes,) = max of each row of x (planes, size); NaN propagates (numpy.max) */
static void pred__max_rows(float *y, const float *x, size_t planes, size_t size) {
    size_t c, i;
    for (c = 0; c < planes; c++) {
        float m = x[c * size];
        for (i = 1; i < size; i++)
            if (x[c * size + i] > m || x[c * size + i] != x[c * size + i]) m = x[c * size + i];
        y[c] = m;
    }
}

static void pred__global_averagepool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__mean_rows(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), (size_t)(s->d[0] * s->d[1]),
                    (size_t)pred__shape_range(s, 2, s->ndim));
}

static void pred__global_maxpool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__max_rows(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), (size_t)(s->d[0] * s->d[1]),
                   (size_t)pred__shape_range(s, 2, s->ndim));
}
