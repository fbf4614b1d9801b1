/*
 * kernels/math_wasm128.c: e^x, the sigmoid and erf, 4 floats at a time, with
 * the method of math_avx2.c (multiplies and adds in place of its FMAs):
 * within a few ulps of the scalar level; NaN stays NaN (pmin/pmax with the
 * argument order that keeps it), erf(-0) = -0.
 */
#include "wasm128.h"
#if PRED__HAVE_WASM128

#define PRED__SPLAT(v) wasm_f32x4_splat(v)
/* p * r + c, rounding twice */
#define PRED__MULADD(p, r, c) wasm_f32x4_add(wasm_f32x4_mul(p, r), PRED__SPLAT(c))

static inline v128_t pred__wasm128_exp(v128_t x) {
    v128_t n, r, p;
    v128_t k, half;
    x = wasm_f32x4_pmin(x, PRED__SPLAT(89.0f));   /* 89 < x ? 89 : x: NaN passes */
    x = wasm_f32x4_pmax(x, PRED__SPLAT(-104.0f)); /* beyond: 0 and infinity, as the scalar level */
    n = wasm_f32x4_nearest(wasm_f32x4_mul(x, PRED__SPLAT(1.44269504f)));
    /* n ln2_hi is exact (ln2_hi has 9 significant bits, |n| < 256) */
    r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, PRED__SPLAT(0.693359375f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, PRED__SPLAT(-2.12194440e-4f)));
    p = PRED__SPLAT(1.0f / 5040.0f);
    p = PRED__MULADD(p, r, 1.0f / 720.0f);
    p = PRED__MULADD(p, r, 1.0f / 120.0f);
    p = PRED__MULADD(p, r, 1.0f / 24.0f);
    p = PRED__MULADD(p, r, 1.0f / 6.0f);
    p = PRED__MULADD(p, r, 0.5f);
    p = PRED__MULADD(p, r, 1.0f);
    p = PRED__MULADD(p, r, 1.0f);
    /* 2^n = 2^(n/2) 2^(n - n/2): each factor a normal float for n in [-150, 128] */
    k = wasm_i32x4_trunc_sat_f32x4(n);
    half = wasm_i32x4_shr(k, 1);
    k = wasm_i32x4_sub(k, half);
    p = wasm_f32x4_mul(p, wasm_i32x4_shl(wasm_i32x4_add(half, wasm_i32x4_splat(127)), 23));
    return wasm_f32x4_mul(p, wasm_i32x4_shl(wasm_i32x4_add(k, wasm_i32x4_splat(127)), 23));
}

/* 1 / (1 + e^-|x|), times e^-|x| for x < 0: e^-|x| never overflows, so the tiny results of
 * very negative x come out as subnormals, not 0 */
static inline v128_t pred__wasm128_sigmoid(v128_t x) {
    const v128_t one = PRED__SPLAT(1.0f);
    v128_t e = pred__wasm128_exp(wasm_v128_or(x, PRED__SPLAT(-0.0f)));
    v128_t d = wasm_f32x4_div(one, wasm_f32x4_add(one, e));
    return wasm_v128_bitselect(wasm_f32x4_mul(e, d), d, wasm_f32x4_lt(x, PRED__SPLAT(0.0f)));
}

static inline v128_t pred__wasm128_erf(v128_t x) {
    const v128_t sign = PRED__SPLAT(-0.0f), one = PRED__SPLAT(1.0f);
    v128_t z = wasm_v128_andnot(x, sign), z2 = wasm_f32x4_mul(x, x), s, t, q, big;
    /* |x| < 0.5: 2/sqrt(pi) x sum (-x^2)^n / (n! (2n + 1)), to n = 6 */
    s = PRED__SPLAT(1.0f / 9360.0f);
    s = PRED__MULADD(s, z2, -1.0f / 1320.0f);
    s = PRED__MULADD(s, z2, 1.0f / 216.0f);
    s = PRED__MULADD(s, z2, -1.0f / 42.0f);
    s = PRED__MULADD(s, z2, 1.0f / 10.0f);
    s = PRED__MULADD(s, z2, -1.0f / 3.0f);
    s = PRED__MULADD(s, z2, 1.0f);
    s = wasm_f32x4_mul(wasm_f32x4_mul(s, x), PRED__SPLAT(1.1283791671f));
    /* |x| >= 0.5: 1 - t e^(-z^2 + P(t)), t = 1 / (1 + z / 2), with x's sign */
    t = wasm_f32x4_div(one, PRED__MULADD(z, PRED__SPLAT(0.5f), 1.0f));
    q = PRED__SPLAT(0.17087277f);
    q = PRED__MULADD(q, t, -0.82215223f);
    q = PRED__MULADD(q, t, 1.48851587f);
    q = PRED__MULADD(q, t, -1.13520398f);
    q = PRED__MULADD(q, t, 0.27886807f);
    q = PRED__MULADD(q, t, -0.18628806f);
    q = PRED__MULADD(q, t, 0.09678418f);
    q = PRED__MULADD(q, t, 0.37409196f);
    q = PRED__MULADD(q, t, 1.00002368f);
    q = PRED__MULADD(q, t, -1.26551223f);
    q = wasm_f32x4_sub(q, z2);
    big = wasm_f32x4_sub(one, wasm_f32x4_mul(t, pred__wasm128_exp(q)));
    big = wasm_v128_or(big, wasm_v128_and(sign, x));
    /* small for |x| < 0.5 and for NaN (which the series keeps) */
    return wasm_v128_bitselect(big, s, wasm_f32x4_ge(z, PRED__SPLAT(0.5f)));
}
#undef PRED__MULADD
#undef PRED__SPLAT

/* y (n,) = f(x) for f one of the functions above; the tail through a vector of 4 */
#define PRED__WASM128_MAP(name, f)                                                          \
    static void name(float *y, const float *x, size_t n) {                                  \
        size_t i;                                                                           \
        for (i = 0; i + 4 <= n; i += 4) wasm_v128_store(y + i, f(wasm_v128_load(x + i)));   \
        if (i < n) pred__wasm128_store(y + i, f(pred__wasm128_load(x + i, n - i)), n - i);  \
    }
PRED__WASM128_MAP(pred__vexp_wasm128, pred__wasm128_exp)
PRED__WASM128_MAP(pred__vsigmoid_wasm128, pred__wasm128_sigmoid)
PRED__WASM128_MAP(pred__verf_wasm128, pred__wasm128_erf)
#undef PRED__WASM128_MAP

#endif
