/*
 * kernels/dwconv_avx512.c: depthwise convolution for AVX-512, one channel at
 * a time (maps of rows up to 32 outputs, at stride 2 up to 8, run the lanes
 * kernel instead, dwconv_lanes_avx512.c). 3x3 and 5x5 kernels at stride 2 read
 * the input rows in place (below). Others: the channel is padded band by band as the AVX2 kernel
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

/* Outputs col.. of row oy (a vector of 16, masked to the row's end), act applied in registers when
 * in_tile; nothing past the plane's rows. */
PRED__AVX512 static inline void pred__dw_store16(float *y, const pred__dw_shape *s, size_t oy, size_t col, __m512 v,
                                                 const pred__act *act, int in_tile) {
    if (oy < s->oh)
        _mm512_mask_storeu_ps(y + oy * s->ow + col, pred__avx512_mask(s->ow - col < 16 ? s->ow - col : 16),
                              in_tile ? pred__avx512_act(v, act) : v);
}

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
#define PRED__DW_STORE(i) \
    if (i < rows * vecs) pred__dw_store16(y, s, oy + i / vecs, (v + i % vecs) * 16, a##i, act, in_tile);
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* pred__dw_block16 for a 3x3 kernel at stride 1, 4 rows x 2 vectors, each input row loaded once
 * for the (up to) three output rows it feeds, with the taps' weights held in registers: 36 loads
 * for 72 FMAs where the general block makes 72 (loads bound it: most straddle cache lines). The
 * sums of each output take their taps in the same order: the same bits. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_block16_3x3(float *y, const float *pad, const __m512 wv[9], float bias, const pred__dw_shape *s, size_t pw,
                     const pred__act *act, int in_tile, size_t oy, size_t v) {
    const float *base = pad + oy * pw + v * 16;
    __m512 a00 = _mm512_set1_ps(bias), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    /* output row i takes input row r with the kernel's row r - i */
#define PRED__DW_OUT(r, kx, i)                                                                      \
    if ((r) >= (i) && (r) - (i) < 3) {                                                              \
        a##i##0 = _mm512_fmadd_ps(wv[((r) - (i)) * 3 + (kx)], x0, a##i##0);                         \
        a##i##1 = _mm512_fmadd_ps(wv[((r) - (i)) * 3 + (kx)], x1, a##i##1);                         \
    }
#define PRED__DW_IN(r, kx)                                                                          \
    {                                                                                               \
        const __m512 x0 = _mm512_loadu_ps(base + (r) * pw + (kx));                                  \
        const __m512 x1 = _mm512_loadu_ps(base + (r) * pw + (kx) + 16);                             \
        PRED__DW_OUT(r, kx, 0) PRED__DW_OUT(r, kx, 1) PRED__DW_OUT(r, kx, 2) PRED__DW_OUT(r, kx, 3) \
    }
#define PRED__DW_ROW(r) PRED__DW_IN(r, 0) PRED__DW_IN(r, 1) PRED__DW_IN(r, 2)
    PRED__DW_ROW(0) PRED__DW_ROW(1) PRED__DW_ROW(2) PRED__DW_ROW(3) PRED__DW_ROW(4) PRED__DW_ROW(5)
#undef PRED__DW_ROW
#undef PRED__DW_IN
#undef PRED__DW_OUT
#define PRED__DW_STORE(i, j) pred__dw_store16(y, s, oy + i, (v + j) * 16, a##i##j, act, in_tile);
    PRED__DW_STORE(0, 0) PRED__DW_STORE(0, 1) PRED__DW_STORE(1, 0) PRED__DW_STORE(1, 1)
    PRED__DW_STORE(2, 0) PRED__DW_STORE(2, 1) PRED__DW_STORE(3, 0) PRED__DW_STORE(3, 1)
#undef PRED__DW_STORE
}

/* Every output row of the band, from its padded copy: blocks of 4 rows x 2 vectors (a row's odd
 * last vector in blocks of 4 rows x 1); the last block may pass the band's rows, as in
 * pred__dw_plane. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_plane16(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                 const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t vectors = (s->ow + 15) / 16;
    const int three = k.kh == 3 && k.kw == 3 && k.st == 1; /* a constant after inlining */
    size_t oy, v, t;
    __m512 wv[9];
    for (t = 0; three && t < 9; t++) wv[t] = _mm512_set1_ps(w[t]);
    for (oy = 0; oy < s->oh; oy += 4) {
        for (v = 0; v + 2 <= vectors; v += 2)
            if (three) pred__dw_block16_3x3(y, pad, wv, bias, s, pw, act, in_tile, oy, v);
            else pred__dw_block16(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 2);
        if (v < vectors) pred__dw_block16(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 1);
    }
}

