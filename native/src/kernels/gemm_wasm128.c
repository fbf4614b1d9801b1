/*
 * kernels/gemm_wasm128.c: the GEMM tile for WebAssembly SIMD128.
 *
 * The 6 x 16 tile is computed as three passes of 2 rows x 16 columns: eight
 * accumulators, four vectors of b, a broadcast of a and the product fit in
 * the 15 vector registers V8 allocates on x86-64 (it keeps xmm15 for
 * itself). A 6 x 8 half (twelve accumulators, as XNNPACK's wasmsimd GEMMs)
 * needs 16 there, since SIMD128 has no FMA and the product takes a register:
 * V8 spilled an accumulator to the stack on every k step, and the chain
 * through that store made the tile 40% slower. Each sum starts at its bias
 * (or c) and adds a * b in k order with a multiply and an add, as the scalar
 * tile does: the same bits. And the stride-2 gather of the im2col strips.
 */
#include "wasm128.h"
#if PRED__HAVE_WASM128

#define PRED__GEMM_VECS(X) X(0) X(1) X(2) X(3)

/* Rows [0, rows) (1 or 2) and columns [0, nr) of the tile: a points at the panel's first row of
 * them. rows and nr are constants after inlining (nr: 16 for whole tiles, so the loads and stores
 * of c are plain). */
static inline __attribute__((always_inline)) void
pred__gemm_rows_wasm128(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t rows, size_t nr,
                        const float *bias, const float *res, const pred__act *act, int accumulate) {
    v128_t a0, a1, b0, b1, b2, b3;
    size_t p;
#define PRED__START(j)                                                                            \
    v128_t c0##j = wasm_f32x4_splat(bias ? bias[0] : 0.0f);                                       \
    v128_t c1##j = wasm_f32x4_splat(bias && rows > 1 ? bias[1] : 0.0f);                           \
    if (accumulate) {                                                                             \
        c0##j = pred__wasm128_load(c + j * 4, nr > j * 4 ? nr - j * 4 : 0);                       \
        if (rows > 1) c1##j = pred__wasm128_load(c + ldc + j * 4, nr > j * 4 ? nr - j * 4 : 0);   \
    }
    PRED__GEMM_VECS(PRED__START)
#undef PRED__START
    for (p = 0; p < k; p++, a += PRED__GEMM_MR, b += PRED__GEMM_NR) {
        b0 = wasm_v128_load(b);
        b1 = wasm_v128_load(b + 4);
        b2 = wasm_v128_load(b + 8);
        b3 = wasm_v128_load(b + 12);
        a0 = wasm_v128_load32_splat(a);
#define PRED__MULADD0(j) c0##j = wasm_f32x4_add(c0##j, wasm_f32x4_mul(a0, b##j));
        PRED__GEMM_VECS(PRED__MULADD0)
#undef PRED__MULADD0
        if (rows > 1) {
            a1 = wasm_v128_load32_splat(a + 1);
#define PRED__MULADD1(j) c1##j = wasm_f32x4_add(c1##j, wasm_f32x4_mul(a1, b##j));
            PRED__GEMM_VECS(PRED__MULADD1)
#undef PRED__MULADD1
        }
    }
#define PRED__STORE(j)                                                                                         \
    if (nr > j * 4) {                                                                                          \
        if (res) {                                                                                             \
            c0##j = wasm_f32x4_add(c0##j, pred__wasm128_load(res + j * 4, nr - j * 4));                        \
            if (rows > 1) c1##j = wasm_f32x4_add(c1##j, pred__wasm128_load(res + ldc + j * 4, nr - j * 4));    \
        }                                                                                                      \
        pred__wasm128_store(c + j * 4, pred__wasm128_act(c0##j, act), nr - j * 4);                             \
        if (rows > 1) pred__wasm128_store(c + ldc + j * 4, pred__wasm128_act(c1##j, act), nr - j * 4);         \
    }
    PRED__GEMM_VECS(PRED__STORE)
#undef PRED__STORE
}
#undef PRED__GEMM_VECS

static void pred__gemm_tile_wasm128(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                    size_t nr, const float *bias, const float *res, const pred__act *act,
                                    int accumulate) {
    size_t i;
    for (i = 0; i + 2 <= mr; i += 2) {
        const float *bi = bias ? bias + i : NULL, *ri = res ? res + i * ldc : NULL;
        if (nr == PRED__GEMM_NR) pred__gemm_rows_wasm128(c + i * ldc, ldc, a + i, b, k, 2, PRED__GEMM_NR, bi, ri, act, accumulate);
        else pred__gemm_rows_wasm128(c + i * ldc, ldc, a + i, b, k, 2, nr, bi, ri, act, accumulate);
    }
    if (i < mr)
        pred__gemm_rows_wasm128(c + i * ldc, ldc, a + i, b, k, 1, nr, bias ? bias + i : NULL, res ? res + i * ldc : NULL,
                                act, accumulate);
}

/* Blocks of 4: the 7 floats they read, the evens taken from two vectors; the last block loads
 * only up to src[2n - 2]. */
static void pred__gather2_wasm128(float *dst, const float *src, size_t n) {
    size_t i, m;
    v128_t lo, hi;
    for (i = 0; i + 4 < n; i += 4) /* src[2i + 7] <= src[2n - 2] */
        wasm_v128_store(dst + i, wasm_i32x4_shuffle(wasm_v128_load(src + 2 * i), wasm_v128_load(src + 2 * i + 4), 0, 2, 4, 6));
    if (i == n) return;
    m = n - i;
    lo = pred__wasm128_load(src + 2 * i, 2 * m - 1 < 4 ? 2 * m - 1 : 4);
    hi = m > 2 ? pred__wasm128_load(src + 2 * i + 4, 2 * m - 5) : wasm_f32x4_splat(0.0f);
    pred__wasm128_store(dst + i, wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), m);
}

#endif
