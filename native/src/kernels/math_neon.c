/*
 * kernels/math_neon.c: e^x, the sigmoid and erf, 4 floats at a time, with the
 * method and constants of math_avx2.c (see there): within a few ulps of the
 * scalar level; NaN stays NaN (FMIN/FMAX return it), erf(-0) = -0.
 */
#include "neon.h"
#if PRED__HAVE_NEON

PRED__NEON static inline float32x4_t pred__neon_exp(float32x4_t x) {
    const float32x4_t ln2_hi = vdupq_n_f32(0.693359375f), ln2_lo = vdupq_n_f32(-2.12194440e-4f);
    float32x4_t n, r, p;
    int32x4_t k, half;
    x = vminq_f32(x, vdupq_n_f32(89.0f));
    x = vmaxq_f32(x, vdupq_n_f32(-104.0f)); /* beyond: 0 and infinity, as the scalar level */
    n = pred__neon_round(vmulq_n_f32(x, 1.44269504f));
    r = pred__neon_mls(x, n, ln2_hi);
    r = pred__neon_mls(r, n, ln2_lo);
    p = vdupq_n_f32(1.0f / 5040.0f);
    p = pred__neon_mla(vdupq_n_f32(1.0f / 720.0f), p, r);
    p = pred__neon_mla(vdupq_n_f32(1.0f / 120.0f), p, r);
    p = pred__neon_mla(vdupq_n_f32(1.0f / 24.0f), p, r);
    p = pred__neon_mla(vdupq_n_f32(1.0f / 6.0f), p, r);
    p = pred__neon_mla(vdupq_n_f32(0.5f), p, r);
    p = pred__neon_mla(vdupq_n_f32(1.0f), p, r);
    p = pred__neon_mla(vdupq_n_f32(1.0f), p, r);
    /* 2^n = 2^(n/2) 2^(n - n/2): each factor a normal float for n in [-150, 128]; n is whole (or
     * NaN, which converts to 0 and leaves p NaN) */
    k = vcvtq_s32_f32(n);
    half = vshrq_n_s32(k, 1);
    k = vsubq_s32(k, half);
    p = vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(half, vdupq_n_s32(127)), 23)));
    return vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23)));
}

/* 1 / (1 + e^-|x|), times e^-|x| for x < 0 (see math_avx2.c) */
PRED__NEON static inline float32x4_t pred__neon_sigmoid(float32x4_t x) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t e = pred__neon_exp(vnegq_f32(vabsq_f32(x))), d = pred__neon_recip(vaddq_f32(one, e));
    return vbslq_f32(vcltq_f32(x, vdupq_n_f32(0.0f)), vmulq_f32(e, d), d);
}

PRED__NEON static inline float32x4_t pred__neon_erf(float32x4_t x) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    float32x4_t z = vabsq_f32(x), z2 = vmulq_f32(x, x), s, t, q, big;
    uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
    /* |x| < 0.5: 2/sqrt(pi) x sum (-x^2)^n / (n! (2n + 1)), to n = 6 */
    s = vdupq_n_f32(1.0f / 9360.0f);
    s = pred__neon_mla(vdupq_n_f32(-1.0f / 1320.0f), s, z2);
    s = pred__neon_mla(vdupq_n_f32(1.0f / 216.0f), s, z2);
    s = pred__neon_mla(vdupq_n_f32(-1.0f / 42.0f), s, z2);
    s = pred__neon_mla(vdupq_n_f32(1.0f / 10.0f), s, z2);
    s = pred__neon_mla(vdupq_n_f32(-1.0f / 3.0f), s, z2);
    s = pred__neon_mla(one, s, z2);
    s = vmulq_f32(vmulq_f32(s, x), vdupq_n_f32(1.1283791671f));
    /* |x| >= 0.5: 1 - t e^(-z^2 + P(t)), t = 1 / (1 + z / 2), with x's sign */
    t = pred__neon_recip(pred__neon_mla(one, z, vdupq_n_f32(0.5f)));
    q = vdupq_n_f32(0.17087277f);
    q = pred__neon_mla(vdupq_n_f32(-0.82215223f), q, t);
    q = pred__neon_mla(vdupq_n_f32(1.48851587f), q, t);
    q = pred__neon_mla(vdupq_n_f32(-1.13520398f), q, t);
    q = pred__neon_mla(vdupq_n_f32(0.27886807f), q, t);
    q = pred__neon_mla(vdupq_n_f32(-0.18628806f), q, t);
    q = pred__neon_mla(vdupq_n_f32(0.09678418f), q, t);
    q = pred__neon_mla(vdupq_n_f32(0.37409196f), q, t);
    q = pred__neon_mla(vdupq_n_f32(1.00002368f), q, t);
    q = pred__neon_mla(vdupq_n_f32(-1.26551223f), q, t);
    q = vsubq_f32(q, z2);
    big = pred__neon_mls(one, t, pred__neon_exp(q));
    big = vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(big), sign));
    /* small for |x| < 0.5 and for NaN (which the series keeps) */
    return vbslq_f32(vcgeq_f32(z, vdupq_n_f32(0.5f)), big, s);
}

/* y (n,) = f(x) for f one of the functions above; the tail through pred__neon_load_part */
#define PRED__NEON_MAP(name, f)                                                   \
    PRED__NEON static void name(float *y, const float *x, size_t n) {                       \
        size_t i;                                                                 \
        for (i = 0; i + 4 <= n; i += 4) vst1q_f32(y + i, f(vld1q_f32(x + i)));    \
        if (i < n) pred__neon_store_part(y + i, f(pred__neon_load_part(x + i, n - i)), n - i); \
    }
PRED__NEON_MAP(pred__vexp_neon, pred__neon_exp)
PRED__NEON_MAP(pred__vsigmoid_neon, pred__neon_sigmoid)
PRED__NEON_MAP(pred__verf_neon, pred__neon_erf)
#undef PRED__NEON_MAP

#endif
