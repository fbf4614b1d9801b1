/*
 * op_conv.c: Conv and ConvTranspose (1-D to 3-D, grouped, dilated, padded).
 * Conv with constant weights runs the packed GEMM of the kernel layer over
 * the im2col matrix of its input (gathered strip by strip, never written
 * whole), or the depthwise kernels; ConvTranspose is sgemm + col2im. Spatial
 * dims sit right-aligned in three slots (see pred__window), so the loops
 * below are 3-D.
 */
#include "graph.h"
#include "attr.h"
#include "window.h"
#include "kernels.h"
#include "kernels/gemm.h"

static pred_status pred__conv_group(pred__node *n, const pred__onnx_node *src, int64_t *group) {
    pred_status st;
    if ((st = pred__attr_int(n, src, "group", 1, group)) != PRED_OK) return st;
    if (*group < 1 || *group > INT32_MAX)
        return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'group' has the value %lld, out of range",
                                 (long long)*group);
    return PRED_OK;
}

/* Takes the kernel from the weights w (M, C/group, k...) and checks it
 * against kernel_shape; x is the input. */
static pred_status pred__conv_kernel(const pred__node *n, pred__window *win, const pred__shape *x,
                                     const pred__shape *w) {
    char bx[PRED__SHAPE_STR_SIZE], bw[PRED__SHAPE_STR_SIZE];
    int first = pred__window_first(x), i;
    if (w->ndim != x->ndim)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X %s and weights W %s have different ranks",
                                 pred__shape_str(x, bx, sizeof bx), pred__shape_str(w, bw, sizeof bw));
    for (i = first; i < PRED__SPATIAL; i++) {
        int64_t k = w->d[2 + i - first];
        if (win->has_kernel && win->kernel[i] != k)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'kernel_shape' does not match weights W %s",
                                     pred__shape_str(w, bw, sizeof bw));
        win->kernel[i] = k;
    }
    return PRED_OK;
}

/* Checks an optional bias B (m). */
static pred_status pred__conv_bias(const pred__graph *g, const pred__node *n, int64_t m) {
    char buf[PRED__SHAPE_STR_SIZE];
    const pred__shape *b;
    if (n->n_in < 3 || n->in[2] < 0) return PRED_OK;
    b = pred__in_shape(g, n, 2);
    if (b->ndim != 1 || b->d[0] != m)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "bias B has shape %s, expected (%lld)",
                                 pred__shape_str(b, buf, sizeof buf), (long long)m);
    return PRED_OK;
}

/* The output shape (N, channels, out...) of a window over x. */
static pred__shape pred__conv_out_shape(const pred__shape *x, int64_t channels, const int64_t *out) {
    pred__shape y = *x;
    int first = pred__window_first(x), i;
    y.d[1] = channels;
    for (i = first; i < PRED__SPATIAL; i++) y.d[2 + i - first] = out[i];
    return y;
}

/* ---- Conv -----------------------------------------------------------------*/

static pred_status pred__conv_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__conv_params *p = &n->p.conv;
    pred_status st;
    (void)g;
    if ((st = pred__window_init(n, src, &p->w, 0, 0, 1)) != PRED_OK) return st;
    return pred__conv_group(n, src, &p->group);
}

/* One filter per input channel, 2-D (or 1-D), undilated, the same stride of 1 or 2 along both axes:
 * the shapes pred__dwconv kernels take. */
static int pred__conv_is_depthwise(const pred__conv_params *p, const pred__shape *x, const pred__shape *w) {
    const pred__window *win = &p->w;
    return p->group == x->d[1] && w->d[0] == x->d[1] && win->in[0] == 1 && win->kernel[0] == 1 &&
           win->dilations[1] == 1 && win->dilations[2] == 1 && win->strides[1] == win->strides[2] &&
           (win->strides[2] == 1 || win->strides[2] == 2);
}

/* The 2-D window of a depthwise Conv as the dwconv kernels take it. */
static pred__dw_shape pred__conv_dw_shape(const pred__window *win) {
    pred__dw_shape s;
    s.h = (size_t)win->in[1];
    s.w = (size_t)win->in[2];
    s.oh = (size_t)win->out[1];
    s.ow = (size_t)win->out[2];
    s.kh = (size_t)win->kernel[1];
    s.kw = (size_t)win->kernel[2];
    s.stride = (size_t)win->strides[2];
    s.pad_t = (size_t)win->pad_begin[1];
    s.pad_l = (size_t)win->pad_begin[2];
    return s;
}

