/*
 * kernels/dwconv_scalar.c: the portable depthwise convolution, the reference
 * of the others.
 */
#include "dispatch.h"
#include "../kernels.h"

/* One output pixel: bias, then the taps that fall inside x, row by row. */
static float pred__dw_pixel(const float *x, const float *w, float bias, const pred__dw_shape *s, size_t oy,
                            size_t ox) {
    float acc = bias;
    size_t ky, kx;
    for (ky = 0; ky < s->kh; ky++) {
        size_t iy = oy * s->stride + ky;
        if (iy < s->pad_t || iy - s->pad_t >= s->h) continue;
        for (kx = 0; kx < s->kw; kx++) {
            size_t ix = ox * s->stride + kx;
            if (ix < s->pad_l || ix - s->pad_l >= s->w) continue;
            acc += w[ky * s->kw + kx] * x[(iy - s->pad_t) * s->w + ix - s->pad_l];
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
