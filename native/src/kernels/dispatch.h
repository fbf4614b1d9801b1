/*
 * kernels/dispatch.h: the kernel table, chosen once per process.
 *
 * Every fast kernel has a portable scalar twin; the table holds the variant
 * this CPU runs best, found once by CPU detection (as MLAS's platform record
 * and XNNPACK's configs do). Callers never test the CPU themselves.
 *
 * On x86-64 with gcc or clang the AVX2+FMA variants are compiled into the
 * single file with per-function target attributes, so a plain `cc -O2` build
 * (cgo, SwiftPM, setuptools) carries them and runs them where the CPU has
 * them; likewise AVX-512 (avx512f) where the CPU and OS have it. An
 * aarch64 build carries the NEON variants, and so does an armv7 one, which
 * runs them where the CPU has NEON (kernels/neon.h); WebAssembly built with
 * -msimd128 (__wasm_simd128__) the SIMD128 ones, which every engine that
 * loads such a module runs. The environment variable
 * PRED_ISA=scalar|avx2|avx512|neon|wasm128 forces a level (never one the CPU
 * lacks), for tests and for users hunting a numerical question;
 * pred_kernel_isa() reports the level in use.
 *
 * Numbers: a level computes the same bits on every call, whatever the thread
 * count or batch position; levels agree with each other within the ONNX
 * backend tolerances (FMA rounds once where scalar code rounds twice).
 */
#ifndef PRED_KERNELS_DISPATCH_H
#define PRED_KERNELS_DISPATCH_H

#include "../common.h"
#include "../ops.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(PRED_NO_SIMD)
#define PRED__HAVE_AVX2 1
#else
#define PRED__HAVE_AVX2 0
#endif
/* the same compilers take the AVX-512 target attribute */
#define PRED__HAVE_AVX512 PRED__HAVE_AVX2

/* NEON (Advanced SIMD) is part of every aarch64 CPU, so no detection is needed. On armv7 a build
 * with NEON enabled (-mfpu=neon: __ARM_NEON) runs it throughout; else gcc (8 and later: its
 * arm_neon.h) compiles the NEON functions with target("fpu=neon") and Linux tells whether the CPU
 * has NEON (getauxval, dispatch.c). clang has no per-function NEON on ARM (14: its arm_neon.h
 * requires __ARM_NEON), so its armv7 builds without -mfpu=neon keep the scalar level, as do
 * soft-float builds and other systems. */
#if !defined(PRED_NO_SIMD) &&                                                                        \
    ((defined(__aarch64__) && defined(__ARM_NEON)) ||                                                \
     (defined(__arm__) && defined(__ARM_FP) &&                                                       \
      (defined(__ARM_NEON) || (defined(__linux__) && !defined(__clang__) && __GNUC__ >= 8))))
#define PRED__HAVE_NEON 1
#else
#define PRED__HAVE_NEON 0
#endif

#if defined(__wasm_simd128__) && !defined(PRED_NO_SIMD)
#define PRED__HAVE_WASM128 1
#else
#define PRED__HAVE_WASM128 0
#endif

/* The levels of a platform in order, each running only where the ones before it do. */
typedef enum pred__isa {
    PRED__ISA_SCALAR,
    PRED__ISA_AVX2,
    PRED__ISA_AVX512,
    PRED__ISA_NEON,
    PRED__ISA_WASM128,
    PRED__ISA_COUNT
} pred__isa;

/* A hint that the cache line at p will soon be written: where a loop writes many rows a little at a
 * time, more streams than the hardware prefetchers follow (gcc and clang; nothing elsewhere). */
#if defined(__GNUC__) || defined(__clang__)
#define PRED__PREFETCH_W(p) __builtin_prefetch((p), 1)
#else
#define PRED__PREFETCH_W(p) ((void)(p))
#endif

/* The register tile of the packed GEMM: MR rows of A by NR columns of B. Every
 * level uses the same tile, so weights packed once serve any level. */
#define PRED__GEMM_MR 6
#define PRED__GEMM_NR 16

