/*
 * kernels/wasm128.h: what the WebAssembly SIMD128 kernels share.
 *
 * WebAssembly has no CPU detection: a module built with -msimd128 runs only
 * on engines that have SIMD128, so the level is there whenever it is
 * compiled in. SIMD128 has no FMA (relaxed SIMD adds one), so these kernels
 * multiply and add, rounding twice as the scalar level does.
 */
#ifndef PRED_KERNELS_WASM128_H
#define PRED_KERNELS_WASM128_H

#include "dispatch.h"
#if PRED__HAVE_WASM128
#include <wasm_simd128.h>

/* The first n (0..4) lanes of y[0..4) from v; whole vectors with one store. */
static inline void pred__wasm128_store(float *y, v128_t v, size_t n) {
    float lanes[4];
    if (n >= 4) {
        wasm_v128_store(y, v);
        return;
    }
    wasm_v128_store(lanes, v);
    memcpy(y, lanes, n * sizeof(float));
}

/* x[0..n) (n <= 4) in the first lanes, zeros after. */
static inline v128_t pred__wasm128_load(const float *x, size_t n) {
    float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (n >= 4) return wasm_v128_load(x);
    memcpy(lanes, x, n * sizeof(float));
    return wasm_v128_load(lanes);
}

/* act(v) for the activations pred__act_in_tile accepts, with the arithmetic of
 * pred__relu1 and pred__clip1 lane by lane: pmax(a, b) is exactly a < b ? b : a,
 * NaN and signed zeros included, and pmin(a, b) b < a ? b : a (f32x4.max and
 * f32x4.min would turn -0 into +0 and rewrite NaNs). */
static inline v128_t pred__wasm128_act(v128_t v, const pred__act *act) {
    if (act->kind == PRED__ACT_RELU) return wasm_f32x4_pmax(v, wasm_f32x4_splat(0.0f)); /* v < 0 ? 0 : v */
    if (act->kind == PRED__ACT_CLIP) {
        v = wasm_f32x4_pmax(v, wasm_f32x4_splat(act->a));                                /* v < lo ? lo : v */
        return wasm_f32x4_pmin(v, wasm_f32x4_splat(act->b));                             /* hi < v ? hi : v */
    }
    return v;
}

#endif
#endif /* PRED_KERNELS_WASM128_H */
