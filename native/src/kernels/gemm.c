/*
 * kernels/gemm.c: packing and the loop over tiles of the packed GEMM.
 */
#include "gemm.h"
#include "../kernels.h"

static size_t pred__gemm_packed_size(size_t m, size_t k) {
    return (m + PRED__GEMM_MR - 1) / PRED__GEMM_MR * PRED__GEMM_MR * k;
}

/* One row at a time, so the reads of a row-major operand are sequential; a transposed one (rs = 1:
 * its columns are contiguous) one column at a time into every panel, for the same reason, each
 * whole panel's piece a fixed-size copy (the transposed product packs a 7 x 7 map's 49 pixels by
 * 1152 channels so: 30 -> 8 us, and the copies 34 -> 11 us on AMD Zen 3). */
static void pred__gemm_pack(float *dst, const float *a, size_t rs, size_t cs, size_t m, size_t k) {
    size_t i0, r, p;
    if (rs == 1 && cs != 1) {
        for (p = 0; p < k; p++) {
            const float *src = a + p * cs;
            float *d = dst + p * PRED__GEMM_MR;
            for (i0 = 0; i0 + PRED__GEMM_MR <= m; i0 += PRED__GEMM_MR, d += PRED__GEMM_MR * k)
                memcpy(d, src + i0, PRED__GEMM_MR * sizeof *d);
            for (r = 0; i0 < m && r < PRED__GEMM_MR; r++) d[r] = i0 + r < m ? src[i0 + r] : 0.0f;
        }
        return;
    }
    for (i0 = 0; i0 < m; i0 += PRED__GEMM_MR, dst += PRED__GEMM_MR * k)
        for (r = 0; r < PRED__GEMM_MR; r++) {
            const float *src = a + (i0 + r) * rs;
            if (i0 + r < m)
                for (p = 0; p < k; p++) dst[p * PRED__GEMM_MR + r] = src[p * cs];
            else
                for (p = 0; p < k; p++) dst[p * PRED__GEMM_MR + r] = 0.0f;
        }
}

/* dst (kc, NR) = b (kc, nr), element (p, j) at b[p * rs + j * cs], zeros in the columns past nr */
static void pred__gemm_pack_strip(float *dst, const float *b, size_t rs, size_t cs, size_t kc, size_t nr) {
    size_t p, j;
    if (cs == 1) { /* rows of the strip are contiguous: copy them */
        for (p = 0; p < kc; p++, dst += PRED__GEMM_NR, b += rs) {
            if (nr == PRED__GEMM_NR) { /* the common case, a fixed-size copy the compiler inlines */
                memcpy(dst, b, PRED__GEMM_NR * sizeof *dst);
            } else {
                memcpy(dst, b, nr * sizeof *dst);
                for (j = nr; j < PRED__GEMM_NR; j++) dst[j] = 0.0f;
            }
        }
        return;
    }
    for (j = 0; j < PRED__GEMM_NR; j++) /* columns are contiguous (a transposed operand): read them in turn */
        if (j < nr)
            for (p = 0; p < kc; p++) dst[p * PRED__GEMM_NR + j] = b[j * cs + p * rs];
        else
            for (p = 0; p < kc; p++) dst[p * PRED__GEMM_NR + j] = 0.0f;
}

/* [*lo, *hi): the columns c < len of a run whose input column x0 + c * stride lies in [0, width) */
static void pred__gemm_window_cols(int64_t x0, int64_t width, int64_t stride, size_t len, size_t *lo, size_t *hi) {
    int64_t l = x0 >= 0 ? 0 : (-x0 + stride - 1) / stride, h = width <= x0 ? 0 : (width - x0 + stride - 1) / stride;
    *hi = h < (int64_t)len ? (size_t)h : len;
    *lo = l < (int64_t)*hi ? (size_t)l : *hi;
}

