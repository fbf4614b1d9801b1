/*
 * kernels/neon.h: what the NEON (Advanced SIMD) kernels share, on aarch64
 * and on 32-bit ARM (armv7).
 *
 * Every aarch64 CPU has NEON with fused multiply-add, so there these
 * functions need no target attribute and no detection. On armv7 a build
 * without -mfpu=neon compiles them with gcc's target("fpu=neon")
 * (PRED__NEON) and the dispatcher runs them where Linux reports NEON
 * (dispatch.c). armv7's NEON lacks some of aarch64's instructions; the
 * shims below give the same kernels what it has:
 * - multiply-add: VMLA, which rounds the product and the sum (VFMA needs
 *   VFPv4, which Cortex-A8 and A9 lack), as the scalar level does;
 * - round to nearest (VRINTN is ARMv8): adding and subtracting 1.5 * 2^23;
 * - division (none): a reciprocal estimate and two Newton-Raphson steps.
 * Its arithmetic also flushes subnormal inputs and results to zero and
 * makes every NaN the default one, whatever FPSCR says (the ARMv7
 * architecture's "standard FPSCR value"), where aarch64 and the scalar level
 * keep them: PRED__NEON_FLUSHES says so (kernels_test.c allows for it).
 * NEON has no masked loads or stores: the tails of rows go through a small
 * buffer on the stack.
 */
#ifndef PRED_KERNELS_NEON_H
#define PRED_KERNELS_NEON_H

#include "dispatch.h"
#if PRED__HAVE_NEON
#include <arm_neon.h>

#if defined(__aarch64__) || defined(__ARM_NEON)
#define PRED__NEON /* the whole build has NEON */
#else
#define PRED__NEON __attribute__((target("fpu=neon")))
#endif

#if defined(__aarch64__)
#define PRED__NEON_FLUSHES 0
/* acc + a * v[lane], v a float32x4_t or (_LANE2) a float32x2_t; lane a constant */
#define PRED__NEON_MLA_LANE4(acc, a, v, lane) vfmaq_laneq_f32(acc, a, v, lane)
#define PRED__NEON_MLA_LANE2(acc, a, v, lane) vfmaq_lane_f32(acc, a, v, lane)
#else
#define PRED__NEON_FLUSHES 1
#define PRED__NEON_MLA_LANE4(acc, a, v, lane) \
    vmlaq_lane_f32(acc, a, (lane) < 2 ? vget_low_f32(v) : vget_high_f32(v), (lane) & 1)
#define PRED__NEON_MLA_LANE2(acc, a, v, lane) vmlaq_lane_f32(acc, a, v, lane)
#endif

/* acc + a * b: fused on aarch64, rounded twice on armv7 */
PRED__NEON static inline float32x4_t pred__neon_mla(float32x4_t acc, float32x4_t a, float32x4_t b) {
#if defined(__aarch64__)
    return vfmaq_f32(acc, a, b);
#else
    return vmlaq_f32(acc, a, b);
#endif
}

/* acc - a * b, likewise */
PRED__NEON static inline float32x4_t pred__neon_mls(float32x4_t acc, float32x4_t a, float32x4_t b) {
#if defined(__aarch64__)
    return vfmsq_f32(acc, a, b);
#else
    return vmlsq_f32(acc, a, b);
#endif
}

/* v rounded to the nearest whole number, ties to even; on armv7 for |v| < 2^22 */
PRED__NEON static inline float32x4_t pred__neon_round(float32x4_t v) {
#if defined(__aarch64__)
    return vrndnq_f32(v);
#else
    const float32x4_t magic = vdupq_n_f32(12582912.0f); /* 1.5 * 2^23: the sum keeps no fraction */
    return vsubq_f32(vaddq_f32(v, magic), magic);
#endif
}

/* 1 / v: correctly rounded on aarch64, within 2 ulps on armv7 (1 / inf = 0 there too) */
PRED__NEON static inline float32x4_t pred__neon_recip(float32x4_t v) {
#if defined(__aarch64__)
    return vdivq_f32(vdupq_n_f32(1.0f), v);
#else
    float32x4_t r = vrecpeq_f32(v);       /* 8 bits */
    r = vmulq_f32(r, vrecpsq_f32(v, r));  /* 16 */
    return vmulq_f32(r, vrecpsq_f32(v, r));
#endif
}

/* The first n (< 4) floats at x, zeros after. */
PRED__NEON static inline float32x4_t pred__neon_load_part(const float *x, size_t n) {
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, x, n * sizeof(float));
    return vld1q_f32(t);
}

/* y[0..n) = the first n (< 4) lanes of v. */
PRED__NEON static inline void pred__neon_store_part(float *y, float32x4_t v, size_t n) {
    float t[4];
    vst1q_f32(t, v);
    memcpy(y, t, n * sizeof(float));
}

/* y[0..n) = the first n lanes of the 8 in lo, hi */
PRED__NEON static inline void pred__neon_store8(float *y, float32x4_t lo, float32x4_t hi, size_t n) {
    if (n >= 8) {
        vst1q_f32(y, lo);
        vst1q_f32(y + 4, hi);
    } else if (n >= 4) {
        vst1q_f32(y, lo);
        if (n > 4) pred__neon_store_part(y + 4, hi, n - 4);
    } else {
        pred__neon_store_part(y, lo, n);
    }
}

/* act(v) for the activations pred__act_in_tile accepts, with the arithmetic of
 * pred__relu1 and pred__clip1 lane by lane. A compare and a select, not
 * FMAX/FMIN: those return +0 for (-0, +0) and NaN where the scalar level
 * returns the bound. */
PRED__NEON static inline float32x4_t pred__neon_act(float32x4_t v, const pred__act *act) {
    if (act->kind == PRED__ACT_RELU) {
        const float32x4_t zero = vdupq_n_f32(0.0f);
        return vbslq_f32(vcltq_f32(v, zero), zero, v);                 /* v < 0 ? 0 : v */
    }
    if (act->kind == PRED__ACT_CLIP) {
        const float32x4_t lo = vdupq_n_f32(act->a), hi = vdupq_n_f32(act->b);
        v = vbslq_f32(vcltq_f32(v, lo), lo, v);                        /* v < lo ? lo : v */
        return vbslq_f32(vcgtq_f32(v, hi), hi, v);                     /* v > hi ? hi : v */
    }
    return v;
}

#endif
#endif /* PRED_KERNELS_NEON_H */
