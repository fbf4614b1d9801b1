/*
 * kernels_test.c: every kernel level this CPU runs against the scalar reference.
 *
 * Includes the single file to reach its static kernels (the llama2.c / ggml
 * way of testing internals). Random shapes with odd sizes, tails, strides and
 * padding; results must agree within a bound derived from the magnitudes
 * summed (FMA rounds once where the reference rounds twice), activations must
 * give the same bits, and nothing outside the output may be written.
 *
 *     cc -O2 -I generated/c tests/c/kernels_test.c -lm -o kernels_test && ./kernels_test
 */
#include "predict.c"
#include <math.h>
#include <stdio.h>

static int failures, checks;
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static size_t rnd_in(size_t lo, size_t hi) { return lo + rnd() % (hi - lo + 1); } /* [lo, hi] */
static float rnd_float(void) { return (float)rnd() / 2147483648.0f - 1.0f; }       /* [-1, 1) */

#define CANARY 12345.0f

static void fail(const char *what, const char *level, size_t at, double got, double want) {
    if (failures++ < 20) printf("FAIL %s [%s] at %lu: got %.9g, want %.9g\n", what, level, (unsigned long)at, got, want);
}

/* got agrees with want within 1e-5 of `scale` (the sum of |terms|) plus 1e-6; an infinity exactly,
 * NaN with NaN; canaries (CANARY in want) must be untouched. */
static void compare(const char *what, const char *level, const float *got, const float *want, const float *scale,
                    size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        checks++;
        if (want[i] == CANARY || !isfinite(want[i])) {
            if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && !(isnan(got[i]) && isnan(want[i])))
                fail(what, level, i, got[i], want[i]);
        } else if (!(fabs((double)got[i] - want[i]) <= 1e-5 * scale[i] + 1e-6))
            fail(what, level, i, got[i], want[i]);
    }
}

/* got has want's bits, NaN matching any NaN (its payload and sign are the compiler's choice of
 * operand order, where two NaNs meet). */
static void expect_bits(const char *what, const char *level, const float *got, const float *want, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        checks++;
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && !(isnan(got[i]) && isnan(want[i])))
            fail(what, level, i, got[i], want[i]);
    }
}

/* Runs a GEMM job whole on worker 0, then task by task (strips, and parts of their panels) alternating
 * between two workers (as threads would), and checks that the split gives the same bits. The whole
 * run's result stays in job->c. */
static void run_gemm_job(pred__gemm_job *job, const char *level) {
    size_t strips, bytes = job->m * job->ldc * sizeof(float), t;
    float *start = (float *)malloc(bytes), *whole = (float *)malloc(bytes), *work = (float *)malloc(2 * PRED__GEMM_WORK * sizeof(float));
    memcpy(start, job->c, bytes);
    job->work = work;
    job->work_stride = PRED__GEMM_WORK;
    job->row_blocks = 1;
    strips = pred__gemm_tasks(job);
    pred__gemm_task(job, 0, strips, 0);
    memcpy(whole, job->c, bytes);
    memcpy(job->c, start, bytes);
    job->row_blocks = 1 + (size_t)(rnd() % 4); /* and the panels of each strip in parts */
    for (t = pred__gemm_tasks(job); t-- > 0;) pred__gemm_task(job, t, t + 1, (int)(t % 2)); /* any order */
    checks++;
    if (memcmp(whole, job->c, bytes) != 0) fail("gemm split by strips changes bits", level, 0, 0, 0);
    memcpy(job->c, whole, bytes);
    free(start), free(whole), free(work);
}

static const pred__act ACTS[] = {{PRED__ACT_NONE, 0, 0}, {PRED__ACT_RELU, 0, 0}, {PRED__ACT_CLIP, 0.0f, 0.5f},
                                 {PRED__ACT_CLIP, -0.25f, 0.25f}, {PRED__ACT_LEAKYRELU, 0.1f, 0},
                                 {PRED__ACT_SIGMOID, 0, 0}, {PRED__ACT_HARDSWISH, 1.0f / 6, 0.5f}};
#define N_ACTS (sizeof ACTS / sizeof ACTS[0])

/* c (m, n) = act(a (m, k) @ b (k, n) + bias) through the packed GEMM of one level and of the reference. */
static void test_gemm(const pred__kernels *level, int round) {
    size_t m = rnd_in(1, 20), n = rnd_in(1, 40), k = round % 8 ? rnd_in(1, 70) : rnd_in(250, 600), ldb = n + rnd_in(0, 3), ldc = n + rnd_in(0, 3);
    size_t i, j, p;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    int with_bias = round % 3 != 0;
    pred__gemm_job job;
    float *a = (float *)malloc(m * k * sizeof(float)), *b = (float *)malloc(k * ldb * sizeof(float));
    float *bias = (float *)malloc(m * sizeof(float));
    float *packed = (float *)pred__aligned_alloc(pred__gemm_packed_size(m, k), sizeof(float), 0);
    float *got = (float *)malloc(m * ldc * sizeof(float)), *want = (float *)malloc(m * ldc * sizeof(float));
    float *scale = (float *)malloc(m * ldc * sizeof(float));
    for (i = 0; i < m * k; i++) a[i] = rnd_float();
    for (i = 0; i < k * ldb; i++) b[i] = rnd_float();
    for (i = 0; i < m; i++) bias[i] = rnd_float();
    for (i = 0; i < m * ldc; i++) got[i] = want[i] = CANARY;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = with_bias ? fabs(bias[i]) : 0.0;
            for (p = 0; p < k; p++) s += fabs((double)a[i * k + p] * b[p * ldb + j]);
            scale[i * ldc + j] = (float)s;
        }
    memset(&job, 0, sizeof job);
    job.ldc = ldc;
    job.a_packed = packed;
    job.src.b = b;
    job.src.ldb = ldb;
    job.m = m, job.n = n, job.k = k;
    job.bias = with_bias ? bias : NULL;
    job.act = act;
    pred__gemm_pack(packed, a, k, 1, m, k);
    job.kt = pred__kernels_for(PRED__ISA_SCALAR), job.c = want;
    run_gemm_job(&job, "scalar");
    job.kt = level, job.c = got;
    run_gemm_job(&job, level->name);
    compare("gemm", level->name, got, want, scale, m * ldc);
    free(a), free(b), free(bias), free(got), free(want), free(scale);
    pred__aligned_free(packed);
}

