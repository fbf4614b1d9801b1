/*
 * kernels/dwconv_wasm128.c: depthwise convolution for WebAssembly SIMD128.
 *
 * As the AVX2 kernel: the output rows go in bands of PRED__DW_BAND, the input
 * rows of a band copied into scratch with zeros for its padding (stride 2:
 * each row split into its even and odd columns), so every tap is a plain
 * vector load and every output row whole vectors of 4, the last stored in
 * part. Blocks of 4 rows x 2 vectors keep 8 independent sums in flight. Each
 * sum adds the taps in order with a multiply and an add, padding taps
 * included, as the scalar level does: the same bits. In WebAssembly builds
 * Conv gives every map to the lanes kernel (dwconv_lanes_wasm128.c, op_conv.c),
 * so this kernel, the reference of its bits, has no unrolled copies for the
 * common shapes (12 KB of .wasm).
 */
#include "wasm128.h"
#include "../kernels.h"
#if PRED__HAVE_WASM128

/* The 4 columns c0..c0+3 of padded row `src` (the input row, pad_l columns of zeros at its left
 * and zeros past its w columns); never reads outside the row. */
static inline v128_t pred__dw_padded_load_wasm128(const float *src, size_t c0, const pred__dw_shape *s) {
    float lanes[4];
    size_t i;
    if (c0 >= s->pad_l && c0 + 4 <= s->pad_l + s->w) return wasm_v128_load(src + c0 - s->pad_l);
    for (i = 0; i < 4; i++) lanes[i] = c0 + i >= s->pad_l && c0 + i - s->pad_l < s->w ? src[c0 + i - s->pad_l] : 0.0f;
    return wasm_v128_load(lanes);
}

/* pad (rows, pw) = rows r0.. of x (h, w) placed at (pad_t, pad_l), zeros around it; stride 2
 * stores padded column c at (c % 2) * pw / 2 + c / 2 */
static void pred__dw_pad_wasm128(float *pad, const float *x, const pred__dw_shape *s, size_t r0, size_t rows,
                                 size_t pw) {
    const size_t half = pw / 2, pad_l = s->pad_l, end = s->pad_l + s->w;
    size_t r, c;
    for (r = r0; r < r0 + rows; r++) {
        float *dst = pad + (r - r0) * pw;
        const float *src;
        if (r < s->pad_t || r - s->pad_t >= s->h) {
            memset(dst, 0, pw * sizeof(float));
            continue;
        }
        src = x + (r - s->pad_t) * s->w;
        if (s->stride == 1) {
            for (c = 0; c < pw; c += 4)
                wasm_v128_store(dst + c, c >= pad_l && c + 4 <= end ? wasm_v128_load(src + c - pad_l)
                                                                   : pred__dw_padded_load_wasm128(src, c, s));
        } else {
            for (c = 0; c < pw; c += 8) {
                const int inside = c >= pad_l && c + 8 <= end;
                v128_t lo = inside ? wasm_v128_load(src + c - pad_l) : pred__dw_padded_load_wasm128(src, c, s);
                v128_t hi = inside ? wasm_v128_load(src + c + 4 - pad_l) : pred__dw_padded_load_wasm128(src, c + 4, s);
                wasm_v128_store(dst + c / 2, wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6));
                wasm_v128_store(dst + half + c / 2, wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7));
            }
        }
    }
}

#define PRED__DW_SUMS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Output rows oy..oy+rows-1, vectors v..v+vecs-1 (rows * vecs <= 8; sum i is row i / vecs, vector
 * i % vecs); rows past the band's are computed from zeros and not stored. rows and vecs are
 * constants after inlining, so the unused sums vanish. */
static inline __attribute__((always_inline)) void
pred__dw_block_wasm128(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                       const pred__act *act, int in_tile, pred__dw_taps k, size_t oy, size_t v, size_t rows,
                       size_t vecs) {
    const size_t st = k.st, row_step = st * pw, half = pw / 2;
    const float *base = pad + oy * row_step + v * 4;
    size_t ky;
#define PRED__DW_INIT(i) v128_t a##i = wasm_f32x4_splat(bias);
    PRED__DW_SUMS(PRED__DW_INIT)
#undef PRED__DW_INIT
#define PRED__DW_MULADD(i)                                                                                   \
    if (i < rows * vecs)                                                                                     \
        a##i = wasm_f32x4_add(a##i, wasm_f32x4_mul(wv, wasm_v128_load(p + i / vecs * row_step + i % vecs * 4)));
#define PRED__DW_TAP                                                                                         \
    {                                                                                                        \
        const float *p = base + ky * pw + (st == 1 ? kx : (kx & 1) * half + kx / 2);                         \
        const v128_t wv = wasm_v128_load32_splat(w + ky * k.kw + kx);                                        \
        PRED__DW_SUMS(PRED__DW_MULADD)                                                                       \
    }
    for (ky = 0; ky < k.kh; ky++) PRED__DW_EACH_TAP(k.kw, PRED__DW_TAP);
#undef PRED__DW_TAP
#undef PRED__DW_MULADD
#define PRED__DW_STORE(i)                                                                                  \
    if (i < rows * vecs && oy + i / vecs < s->oh) {                                                        \
        size_t col = (v + i % vecs) * 4;                                                                   \
        pred__wasm128_store(y + (oy + i / vecs) * s->ow + col, in_tile ? pred__wasm128_act(a##i, act) : a##i, \
                            s->ow - col);                                                                  \
    }
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* The band's output rows (s->oh of them), from its padded copy, in blocks of 4 rows x 2 vectors (1
 * at the end of a row of an odd count); the last block may pass the band's rows, reading padded
 * rows of zeros. */
static inline __attribute__((always_inline)) void
pred__dw_plane_wasm128(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                       const pred__act *act, int in_tile, pred__dw_taps k) {
    const size_t vectors = (s->ow + 3) / 4;
    size_t oy, v;
    for (oy = 0; oy < s->oh; oy += 4) {
        for (v = 0; v + 2 <= vectors; v += 2) pred__dw_block_wasm128(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 2);
        if (v < vectors) pred__dw_block_wasm128(y, pad, w, bias, s, pw, act, in_tile, k, oy, v, 4, 1);
    }
}

static void pred__dwconv_wasm128(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                 float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s);
    const int in_tile = pred__act_in_tile(act);
    const pred__dw_taps k = {s->kh, s->kw, s->stride};
    size_t oy;
    for (oy = 0; oy < s->oh; oy += PRED__DW_BAND) { /* a band's copy stays in L1 */
        pred__dw_shape band = *s;
        float *yb = y + oy * s->ow;
        band.oh = s->oh - oy < PRED__DW_BAND ? s->oh - oy : PRED__DW_BAND;
        pred__dw_pad_wasm128(scratch, x, s, oy * s->stride, ((band.oh + 3) / 4 * 4 - 1) * s->stride + s->kh, pw);
        pred__dw_plane_wasm128(yb, scratch, w, bias, &band, pw, act, in_tile, k);
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
