/*
 * kernels/dwconv_lanes_avx512.c: depthwise convolution of 16 channels at once,
 * one per lane of a 512-bit vector, for small maps.
 *
 * The AVX2 lanes kernel (dwconv_lanes_avx2.c, before this file: its transposes
 * of 8 channels serve here) with pixels of 16 channels: each tap is one FMA for
 * 16 channels of an output, which on CPUs with full-width 512-bit FMA units
 * (AMD Zen 5, Intel server cores) does twice the AVX2 kernel's work per
 * instruction. The channels go in and out through the two halves of each
 * vector, 8 by 8. Same order of the taps, so the same bits as the AVX2 and
 * per-channel kernels.
 */
#include "avx512.h"
#include "../kernels.h"
#if PRED__HAVE_AVX512

#define PRED__DW_LANES16_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* dst[j * 16 + c] = src[c * stride + j] for j < count (<= 8), c < 16 (lanes n..15 zeros) */
PRED__AVX512 static inline void pred__dw_lanes16_transpose_in(float *dst, const float *src, size_t stride, size_t n,
                                                              size_t count) {
    pred__dw_lanes_transpose_in(dst, 16, src, stride, n, count);
    pred__dw_lanes_transpose_in(dst + 8, 16, n > 8 ? src + 8 * stride : src, stride, n > 8 ? n - 8 : 0, count);
}

/* pad (rows, cols, 16) = channels [0, n) of x (n, h, w) placed at (pad_t, pad_l), zeros around
 * them and in lanes n..15 */
PRED__AVX512 static void pred__dw_lanes16_pad(float *pad, const float *x, size_t n, const pred__dw_shape *s) {
    const size_t rows = pred__dw_lanes_rows(s), cols = pred__dw_lanes_cols(s);
    const size_t h = s->pad_t >= rows ? 0 : s->h < rows - s->pad_t ? s->h : rows - s->pad_t, w = s->w;
    size_t r, c;
    for (r = 0; r < rows; r++) {
        float *dst = pad + r * cols * 16;
        if (r < s->pad_t || r - s->pad_t >= h) {
            for (c = 0; c < cols; c++) _mm512_storeu_ps(dst + c * 16, _mm512_setzero_ps());
            continue;
        }
        for (c = 0; c < s->pad_l; c++) _mm512_storeu_ps(dst + c * 16, _mm512_setzero_ps());
        for (c = 0; c < w; c += 8)
            pred__dw_lanes16_transpose_in(dst + (s->pad_l + c) * 16, x + (r - s->pad_t) * w + c, s->h * w, n,
                                          w - c < 8 ? w - c : 8);
        for (c = s->pad_l + w; c < cols; c++) _mm512_storeu_ps(dst + c * 16, _mm512_setzero_ps());
    }
}

/* Outputs ox0..ox0+7 of row oy of the n channels: 8 sums of 16 lanes, of which the row's first
 * `count` past ox0 are its outputs. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_lanes16_block(float *y, const float *pad, const float *wt, __m512 bias, size_t n, const pred__dw_shape *s,
                       size_t cols, const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t ox0,
                       size_t count) {
    const float *base = pad + ((oy * k.st) * cols + ox0 * k.st) * 16;
    __m256 lo[8], hi[8];
    size_t ky, i;
#define PRED__DW_INIT(i) __m512 a##i = bias;
    PRED__DW_LANES16_EACH(PRED__DW_INIT)
#undef PRED__DW_INIT
#define PRED__DW_FMA(i) a##i = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + i * k.st * 16), a##i);
#define PRED__DW_TAP                                                                           \
        {                                                                                      \
            const __m512 wv = _mm512_loadu_ps(wt + (ky * k.kw + kx) * 16);                     \
            const float *p = base + (ky * cols + kx) * 16;                                     \
            PRED__DW_LANES16_EACH(PRED__DW_FMA)                                                \
        }
    for (ky = 0; ky < k.kh; ky++) PRED__DW_EACH_TAP(k.kw, PRED__DW_TAP);
#undef PRED__DW_TAP
#undef PRED__DW_FMA
#define PRED__DW_HALVES(i)                                       \
    if (in_tile) a##i = pred__avx512_act(a##i, act);             \
    lo[i] = _mm512_castps512_ps256(a##i);                        \
    hi[i] = pred__avx512_high8(a##i);
    PRED__DW_LANES16_EACH(PRED__DW_HALVES)
#undef PRED__DW_HALVES
    pred__avx2_transpose8(lo);
    pred__avx2_transpose8(hi);
    /* stored as the AVX2 kernel stores them (whole where the spill stays in the plane) */
    for (i = 0; i < n; i++) {
        float *dst = y + i * s->oh * s->ow + oy * s->ow + ox0;
        const __m256 v = i < 8 ? lo[i] : hi[i - 8];
        if (count == 8 || oy * s->ow + 8 <= s->oh * s->ow) _mm256_storeu_ps(dst, v);
        else _mm256_maskstore_ps(dst, pred__avx2_mask(count), v);
    }
}

/* Every output row, in blocks of 8 outputs, the last block of a wider row ending at its end. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_lanes16_plane(float *y, const float *pad, const float *wt, __m512 bias, size_t n, const pred__dw_shape *s,
                       const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t cols = pred__dw_lanes_cols(s);
    size_t oy, ox;
    for (oy = 0; oy < s->oh; oy++) {
        if (s->ow <= 8) {
            pred__dw_lanes16_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, 0, s->ow);
            continue;
        }
        for (ox = 0; ox + 8 < s->ow; ox += 8)
            pred__dw_lanes16_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, ox, 8);
        pred__dw_lanes16_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, s->ow - 8, 8);
    }
}

PRED__AVX512 static void pred__dwconv_lanes_avx512(float *y, const float *x, const float *w, const float *bias,
                                                   size_t n, const pred__dw_shape *s, float *scratch,
                                                   const pred__act *act) {
    const size_t taps = s->kh * s->kw;
    const int in_tile = pred__act_in_tile(act);
    float *wt = scratch, *pad = scratch + taps * 16, b[16];
    size_t t, ch;
    __m512 bv;
    for (t = 0; t < taps; t += 8) /* the weights of tap t: a vector of the channels' */
        pred__dw_lanes16_transpose_in(wt + t * 16, w + t, taps, n, taps - t < 8 ? taps - t : 8);
    for (ch = 0; ch < 16; ch++) b[ch] = ch < n && bias ? bias[ch] : 0.0f;
    bv = _mm512_loadu_ps(b);
    pred__dw_lanes16_pad(pad, x, n, s);
#define PRED__DW_PLANE(taps) pred__dw_lanes16_plane(y, pad, wt, bv, n, s, act, in_tile, taps)
    PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    if (!in_tile)
        for (ch = 0; ch < n; ch++) pred__act_apply(y + ch * s->oh * s->ow, s->oh * s->ow, act);
}

#undef PRED__DW_LANES16_EACH
#endif
