/*
 * kernels/avx512.h: what the AVX-512 kernels share.
 *
 * As for AVX2 (avx2.h), the functions carry a target attribute instead of the
 * build a global -mavx512f, and the dispatcher calls them only on CPUs whose
 * operating system saves the 512-bit registers.
 */
#ifndef PRED_KERNELS_AVX512_H
#define PRED_KERNELS_AVX512_H

#include "dispatch.h"
#if PRED__HAVE_AVX512
#include <immintrin.h>

#define PRED__AVX512 __attribute__((target("avx512f,avx2,fma")))

/* The first n (0..16) lanes. */
PRED__AVX512 static inline __mmask16 pred__avx512_mask(size_t n) {
    return (__mmask16)((1u << n) - 1u);
}

/* act(v) for the activations pred__act_in_tile accepts, with the arithmetic of pred__relu1 and
 * pred__clip1 lane by lane: VMAXPS(a, b) computes exactly a > b ? a : b, NaN and signed zeros
 * included, and VMINPS(a, b) a < b ? a : b (as pred__avx2_act). */
PRED__AVX512 static inline __m512 pred__avx512_act(__m512 v, const pred__act *act) {
    if (act->kind == PRED__ACT_RELU) return _mm512_max_ps(_mm512_setzero_ps(), v);
    if (act->kind == PRED__ACT_CLIP) {
        v = _mm512_max_ps(_mm512_set1_ps(act->a), v);
        return _mm512_min_ps(_mm512_set1_ps(act->b), v);
    }
    return v;
}

/* The high 8 lanes (AVX-512F only: no DQ extract). */
PRED__AVX512 static inline __m256 pred__avx512_high8(__m512 v) {
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

#endif
#endif /* PRED_KERNELS_AVX512_H */