/* dst (kc, NR) = rows [k0, k0 + kc), columns [j, j + nr) of the im2col matrix of b (see
 * pred__gemm_src), zeros in the columns past nr. The strip's columns are consecutive outputs, in
 * runs that share an output row (one run, or a few on small maps); in each row of the strip, a
 * run reads one input row, found once: zeros, a copy, zeros. */
static void pred__gemm_pack_windows(const pred__kernels *kt, float *dst, const float *b, const pred__window *win,
                                    size_t k0, size_t kc, size_t j, size_t nr) {
    const int64_t *in = win->in, *kr = win->kernel, *o = win->out, *s = win->strides, *dl = win->dilations;
    const int64_t *pb = win->pad_begin;
    struct { size_t c0, c1; int64_t z, y, x; } runs[PRED__GEMM_NR]; /* window origins of the first column */
    uint8_t lo_of[PRED__GEMM_NR][PRED__GEMM_NR], hi_of[PRED__GEMM_NR][PRED__GEMM_NR]; /* per run and kx */
    int64_t oz, oy, ox, ci, kz, ky, kx, kx_end = 0, t;
    size_t p, c, r, n_runs = 0;
    const int cached = kr[2] <= PRED__GEMM_NR;
    ox = (int64_t)j % o[2];
    t = (int64_t)j / o[2];
    oy = t % o[1];
    oz = t / o[1];
    for (c = 0; c < nr; n_runs++) {
        size_t len = (size_t)(o[2] - ox) < nr - c ? (size_t)(o[2] - ox) : nr - c;
        runs[n_runs].c0 = c;
        runs[n_runs].c1 = c + len;
        runs[n_runs].z = oz * s[0] - pb[0];
        runs[n_runs].y = oy * s[1] - pb[1];
        runs[n_runs].x = ox * s[2] - pb[2];
        c += len;
        ox = 0;
        if (++oy == o[1]) oy = 0, oz++;
    }
    for (r = 0; cached && r < n_runs; r++) /* the columns of a run inside the input row depend on kx only */
        for (kx = 0; kx < kr[2]; kx++) {
            size_t lo, hi;
            pred__gemm_window_cols(runs[r].x + kx * dl[2], in[2], s[2], runs[r].c1 - runs[r].c0, &lo, &hi);
            lo_of[r][kx] = (uint8_t)lo;
            hi_of[r][kx] = (uint8_t)hi;
        }
    kx = (int64_t)k0 % kr[2];
    t = (int64_t)k0 / kr[2];
    ky = t % kr[1];
    t /= kr[1];
    kz = t % kr[0];
    ci = t / kr[0];
    /* the rows of one input row (ci, kz, ky) at a time: its taps kx share the row and its bounds */
    for (p = 0; p < kc; dst += (kx_end - kx) * PRED__GEMM_NR, p += kx_end - kx, kx = 0) {
        const float *plane = b + ci * in[0] * in[1] * in[2];
        int64_t q;
        kx_end = kr[2] - kx < (int64_t)(kc - p) ? kr[2] : kx + (int64_t)(kc - p);
        for (r = 0; r < n_runs; r++) {
            const int64_t iz = runs[r].z + kz * dl[0], iy = runs[r].y + ky * dl[1];
            const size_t len = runs[r].c1 - runs[r].c0;
            const int inside = iz >= 0 && iz < in[0] && iy >= 0 && iy < in[1];
            const float *row = inside ? plane + (iz * in[1] + iy) * in[2] : plane;
            for (q = kx; q < kx_end; q++) {
                const int64_t x0 = runs[r].x + q * dl[2];
                float *d = dst + (size_t)(q - kx) * PRED__GEMM_NR + runs[r].c0;
                size_t lo = len, hi = len;
                if (inside) {
                    if (cached) lo = lo_of[r][q], hi = hi_of[r][q];
                    else pred__gemm_window_cols(x0, in[2], s[2], len, &lo, &hi);
                }
                if (s[2] == 1 && lo == 0 && hi == PRED__GEMM_NR) { /* a whole strip inside the row: inlined */
                    memcpy(d, row + x0, PRED__GEMM_NR * sizeof *d);
                    continue;
                }
                for (c = 0; c < lo; c++) d[c] = 0.0f;
                if (hi > lo) {
                    const float *from = row + x0 + (int64_t)lo * s[2];
                    if (s[2] == 1) memcpy(d + lo, from, (hi - lo) * sizeof *d);
                    else if (s[2] == 2) kt->gather2(d + lo, from, hi - lo);
                    else for (c = lo; c < hi; c++) d[c] = from[(int64_t)(c - lo) * s[2]];
                }
                for (c = hi; c < len; c++) d[c] = 0.0f;
            }
        }
        for (q = kx; nr < PRED__GEMM_NR && q < kx_end; q++)
            for (c = nr; c < PRED__GEMM_NR; c++) dst[(size_t)(q - kx) * PRED__GEMM_NR + c] = 0.0f;
        if (kx_end == kr[2] && ++ky == kr[1] && (ky = 0, ++kz == kr[0])) kz = 0, ci++;
    }
}

