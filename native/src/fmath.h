/*
 * fmath.h: elementary functions for the float kernels, computed in double
 * with basic IEEE arithmetic only (+ - * / and the exact floor, frexp,
 * ldexp), so that every platform gives the same bits: libm's expf, logf,
 * tanhf, erff and powf differ between C libraries. The double results are
 * accurate to a few ulp of double, so the float results are nearly always
 * correctly rounded.
 */
#ifndef PRED_FMATH_H
#define PRED_FMATH_H

#include "common.h"

/* e^x; overflows to HUGE_VAL, underflows to 0. */
static double pred__exp_d(double x);
/* e^x - 1, accurate near 0. */
static double pred__expm1_d(double x);
/* log(x) for finite x > 0. */
static double pred__log_d(double x);

static float pred__logf(float x);
static float pred__tanhf(float x);
/* 1 / (1 + e^-x) */
static float pred__sigmoidf(float x);
static float pred__erff(float x);
/* x^y with C99's special cases (pow(x, 0) = 1, a negative x needs an integer y...). */
static float pred__powf(float x, float y);

#endif /* PRED_FMATH_H */
