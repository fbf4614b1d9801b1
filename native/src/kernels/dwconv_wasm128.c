/*
 * kernels/dwconv_wasm128.c: depthwise convolution for WebAssembly SIMD128.
 *
 * As the AVX2 kernel: the channel is copied into scratch with zeros for its
 * padding (stride 2: each row split into its even and odd columns), so every
 * tap is a plain vector load and every output row whole vectors of 4, the
 * last stored in part. Blocks of 4 rows x 2 vectors (8 rows x 1 vector on
 * planes 4 wide or less) keep 8 independent sums in flight. Each sum adds
 * the taps in order with a multiply and an add, padding taps included, as
 * the scalar level does: the same bits.
 */
#include "wasm128.h"
#include "../kernels.h"
#if PRED__HAVE_WASM128

/* pad (ph, pw) = x (h, w) placed at (pad_t, pad_l), zeros around it; stride 2 stores padded
 * column c at (c % 2) * pw / 2 + c / 2 */
static void pred__dw_pad_wasm128(float *pad, const float *x, const pred__dw_shape *s, size_t ph, size_t pw) {
    const size_t half = pw / 2;
    size_t r, c;
    for (r = 0; r < ph; r++) {
        float *dst = pad + r * pw;
        const float *src;
        if (r < s->pad_t || r - s->pad_t >= s->h) {
            memset(dst, 0, pw * sizeof(float));
            continue;
        }
        src = x + (r - s->pad_t) * s->w;
        for (c = 0; c < pw; c++) {
            float v = c >= s->pad_l && c - s->pad_l < s->w ? src[c - s->pad_l] : 0.0f;
            dst[s->stride == 1 ? c : (c & 1) * half + c / 2] = v;
        }
    }
}

#define PRED__DW_SUMS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Output rows oy..oy+rows-1, vectors v..v+vecs-1 (rows * vecs <= 8; sum i is row i / vecs, vector
 * i % vecs). rows and vecs are constants after inlining, so the unused sums vanish. */
static inline __attribute__((always_inline)) void
pred__dw_block_wasm128(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                       const pred__act *act, int in_tile, size_t oy, size_t v, size_t rows, size_t vecs) {
    const size_t st = s->stride, row_step = st * pw, half = pw / 2;
    const float *base = pad + oy * row_step + v * 4;
    size_t ky, kx;
#define PRED__DW_INIT(i) v128_t a##i = wasm_f32x4_splat(bias);
    PRED__DW_SUMS(PRED__DW_INIT)
#undef PRED__DW_INIT
    for (ky = 0; ky < s->kh; ky++)
        for (kx = 0; kx < s->kw; kx++) {
            const float *p = base + ky * pw + (st == 1 ? kx : (kx & 1) * half + kx / 2);
            v128_t wv = wasm_v128_load32_splat(w + ky * s->kw + kx);
#define PRED__DW_MULADD(i)                                                                                   \
            if (i < rows * vecs)                                                                            \
                a##i = wasm_f32x4_add(a##i, wasm_f32x4_mul(wv, wasm_v128_load(p + i / vecs * row_step + i % vecs * 4)));
            PRED__DW_SUMS(PRED__DW_MULADD)
#undef PRED__DW_MULADD
        }
#define PRED__DW_STORE(i)                                                                                  \
    if (i < rows * vecs) {                                                                                 \
        size_t col = (v + i % vecs) * 4;                                                                   \
        pred__wasm128_store(y + (oy + i / vecs) * s->ow + col, in_tile ? pred__wasm128_act(a##i, act) : a##i, \
                            s->ow - col);                                                                  \
    }
    PRED__DW_SUMS(PRED__DW_STORE)
#undef PRED__DW_STORE
}
#undef PRED__DW_SUMS

/* Output rows oy..oy+rows-1, vecs vectors at a time. */
static inline __attribute__((always_inline)) void
pred__dw_rows_wasm128(float *y, const float *pad, const float *w, float bias, const pred__dw_shape *s, size_t pw,
                      const pred__act *act, int in_tile, size_t oy, size_t rows, size_t vecs) {
    const size_t vectors = (s->ow + 3) / 4;
    size_t v;
    for (v = 0; v + vecs <= vectors; v += vecs)
        pred__dw_block_wasm128(y, pad, w, bias, s, pw, act, in_tile, oy, v, rows, vecs);
    if (v < vectors) pred__dw_block_wasm128(y, pad, w, bias, s, pw, act, in_tile, oy, v, rows, 1);
}

static void pred__dwconv_wasm128(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                 float *scratch, const pred__act *act) {
    const size_t pw = pred__dw_padded_width(s), ph = (s->oh - 1) * s->stride + s->kh;
    const int in_tile = pred__act_in_tile(act);
    size_t oy;
    pred__dw_pad_wasm128(scratch, x, s, ph, pw);
    if (s->ow > 4) { /* blocks of 4 rows x 2 vectors */
        for (oy = 0; oy + 4 <= s->oh; oy += 4) pred__dw_rows_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 4, 2);
        for (; oy < s->oh; oy++) pred__dw_rows_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 1, 2);
    } else { /* one vector per row: blocks of 8 rows, the rest as one block */
        for (oy = 0; oy + 8 <= s->oh; oy += 8)
            pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 8, 1);
        switch (s->oh - oy) { /* a constant row count, so the sums stay in registers */
        case 7: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 7, 1); break;
        case 6: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 6, 1); break;
        case 5: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 5, 1); break;
        case 4: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 4, 1); break;
        case 3: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 3, 1); break;
        case 2: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 2, 1); break;
        case 1: pred__dw_block_wasm128(y, scratch, w, bias, s, pw, act, in_tile, oy, 0, 1, 1); break;
        default: break;
        }
    }
    if (!in_tile) pred__act_apply(y, s->oh * s->ow, act);
}

#endif
