/*
 * kernels.c: the naive reference kernels of kernels.h.
 */
#include <float.h>
#include <math.h>
#include "kernels.h"
#include "fmath.h"
#include "kernels/dispatch.h"

static void pred__sgemm(float *c, size_t ldc, const float *a, size_t lda, int trans_a,
                        const float *b, size_t ldb, int trans_b,
                        size_t m, size_t n, size_t k, float alpha, float beta) {
    size_t i, j, p;
    for (i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            for (j = 0; j < n; j++) ci[j] = 0.0f;
        else if (beta != 1.0f)
            for (j = 0; j < n; j++) ci[j] *= beta;
        if (!trans_b) {
            /* row i of C += alpha * A(i,p) * row p of B */
            for (p = 0; p < k; p++) {
                float av = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
                const float *bp = b + p * ldb;
                for (j = 0; j < n; j++) ci[j] += av * bp[j];
            }
        } else {
            /* C(i,j) += alpha * dot(row i of op(A), row j of B) */
            for (j = 0; j < n; j++) {
                const float *bj = b + j * ldb;
                float s = 0.0f;
                if (trans_a)
                    for (p = 0; p < k; p++) s += a[p * lda + i] * bj[p];
                else
                    for (p = 0; p < k; p++) s += a[i * lda + p] * bj[p];
                ci[j] += alpha * s;
            }
        }
    }
}

static float pred__expf(float xf) {
    double x = xf, k, r, p;
    if (xf != xf) return xf;                  /* NaN */
    if (xf > 89.0f) return HUGE_VALF;         /* above log(FLT_MAX) */
    if (xf < -104.0f) return 0.0f;            /* below half the smallest subnormal */
    /* x = k ln2 + r, |r| <= ln2 / 2; e^x = 2^k e^r. The split constant makes
     * k * ln2_hi exact, so r carries no cancellation error. */
    k = floor(x * 1.4426950408889634 + 0.5);
    r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
    /* e^r by its Taylor series to r^11: truncation error below 1e-15 */
    p = 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    p = ldexp(p, (int)k);
    return p > FLT_MAX ? HUGE_VALF : (float)p;
}

static float pred__relu1(float v) {
#if defined(__wasm__)
    /* clang's WebAssembly backend makes f32.max of the select below, and
     * f32.max(-0, 0) is +0: test the bits (negative, nonzero, not NaN) instead */
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u > 0x80000000u && u <= 0xff800000u ? 0.0f : v;
#else
    return v < 0.0f ? 0.0f : v;
#endif
}

static float pred__clip1(float v, float lo, float hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

static float pred__leakyrelu1(float v, float alpha) { return v < 0.0f ? alpha * v : v; }

static float pred__hardsigmoid1(float v, float alpha, float beta) {
    float s = alpha * v + beta;
    s = pred__relu1(s);
#if defined(__wasm__)
    /* clang makes f32.min of the select below, and a NaN comes out of it with a sign of its own
     * (V8 on x86-64: always -NaN): test the bits (above 1, up to +Inf) so that a NaN passes as it is */
    {
        uint32_t u;
        memcpy(&u, &s, sizeof u);
        return u > 0x3f800000u && u <= 0x7f800000u ? 1.0f : s;
    }
#else
    return s > 1.0f ? 1.0f : s;
#endif
}

static void pred__add_row(float *y, const float *r, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] += r[i];
}

static void pred__act_apply(float *y, size_t n, const pred__act *act) {
    size_t i;
    switch (act->kind) { /* the arithmetic of the operators (op_activation.c), so fusing keeps the bits */
    case PRED__ACT_RELU:
        for (i = 0; i < n; i++) y[i] = pred__relu1(y[i]);
        break;
    case PRED__ACT_CLIP:
        for (i = 0; i < n; i++) y[i] = pred__clip1(y[i], act->a, act->b);
        break;
    case PRED__ACT_LEAKYRELU:
        for (i = 0; i < n; i++) y[i] = pred__leakyrelu1(y[i], act->a);
        break;
    case PRED__ACT_SIGMOID: /* as the Sigmoid op computes it, at this level */
        pred__kernels_get()->sigmoid(y, y, n);
        break;
    case PRED__ACT_HARDSWISH:
        for (i = 0; i < n; i++) y[i] = y[i] * pred__hardsigmoid1(y[i], act->a, act->b);
        break;
    default:
        break;
    }
}