/* 1 on the maps where a kernel level's channel-lanes depthwise kernel, if it has one, runs better
 * than its per-channel one (the two compute the same bits): rows of at most 32 outputs, where the
 * per-channel kernel's vectors idle past the row or its blocks are few (AMD EPYC, AVX-512 level:
 * Lite0's 14 x 14 maps 5x5 672 channels 197 -> 127 us, 3x3 480 channels 82 -> 57 us; 28 x 28 5x5
 * 240 channels 260 -> 203 us). At 56 wide the two are even, and at 112 the lanes kernel's copy
 * outgrows L2's share of a core. At stride 2, a level whose per-channel kernel reads its rows in
 * place (dw_s2_direct) keeps the lanes kernel for rows of at most 8 outputs (AMD Zen 4, AVX-512:
 * 3x3 on 28 x 28 to 14 x 14, 240 channels, 54 -> 38 us; 5x5 on 56 x 56, 144 channels, 163 -> 125;
 * but 5x5 on 14 x 14 to 7 x 7, 672 channels, lanes 65, direct 88). In WebAssembly, every map: V8
 * adds the address of each load the per-channel kernel makes from its rows, where the lanes
 * kernel's are constant offsets (node 20, AMD EPYC: Lite0's 112 x 112 3x3 layer 550 -> 361 us,
 * 56 x 56 670 -> 405 us). With kt NULL: 1 where any level would (for sizing scratch). */
static int pred__dw_lanes_shape(const pred__kernels *kt, const pred__dw_shape *s) {
    if (kt && kt->dw_s2_direct && pred__dw_s2_direct(s)) return s->ow <= 8;
    return PRED__HAVE_WASM128 || s->ow <= 32;
}

/* The direct kernels take first layers (a few input channels), with the weights as they are. */
static int pred__conv_may_run_direct(const pred__conv_params *p, const pred__shape *w) {
    return p->method == PRED__CONV_IM2COL && p->group == 1 && w->d[1] <= 4;
}

/* 1 when a level's conv_direct may run the convolution (straight from its input): 2-D, one group,
 * no dilation, at most 4 input channels (a first layer, on a photo's colours), where im2col would
 * copy about as many values as the product multiplies, and strided or with a large kernel, where
 * its copy costs most (AMD Zen 5, AVX-512: Lite0's 3x3 stride 2 to 32 channels 257 -> 170 us, a
 * 7x7 stride 2 to 8 channels 86 -> 51 us; a 3x3 stride 1 to 8 channels on 32 x 32 11 -> 13 us;
 * AMD Zen 3, AVX2: Lite0's 889 -> 391 us);
 * *s gets its shape. */
static int pred__conv_direct_shape(const pred__conv_params *p, const pred__shape *x, const pred__shape *w,
                                   pred__direct_shape *s) {
    const pred__window *win = &p->w;
    if (!pred__conv_may_run_direct(p, w)) return 0;
    if (win->in[0] != 1 || win->kernel[0] != 1 || win->pad_begin[0] || win->dilations[1] != 1 || win->dilations[2] != 1)
        return 0;
    if (win->strides[2] < 2 && win->kernel[1] * win->kernel[2] < 25) return 0;
    s->c = (size_t)x->d[1], s->m = (size_t)w->d[0];
    s->h = (size_t)win->in[1], s->w = (size_t)win->in[2], s->oh = (size_t)win->out[1], s->ow = (size_t)win->out[2];
    s->kh = (size_t)win->kernel[1], s->kw = (size_t)win->kernel[2];
    s->stride_y = (size_t)win->strides[1], s->stride_x = (size_t)win->strides[2];
    s->pad_t = (size_t)win->pad_begin[1], s->pad_l = (size_t)win->pad_begin[2];
    return 1;
}

/* The layout of weights packed for the transposed product (pred__gemm_t_job); other layouts are
 * group counts. */
#define PRED__CONV_LAYOUT_T (-3)

/* 1 when n runs (or, before its weights are packed, will run) as the transposed product: a
 * pointwise Conv of one group on a map small enough to fill panels better than strips. Its weights
 * decide once packed, so a plan for other shapes keeps their layout. */
static int pred__conv_transposed(const pred__graph *g, const pred__node *n) {
    const pred__tensor *w = pred__in_tensor(g, n, 1), *y = &g->tensors[n->out[0]];
    if (w->packed) return w->packed_layout == PRED__CONV_LAYOUT_T;
    return n->p.conv.method == PRED__CONV_POINTWISE && n->p.conv.group == 1 && w->kind == PRED__TENSOR_CONST &&
           w->dtype == PRED__DT_FLOAT && w->f &&
           pred__gemm_t_better((size_t)w->shape.d[0], (size_t)pred__shape_range(&y->shape, 2, y->shape.ndim),
                               (size_t)w->shape.d[1]);
}

