/*
 * kernels/gemm.c: packing and the loop over tiles of the packed GEMM.
 */
#include "gemm.h"
#include "../kernels.h"

static size_t pred__gemm_packed_size(size_t m, size_t k) {
    return (m + PRED__GEMM_MR - 1) / PRED__GEMM_MR * PRED__GEMM_MR * k;
}

static void pred__gemm_pack(float *dst, const float *a, size_t lda, size_t m, size_t k) {
    size_t i0, i, p;
    for (i0 = 0; i0 < m; i0 += PRED__GEMM_MR)
        for (p = 0; p < k; p++)
            for (i = i0; i < i0 + PRED__GEMM_MR; i++) *dst++ = i < m ? a[i * lda + p] : 0.0f;
}

/* Columns outermost: the NR columns of b a tile reads stay in cache while every
 * panel of a passes over them. */
static void pred__gemm_packed(const pred__kernels *kt, float *c, size_t ldc, const float *a_packed, const float *b,
                              size_t ldb, size_t m, size_t n, size_t k, const float *bias, const pred__act *act) {
    int in_tile = pred__act_in_tile(act);
    size_t i, j, r;
    for (j = 0; j < n; j += PRED__GEMM_NR) {
        size_t nr = n - j < PRED__GEMM_NR ? n - j : PRED__GEMM_NR;
        for (i = 0; i < m; i += PRED__GEMM_MR) {
            size_t mr = m - i < PRED__GEMM_MR ? m - i : PRED__GEMM_MR;
            float *ct = c + i * ldc + j;
            kt->gemm_tile(ct, ldc, a_packed + i * k, b + j, ldb, k, mr, nr, bias ? bias + i : NULL, act);
            for (r = 0; !in_tile && r < mr; r++) pred__act_apply(ct + r * ldc, nr, act);
        }
    }
}
