/*
 * op_conv.c: Conv (2-D, grouped, dilated, padded), as im2col + sgemm.
 */
#include "graph.h"
#include "attr.h"
#include "window.h"
#include "kernels.h"

static pred_status pred__conv_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__conv_params *p = &n->p.conv;
    pred_status st;
    (void)g;
    if ((st = pred__window_init(n, src, &p->w, 0, 0, 1)) != PRED_OK) return st;
    p->has_kernel_shape = p->w.kernel[0] != 0;
    if ((st = pred__attr_int(n, src, "group", 1, &p->group)) != PRED_OK) return st;
    if (p->group < 1 || p->group > INT32_MAX)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'group' has the value %lld, out of range",
                                 (long long)p->group);
    return PRED_OK;
}

static pred_status pred__conv_infer(pred__graph *g, pred__node *n) {
    pred__conv_params *p = &n->p.conv;
    const pred__shape *x = pred__in_shape(g, n, 0), *w = pred__in_shape(g, n, 1);
    char bx[PRED__SHAPE_STR_SIZE], bw[PRED__SHAPE_STR_SIZE];
    pred__shape y;
    pred_status st;
    size_t cols, rows;
    if ((st = pred__window_check_rank(n, x, "input X")) != PRED_OK) return st;
    if (w->ndim != 4)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "weights W have shape %s, expected (M,C/group,kH,kW)",
                                 pred__shape_str(w, bw, sizeof bw));
    if (x->d[1] != w->d[1] * p->group || w->d[0] % p->group != 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X %s and weights W %s do not agree with group %lld",
                                 pred__shape_str(x, bx, sizeof bx), pred__shape_str(w, bw, sizeof bw),
                                 (long long)p->group);
    if (p->has_kernel_shape && (p->w.kernel[0] != w->d[2] || p->w.kernel[1] != w->d[3]))
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'kernel_shape' (%lld,%lld) does not match weights W %s",
                                 (long long)p->w.kernel[0], (long long)p->w.kernel[1],
                                 pred__shape_str(w, bw, sizeof bw));
    p->w.kernel[0] = w->d[2];
    p->w.kernel[1] = w->d[3];
    if (n->n_in > 2 && n->in[2] >= 0) {
        const pred__shape *b = pred__in_shape(g, n, 2);
        if (b->ndim != 1 || b->d[0] != w->d[0])
            return pred__node_errorf(n, PRED_ERR_SHAPE, "bias B has shape %s, expected (%lld)",
                                     pred__shape_str(b, bx, sizeof bx), (long long)w->d[0]);
    }
    if ((st = pred__window_infer(n, &p->w, x->d[2], x->d[3])) != PRED_OK) return st;
    y.ndim = 4;
    y.d[0] = x->d[0];
    y.d[1] = w->d[0];
    y.d[2] = p->w.out[0];
    y.d[3] = p->w.out[1];
    if ((st = pred__set_out_shape(g, n, 0, &y)) != PRED_OK) return st;
    /* scratch: the im2col matrix of one group, unless the kernel is pointwise */
    if (p->w.kernel[0] == 1 && p->w.kernel[1] == 1 && p->w.strides[0] == 1 && p->w.strides[1] == 1 &&
        p->w.pads[0] == 0 && p->w.pads[1] == 0 && p->w.pads[2] == 0 && p->w.pads[3] == 0)
        return PRED_OK;
    rows = (size_t)pred__shape_range(w, 1, 4);
    cols = (size_t)(p->w.out[0] * p->w.out[1]);
    if (!pred__mul_size(rows, cols, &n->scratch) || n->scratch > PRED_MAX_ELEMENTS)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "the convolution needs too much scratch memory");
    return PRED_OK;
}

/* col (c*kh*kw, oh*ow) = the windows of x (c, h, w), row (ci, ki, kj), column (oy, ox); padding reads 0 */
static void pred__im2col(float *col, const float *x, int64_t c, int64_t h, int64_t w, const pred__window *win) {
    int64_t kh = win->kernel[0], kw = win->kernel[1], oh = win->out[0], ow = win->out[1];
    int64_t ci, ki, kj, oy, ox;
    for (ci = 0; ci < c; ci++)
        for (ki = 0; ki < kh; ki++)
            for (kj = 0; kj < kw; kj++) {
                float *row = col + ((ci * kh + ki) * kw + kj) * oh * ow;
                for (oy = 0; oy < oh; oy++) {
                    int64_t iy = oy * win->strides[0] - win->pads[0] + ki * win->dilations[0];
                    float *dst = row + oy * ow;
                    if (iy < 0 || iy >= h) {
                        for (ox = 0; ox < ow; ox++) dst[ox] = 0.0f;
                        continue;
                    }
                    for (ox = 0; ox < ow; ox++) {
                        int64_t ix = ox * win->strides[1] - win->pads[1] + kj * win->dilations[1];
                        dst[ox] = ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : 0.0f;
                    }
                }
            }
}

/* y (n, m, oh, ow) = conv(x (n, c, h, w), w (m, c/group, kh, kw)) + b (m) */
static void pred__conv2d(float *y, const float *x, const float *w, const float *b, float *scratch,
                         int64_t batch, int64_t c, int64_t h, int64_t wd, int64_t m, int64_t group,
                         const pred__window *win) {
    int64_t cg = c / group, mg = m / group, k = cg * win->kernel[0] * win->kernel[1];
    int64_t spatial = win->out[0] * win->out[1], ni, gi, r, j;
    for (ni = 0; ni < batch; ni++)
        for (gi = 0; gi < group; gi++) {
            const float *xg = x + (ni * c + gi * cg) * h * wd;
            const float *col = xg;
            float *yg = y + (ni * m + gi * mg) * spatial;
            if (scratch) {
                pred__im2col(scratch, xg, cg, h, wd, win);
                col = scratch;
            }
            for (r = 0; r < mg; r++) {
                float v = b ? b[gi * mg + r] : 0.0f;
                for (j = 0; j < spatial; j++) yg[r * spatial + j] = v;
            }
            pred__sgemm(yg, (size_t)spatial, w + gi * mg * k, (size_t)k, 0, col, (size_t)spatial, 0,
                        (size_t)mg, (size_t)spatial, (size_t)k, 1.0f, 1.0f);
        }
}

static void pred__conv_run(const pred__exec *x, const pred__node *n) {
    const pred__conv_params *p = &n->p.conv;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0), *ws = PRED__IN_SHAPE(x, n, 1);
    const float *b = n->n_in > 2 && n->in[2] >= 0 ? PRED__IN(x, n, 2) : NULL;
    pred__conv2d(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), b, n->scratch ? x->scratch : NULL,
                 xs->d[0], xs->d[1], xs->d[2], xs->d[3], ws->d[0], p->group, &p->w);
}
