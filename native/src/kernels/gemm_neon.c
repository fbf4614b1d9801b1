/*
 * kernels/gemm_neon.c: the GEMM tile for NEON: 6 rows x 16 columns in 24
 * accumulators (of aarch64's 32 registers; armv7, which has 16, takes the 16
 * columns in four passes of 4), each k step multiplying the vectors of b by
 * the 6 packed values of a, taken from two registers by lane (FMLA, or
 * armv7's VMLA, by element), so a needs no broadcasts. And the stride-2
 * gather of the im2col strips.
 */
#include "neon.h"
#if PRED__HAVE_NEON

/* row, the multiply by lane for its register of a, that register, the lane */
#define PRED__GEMM_ROWS(X)                                                                                  \
    X(0, PRED__NEON_MLA_LANE4, a03, 0) X(1, PRED__NEON_MLA_LANE4, a03, 1) X(2, PRED__NEON_MLA_LANE4, a03, 2)   \
    X(3, PRED__NEON_MLA_LANE4, a03, 3) X(4, PRED__NEON_MLA_LANE2, a45, 0) X(5, PRED__NEON_MLA_LANE2, a45, 1)

/* Columns [0, 4 * vecs) of the tile (vecs 4 or 1, a constant after inlining) in c, rows ldc floats
 * apart. Rows past mr are computed from the zero padding of the packed panel and not stored. */
PRED__NEON static inline __attribute__((always_inline)) void
pred__gemm_tile_neon_cols(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                          const float *bias, const float *res, const pred__act *act, int accumulate, size_t vecs) {
    float32x4_t b0, b1, b2, b3, a03;
    float32x2_t a45;
    size_t p;
#define PRED__START(i, fma, reg, lane)                                                                       \
    float32x4_t c##i##0 = vdupq_n_f32(bias && i < mr ? bias[i] : 0.0f), c##i##1 = c##i##0, c##i##2 = c##i##0, \
                c##i##3 = c##i##0;                                                                           \
    if (accumulate && i < mr) {                                                                              \
        c##i##0 = vld1q_f32(c + i * ldc);                                                                    \
        if (vecs > 1) {                                                                                      \
            c##i##1 = vld1q_f32(c + i * ldc + 4);                                                            \
            c##i##2 = vld1q_f32(c + i * ldc + 8);                                                            \
            c##i##3 = vld1q_f32(c + i * ldc + 12);                                                           \
        }                                                                                                    \
    }
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p < k; p++, a += PRED__GEMM_MR, b += PRED__GEMM_NR) {
        b0 = vld1q_f32(b);
        b1 = vecs > 1 ? vld1q_f32(b + 4) : b0;
        b2 = vecs > 1 ? vld1q_f32(b + 8) : b0;
        b3 = vecs > 1 ? vld1q_f32(b + 12) : b0;
        a03 = vld1q_f32(a);
        a45 = vld1_f32(a + 4);
#define PRED__FMA(i, fma, reg, lane)               \
        c##i##0 = fma(c##i##0, b0, reg, lane);     \
        if (vecs > 1) {                            \
            c##i##1 = fma(c##i##1, b1, reg, lane); \
            c##i##2 = fma(c##i##2, b2, reg, lane); \
            c##i##3 = fma(c##i##3, b3, reg, lane); \
        }
        PRED__GEMM_ROWS(PRED__FMA)
#undef PRED__FMA
    }
#define PRED__STORE(i, fma, reg, lane)                                     \
    if (i < mr) {                                                          \
        if (res) {                                                         \
            c##i##0 = vaddq_f32(c##i##0, vld1q_f32(res + i * ldc));        \
            if (vecs > 1) {                                                \
                c##i##1 = vaddq_f32(c##i##1, vld1q_f32(res + i * ldc + 4));  \
                c##i##2 = vaddq_f32(c##i##2, vld1q_f32(res + i * ldc + 8));  \
                c##i##3 = vaddq_f32(c##i##3, vld1q_f32(res + i * ldc + 12)); \
            }                                                              \
        }                                                                  \
        vst1q_f32(c + i * ldc, pred__neon_act(c##i##0, act));              \
        if (vecs > 1) {                                                    \
            vst1q_f32(c + i * ldc + 4, pred__neon_act(c##i##1, act));      \
            vst1q_f32(c + i * ldc + 8, pred__neon_act(c##i##2, act));      \
            vst1q_f32(c + i * ldc + 12, pred__neon_act(c##i##3, act));     \
        }                                                                  \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
#undef PRED__GEMM_ROWS

#if !defined(__aarch64__)
/* One pass of 4 columns, out of line: one copy of the loop (inlined, the 4 passes of the 2 callers
 * below made 24 KB of code) */
PRED__NEON static __attribute__((noinline)) void
pred__gemm_tile_neon_4(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                       const float *bias, const float *res, const pred__act *act, int accumulate) {
    pred__gemm_tile_neon_cols(c, ldc, a, b, k, mr, bias, res, act, accumulate, 1);
}
#endif

/* The whole tile: 16 columns. armv7 in four passes of 4: gcc 12 kept most of 24 sums on the stack
 * at every k step, and still some of 12 in two passes of 8; a and one block of k of b
 * (PRED__GEMM_KC steps, 22 KB) stay in L1 between passes. The same arithmetic per element. */
PRED__NEON static inline __attribute__((always_inline)) void
pred__gemm_tile_neon_16(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                        const float *bias, const float *res, const pred__act *act, int accumulate) {
#if defined(__aarch64__)
    pred__gemm_tile_neon_cols(c, ldc, a, b, k, mr, bias, res, act, accumulate, 4);
#else
    size_t j;
    for (j = 0; j < PRED__GEMM_NR; j += 4)
        pred__gemm_tile_neon_4(c + j, ldc, a, b + j, k, mr, bias, res ? res + j : NULL, act, accumulate);
#endif
}

PRED__NEON static void pred__gemm_tile_neon(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                 size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate) {
    if (nr == PRED__GEMM_NR) {
        pred__gemm_tile_neon_16(c, ldc, a, b, k, mr, bias, res, act, accumulate);
    } else {
        /* a narrow tile (the last strip of a row) goes through a whole one on the stack (and its
         * residual through another): the same arithmetic per element, without masked loads and stores */
        float t[PRED__GEMM_MR * PRED__GEMM_NR] = {0.0f}, r[PRED__GEMM_MR * PRED__GEMM_NR] = {0.0f};
        size_t i;
        for (i = 0; accumulate && i < mr; i++) memcpy(t + i * PRED__GEMM_NR, c + i * ldc, nr * sizeof(float));
        for (i = 0; res && i < mr; i++) memcpy(r + i * PRED__GEMM_NR, res + i * ldc, nr * sizeof(float));
        pred__gemm_tile_neon_16(t, PRED__GEMM_NR, a, b, k, mr, bias, res ? r : NULL, act, accumulate);
        for (i = 0; i < mr; i++) memcpy(c + i * ldc, t + i * PRED__GEMM_NR, nr * sizeof(float));
    }
}

/* Blocks of 4 by a de-interleaving load of 8 floats, while that reads no further than src[2n - 2];
 * the last 1 to 4 one by one. */
PRED__NEON static void pred__gather2_neon(float *dst, const float *src, size_t n) {
    size_t i;
    for (i = 0; i + 4 < n; i += 4) vst1q_f32(dst + i, vld2q_f32(src + 2 * i).val[0]);
    for (; i < n; i++) dst[i] = src[2 * i];
}

#endif
