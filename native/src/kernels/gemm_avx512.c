/*
 * kernels/gemm_avx512.c: the GEMM tiles for AVX-512: 6 rows x 16 columns, one
 * vector a row, 6 rows x two strips, and 6 rows x 8 columns in 256-bit vectors
 * for a narrow last strip; and the stride-2 gather of the im2col strips. Six sums are too few to hide the latency of the FMA (four
 * cycles on two ports wants eight in flight), so each row keeps two: one for
 * the even steps of k and one for the odd, added at the end. The odd sum
 * starts at -0, which adds nothing to any value, -0 and NaN included, so a
 * single step gives the bits of the other levels. The order is fixed by the
 * code, so the bits do not depend on the tiling or threads.
 */
#include "avx512.h"
#include "avx2.h"
#if PRED__HAVE_AVX512

#define PRED__GEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* `full`: the tile stores all 16 columns; `rows`: the rows it computes, 6, or 2 or 4 for the last
 * panel of a layer whose rows are not a multiple of 6 (16 output channels: panels of 6, 6 and 4,
 * where 6 rows each made 18 rows' products), or 1 for a panel of one row (a batch-1 Gemm, bound
 * by reading its weights); both constants after inlining. Other rows past mr are computed from
 * the zero padding of the packed panel and not stored (tile2 likewise). */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__gemm_tile_avx512_body(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr, size_t nr,
                            const float *bias, const float *res, const pred__act *act, int accumulate, int full,
                            size_t rows) {
    const __mmask16 m = pred__avx512_mask(full ? 16 : nr);
    __m512 b0, b1;
    size_t p;
#define PRED__START(i)                                                                                    \
    __m512 e##i = _mm512_set1_ps(bias && i < mr ? bias[i] : 0.0f), o##i = _mm512_set1_ps(-0.0f);            \
    if (accumulate && i < mr) e##i = full ? _mm512_loadu_ps(c + i * ldc) : _mm512_maskz_loadu_ps(m, c + i * ldc);
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p + 2 <= k; p += 2, a += 2 * PRED__GEMM_MR, b += 2 * PRED__GEMM_NR) {
        b0 = _mm512_loadu_ps(b);
        b1 = _mm512_loadu_ps(b + PRED__GEMM_NR);
#define PRED__FMA(i)                                                                   \
        if (i < rows) {                                                                \
            e##i = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, e##i);                    \
            o##i = _mm512_fmadd_ps(_mm512_set1_ps(a[PRED__GEMM_MR + i]), b1, o##i);    \
        }
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
    if (p < k) {
        b0 = _mm512_loadu_ps(b);
#define PRED__FMA(i) if (i < rows) e##i = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, e##i);
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
#define PRED__STORE(i)                                                              \
    if (i < mr) {                                                                   \
        e##i = _mm512_add_ps(e##i, o##i);                                           \
        if (res) e##i = _mm512_add_ps(e##i, full ? _mm512_loadu_ps(res + i * ldc)  \
                                                 : _mm512_maskz_loadu_ps(m, res + i * ldc)); \
        e##i = pred__avx512_act(e##i, act);                                         \
        if (full) _mm512_storeu_ps(c + i * ldc, e##i);                              \
        else _mm512_mask_storeu_ps(c + i * ldc, m, e##i);                           \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
/* Two strips side by side (columns 0..15 of b0, then nr1 of b1): each broadcast of a serves both,
 * so a step of k loads 2 + 6 / 2 vectors per 12 FMAs instead of the one-strip tile's 7 (AMD Zen 5,
 * where 512-bit FMAs run at full rate: 212 -> 249 GFLOP/s on a k = 256 tile in L1). 24 sums, each
 * made as the one-strip tile makes it: the same bits. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__gemm_tile2_avx512_body(float *c, size_t ldc, const float *a, const float *b0, const float *b1, size_t k,
                             size_t mr, size_t nr1, const float *bias, const float *res, const pred__act *act,
                             int accumulate, int full, size_t rows) {
    const __mmask16 m = pred__avx512_mask(full ? 16 : nr1);
    size_t p;
#define PRED__START(i)                                                                                     \
    __m512 e##i = _mm512_set1_ps(bias && i < mr ? bias[i] : 0.0f), o##i = _mm512_set1_ps(-0.0f), f##i = e##i, \
           q##i = o##i;                                                                                     \
    if (accumulate && i < mr) {                                                                             \
        e##i = _mm512_loadu_ps(c + i * ldc);                                                                \
        f##i = full ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_maskz_loadu_ps(m, c + i * ldc + 16);       \
    }
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p + 2 <= k; p += 2, a += 2 * PRED__GEMM_MR, b0 += 2 * PRED__GEMM_NR, b1 += 2 * PRED__GEMM_NR) {
        const __m512 x0 = _mm512_loadu_ps(b0), x1 = _mm512_loadu_ps(b0 + PRED__GEMM_NR);
        const __m512 y0 = _mm512_loadu_ps(b1), y1 = _mm512_loadu_ps(b1 + PRED__GEMM_NR);
#define PRED__FMA(i)                                                                                   \
        if (i < rows) {                                                                                \
            const __m512 s0 = _mm512_set1_ps(a[i]), s1 = _mm512_set1_ps(a[PRED__GEMM_MR + i]);        \
            e##i = _mm512_fmadd_ps(s0, x0, e##i);                                                      \
            f##i = _mm512_fmadd_ps(s0, y0, f##i);                                                      \
            o##i = _mm512_fmadd_ps(s1, x1, o##i);                                                      \
            q##i = _mm512_fmadd_ps(s1, y1, q##i);                                                      \
        }
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
    if (p < k) {
        const __m512 x0 = _mm512_loadu_ps(b0), y0 = _mm512_loadu_ps(b1);
#define PRED__FMA(i)                                                                                   \
        if (i < rows) {                                                                                \
            const __m512 s0 = _mm512_set1_ps(a[i]);                                                    \
            e##i = _mm512_fmadd_ps(s0, x0, e##i);                                                      \
            f##i = _mm512_fmadd_ps(s0, y0, f##i);                                                      \
        }
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
#define PRED__STORE(i)                                                              \
    if (i < mr) {                                                                   \
        e##i = _mm512_add_ps(e##i, o##i);                                           \
        f##i = _mm512_add_ps(f##i, q##i);                                           \
        if (res) {                                                                  \
            e##i = _mm512_add_ps(e##i, _mm512_loadu_ps(res + i * ldc));             \
            f##i = _mm512_add_ps(f##i, full ? _mm512_loadu_ps(res + i * ldc + 16)   \
                                            : _mm512_maskz_loadu_ps(m, res + i * ldc + 16)); \
        }                                                                           \
        e##i = pred__avx512_act(e##i, act);                                         \
        f##i = pred__avx512_act(f##i, act);                                         \
        _mm512_storeu_ps(c + i * ldc, e##i);                                        \
        if (full) _mm512_storeu_ps(c + i * ldc + 16, f##i);                         \
        else _mm512_mask_storeu_ps(c + i * ldc + 16, m, f##i);                      \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
/* A strip of at most 8 columns (the last of a 7 x 7 map's 49 pixels, of 14 x 14's 196) in 256-bit
 * vectors, whose FMAs take half a 512-bit one's cycles where the units are 256 bits wide (AMD Zen 4)
 * or split: each sum made as pred__gemm_tile_avx512_body makes it (its even and its odd steps of k,
 * added at the end), so the same bits. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__gemm_tile8_avx512_body(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr, size_t nr,
                             const float *bias, const float *res, const pred__act *act, int accumulate) {
    const __m256i m = pred__avx2_mask(nr);
    __m256 b0, b1;
    size_t p;
#define PRED__START(i)                                                                                    \
    __m256 e##i = _mm256_set1_ps(bias && i < mr ? bias[i] : 0.0f), o##i = _mm256_set1_ps(-0.0f);            \
    if (accumulate && i < mr) e##i = _mm256_maskload_ps(c + i * ldc, m);
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p + 2 <= k; p += 2, a += 2 * PRED__GEMM_MR, b += 2 * PRED__GEMM_NR) {
        b0 = _mm256_loadu_ps(b);
        b1 = _mm256_loadu_ps(b + PRED__GEMM_NR);
#define PRED__FMA(i)                                                                   \
        e##i = _mm256_fmadd_ps(_mm256_set1_ps(a[i]), b0, e##i);                        \
        o##i = _mm256_fmadd_ps(_mm256_set1_ps(a[PRED__GEMM_MR + i]), b1, o##i);
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
    if (p < k) {
        b0 = _mm256_loadu_ps(b);
#define PRED__FMA(i) e##i = _mm256_fmadd_ps(_mm256_set1_ps(a[i]), b0, e##i);
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
#define PRED__STORE(i)                                                              \
    if (i < mr) {                                                                   \
        e##i = _mm256_add_ps(e##i, o##i);                                           \
        if (res) e##i = _mm256_add_ps(e##i, _mm256_maskload_ps(res + i * ldc, m));  \
        e##i = pred__avx2_act(e##i, act);                                           \
        _mm256_maskstore_ps(c + i * ldc, m, e##i);                                  \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
#undef PRED__GEMM_ROWS

PRED__AVX512 static void pred__gemm_tile2_avx512(float *c, size_t ldc, const float *a, const float *b0,
                                                 const float *b1, size_t k, size_t mr, size_t nr1, const float *bias,
                                                 const float *res, const pred__act *act, int accumulate) {
#define PRED__BODY(full, rows) pred__gemm_tile2_avx512_body(c, ldc, a, b0, b1, k, mr, nr1, bias, res, act, accumulate, full, rows)
    if (nr1 == PRED__GEMM_NR && mr <= 2) PRED__BODY(1, 2);
    else if (nr1 == PRED__GEMM_NR && mr <= 4) PRED__BODY(1, 4);
    else if (nr1 == PRED__GEMM_NR) PRED__BODY(1, 6);
    else PRED__BODY(0, 6);
#undef PRED__BODY
}

PRED__AVX512 static void pred__gemm_tile_avx512(float *c, size_t ldc, const float *a, const float *b, size_t k,
                                                size_t mr, size_t nr, const float *bias, const float *res,
                                                const pred__act *act, int accumulate) {
#define PRED__BODY(full, rows) pred__gemm_tile_avx512_body(c, ldc, a, b, k, mr, nr, bias, res, act, accumulate, full, rows)
    if (nr == PRED__GEMM_NR && mr == 1) PRED__BODY(1, 1);
    else if (nr == PRED__GEMM_NR && mr == 2) PRED__BODY(1, 2);
    else if (nr == PRED__GEMM_NR && mr <= 4) PRED__BODY(1, 4);
    else if (nr == PRED__GEMM_NR) PRED__BODY(1, 6);
    else if (nr <= 8) pred__gemm_tile8_avx512_body(c, ldc, a, b, k, mr, nr, bias, res, act, accumulate);
    else PRED__BODY(0, 6);
#undef PRED__BODY
}

/* Blocks of 16: the 31 floats they read (masked: never one past src[2n - 2]) in two vectors, the
 * evens of both picked by one permute. */
PRED__AVX512 static void pred__gather2_avx512(float *dst, const float *src, size_t n) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    size_t i;
    for (i = 0; i < n; i += 16) {
        const size_t m = n - i < 16 ? n - i : 16, reads = 2 * m - 1;
        const float *from = src + 2 * i;
        const __m512 lo = _mm512_maskz_loadu_ps(pred__avx512_mask(reads < 16 ? reads : 16), from);
        const __m512 hi = reads > 16 ? _mm512_maskz_loadu_ps(pred__avx512_mask(reads - 16), from + 16)
                                     : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(dst + i, pred__avx512_mask(m), _mm512_permutex2var_ps(lo, evens, hi));
    }
}

#endif