/* The transposed product (a pointwise Conv on a small map) gives the bits of the packed GEMM at the
 * same level, for every split of its panels between tasks, and sums in double within tolerance. */
static void test_gemm_transposed(const pred__kernels *level, int round) {
    size_t m = rnd_in(1, 40), n = rnd_in(1, 70), k = round % 4 ? rnd_in(1, 70) : rnd_in(250, 600), i, j, p, t;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    int with_bias = round % 3 != 0;
    size_t panels = (n + PRED__GEMM_MR - 1) / PRED__GEMM_MR, work_floats = pred__gemm_t_work(n, k);
    pred__gemm_job job;
    pred__gemm_t_job tj;
    float *a = (float *)malloc(m * k * sizeof(float)), *b = (float *)malloc(k * n * sizeof(float));
    float *bias = (float *)malloc(m * sizeof(float)), *scale = (float *)malloc(m * n * sizeof(float));
    float *want = (float *)malloc(m * n * sizeof(float)), *sums = (float *)malloc(m * n * sizeof(float));
    float *got = (float *)malloc(m * n * sizeof(float)), *work = (float *)malloc(2 * work_floats * sizeof(float));
    float *packed = (float *)pred__aligned_alloc(pred__gemm_packed_size(m, k), sizeof(float), 0);
    float *strips = (float *)pred__aligned_alloc(pred__gemm_strips_size(k, m), sizeof(float), 0);
    float *res = round % 5 < 2 ? (float *)malloc(m * n * sizeof(float)) : NULL; /* a residual added before act */
    for (i = 0; i < m * k; i++) a[i] = rnd_float();
    for (i = 0; i < k * n; i++) b[i] = rnd_float();
    for (i = 0; i < m; i++) bias[i] = rnd_float();
    for (i = 0; res && i < m * n; i++) res[i] = rnd_float();
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = with_bias ? bias[i] : 0.0, mag = with_bias ? fabs(bias[i]) : 0.0;
            for (p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j], mag += fabs((double)a[i * k + p] * b[p * n + j]);
            if (res) s += res[i * n + j], mag += fabs(res[i * n + j]);
            sums[i * n + j] = (float)s;
            scale[i * n + j] = (float)mag;
        }
    pred__act_apply(sums, m * n, act); /* the activations' arithmetic is tested against onnxruntime */
    memset(&job, 0, sizeof job);
    job.kt = level, job.c = want, job.ldc = n, job.a_packed = packed;
    job.src.b = b, job.src.ldb = n;
    job.m = m, job.n = n, job.k = k, job.bias = with_bias ? bias : NULL, job.res = res, job.act = act;
    pred__gemm_pack(packed, a, k, 1, m, k);
    run_gemm_job(&job, level->name);
    memset(&tj, 0, sizeof tj);
    tj.kt = level, tj.c = got, tj.ldc = n, tj.a_strips = strips, tj.b = b, tj.ldb = n;
    tj.m = m, tj.n = n, tj.k = k, tj.bias = with_bias ? bias : NULL, tj.res = res, tj.act = act;
    tj.work = work, tj.work_stride = work_floats;
    pred__gemm_pack_strips(strips, a, 1, k, k, m);
    tj.chunk = rnd_in(1, panels); /* any split; larger chunks would not fit the work memory */
    if (tj.chunk * PRED__GEMM_MR * (k + PRED__GEMM_NR) > work_floats) tj.chunk = 1;
    for (i = 0; i < m * n; i++) got[i] = CANARY;
    for (t = (panels + tj.chunk - 1) / tj.chunk; t-- > 0;) pred__gemm_t_task(&tj, t, t + 1, (int)(t % 2));
    checks++;
    if (memcmp(got, want, m * n * sizeof(float)) != 0) fail("transposed product changes bits", level->name, 0, 0, 0);
    compare("transposed product", level->name, got, sums, scale, m * n);
    free(a), free(b), free(bias), free(scale), free(want), free(sums), free(got), free(work), free(res);
    pred__aligned_free(packed);
    pred__aligned_free(strips);
}

/* c (m, n) = act(c0 + op(a) (m, k) @ op(b) (k, n)), both operands packed (Gemm with weights packed at load),
 * transposed or not, against sums in double. */
