/*
 * kernels/dwconv_avx2.c: depthwise convolution for AVX2+FMA, 8 output pixels
 * of a row at a time where every tap of the row falls inside x; the pixels at
 * the edges go through the scalar pixel function.
 */
#include "avx2.h"
#include "../kernels.h"
#if PRED__HAVE_AVX2

/* The 8 values x[0], x[2], ..., x[14] (stride 2); reads x[0..15]. */
PRED__AVX2 static inline __m256 pred__avx2_load_even(const float *x) {
    __m256 lo = _mm256_loadu_ps(x), hi = _mm256_loadu_ps(x + 8);
    __m256 mixed = _mm256_shuffle_ps(lo, hi, 0x88);  /* lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6 */
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xd8));
}

/* Pixels [from, to) of output row oy through the scalar pixel function, then act if `act`. */
static void pred__dw_pixels(float *yr, const float *x, const float *w, float bias, const pred__dw_shape *s, size_t oy,
                            size_t from, size_t to, const pred__act *act) {
    size_t ox;
    for (ox = from; ox < to; ox++) yr[ox] = pred__dw_pixel(x, w, bias, s, oy, ox);
    if (act && from < to) pred__act_apply(yr + from, to - from, act);
}

PRED__AVX2 static void pred__dwconv_avx2(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                         const pred__act *act) {
    const size_t st = s->stride, reach = st == 2 ? 16 : 8; /* floats a vector of 8 outputs loads per tap */
    const pred__act *edge_act = pred__act_in_tile(act) ? act : NULL;
    size_t oy, ox, ky, kx, lo, hi;
    /* columns whose taps all lie inside the row, vector loads included: [lo, hi) */
    lo = (s->pad_l + st - 1) / st;
    hi = s->w + s->pad_l >= s->kw - 1 + reach ? (s->w + s->pad_l - (s->kw - 1) - reach) / st + 8 : 0;
    if (hi > s->ow) hi = s->ow;
    if (lo > s->ow) lo = s->ow;
    for (oy = 0; oy < s->oh; oy++) {
        float *yr = y + oy * s->ow;
        size_t top = oy * st;       /* row of the padded input the first tap reads */
        size_t ky0 = top < s->pad_t ? s->pad_t - top : 0;
        size_t ky1 = top >= s->h + s->pad_t ? 0 : top + s->kh > s->h + s->pad_t ? s->h + s->pad_t - top : s->kh;
        pred__dw_pixels(yr, x, w, bias, s, oy, 0, lo, edge_act);
        for (ox = lo; ox + 8 <= hi; ox += 8) {
            __m256 acc = _mm256_set1_ps(bias);
            for (ky = ky0; ky < ky1; ky++) {
                const float *row = x + (top + ky - s->pad_t) * s->w + ox * st - s->pad_l;
                const float *wr = w + ky * s->kw;
                if (st == 1)
                    for (kx = 0; kx < s->kw; kx++)
                        acc = _mm256_fmadd_ps(_mm256_broadcast_ss(wr + kx), _mm256_loadu_ps(row + kx), acc);
                else
                    for (kx = 0; kx < s->kw; kx++)
                        acc = _mm256_fmadd_ps(_mm256_broadcast_ss(wr + kx), pred__avx2_load_even(row + kx), acc);
            }
            _mm256_storeu_ps(yr + ox, edge_act ? pred__avx2_act(acc, act) : acc);
        }
        pred__dw_pixels(yr, x, w, bias, s, oy, ox, s->ow, edge_act);
    }
    if (!edge_act) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