static pred_status pred__conv_infer(pred__graph *g, pred__node *n) {
    pred__conv_params *p = &n->p.conv;
    const pred__shape *x = pred__in_shape(g, n, 0), *w = pred__in_shape(g, n, 1);
    char bx[PRED__SHAPE_STR_SIZE], bw[PRED__SHAPE_STR_SIZE];
    pred__direct_shape direct;
    pred__shape y;
    pred_status st;
    int i, pointwise = 1;
    if ((st = pred__window_input(n, &p->w, x, "input X")) != PRED_OK) return st;
    if ((st = pred__conv_kernel(n, &p->w, x, w)) != PRED_OK) return st;
    if (x->d[1] != w->d[1] * p->group || w->d[0] % p->group != 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X %s and weights W %s do not agree with group %lld",
                                 pred__shape_str(x, bx, sizeof bx), pred__shape_str(w, bw, sizeof bw),
                                 (long long)p->group);
    if ((st = pred__conv_bias(g, n, w->d[0])) != PRED_OK) return st;
    if ((st = pred__window_infer(n, &p->w)) != PRED_OK) return st;
    y = pred__conv_out_shape(x, w->d[0], p->w.out);
    if ((st = pred__set_out_shape(g, n, 0, &y)) != PRED_OK) return st;
    /* scratch: the padded channel of a depthwise kernel, or the packed GEMM's work memory */
    for (i = 0; i < PRED__SPATIAL; i++)
        if (p->w.kernel[i] != 1 || p->w.strides[i] != 1 || p->w.pad_begin[i] || p->w.pad_end[i]) pointwise = 0;
    p->method = pointwise ? PRED__CONV_POINTWISE : pred__conv_is_depthwise(p, x, w) ? PRED__CONV_DEPTHWISE
                                                                                    : PRED__CONV_IM2COL;
    n->scratch = PRED__GEMM_WORK;
    if (p->method == PRED__CONV_IM2COL) { /* and the padded copy of a group's input */
        size_t padded = pred__gemm_padded_size(&p->w, (size_t)(x->d[1] / p->group));
        if (padded > PRED_MAX_ELEMENTS - PRED__GEMM_WORK)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the convolution needs too much scratch memory");
        n->scratch += padded;
    }
    if (pred__conv_transposed(g, n)) {
        size_t t = pred__gemm_t_work((size_t)pred__shape_range(&y, 2, y.ndim), (size_t)x->d[1]);
        if (t > PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the convolution needs too much scratch memory");
        if (t > n->scratch) n->scratch = t;
    }
    if (pred__conv_direct_shape(p, x, w, &direct) && pred__conv_direct_scratch_size(&direct) > n->scratch) {
        if (pred__conv_direct_scratch_size(&direct) > PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the convolution needs too much scratch memory");
        n->scratch = pred__conv_direct_scratch_size(&direct); /* a level with conv_direct runs it */
    }
    if (p->method == PRED__CONV_DEPTHWISE) {
        pred__dw_shape dw = pred__conv_dw_shape(&p->w);
        n->scratch = pred__dw_scratch_size(&dw);
        /* a level with a lanes kernel runs it on such maps (the level may change, as tests change it) */
        if (pred__dw_lanes_shape(NULL, &dw) && pred__dw_lanes_scratch_size(&dw) > n->scratch)
            n->scratch = pred__dw_lanes_scratch_size(&dw);
        if (n->scratch > PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the convolution needs too much scratch memory");
    }
    return PRED_OK;
}

/* y (n, m, od, oh, ow) = conv(x (n, c, d, h, w), w (m, c/group, kd, kh, kw)) + b (m): the plain loops,
 * for weights that are not packed (computed at run time); a tap in the padding multiplies its weight
 * by 0, as im2col does, so an infinite or NaN weight there gives NaN at every level */
static void pred__conv(float *y, const float *x, const float *w, const float *b, int64_t batch, int64_t c,
                       int64_t m, int64_t group, const pred__window *win, const pred__act *act) {
    const int64_t *in = win->in, *k = win->kernel, *o = win->out, *s = win->strides, *dl = win->dilations;
    const int64_t *pb = win->pad_begin, cg = c / group, mg = m / group;
    const int64_t in_size = in[0] * in[1] * in[2], spatial = o[0] * o[1] * o[2];
    int64_t ni, mi, oz, oy, ox, ci, kz, ky, kx;
    for (ni = 0; ni < batch; ni++)
        for (mi = 0; mi < m; mi++) {
            const float *xg = x + (ni * c + mi / mg * cg) * in_size, *wm = w + mi * cg * k[0] * k[1] * k[2];
            float *ym = y + (ni * m + mi) * spatial, *yo = ym;
            for (oz = 0; oz < o[0]; oz++)
                for (oy = 0; oy < o[1]; oy++)
                    for (ox = 0; ox < o[2]; ox++) {
                        const float *wk = wm;
                        float acc = b ? b[mi] : 0.0f;
                        for (ci = 0; ci < cg; ci++)
                            for (kz = 0; kz < k[0]; kz++)
                                for (ky = 0; ky < k[1]; ky++)
                                    for (kx = 0; kx < k[2]; kx++, wk++) {
                                        int64_t iz = oz * s[0] - pb[0] + kz * dl[0];
                                        int64_t iy = oy * s[1] - pb[1] + ky * dl[1];
                                        int64_t ix = ox * s[2] - pb[2] + kx * dl[2];
                                        int inside = iz >= 0 && iz < in[0] && iy >= 0 && iy < in[1] &&
                                                     ix >= 0 && ix < in[2];
                                        acc += *wk * (inside ? xg[((ci * in[0] + iz) * in[1] + iy) * in[2] + ix]
                                                             : 0.0f);
                                    }
                        *yo++ = acc;
                    }
            pred__act_apply(ym, (size_t)spatial, act);
        }
}

/* A depthwise Conv split between threads by tasks of (batch, channels), each independent: one
 * plane, or PRED__DW_LANES planes when the lanes kernel runs. */
typedef struct pred__dw_job {
    const pred__exec *ex;
    const pred__kernels *kt;
    float *y;
    const float *x, *w, *b;
    size_t c, group; /* channels, and channels a task */
    pred__dw_shape s;
    const pred__act *act;
} pred__dw_job;

/* tasks [begin, end) of n * ceil(c / group), with the scratch memory of `worker` */
static void pred__dw_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__dw_job *j = (const pred__dw_job *)ctx;
    size_t in_size = j->s.h * j->s.w, out_size = j->s.oh * j->s.ow, taps = j->s.kh * j->s.kw, t;
    size_t per_batch = (j->c + j->group - 1) / j->group;
    float *scratch = PRED__SCRATCH(j->ex, worker);
    for (t = begin; t < end; t++) {
        size_t ci = t % per_batch * j->group, plane = t / per_batch * j->c + ci;
        size_t n = j->c - ci < j->group ? j->c - ci : j->group;
        if (j->group > 1)
            j->kt->dwconv_lanes(j->y + plane * out_size, j->x + plane * in_size, j->w + ci * taps,
                                j->b ? j->b + ci : NULL, n, &j->s, scratch, j->act);
        else
            j->kt->dwconv(j->y + plane * out_size, j->x + plane * in_size, j->w + ci * taps,
                          j->b ? j->b[ci] : 0.0f, &j->s, scratch, j->act);
    }
}

/* y (n, c, oh, ow) = conv(x (n, c, h, w), w (c, 1, kh, kw)) + b (c): one channel, or a block of
 * channels, at a time, the tasks split between the session's threads when the work is large */
static void pred__conv_depthwise(const pred__exec *ex, const pred__kernels *kt, float *y, const float *x,
                                 const float *w, const float *b, int64_t batch, int64_t c, const pred__window *win,
                                 const pred__act *act) {
    pred__dw_job job;
    size_t tasks;
    job.ex = ex;
    job.kt = kt;
    job.y = y;
    job.x = x;
    job.w = w;
    job.b = b;
    job.c = (size_t)c;
    job.s = pred__conv_dw_shape(win);
    job.group = kt->dwconv_lanes && pred__dw_lanes_shape(kt, &job.s) ? PRED__DW_LANES : 1;
    job.act = act;
    tasks = (size_t)batch * ((job.c + job.group - 1) / job.group);
    if (pred__parallel_worth_macs(ex, (size_t)(batch * c) * job.s.oh * job.s.ow * job.s.kh * job.s.kw))
        pred__parallel_for(ex, tasks, pred__dw_task, &job);
    else
        pred__dw_task(&job, 0, tasks, 0);
}

typedef struct pred__direct_job {
    const pred__exec *ex;
    const pred__kernels *kt;
    float *y;
    const float *x, *w, *b;
    const pred__direct_shape *s;
    const pred__act *act;
    size_t parts;
} pred__direct_job;

/* parts [begin, end) of the output rows, with the scratch memory of `worker` */
static void pred__direct_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__direct_job *j = (const pred__direct_job *)ctx;
    j->kt->conv_direct(j->y, j->x, j->w, j->b, j->s, begin * j->s->oh / j->parts, end * j->s->oh / j->parts,
                       PRED__SCRATCH(j->ex, worker), j->act);
}

/* y (n, m, oh, ow) = conv(x (n, c, h, w), w) + b through the level's conv_direct, the output rows
 * split between the session's threads in one block each: every call lays the weights out tap by
 * tap again, which 4 blocks a thread made cost more than the second thread saved (ResNet's 7x7
 * stem, 3 -> 8 channels on 64 x 64, 2 threads: 44 -> 50-55 us) */
static void pred__conv_direct(const pred__exec *ex, const pred__kernels *kt, float *y, const float *x,
                              const float *w, const float *b, int64_t batch, const pred__direct_shape *s,
                              const pred__act *act) {
    pred__direct_job job;
    int64_t ni;
    job.ex = ex, job.kt = kt, job.w = w, job.b = b, job.s = s, job.act = act;
    job.parts = (size_t)pred__exec_threads(ex) < s->oh ? (size_t)pred__exec_threads(ex) : s->oh;
    for (ni = 0; ni < batch; ni++) {
        job.y = y + (size_t)ni * s->m * s->oh * s->ow;
        job.x = x + (size_t)ni * s->c * s->h * s->w;
        if (pred__parallel_worth_macs(ex, s->m * s->oh * s->ow * s->c * s->kh * s->kw))
            pred__parallel_for(ex, job.parts, pred__direct_task, &job);
        else
            pred__direct_task(&job, 0, job.parts, 0);
    }
}

/* pred__conv with the weights of each group packed (pred__conv_prepare), as a GEMM of the weights by
 * the im2col matrix of the group's input (the input itself for a pointwise convolution), split
 * between the threads of x by strips of output columns */
static void pred__conv_packed(const pred__exec *x, float *y, const float *in, const float *packed, const float *b,
                              const float *res, int pointwise, int64_t batch, int64_t c, int64_t m, int64_t group,
                              const pred__window *win, const pred__act *act) {
    int64_t cg = c / group, mg = m / group, k = cg * win->kernel[0] * win->kernel[1] * win->kernel[2];
    int64_t in_size = win->in[0] * win->in[1] * win->in[2], spatial = win->out[0] * win->out[1] * win->out[2];
    size_t group_packed = pred__gemm_packed_size((size_t)mg, (size_t)k);
    pred__gemm_job job;
    int64_t ni, gi;
    memset(&job, 0, sizeof job);
    job.kt = pred__kernels_get();
    job.ldc = (size_t)spatial;
    job.src.ldb = (size_t)in_size;
    job.src.win = pointwise ? NULL : win;
    /* the padded copy after the caller's work memory (pred__conv_infer sized the scratch for it) */
    job.src.padded = !pointwise && pred__gemm_padded_size(win, (size_t)cg) ? x->scratch + PRED__GEMM_WORK : NULL;
    job.m = (size_t)mg;
    job.n = (size_t)spatial;
    job.k = (size_t)k;
    job.act = act;
    for (ni = 0; ni < batch; ni++)
        for (gi = 0; gi < group; gi++) {
            job.c = y + (ni * m + gi * mg) * spatial;
            job.a_packed = packed + (size_t)gi * group_packed;
            job.src.b = in + (ni * c + gi * cg) * in_size;
            if (job.src.padded) pred__gemm_pad(x->scratch + PRED__GEMM_WORK, job.src.b, win, (size_t)cg);
            job.bias = b ? b + gi * mg : NULL;
            job.res = res ? res + (ni * m + gi * mg) * spatial : NULL;
            pred__gemm_job_run(x, &job);
        }
}

/* A pointwise Conv as the transposed product (weights packed with PRED__CONV_LAYOUT_T). */
static void pred__conv_transposed_run(const pred__exec *x, float *y, const float *in, const float *strips,
                                      const float *b, const float *res, int64_t batch, int64_t c, int64_t m,
                                      const pred__window *win, const pred__act *act) {
    int64_t spatial = win->out[0] * win->out[1] * win->out[2], ni;
    pred__gemm_t_job job;
    memset(&job, 0, sizeof job);
    job.kt = pred__kernels_get();
    job.ldc = job.ldb = job.n = (size_t)spatial;
    job.a_strips = strips;
    job.m = (size_t)m;
    job.k = (size_t)c;
    job.bias = b;
    job.act = act;
    for (ni = 0; ni < batch; ni++) {
        job.c = y + ni * m * spatial;
        job.b = in + ni * c * spatial;
        job.res = res ? res + ni * m * spatial : NULL;
        pred__gemm_t_run(x, &job);
    }
}

/* A residual Add fused into the Conv (pred__fuse_residuals): input 3, or NULL. */
static const float *pred__conv_residual(const pred__exec *x, const pred__node *n) {
    return n->n_in > 3 && n->in[3] >= 0 ? PRED__IN(x, n, 3) : NULL;
}

static void pred__conv_run(const pred__exec *x, const pred__node *n) {
    const pred__conv_params *p = &n->p.conv;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0), *ws = PRED__IN_SHAPE(x, n, 1);
    const float *b = n->n_in > 2 && n->in[2] >= 0 ? PRED__IN(x, n, 2) : NULL, *res = pred__conv_residual(x, n);
    const pred__kernels *kt = pred__kernels_get();
    /* the GEMM adds a residual in its tiles; the other kernels leave it, and the act after it, to the end */
    const pred__act *late = res ? &pred__act_none : &p->act;
    float *y = PRED__OUT(x, n, 0);
    pred__direct_shape direct;
    if (kt->conv_direct && pred__conv_direct_shape(p, xs, ws, &direct))
        pred__conv_direct(x, kt, y, PRED__IN(x, n, 0), PRED__IN(x, n, 1), b, xs->d[0], &direct, late);
    else if (p->method == PRED__CONV_DEPTHWISE)
        pred__conv_depthwise(x, kt, y, PRED__IN(x, n, 0), PRED__IN(x, n, 1), b, xs->d[0], xs->d[1], &p->w, late);
    else if (n->packed && x->tensors[n->in[1]].packed_layout == PRED__CONV_LAYOUT_T) {
        pred__conv_transposed_run(x, y, PRED__IN(x, n, 0), n->packed, b, res, xs->d[0], xs->d[1], ws->d[0], &p->w,
                                  &p->act);
        return;
    } else if (n->packed) {
        pred__conv_packed(x, y, PRED__IN(x, n, 0), n->packed, b, res, p->method == PRED__CONV_POINTWISE, xs->d[0],
                          xs->d[1], ws->d[0], p->group, &p->w, &p->act);
        return;
    } else /* weights computed at run time (or a load-time fold before prepare) */
        pred__conv(y, PRED__IN(x, n, 0), PRED__IN(x, n, 1), b, xs->d[0], xs->d[1], ws->d[0], p->group, &p->w, late);
    if (res) {
        size_t count = x->tensors[n->out[0]].count;
        pred__add_row(y, res, count);
        pred__act_apply(y, count, &p->act);
    }
}

