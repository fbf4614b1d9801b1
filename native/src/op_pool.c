/*
 * op_pool.c: MaxPool, AveragePool (2-D) and GlobalAveragePool.
 */
#include <float.h>
#include "graph.h"
#include "attr.h"
#include "window.h"

static pred_status pred__pool_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__pool_params *p = &n->p.pool;
    int is_max = n->op == PRED__OP_MAXPOOL;
    int64_t v;
    pred_status st;
    int i;
    (void)g;
    if ((st = pred__window_init(n, src, &p->w, 1, 1, is_max)) != PRED_OK) return st;
    for (i = 0; i < 4; i++)
        if (p->w.pads[i] >= p->w.kernel[i % 2])
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'pads' must be smaller than the kernel");
    if (is_max) {
        if ((st = pred__attr_int(n, src, "storage_order", 0, &v)) != PRED_OK) return st;
        if (v != 0)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'storage_order' = %lld is not supported",
                                     (long long)v);
    } else {
        if ((st = pred__attr_int(n, src, "count_include_pad", 0, &v)) != PRED_OK) return st;
        p->count_include_pad = v != 0;
    }
    return PRED_OK;
}

static pred_status pred__pool_infer(pred__graph *g, pred__node *n) {
    pred__pool_params *p = &n->p.pool;
    const pred__shape *x = pred__in_shape(g, n, 0);
    pred__shape y;
    pred_status st;
    if ((st = pred__window_check_rank(n, x, "input X")) != PRED_OK) return st;
    if ((st = pred__window_infer(n, &p->w, x->d[2], x->d[3])) != PRED_OK) return st;
    y = *x;
    y.d[2] = p->w.out[0];
    y.d[3] = p->w.out[1];
    return pred__set_out_shape(g, n, 0, &y);
}

/* y (planes, oh, ow) = max over each window of x (planes, h, w); padding is ignored */
static void pred__maxpool2d(float *y, const float *x, int64_t planes, int64_t h, int64_t w, const pred__window *win) {
    int64_t c, oy, ox, ki, kj, oh = win->out[0], ow = win->out[1];
    for (c = 0; c < planes; c++) {
        const float *xc = x + c * h * w;
        for (oy = 0; oy < oh; oy++)
            for (ox = 0; ox < ow; ox++) {
                float m = -FLT_MAX;
                for (ki = 0; ki < win->kernel[0]; ki++) {
                    int64_t iy = oy * win->strides[0] - win->pads[0] + ki * win->dilations[0];
                    if (iy < 0 || iy >= h) continue;
                    for (kj = 0; kj < win->kernel[1]; kj++) {
                        int64_t ix = ox * win->strides[1] - win->pads[1] + kj * win->dilations[1];
                        if (ix >= 0 && ix < w && xc[iy * w + ix] > m) m = xc[iy * w + ix];
                    }
                }
                y[(c * oh + oy) * ow + ox] = m;
            }
    }
}

/* y (planes, oh, ow) = mean over each window of x (planes, h, w); the divisor
 * counts padding when count_include_pad (up to the end padding), else only
 * the input elements of the window */
static void pred__avgpool2d(float *y, const float *x, int64_t planes, int64_t h, int64_t w, const pred__window *win,
                            int count_include_pad) {
    int64_t c, oy, ox, iy, ix, oh = win->out[0], ow = win->out[1];
    for (c = 0; c < planes; c++) {
        const float *xc = x + c * h * w;
        for (oy = 0; oy < oh; oy++) {
            int64_t y0 = oy * win->strides[0] - win->pads[0], y1 = y0 + win->kernel[0];
            int64_t py1 = y1 < h + win->pads[2] ? y1 : h + win->pads[2];
            int64_t cy0 = y0 < 0 ? 0 : y0, cy1 = y1 < h ? y1 : h;
            for (ox = 0; ox < ow; ox++) {
                int64_t x0 = ox * win->strides[1] - win->pads[1], x1 = x0 + win->kernel[1];
                int64_t px1 = x1 < w + win->pads[3] ? x1 : w + win->pads[3];
                int64_t cx0 = x0 < 0 ? 0 : x0, cx1 = x1 < w ? x1 : w;
                int64_t count = count_include_pad ? (py1 - y0) * (px1 - x0) : (cy1 - cy0) * (cx1 - cx0);
                float s = 0.0f;
                for (iy = cy0; iy < cy1; iy++)
                    for (ix = cx0; ix < cx1; ix++) s += xc[iy * w + ix];
                y[(c * oh + oy) * ow + ox] = count > 0 ? s / (float)count : 0.0f;
            }
        }
    }
}

static void pred__maxpool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__maxpool2d(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), s->d[0] * s->d[1], s->d[2], s->d[3], &n->p.pool.w);
}

static void pred__averagepool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__avgpool2d(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), s->d[0] * s->d[1], s->d[2], s->d[3], &n->p.pool.w,
                    n->p.pool.count_include_pad);
}

/* ---- GlobalAveragePool: (N, C, spatial...) -> (N, C, 1...) ----------------*/

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

/* y (planes,) = mean of each row of x (planes, size) */
static void pred__mean_rows(float *y, const float *x, size_t planes, size_t size) {
    size_t c, i;
    for (c = 0; c < planes; c++) {
        float s = 0.0f;
        for (i = 0; i < size; i++) s += x[c * size + i];
        y[c] = s / (float)size;
    }
}

static void pred__global_averagepool_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__mean_rows(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), (size_t)(s->d[0] * s->d[1]),
                    (size_t)pred__shape_range(s, 2, s->ndim));
}
