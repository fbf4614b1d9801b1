/*
 * kernels/math_avx2.c: e^x, the sigmoid and erf, 8 floats at a time.
 *
 * e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln(2)/2, e^r by its
 * Taylor polynomial to r^7 (truncation below 1e-8), 2^n applied in two
 * halves so that subnormal results and overflow to infinity come out right.
 * erf: its odd Taylor series below 0.5, and above, 1 - erfc with the
 * Chebyshev fit of Numerical Recipes (2nd ed., section 6.2: fractional error
 * below 1.2e-7). Within a few ulps of the scalar level; NaN stays NaN
 * (min/max take the argument order that returns it), erf(-0) = -0.
 */
#include "avx2.h"
#if PRED__HAVE_AVX2

PRED__AVX2 static inline __m256 pred__avx2_exp(__m256 x) {
    const __m256 log2e = _mm256_set1_ps(1.44269504f), ln2_hi = _mm256_set1_ps(0.693359375f),
                 ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 n, r, p;
    __m256i k, half;
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);   /* 89 < x ? 89 : x: NaN passes */
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x); /* beyond: 0 and infinity, as the scalar level */
    n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    /* 2^n = 2^(n/2) 2^(n - n/2): each factor a normal float for n in [-150, 128] */
    k = _mm256_cvtps_epi32(n);
    half = _mm256_srai_epi32(k, 1);
    k = _mm256_sub_epi32(k, half);
    p = _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23)));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23)));
}

/* 1 / (1 + e^-|x|), times e^-|x| for x < 0: e^-|x| never overflows, so the tiny results of
 * very negative x come out as subnormals, not 0 */
PRED__AVX2 static inline __m256 pred__avx2_sigmoid(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = pred__avx2_exp(_mm256_or_ps(x, _mm256_set1_ps(-0.0f))), d = _mm256_div_ps(one, _mm256_add_ps(one, e));
    return _mm256_blendv_ps(d, _mm256_mul_ps(e, d), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

PRED__AVX2 static inline __m256 pred__avx2_erf(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 z = _mm256_andnot_ps(sign, x), z2 = _mm256_mul_ps(x, x), s, t, q, big;
    /* |x| < 0.5: 2/sqrt(pi) x sum (-x^2)^n / (n! (2n + 1)), to n = 6 */
    s = _mm256_set1_ps(1.0f / 9360.0f);
    s = _mm256_fmsub_ps(s, z2, _mm256_set1_ps(1.0f / 1320.0f));
    s = _mm256_fmadd_ps(s, z2, _mm256_set1_ps(1.0f / 216.0f));
    s = _mm256_fmsub_ps(s, z2, _mm256_set1_ps(1.0f / 42.0f));
    s = _mm256_fmadd_ps(s, z2, _mm256_set1_ps(1.0f / 10.0f));
    s = _mm256_fmsub_ps(s, z2, _mm256_set1_ps(1.0f / 3.0f));
    s = _mm256_fmadd_ps(s, z2, one);
    s = _mm256_mul_ps(_mm256_mul_ps(s, x), _mm256_set1_ps(1.1283791671f));
    /* |x| >= 0.5: 1 - t e^(-z^2 + P(t)), t = 1 / (1 + z / 2), with x's sign */
    t = _mm256_div_ps(one, _mm256_fmadd_ps(z, _mm256_set1_ps(0.5f), one));
    q = _mm256_set1_ps(0.17087277f);
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-0.82215223f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.48851587f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-1.13520398f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.27886807f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-0.18628806f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.09678418f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.37409196f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.00002368f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-1.26551223f));
    q = _mm256_sub_ps(q, z2);
    big = _mm256_fnmadd_ps(t, pred__avx2_exp(q), one);
    big = _mm256_or_ps(big, _mm256_and_ps(sign, x));
    /* small for |x| < 0.5 and for NaN (which the series keeps) */
    return _mm256_blendv_ps(s, big, _mm256_cmp_ps(z, _mm256_set1_ps(0.5f), _CMP_GE_OQ));
}

/* y (n,) = f(x) for f one of the functions above; the tail through masked loads and stores */
#define PRED__AVX2_MAP(name, f)                                                        \
    PRED__AVX2 static void name(float *y, const float *x, size_t n) {                 \
        size_t i;                                                                      \
        for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i))); \
        if (i < n) {                                                                   \
            __m256i m = pred__avx2_mask(n - i);                                        \
            _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));            \
        }                                                                              \
    }
PRED__AVX2_MAP(pred__vexp_avx2, pred__avx2_exp)
PRED__AVX2_MAP(pred__vsigmoid_avx2, pred__avx2_sigmoid)
PRED__AVX2_MAP(pred__verf_avx2, pred__avx2_erf)
#undef PRED__AVX2_MAP

#endif
