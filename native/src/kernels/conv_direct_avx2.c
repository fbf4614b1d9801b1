/*
 * kernels/conv_direct_avx2.c: 2-D convolution of a few input channels (a
 * network's first layer) straight from the input, as conv_direct_avx512.c
 * says, in 256-bit vectors: 8 output channels across the lanes and 8
 * outputs of a row at a time, each an accumulator (8 of the 16 registers;
 * 16 channels would spill), one weight load, 8 broadcasts of the input and
 * 8 FMAs per tap, in the tap order (ci, ky, kx), from the zero-padded copy
 * of the rows (pred__direct_plan).
 */
#include "avx2.h"
#include "../kernels.h"
#if PRED__HAVE_AVX2

#define PRED__DIRECT_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Outputs ox0 .. ox0 + count - 1 (count <= 8) of row oy, channels [cb, cb + 8), from the rows p
 * holds: the taps in one loop (the loop overhead of nested ones over (ci, ky, kx) cost as much as
 * the FMAs of a 3x3 layer); sx: the stride across, a constant after inlining for the common 1 and 2. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__conv_direct_block_avx2(float *y, const pred__direct_plan *p, const pred__direct_shape *s, size_t cb, size_t oy,
                             size_t ox0, size_t count, const pred__act *act, int in_tile, size_t sx) {
    const size_t plane = s->oh * s->ow, taps = s->c * s->kh * s->kw;
    const float *first = p->rows + ox0 * sx, *wt = p->w + cb;
    const __m256 b = _mm256_loadu_ps(p->bias + cb);
    __m256 q[8];
    size_t t, i;
#define PRED__INIT(k) __m256 u##k = b;
    PRED__DIRECT_EACH(PRED__INIT)
#undef PRED__INIT
    for (t = 0; t < taps; t++) {
        const __m256 w0 = _mm256_loadu_ps(wt + t * p->m32);
        const float *at = first + p->offsets[t];
#define PRED__TAP(k) u##k = _mm256_fmadd_ps(w0, _mm256_broadcast_ss(at + k * sx), u##k);
        PRED__DIRECT_EACH(PRED__TAP)
#undef PRED__TAP
    }
#define PRED__ACT_OUT(k) q[k] = in_tile ? pred__avx2_act(u##k, act) : u##k;
    PRED__DIRECT_EACH(PRED__ACT_OUT)
#undef PRED__ACT_OUT
    pred__avx2_transpose8(q);
    for (i = 0; i < 8 && cb + i < s->m; i++) {
        float *dst = y + (cb + i) * plane + oy * s->ow + ox0;
        if (count == 8) _mm256_storeu_ps(dst, q[i]);
        else _mm256_maskstore_ps(dst, pred__avx2_mask(count), q[i]);
    }
}

/* Rows [oy0, oy1) of the output; sx as the block takes it. */
PRED__AVX2 static inline __attribute__((always_inline)) void
pred__conv_direct_rows_avx2(float *y, const float *x, const pred__direct_plan *p, const pred__direct_shape *s,
                            size_t oy0, size_t oy1, const pred__act *act, size_t sx) {
    const int in_tile = pred__act_in_tile(act);
    size_t ch, cb, oy, ox;
    for (oy = oy0; oy < oy1; oy++) {
        pred__conv_direct_pad_rows(p, x, s, oy);
        for (cb = 0; cb < s->m; cb += 8)
            for (ox = 0; ox < s->ow; ox += 8)
                pred__conv_direct_block_avx2(y, p, s, cb, oy, ox, s->ow - ox < 8 ? s->ow - ox : 8, act, in_tile, sx);
        if (!in_tile)
            for (ch = 0; ch < s->m; ch++) pred__act_apply(y + ch * s->oh * s->ow + oy * s->ow, s->ow, act);
    }
}

PRED__AVX2 static void pred__conv_direct_avx2(float *y, const float *x, const float *w, const float *bias,
                                              const pred__direct_shape *s, size_t oy0, size_t oy1,
                                              float *scratch, const pred__act *act) {
    const pred__direct_plan p = pred__conv_direct_plan(scratch, w, bias, s);
    if (s->stride_x == 2) pred__conv_direct_rows_avx2(y, x, &p, s, oy0, oy1, act, 2);
    else if (s->stride_x == 1) pred__conv_direct_rows_avx2(y, x, &p, s, oy0, oy1, act, 1);
    else pred__conv_direct_rows_avx2(y, x, &p, s, oy0, oy1, act, s->stride_x);
}

#undef PRED__DIRECT_EACH
#endif
