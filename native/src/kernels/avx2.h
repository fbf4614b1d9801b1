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

/* r[i] lane j <-> r[j] lane i; written out, as gcc -O2 keeps the arrays of a loop in memory */
PRED__AVX2 static inline __attribute__((always_inline)) void pred__avx2_transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

#endif
#endif /* PRED_KERNELS_AVX2_H */
