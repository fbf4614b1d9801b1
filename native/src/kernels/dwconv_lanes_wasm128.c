/*
 * kernels/dwconv_lanes_wasm128.c: depthwise convolution of 8 channels at
 * once for WebAssembly SIMD128 (a call's PRED__DW_LANES in turns), for
 * small maps (dwconv_lanes_avx2.c's method with vectors of 4).
 *
 * The 8 channels are transposed into one padded copy whose every pixel is
 * two vectors, channels 0..3 and 4..7 (an NCHW8c layout), so every tap is a
 * multiply and an add per output whatever the map's width. Each half of the
 * channels sums 8 outputs of a row at once (8 accumulators, the weights, the
 * input and the product: 11 of the 15 registers V8 gives), transposed back
 * in registers, 4 x 4 at a time, and stored as rows of each channel. The
 * taps are summed in the per-channel kernel's order (bias, then row by row,
 * padding taps multiplying zeros): the same bits, so a caller may take
 * either kernel for any shape.
 */
#include "wasm128.h"
#include "../kernels.h"
#if PRED__HAVE_WASM128

/* r[i] lane j <-> r[j] lane i */
static inline __attribute__((always_inline)) void pred__wasm128_transpose4(v128_t *r0, v128_t *r1, v128_t *r2,
                                                                           v128_t *r3) {
    const v128_t t0 = wasm_i32x4_shuffle(*r0, *r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*r0, *r1, 2, 6, 3, 7);
    const v128_t t2 = wasm_i32x4_shuffle(*r2, *r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*r2, *r3, 2, 6, 3, 7);
    *r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
    *r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
    *r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    *r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/* pad (rows, cols, 8) = channels [0, n) of x (n, h, w) placed at (pad_t, pad_l), zeros around
 * them and in lanes n..7. Locals and named vectors, no arrays: stores may alias *s, and an array
 * indexed in a loop lives in memory. */
static void pred__dw_lanes_pad_wasm128(float *pad, const float *x, size_t n, const pred__dw_shape *s) {
    const size_t rows = pred__dw_lanes_rows(s), cols = pred__dw_lanes_cols(s), h = s->h, w = s->w;
    const size_t pad_t = s->pad_t, pad_l = s->pad_l, plane = h * w;
    const v128_t zero = wasm_f32x4_splat(0.0f);
    size_t r, c, half;
    for (r = 0; r < rows; r++) {
        float *dst = pad + r * cols * 8;
        const float *src;
        if (r < pad_t || r - pad_t >= h) {
            memset(dst, 0, cols * 8 * sizeof(float));
            continue;
        }
        src = x + (r - pad_t) * w;
        memset(dst, 0, pad_l * 8 * sizeof(float));
        for (c = 0; c < w; c += 4) /* 4 pixels of each half: its 4 channels' rows transposed */
            for (half = 0; half < 2 && half * 4 < n; half++) {
                const size_t count = w - c < 4 ? w - c : 4, ch = half * 4;
                const float *from = src + ch * plane + c;
                float *to = dst + (pad_l + c) * 8 + ch;
                v128_t v0 = pred__wasm128_load(from, count);
                v128_t v1 = ch + 1 < n ? pred__wasm128_load(from + plane, count) : zero;
                v128_t v2 = ch + 2 < n ? pred__wasm128_load(from + 2 * plane, count) : zero;
                v128_t v3 = ch + 3 < n ? pred__wasm128_load(from + 3 * plane, count) : zero;
                pred__wasm128_transpose4(&v0, &v1, &v2, &v3);
                wasm_v128_store(to, v0);
                if (count > 1) wasm_v128_store(to + 8, v1);
                if (count > 2) wasm_v128_store(to + 16, v2);
                if (count > 3) wasm_v128_store(to + 24, v3);
            }
        if (n <= 4) /* the upper half: zeros */
            for (c = pad_l; c < pad_l + w; c++) wasm_v128_store(dst + c * 8 + 4, zero);
        memset(dst + (pad_l + w) * 8, 0, (cols - pad_l - w) * 8 * sizeof(float));
    }
}

#define PRED__DW_LANES_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Outputs ox0..ox0+7 of row oy of channels [4 * half, 4 * half + 4) of the n: 8 sums of 4 lanes, of
 * which the row's first `count` past ox0 are its outputs. */
static inline __attribute__((always_inline)) void
pred__dw_lanes_block_wasm128(float *y, const float *pad, const float *wt, const float *bias, size_t n, size_t half,
                             const pred__dw_shape *s, size_t cols, const pred__act *act, int in_tile,
                             pred__dw_taps k, size_t oy, size_t ox0, size_t count) {
    const float *base = pad + ((oy * k.st) * cols + ox0 * k.st) * 8 + half * 4;
    const size_t plane = s->oh * s->ow;
    const int whole = count == 8 || oy * s->ow + ox0 + 8 <= plane;
    size_t ky;
#define PRED__DW_INIT(i) v128_t a##i = wasm_v128_load(bias + half * 4);
    PRED__DW_LANES_EACH(PRED__DW_INIT)
#undef PRED__DW_INIT
#define PRED__DW_MULADD(i) a##i = wasm_f32x4_add(a##i, wasm_f32x4_mul(wv, wasm_v128_load(p + i * k.st * 8)));
#define PRED__DW_TAP                                                                           \
        {                                                                                      \
            const v128_t wv = wasm_v128_load(wt + (ky * k.kw + kx) * 8 + half * 4);            \
            const float *p = base + (ky * cols + kx) * 8;                                      \
            PRED__DW_LANES_EACH(PRED__DW_MULADD)                                               \
        }
    for (ky = 0; ky < k.kh; ky++) PRED__DW_EACH_TAP(k.kw, PRED__DW_TAP);
#undef PRED__DW_TAP
#undef PRED__DW_MULADD
#define PRED__DW_ACT(i) if (in_tile) a##i = pred__wasm128_act(a##i, act);
    PRED__DW_LANES_EACH(PRED__DW_ACT)
#undef PRED__DW_ACT
    pred__wasm128_transpose4(&a0, &a1, &a2, &a3); /* a0..a3: outputs 0..3 of each channel */
    pred__wasm128_transpose4(&a4, &a5, &a6, &a7); /* a4..a7: outputs 4..7 */
    /* short rows stored whole where they spill into later rows of the plane, which are stored
     * after them */
#define PRED__DW_STORE(c, lo, hi)                                                               \
    if (half * 4 + c < n) {                                                                     \
        float *dst = y + (half * 4 + c) * plane + oy * s->ow + ox0;                             \
        pred__wasm128_store(dst, lo, whole ? 4 : count);                                        \
        if (whole || count > 4) pred__wasm128_store(dst + 4, hi, whole ? 4 : count - 4);        \
    }
    PRED__DW_STORE(0, a0, a4)
    PRED__DW_STORE(1, a1, a5)
    PRED__DW_STORE(2, a2, a6)
    PRED__DW_STORE(3, a3, a7)
#undef PRED__DW_STORE
}

/* Every output row, in blocks of 8 outputs; on rows wider than 8 the last block ends at the row's
 * end, overlapping the one before (it computes the same bits again). */
static inline __attribute__((always_inline)) void
pred__dw_lanes_plane_wasm128(float *y, const float *pad, const float *wt, const float *bias, size_t n,
                             const pred__dw_shape *s, const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t cols = pred__dw_lanes_cols(s), halves = n > 4 ? 2 : 1;
    size_t oy, ox, half;
    for (oy = 0; oy < s->oh; oy++)
        for (half = 0; half < halves; half++) {
            if (s->ow <= 8) {
                pred__dw_lanes_block_wasm128(y, pad, wt, bias, n, half, s, cols, act, in_tile, k, oy, 0, s->ow);
                continue;
            }
            for (ox = 0; ox + 8 < s->ow; ox += 8)
                pred__dw_lanes_block_wasm128(y, pad, wt, bias, n, half, s, cols, act, in_tile, k, oy, ox, 8);
            pred__dw_lanes_block_wasm128(y, pad, wt, bias, n, half, s, cols, act, in_tile, k, oy, s->ow - 8, 8);
        }
}

/* Channels [0, n), n <= 8. */
static void pred__dwconv_lanes8_wasm128(float *y, const float *x, const float *w, const float *bias, size_t n,
                                        const pred__dw_shape *s, float *scratch, const pred__act *act) {
    const size_t taps = s->kh * s->kw;
    const int in_tile = pred__act_in_tile(act);
    float *wt = scratch, *pad = scratch + taps * 8, b[8];
    size_t t, ch;
    for (t = 0; t < taps; t++) /* the weights of tap t: the channels' side by side */
        for (ch = 0; ch < 8; ch++) wt[t * 8 + ch] = ch < n ? w[ch * taps + t] : 0.0f;
    for (ch = 0; ch < 8; ch++) b[ch] = ch < n && bias ? bias[ch] : 0.0f;
    pred__dw_lanes_pad_wasm128(pad, x, n, s);
#define PRED__DW_PLANE(taps) pred__dw_lanes_plane_wasm128(y, pad, wt, b, n, s, act, in_tile, taps)
    PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    if (!in_tile)
        for (ch = 0; ch < n; ch++) pred__act_apply(y + ch * s->oh * s->ow, s->oh * s->ow, act);
}

/* The PRED__DW_LANES channels of a call, 8 at a time. */
static void pred__dwconv_lanes_wasm128(float *y, const float *x, const float *w, const float *bias, size_t n,
                                       const pred__dw_shape *s, float *scratch, const pred__act *act) {
    pred__dw_lanes_in_turns(pred__dwconv_lanes8_wasm128, 8, y, x, w, bias, n, s, scratch, act);
}

#undef PRED__DW_LANES_EACH
#endif
