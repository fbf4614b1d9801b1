/*
 * kernels/arith_avx2.c: the four arithmetic operations and the clamp of Relu and Clip, 8 floats at a
 * time. IEEE arithmetic rounds each result once, and MAXPS/MINPS select as pred__clip1 does, so
 * these give the scalar level's bits.
 */
#include "avx2.h"
#if PRED__HAVE_AVX2

/* a op b lane by lane, op a PRED__ARITH_* code */
PRED__AVX2 static inline __attribute__((always_inline)) __m256 pred__avx2_arith(__m256 a, __m256 b, int op) {
    switch (op) {
    case PRED__ARITH_ADD: return _mm256_add_ps(a, b);
    case PRED__ARITH_SUB: return _mm256_sub_ps(a, b);
    case PRED__ARITH_MUL: return _mm256_mul_ps(a, b);
    default: return _mm256_div_ps(a, b);
    }
}

/* pred__arith_avx2 with its steps and op constants once inlined; the tail through masked loads and
 * stores (a masked-out lane reads nothing). */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__arith_avx2_body(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n, int op) {
    const __m256 a1 = _mm256_set1_ps(a[0]), b1 = _mm256_set1_ps(b[0]);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, pred__avx2_arith(sa ? _mm256_loadu_ps(a + i) : a1, sb ? _mm256_loadu_ps(b + i) : b1, op));
    if (i < n) {
        const __m256i m = pred__avx2_mask(n - i);
        _mm256_maskstore_ps(y + i, m, pred__avx2_arith(sa ? _mm256_maskload_ps(a + i, m) : a1,
                                                       sb ? _mm256_maskload_ps(b + i, m) : b1, op));
    }
}

#define PRED__ARITH_AVX2_STEPS(op)                                              \
    do {                                                                        \
        if (sa && sb) pred__arith_avx2_body(y, a, 1, b, 1, n, op);              \
        else if (sa) pred__arith_avx2_body(y, a, 1, b, 0, n, op);               \
        else pred__arith_avx2_body(y, a, 0, b, 1, n, op);                       \
    } while (0)

PRED__AVX2 static void pred__arith_avx2(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n,
                                        int op) {
    switch (op) {
    case PRED__ARITH_ADD: PRED__ARITH_AVX2_STEPS(PRED__ARITH_ADD); break;
    case PRED__ARITH_SUB: PRED__ARITH_AVX2_STEPS(PRED__ARITH_SUB); break;
    case PRED__ARITH_MUL: PRED__ARITH_AVX2_STEPS(PRED__ARITH_MUL); break;
    default: PRED__ARITH_AVX2_STEPS(PRED__ARITH_DIV); break;
    }
}

PRED__AVX2 static void pred__clamp_avx2(float *y, const float *x, size_t n, float lo, float hi) {
    const pred__act clip = {PRED__ACT_CLIP, lo, hi};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, pred__avx2_act(_mm256_loadu_ps(x + i), &clip));
    if (i < n) {
        const __m256i m = pred__avx2_mask(n - i);
        _mm256_maskstore_ps(y + i, m, pred__avx2_act(_mm256_maskload_ps(x + i, m), &clip));
    }
}

#endif