/* c (mr, nr) = act(a (mr, k) @ b (k, nr) + start [+ res]), where start is c
 * itself when `accumulate` (an earlier block of k), else bias (mr, broadcast
 * along each row; NULL: 0), and res (rows ldc apart, as c), when not NULL, is
 * added to each finished sum before act (a residual Add fused into a Conv: the
 * Add's bits, without its pass over memory). a: a packed panel, k steps of PRED__GEMM_MR floats;
 * b: a packed strip, k steps of PRED__GEMM_NR floats (zeros past nr);
 * c: rows ldc floats apart; mr <= MR, nr <= NR. The tile applies act when
 * pred__act_in_tile(act). */
typedef void (*pred__gemm_tile_fn)(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                   size_t nr, const float *bias, const float *res, const pred__act *act,
                                   int accumulate);
/* Two tiles side by side, as gemm_tile computes them (the same bits): c (mr, NR + nr1) from the
 * strips b0 (all NR columns) and b1 (nr1 <= NR columns), c's columns NR.. from b1. Optional: a
 * level without it runs gemm_tile twice. */
typedef void (*pred__gemm_tile2_fn)(float *c, size_t ldc, const float *a, const float *b0, const float *b1, size_t k,
                                    size_t mr, size_t nr1, const float *bias, const float *res, const pred__act *act,
                                    int accumulate);
/* gemm_tile for a whole strip (nr = NR) read in place: b is k rows of NR floats, ldb floats apart (a
 * pointwise Conv's input); the bits of gemm_tile on the same rows packed. Optional: a level without
 * it packs the strip. */
typedef void (*pred__gemm_tile_rows_fn)(float *c, size_t ldc, const float *a, const float *b, size_t ldb, size_t k,
                                        size_t mr, const float *bias, const float *res, const pred__act *act,
                                        int accumulate);

/* One channel of a depthwise 2-D convolution:
 * y (oh, ow) = act(sum over (ky, kx) of w (kh, kw) * x (h, w) at (oy*s - pad_t + ky, ox*s - pad_l + kx) + bias);
 * padding reads 0. */
typedef struct pred__dw_shape {
    size_t h, w, oh, ow, kh, kw, stride, pad_t, pad_l;
} pred__dw_shape;
typedef void (*pred__dwconv_fn)(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                float *scratch, const pred__act *act);
/* Output rows the x86 dwconv kernels compute from one padded copy of their input rows. */
#define PRED__DW_BAND 16
/* 1 for the stride-2 shapes (3x3 and 5x5) a level's dwconv may read in place, without the padded
 * copy, where the level says it does (pred__kernels.dw_s2_direct). */
static int pred__dw_s2_direct(const pred__dw_shape *s);
/* Floats of scratch a dwconv kernel may use: a zero-padded copy of the channel, rows
 * wide enough for whole vectors of 8 outputs (pred__dw_padded_width floats each; with
 * stride 2, a row holds its even columns, then its odd ones), as many as whole blocks of
 * 8 output rows read (pred__dw_block_rows), and 16 floats of slack; or, if more, w + 48 zeros
 * (a row of the padding for a kernel reading the input's rows in place). */
static size_t pred__dw_scratch_size(const pred__dw_shape *s);
/* oh rounded up to whole blocks of 8 rows. */
static size_t pred__dw_block_rows(size_t oh);
/* TAP (a statement reading the size_t kx) for kx = 0 .. kw - 1, the first 5 written out: the tap
 * loops are a depthwise kernel's inner loops, and gcc -O2 unrolls no loop (writing out a row of 5x5
 * taps made the lanes kernel 36% faster on 14 x 14 maps; the per-channel kernels, whose blocks
 * are taller, gained 1-3% for 11 KB of code, and keep their loops). */
#define PRED__DW_EACH_TAP(kw, TAP)                                                               \
    do {                                                                                         \
        size_t kx;                                                                               \
        if ((kw) > 0) { kx = 0; TAP }                                                            \
        if ((kw) > 1) { kx = 1; TAP }                                                            \
        if ((kw) > 2) { kx = 2; TAP }                                                            \
        if ((kw) > 3) { kx = 3; TAP }                                                            \
        if ((kw) > 4) { kx = 4; TAP }                                                            \
        for (kx = 5; kx < (kw); kx++) { TAP }                                                    \
    } while (0)
/* A depthwise kernel's height, width and stride: constants after inlining where a SIMD kernel
 * knows them (3x3 and 5x5, stride 1 and 2), so its tap loops unroll; else the shape's. */