/* The weights w (m, c/group, k...), one packed GEMM operand per group. */
static void pred__conv_pack(float *dst, const pred__node *n, const pred__tensor *w) {
    size_t group = (size_t)n->p.conv.group, mg = (size_t)w->shape.d[0] / group, gi;
    size_t k = (size_t)pred__shape_range(&w->shape, 1, w->shape.ndim), group_packed = pred__gemm_packed_size(mg, k);
    for (gi = 0; gi < group; gi++) pred__gemm_pack(dst + gi * group_packed, w->f + gi * mg * k, k, 1, mg, k);
}

/* The weights w (m, c), as the strips of their transpose. */
static void pred__conv_pack_t(float *dst, const pred__node *n, const pred__tensor *w) {
    size_t k = (size_t)w->shape.d[1];
    (void)n;
    pred__gemm_pack_strips(dst, w->f, 1, k, k, (size_t)w->shape.d[0]);
}

/* Constant weights are packed for the GEMM (the layout depends on the group count), or for the
 * transposed product. Depthwise-shaped weights (one filter per channel) are read as they are. */
static pred_status pred__conv_prepare(pred__graph *g, pred__node *n) {
    const pred__tensor *w = pred__in_tensor(g, n, 1);
    size_t m, k, group = (size_t)n->p.conv.group;
    if (w->kind != PRED__TENSOR_CONST || w->dtype != PRED__DT_FLOAT || !w->f) return PRED_OK;
    m = (size_t)w->shape.d[0];
    k = (size_t)pred__shape_range(&w->shape, 1, w->shape.ndim);
    if (m / group == 1 && w->shape.d[1] == 1) return PRED_OK;
    if (pred__conv_transposed(g, n))
        return pred__pack_weights(g, n, 1, PRED__CONV_LAYOUT_T, pred__gemm_strips_size(k, m), 0, pred__conv_pack_t);
    return pred__pack_weights(g, n, 1, (int64_t)group, group * pred__gemm_packed_size(m / group, k),
                              pred__conv_may_run_direct(&n->p.conv, &w->shape), pred__conv_pack);
}