static void test_gemm_both_packed(const pred__kernels *level, int round) {
    size_t m = rnd_in(1, 14), n = rnd_in(1, 40), k = rnd_in(1, 90), i, j, p;
    int trans_a = round & 1, trans_b = (round >> 1) & 1;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    pred__gemm_job job;
    float *a = (float *)malloc(m * k * sizeof(float)), *b = (float *)malloc(k * n * sizeof(float));
    float *pa = (float *)pred__aligned_alloc(pred__gemm_packed_size(m, k), sizeof(float), 0);
    float *pb = (float *)pred__aligned_alloc(pred__gemm_strips_size(k, n), sizeof(float), 0);
    float *got = (float *)malloc(m * n * sizeof(float)), *want = (float *)malloc(m * n * sizeof(float));
    float *scale = (float *)malloc(m * n * sizeof(float));
    for (i = 0; i < m * k; i++) a[i] = rnd_float();
    for (i = 0; i < k * n; i++) b[i] = rnd_float();
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double c0 = rnd_float(), sum = c0, mag = fabs(c0);
            for (p = 0; p < k; p++) {
                double t = (double)(trans_a ? a[p * m + i] : a[i * k + p]) * (trans_b ? b[j * k + p] : b[p * n + j]);
                sum += t, mag += fabs(t);
            }
            got[i * n + j] = (float)c0;
            want[i * n + j] = (float)sum;
            pred__act_apply(&want[i * n + j], 1, act);
            scale[i * n + j] = (float)mag;
        }
    pred__gemm_pack(pa, a, trans_a ? 1 : k, trans_a ? m : 1, m, k);
    pred__gemm_pack_strips(pb, b, trans_b ? 1 : n, trans_b ? k : 1, k, n);
    memset(&job, 0, sizeof job);
    job.kt = level, job.c = got, job.ldc = n, job.a_packed = pa, job.b_strips = pb;
    job.m = m, job.n = n, job.k = k, job.act = act;
    run_gemm_job(&job, level->name);
    compare("gemm, both packed", level->name, got, want, scale, m * n);
    free(a), free(b), free(got), free(want), free(scale);
    pred__aligned_free(pa), pred__aligned_free(pb);
}

/* A 2-D convolution (odd sizes, strides, dilations, padding) as the packed GEMM over the im2col matrix
 * its strips gather, against sums in double: packing of windows and tiles together. */
static void test_gemm_windows(const pred__kernels *level, int round) {
    pred__window win;
    pred__gemm_job job;
    size_t m = rnd_in(1, 13), c = round % 5 ? rnd_in(1, 5) : rnd_in(20, 40), k, n, i, j; /* k past PRED__GEMM_KC too */
    int d;
    float *x, *w, *packed, *got, *want, *scale;
    memset(&win, 0, sizeof win);
    for (d = 0; d < PRED__SPATIAL; d++) {
        win.in[d] = d == 0 ? 1 : (int64_t)rnd_in(1, 23);
        win.kernel[d] = d == 0 ? 1 : (int64_t)rnd_in(1, 4);
        win.strides[d] = d == 0 ? 1 : (int64_t)rnd_in(1, 3);
        win.dilations[d] = d == 0 ? 1 : (int64_t)rnd_in(1, 2);
        win.pad_begin[d] = d == 0 ? 0 : (int64_t)rnd_in(0, 2);
        win.pad_end[d] = d == 0 ? 0 : (int64_t)rnd_in(0, 2);
        win.out[d] = (win.in[d] + win.pad_begin[d] + win.pad_end[d] - (win.kernel[d] - 1) * win.dilations[d] - 1) /
                         win.strides[d] + 1;
        if (win.out[d] < 1) return;
    }
    k = c * (size_t)(win.kernel[1] * win.kernel[2]);
    n = (size_t)(win.out[1] * win.out[2]);
    x = (float *)malloc(c * (size_t)(win.in[1] * win.in[2]) * sizeof(float));
    w = (float *)malloc(m * k * sizeof(float));
    packed = (float *)pred__aligned_alloc(pred__gemm_packed_size(m, k), sizeof(float), 0);
    got = (float *)malloc(m * n * sizeof(float)), want = (float *)malloc(m * n * sizeof(float));
    scale = (float *)malloc(m * n * sizeof(float));
    for (i = 0; i < c * (size_t)(win.in[1] * win.in[2]); i++) x[i] = rnd_float();
    for (i = 0; i < m * k; i++) w[i] = rnd_float();
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            int64_t oy = (int64_t)j / win.out[2], ox = (int64_t)j % win.out[2], ci, ky, kx;
            double sum = 0.0, mag = 0.0;
            for (ci = 0; ci < (int64_t)c; ci++)
                for (ky = 0; ky < win.kernel[1]; ky++)
                    for (kx = 0; kx < win.kernel[2]; kx++) {
                        int64_t iy = oy * win.strides[1] - win.pad_begin[1] + ky * win.dilations[1];
                        int64_t ix = ox * win.strides[2] - win.pad_begin[2] + kx * win.dilations[2];
                        double t;
                        if (iy < 0 || iy >= win.in[1] || ix < 0 || ix >= win.in[2]) continue;
                        t = (double)w[i * k + (size_t)((ci * win.kernel[1] + ky) * win.kernel[2] + kx)] *
                            x[(ci * win.in[1] + iy) * win.in[2] + ix];
                        sum += t, mag += fabs(t);
                    }
            want[i * n + j] = (float)sum;
            scale[i * n + j] = (float)mag;
        }
    memset(&job, 0, sizeof job);
    job.kt = level, job.c = got, job.ldc = n, job.a_packed = packed;
    job.src.b = x, job.src.win = &win;
    job.m = m, job.n = n, job.k = k, job.act = &pred__act_none;
    pred__gemm_pack(packed, w, k, 1, m, k);
    for (i = 0; i < m * n; i++) got[i] = 0.0f;
    run_gemm_job(&job, level->name);
    compare("gemm over windows", level->name, got, want, scale, m * n);
    free(x), free(w), free(got), free(want), free(scale);
    pred__aligned_free(packed);
}

