/*
 * kernels/dwconv_scalar.c: the portable depthwise convolution, the reference
 * of the others.
 */
#include "dispatch.h"
#include "../kernels.h"

/* One output pixel: bias, then every tap, row by row. A tap in the padding multiplies 0, as the
 * SIMD levels and im2col do: an infinite or NaN weight there makes NaN at every level. */
static float pred__dw_pixel(const float *x, const float *w, float bias, const pred__dw_shape *s, size_t oy,
                            size_t ox) {
    float acc = bias;
    size_t ky, kx;
    for (ky = 0; ky < s->kh; ky++) {
        size_t iy = oy * s->stride + ky;
        int row_in = iy >= s->pad_t && iy - s->pad_t < s->h;
        for (kx = 0; kx < s->kw; kx++) {
            size_t ix = ox * s->stride + kx;
            int in = row_in && ix >= s->pad_l && ix - s->pad_l < s->w;
            acc += w[ky * s->kw + kx] * (in ? x[(iy - s->pad_t) * s->w + ix - s->pad_l] : 0.0f);
        }
    }
    return acc;
}

static void pred__dwconv_scalar(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                float *scratch, const pred__act *act) {
    size_t oy, ox;
    (void)scratch;
    for (oy = 0; oy < s->oh; oy++)
        for (ox = 0; ox < s->ow; ox++) y[oy * s->ow + ox] = pred__dw_pixel(x, w, bias, s, oy, ox);
    pred__act_apply(y, s->oh * s->ow, act);
}
