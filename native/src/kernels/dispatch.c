/*
 * kernels/dispatch.c: CPU detection and the kernel table of each level.
 */
#include <stdatomic.h>
#include "dispatch.h"
#if PRED__HAVE_AVX2
#include <cpuid.h>
#endif
#if PRED__HAVE_NEON && !defined(__ARM_NEON)
#include <sys/auxv.h>
#endif

static const pred__kernels pred__kernels_scalar = {
    .isa = PRED__ISA_SCALAR, .name = "scalar", .gemm_tile = pred__gemm_tile_scalar, .dwconv = pred__dwconv_scalar,
    .exp = pred__vexp_scalar, .sigmoid = pred__vsigmoid_scalar, .erf = pred__verf_scalar, .gather2 = pred__gather2_scalar};
#if PRED__HAVE_AVX2
static const pred__kernels pred__kernels_avx2 = {
    .isa = PRED__ISA_AVX2, .name = "avx2", .gemm_tile = pred__gemm_tile_avx2,
    .gemm_tile_rows = pred__gemm_tile_rows_avx2, .dwconv = pred__dwconv_avx2,
    .dwconv_lanes = pred__dwconv_lanes_avx2, .exp = pred__vexp_avx2, .sigmoid = pred__vsigmoid_avx2,
    .erf = pred__verf_avx2, .gather2 = pred__gather2_avx2, .conv_direct = pred__conv_direct_avx2,
    .pool_row = pred__pool_row_avx2, .arith = pred__arith_avx2, .clamp = pred__clamp_avx2};
#endif
#if PRED__HAVE_AVX512
/* the GEMM tile, depthwise convs and gather in 512-bit vectors; the math, arithmetic and pooling
 * are AVX2's */
static const pred__kernels pred__kernels_avx512 = {
    .isa = PRED__ISA_AVX512, .name = "avx512", .gemm_tile = pred__gemm_tile_avx512,
    .gemm_tile2 = pred__gemm_tile2_avx512, .dwconv = pred__dwconv_avx512, .dw_s2_direct = 1,
    .conv_direct = pred__conv_direct_avx512,
    .dwconv_lanes = pred__dwconv_lanes_avx512, .exp = pred__vexp_avx2, .sigmoid = pred__vsigmoid_avx2,
    .erf = pred__verf_avx2, .gather2 = pred__gather2_avx512, .pool_row = pred__pool_row_avx2,
    .arith = pred__arith_avx2, .clamp = pred__clamp_avx2};
#endif
#if PRED__HAVE_WASM128
static const pred__kernels pred__kernels_wasm128 = {
    .isa = PRED__ISA_WASM128, .name = "wasm128", .gemm_tile = pred__gemm_tile_wasm128,
    .dwconv = pred__dwconv_wasm128, .dwconv_lanes = pred__dwconv_lanes_wasm128, .exp = pred__vexp_wasm128,
    .sigmoid = pred__vsigmoid_wasm128, .erf = pred__verf_wasm128, .gather2 = pred__gather2_wasm128};
#endif
#if PRED__HAVE_NEON
static const pred__kernels pred__kernels_neon = {
    .isa = PRED__ISA_NEON, .name = "neon", .gemm_tile = pred__gemm_tile_neon, .dwconv = pred__dwconv_neon,
    .dwconv_lanes = pred__dwconv_lanes_neon, .exp = pred__vexp_neon,
    .sigmoid = pred__vsigmoid_neon, .erf = pred__verf_neon, .gather2 = pred__gather2_neon};
#endif

#if PRED__HAVE_AVX2
/* 1 if the CPU has AVX2 and FMA (and AVX-512F when `avx512`) and the operating system saves their
 * registers (XCR0: the YMM state; and the mask and ZMM states), from cpuid and xgetbv as the
 * Intel and AMD manuals give them (libgcc's __builtin_cpu_supports did the same for 4 KB more). */
static int pred__x86_has(int avx512) {
    unsigned a, b, c, d, xcr0, xcr0_high;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 12))) return 0; /* OSXSAVE, AVX, FMA */
    __asm__ __volatile__("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    if ((xcr0 & 0x6) != 0x6) return 0;                                          /* SSE and AVX state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5))) return 0; /* AVX2 */
    return !avx512 || ((b & (1u << 16)) && (xcr0 & 0xe0) == 0xe0);             /* AVX-512F; k, ZMM states */
}
#endif

#if PRED__HAVE_NEON
/* 1 if the CPU has NEON: always on aarch64 and in builds for NEON; else (gcc, armv7 Linux) as the
 * kernel reports it, HWCAP_NEON of Linux's arm <asm/hwcap.h> */
