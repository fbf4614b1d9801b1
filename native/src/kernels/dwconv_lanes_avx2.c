/*
 * kernels/dwconv_lanes_avx2.c: depthwise convolution of 8 channels at once,
 * one per vector lane, for small maps.
 *
 * On a 7 x 7 or 14 x 14 map the per-channel kernel (dwconv_avx2.c) leaves
 * lanes idle past each short row and pads every channel alone. Here the 8
 * channels are transposed into one padded copy whose every pixel is a vector
 * of 8 channels (as NCHW8c blocked layouts hold them, e.g. onnxruntime's
 * NCHWc), every tap is one FMA per output whatever the map's width, and 8
 * outputs of a row are summed at once, transposed back in registers and
 * stored as rows of each channel. The taps are summed in the per-channel
 * kernel's order (bias, then row by row, padding taps multiplying zeros): the
 * same bits, so a caller may take either kernel for any shape.
 */
#include "avx2.h"
#include "../kernels.h"
#if PRED__HAVE_AVX2

#define PRED__DW_LANES_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* dst[j * pitch + c] = src[c * stride + j] for j < count (<= 8), c < 8: 8 values of the n channels
 * (lanes n..7 zeros), one vector of 8 channels each, `pitch` floats apart (8, or 16 for the halves of
 * the AVX-512 kernel's pixels) */
PRED__AVX2 static inline void pred__dw_lanes_transpose_in(float *dst, size_t pitch, const float *src, size_t stride,
                                                          size_t n, size_t count) {
    const __m256i mask = pred__avx2_mask(count);
    __m256 v[8];
    size_t c, j;
    /* masked loads only for a row's tail: reading whole vectors past count instead made the kernel
     * 20% slower on AMD EPYC */
    for (c = 0; c < 8; c++)
        v[c] = c >= n ? _mm256_setzero_ps()
               : count == 8 ? _mm256_loadu_ps(src + c * stride)
               : _mm256_maskload_ps(src + c * stride, mask);
    pred__avx2_transpose8(v);
    if (count == 8) { /* stored one by one: gcc turned the loop into a `rep movsq` from the stack */
#define PRED__DW_STORE(j) _mm256_storeu_ps(dst + j * pitch, v[j]);
        PRED__DW_LANES_EACH(PRED__DW_STORE)
#undef PRED__DW_STORE
        return;
    }
    for (j = 0; j < count; j++) _mm256_storeu_ps(dst + j * pitch, v[j]);
}

/* pad (rows, cols, 8) = channels [0, n) of x (n, h, w) placed at (pad_t, pad_l), zeros around
 * them and in lanes n..7 */
PRED__AVX2 static void pred__dw_lanes_pad(float *pad, const float *x, size_t n, const pred__dw_shape *s) {
    const size_t rows = pred__dw_lanes_rows(s), cols = pred__dw_lanes_cols(s);
    const size_t h = s->pad_t >= rows ? 0 : s->h < rows - s->pad_t ? s->h : rows - s->pad_t, w = s->w;
    size_t r, c;
    for (r = 0; r < rows; r++) {
        float *dst = pad + r * cols * 8;
        if (r < s->pad_t || r - s->pad_t >= h) {
            for (c = 0; c < cols; c++) _mm256_storeu_ps(dst + c * 8, _mm256_setzero_ps());
            continue;
        }
        for (c = 0; c < s->pad_l; c++) _mm256_storeu_ps(dst + c * 8, _mm256_setzero_ps());
        for (c = 0; c < w; c += 8)
            pred__dw_lanes_transpose_in(dst + (s->pad_l + c) * 8, 8, x + (r - s->pad_t) * w + c, s->h * w, n,
                                        w - c < 8 ? w - c : 8);
        for (c = s->pad_l + w; c < cols; c++) _mm256_storeu_ps(dst + c * 8, _mm256_setzero_ps());
    }
}

/* Outputs ox0..ox0+7 of row oy of the n channels: 8 sums of 8 lanes, of which the row's first
 * `count` past ox0 are its outputs. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__dw_lanes_block(float *y, const float *pad, const float *wt, __m256 bias, size_t n, const pred__dw_shape *s,
                     size_t cols, const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t ox0,
                     size_t count) {
    const float *base = pad + ((oy * k.st) * cols + ox0 * k.st) * 8;
    __m256 a[8];
    size_t ky, i;
#define PRED__DW_INIT(i) __m256 a##i = bias;
    PRED__DW_LANES_EACH(PRED__DW_INIT)
#undef PRED__DW_INIT
#define PRED__DW_FMA(i) a##i = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + i * k.st * 8), a##i);
#define PRED__DW_TAP                                                                           \
        {                                                                                      \
            const __m256 wv = _mm256_loadu_ps(wt + (ky * k.kw + kx) * 8);                      \
            const float *p = base + (ky * cols + kx) * 8;                                      \
            PRED__DW_LANES_EACH(PRED__DW_FMA)                                                  \
        }
    for (ky = 0; ky < k.kh; ky++) PRED__DW_EACH_TAP(k.kw, PRED__DW_TAP);
#undef PRED__DW_TAP
#undef PRED__DW_FMA
#define PRED__DW_GATHER(i) a[i] = in_tile ? pred__avx2_act(a##i, act) : a##i;
    PRED__DW_LANES_EACH(PRED__DW_GATHER)
#undef PRED__DW_GATHER
    pred__avx2_transpose8(a);
    /* short rows stored whole where they spill into later rows of the plane, which are stored after
     * them: masked stores are slow on AMD's CPUs (7 x 7 maps: 97 -> 69 us) */
    for (i = 0; i < n; i++) {
        float *dst = y + i * s->oh * s->ow + oy * s->ow + ox0;
        if (count == 8 || oy * s->ow + 8 <= s->oh * s->ow) _mm256_storeu_ps(dst, a[i]);
        else _mm256_maskstore_ps(dst, pred__avx2_mask(count), a[i]);
    }
}