/* A random depthwise window (odd kernels up to 7, strides 1 and 2, padding below the kernel); 0 if
 * the padded input is smaller than the kernel. */
static int random_dw_shape(pred__dw_shape *s, int round) {
    size_t pad_b, pad_r;
    s->kh = 1 + 2 * rnd_in(0, 3);
    s->kw = round % 4 ? s->kh : 1 + 2 * rnd_in(0, 3);
    s->stride = rnd_in(1, 2);
    s->h = rnd_in(1, 30);
    /* narrow maps too, where the lanes kernel runs, and rows of up to 15 vectors of 8 (7 and 14: a
     * block shape of their own) */
    s->w = rnd_in(1, round % 2 ? (round % 6 == 1 ? 124 : 70) : 12);
    s->pad_t = rnd_in(0, s->kh - 1);
    s->pad_l = rnd_in(0, s->kw - 1);
    pad_b = rnd_in(0, s->kh - 1);
    pad_r = rnd_in(0, s->kw - 1);
    if (s->h + s->pad_t + pad_b < s->kh || s->w + s->pad_l + pad_r < s->kw) return 0;
    s->oh = (s->h + s->pad_t + pad_b - s->kh) / s->stride + 1;
    s->ow = (s->w + s->pad_l + pad_r - s->kw) / s->stride + 1;
    return 1;
}

/* Random input and weights of one channel; an infinite or NaN weight at times: where its tap falls
 * in the padding, 0 * w is NaN at every level (the scalar level once skipped those taps; found by
 * tests/fuzz/fuzz_run.c). scale (oh * ow) = the sum of |terms| of each output. */
static void random_dw_channel(float *x, float *w, float bias, float *scale, const pred__dw_shape *s, int round) {
    size_t i, oy, ox, ky, kx;
    for (i = 0; i < s->h * s->w; i++) x[i] = rnd_float();
    for (i = 0; i < s->kh * s->kw; i++) w[i] = rnd_float();
    if (round % 8 == 7) w[rnd_in(0, s->kh * s->kw - 1)] = round % 16 == 7 ? INFINITY : NAN;
    for (oy = 0; oy < s->oh; oy++)
        for (ox = 0; ox < s->ow; ox++) {
            double sum = fabs(bias);
            for (ky = 0; ky < s->kh; ky++)
                for (kx = 0; kx < s->kw; kx++) {
                    size_t iy = oy * s->stride + ky, ix = ox * s->stride + kx;
                    if (iy >= s->pad_t && iy - s->pad_t < s->h && ix >= s->pad_l && ix - s->pad_l < s->w)
                        sum += fabs((double)w[ky * s->kw + kx] * x[(iy - s->pad_t) * s->w + ix - s->pad_l]);
                }
            scale[oy * s->ow + ox] = (float)sum;
        }
}

/* One channel of a depthwise convolution, at one level and at the reference. */
static void test_dwconv(const pred__kernels *level, int round) {
    pred__dw_shape s;
    size_t i, out;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    float *x, *w, *got, *want, *scale, *scratch, bias = rnd_float();
    if (!random_dw_shape(&s, round)) return;
    out = s.oh * s.ow;
    x = (float *)malloc(s.h * s.w * sizeof(float));
    w = (float *)malloc(s.kh * s.kw * sizeof(float));
    got = (float *)malloc((out + 8) * sizeof(float));
    want = (float *)malloc((out + 8) * sizeof(float));
    scale = (float *)malloc((out + 8) * sizeof(float));
    for (i = 0; i < out + 8; i++) got[i] = want[i] = CANARY, scale[i] = 0.0f;
    random_dw_channel(x, w, bias, scale, &s, round);
    scratch = (float *)malloc(pred__dw_scratch_size(&s) * sizeof(float));
    pred__kernels_for(PRED__ISA_SCALAR)->dwconv(want, x, w, bias, &s, scratch, act);
    level->dwconv(got, x, w, bias, &s, scratch, act);
    compare("dwconv", level->name, got, want, scale, out + 8);
    free(x), free(w), free(got), free(want), free(scale), free(scratch);
}

/* 1..PRED__DW_LANES channels of a depthwise convolution through a level's lanes kernel: within the bound of the
 * scalar reference, and the bits of the level's dwconv on each channel (callers take either); the
 * planes past the n channels untouched. */
