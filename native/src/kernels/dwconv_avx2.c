/*
 * kernels/dwconv_avx2.c: depthwise convolution for AVX2+FMA. The channel is
 * first copied into scratch with its padding made of zeros and room for
 * whole vectors, so every output row is whole vectors of 8 pixels (the last
 * one stored masked), four at a time to hide the latency of the FMAs.
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

/* pad (ph, pw) = x (h, w) placed at (pad_t, pad_l), zeros around it */
static void pred__dw_pad(float *pad, const float *x, const pred__dw_shape *s, size_t ph, size_t pw) {
    size_t r;
    for (r = 0; r < ph; r++) {
        float *dst = pad + r * pw;
        size_t right = s->pad_l + s->w < pw ? pw - s->pad_l - s->w : 0;
        if (r < s->pad_t || r - s->pad_t >= s->h) {
            memset(dst, 0, pw * sizeof *dst);
            continue;
        }
        memset(dst, 0, s->pad_l * sizeof *dst);
        memcpy(dst + s->pad_l, x + (r - s->pad_t) * s->w, (pw - s->pad_l - right) * sizeof *dst);
        memset(dst + pw - right, 0, right * sizeof *dst);
    }
}

/* y[0..n) = v for the first n (<= 8) lanes */
PRED__AVX2 static inline void pred__avx2_store(float *y, __m256 v, size_t n) {
    if (n >= 8) _mm256_storeu_ps(y, v);
    else _mm256_maskstore_ps(y, pred__avx2_mask(n), v);
}

/* 8 outputs per vector from the padded rows `in` (pw apart), stride 1 or 2 */
#define PRED__DW_LOAD(p) (st == 1 ? _mm256_loadu_ps(p) : pred__avx2_load_even(p))

PRED__AVX2 static void pred__dwconv_avx2(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                         float *scratch, const pred__act *act) {
    const size_t st = s->stride, pw = pred__dw_padded_width(s), ph = (s->oh - 1) * st + s->kh;
    const size_t vectors = (s->ow + 7) / 8;
    const int in_tile = pred__act_in_tile(act);
    size_t oy, v, ky, kx;
    pred__dw_pad(scratch, x, s, ph, pw);
    for (oy = 0; oy < s->oh; oy++) {
        float *yr = y + oy * s->ow;
        const float *top = scratch + oy * st * pw;
        for (v = 0; v + 4 <= vectors; v += 4) {
            __m256 a0 = _mm256_set1_ps(bias), a1 = a0, a2 = a0, a3 = a0;
            for (ky = 0; ky < s->kh; ky++) {
                const float *row = top + ky * pw + v * 8 * st;
                for (kx = 0; kx < s->kw; kx++) {
                    __m256 wv = _mm256_broadcast_ss(w + ky * s->kw + kx);
                    a0 = _mm256_fmadd_ps(wv, PRED__DW_LOAD(row + kx), a0);
                    a1 = _mm256_fmadd_ps(wv, PRED__DW_LOAD(row + kx + 8 * st), a1);
                    a2 = _mm256_fmadd_ps(wv, PRED__DW_LOAD(row + kx + 16 * st), a2);
                    a3 = _mm256_fmadd_ps(wv, PRED__DW_LOAD(row + kx + 24 * st), a3);
                }
            }
            if (in_tile) {
                a0 = pred__avx2_act(a0, act), a1 = pred__avx2_act(a1, act);
                a2 = pred__avx2_act(a2, act), a3 = pred__avx2_act(a3, act);
            }
            pred__avx2_store(yr + v * 8, a0, s->ow - v * 8);
            pred__avx2_store(yr + v * 8 + 8, a1, s->ow - v * 8 - 8);
            pred__avx2_store(yr + v * 8 + 16, a2, s->ow - v * 8 - 16);
            pred__avx2_store(yr + v * 8 + 24, a3, s->ow - v * 8 - 24);
        }
        for (; v < vectors; v++) {
            __m256 a0 = _mm256_set1_ps(bias);
            for (ky = 0; ky < s->kh; ky++) {
                const float *row = top + ky * pw + v * 8 * st;
                for (kx = 0; kx < s->kw; kx++)
                    a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(w + ky * s->kw + kx), PRED__DW_LOAD(row + kx), a0);
            }
            pred__avx2_store(yr + v * 8, in_tile ? pred__avx2_act(a0, act) : a0, s->ow - v * 8);
        }
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}
#undef PRED__DW_LOAD

#endif