static int pred__neon_has(void) {
#if defined(__ARM_NEON)
    return 1;
#else
    return (getauxval(AT_HWCAP) & (1ul << 12)) != 0;
#endif
}
#endif

/* 1 if this CPU (and its operating system, which must save the wide registers) runs the level. */
static int pred__isa_supported(pred__isa isa) {
    switch (isa) {
    case PRED__ISA_SCALAR: return 1;
#if PRED__HAVE_AVX2
    case PRED__ISA_AVX2: return pred__x86_has(0);
#endif
#if PRED__HAVE_AVX512
    case PRED__ISA_AVX512: return pred__x86_has(1);
#endif
#if PRED__HAVE_WASM128
    case PRED__ISA_WASM128: return 1; /* an engine without SIMD128 refuses the whole module */
#endif
#if PRED__HAVE_NEON
    case PRED__ISA_NEON: return pred__neon_has();
#endif
    default: return 0;
    }
}

static const pred__kernels *pred__kernels_for(pred__isa isa) {
    if (!pred__isa_supported(isa)) return NULL;
    switch (isa) {
#if PRED__HAVE_AVX2
    case PRED__ISA_AVX2: return &pred__kernels_avx2;
#endif
#if PRED__HAVE_AVX512
    case PRED__ISA_AVX512: return &pred__kernels_avx512;
#endif
#if PRED__HAVE_WASM128
    case PRED__ISA_WASM128: return &pred__kernels_wasm128;
#endif
#if PRED__HAVE_NEON
    case PRED__ISA_NEON: return &pred__kernels_neon;
#endif
    case PRED__ISA_SCALAR: return &pred__kernels_scalar;
    default: return NULL;
    }
}

/* The best level this CPU runs, lowered to PRED_ISA's if that names a lower one. */
static const pred__kernels *pred__kernels_detect(void) {
    const char *forced = getenv("PRED_ISA");
    const pred__kernels *best = &pred__kernels_scalar, *k;
    int isa;
    for (isa = PRED__ISA_COUNT - 1; isa >= 0; isa--)
        if ((k = pred__kernels_for((pred__isa)isa)) != NULL) {
            best = k;
            break;
        }
    for (isa = 0; forced && isa < PRED__ISA_COUNT && isa < (int)best->isa; isa++) /* (the count: gcc -O3) */
        if ((k = pred__kernels_for((pred__isa)isa)) != NULL && strcmp(forced, k->name) == 0) return k;
    return best;
}

/* The table in use, detected at the first call. File scope so that a test that includes the
 * single file (tests/fuzz/fuzz_run.c) can switch levels between runs. */
static _Atomic(const pred__kernels *) pred__kernels_chosen = NULL;

static const pred__kernels *pred__kernels_get(void) {
    /* detected once; threads racing here compute the same table */
    const pred__kernels *k = atomic_load_explicit(&pred__kernels_chosen, memory_order_acquire);
    if (!k) {
        k = pred__kernels_detect();
        atomic_store_explicit(&pred__kernels_chosen, k, memory_order_release);
    }
    return k;
}

static int pred__act_in_tile(const pred__act *act) {
    return act->kind == PRED__ACT_NONE || act->kind == PRED__ACT_RELU || act->kind == PRED__ACT_CLIP;
}

static size_t pred__dw_padded_width(const pred__dw_shape *s) {
    /* whole vectors of 8 outputs; stride 2 keeps the even and the odd columns of a row in two halves */
    size_t vectors = (s->ow + 7) / 8, half = (vectors * 8 + (s->kw - 1) / 2 + 7) / 8 * 8;
    return s->stride == 1 ? (vectors * 8 + s->kw - 1 + 7) / 8 * 8 : 2 * half; /* whole vectors, too */
}

static int pred__dw_s2_direct(const pred__dw_shape *s) {
    return s->stride == 2 && s->kh == s->kw && (s->kw == 3 || s->kw == 5);
}

static size_t pred__dw_block_rows(size_t oh) {
    return (oh + 7) / 8 * 8;
}

static size_t pred__dw_scratch_size(const pred__dw_shape *s) {
    /* and 16 more floats: a vector of 16 lanes may read that far past the last row (dwconv_avx512.c) */
    size_t copy = ((pred__dw_block_rows(s->oh) - 1) * s->stride + s->kh) * pred__dw_padded_width(s) + 16;
    return copy > s->w + 48 ? copy : s->w + 48; /* or a row of zeros for a kernel reading rows in place */
}

