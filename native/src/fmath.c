/*
 * fmath.c: the elementary functions of fmath.h.
 */
#include <float.h>
#include <math.h>
#include "fmath.h"

/* ln 2 split so that k * PRED__LN2_HI is exact for |k| < 2^20 (fdlibm's split). */
#define PRED__LN2_HI 6.93147180369123816490e-01
#define PRED__LN2_LO 1.90821492927058770002e-10

/* e^r - 1 for |r| <= ln2 / 2, by its Taylor series to r^14 (truncation below 1e-17) */
static double pred__expm1_small(double r) {
    static const double inv_fact[15] = {
        1.0, 1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0, 1.0 / 40320.0,
        1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0, 1.0 / 6227020800.0,
        1.0 / 87178291200.0};
    double p = inv_fact[14];
    int k;
    for (k = 13; k >= 1; k--) p = p * r + inv_fact[k];
    return p * r;
}

static double pred__exp_d(double x) {
    double k;
    if (x != x) return x;
    if (x > 709.78) return HUGE_VAL;
    if (x < -745.2) return 0.0;
    /* x = k ln2 + r with |r| <= ln2 / 2; e^x = 2^k e^r */
    k = floor(x * 1.4426950408889634 + 0.5);
    return ldexp(1.0 + pred__expm1_small((x - k * PRED__LN2_HI) - k * PRED__LN2_LO), (int)k);
}

static double pred__expm1_d(double x) {
    if (x > -0.34657359 && x < 0.34657359) return pred__expm1_small(x);
    return pred__exp_d(x) - 1.0;
}

static double pred__log_d(double x) {
    int e;
    double m = frexp(x, &e), s, s2, p;
    int k;
    /* x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1) */
    if (m < 0.70710678118654752) {
        m *= 2.0;
        e--;
    }
    s = (m - 1.0) / (m + 1.0);
    s2 = s * s;
    /* |s| <= 0.1716: the odd series to s^25 leaves less than 1e-19 */
    p = 1.0 / 25.0;
    for (k = 23; k >= 1; k -= 2) p = p * s2 + 1.0 / (double)k;
    return (double)e * PRED__LN2_HI + ((double)e * PRED__LN2_LO + 2.0 * s * p);
}

/* A double rounded to float, overflowing to infinity (a conversion out of
 * range would be undefined). */
static float pred__to_float(double v) {
    if (v > FLT_MAX) return HUGE_VALF;
    if (v < -FLT_MAX) return -HUGE_VALF;
    return (float)v;
}

static float pred__logf(float x) {
    if (x != x || x == HUGE_VALF) return x;
    if (x < 0.0f) return NAN;
    if (x == 0.0f) return -HUGE_VALF;
    return (float)pred__log_d(x);
}

static float pred__tanhf(float x) {
    double ax = x < 0.0f ? -(double)x : (double)x, em, t;
    if (x != x) return x;
    if (ax > 10.0) t = 1.0; /* 1 - tanh(10) is below half an ulp of 1.0f */
    else {
        em = pred__expm1_d(2.0 * ax);
        t = em / (em + 2.0);
    }
    return (float)(x < 0.0f ? -t : t);
}

static float pred__sigmoidf(float x) {
    if (x != x) return x;
    return (float)(1.0 / (1.0 + pred__exp_d(-(double)x)));
}

static float pred__erff(float x) {
    double ax = x < 0.0f ? -(double)x : (double)x, r;
    const double two_over_sqrt_pi = 1.1283791670955126, one_over_sqrt_pi = 0.5641895835477563;
    if (x != x || x == 0.0f) return x; /* NaN; erf(-0) = -0, as erf is odd */
    if (ax >= 4.0) r = 1.0; /* erfc(4) is below half an ulp of 1.0f */
    else if (ax < 2.0) {
        /* erf x = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)) */
        double x2 = ax * ax, term = ax, s = ax, t;
        int n;
        for (n = 1; n < 60; n++) {
            term *= -x2 / (double)n;
            t = term / (double)(2 * n + 1);
            s += t;
            if ((t < 0.0 ? -t : t) <= 1e-17 * s) break;
        }
        r = two_over_sqrt_pi * s;
    } else {
        /* erfc x = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))) */
        double t = ax;
        int k;
        for (k = 40; k >= 1; k--) t = ax + ((double)k / 2.0) / t;
        r = 1.0 - pred__exp_d(-ax * ax) * one_over_sqrt_pi / t;
    }
    return (float)(x < 0.0f ? -r : r);
}

/* 1 if y is an odd integer (y finite). */
static int pred__odd_integer(double y) {
    double h = y * 0.5;
    return y == floor(y) && h != floor(h);
}

static float pred__powf(float xf, float yf) {
    double x = xf, y = yf, ax = x < 0.0 ? -x : x, r;
    int odd;
    if (yf == 0.0f || xf == 1.0f) return 1.0f;
    /* x^2 (the variance of decomposed LayerNorms): the rounded square, which the path below also gives,
     * since x * x is exact in double */
    if (yf == 2.0f) return xf * xf;
    if (xf != xf || yf != yf) return xf + yf;
    odd = !isinf(y) && pred__odd_integer(y);
    if (isinf(y)) {
        if (ax == 1.0) return 1.0f;
        return (ax < 1.0) == (y < 0.0) ? HUGE_VALF : 0.0f;
    }
    if (x == 0.0 || isinf(x)) {
        /* |x| is 0 or infinity: the result is 0 or infinity, signed for an odd y */
        int big = (x == 0.0) == (y < 0.0);
        float v = big ? HUGE_VALF : 0.0f;
        return odd && signbit(xf) ? -v : v;
    }
    if (x < 0.0 && y != floor(y)) return NAN;
    r = pred__exp_d(y * pred__log_d(ax));
    return pred__to_float(x < 0.0 && odd ? -r : r);
}