/* Floats of padded copy a convolution may take: every thread's scratch grows by it (only the
 * caller's holds the copy), so large inputs (a 512 x 512 map of 64 channels: 17 M floats) keep
 * the bounds-finding packing instead. 1 M floats covers 224 x 224 models' layers of 64 channels
 * on 112 x 112 maps. */
#define PRED__GEMM_PADDED_CAP ((size_t)1 << 20)

static size_t pred__gemm_padded_size(const pred__window *win, size_t c) {
    size_t size;
    if (win->in[0] != 1 || win->kernel[0] != 1 || win->out[0] != 1 || win->strides[2] > 2 ||
        win->dilations[1] != 1 || win->dilations[2] != 1)
        return 0;
    size = c * (size_t)(win->pad_begin[1] + win->in[1] + win->pad_end[1]) *
           (size_t)(win->pad_begin[2] + win->in[2] + win->pad_end[2]);
    return size <= PRED__GEMM_PADDED_CAP ? size : 0;
}

static void pred__gemm_pad(float *dst, const float *b, const pred__window *win, size_t c) {
    const size_t h = (size_t)win->in[1], w = (size_t)win->in[2], pt = (size_t)win->pad_begin[1];
    const size_t ph = pt + h + (size_t)win->pad_end[1], pw = (size_t)(win->pad_begin[2] + win->in[2] + win->pad_end[2]);
    size_t ci, r;
    for (ci = 0; ci < c; ci++)
        for (r = 0; r < ph; r++, dst += pw)
            pred__pad_row(dst, pw, r >= pt && r - pt < h ? b + (ci * h + r - pt) * w : NULL, (size_t)win->pad_begin[2], w);
}

/* pred__gemm_pack_windows for a source with `padded`: each run of the strip's columns in one
 * output row reads, for row (ci, ky, kx) of the strip, a run of padded row (ci, oy * stride + ky)
 * from column ox * stride + kx (stride 2 across: every second value, the level's gather2). */
