/*
 * kernels/dwconv_avx2.c: depthwise convolution for AVX2+FMA.
 *
 * The output rows go in bands of PRED__DW_BAND; the input rows of a band are
 * first copied into scratch with their padding made of zeros and room for
 * whole vectors (stride 2: each row split into its even and odd columns, so
 * every tap is a plain load), so every output row is whole vectors of 8
 * pixels, the last stored masked. A band's copy stays in L1 for its taps to
 * read (a whole padded 112 x 112 plane would not). Blocks of 4 rows x 2 vectors
 * keep 8 independent sums in flight: the taps of one output are a chain of dependent FMAs, which one
 * accumulator would wait on. The common kernels (3x3 and 5x5, stride 1 and 2)
 * get their own copy with the tap loops fully unrolled and the offsets constant.
 */
#include "avx2.h"
#include "../kernels.h"
#if PRED__HAVE_AVX2

/* The 8 columns c0..c0+7 of padded row `src` (the input row, padding of pad_l columns at the
 * left and zeros past its w columns): a masked load of the lanes inside the row. */
PRED__AVX2 static inline __m256 pred__dw_padded_load(const float *src, size_t c0, const pred__dw_shape *s) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i col, inside;
    if (c0 >= s->pad_l && c0 + 8 <= s->pad_l + s->w) return _mm256_loadu_ps(src + c0 - s->pad_l);
    col = _mm256_add_epi32(_mm256_set1_epi32((int)c0 - (int)s->pad_l), lane);
    inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), col),
                                 _mm256_cmpgt_epi32(_mm256_set1_epi32((int)s->w), col));
    /* lanes left of the row are masked off: the address below src is never read */
    return _mm256_maskload_ps(src + c0 - (ptrdiff_t)s->pad_l, inside);
}

/* The even columns of lo, hi (16 consecutive) to evens, the odd ones to odds. */
PRED__AVX2 static inline void pred__dw_split(float *evens, float *odds, __m256 lo, __m256 hi) {
    const __m256 even = _mm256_shuffle_ps(lo, hi, 0x88), odd = _mm256_shuffle_ps(lo, hi, 0xdd);
    /* lanes lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6: 64-bit quarters 0 2 1 3 put them in order */
    _mm256_storeu_ps(evens, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xd8)));
    _mm256_storeu_ps(odds, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odd), 0xd8)));
}

/* pad (rows, pw) = rows r0.. of x (h, w) placed at (pad_t, pad_l), zeros around it; stride 2
 * stores padded column c at (c % 2) * pw / 2 + c / 2 */
PRED__AVX2 static void pred__dw_pad(float *pad, const float *x, const pred__dw_shape *s, size_t r0, size_t rows,
                                    size_t pw) {
    const size_t half = pw / 2;
    size_t r, c;
    for (r = r0; r < r0 + rows; r++) {
        float *dst = pad + (r - r0) * pw;
        const float *src;
        if (r < s->pad_t || r - s->pad_t >= s->h) {
            for (c = 0; c < pw; c += 8) _mm256_storeu_ps(dst + c, _mm256_setzero_ps());
            continue;
        }
        src = x + (r - s->pad_t) * s->w;
        if (s->stride == 1) { /* the vectors inside the row plain loads, the others masked */
            const size_t pad_l = s->pad_l, end = s->pad_l + s->w; /* locals: the stores may alias *s */
            for (c = 0; c < pw && c < pad_l; c += 8) _mm256_storeu_ps(dst + c, pred__dw_padded_load(src, c, s));
            for (; c + 8 <= end; c += 8) _mm256_storeu_ps(dst + c, _mm256_loadu_ps(src + c - pad_l));
            for (; c < pw; c += 8) _mm256_storeu_ps(dst + c, pred__dw_padded_load(src, c, s));
        } else { /* 16 columns a step: [c0, c1) inside the row, a loop of plain loads and pointers alone
                    (Lite0's 3x3 stride 2 layer on 112 x 112: copies 163 -> 147 us); masked loads around */
            const size_t pad_l = s->pad_l, end = s->pad_l + s->w, c0 = (pad_l + 15) / 16 * 16;
            const size_t c1 = end < c0 + 16 ? c0 : (end - c0) / 16 * 16 + c0 < pw ? (end - c0) / 16 * 16 + c0 : pw;
            const float *in = src + c0 - pad_l, *stop = src + c1 - pad_l;
            float *evens = dst + c0 / 2, *odds = dst + half + c0 / 2;
            for (c = 0; c < c0 && c < pw; c += 16)
                pred__dw_split(dst + c / 2, dst + half + c / 2, pred__dw_padded_load(src, c, s),
                               pred__dw_padded_load(src, c + 8, s));
            for (; in < stop; in += 16, evens += 8, odds += 8)
                pred__dw_split(evens, odds, _mm256_loadu_ps(in), _mm256_loadu_ps(in + 8));
            for (c = c1 > c0 ? c1 : c0; c < pw; c += 16)
                pred__dw_split(dst + c / 2, dst + half + c / 2, pred__dw_padded_load(src, c, s),
                               pred__dw_padded_load(src, c + 8, s));
        }
    }
}

/* The band of output rows oy.. (at most PRED__DW_BAND): the input rows of its blocks (rows past the
 * input are zeros) padded into scratch, then
 * the 16 floats of slack after them zeroed (a 16-lane kernel may read them); its shape is s with
 * oh its rows. */
