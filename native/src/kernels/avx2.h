/*
 * kernels/avx2.h: what the AVX2+FMA kernels share.
 *
 * The functions carry a target attribute instead of the build a global
 * -mavx2, so a plain `cc -O2` build holds them and the dispatcher calls them
 * only on CPUs that have AVX2 and FMA.
 */
#ifndef PRED_KERNELS_AVX2_H
#define PRED_KERNELS_AVX2_H

#include "dispatch.h"
#if PRED__HAVE_AVX2
#include <immintrin.h>

#define PRED__AVX2 __attribute__((target("avx2,fma")))

/* The first n (0..8) lanes set, for masked loads and stores of a row's tail. */
PRED__AVX2 static inline __m256i pred__avx2_mask(size_t n) {
    static const int32_t lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(const void *)(lanes + 8 - n));
}

/* act(v) for the activations pred__act_in_tile accepts, with the arithmetic of
 * pred__relu1 and pred__clip1 lane by lane: MAXPS(a, b) computes exactly
 * a > b ? a : b, NaN and signed zeros included, and MINPS(a, b) a < b ? a : b. */
PRED__AVX2 static inline __m256 pred__avx2_act(__m256 v, const pred__act *act) {
    if (act->kind == PRED__ACT_RELU) return _mm256_max_ps(_mm256_setzero_ps(), v);         /* v < 0 ? 0 : v */
    if (act->kind == PRED__ACT_CLIP) {
        v = _mm256_max_ps(_mm256_set1_ps(act->a), v);                                         /* v < lo ? lo : v */
        return _mm256_min_ps(_mm256_set1_ps(act->b), v);                                      /* v > hi ? hi : v */
    }
    return v;
}

#endif
#endif /* PRED_KERNELS_AVX2_H */
