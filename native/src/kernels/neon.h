/*
 * kernels/neon.h: what the NEON (aarch64 Advanced SIMD) kernels share.
 *
 * Every aarch64 CPU has NEON with fused multiply-add, so these functions need
 * no target attribute and no detection. NEON has no masked loads or stores:
 * the tails of rows go through a small buffer on the stack.
 */
#ifndef PRED_KERNELS_NEON_H
#define PRED_KERNELS_NEON_H

#include "dispatch.h"
#if PRED__HAVE_NEON
#include <arm_neon.h>

/* The first n (< 4) floats at x, zeros after. */
static inline float32x4_t pred__neon_load_part(const float *x, size_t n) {
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, x, n * sizeof(float));
    return vld1q_f32(t);
}

/* y[0..n) = the first n (< 4) lanes of v. */
static inline void pred__neon_store_part(float *y, float32x4_t v, size_t n) {
    float t[4];
    vst1q_f32(t, v);
    memcpy(y, t, n * sizeof(float));
}

/* act(v) for the activations pred__act_in_tile accepts, with the arithmetic of
 * pred__relu1 and pred__clip1 lane by lane. A compare and a select, not
 * FMAX/FMIN: those return +0 for (-0, +0) and NaN where the scalar level
 * returns the bound. */
static inline float32x4_t pred__neon_act(float32x4_t v, const pred__act *act) {
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