static void pred__gemm_pack_padded(const pred__kernels *kt, float *dst, const pred__gemm_src *src, size_t k0,
                                   size_t kc, size_t j, size_t nr) {
    const pred__window *win = src->win;
    const size_t ow = (size_t)win->out[2], kh = (size_t)win->kernel[1], kw = (size_t)win->kernel[2];
    const size_t pw = (size_t)(win->pad_begin[2] + win->in[2] + win->pad_end[2]);
    const size_t plane = (size_t)(win->pad_begin[1] + win->in[1] + win->pad_end[1]) * pw, sx = (size_t)win->strides[2];
    struct { size_t c0, len; const float *from; } runs[PRED__GEMM_NR];
    size_t ox = j % ow, oy = j / ow, c, p, r, n_runs = 0, kx = k0 % kw, ky = k0 / kw % kh, ci = k0 / kw / kh;
    for (c = 0; c < nr; c += runs[n_runs++].len, ox = 0, oy++) {
        runs[n_runs].c0 = c;
        runs[n_runs].len = ow - ox < nr - c ? ow - ox : nr - c;
        runs[n_runs].from = src->padded + oy * (size_t)win->strides[1] * pw + ox * sx;
    }
    for (p = 0; p < kc; p++, dst += PRED__GEMM_NR) {
        const size_t at = ci * plane + ky * pw + kx;
        if (sx == 1 && n_runs == 1 && nr == PRED__GEMM_NR) { /* the common case, a fixed-size copy the compiler inlines */
            memcpy(dst, runs[0].from + at, PRED__GEMM_NR * sizeof *dst);
        } else {
            for (r = 0; r < n_runs; r++)
                if (sx == 2) kt->gather2(dst + runs[r].c0, runs[r].from + at, runs[r].len);
                else memcpy(dst + runs[r].c0, runs[r].from + at, runs[r].len * sizeof *dst);
            for (c = nr; c < PRED__GEMM_NR; c++) dst[c] = 0.0f;
        }
        if (++kx == kw && (kx = 0, ++ky == kh)) ky = 0, ci++;
    }
}

static size_t pred__gemm_strips_size(size_t k, size_t n) {
    return (n + PRED__GEMM_NR - 1) / PRED__GEMM_NR * PRED__GEMM_NR * k;
}

static void pred__gemm_pack_strips(float *dst, const float *b, size_t rs, size_t cs, size_t k, size_t n) {
    size_t j;
    for (j = 0; j < n; j += PRED__GEMM_NR, dst += PRED__GEMM_NR * k)
        pred__gemm_pack_strip(dst, b + j * cs, rs, cs, k, n - j < PRED__GEMM_NR ? n - j : PRED__GEMM_NR);
}

/* c (mr, nr) += a @ b over all of k, one tile call per block of PRED__GEMM_KC steps as
 * pred__gemm_packed makes them (a level may sum the steps of one call in its own order, so the
 * blocks must be the same everywhere for the layouts to agree to the bit); act after the last. */
static void pred__gemm_tile_blocks(const pred__kernels *kt, float *c, size_t ldc, const float *a, const float *b,
                                   size_t k, size_t mr, size_t nr, const pred__act *act) {
    size_t k0 = 0;
    do {
        size_t kc = k - k0 < PRED__GEMM_KC ? k - k0 : PRED__GEMM_KC;
        kt->gemm_tile(c, ldc, a + k0 * PRED__GEMM_MR, b + k0 * PRED__GEMM_NR, kc, mr, nr, NULL, NULL,
                      k0 + kc == k ? act : &pred__act_none, 1);
        k0 += kc;
    } while (k0 < k);
}

/* Strip j (columns [j * NR, ...)) and panels [p0, p1) of c += a @ b_strips. */
static void pred__gemm_packed_both(const pred__gemm_job *job, size_t strip, size_t p0, size_t p1) {
    int in_tile = pred__act_in_tile(job->act);
    size_t i, r, m = job->m, k = job->k, j = strip * PRED__GEMM_NR;
    size_t nr = job->n - j < PRED__GEMM_NR ? job->n - j : PRED__GEMM_NR;
    for (i = p0 * PRED__GEMM_MR; i < m && i < p1 * PRED__GEMM_MR; i += PRED__GEMM_MR) {
        size_t mr = m - i < PRED__GEMM_MR ? m - i : PRED__GEMM_MR;
        float *ct = job->c + i * job->ldc + j;
        pred__gemm_tile_blocks(job->kt, ct, job->ldc, job->a_packed + i * k, job->b_strips + j * k, k, mr, nr,
                               job->act);
        for (r = 0; !in_tile && r < mr; r++) pred__act_apply(ct + r * job->ldc, nr, job->act);
    }
}

/* Columns of c a task of the level computes at a time: two strips where its tile takes two, else
 * one (two would only double the strips held in L1: Lite0 2-4% slower at the AVX2 level). */