/* ---- stride 2, straight from the input ------------------------------------------
 * The padded copy of a stride-2 channel splits every row into its even and odd columns, and cost
 * more than the taps it fed. For 3x3 and 5x5 kernels, each input row is read where it lies: for
 * 16 outputs whose first reads column c0, two loads take columns c0..c0+31, one permute each
 * picks the even and the odd ones (taps 0 and 1), and the same permutes shifted a lane, with the
 * first columns past them, give taps 2, 3 and 4. Columns and rows outside the input read as
 * zeros, multiplied as the copy's zeros are: the sums are those of pred__dw_plane16. */

/* The lanes of columns col..col+15 that lie in a row of w columns. */
PRED__AVX512 static inline __mmask16 pred__dw_row_mask(ptrdiff_t col, size_t w) {
    const ptrdiff_t lo = col < 0 ? -col : 0, hi = (ptrdiff_t)w - col > 16 ? 16 : (ptrdiff_t)w - col;
    return hi <= lo ? 0 : (__mmask16)(pred__avx512_mask((size_t)hi) & ~pred__avx512_mask((size_t)lo));
}

/* The loads of 16 outputs whose first reads column c0: columns c0.., c0 + 16.., c0 + 32.. */
typedef struct pred__dw_s2_cols {
    ptrdiff_t c0;
    __mmask16 lo, hi, past;
} pred__dw_s2_cols;

PRED__AVX512 static inline pred__dw_s2_cols pred__dw_s2_at(ptrdiff_t c0, size_t w) {
    pred__dw_s2_cols c;
    c.c0 = c0, c.lo = pred__dw_row_mask(c0, w), c.hi = pred__dw_row_mask(c0 + 16, w);
    c.past = pred__dw_row_mask(c0 + 32, w);
    return c;
}

/* t[kx] = the inputs of tap kx (kx < kw, 3 or 5) for the 16 outputs of c in row: lane i of t[kx] is
 * row[c0 + 2 i + kx], 0 outside the row (masked loads: columns outside are never read). */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_s2_taps(__m512 t[5], const float *row, const pred__dw_s2_cols *c, size_t kw) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i next = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m512i next_odd = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
    const __m512i next2 = _mm512_setr_epi32(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18);
    const __m512 lo = _mm512_maskz_loadu_ps(c->lo, row + c->c0), hi = _mm512_maskz_loadu_ps(c->hi, row + c->c0 + 16);
    const __m512 past = _mm512_maskz_loadu_ps(c->past, row + c->c0 + 32); /* lanes 0..2 used */
    t[0] = _mm512_permutex2var_ps(lo, evens, hi);
    t[1] = _mm512_permutex2var_ps(lo, odds, hi);
    t[2] = _mm512_permutex2var_ps(t[0], next, past);
    t[3] = t[4] = t[2]; /* (unused at kw 3: dead) */
    if (kw == 5) {
        t[3] = _mm512_permutex2var_ps(t[1], next_odd, past);
        t[4] = _mm512_permutex2var_ps(t[0], next2, past);
    }
}

/* Output rows oy..oy+3 (those below oh), vectors v and v + 1 of 16 outputs, of a kw x kw kernel
 * (3 or 5) at stride 2: the input rows in order (those of the padding read from `zeros`, w + 48
 * zeros), every tap vector made once and added to the one or two rows of the block it feeds, so
 * each sum takes its taps row by row, as pred__dw_block16 adds them. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_s2_block16(float *y, const float *x, const float *zeros, const float *w, float bias,
                    const pred__dw_shape *s, const pred__act *act, int in_tile, size_t kw, size_t oy, size_t v,
                    size_t vecs) {
    const ptrdiff_t c0 = (ptrdiff_t)(32 * v) - (ptrdiff_t)s->pad_l;
    const pred__dw_s2_cols col0 = pred__dw_s2_at(c0, s->w), col1 = pred__dw_s2_at(c0 + 32, s->w);
    __m512 t0[5], t1[5];
    __m512 a00 = _mm512_set1_ps(bias), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    size_t r;
    for (r = 0; r < 6 + kw; r++) { /* padded rows 2 oy + r */
        const size_t pr = 2 * oy + r;
        const float *row = pr >= s->pad_t && pr - s->pad_t < s->h ? x + (pr - s->pad_t) * s->w : zeros;
        pred__dw_s2_taps(t0, row, &col0, kw);
        if (vecs > 1) pred__dw_s2_taps(t1, row, &col1, kw);
