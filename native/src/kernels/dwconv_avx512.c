/*
 * kernels/dwconv_avx512.c: depthwise convolution for AVX-512, one channel at
 * a time (maps of rows up to 32 outputs run the lanes kernel instead,
 * dwconv_lanes_avx2.c). The channel is padded band by band as the AVX2 kernel
 * pads it, then blocks of 4 rows x 2 vectors of 16 outputs keep 8 independent
 * sums in flight. A vector may read past the end of a padded row: those lanes are
 * past the row's outputs too and never stored (the scratch has room for the
 * last row's overrun). The taps are summed in the order of the AVX2 kernel:
 * the same bits.
 */
#include "avx512.h"
#include "../kernels.h"
#if PRED__HAVE_AVX512

#define PRED__DW_SUMS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Output rows oy..oy+rows-1, vectors v..v+vecs-1 of 16 (rows * vecs <= 8; sum i is row i / vecs,
 * vector i % vecs), constants after inlining. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_block16(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                 const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t v, size_t rows, size_t vecs) {
    const size_t st = k.st, row_step = st * pw, half = pw / 2;
    const float *base = pad + oy * row_step + v * 16;
    size_t ky, kx;
#define PRED__DW_INIT(i) __m512 a##i = _mm512_set1_ps(bias);
    PRED__DW_SUMS(PRED__DW_INIT)
#undef PRED__DW_INIT
    for (ky = 0; ky < k.kh; ky++)
        for (kx = 0; kx < k.kw; kx++) {
            const float *p = base + ky * pw + (st == 1 ? kx : (kx & 1) * half + kx / 2);
            __m512 wv = _mm512_set1_ps(w[ky * k.kw + kx]);
#define PRED__DW_FMA(i) \
            if (i < rows * vecs) a##i = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p + i / vecs * row_step + i % vecs * 16), a##i);
            PRED__DW_SUMS(PRED__DW_FMA)
#undef PRED__DW_FMA
        }
#define PRED__DW_STORE(i)                                                                            \
    if (i < rows * vecs && oy + i / vecs < s->oh) {                                                  \
        size_t col = (v + i % vecs) * 16;                                                            \
        _mm512_mask_storeu_ps(y + (oy + i / vecs) * s->ow + col,                                     \
                              pred__avx512_mask(s->ow - col < 16 ? s->ow - col : 16),                \
                              in_tile ? pred__avx512_act(a##i, act) : a##i);                         \
    }
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* Every output row of the band, from its padded copy: blocks of 4 rows x 2 vectors (a row's odd
 * last vector in blocks of 4 rows x 1); the last block may pass the band's rows, as in
 * pred__dw_plane. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_plane16(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                 const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t vectors = (s->ow + 15) / 16;
    size_t oy, v;
    for (oy = 0; oy < s->oh; oy += 4) {
        for (v = 0; v + 2 <= vectors; v += 2) pred__dw_block16(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 2);
        if (v < vectors) pred__dw_block16(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 1);
    }
}

PRED__AVX512 static void pred__dwconv_avx512(float *y, const float *x, const float *w, float bias,
                                             const pred__dw_shape *s, float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s);
    const int in_tile = pred__act_in_tile(act);
    const pred__dw_taps k3s1 = {3, 3, 1}, k3s2 = {3, 3, 2}, k5s1 = {5, 5, 1}, k5s2 = {5, 5, 2}, any = {s->kh, s->kw, s->stride};
    size_t oy;
    for (oy = 0; oy < s->oh; oy += PRED__DW_BAND) { /* bands as the AVX2 kernel makes them */
        const pred__dw_shape band = pred__dw_band(scratch, x, s, oy, pw);
        float *yb = y + oy * s->ow;
        if (s->kh == 3 && s->kw == 3 && s->stride == 1) pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k3s1);
        else if (s->kh == 3 && s->kw == 3) pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k3s2);
        else if (s->kh == 5 && s->kw == 5 && s->stride == 1) pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k5s1);
        else if (s->kh == 5 && s->kw == 5) pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k5s2);
        else pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, any);
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