typedef struct pred__dw_taps { size_t kh, kw, st; } pred__dw_taps;
/* PLANE(taps), a depthwise kernel's inlined plane loop, with taps constant for the common shapes
 * (3x3 and 5x5, stride 1 or 2: written out, the kernel's tap loops unroll) or else s's own: the
 * one choice every depthwise kernel makes. */
#define PRED__DW_BY_SHAPE(s, PLANE)                                                                  \
    do {                                                                                             \
        const pred__dw_taps pred__k3s1 = {3, 3, 1}, pred__k3s2 = {3, 3, 2}, pred__k5s1 = {5, 5, 1};  \
        const pred__dw_taps pred__k5s2 = {5, 5, 2}, pred__any = {(s)->kh, (s)->kw, (s)->stride};     \
        if ((s)->kh == 3 && (s)->kw == 3 && (s)->stride == 1) PLANE(pred__k3s1);                     \
        else if ((s)->kh == 3 && (s)->kw == 3) PLANE(pred__k3s2);                                    \
        else if ((s)->kh == 5 && (s)->kw == 5 && (s)->stride == 1) PLANE(pred__k5s1);                \
        else if ((s)->kh == 5 && (s)->kw == 5) PLANE(pred__k5s2);                                    \
        else PLANE(pred__any);                                                                       \
    } while (0)
static size_t pred__dw_padded_width(const pred__dw_shape *s);

/* Channels [0, n) (n <= PRED__DW_LANES: the lanes of the widest level's vectors; narrower levels
 * take them in turns) of a depthwise 2-D convolution at once, one per vector lane: channel c reads x + c * h * w, w + c * kh * kw and bias[c] (bias NULL: 0) and writes
 * y + c * oh * ow; the bits of the level's dwconv on each channel. scratch holds
 * pred__dw_lanes_scratch_size(s) floats. */
#define PRED__DW_LANES 16
typedef void (*pred__dwconv_lanes_fn)(float *y, const float *x, const float *w, const float *bias, size_t n,
                                      const pred__dw_shape *s, float *scratch, const pred__act *act);
/* Floats of scratch a dwconv_lanes kernel uses: the channels' weights tap by tap and a copy of the
 * rows its outputs read, padded with zeros to the columns a block of 8 outputs reads, a float for
 * each channel (PRED__DW_LANES) a pixel. */
static size_t pred__dw_lanes_scratch_size(const pred__dw_shape *s);
#if PRED__HAVE_AVX2 || PRED__HAVE_NEON || PRED__HAVE_WASM128
/* Channels [0, n) through `part`, a lanes kernel of `lanes` channels, `lanes` at a time: how a level
 * whose vectors are narrower than PRED__DW_LANES runs a call (only SIMD levels have lanes kernels). */
static void pred__dw_lanes_in_turns(pred__dwconv_lanes_fn part, size_t lanes, float *y, const float *x, const float *w,
                                    const float *bias, size_t n, const pred__dw_shape *s, float *scratch,
                                    const pred__act *act);
#endif
static size_t pred__dw_lanes_cols(const pred__dw_shape *s);
static size_t pred__dw_lanes_rows(const pred__dw_shape *s);

/* A 2-D convolution of one group: x (c, h, w) -> y (m, oh, ow), kernel kh x kw, no dilation. */
typedef struct pred__direct_shape {
    size_t c, h, w, m, oh, ow, kh, kw, stride_y, stride_x, pad_t, pad_l;
} pred__direct_shape;
/* Output rows [oy0, oy1) of y = act(conv(x, w (m, c, kh, kw)) + bias (m; NULL: 0)) for few input
 * channels, straight from the input (no im2col); scratch holds pred__conv_direct_scratch_size(s)
 * floats. Optional: a level without it runs the GEMM over im2col. */
typedef void (*pred__conv_direct_fn)(float *y, const float *x, const float *w, const float *bias,
                                     const pred__direct_shape *s, size_t oy0, size_t oy1, float *scratch,
                                     const pred__act *act);
static size_t pred__conv_direct_scratch_size(const pred__direct_shape *s);
#if PRED__HAVE_AVX2 /* the levels with a conv_direct */
/* What a level's conv_direct reads, in its scratch: the weights tap by tap (tap t's channels at
 * w + t * m32, m32 = m rounded up to 32, zeros past m), the bias (zeros without one), the kh rows
 * of each input channel an output row reads, copied with their padding as zeros into `rows`
 * (`width` floats each: every block of 8 outputs reads inside, the last one too), and each tap's
 * offset in `rows` (tap (ci, ky, kx) at (ci * kh + ky) * width + kx): output ox of the row then
 * reads tap t at rows + offsets[t] + ox * stride_x, with no test for the padding. */
