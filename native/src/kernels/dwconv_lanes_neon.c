/*
 * kernels/dwconv_lanes_neon.c: depthwise convolution of 4 channels at once,
 * one per vector lane, for small maps.
 *
 * The plan of dwconv_lanes_avx2.c (see there) in NEON's 4 lanes: the 4
 * channels transposed into one padded copy whose every pixel is a vector of
 * the channels, every tap one multiply-add per output, 8 outputs of a row
 * summed at once in 8 registers, transposed back by 4 x 4 and stored as rows
 * of each channel. The taps are summed in dwconv_neon.c's order (bias, then
 * row by row, padding taps multiplying zeros): the same bits.
 */
#include "neon.h"
#include "../kernels.h"
#if PRED__HAVE_NEON

/* r0..r3 lane j <-> r<j> lane 0..3 */
#define PRED__NEON_TRANSPOSE4(r0, r1, r2, r3)                                                       \
    do {                                                                                          \
        const float32x4x2_t t01 = vtrnq_f32(r0, r1), t23 = vtrnq_f32(r2, r3);                     \
        r0 = vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0]));                    \
        r1 = vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1]));                    \
        r2 = vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0]));                  \
        r3 = vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1]));                  \
    } while (0)

/* dst[j * 4 + c] = src[c * stride + j] for j < count (<= 4): 4 values of the n channels, one
 * vector of the channels each (lanes n..3 zeros) */
PRED__NEON static inline void pred__dw_lanes_transpose_in_neon(float *dst, const float *src, size_t stride,
                                                               size_t n, size_t count) {
    float32x4_t v[4];
    size_t c, j;
    for (c = 0; c < 4; c++)
        v[c] = c >= n ? vdupq_n_f32(0.0f)
               : count == 4 ? vld1q_f32(src + c * stride) : pred__neon_load_part(src + c * stride, count);
    PRED__NEON_TRANSPOSE4(v[0], v[1], v[2], v[3]);
    for (j = 0; j < count; j++) vst1q_f32(dst + j * 4, v[j]);
}

/* pad (rows, cols, 4) = channels [0, n) of x (n, h, w) placed at (pad_t, pad_l), zeros around
 * them and in lanes n..3 */
PRED__NEON static void pred__dw_lanes_pad_neon(float *pad, const float *x, size_t n, const pred__dw_shape *s) {
    const size_t rows = pred__dw_lanes_rows(s), cols = pred__dw_lanes_cols(s);
    const size_t h = s->pad_t >= rows ? 0 : s->h < rows - s->pad_t ? s->h : rows - s->pad_t, w = s->w;
    size_t r, c;
    for (r = 0; r < rows; r++) {
        float *dst = pad + r * cols * 4;
        if (r < s->pad_t || r - s->pad_t >= h) {
            memset(dst, 0, cols * 4 * sizeof(float));
            continue;
        }
        memset(dst, 0, s->pad_l * 4 * sizeof(float));
        for (c = 0; c < w; c += 4)
            pred__dw_lanes_transpose_in_neon(dst + (s->pad_l + c) * 4, x + (r - s->pad_t) * w + c, s->h * w, n,
                                             w - c < 4 ? w - c : 4);
        memset(dst + (s->pad_l + w) * 4, 0, (cols - s->pad_l - w) * 4 * sizeof(float));
    }
}

#define PRED__DW_LANES_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Outputs ox0..ox0+7 of row oy of the n channels: 8 sums of 4 lanes, of which the row's first
 * `count` past ox0 are its outputs. */
