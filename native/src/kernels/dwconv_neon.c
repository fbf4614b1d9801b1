/*
 * kernels/dwconv_neon.c: depthwise convolution for NEON.
 *
 * The plan of dwconv_avx2.c (see there), on its padded copy of the channel
 * and its blocks, each vector of 8 pixels held in two NEON registers: blocks
 * of 4 rows x 2 vectors (8 rows x 1 vector on planes 8 wide or less) keep 16
 * independent sums in flight (half as many on armv7, which has half the
 * registers), and the common kernels (3x3 and 5x5, stride 1 and 2) get their
 * own copy with the tap loops fully unrolled.
 */
#include "neon.h"
#include "../kernels.h"
#if PRED__HAVE_NEON

/* pad (ph, pw) = x (h, w) placed at (pad_t, pad_l), zeros around it; stride 2 stores padded
 * column c at (c % 2) * pw / 2 + c / 2 */
PRED__NEON static void pred__dw_pad_neon(float *pad, const float *x, const pred__dw_shape *s, size_t ph, size_t pw) {
    const size_t half = pw / 2, odd = s->pad_l & 1, cols = s->w < pw - s->pad_l ? s->w : pw - s->pad_l;
    size_t r, c;
    for (r = 0; r < ph; r++) {
        float *dst = pad + r * pw;
        const float *src;
        memset(dst, 0, pw * sizeof(float));
        if (r < s->pad_t || r - s->pad_t >= s->h) continue;
        src = x + (r - s->pad_t) * s->w;
        if (s->stride == 1) {
            memcpy(dst + s->pad_l, src, cols * sizeof(float));
            continue;
        }
        /* input column c is padded column pad_l + c: the even ones go to the half of pad_l's parity */
        for (c = 0; c + 8 <= cols; c += 8) {
            float32x4x2_t v = vld2q_f32(src + c);
            vst1q_f32(dst + odd * half + (s->pad_l + c) / 2, v.val[0]);
            vst1q_f32(dst + (1 - odd) * half + (s->pad_l + c + 1) / 2, v.val[1]);
        }
        for (; c < cols; c++) dst[(s->pad_l + c) % 2 * half + (s->pad_l + c) / 2] = src[c];
    }
}

#define PRED__DW_SUMS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Output rows oy..oy+rows-1, vectors of 8 v..v+vecs-1 (rows * vecs <= 8; sum i is row i / vecs,
 * vector i % vecs, in registers a<i>0 and a<i>1). */
PRED__NEON static inline __attribute__((always_inline)) void
pred__dw_block_neon(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                    const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t v, size_t rows,
                    size_t vecs) {
    const size_t st = k.st, row_step = st * pw, half = pw / 2;
    const float *base = pad + oy * row_step + v * 8;
    size_t ky, kx;
#define PRED__DW_INIT(i) float32x4_t a##i##0 = vdupq_n_f32(bias), a##i##1 = a##i##0;
    PRED__DW_SUMS(PRED__DW_INIT)
#undef PRED__DW_INIT
    for (ky = 0; ky < k.kh; ky++)
        for (kx = 0; kx < k.kw; kx++) {
            const float *p = base + ky * pw + (st == 1 ? kx : (kx & 1) * half + kx / 2);
            const float32x4_t wv = vdupq_n_f32(w[ky * k.kw + kx]);
#define PRED__DW_FMA(i)                                                                   \
            if (i < rows * vecs) {                                                        \
                const float *q = p + i / vecs * row_step + i % vecs * 8;                  \
                a##i##0 = pred__neon_mla(a##i##0, wv, vld1q_f32(q));                       \
                a##i##1 = pred__neon_mla(a##i##1, wv, vld1q_f32(q + 4));                   \
            }
            PRED__DW_SUMS(PRED__DW_FMA)
#undef PRED__DW_FMA
        }
#define PRED__DW_STORE(i)                                                                                  \
    if (i < rows * vecs) {                                                                                 \
        size_t col = (v + i % vecs) * 8;                                                                   \
        if (in_tile) a##i##0 = pred__neon_act(a##i##0, act), a##i##1 = pred__neon_act(a##i##1, act);      \
        pred__neon_store8(y + (oy + i / vecs) * s->ow + col, a##i##0, a##i##1, s->ow - col);               \
    }
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* Output rows oy..oy+rows-1, vecs vectors at a time. */
PRED__NEON static inline __attribute__((always_inline)) void
pred__dw_rows_neon(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                   const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t rows, size_t vecs) {
    const size_t vectors = (s->ow + 7) / 8;
    size_t v;
    for (v = 0; v + vecs <= vectors; v += vecs)
        pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, rows, vecs);
    if (v < vectors) pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, rows, 1);
}

/* Vectors of 8 outputs a block sums at once, two registers each: 16 of aarch64's 32 registers; 8
 * of armv7's 16 (with 16, gcc 12 spilled most sums to the stack at every tap). */
#if defined(__aarch64__)
#define PRED__DW_NEON_SUMS 8
#else
#define PRED__DW_NEON_SUMS 4
#endif

/* Every output row of the channel, from its padded copy. */
PRED__NEON static inline __attribute__((always_inline)) void
pred__dw_plane_neon(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                    const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t sums = PRED__DW_NEON_SUMS;
    size_t oy;
    if (s->ow > 8) { /* blocks of sums / 2 rows x 2 vectors */
        for (oy = 0; oy + sums / 2 <= s->oh; oy += sums / 2)
            pred__dw_rows_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, sums / 2, 2);
        for (; oy < s->oh; oy++) pred__dw_rows_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, 1, 2);
    } else { /* one vector per row: blocks of `sums` rows, the rest in blocks of 4, 2 and 1 (constant
              * row counts, so the sums stay in registers) */
        for (oy = 0; oy + sums <= s->oh; oy += sums)
            pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, 0, sums, 1);
        if (sums > 4 && oy + 4 <= s->oh) {
            pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, 0, 4, 1);
            oy += 4;
        }
        if (oy + 2 <= s->oh) {
            pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, 0, 2, 1);
            oy += 2;
        }
        if (oy < s->oh) pred__dw_block_neon(y, pad, w, bias, s, pw, act, in_tile, k, oy, 0, 1, 1);
    }
}
#undef PRED__DW_NEON_SUMS

PRED__NEON static void pred__dwconv_neon(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                              float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s), ph = (s->oh - 1) * s->stride + s->kh;
    const int in_tile = pred__act_in_tile(act);
    pred__dw_pad_neon(scratch, x, s, ph, pw);
#define PRED__DW_PLANE(taps) pred__dw_plane_neon(y, scratch, w, bias, s, pw, act, in_tile, taps)
    PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
