/*
 * kernels/math_scalar.c: e^x, the logistic sigmoid and erf over arrays, with
 * the portable functions of fmath.c and kernels.c (the same bits on every
 * libc), the reference of the vector levels.
 */
#include "dispatch.h"
#include "../kernels.h"
#include "../fmath.h"

static void pred__vexp_scalar(float *y, const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = pred__expf(x[i]);
}

static void pred__vsigmoid_scalar(float *y, const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = pred__sigmoidf(x[i]);
}

static void pred__verf_scalar(float *y, const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = pred__erff(x[i]);
}
