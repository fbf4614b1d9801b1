/*
 * kernels/pool_avx2.c: a row of max or average pooling windows, 8 at a time.
 */
#include "avx2.h"
#if PRED__HAVE_AVX2

/* Tap t of 8 windows side by side, stride 1 or 2 apart: p[0], p[stride], ... p[7 * stride]. */
PRED__AVX2 static inline __m256 pred__avx2_pool_taps(const float *p, size_t stride) {
    __m256 lo, hi;
    if (stride == 1) return _mm256_loadu_ps(p);
    /* the even floats of p[0 .. 14]: [p0 p2 p8 p10 | p4 p6 p12 p14] from p[0 .. 7] and p[7 .. 14], then
     * the middle 64-bit pairs swapped (no float read past p[14]) */
    lo = _mm256_loadu_ps(p);
    hi = _mm256_loadu_ps(p + 7);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xd8)), 0xd8));
}

/* The body of pred__pool_row_avx2, with is_max and stride constants once inlined. */
PRED__AVX2 static inline __attribute__((always_inline)) size_t
pred__pool_row_avx2_body(float *y, const float *x, size_t ldx, size_t rows, size_t kw, size_t stride, size_t n,
                         size_t span, int is_max, float count) {
    size_t o = 0, at, r, t;
    __m256 acc, nan;
    while (o < n && n >= 8) {
        at = o + 8 <= n ? o : n - 8; /* a last vector overlaps the one before: the same values again */
        if ((at + 7) * stride + kw - 1 >= span) break;
        acc = _mm256_set1_ps(is_max ? -HUGE_VALF : 0.0f);
        nan = _mm256_setzero_ps();
        for (r = 0; r < rows; r++) {
            const float *p = x + r * ldx + at * stride;
            for (t = 0; t < kw; t++) {
                const __m256 v = pred__avx2_pool_taps(p + t, stride);
                if (is_max) {
                    acc = _mm256_max_ps(v, acc); /* v > acc ? v : acc, the scalar loop's select */
                    nan = _mm256_blendv_ps(nan, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); /* the last NaN */
                } else {
                    acc = _mm256_add_ps(acc, v);
                }
            }
        }
        if (is_max) acc = _mm256_blendv_ps(acc, nan, _mm256_cmp_ps(nan, nan, _CMP_UNORD_Q));
        else acc = _mm256_div_ps(acc, _mm256_set1_ps(count));
        _mm256_storeu_ps(y + at, acc);
        o = at + 8;
    }
    return o;
}

PRED__AVX2 static size_t pred__pool_row_avx2(float *y, const float *x, size_t ldx, size_t rows, size_t kw,
                                             size_t stride, size_t n, size_t span, int is_max, float count) {
    if (stride == 1) {
        if (is_max) return pred__pool_row_avx2_body(y, x, ldx, rows, kw, 1, n, span, 1, count);
        return pred__pool_row_avx2_body(y, x, ldx, rows, kw, 1, n, span, 0, count);
    }
    if (stride == 2) {
        if (is_max) return pred__pool_row_avx2_body(y, x, ldx, rows, kw, 2, n, span, 1, count);
        return pred__pool_row_avx2_body(y, x, ldx, rows, kw, 2, n, span, 0, count);
    }
    return 0;
}

#endif