static size_t pred__gemm_block_cols(const pred__kernels *kt) {
    return kt->gemm_tile2 ? PRED__GEMM_NC : PRED__GEMM_NR;
}

/* c (mr, nr0 + nr1) from the strips b0 (nr0 columns) and b1 (nr1 columns; 0: none) at c's columns
 * 0 and NR (res likewise): one tile over both where the level has it, else a tile on each (the same
 * bits); a tile on each too where b1 has at most 8 columns, which the level's tile computes in
 * half-width vectors (pred__gemm_tile8_avx512_body). */
static void pred__gemm_tile_pair(const pred__kernels *kt, float *c, size_t ldc, const float *a, const float *b0,
                                 const float *b1, size_t kc, size_t mr, size_t nr0, size_t nr1, const float *bias,
                                 const float *res, const pred__act *act, int accumulate) {
    if (nr1 > 8 && kt->gemm_tile2 && mr > 1) {
        kt->gemm_tile2(c, ldc, a, b0, b1, kc, mr, nr1, bias, res, act, accumulate);
        return;
    }
    kt->gemm_tile(c, ldc, a, b0, kc, mr, nr0, bias, res, act, accumulate);
    if (nr1) kt->gemm_tile(c + PRED__GEMM_NR, ldc, a, b1, kc, mr, nr1, bias, res ? res + PRED__GEMM_NR : NULL, act, accumulate);
}

/* Columns [j, j + width) (width <= NC, the strips at work and work + KC * NR; or, with `rows`, whole
 * strips read in place there, rows job->src.ldb apart) of the panels [p0, p1) of c, from the block
 * of k at k0 (kc steps; `last`: the final one): two packed strips in one tile where the level has it. */
static void pred__gemm_block_tiles(const pred__gemm_job *job, size_t j, size_t width, size_t p0, size_t p1,
                                   size_t k0, size_t kc, int last, const float *work, const float *rows) {
    const int in_tile = pred__act_in_tile(job->act);
    const pred__act *act = last ? job->act : &pred__act_none;
    const float *work1 = work + PRED__GEMM_KC * PRED__GEMM_NR;
    const size_t nr0 = width < PRED__GEMM_NR ? width : PRED__GEMM_NR, nr1 = width - nr0;
    size_t i, r, s, m = job->m, k = job->k;
    for (i = p0 * PRED__GEMM_MR; i < m && i < p1 * PRED__GEMM_MR; i += PRED__GEMM_MR) {
        const size_t mr = m - i < PRED__GEMM_MR ? m - i : PRED__GEMM_MR;
        const float *a = job->a_packed + i * k + k0 * PRED__GEMM_MR, *bias = job->bias ? job->bias + i : NULL;
        const float *res = last && job->res ? job->res + i * job->ldc + j : NULL;
        float *ct = job->c + i * job->ldc + j;
        /* the rows of c are feature maps, each written a block at a time: ask for the lines of the
         * block after next (on Lite0's first layers, 32 rows of 12544 outputs) */
        for (r = 0; k0 == 0 && j + 3 * width <= job->n && r < mr; r++) {
            PRED__PREFETCH_W(ct + r * job->ldc + 2 * width);
            if (nr1) PRED__PREFETCH_W(ct + r * job->ldc + 2 * width + PRED__GEMM_NR);
        }
        for (s = 0; rows && s * PRED__GEMM_NR < width; s++)
            job->kt->gemm_tile_rows(ct + s * PRED__GEMM_NR, job->ldc, a, rows + s * PRED__GEMM_NR, job->src.ldb, kc, mr,
                                    bias, res ? res + s * PRED__GEMM_NR : NULL, act, k0 > 0);
        if (!rows) pred__gemm_tile_pair(job->kt, ct, job->ldc, a, work, work1, kc, mr, nr0, nr1, bias, res, act, k0 > 0);
        for (r = 0; last && !in_tile && r < mr; r++) pred__act_apply(ct + r * job->ldc, width, job->act);
    }
}

