/*
 * kernels/gemm_wasm128.c: the GEMM tile for WebAssembly SIMD128.
 *
 * The 6 x 16 tile is computed as two halves of 6 rows x 8 columns: twelve
 * accumulators, two vectors of b and a broadcast of a fit the 16 vector
 * registers of x86-64 and aarch64 engines (XNNPACK's wasmsimd GEMMs are 6x8
 * too). Each sum starts at its bias (or c) and adds a * b in k order with a
 * multiply and an add, as the scalar tile does: the same bits.
 */
#include "wasm128.h"
#if PRED__HAVE_WASM128

#define PRED__GEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* Columns [0, cols) of one half (cols <= 8): b points at the half's first column of the strip.
 * `cols` is a constant 8 after inlining for whole halves. Rows past mr are computed from the zero
 * padding of the packed panel and not stored. */
static inline __attribute__((always_inline)) void
pred__gemm_half_wasm128(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr, size_t cols,
                        const float *bias, const pred__act *act, int accumulate) {
    const size_t n0 = cols >= 4 ? 4 : cols, n1 = cols > 4 ? cols - 4 : 0;
    v128_t b0, b1, av;
    size_t p;
#define PRED__START(i)                                                                 \
    v128_t c##i##0 = wasm_f32x4_splat(bias && i < mr ? bias[i] : 0.0f), c##i##1 = c##i##0; \
    if (accumulate && i < mr) {                                                        \
        c##i##0 = pred__wasm128_load(c + i * ldc, n0);                                 \
        c##i##1 = pred__wasm128_load(c + i * ldc + 4, n1);                             \
    }
    PRED__GEMM_ROWS(PRED__START)
#undef PRED__START
    for (p = 0; p < k; p++, a += PRED__GEMM_MR, b += PRED__GEMM_NR) {
        b0 = wasm_v128_load(b);
        b1 = wasm_v128_load(b + 4);
#define PRED__MULADD(i)                                             \
        av = wasm_v128_load32_splat(a + i);                         \
        c##i##0 = wasm_f32x4_add(c##i##0, wasm_f32x4_mul(av, b0));  \
        c##i##1 = wasm_f32x4_add(c##i##1, wasm_f32x4_mul(av, b1));
        PRED__GEMM_ROWS(PRED__MULADD)
#undef PRED__MULADD
    }
#define PRED__STORE(i)                                                                      \
    if (i < mr) {                                                                           \
        pred__wasm128_store(c + i * ldc, pred__wasm128_act(c##i##0, act), n0);              \
        if (n1) pred__wasm128_store(c + i * ldc + 4, pred__wasm128_act(c##i##1, act), n1); \
    }
    PRED__GEMM_ROWS(PRED__STORE)
#undef PRED__STORE
}
#undef PRED__GEMM_ROWS

static void pred__gemm_tile_wasm128(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                    size_t nr, const float *bias, const pred__act *act, int accumulate) {
    if (nr == PRED__GEMM_NR) {
        pred__gemm_half_wasm128(c, ldc, a, b, k, mr, 8, bias, act, accumulate);
        pred__gemm_half_wasm128(c + 8, ldc, a, b + 8, k, mr, 8, bias, act, accumulate);
    } else {
        pred__gemm_half_wasm128(c, ldc, a, b, k, mr, nr < 8 ? nr : 8, bias, act, accumulate);
        if (nr > 8) pred__gemm_half_wasm128(c + 8, ldc, a, b + 8, k, mr, nr - 8, bias, act, accumulate);
    }
}

#endif
