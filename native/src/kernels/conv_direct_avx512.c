/*
 * kernels/conv_direct_avx512.c: 2-D convolution of a few input channels (a
 * network's first layer, on the photo's 3 colours) straight from the input.
 *
 * im2col packs K = c * kh * kw values per output for a product with few rows
 * (Lite0's first layer: 27 per output for 32 channels; a 7 x 7 stem 147 for
 * 64), gathering every second value at stride 2: on such layers the copy
 * costs as much as the product. Here the output channels lie across the
 * lanes (32 in two vectors) and each input value is broadcast from where it
 * lies, so a stride costs nothing: 8 outputs of a row at a time, one FMA per
 * tap and vector, in the tap order (ci, ky, kx), padding taps multiplying
 * zeros (as im2col's). The sums are then transposed into the rows of each
 * channel. The weights are laid out tap by tap at each call (a few KB).
 * (conv_direct_avx2.c reads a zero-padded copy of the rows instead, with no
 * padding tests and one tap loop; this kernel moves to that plan once a
 * machine with AVX-512 can measure and test it.)
 */
#include "avx512.h"
#include "../kernels.h"
#if PRED__HAVE_AVX512

#define PRED__DIRECT_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Outputs ox0 .. ox0 + count - 1 (count <= 8) of row oy, channels [cb, cb + 16 * vectors) of the
 * weights wt (tap t at wt + t * m32); `checked`: some tap of the block lies in the padding; both
 * constants after inlining. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__conv_direct_block(float *y, const float *x, const float *wt, size_t m32, const float *bias,
                        const pred__direct_shape *s, size_t cb, size_t oy, size_t ox0, size_t count,
                        const pred__act *act, int in_tile, int checked, size_t vectors) {
    const size_t plane = s->oh * s->ow;
    const __m512 b0 = bias ? _mm512_loadu_ps(bias + cb) : _mm512_setzero_ps();
    const __m512 b1 = bias ? _mm512_loadu_ps(bias + cb + 16) : _mm512_setzero_ps();
    const int64_t iy0 = (int64_t)(oy * s->stride_y) - (int64_t)s->pad_t;
    const int64_t ix0 = (int64_t)(ox0 * s->stride_x) - (int64_t)s->pad_l;
    __m256 q[4][8];
    size_t ci, ky, kx, t = 0, i, g;
#define PRED__INIT(p) __m512 u##p = b0, v##p = b1;
    PRED__DIRECT_EACH(PRED__INIT)
#undef PRED__INIT
    for (ci = 0; ci < s->c; ci++)
        for (ky = 0; ky < s->kh; ky++) {
            const int64_t iy = iy0 + (int64_t)ky;
            const int row_in = iy >= 0 && iy < (int64_t)s->h;
            const float *row = x + (ci * s->h + (size_t)(row_in ? iy : 0)) * s->w;
            for (kx = 0; kx < s->kw; kx++, t++) {
                const __m512 w0 = _mm512_loadu_ps(wt + t * m32 + cb), w1 = _mm512_loadu_ps(wt + t * m32 + cb + 16);
                const int64_t ix = ix0 + (int64_t)kx;
#define PRED__TAP(p)                                                                                      \
                {                                                                                         \
                    const int64_t at = ix + (int64_t)(p * s->stride_x);                                   \
                    const float xv = !checked ? row[at]                                                   \
                                     : row_in && (size_t)p < count && at >= 0 && at < (int64_t)s->w ? row[at] \
                                     : 0.0f;                                                              \
                    const __m512 xb = _mm512_set1_ps(xv);                                                 \
                    u##p = _mm512_fmadd_ps(w0, xb, u##p);                                                 \
                    if (vectors == 2) v##p = _mm512_fmadd_ps(w1, xb, v##p);                               \
                }
                PRED__DIRECT_EACH(PRED__TAP)
#undef PRED__TAP
            }
        }
#define PRED__HALVES(p)                                                   \
    if (in_tile) u##p = pred__avx512_act(u##p, act), v##p = pred__avx512_act(v##p, act); \
    q[0][p] = _mm512_castps512_ps256(u##p);                               \
    q[1][p] = pred__avx512_high8(u##p);                                   \
    q[2][p] = _mm512_castps512_ps256(v##p);                               \
    q[3][p] = pred__avx512_high8(v##p);
    PRED__DIRECT_EACH(PRED__HALVES)
#undef PRED__HALVES
    for (g = 0; g < 2 * vectors; g++) {
        pred__avx2_transpose8(q[g]);
        for (i = 0; i < 8 && cb + g * 8 + i < s->m; i++) {
            float *dst = y + (cb + g * 8 + i) * plane + oy * s->ow + ox0;
            if (count == 8) _mm256_storeu_ps(dst, q[g][i]);
            else _mm256_maskstore_ps(dst, pred__avx2_mask(count), q[g][i]);
        }
    }
}

PRED__AVX512 static void pred__conv_direct_avx512(float *y, const float *x, const float *w, const float *bias,
                                                  const pred__direct_shape *s, size_t oy0, size_t oy1,
                                                  float *scratch, const pred__act *act) {
    /* the weights and bias as the plan lays them out (its row copy is not used here) */
    const pred__direct_plan p = pred__conv_direct_plan(scratch, w, bias, s);
    const size_t m32 = p.m32;
    const float *wt = p.w, *bt = p.bias;
    const int in_tile = pred__act_in_tile(act);
    size_t ch, cb, oy, ox, ox_lo, ox_hi;
    /* the outputs whose taps all lie inside the input rows' width */
    ox_lo = (s->pad_l + s->stride_x - 1) / s->stride_x;
    ox_hi = s->w + s->pad_l >= s->kw ? (s->w + s->pad_l - s->kw) / s->stride_x + 1 : 0;
    if (ox_hi > s->ow) ox_hi = s->ow;
    if (ox_hi < ox_lo) ox_hi = ox_lo;
    for (oy = oy0; oy < oy1; oy++) {
        const int rows_in = oy * s->stride_y >= s->pad_t && oy * s->stride_y - s->pad_t + s->kh <= s->h;
        for (cb = 0; cb < s->m; cb += 32) /* 32 channels at a time, or the 16 (or fewer) left */
            for (ox = 0; ox < s->ow; ox += 8) {
                const size_t count = s->ow - ox < 8 ? s->ow - ox : 8;
                const int inside = rows_in && count == 8 && ox >= ox_lo && ox + 8 <= ox_hi;
                if (s->m - cb > 16 && inside)
                    pred__conv_direct_block(y, x, wt, m32, bt, s, cb, oy, ox, 8, act, in_tile, 0, 2);
                else if (s->m - cb > 16)
                    pred__conv_direct_block(y, x, wt, m32, bt, s, cb, oy, ox, count, act, in_tile, 1, 2);
                else if (inside)
                    pred__conv_direct_block(y, x, wt, m32, bt, s, cb, oy, ox, 8, act, in_tile, 0, 1);
                else
                    pred__conv_direct_block(y, x, wt, m32, bt, s, cb, oy, ox, count, act, in_tile, 1, 1);
            }
        if (!in_tile)
            for (ch = 0; ch < s->m; ch++) pred__act_apply(y + ch * s->oh * s->ow + oy * s->ow, s->ow, act);
    }
}

#undef PRED__DIRECT_EACH
#endif
