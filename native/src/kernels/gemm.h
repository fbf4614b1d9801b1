/*
 * kernels/gemm.h: the packed GEMM that Conv (and later Gemm, MatMul) run on.
 *
 * The left operand (the weights) is packed once at load into panels of
 * PRED__GEMM_MR rows, each stored k-major (the MR values of one k side by
 * side), zero-padded to a whole panel, so a tile broadcasts them in order.
 * The right operand (the activations) is read in place, NR columns at a time.
 */
#ifndef PRED_KERNELS_GEMM_H
#define PRED_KERNELS_GEMM_H

#include "dispatch.h"

/* Floats a packed (m, k) operand takes. */
static size_t pred__gemm_packed_size(size_t m, size_t k);
/* dst = a (m, k), rows lda floats apart, packed; dst holds pred__gemm_packed_size(m, k) floats. */
static void pred__gemm_pack(float *dst, const float *a, size_t lda, size_t m, size_t k);
/* c (m, n) = act(a (m, k) @ b (k, n) + bias (m, broadcast along each row)), with a packed by
 * pred__gemm_pack; b and c rows ldb and ldc floats apart; bias may be NULL. */
static void pred__gemm_packed(const pred__kernels *kt, float *c, size_t ldc, const float *a_packed, const float *b,
                              size_t ldb, size_t m, size_t n, size_t k, const float *bias, const pred__act *act);

#endif /* PRED_KERNELS_GEMM_H */