typedef struct pred__direct_plan {
    const float *w, *bias;
    const size_t *offsets;
    float *rows;
    size_t m32, width;
} pred__direct_plan;
static pred__direct_plan pred__conv_direct_plan(float *scratch, const float *w, const float *bias,
                                                const pred__direct_shape *s);
/* dst (width floats) = zeros, with src's n values at column `at` (those that fit; src NULL: all
 * zeros): one row of a zero-padded copy. */
static void pred__pad_row(float *dst, size_t width, const float *src, size_t at, size_t n);
/* Copies the input rows output row oy reads into p->rows. */
static void pred__conv_direct_pad_rows(const pred__direct_plan *p, const float *x, const pred__direct_shape *s,
                                       size_t oy);
#endif

/* y (n,) = f(x (n,)), elementwise; y may be x. */
typedef void (*pred__map_fn)(float *y, const float *x, size_t n);
/* dst[i] = src[2 * i] for i < n, reading src[0 .. 2n - 2] only: the rows of a stride-2 im2col strip. */
typedef void (*pred__gather_fn)(float *dst, const float *src, size_t n);

/* y (n,) = a op b, op a PRED__ARITH_* code, with a (or b) one value repeated when sa (sb) is 0
 * and read as n floats when 1; not both 0. y may be a or b. Each result rounded once, as C's
 * operators round it: every level gives the same bits. Optional. */
enum { PRED__ARITH_ADD, PRED__ARITH_SUB, PRED__ARITH_MUL, PRED__ARITH_DIV };
typedef void (*pred__arith_fn)(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n, int op);
/* y (n,) = pred__clip1(x, lo, hi) elementwise (Relu: lo 0, hi infinity); y may be x. Optional. */
typedef void (*pred__clamp_fn)(float *y, const float *x, size_t n, float lo, float hi);

/* Outputs [0, n) of one row of 2-D pooling windows that all lie inside the input: y[o] = the max
 * (is_max) or the sum divided by count of x[r * ldx + o * stride + t] over rows r < rows and taps
 * t < kw, taken in that order: the bits of op_pool.c's loop, NaN and signed zeros included (a max
 * keeps the window's last NaN). Computes a prefix of whole vectors, reading each row r only within
 * x[r * ldx .. r * ldx + span), and returns its length; the caller computes the rest. Optional. */
typedef size_t (*pred__pool_row_fn)(float *y, const float *x, size_t ldx, size_t rows, size_t kw, size_t stride,
                                    size_t n, size_t span, int is_max, float count);

typedef struct pred__kernels {
    pred__isa isa;
    const char *name;
    pred__gemm_tile_fn gemm_tile;
    pred__gemm_tile2_fn gemm_tile2;    /* NULL: gemm_tile twice */
    pred__gemm_tile_rows_fn gemm_tile_rows; /* NULL: strips are packed */
    pred__dwconv_fn dwconv;
    pred__dwconv_lanes_fn dwconv_lanes; /* NULL: this level has none (dwconv on each channel) */
    int dw_s2_direct;                 /* dwconv reads the rows of pred__dw_s2_direct shapes in place */
    pred__conv_direct_fn conv_direct; /* NULL: this level has none */
    pred__map_fn exp, sigmoid, erf;   /* e^x, 1 / (1 + e^-x), erf x */
    pred__gather_fn gather2;
    pred__pool_row_fn pool_row;       /* NULL: op_pool.c's loop */
    pred__arith_fn arith;             /* NULL: op_elementwise.c's loops */
    pred__clamp_fn clamp;             /* NULL: op_activation.c's loops */
} pred__kernels;

/* The table of the level in use (detected, or forced by PRED_ISA). */
static const pred__kernels *pred__kernels_get(void);
/* The table of a given level, or NULL if this build or CPU does not have it (tests). */
static const pred__kernels *pred__kernels_for(pred__isa isa);

/* Activations a tile applies in registers; others run over the tile afterwards. */
static int pred__act_in_tile(const pred__act *act);