/* Every output row, in blocks of 8 outputs; on rows wider than 8 the last block ends at the row's
 * end, overlapping the one before (it computes the same bits again). */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__dw_lanes_plane(float *y, const float *pad, const float *wt, __m256 bias, size_t n, const pred__dw_shape *s,
                     const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t cols = pred__dw_lanes_cols(s);
    size_t oy, ox;
    for (oy = 0; oy < s->oh; oy++) {
        if (s->ow <= 8) {
            pred__dw_lanes_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, 0, s->ow);
            continue;
        }
        for (ox = 0; ox + 8 < s->ow; ox += 8)
            pred__dw_lanes_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, ox, 8);
        pred__dw_lanes_block(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, s->ow - 8, 8);
    }
}

/* Channels [0, n), n <= 8. */
PRED__AVX2 static void pred__dwconv_lanes8_avx2(float *y, const float *x, const float *w, const float *bias, size_t n,
                                                const pred__dw_shape *s, float *scratch, const pred__act *act) {
    const size_t taps = s->kh * s->kw;
    const int in_tile = pred__act_in_tile(act);
    float *wt = scratch, *pad = scratch + taps * 8, b[8];
    size_t t, ch;
    __m256 bv;
    for (t = 0; t < taps; t += 8) /* the weights of tap t: a vector of the channels' */
        pred__dw_lanes_transpose_in(wt + t * 8, 8, w + t, taps, n, taps - t < 8 ? taps - t : 8);
    for (ch = 0; ch < 8; ch++) b[ch] = ch < n && bias ? bias[ch] : 0.0f;
    bv = _mm256_loadu_ps(b);
    pred__dw_lanes_pad(pad, x, n, s);
#define PRED__DW_PLANE(taps) pred__dw_lanes_plane(y, pad, wt, bv, n, s, act, in_tile, taps)
    PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    if (!in_tile)
        for (ch = 0; ch < n; ch++) pred__act_apply(y + ch * s->oh * s->ow, s->oh * s->ow, act);
}

/* The PRED__DW_LANES channels of a call, 8 at a time. */
PRED__AVX2 static void pred__dwconv_lanes_avx2(float *y, const float *x, const float *w, const float *bias,
                                               size_t n, const pred__dw_shape *s, float *scratch,
                                               const pred__act *act) {
    pred__dw_lanes_in_turns(pred__dwconv_lanes8_avx2, 8, y, x, w, bias, n, s, scratch, act);
}

#undef PRED__DW_LANES_EACH
#endif
