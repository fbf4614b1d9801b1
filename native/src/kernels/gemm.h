/*
 * kernels/gemm.h: the packed GEMM that Conv (and later Gemm, MatMul) run on.
 *
 * The left operand (the weights) is packed once at load into panels of
 * PRED__GEMM_MR rows, each stored k-major (the MR values of one k side by
 * side), zero-padded to a whole panel, so a tile broadcasts them in order.
 * The right operand (the activations) is copied at run time, PRED__GEMM_KC
 * rows by PRED__GEMM_NR columns at a time, into a contiguous strip that stays
 * in L1 while every panel of the left operand passes over it (rows of the
 * activations lie a whole feature map apart: read in place, each k step of a
 * tile would touch another page). Blocks of k continue the sums in c, so the
 * result is the same bits as one pass.
 */
#ifndef PRED_KERNELS_GEMM_H
#define PRED_KERNELS_GEMM_H

#include "dispatch.h"

#define PRED__GEMM_KC 256

/* Floats a packed (m, k) left operand takes. */
static size_t pred__gemm_packed_size(size_t m, size_t k);
/* dst = a (m, k) packed, element (i, p) at a[i * rs + p * cs] (rs = lda, cs = 1 for a row-major
 * matrix; rs = 1, cs = lda for a transposed one); dst holds pred__gemm_packed_size(m, k) floats. */
static void pred__gemm_pack(float *dst, const float *a, size_t rs, size_t cs, size_t m, size_t k);
/* Floats a right operand (k, n) packed whole into strips takes. */
static size_t pred__gemm_strips_size(size_t k, size_t n);
/* dst = b (k, n) as strips of PRED__GEMM_NR columns, each k-major and zero-padded, element (p, j)
 * at b[p * rs + j * cs]; dst holds pred__gemm_strips_size(k, n) floats. For weights packed at load. */
static void pred__gemm_pack_strips(float *dst, const float *b, size_t rs, size_t cs, size_t k, size_t n);
/* The right operand of pred__gemm_packed: a matrix (k, n) with rows ldb floats apart, or, when
 * `win` is set, the im2col matrix of a convolution over b (c, d, h, w): row (ci, kz, ky, kx),
 * column (oz, oy, ox), padding 0. That matrix is never written: the strips the tiles read are
 * gathered from b as they are packed. */
typedef struct pred__gemm_src {
    const float *b;
    size_t ldb;
    const pred__window *win;
} pred__gemm_src;

/* Floats of work memory pred__gemm_packed needs. */
#define PRED__GEMM_WORK (PRED__GEMM_KC * PRED__GEMM_NR)
/* c (m, n) = act(a (m, k) @ b (k, n) + bias (m, broadcast along each row)), with a packed by
 * pred__gemm_pack and b given by src; c rows ldc floats apart; bias may be NULL; work holds
 * PRED__GEMM_WORK floats. */
static void pred__gemm_packed(const pred__kernels *kt, float *c, size_t ldc, const float *a_packed,
                              const pred__gemm_src *src, size_t m, size_t n, size_t k, const float *bias,
                              const pred__act *act, float *work);
/* c (m, n) = act(c + a (m, k) @ b (k, n)), a packed by pred__gemm_pack, b by pred__gemm_pack_strips;
 * c rows ldc floats apart. */
static void pred__gemm_packed_both(const pred__kernels *kt, float *c, size_t ldc, const float *a_packed,
                                   const float *b_strips, size_t m, size_t n, size_t k, const pred__act *act);

#endif /* PRED_KERNELS_GEMM_H */