/* Padded columns of the channels' copy: the input's, or as many as one block of 8 outputs reads. */
static size_t pred__dw_lanes_cols(const pred__dw_shape *s) {
    size_t read = ((s->ow > 8 ? s->ow : 8) - 1) * s->stride + s->kw;
    return read > s->w + s->pad_l ? read : s->w + s->pad_l;
}

static size_t pred__dw_lanes_rows(const pred__dw_shape *s) {
    return (s->oh - 1) * s->stride + s->kh;
}

/* the width of pred__direct_plan's rows */
static size_t pred__conv_direct_width(const pred__direct_shape *s) {
    return ((s->ow + 7) / 8 * 8 - 1) * s->stride_x + s->kw;
}

static size_t pred__conv_direct_scratch_size(const pred__direct_shape *s) {
    const size_t taps = s->c * s->kh * s->kw;
    /* the weights, the bias, the offsets (size_t: 1 or 2 floats' room each), the rows */
    return (taps + 1) * ((s->m + 31) / 32 * 32) + taps * (sizeof(size_t) / sizeof(float)) +
           s->c * s->kh * pred__conv_direct_width(s);
}

static void pred__pad_row(float *dst, size_t width, const float *src, size_t at, size_t n) {
    const size_t lo = at < width ? at : width, room = width - lo, hi = lo + (!src ? 0 : n < room ? n : room);
    memset(dst, 0, lo * sizeof *dst);
    if (hi > lo) memcpy(dst + lo, src, (hi - lo) * sizeof *dst);
    memset(dst + hi, 0, (width - hi) * sizeof *dst);
}

#if PRED__HAVE_AVX2 /* the levels with a conv_direct */
static pred__direct_plan pred__conv_direct_plan(float *scratch, const float *w, const float *bias,
                                                const pred__direct_shape *s) {
    const size_t taps = s->c * s->kh * s->kw;
    pred__direct_plan p;
    float *bt;
    size_t *off;
    size_t t, ch, ci, ky, kx;
    p.m32 = (s->m + 31) / 32 * 32, p.width = pred__conv_direct_width(s);
    bt = scratch + taps * p.m32;
    off = (size_t *)(void *)(bt + p.m32); /* 128-byte aligned: scratch is 64-byte aligned, m32 a multiple of 32 */
    for (t = 0; t < taps; t++)
        for (ch = 0; ch < p.m32; ch++) scratch[t * p.m32 + ch] = ch < s->m ? w[ch * taps + t] : 0.0f;
    for (ch = 0; ch < p.m32; ch++) bt[ch] = bias && ch < s->m ? bias[ch] : 0.0f;
    for (ci = 0, t = 0; ci < s->c; ci++)
        for (ky = 0; ky < s->kh; ky++)
            for (kx = 0; kx < s->kw; kx++) off[t++] = (ci * s->kh + ky) * p.width + kx;
    p.w = scratch, p.bias = bt, p.offsets = off, p.rows = (float *)(void *)(off + taps);
    return p;
}

static void pred__conv_direct_pad_rows(const pred__direct_plan *p, const float *x, const pred__direct_shape *s,
                                       size_t oy) {
    size_t ci, ky;
    for (ci = 0; ci < s->c; ci++)
        for (ky = 0; ky < s->kh; ky++) {
            const size_t iy = oy * s->stride_y + ky; /* in padded rows */
            const int inside = iy >= s->pad_t && iy - s->pad_t < s->h;
            pred__pad_row(p->rows + (ci * s->kh + ky) * p->width, p->width,
                          inside ? x + (ci * s->h + iy - s->pad_t) * s->w : NULL, s->pad_l, s->w);
        }
}
#endif

#if PRED__HAVE_AVX2 || PRED__HAVE_NEON || PRED__HAVE_WASM128
static void pred__dw_lanes_in_turns(pred__dwconv_lanes_fn part, size_t lanes, float *y, const float *x, const float *w,
                                    const float *bias, size_t n, const pred__dw_shape *s, float *scratch,
                                    const pred__act *act) {
    size_t c;
    for (c = 0; c < n; c += lanes)
        part(y + c * s->oh * s->ow, x + c * s->h * s->w, w + c * s->kh * s->kw, bias ? bias + c : NULL,
             n - c < lanes ? n - c : lanes, s, scratch, act);
}
#endif

static size_t pred__dw_lanes_scratch_size(const pred__dw_shape *s) {
    return (pred__dw_lanes_rows(s) * pred__dw_lanes_cols(s) + s->kh * s->kw) * PRED__DW_LANES;
}