#define PRED__DW_TAP(i, kx)                                                                         \
        {                                                                                           \
            const __m512 wv = _mm512_set1_ps(w[ky * kw + (kx)]);                                    \
            a##i##0 = _mm512_fmadd_ps(wv, t0[kx], a##i##0);                                         \
            if (vecs > 1) a##i##1 = _mm512_fmadd_ps(wv, t1[kx], a##i##1);                           \
        }
#define PRED__DW_FEED(i)                                                                            \
        if (r - 2 * (size_t)(i) < kw) { /* (unsigned: r < 2 i wraps past kw) */                     \
            const size_t ky = r - 2 * (size_t)(i);                                                  \
            PRED__DW_TAP(i, 0) PRED__DW_TAP(i, 1) PRED__DW_TAP(i, 2)                                \
            if (kw == 5) { PRED__DW_TAP(i, 3) PRED__DW_TAP(i, 4) }                                  \
        }
        PRED__DW_FEED(0) PRED__DW_FEED(1) PRED__DW_FEED(2) PRED__DW_FEED(3)
#undef PRED__DW_FEED
#undef PRED__DW_TAP
    }
#define PRED__DW_STORE(i)                                                                           \
    pred__dw_store16(y, s, oy + i, v * 16, a##i##0, act, in_tile);                                  \
    if (vecs > 1) pred__dw_store16(y, s, oy + i, v * 16 + 16, a##i##1, act, in_tile);
    PRED__DW_STORE(0) PRED__DW_STORE(1) PRED__DW_STORE(2) PRED__DW_STORE(3)
#undef PRED__DW_STORE
}

/* Every output of a channel of a 3x3 or 5x5 (kw) kernel at stride 2, straight from x, in blocks of
 * 4 rows x 2 vectors (a row's odd last vector in blocks of 4 rows x 1); scratch holds the row of
 * zeros the padding's rows read. */
PRED__AVX512 static inline __attribute__((always_inline)) void
pred__dw_s2_plane16(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s, float *scratch,
                    const pred__act *act, int in_tile, size_t kw) {
    const size_t vectors = (s->ow + 15) / 16;
    size_t oy, v;
    memset(scratch, 0, (s->w + 48) * sizeof *scratch);
    for (oy = 0; oy < s->oh; oy += 4) {
        for (v = 0; v + 2 <= vectors; v += 2) pred__dw_s2_block16(y, x, scratch, w, bias, s, act, in_tile, kw, oy, v, 2);
        if (v < vectors) pred__dw_s2_block16(y, x, scratch, w, bias, s, act, in_tile, kw, oy, v, 1);
    }
}

PRED__AVX512 static void pred__dwconv_avx512(float *y, const float *x, const float *w, float bias,
                                             const pred__dw_shape *s, float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s);
    const int in_tile = pred__act_in_tile(act);
    size_t oy;
    if (pred__dw_s2_direct(s)) {
        if (s->kw == 3) pred__dw_s2_plane16(y, x, w, bias, s, scratch, act, in_tile, 3);
        else pred__dw_s2_plane16(y, x, w, bias, s, scratch, act, in_tile, 5);
        if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
        return;
    }
    for (oy = 0; oy < s->oh; oy += PRED__DW_BAND) { /* bands as the AVX2 kernel makes them */
        const pred__dw_shape band = pred__dw_band(scratch, x, s, oy, pw);
        const pred__dw_taps k3 = {3, 3, 1}, k5 = {5, 5, 1}, any = {s->kh, s->kw, s->stride};
        float *yb = y + oy * s->ow;
        /* PRED__DW_BY_SHAPE's choice, less its stride-2 shapes (above) */
        if (s->kh == 3 && s->kw == 3 && s->stride == 1) pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k3);
        else if (s->kh == 5 && s->kw == 5 && s->stride == 1)
            pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, k5);
        else pred__dw_plane16(yb, scratch, w, bias, &band, pw, act, in_tile, any);
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