/* ---- ConvTranspose --------------------------------------------------------*/

static pred_status pred__convtranspose_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__convtranspose_params *p = &n->p.convtranspose;
    int64_t v[PRED_MAX_DIMS];
    size_t count, k;
    int present, i, first;
    pred_status st;
    (void)g;
    if ((st = pred__window_init(n, src, &p->w, 0, 0, 1)) != PRED_OK) return st;
    if ((st = pred__conv_group(n, src, &p->group)) != PRED_OK) return st;
    for (i = 0; i < PRED__SPATIAL; i++) p->output_padding[i] = 0;
    if ((st = pred__attr_int_list(n, src, "output_padding", v, PRED_MAX_DIMS, &count, &present)) != PRED_OK) return st;
    if (present) {
        if (count < 1 || count > PRED__SPATIAL || (p->w.rank && (int)count != p->w.rank))
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'output_padding' has %lu values, not one per spatial dim",
                                     (unsigned long)count);
        first = PRED__SPATIAL - (int)count;
        for (k = 0; k < count; k++) {
            if (v[k] < 0 || v[k] > ((int64_t)1 << 30))
                return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'output_padding' has the value %lld, out of range",
                                         (long long)v[k]);
            p->output_padding[first + (int)k] = v[k];
        }
        p->n_output_padding = (int)count;
    }
    if ((st = pred__attr_int_list(n, src, "output_shape", v, PRED_MAX_DIMS, &count, &present)) != PRED_OK) return st;
    p->n_output_shape = 0;
    if (present) {
        if (count < 1 || count > PRED__SPATIAL + 2)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'output_shape' has %lu values",
                                     (unsigned long)count);
        for (k = 0; k < count; k++) {
            if (v[k] < 1 || v[k] > ((int64_t)1 << 30))
                return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'output_shape' has the value %lld, out of range",
                                         (long long)v[k]);
            p->output_shape[k] = v[k];
        }
        p->n_output_shape = (int)count;
    }
    return PRED_OK;
}