/* ---- the kernels of each level (kernels/<family>_<level>.c) ---------------*/

static void pred__gemm_tile_scalar(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                   size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__dwconv_scalar(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                float *scratch, const pred__act *act);
static void pred__vexp_scalar(float *y, const float *x, size_t n);
static void pred__vsigmoid_scalar(float *y, const float *x, size_t n);
static void pred__verf_scalar(float *y, const float *x, size_t n);
static void pred__gather2_scalar(float *dst, const float *src, size_t n);
#if PRED__HAVE_AVX2
static void pred__vexp_avx2(float *y, const float *x, size_t n);
static void pred__vsigmoid_avx2(float *y, const float *x, size_t n);
static void pred__verf_avx2(float *y, const float *x, size_t n);
static void pred__gather2_avx2(float *dst, const float *src, size_t n);
static void pred__arith_avx2(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n, int op);
static void pred__clamp_avx2(float *y, const float *x, size_t n, float lo, float hi);
static size_t pred__pool_row_avx2(float *y, const float *x, size_t ldx, size_t rows, size_t kw, size_t stride,
                                  size_t n, size_t span, int is_max, float count);
static void pred__gemm_tile_avx2(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                 size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__gemm_tile_rows_avx2(float *c, size_t ldc, const float *a, const float *b, size_t ldb, size_t k,
                                      size_t mr, const float *bias, const float *res, const pred__act *act,
                                      int accumulate);
static void pred__dwconv_avx2(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                              float *scratch, const pred__act *act);
static void pred__dwconv_lanes_avx2(float *y, const float *x, const float *w, const float *bias, size_t n,
                                    const pred__dw_shape *s, float *scratch, const pred__act *act);
static void pred__conv_direct_avx2(float *y, const float *x, const float *w, const float *bias,
                                   const pred__direct_shape *s, size_t oy0, size_t oy1, float *scratch,
                                   const pred__act *act);
#endif
#if PRED__HAVE_AVX512
static void pred__gemm_tile_avx512(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                   size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__gather2_avx512(float *dst, const float *src, size_t n);
static void pred__gemm_tile2_avx512(float *c, size_t ldc, const float *a, const float *b0, const float *b1, size_t k,
                                    size_t mr, size_t nr1, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__dwconv_avx512(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                float *scratch, const pred__act *act);
static void pred__dwconv_lanes_avx512(float *y, const float *x, const float *w, const float *bias, size_t n,
                                      const pred__dw_shape *s, float *scratch, const pred__act *act);
static void pred__conv_direct_avx512(float *y, const float *x, const float *w, const float *bias,
                                     const pred__direct_shape *s, size_t oy0, size_t oy1, float *scratch,
                                     const pred__act *act);
#endif
#if PRED__HAVE_WASM128
static void pred__vexp_wasm128(float *y, const float *x, size_t n);
static void pred__vsigmoid_wasm128(float *y, const float *x, size_t n);
static void pred__verf_wasm128(float *y, const float *x, size_t n);
static void pred__gemm_tile_wasm128(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                    size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__dwconv_wasm128(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                                 float *scratch, const pred__act *act);
static void pred__dwconv_lanes_wasm128(float *y, const float *x, const float *w, const float *bias, size_t n,
                                       const pred__dw_shape *s, float *scratch, const pred__act *act);
static void pred__gather2_wasm128(float *dst, const float *src, size_t n);
#endif
#if PRED__HAVE_NEON
static void pred__vexp_neon(float *y, const float *x, size_t n);
static void pred__vsigmoid_neon(float *y, const float *x, size_t n);
static void pred__verf_neon(float *y, const float *x, size_t n);
static void pred__gemm_tile_neon(float *c, size_t ldc, const float *a, const float *b, size_t k, size_t mr,
                                 size_t nr, const float *bias, const float *res, const pred__act *act, int accumulate);
static void pred__dwconv_neon(float *y, const float *x, const float *w, float bias, const pred__dw_shape *s,
                              float *scratch, const pred__act *act);
static void pred__dwconv_lanes_neon(float *y, const float *x, const float *w, const float *bias, size_t n,
                                    const pred__dw_shape *s, float *scratch, const pred__act *act);
static void pred__gather2_neon(float *dst, const float *src, size_t n);
#endif

#endif /* PRED_KERNELS_DISPATCH_H */