static void test_dwconv_lanes(const pred__kernels *level, int round) {
    pred__dw_shape s;
    size_t i, c, n, in, out, size;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    float *x, *w, *bias, *got, *want, *same, *scale, *scratch;
    if (!level->dwconv_lanes || !random_dw_shape(&s, round)) return;
    n = rnd_in(1, PRED__DW_LANES);
    in = s.h * s.w, out = s.oh * s.ow, size = PRED__DW_LANES * out + 8;
    x = (float *)malloc(n * in * sizeof(float));
    w = (float *)malloc(n * s.kh * s.kw * sizeof(float));
    bias = (float *)malloc(n * sizeof(float));
    got = (float *)malloc(size * sizeof(float));
    want = (float *)malloc(size * sizeof(float));
    same = (float *)malloc(size * sizeof(float));
    scale = (float *)malloc(size * sizeof(float));
    for (i = 0; i < size; i++) got[i] = want[i] = same[i] = CANARY, scale[i] = 0.0f;
    scratch = (float *)malloc((pred__dw_scratch_size(&s) > pred__dw_lanes_scratch_size(&s) ? pred__dw_scratch_size(&s)
                               : pred__dw_lanes_scratch_size(&s)) * sizeof(float));
    for (c = 0; c < n; c++) {
        bias[c] = round % 5 ? rnd_float() : 0.0f; /* 0: passed as NULL below */
        random_dw_channel(x + c * in, w + c * s.kh * s.kw, bias[c], scale + c * out, &s, round + (int)c);
        pred__kernels_for(PRED__ISA_SCALAR)->dwconv(want + c * out, x + c * in, w + c * s.kh * s.kw, bias[c], &s,
                                                     scratch, act);
        level->dwconv(same + c * out, x + c * in, w + c * s.kh * s.kw, bias[c], &s, scratch, act);
    }
    level->dwconv_lanes(got, x, w, round % 5 ? bias : NULL, n, &s, scratch, act);
    compare("dwconv lanes", level->name, got, want, scale, size);
    expect_bits("dwconv lanes = dwconv bits", level->name, got, same, size);
    free(x), free(w), free(bias), free(got), free(want), free(same), free(scale), free(scratch);
}

/* gather2 takes every other float, from a source that ends at its last one read (the sanitizers
 * see an overread), and writes n floats. */
static void test_gather2(const pred__kernels *level) {
    size_t n, i;
    for (n = 1; n <= 40; n++) {
        float *src = (float *)malloc((2 * n - 1) * sizeof(float)), dst[48];
        for (i = 0; i < 2 * n - 1; i++) src[i] = rnd_float();
        for (i = 0; i < 48; i++) dst[i] = CANARY;
        level->gather2(dst, src, n);
        for (i = 0; i < 48; i++) {
            checks++;
            if (memcmp(&dst[i], i < n ? &src[2 * i] : &(float){CANARY}, sizeof(float)) != 0)
                fail("gather2", level->name, i, dst[i], i < n ? src[2 * i] : CANARY);
        }
        free(src);
    }
}

/* pool_row against the loop it stands in for, written out here: the bits of each window it
 * computes (max: v > acc ? v : acc, NaN if the window has one; average: the sum in order over count;
 * a NaN's payload and sign are the compiler's choice of operand order, as for every kernel), untouched
 * outputs past the prefix it returns, no read past any row's span (the last row ends the buffer:
 * the sanitizers see an overread), and all n windows computed where n fills a vector and the last
 * window ends within the span (stride 1 or 2). */
static void test_pool_row(const pred__kernels *level, int round) {
    size_t rows = rnd_in(1, 4), kw = rnd_in(1, 5), stride = rnd_in(1, 3), n = rnd_in(1, 40);
    /* a row holds n windows, or fewer (the span, not n, ends the prefix) */
    size_t span = round % 4 ? (n - 1) * stride + kw + rnd_in(0, 3) : rnd_in(kw, (n - 1) * stride + kw);
    size_t ldx = span + rnd_in(0, 5), i, o, r, t, done;
    int is_max = round % 2;
    float count = (float)(rows * kw + (round % 3 == 0 ? 2 : 0)); /* count_include_pad adds padding */
    float *x, y[48], want[48];
    static const float special[] = {0.0f, -0.0f, NAN, -NAN, INFINITY, -INFINITY, 1e-40f};
    if (!level->pool_row) return;
    x = (float *)malloc(((rows - 1) * ldx + span) * sizeof(float));
    for (i = 0; i < (rows - 1) * ldx + span; i++)
        x[i] = rnd() % 8 == 0 ? special[rnd() % 7] : rnd_float();
    if (round % 5 == 0) /* NaNs with payloads of their own: the window's last one is kept */
        for (i = 0; i < (rows - 1) * ldx + span; i += 7) x[i] = pred__f32_from_bits(0x7fc00000u | (uint32_t)i);
    for (i = 0; i < 48; i++) y[i] = CANARY;
    done = level->pool_row(y, x, ldx, rows, kw, stride, n, span, is_max, count);
    checks++;
    if (done > n || (stride <= 2 && n >= 8 && (n - 1) * stride + kw - 1 < span && done != n))
        fail("pool_row prefix", level->name, done, (double)done, (double)n);
    for (o = 0; o < 48; o++) {
        float acc = is_max ? -HUGE_VALF : 0.0f, nan = 0.0f;
        want[o] = CANARY;
        if (o >= done) continue;
        for (r = 0; r < rows; r++)
            for (t = 0; t < kw; t++) {
                float v = x[r * ldx + o * stride + t];
                if (is_max) {
                    acc = v > acc ? v : acc;
                    if (v != v) nan = v;
                } else {
                    acc += v;
                }
            }
        want[o] = is_max ? (nan == nan ? acc : nan) : acc / count;
    }
    expect_bits("pool_row bits", level->name, y, want, 48);
    free(x);
}

/* arith against C's operators and clamp against pred__clip1: the same bits (a NaN's payload apart,
 * where two NaNs meet), ones, zeros of both signs, infinities, NaN and subnormals among the
 * operands; a repeated operand (step 0); y in place of a; nothing written past n. */