static pred_status pred__convtranspose_infer(pred__graph *g, pred__node *n) {
    pred__convtranspose_params *p = &n->p.convtranspose;
    pred__window *win = &p->w;
    const pred__shape *x = pred__in_shape(g, n, 0), *w = pred__in_shape(g, n, 1);
    char bx[PRED__SHAPE_STR_SIZE], bw[PRED__SHAPE_STR_SIZE];
    pred__shape y;
    pred_status st;
    int64_t m;
    int i, first, rank;
    size_t rows, cols;
    if ((st = pred__window_input(n, win, x, "input X")) != PRED_OK) return st;
    if ((st = pred__conv_kernel(n, win, x, w)) != PRED_OK) return st;
    first = pred__window_first(x);
    rank = PRED__SPATIAL - first;
    /* W (C, M/group, k...) */
    if (x->d[1] != w->d[0] || w->d[0] % p->group != 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X %s and weights W %s do not agree with group %lld",
                                 pred__shape_str(x, bx, sizeof bx), pred__shape_str(w, bw, sizeof bw),
                                 (long long)p->group);
    m = w->d[1] * p->group;
    if ((st = pred__conv_bias(g, n, m)) != PRED_OK) return st;
    if (p->n_output_padding && p->n_output_padding != rank)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'output_padding' has %d values for a %d-D input",
                                 p->n_output_padding, rank);
    if (p->n_output_shape && p->n_output_shape != rank && p->n_output_shape != rank + 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "attribute 'output_shape' has %d values for a %d-D input",
                                 p->n_output_shape, rank);
    for (i = first; i < PRED__SPATIAL; i++) {
        int64_t keff = (win->kernel[i] - 1) * win->dilations[i] + 1;
        int64_t full = win->strides[i] * (win->in[i] - 1) + p->output_padding[i] + keff, out, total, half;
        if (p->n_output_shape || win->auto_pad == PRED__PAD_SAME_UPPER || win->auto_pad == PRED__PAD_SAME_LOWER) {
            /* the output size is given (or in * stride): the pads make up the difference */
            out = p->n_output_shape ? p->output_shape[p->n_output_shape - rank + (i - first)] : win->in[i] * win->strides[i];
            /* an output larger than the full one grows at the end, where only the bias reaches
             * (as onnxruntime and PyTorch's output_padding do) */
            total = full - out;
            half = total / 2;
            if (total < 0) {
                win->pad_begin[i] = 0;
                win->pad_end[i] = total;
            } else if (win->auto_pad == PRED__PAD_SAME_UPPER) {
                win->pad_begin[i] = half;
                win->pad_end[i] = total - half;
            } else {
                win->pad_begin[i] = total - half;
                win->pad_end[i] = half;
            }
        } else {
            if (win->auto_pad == PRED__PAD_VALID) win->pad_begin[i] = win->pad_end[i] = 0;
            out = full - win->pad_begin[i] - win->pad_end[i];
        }
        if (out < 1) return pred__node_errorf(n, PRED_ERR_SHAPE, "the output would be empty");
        win->out[i] = out;
    }
    y = pred__conv_out_shape(x, m, win->out);
    if ((st = pred__set_out_shape(g, n, 0, &y)) != PRED_OK) return st;
    /* scratch: the packed GEMM's work memory, then the column matrix of one group */
    rows = (size_t)(w->d[1] * win->kernel[0] * win->kernel[1] * win->kernel[2]);
    cols = (size_t)(win->in[0] * win->in[1] * win->in[2]);
    if (!pred__mul_size(rows, cols, &n->scratch) || n->scratch > PRED_MAX_ELEMENTS)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "the transposed convolution needs too much scratch memory");
    n->scratch += PRED__GEMM_WORK;
    return PRED_OK;
}

