/*
 * kernels.h: compute kernels shared by several operators.
 *
 * Plain functions over raw row-major float buffers, output first. These are
 * the naive reference versions; an optimized build replaces their bodies
 * (blocking, SIMD, a CBLAS call) without touching the operators.
 */
#ifndef PRED_KERNELS_H
#define PRED_KERNELS_H

#include "common.h"
#include "ops.h"

/* C (m,n) = alpha * op(A) (m,k) @ op(B) (k,n) + beta * C
 * op(X) is X, or X transposed when trans_x; lda, ldb, ldc are the row
 * strides of A, B, C as stored. beta == 0 overwrites C without reading it. */
static void pred__sgemm(float *c, size_t ldc, const float *a, size_t lda, int trans_a,
                        const float *b, size_t ldb, int trans_b,
                        size_t m, size_t n, size_t k, float alpha, float beta);

/* e^x for float x, accurate to within 1 ulp, computed with basic IEEE
 * arithmetic only, so that it gives the same bits on every platform (libm's
 * expf differs between C libraries, e.g. glibc, musl and emscripten). */
static float pred__expf(float x);

/* The activations Conv and Gemm fuse (see pred__act), one value at a time: the
 * operators Relu, Clip, LeakyRelu and HardSigmoid / HardSwish compute with these
 * too, so fusing keeps the bits. A NaN propagates: every comparison is false. */
static float pred__relu1(float v);                          /* v < 0 ? 0 : v (-0 stays -0) */
static float pred__clip1(float v, float lo, float hi);      /* min(max(v, lo), hi) */
static float pred__leakyrelu1(float v, float alpha);        /* v < 0 ? alpha v : v */
static float pred__hardsigmoid1(float v, float alpha, float beta); /* max(0, min(1, alpha v + beta)) */

/* No activation. */
static const pred__act pred__act_none = {PRED__ACT_NONE, 0.0f, 0.0f};

/* y (n,) = act(y): the activation Conv and Gemm apply to their output (see pred__act). */
static void pred__act_apply(float *y, size_t n, const pred__act *act);
/* y (n,) += r: a residual Add fused into Conv (one rounding per value, as the Add operator). */
static void pred__add_row(float *y, const float *r, size_t n);

#endif /* PRED_KERNELS_H */
