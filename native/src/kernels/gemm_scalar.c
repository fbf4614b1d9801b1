/*
 * kernels/gemm_scalar.c: the portable GEMM tile, the reference of the others,
 * and the stride-2 gather of the im2col strips.
 */
#include "dispatch.h"
#include "../kernels.h"

static void pred__gemm_tile_scalar(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                   size_t nr, const float *bias, const float *res, const pred__act *act,
                                   int accumulate) {
    float acc[PRED__GEMM_MR][PRED__GEMM_NR];
    size_t i, j, p;
    for (i = 0; i < mr; i++)
        for (j = 0; j < nr; j++) acc[i][j] = accumulate ? c[i * ldc + j] : bias ? bias[i] : 0.0f;
    for (p = 0; p < k; p++, a += PRED__GEMM_MR, b += PRED__GEMM_NR)
        for (i = 0; i < mr; i++)
            for (j = 0; j < nr; j++) acc[i][j] += a[i] * b[j];
    for (i = 0; i < mr; i++) {
        for (j = 0; j < nr; j++) c[i * ldc + j] = res ? acc[i][j] + res[i * ldc + j] : acc[i][j];
        if (pred__act_in_tile(act)) pred__act_apply(c + i * ldc, nr, act);
    }
}

static void pred__gather2_scalar(float *dst, const float *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) dst[i] = src[2 * i];
}