static float rnd_operand(void) {
    static const float special[] = {0.0f, -0.0f, NAN, INFINITY, -INFINITY, 1e-40f, -1e-40f, 1.0f, 3e38f};
    return rnd() % 6 == 0 ? special[rnd() % 9] : rnd_float() * 4.0f;
}

static void test_arith(const pred__kernels *level, int round) {
    size_t n = rnd_in(1, 40), sa = round % 3 != 2, sb = round % 3 != 1, i;
    int op = round / 3 % 4, in_place = round % 7 == 0;
    float a[48], b[48], y[48], want[48];
    if (!level->arith) return;
    for (i = 0; i < 48; i++) a[i] = rnd_operand(), b[i] = rnd_operand(), y[i] = CANARY, want[i] = CANARY;
    for (i = 0; i < n; i++) {
        float u = a[i * sa], v = b[i * sb];
        want[i] = op == PRED__ARITH_ADD ? u + v : op == PRED__ARITH_SUB ? u - v : op == PRED__ARITH_MUL ? u * v : u / v;
    }
    if (in_place && sa) {
        memcpy(y, a, sizeof y);
        for (i = n; i < 48; i++) y[i] = want[i] = CANARY;
        level->arith(y, y, sa, b, sb, n, op);
    } else {
        level->arith(y, a, sa, b, sb, n, op);
    }
    expect_bits("arith", level->name, y, want, 48);
}

static void test_clamp(const pred__kernels *level, int round) {
    size_t n = rnd_in(1, 40), i;
    float lo = round % 2 ? 0.0f : -rnd_float(), hi = round % 2 ? HUGE_VALF : lo + 1.0f, x[48], y[48], want[48];
    if (!level->clamp) return;
    for (i = 0; i < 48; i++) x[i] = rnd_operand(), y[i] = want[i] = CANARY;
    for (i = 0; i < n; i++) want[i] = round % 2 ? pred__relu1(x[i]) : pred__clip1(x[i], lo, hi);
    level->clamp(y, x, n, lo, hi);
    expect_bits("clamp", level->name, y, want, 48);
}

/* A level's direct convolution (few input channels, straight from the input) on output rows
 * [oy0, oy1) of a random 2-D shape (padding, strides, kernels up to 7x7, channels past a vector):
 * within the bound of a sum in double, act applied as pred__act_apply does it, the other rows
 * untouched. */
static void test_conv_direct(const pred__kernels *level, int round) {
    pred__direct_shape s;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    size_t pb, pr, i, ch, oy, ox, ci, ky, kx, oy0, oy1, plane, size;
    float *x, *w, *bias, *got, *want, *scale, *scratch;
    if (!level->conv_direct) return;
    s.c = rnd_in(1, 4), s.m = rnd_in(1, 70), s.kh = rnd_in(1, 7), s.kw = rnd_in(1, 7);
    s.stride_y = rnd_in(1, 3), s.stride_x = rnd_in(1, 3);
    s.h = rnd_in(s.kh, 30), s.w = rnd_in(s.kw, 40);
    s.pad_t = rnd_in(0, s.kh - 1), pb = rnd_in(0, s.kh - 1), s.pad_l = rnd_in(0, s.kw - 1), pr = rnd_in(0, s.kw - 1);
    s.oh = (s.h + s.pad_t + pb - s.kh) / s.stride_y + 1, s.ow = (s.w + s.pad_l + pr - s.kw) / s.stride_x + 1;
    plane = s.oh * s.ow, size = s.m * plane;
    oy0 = rnd_in(0, s.oh - 1), oy1 = rnd_in(oy0 + 1, s.oh);
    x = (float *)malloc(s.c * s.h * s.w * sizeof(float)), w = (float *)malloc(s.m * s.c * s.kh * s.kw * sizeof(float));
    bias = (float *)malloc(s.m * sizeof(float)), got = (float *)malloc(size * sizeof(float));
    want = (float *)malloc(size * sizeof(float)), scale = (float *)malloc(size * sizeof(float));
    scratch = (float *)malloc(pred__conv_direct_scratch_size(&s) * sizeof(float));
    for (i = 0; i < s.c * s.h * s.w; i++) x[i] = rnd_float();
    for (i = 0; i < s.m * s.c * s.kh * s.kw; i++) w[i] = rnd_float();
    for (i = 0; i < s.m; i++) bias[i] = rnd_float();
    for (i = 0; i < size; i++) got[i] = want[i] = CANARY, scale[i] = 0.0f;
    for (ch = 0; ch < s.m; ch++)
        for (oy = oy0; oy < oy1; oy++)
            for (ox = 0; ox < s.ow; ox++) {
                double sum = round % 3 ? bias[ch] : 0.0, mag = fabs(sum);
                for (ci = 0; ci < s.c; ci++)
                    for (ky = 0; ky < s.kh; ky++)
                        for (kx = 0; kx < s.kw; kx++) {
                            long iy = (long)(oy * s.stride_y + ky) - (long)s.pad_t, ix = (long)(ox * s.stride_x + kx) - (long)s.pad_l;
                            double v = iy >= 0 && iy < (long)s.h && ix >= 0 && ix < (long)s.w
                                           ? (double)w[((ch * s.c + ci) * s.kh + ky) * s.kw + kx] * x[(ci * s.h + (size_t)iy) * s.w + (size_t)ix]
                                           : 0.0;
                            sum += v, mag += fabs(v);
                        }
                want[ch * plane + oy * s.ow + ox] = (float)sum;
                scale[ch * plane + oy * s.ow + ox] = (float)mag;
            }
    for (ch = 0; ch < s.m; ch++) pred__act_apply(want + ch * plane + oy0 * s.ow, (oy1 - oy0) * s.ow, act);
    level->conv_direct(got, x, w, round % 3 ? bias : NULL, &s, oy0, oy1, scratch, act);
    compare("conv direct", level->name, got, want, scale, size);
    free(x), free(w), free(bias), free(got), free(want), free(scale), free(scratch);
}