/* A pointwise Conv of at most this many output channels reads its input rows in place (whole
 * blocks of columns, where the level has gemm_tile_rows): with few panels to share it, a strip's
 * copy costs up to a sixth of the products (AMD Zen 3, Lite0's 1x1 layers to 16-40 channels:
 * 32 -> 16 on 112 x 112 234 -> 223 us, 96 -> 24 on 56 x 56 188 -> 171, 240 -> 40 on 28 x 28
 * 175 -> 160). With more panels the copy pays: its contiguous strip stays in L1 beside the tiles
 * of c, where rows a map apart share cache sets with them (16 -> 96 on 112 x 112 in place: +9%). */
#define PRED__GEMM_IN_PLACE_MAX_M 48

/* Block `block` (columns [block * NC, ...)) and panels [p0, p1) of c = bias + a @ src, by blocks of
 * k: the block's strips of the right operand are packed into work (or read in place) and every
 * panel passes over them. */
static void pred__gemm_packed(const pred__gemm_job *job, size_t block, size_t p0, size_t p1, float *work) {
    const pred__gemm_src *src = &job->src;
    const size_t nc = pred__gemm_block_cols(job->kt);
    size_t k0 = 0, k = job->k, j = block * nc, s;
    const size_t width = job->n - j < nc ? job->n - j : nc;
    const int in_place = job->kt->gemm_tile_rows && !src->padded && !src->win && width == nc &&
                         job->m <= PRED__GEMM_IN_PLACE_MAX_M;
    do { /* once at least, so k = 0 gives the bias */
        size_t kc = k - k0 < PRED__GEMM_KC ? k - k0 : PRED__GEMM_KC;
        for (s = 0; !in_place && s * PRED__GEMM_NR < width; s++) {
            const size_t js = j + s * PRED__GEMM_NR, nr = width - s * PRED__GEMM_NR < PRED__GEMM_NR ? width - s * PRED__GEMM_NR : PRED__GEMM_NR;
            float *dst = work + s * PRED__GEMM_KC * PRED__GEMM_NR;
            if (src->padded) pred__gemm_pack_padded(job->kt, dst, src, k0, kc, js, nr);
            else if (src->win) pred__gemm_pack_windows(job->kt, dst, src->b, src->win, k0, kc, js, nr);
            else pred__gemm_pack_strip(dst, src->b + k0 * src->ldb + js, src->ldb, 1, kc, nr);
        }
        pred__gemm_block_tiles(job, j, width, p0, p1, k0, kc, k0 + kc == k, work,
                               in_place ? src->b + k0 * src->ldb + j : NULL);
        k0 += kc;
    } while (k0 < k);
}

static size_t pred__gemm_strips(size_t n) {
    return (n + PRED__GEMM_NR - 1) / PRED__GEMM_NR;
}

static size_t pred__gemm_blocks(const pred__gemm_job *job) {
    const size_t nc = pred__gemm_block_cols(job->kt);
    return (job->n + nc - 1) / nc;
}

static size_t pred__gemm_tasks(const pred__gemm_job *job) {
    return pred__gemm_blocks(job) * (job->row_blocks ? job->row_blocks : 1);
}

/* Task t is column block t / row_blocks, and the row_blocks-th part t % row_blocks of the panels. */
static void pred__gemm_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__gemm_job *job = (const pred__gemm_job *)ctx;
    size_t blocks = job->row_blocks ? job->row_blocks : 1, panels = (job->m + PRED__GEMM_MR - 1) / PRED__GEMM_MR;
    size_t per = (panels + blocks - 1) / blocks, t, strip, per_block = pred__gemm_block_cols(job->kt) / PRED__GEMM_NR;
    for (t = begin; t < end; t++) {
        size_t block = t / blocks, p0 = t % blocks * per, p1 = p0 + per;
        if (!job->b_strips) {
            pred__gemm_packed(job, block, p0, p1, job->work + (size_t)worker * job->work_stride);
            continue;
        }
        for (strip = block * per_block; strip < (block + 1) * per_block && strip * PRED__GEMM_NR < job->n; strip++)
            pred__gemm_packed_both(job, strip, p0, p1);
    }
}