PRED__NEON static inline __attribute__((always_inline)) void
pred__dw_lanes_block_neon(float *y, const float *pad, const float *wt, float32x4_t bias, size_t n,
                          const pred__dw_shape *s, size_t cols, const pred__act *act, int in_tile, pred__dw_taps k,
                          size_t oy, size_t ox0, size_t count) {
    const float *base = pad + ((oy * k.st) * cols + ox0 * k.st) * 4;
    const size_t plane = s->oh * s->ow;
    size_t ky, i;
#define PRED__DW_INIT(i) float32x4_t a##i = bias;
    PRED__DW_LANES_EACH(PRED__DW_INIT)
#undef PRED__DW_INIT
#define PRED__DW_MLA(i) a##i = pred__neon_mla(a##i, wv, vld1q_f32(p + i * k.st * 4));
#define PRED__DW_TAP                                                                           \
        {                                                                                      \
            const float32x4_t wv = vld1q_f32(wt + (ky * k.kw + kx) * 4);                       \
            const float *p = base + (ky * cols + kx) * 4;                                      \
            PRED__DW_LANES_EACH(PRED__DW_MLA)                                                  \
        }
    for (ky = 0; ky < k.kh; ky++) PRED__DW_EACH_TAP(k.kw, PRED__DW_TAP);
#undef PRED__DW_TAP
#undef PRED__DW_MLA
#define PRED__DW_ACT(i) if (in_tile) a##i = pred__neon_act(a##i, act);
    PRED__DW_LANES_EACH(PRED__DW_ACT)
#undef PRED__DW_ACT
    PRED__NEON_TRANSPOSE4(a0, a1, a2, a3); /* channel i: outputs 0..3 in a<i>, 4..7 in a<i + 4> */
    PRED__NEON_TRANSPOSE4(a4, a5, a6, a7);
    {
        const float32x4_t lo[4] = {a0, a1, a2, a3}, hi[4] = {a4, a5, a6, a7};
        /* short rows stored whole where they spill into later rows of the plane, which are stored
         * after them (as dwconv_lanes_avx2.c) */
        const size_t stored = oy * s->ow + 8 <= plane ? 8 : count;
        for (i = 0; i < n; i++) pred__neon_store8(y + i * plane + oy * s->ow + ox0, lo[i], hi[i], stored);
    }
}

/* Every output row, in blocks of 8 outputs; on rows wider than 8 the last block ends at the row's
 * end, overlapping the one before (it computes the same bits again). */
PRED__NEON static inline __attribute__((always_inline)) void
pred__dw_lanes_plane_neon(float *y, const float *pad, const float *wt, float32x4_t bias, size_t n,
                          const pred__dw_shape *s, const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t cols = pred__dw_lanes_cols(s);
    size_t oy, ox;
    for (oy = 0; oy < s->oh; oy++) {
        if (s->ow <= 8) {
            pred__dw_lanes_block_neon(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, 0, s->ow);
            continue;
        }
        for (ox = 0; ox + 8 < s->ow; ox += 8)
            pred__dw_lanes_block_neon(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, ox, 8);
        pred__dw_lanes_block_neon(y, pad, wt, bias, n, s, cols, act, in_tile, k, oy, s->ow - 8, 8);
    }
}

PRED__NEON static void pred__dwconv_lanes4_neon(float *y, const float *x, const float *w, const float *bias,
                                               size_t n, const pred__dw_shape *s, float *scratch,
                                               const pred__act *act) {
    const size_t taps = s->kh * s->kw;
    const int in_tile = pred__act_in_tile(act);
    float *wt = scratch, *pad = scratch + taps * 4, b[4];
    size_t t, ch;
    float32x4_t bv;
    for (t = 0; t < taps; t += 4) /* the weights of tap t: a vector of the channels' */
        pred__dw_lanes_transpose_in_neon(wt + t * 4, w + t, taps, n, taps - t < 4 ? taps - t : 4);
    for (ch = 0; ch < 4; ch++) b[ch] = ch < n && bias ? bias[ch] : 0.0f;
    bv = vld1q_f32(b);
    pred__dw_lanes_pad_neon(pad, x, n, s);
#define PRED__DW_PLANE(taps) pred__dw_lanes_plane_neon(y, pad, wt, bv, n, s, act, in_tile, taps)
    PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    if (!in_tile)
        for (ch = 0; ch < n; ch++) pred__act_apply(y + ch * s->oh * s->ow, s->oh * s->ow, act);
}

/* The PRED__DW_LANES channels of a call, 4 at a time. */
PRED__NEON static void pred__dwconv_lanes_neon(float *y, const float *x, const float *w, const float *bias,
                                               size_t n, const pred__dw_shape *s, float *scratch,
                                               const pred__act *act) {
    pred__dw_lanes_in_turns(pred__dwconv_lanes4_neon, 4, y, x, w, bias, n, s, scratch, act);
}

#undef PRED__DW_LANES_EACH
#undef PRED__NEON_TRANSPOSE4
#endif