/* A level's two-strip tile gives the bits of its tile run on each strip: random rows, columns of
 * the second strip, k (odd too), bias or not, a start in c or not, every activation. */
static void test_tile2(const pred__kernels *level, int round) {
    enum { LDC = 40 };
    size_t mr = rnd_in(1, PRED__GEMM_MR), nr1 = rnd_in(1, PRED__GEMM_NR), k = rnd_in(1, 40), i;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    const int accumulate = round % 2, with_bias = round % 3 != 0;
    float a[PRED__GEMM_MR * 40], b0[PRED__GEMM_NR * 40], b1[PRED__GEMM_NR * 40], bias[PRED__GEMM_MR];
    float got[PRED__GEMM_MR * LDC], want[PRED__GEMM_MR * LDC], res[PRED__GEMM_MR * LDC];
    const float *r = round % 4 == 1 ? res : NULL; /* a residual added before act */
    if (!level->gemm_tile2) return;
    for (i = 0; i < PRED__GEMM_MR * LDC; i++) res[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_MR * k; i++) a[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_NR * k; i++) b0[i] = rnd_float(), b1[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_MR; i++) bias[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_MR * LDC; i++) got[i] = want[i] = accumulate ? rnd_float() : CANARY;
    memcpy(want, got, sizeof want);
    level->gemm_tile2(got, LDC, a, b0, b1, k, mr, nr1, with_bias ? bias : NULL, r, act, accumulate);
    level->gemm_tile(want, LDC, a, b0, k, mr, PRED__GEMM_NR, with_bias ? bias : NULL, r, act, accumulate);
    level->gemm_tile(want + PRED__GEMM_NR, LDC, a, b1, k, mr, nr1, with_bias ? bias : NULL, r ? r + PRED__GEMM_NR : NULL,
                     act, accumulate);
    for (i = 0; i < PRED__GEMM_MR * LDC; i++) {
        checks++;
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) fail("tile2 = two tiles, bits", level->name, i, got[i], want[i]);
    }
}

/* A level's tile reading b's rows in place (ldb floats apart: a pointwise Conv's input) gives the
 * bits of its tile on those rows packed into a strip: random rows, k (odd too), row pitch, a start
 * in c or not, bias or not, a residual or not, every activation. */
static void test_tile_rows(const pred__kernels *level, int round) {
    enum { LDC = PRED__GEMM_NR + 3, MAX_K = 40, MAX_LDB = PRED__GEMM_NR + 24 };
    size_t mr = rnd_in(1, PRED__GEMM_MR), k = rnd_in(1, MAX_K), ldb = rnd_in(PRED__GEMM_NR, MAX_LDB), i;
    const pred__act *act = &ACTS[(size_t)round % N_ACTS];
    const int accumulate = round % 2;
    float a[PRED__GEMM_MR * MAX_K], rows[MAX_K * MAX_LDB], strip[PRED__GEMM_NR * MAX_K], bias[PRED__GEMM_MR];
    float got[PRED__GEMM_MR * LDC], want[PRED__GEMM_MR * LDC], res[PRED__GEMM_MR * LDC];
    const float *b_or_null = round % 3 ? bias : NULL, *r = round % 4 == 1 ? res : NULL;
    if (!level->gemm_tile_rows) return;
    for (i = 0; i < PRED__GEMM_MR * k; i++) a[i] = rnd_float();
    for (i = 0; i < k * ldb; i++) rows[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_MR; i++) bias[i] = rnd_float();
    for (i = 0; i < PRED__GEMM_MR * LDC; i++) res[i] = rnd_float(), got[i] = accumulate ? rnd_float() : CANARY;
    memcpy(want, got, sizeof want);
    pred__gemm_pack_strip(strip, rows, ldb, 1, k, PRED__GEMM_NR);
    level->gemm_tile_rows(got, LDC, a, rows, ldb, k, mr, b_or_null, r, act, accumulate);
    level->gemm_tile(want, LDC, a, strip, k, mr, PRED__GEMM_NR, b_or_null, r, act, accumulate);
    for (i = 0; i < PRED__GEMM_MR * LDC; i++) {
        checks++;
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            fail("tile on rows in place = tile on a packed strip, bits", level->name, i, got[i], want[i]);
    }
}

/* 1 if the level's arithmetic flushes subnormal inputs and results to zero: armv7's NEON
 * (kernels/neon.h) */
static int flushes_subnormals(const pred__kernels *level) {
#if PRED__HAVE_NEON
    return level->isa == PRED__ISA_NEON && PRED__NEON_FLUSHES;
#else
    (void)level;
    return 0;
#endif
}

/* Relu and Clip applied in a tile's registers give the bits of pred__relu1 / pred__clip1:
 * c = bias (-0) + 1 * v is exactly v for every special v, at every level (a zero of v's sign for a
 * subnormal v where the level flushes them). */