static void pred__gemm_job_run(const pred__exec *x, pred__gemm_job *job) {
    size_t blocks = pred__gemm_blocks(job), panels = (job->m + PRED__GEMM_MR - 1) / PRED__GEMM_MR;
    size_t want = 4 * (size_t)pred__exec_threads(x); /* tasks enough to even out threads */
    job->work = x->scratch;
    job->work_stride = x->scratch_stride;
    job->row_blocks = 1;
    if (!pred__parallel_worth_macs(x, job->m * job->n * job->k)) {
        pred__gemm_task(job, 0, pred__gemm_tasks(job), 0);
        return;
    }
    /* few column blocks (small maps): split the panels too, each part repacking the strips it reads
     * (only then: on one thread the parts would repack them for nothing) */
    if (blocks < want) job->row_blocks = (want + blocks - 1) / blocks < panels ? (want + blocks - 1) / blocks : panels;
    pred__parallel_for(x, pred__gemm_tasks(job), pred__gemm_task, job);
}

/* ---- the transposed product -------------------------------------------------*/

/* Panels of b a task packs at most (its work memory: about 256 KB, within L2). */
#define PRED__GEMM_T_WORK_CAP 65536

static int pred__gemm_t_better(size_t m, size_t n, size_t k) {
    /* used fractions of the tiles: (n / n rounded up to strips) (m / m rounded up to panels), and
     * the transpose's. Its tiles are stored transposed, one float at a time, and its panels packed
     * at run time: on Lite0's 1x1 layers that made 7x7 maps (0.77 -> 0.91 used) 15-25% faster at
     * k >= 320 and 8% slower at k = 192, and 14x14 maps (0.90 -> 0.99 used) 30% slower, hence the
     * margin and the bound on k */
    double used = (double)n / (double)(pred__gemm_strips(n) * PRED__GEMM_NR) * (double)m /
                  (double)((m + PRED__GEMM_MR - 1) / PRED__GEMM_MR * PRED__GEMM_MR);
    double used_t = (double)n / (double)((n + PRED__GEMM_MR - 1) / PRED__GEMM_MR * PRED__GEMM_MR) * (double)m /
                    (double)(pred__gemm_strips(m) * PRED__GEMM_NR);
    return k >= 256 && used_t > used * 1.15;
}

static size_t pred__gemm_t_chunk_cap(size_t k) {
    size_t cap = PRED__GEMM_T_WORK_CAP / (PRED__GEMM_MR * (k ? k : 1));
    return cap ? cap : 1;
}

static size_t pred__gemm_t_work(size_t n, size_t k) {
    size_t panels = (n + PRED__GEMM_MR - 1) / PRED__GEMM_MR, cap = pred__gemm_t_chunk_cap(k);
    /* the chunk's panels, and a tile of two strips for each */
    return (panels < cap ? panels : cap) * PRED__GEMM_MR * (k + PRED__GEMM_NC);
}

/* Panels [t * chunk, ...) of b for tasks [begin, end): packed into work, then every strip of a
 * passes over them, block of k by block of k (each block of the strip stays in L1 while every
 * panel of the chunk passes under it, where a whole strip at large k would be read from L2 once
 * per panel), the tiles starting from the bias, kept in work between blocks and stored
 * transposed into c. */
