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
 * tile would touch another page). Blocks of k continue the sums in c; the
 * blocks, like the tile, are fixed by the shape, so the bits depend on the
 * level alone, never on the threads or where a row or column lies.
 */
#ifndef PRED_KERNELS_GEMM_H
#define PRED_KERNELS_GEMM_H

#include "dispatch.h"
#include "../graph.h"

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
 * gathered from b as they are packed. With `padded` (a 2-D window of stride 1 or 2 across and
 * no dilation, pred__gemm_padded_size), b was copied there with its padding written out as zeros
 * (pred__gemm_pad), so each row of a strip is a copy (or gather) of one or two runs of a padded
 * row: no bounds to find per row (3x3 layers of 64 channels on 56 x 56 maps spent a quarter of
 * their time finding them). */
typedef struct pred__gemm_src {
    const float *b;
    size_t ldb;
    const pred__window *win;
    const float *padded;
} pred__gemm_src;
/* Floats the padded copy of a convolution's input of c channels takes, or 0 where the window is
 * not one pred__gemm_src may read padded (or the copy would be too large). */
static size_t pred__gemm_padded_size(const pred__window *win, size_t c);
/* dst = the c channels of b as `padded` holds them (pred__gemm_padded_size floats). */
static void pred__gemm_pad(float *dst, const float *b, const pred__window *win, size_t c);

/* Columns of c a task computes at a time: two strips, for the levels whose tile takes two
 * (gemm_tile2). */
#define PRED__GEMM_NC (2 * PRED__GEMM_NR)

/* Floats of work memory a task of pred__gemm_task needs: the strips of a block of k. */
#define PRED__GEMM_WORK (PRED__GEMM_KC * PRED__GEMM_NC)

/* One product c (m, n) = act(start + a (m, k) @ b (k, n) [+ res]), split into tasks by blocks of
 * PRED__GEMM_NC columns of c and, on small maps, by blocks of panels: a task computes whole
 * sums, each in the order of one thread, so the bits do not depend on the split. a is packed by
 * pred__gemm_pack. The right operand is `b_strips` (packed at load by pred__gemm_pack_strips;
 * start is c itself), or else `src` (start is bias (m), broadcast along each row, or 0 if NULL);
 * c rows ldc floats apart. A task uses work + worker * work_stride (PRED__GEMM_WORK floats). */
typedef struct pred__gemm_job {
    const pred__kernels *kt;
    float *c;
    size_t ldc;
    const float *a_packed;
    const float *b_strips;
    pred__gemm_src src;
    size_t m, n, k;
    const float *bias;
    const float *res;            /* with src: c-shaped (rows ldc apart), added to the sums before act
                                    (a residual Add fused into a Conv), or NULL */
    const pred__act *act;
    float *work;
    size_t work_stride;
    size_t row_blocks;           /* parts the panels of a strip are split into (0: 1) */
} pred__gemm_job;

static size_t pred__gemm_strips(size_t n);
/* Tasks of the job: column blocks, times row_blocks. */
static size_t pred__gemm_tasks(const pred__gemm_job *job);
/* The tasks [begin, end) of the job ctx, on worker `worker` (a pred__task_fn). */
static void pred__gemm_task(void *ctx, size_t begin, size_t end, int worker);
/* Runs the job on the threads of x, each with its own work memory (its scratch, which must hold
 * PRED__GEMM_WORK floats unless the job has b_strips), or on the caller when it is too small to
 * split (pred__parallel_worth). */
static void pred__gemm_job_run(const pred__exec *x, pred__gemm_job *job);

/* ---- the transposed product ------------------------------------------------
 * c (m, n) = act(bias + a (m, k) @ b (k, n) [+ res]), tiled as its transpose: the rows of a tile are columns
 * of c (pixels of a 1x1 convolution's map), its columns rows of c (output channels). On small maps
 * the pixels fill panels of MR far better than strips of NR (7x7 = 49 pixels: 91% of 9 panels, 77%
 * of 4 strips). a is packed at load as the strips of its transpose (pred__gemm_pack_strips with
 * rs = 1, cs = lda); the panels of b are packed at run time. Each sum starts at its bias and adds
 * the k products in the blocks of k pred__gemm_packed makes: the bits are those of the other layout. */
typedef struct pred__gemm_t_job {
    const pred__kernels *kt;
    float *c;
    size_t ldc;
    const float *a_strips;
    const float *b;
    size_t ldb;
    size_t m, n, k;
    const float *bias;           /* (m) or NULL */
    const float *res;            /* c-shaped (rows ldc apart), added to the sums before act, or NULL */
    const pred__act *act;
    float *work;
    size_t work_stride;
    size_t chunk;                /* panels of b per task */
} pred__gemm_t_job;

/* 1 when the transposed product of c (m, n) over k wastes markedly less of its tiles than the other. */
static int pred__gemm_t_better(size_t m, size_t n, size_t k);
/* Floats of work memory a task of the transposed product needs. */
static size_t pred__gemm_t_work(size_t n, size_t k);
/* Runs the job on the threads of x (panels of b split between them), each with its own work memory
 * (its scratch, which must hold pred__gemm_t_work floats). */
static void pred__gemm_t_run(const pred__exec *x, pred__gemm_t_job *job);

#endif /* PRED_KERNELS_GEMM_H */