static void test_tile_activation_bits(const pred__kernels *level) {
    static const float special[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-40f, 3.0e38f,
                                    -3.0e38f, 0.5f, -0.5f, 7.0f, -7.0f, 6.0f, 0.0f};
    const size_t n = sizeof special / sizeof special[0];
    float a[PRED__GEMM_MR] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f}, bias[PRED__GEMM_MR];
    float got[PRED__GEMM_MR * 16], want[PRED__GEMM_MR * 16];
    pred__act acts[3] = {{PRED__ACT_RELU, 0, 0}, {PRED__ACT_CLIP, 0.0f, 6.0f}, {PRED__ACT_CLIP, -0.0f, 0.0f}};
    size_t i, j, r;
    for (i = 0; i < PRED__GEMM_MR; i++) bias[i] = -0.0f;
    for (j = 0; j < 3; j++) {
        for (i = 0; i < PRED__GEMM_MR * 16; i++) got[i] = CANARY;
        level->gemm_tile(got, 16, a, special, 1, PRED__GEMM_MR, n, bias, NULL, &acts[j], 0);
        for (r = 0; r < PRED__GEMM_MR; r++) {
            for (i = 0; i < n; i++)
                want[r * 16 + i] = flushes_subnormals(level) && fpclassify(special[i]) == FP_SUBNORMAL
                                       ? copysignf(0.0f, special[i]) : special[i];
            pred__act_apply(want + r * 16, n, &acts[j]);
            for (i = 0; i < n; i++) { /* bits, not values: -0 and NaN count */
                checks++;
                if (memcmp(&got[r * 16 + i], &want[r * 16 + i], sizeof(float)) != 0 &&
                    !(isnan(got[r * 16 + i]) && isnan(want[r * 16 + i])))
                    fail("tile activation bits", level->name, r * 16 + i, got[r * 16 + i], want[r * 16 + i]);
            }
        }
    }
}

/* e^x, sigmoid and erf of a level against the scalar ones: random values over each function's range
 * within a few float ulps (relative 4e-6, or absolute 1e-7 near 0), special values exactly (subnormal
 * results as zeros where the level flushes them). */
static void test_math(const pred__kernels *level) {
    static const float special[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-40f, 88.0f, 89.5f,
                                    -87.0f, -103.0f, -110.0f, 0.5f, -0.5f, 0.49999997f, 4.0f, -9.0f, 3.0e38f};
    enum { N = 4003 };   /* not a multiple of 8: the tail too */
    static float x[N], got[N], want[N];
    const struct { const char *name; pred__map_fn level_fn, scalar_fn; float lo, hi; } fns[] = {
        {"exp", level->exp, pred__kernels_for(PRED__ISA_SCALAR)->exp, -100.0f, 88.0f},
        {"sigmoid", level->sigmoid, pred__kernels_for(PRED__ISA_SCALAR)->sigmoid, -30.0f, 30.0f},
        {"erf", level->erf, pred__kernels_for(PRED__ISA_SCALAR)->erf, -5.0f, 5.0f}};
    size_t f, i, n_special = sizeof special / sizeof special[0];
    for (f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        for (i = 0; i < N; i++)
            x[i] = i < n_special ? special[i] : fns[f].lo + (fns[f].hi - fns[f].lo) * (float)(rnd() % 1000003) / 1000003.0f;
        fns[f].level_fn(got, x, N);
        fns[f].scalar_fn(want, x, N);
        for (i = 0; i < N && flushes_subnormals(level); i++)
            if (fpclassify(want[i]) == FP_SUBNORMAL) want[i] = copysignf(0.0f, want[i]);
        for (i = 0; i < N; i++) {
            double tol = 4e-6 * fabs((double)want[i]) + 1e-7;
            checks++;
            if (i < n_special || isinf(want[i]) || want[i] == 0.0f) { /* exactly, sign of zero included */
                if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && !(isnan(got[i]) && isnan(want[i])) &&
                    !(fabs((double)got[i] - want[i]) <= tol && got[i] != 0.0f && want[i] != 0.0f))
                    fail(fns[f].name, level->name, i, got[i], want[i]);
            } else if (!(fabs((double)got[i] - want[i]) <= tol)) {
                fail(fns[f].name, level->name, i, got[i], want[i]);
            }
        }
    }
}

int main(void) {
    int isa, round;
    for (isa = 0; isa < PRED__ISA_COUNT; isa++) {
        const pred__kernels *level = pred__kernels_for((pred__isa)isa);
        if (!level) {
            printf("level %d: not on this CPU or build, skipped\n", isa);
            continue;
        }
        for (round = 0; round < 400; round++) test_gemm(level, round);
        for (round = 0; round < 400; round++) test_gemm_both_packed(level, round);
        for (round = 0; round < 400; round++) test_gemm_windows(level, round);
        for (round = 0; round < 200; round++) test_gemm_transposed(level, round);
        for (round = 0; round < 400; round++) test_dwconv(level, round);
        for (round = 0; round < 400; round++) test_dwconv_lanes(level, round);
        for (round = 0; round < 400; round++) test_tile2(level, round);
        for (round = 0; round < 400; round++) test_tile_rows(level, round);
        for (round = 0; round < 400; round++) test_conv_direct(level, round);
        test_gather2(level);
        for (round = 0; round < 2000; round++) test_pool_row(level, round);
        for (round = 0; round < 2000; round++) test_arith(level, round);
        for (round = 0; round < 1000; round++) test_clamp(level, round);
        test_tile_activation_bits(level);
        test_math(level);
        printf("level %s: tested\n", level->name);
    }
    printf("kernels_test: %d checks, %d failure(s)\n", checks, failures);
    return failures != 0;
}