/* y (m, od, oh, ow) += the columns col (m*kd*kh*kw, d*h*w) added back at their windows
 * (the inverse of im2col, with win->in the size of col's windows and win->out that of y) */
static void pred__col2im(float *y, const float *col, int64_t m, const pred__window *win) {
    const int64_t *in = win->in, *k = win->kernel, *o = win->out, *s = win->strides, *dl = win->dilations;
    const int64_t *pb = win->pad_begin;
    int64_t spatial = in[0] * in[1] * in[2], mi, kz, ky, kx, iz, iy, ix;
    for (mi = 0; mi < m; mi++)
        for (kz = 0; kz < k[0]; kz++)
            for (ky = 0; ky < k[1]; ky++)
                for (kx = 0; kx < k[2]; kx++) {
                    const float *src = col + (((mi * k[0] + kz) * k[1] + ky) * k[2] + kx) * spatial;
                    for (iz = 0; iz < in[0]; iz++) {
                        int64_t oz = iz * s[0] - pb[0] + kz * dl[0];
                        for (iy = 0; iy < in[1]; iy++, src += in[2]) {
                            int64_t oy = iy * s[1] - pb[1] + ky * dl[1];
                            float *row;
                            if (oz < 0 || oz >= o[0] || oy < 0 || oy >= o[1]) continue;
                            row = y + ((mi * o[0] + oz) * o[1] + oy) * o[2];
                            for (ix = 0; ix < in[2]; ix++) {
                                int64_t ox = ix * s[2] - pb[2] + kx * dl[2];
                                if (ox >= 0 && ox < o[2]) row[ox] += src[ix];
                            }
                        }
                    }
                }
}

