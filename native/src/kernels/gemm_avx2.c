/*
 * kernels/gemm_avx2.c: the GEMM tile for AVX2+FMA: 6 rows x 16 columns in
 * twelve accumulators, each k step broadcasting 6 packed values of a against
 * two vectors of b.
 */
#include "avx2.h"
#if PRED__HAVE_AVX2

#define PRED__GEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* `full`: the tile stores all 16 columns (so the common case has plain loads
 * and stores); `rows`: the rows it computes, 6, or fewer for the last panel
 * of a layer whose rows are not a multiple of 6 (16 output channels: 18
 * rows' products for 16) or for a panel of one row (a batch-1 Gemm, bound by
 * reading its weights); `wide`: both vectors of
 * columns, or only the first for a strip of at most 8 (the last of a 7 x 7
 * map's 49 pixels: 12% of its products were zero padding); all constants
 * after inlining. `ldb`: floats from one row of b to the next (NR in a
 * packed strip, a constant then). Other rows past mr are computed from the zero padding of
 * the packed panel and not stored. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__gemm_tile_avx2_body(float *c, size_t ldc, const float *a, const float *b, size_t ldb, size_t k, size_t mr,
                          size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate,
                          int full, size_t rows, int wide) {
    const __m256i m0 = pred__avx2_mask(full || nr >= 8 ? 8 : nr), m1 = pred__avx2_mask(full ? 8 : nr > 8 ? nr - 8 : 0);
    __m256 b0, b1, av;
    size_t p;
#define PRED__START(i)                                                                                          \
    __m256 c##i##0 = _mm256_set1_ps(bias && i < mr ? bias[i] : 0.0f), c##i##1 = c##i##0;                      \
    if (accumulate && i < mr) {                                                                                 \
        c##i##0 = full ? _mm256_loadu_ps(c + i * ldc) : _mm256_maskload_ps(c + i * ldc, m0);                    \
        if (wide) c##i##1 = full ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_maskload_ps(c + i * ldc + 8, m1);  \
    }
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p < k; p++, a += PRED__GEMM_MR, b += ldb) {
        b0 = _mm256_loadu_ps(b);
        if (wide) b1 = _mm256_loadu_ps(b + 8);
#define PRED__FMA(i)                                            \
        if (i < rows) {                                         \
            av = _mm256_broadcast_ss(a + i);                    \
            c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);         \
            if (wide) c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1); \
        }
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
#define PRED__STORE(i)                                                        \
    if (i < mr) {                                                             \
        if (res) {                                                            \
            c##i##0 = _mm256_add_ps(c##i##0, full ? _mm256_loadu_ps(res + i * ldc)              \
                                                  : _mm256_maskload_ps(res + i * ldc, m0));     \
            if (wide) c##i##1 = _mm256_add_ps(c##i##1, full ? _mm256_loadu_ps(res + i * ldc + 8) \
                                                            : _mm256_maskload_ps(res + i * ldc + 8, m1)); \
        }                                                                     \
        c##i##0 = pred__avx2_act(c##i##0, act);                               \
        if (wide) c##i##1 = pred__avx2_act(c##i##1, act);                     \
        if (full) {                                                           \
            _mm256_storeu_ps(c + i * ldc, c##i##0);                           \
            _mm256_storeu_ps(c + i * ldc + 8, c##i##1);                       \
        } else {                                                              \
            _mm256_maskstore_ps(c + i * ldc, m0, c##i##0);                    \
            if (wide) _mm256_maskstore_ps(c + i * ldc + 8, m1, c##i##1);      \
        }                                                                     \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
#undef PRED__GEMM_ROWS

PRED__AVX2 static void pred__gemm_tile_avx2(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                            size_t nr, const float *bias, const float *res, const pred__act *act,
                                            int accumulate) {
#define PRED__BODY(full, rows, wide) \
    pred__gemm_tile_avx2_body(c, ldc, a, b, PRED__GEMM_NR, k, mr, nr, bias, res, act, accumulate, full, rows, wide)
    if (nr == PRED__GEMM_NR && mr == 1) PRED__BODY(1, 1, 1);
    else if (nr == PRED__GEMM_NR && mr == 2) PRED__BODY(1, 2, 1);
    else if (nr == PRED__GEMM_NR && mr <= 4) PRED__BODY(1, 4, 1);
    else if (nr == PRED__GEMM_NR) PRED__BODY(1, 6, 1);
    else if (nr > 8) PRED__BODY(0, 6, 1);
    else PRED__BODY(0, 6, 0);
#undef PRED__BODY
}

/* Its own function, not a variable stride in gemm_tile's: the packed strips' constant one keeps
 * Lite0's other 1x1 layers 1-6% faster (AMD Zen 3). */
PRED__AVX2 static void pred__gemm_tile_rows_avx2(float *c, size_t ldc, const float *a, const float *b, size_t ldb,
                                                 size_t k, size_t mr, const float *bias, const float *res,
                                                 const pred__act *act, int accumulate) {
    if (mr > 4)
        pred__gemm_tile_avx2_body(c, ldc, a, b, ldb, k, mr, PRED__GEMM_NR, bias, res, act, accumulate, 1, 6, 1);
    else pred__gemm_tile_avx2_body(c, ldc, a, b, ldb, k, mr, PRED__GEMM_NR, bias, res, act, accumulate, 1, 4, 1);
}

/* Blocks of 8: the 15 floats they read (masked: never one past src[2n - 2]), evens and odds apart,
 * the evens' 64-bit quarters put in order. */
PRED__AVX2 static void pred__gather2_avx2(float *dst, const float *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i += 8) {
        const size_t m = n - i < 8 ? n - i : 8, reads = 2 * m - 1;
        const float *from = src + 2 * i;
        __m256 lo, hi, even;
        lo = reads >= 8 ? _mm256_loadu_ps(from) : _mm256_maskload_ps(from, pred__avx2_mask(reads));
        hi = reads > 8 ? _mm256_maskload_ps(from + 8, pred__avx2_mask(reads - 8)) : _mm256_setzero_ps();
        even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xd8));
        if (m == 8) _mm256_storeu_ps(dst + i, even);
        else _mm256_maskstore_ps(dst + i, pred__avx2_mask(m), even);
    }
}

#endif