static void pred__gemm_t_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__gemm_t_job *job = (const pred__gemm_t_job *)ctx;
    const size_t k = job->k, tile_size = PRED__GEMM_MR * PRED__GEMM_NC, nc = pred__gemm_block_cols(job->kt);
    float *panels = job->work + (size_t)worker * job->work_stride, *tiles = panels + job->chunk * PRED__GEMM_MR * k;
    const int in_tile = pred__act_in_tile(job->act) && !job->res; /* act after the residual */
    size_t t, j, q, r, jj;
    for (t = begin; t < end; t++) {
        size_t i0 = t * job->chunk * PRED__GEMM_MR, count = job->n - i0, k0;
        if (count > job->chunk * PRED__GEMM_MR) count = job->chunk * PRED__GEMM_MR;
        pred__gemm_pack(panels, job->b + i0, 1, job->ldb, count, k);
        for (j = 0; j < job->m; j += nc) { /* the strips of a a tile takes at a time, as pred__gemm_packed */
            const size_t width = job->m - j < nc ? job->m - j : nc;
            const size_t nr0 = width < PRED__GEMM_NR ? width : PRED__GEMM_NR, nr1 = width - nr0;
            for (q = 0; q * PRED__GEMM_MR < count; q++)
                for (r = 0; r < PRED__GEMM_MR; r++)
                    for (jj = 0; jj < width; jj++) tiles[q * tile_size + r * PRED__GEMM_NC + jj] = job->bias ? job->bias[j + jj] : 0.0f;
            k0 = 0;
            do { /* the blocks of pred__gemm_packed, so the sums are its bits */
                size_t kc = k - k0 < PRED__GEMM_KC ? k - k0 : PRED__GEMM_KC;
                const pred__act *act = k0 + kc == k && in_tile ? job->act : &pred__act_none;
                const float *s0 = job->a_strips + j * k + k0 * PRED__GEMM_NR, *s1 = s0 + PRED__GEMM_NR * k;
                for (q = 0; q * PRED__GEMM_MR < count; q++) {
                    size_t i = q * PRED__GEMM_MR, mr = count - i < PRED__GEMM_MR ? count - i : PRED__GEMM_MR;
                    pred__gemm_tile_pair(job->kt, tiles + q * tile_size, PRED__GEMM_NC, panels + i * k + k0 * PRED__GEMM_MR,
                                         s0, s1, kc, mr, nr0, nr1, NULL, NULL, act, 1);
                }
                k0 += kc;
            } while (k0 < k);
            for (q = 0; q * PRED__GEMM_MR < count; q++) {
                size_t i = q * PRED__GEMM_MR, mr = count - i < PRED__GEMM_MR ? count - i : PRED__GEMM_MR;
                float *tile = tiles + q * tile_size;
                const size_t at = j * job->ldc + i0 + i; /* of the tile's first value in c */
                for (jj = 0; job->res && jj < width; jj++) /* each column of the tile a run of c */
                    for (r = 0; r < mr; r++) tile[r * PRED__GEMM_NC + jj] += job->res[at + jj * job->ldc + r];
                for (r = 0; !in_tile && r < mr; r++) pred__act_apply(tile + r * PRED__GEMM_NC, width, job->act);
                for (jj = 0; jj < width; jj++)
                    for (r = 0; r < mr; r++) job->c[at + jj * job->ldc + r] = tile[r * PRED__GEMM_NC + jj];
            }
        }
    }
}

static void pred__gemm_t_run(const pred__exec *x, pred__gemm_t_job *job) {
    size_t panels = (job->n + PRED__GEMM_MR - 1) / PRED__GEMM_MR, threads = (size_t)pred__exec_threads(x);
    size_t cap = pred__gemm_t_chunk_cap(job->k), split = pred__parallel_worth_macs(x, job->m * job->n * job->k);
    job->work = x->scratch;
    job->work_stride = x->scratch_stride;
    /* one chunk of panels per thread, as large as the work memory allows: each chunk reads all of a */
    job->chunk = split ? (panels + threads - 1) / threads : panels;
    if (job->chunk > cap) job->chunk = cap;
    if (split) pred__parallel_for(x, (panels + job->chunk - 1) / job->chunk, pred__gemm_t_task, job);
    else pred__gemm_t_task(job, 0, (panels + job->chunk - 1) / job->chunk, 0);
}