/* y (n, m, od, oh, ow) = conv_transpose(x (n, c, d, h, w), w (c, m/group, kd, kh, kw)) + b (m): per group,
 * the columns col (m/group * k, d*h*w) = W_g^T @ x_g added back at their windows. With `packed` (each
 * group's W_g^T packed, pred__convtranspose_prepare), col is the packed GEMM's on the threads of ex;
 * else the reference sgemm's. col lives in ex's scratch after the GEMM's work memory. */
static void pred__convtranspose(const pred__exec *ex, float *y, const float *x, const float *w, const float *packed,
                                const float *b, int64_t batch, int64_t c, int64_t m, int64_t group,
                                const pred__window *win) {
    int64_t cg = c / group, mg = m / group, kprod = win->kernel[0] * win->kernel[1] * win->kernel[2];
    int64_t in_size = win->in[0] * win->in[1] * win->in[2], out_size = win->out[0] * win->out[1] * win->out[2];
    float *col = ex->scratch + PRED__GEMM_WORK;
    pred__gemm_job job;
    int64_t ni, gi, r, j;
    memset(&job, 0, sizeof job);
    job.kt = pred__kernels_get();
    job.c = col;
    job.ldc = (size_t)in_size;
    job.src.ldb = (size_t)in_size;
    job.m = (size_t)(mg * kprod);
    job.n = (size_t)in_size;
    job.k = (size_t)cg;
    job.act = &pred__act_none;
    for (ni = 0; ni < batch; ni++)
        for (gi = 0; gi < group; gi++) {
            float *yg = y + (ni * m + gi * mg) * out_size;
            const float *xg = x + (ni * c + gi * cg) * in_size;
            for (r = 0; r < mg; r++) {
                float v = b ? b[gi * mg + r] : 0.0f;
                for (j = 0; j < out_size; j++) yg[r * out_size + j] = v;
            }
            if (packed) {
                job.a_packed = packed + (size_t)gi * pred__gemm_packed_size(job.m, job.k);
                job.src.b = xg;
                pred__gemm_job_run(ex, &job);
            } else {
                pred__sgemm(col, (size_t)in_size, w + gi * cg * mg * kprod, (size_t)(mg * kprod), 1, xg,
                            (size_t)in_size, 0, (size_t)(mg * kprod), (size_t)in_size, (size_t)cg, 1.0f, 0.0f);
            }
            pred__col2im(yg, col, mg, win);
        }
}

static void pred__convtranspose_run(const pred__exec *x, const pred__node *n) {
    const pred__convtranspose_params *p = &n->p.convtranspose;
    const pred__shape *xs = PRED__IN_SHAPE(x, n, 0), *ws = PRED__IN_SHAPE(x, n, 1);
    const float *b = n->n_in > 2 && n->in[2] >= 0 ? PRED__IN(x, n, 2) : NULL;
    pred__convtranspose(x, PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), n->packed, b, xs->d[0],
                        xs->d[1], ws->d[1] * p->group, p->group, &p->w);
}

/* The packed layout of ConvTranspose weights: each group's transpose, for `group` groups (below the
 * codes of Conv, Gemm and MatMul). */
#define PRED__CONVTRANSPOSE_LAYOUT(group) (-1000 - (int64_t)(group))

/* The weights w (c, m/group, k...), each group's transpose (m/group * k, c/group) packed as a GEMM's
 * left operand. */
static void pred__convtranspose_pack(float *dst, const pred__node *n, const pred__tensor *w) {
    size_t group = (size_t)n->p.convtranspose.group, cg = (size_t)w->shape.d[0] / group, gi;
    size_t mk = (size_t)pred__shape_range(&w->shape, 1, w->shape.ndim), group_packed = pred__gemm_packed_size(mk, cg);
    for (gi = 0; gi < group; gi++) pred__gemm_pack(dst + gi * group_packed, w->f + gi * cg * mk, 1, mk, mk, cg);
}

static pred_status pred__convtranspose_prepare(pred__graph *g, pred__node *n) {
    const pred__tensor *w = pred__in_tensor(g, n, 1);
    size_t group = (size_t)n->p.convtranspose.group, cg, mk;
    if (w->kind != PRED__TENSOR_CONST || w->dtype != PRED__DT_FLOAT || !w->f) return PRED_OK;
    cg = (size_t)w->shape.d[0] / group;
    mk = (size_t)pred__shape_range(&w->shape, 1, w->shape.ndim);
    return pred__pack_weights(g, n, 1, PRED__CONVTRANSPOSE_LAYOUT(group), group * pred__gemm_packed_size(mk, cg), 0,
                              pred__convtranspose_pack);
}