PRED__AVX2 static pred__dw_shape pred__dw_band(float *scratch, const float *x, const pred__dw_shape *s, size_t oy,
                                               size_t pw) {
    pred__dw_shape band = *s;
    size_t rows;
    band.oh = s->oh - oy < PRED__DW_BAND ? s->oh - oy : PRED__DW_BAND;
    rows = (pred__dw_block_rows(band.oh) - 1) * s->stride + s->kh;
    pred__dw_pad(scratch, x, s, oy * s->stride, rows, pw);
    _mm256_storeu_ps(scratch + rows * pw, _mm256_setzero_ps());
    _mm256_storeu_ps(scratch + rows * pw + 8, _mm256_setzero_ps());
    return band;
}

/* y[0..n) = v for the first n (<= 8) lanes */
PRED__AVX2 static inline void pred__avx2_store(float *y, __m256 v, size_t n) {
    if (n >= 8) _mm256_storeu_ps(y, v);
    else _mm256_maskstore_ps(y, pred__avx2_mask(n), v);
}

#define PRED__DW_SUMS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)


/* Output rows oy..oy+rows-1, vectors v..v+vecs-1 (rows * vecs <= 8; sum i is row i / vecs, vector
 * i % vecs). rows and vecs are constants after inlining, so the unused sums vanish. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__dw_block(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
               const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t v, size_t rows, size_t vecs) {
    const size_t st = k.st, row_step = st * pw, half = pw / 2;
    const float *base = pad + oy * row_step + v * 8;
    size_t ky, kx;
#define PRED__DW_INIT(i) __m256 a##i = _mm256_set1_ps(bias);
    PRED__DW_SUMS(PRED__DW_INIT)
#undef PRED__DW_INIT
    for (ky = 0; ky < k.kh; ky++)
        for (kx = 0; kx < k.kw; kx++) {
            const float *p = base + ky * pw + (st == 1 ? kx : (kx & 1) * half + kx / 2);
            __m256 wv = _mm256_broadcast_ss(w + ky * k.kw + kx);
#define PRED__DW_FMA(i) \
            if (i < rows * vecs) a##i = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + i / vecs * row_step + i % vecs * 8), a##i);
            PRED__DW_SUMS(PRED__DW_FMA)
#undef PRED__DW_FMA
        }
#define PRED__DW_STORE(i)                                                                                  \
    if (i < rows * vecs && oy + i / vecs < s->oh) {                                                        \
        size_t col = (v + i % vecs) * 8;                                                                   \
        pred__avx2_store(y + (oy + i / vecs) * s->ow + col, in_tile ? pred__avx2_act(a##i, act) : a##i,    \
                         s->ow - col);                                                                     \
    }
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* Output rows oy..oy+rows-1, vecs vectors at a time. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__dw_rows(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
              const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t rows, size_t vecs) {
    const size_t vectors = (s->ow + 7) / 8;
    size_t v;
    for (v = 0; v + vecs <= vectors; v += vecs)
        pred__dw_block(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, rows, vecs);
    if (v < vectors) pred__dw_block(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, rows, 1);
}

/* Every output row of the band, from its padded copy, in blocks of 4 rows x 2 vectors; the last
 * block may pass the band's rows: it reads padded rows of zeros and stores nothing there. Rows of
 * 7 or 14 vectors (the 56 and 112 wide maps of 224 x 224 models) go in blocks of 1 row x 7
 * vectors: 4 x 2 would leave 4 rows of a 7th vector, 4 chains of dependent FMAs waiting on each
 * other (AMD Zen 3, Lite0's 3x3 layers: 112 x 112 254 -> 209 us, 56 x 56 287 -> 255 us, stride 2
 * to 56 x 56 327 -> 307 us; each row count its own loop, where gcc makes the offsets constant).
 * Narrow maps, where one vector a row would leave sums too few, are the lanes kernel's
 * (dwconv_lanes_avx2.c), so they get no shape of their own. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__dw_plane(float *y, const float *scratch, const float *w, float bias, const pred__dw_shape *s, size_t pw,
               const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t vectors = (s->ow + 7) / 8;
    size_t oy;
    if (vectors == 7)
        for (oy = 0; oy < s->oh; oy++) pred__dw_block(y, scratch, w, bias, s, pw, act, in_tile, k, oy, 0, 1, 7);
    else if (vectors == 14)
        for (oy = 0; oy < s->oh; oy++) {
            pred__dw_block(y, scratch, w, bias, s, pw, act, in_tile, k, oy, 0, 1, 7);
            pred__dw_block(y, scratch, w, bias, s, pw, act, in_tile, k, oy, 7, 1, 7);
        }
    else
        for (oy = 0; oy < s->oh; oy += 4) pred__dw_rows(y, scratch, w, bias, s, pw, act, in_tile, k, oy, 4, 2);
}

PRED__AVX2 static void pred__dwconv_avx2(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                         float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s);
    const int in_tile = pred__act_in_tile(act);
    size_t oy;
    for (oy = 0; oy < s->oh; oy += PRED__DW_BAND) {
        const pred__dw_shape band = pred__dw_band(scratch, x, s, oy, pw);
        float *yb = y + oy * s->ow;
#define PRED__DW_PLANE(taps) pred__dw_plane(yb, scratch, w, bias, &band, pw, act, in_tile, taps)
        PRED__DW_BY_SHAPE(s, PRED__DW_PLANE);
#undef PRED__DW_PLANE
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
