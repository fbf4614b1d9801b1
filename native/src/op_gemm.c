/*
 * op_gemm.c: Gemm and MatMul, over the sgemm kernel.
 */
#include "graph.h"
#include "attr.h"
#include "kernels.h"
#include "kernels/gemm.h"

/* y (m, n) = act(y + a (m, k) @ b (k, n)), a packed into panels, b into strips: on the threads of x */
static void pred__gemm_add(const pred__exec *x, float *y, const float *a_packed, const float *b_strips, size_t m,
                           size_t n, size_t k, const pred__act *act) {
    pred__gemm_job job;
    memset(&job, 0, sizeof job);
    job.kt = pred__kernels_get();
    job.c = y;
    job.ldc = n;
    job.a_packed = a_packed;
    job.b_strips = b_strips;
    job.m = m;
    job.n = n;
    job.k = k;
    job.act = act;
    pred__gemm_job_run(x, &job);
}

/* ---- Gemm: Y (m,n) = alpha * op(A) @ op(B) + beta * C ----------------------*/

static pred_status pred__gemm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__gemm_params *p = &n->p.gemm;
    int64_t ta, tb;
    pred_status st;
    (void)g;
    if ((st = pred__attr_float(n, src, "alpha", 1.0f, &p->alpha)) != PRED_OK) return st;
    if ((st = pred__attr_float(n, src, "beta", 1.0f, &p->beta)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "transA", 0, &ta)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "transB", 0, &tb)) != PRED_OK) return st;
    p->trans_a = ta != 0;
    p->trans_b = tb != 0;
    return PRED_OK;
}

static pred_status pred__gemm_infer(pred__graph *g, pred__node *n) {
    pred__gemm_params *p = &n->p.gemm;
    const pred__shape *a = pred__in_shape(g, n, 0), *b = pred__in_shape(g, n, 1);
    char ba[PRED__SHAPE_STR_SIZE], bb[PRED__SHAPE_STR_SIZE];
    pred__shape y;
    int64_t k2;
    if (a->ndim != 2 || b->ndim != 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "A %s and B %s must be matrices", pred__shape_str(a, ba, sizeof ba),
                                 pred__shape_str(b, bb, sizeof bb));
    p->m = p->trans_a ? a->d[1] : a->d[0];
    p->k = p->trans_a ? a->d[0] : a->d[1];
    k2 = p->trans_b ? b->d[1] : b->d[0];
    p->n = p->trans_b ? b->d[0] : b->d[1];
    if (p->k != k2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "A %s%s and B %s%s do not agree", pred__shape_str(a, ba, sizeof ba),
                                 p->trans_a ? " (transposed)" : "", pred__shape_str(b, bb, sizeof bb),
                                 p->trans_b ? " (transposed)" : "");
    p->c_rows = p->c_cols = 0;
    if (n->n_in > 2 && n->in[2] >= 0) {
        const pred__shape *c = pred__in_shape(g, n, 2);
        int64_t rows = 1, cols = 1;
        if (c->ndim == 1) cols = c->d[0];
        if (c->ndim == 2) {
            rows = c->d[0];
            cols = c->d[1];
        }
        if (c->ndim > 2 || (rows != 1 && rows != p->m) || (cols != 1 && cols != p->n))
            return pred__node_errorf(n, PRED_ERR_SHAPE, "C %s cannot be broadcast to (%lld,%lld)",
                                     pred__shape_str(c, ba, sizeof ba), (long long)p->m, (long long)p->n);
        p->c_rows = rows;
        p->c_cols = cols;
    }
    y.ndim = 2;
    y.d[0] = p->m;
    y.d[1] = p->n;
    /* scratch: op(A) packed, for weights packed by pred__gemm_prepare */
    n->scratch = pred__gemm_packed_size((size_t)p->m, (size_t)p->k);
    if (n->scratch > PRED_MAX_ELEMENTS)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "the product needs too much scratch memory");
    return pred__set_out_shape(g, n, 0, &y);
}

static void pred__gemm_run(const pred__exec *x, const pred__node *n) {
    const pred__gemm_params *p = &n->p.gemm;
    const float *a = PRED__IN(x, n, 0), *b = PRED__IN(x, n, 1);
    const pred__shape *as = PRED__IN_SHAPE(x, n, 0), *bs = PRED__IN_SHAPE(x, n, 1);
    float *y = PRED__OUT(x, n, 0);
    float beta = 0.0f;
    int64_t i, j;
    if (p->c_rows && p->beta != 0.0f) {
        /* Y = beta * C broadcast, then Y += alpha * A @ B */
        const float *c = PRED__IN(x, n, 2);
        for (i = 0; i < p->m; i++)
            for (j = 0; j < p->n; j++)
                y[i * p->n + j] = p->beta * c[(p->c_rows > 1 ? i : 0) * p->c_cols + (p->c_cols > 1 ? j : 0)];
        beta = 1.0f;
    }
    if (n->packed) { /* alpha is 1: Y += op(A) @ op(B) with op(B) packed at load */
        size_t lda = (size_t)as->d[1];
        if (beta == 0.0f) memset(y, 0, (size_t)(p->m * p->n) * sizeof *y);
        pred__gemm_pack(x->scratch, a, p->trans_a ? 1 : lda, p->trans_a ? lda : 1, (size_t)p->m, (size_t)p->k);
        pred__gemm_add(x, y, x->scratch, n->packed, (size_t)p->m, (size_t)p->n, (size_t)p->k, &p->act);
        return;
    }
    pred__sgemm(y, (size_t)p->n, a, (size_t)as->d[1], p->trans_a, b, (size_t)bs->d[1], p->trans_b,
                (size_t)p->m, (size_t)p->n, (size_t)p->k, p->alpha, beta);
    pred__act_apply(y, (size_t)(p->m * p->n), &p->act);
}

/* op(B) as strips of the packed GEMM. */
static void pred__gemm_pack_b(float *dst, const pred__node *n, const pred__tensor *b) {
    const pred__gemm_params *p = &n->p.gemm;
    size_t ldb = (size_t)b->shape.d[1];
    pred__gemm_pack_strips(dst, b->f, p->trans_b ? 1 : ldb, p->trans_b ? ldb : 1, (size_t)p->k, (size_t)p->n);
}

/* A constant B becomes strips of op(B) (when alpha is 1: the tiles add op(A) @ op(B) to
 * beta * C as they are); the layout is -1 for B, -2 for B transposed (Conv's are group counts). */
static pred_status pred__gemm_prepare(pred__graph *g, pred__node *n) {
    const pred__gemm_params *p = &n->p.gemm;
    const pred__tensor *b = pred__in_tensor(g, n, 1);
    if (b->kind != PRED__TENSOR_CONST || b->dtype != PRED__DT_FLOAT || !b->f || p->alpha != 1.0f) return PRED_OK;
    return pred__pack_weights(g, n, 1, p->trans_b ? -2 : -1, pred__gemm_strips_size((size_t)p->k, (size_t)p->n), 0,
                              pred__gemm_pack_b);
}

/* ---- MatMul: numpy matmul, batched with broadcasting ----------------------*/

static pred_status pred__matmul_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    (void)src;
    (void)n;
    return PRED_OK;
}

static pred_status pred__matmul_infer(pred__graph *g, pred__node *n) {
    pred__matmul_params *p = &n->p.matmul;
    const pred__shape *a = pred__in_shape(g, n, 0), *b = pred__in_shape(g, n, 1);
    char ba[PRED__SHAPE_STR_SIZE], bb[PRED__SHAPE_STR_SIZE];
    size_t na, nb, nbatch, i;
    int64_t k2;
    pred__shape y;
    if (a->ndim == 0 || b->ndim == 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "A %s and B %s must not be scalars",
                                 pred__shape_str(a, ba, sizeof ba), pred__shape_str(b, bb, sizeof bb));
    /* A (..., m, k) or (k); B (..., k, n) or (k) */
    p->m = a->ndim == 1 ? 1 : a->d[a->ndim - 2];
    p->k = a->d[a->ndim - 1];
    k2 = b->ndim == 1 ? b->d[0] : b->d[b->ndim - 2];
    p->n = b->ndim == 1 ? 1 : b->d[b->ndim - 1];
    if (p->k != k2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "A %s and B %s do not agree", pred__shape_str(a, ba, sizeof ba),
                                 pred__shape_str(b, bb, sizeof bb));
    na = a->ndim > 2 ? a->ndim - 2 : 0;
    nb = b->ndim > 2 ? b->ndim - 2 : 0;
    nbatch = na > nb ? na : nb;
    p->batch.ndim = p->a_batch.ndim = p->b_batch.ndim = nbatch;
    for (i = 0; i < nbatch; i++) {
        int64_t da = i + na >= nbatch ? a->d[i + na - nbatch] : 1;
        int64_t db = i + nb >= nbatch ? b->d[i + nb - nbatch] : 1;
        if (da != db && da != 1 && db != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the batch dimensions of A %s and B %s cannot be broadcast",
                                     pred__shape_str(a, ba, sizeof ba), pred__shape_str(b, bb, sizeof bb));
        p->a_batch.d[i] = da;
        p->b_batch.d[i] = db;
        p->batch.d[i] = da == 1 ? db : da;
    }
    y = p->batch;
    if (a->ndim > 1) y.d[y.ndim++] = p->m;
    if (b->ndim > 1) y.d[y.ndim++] = p->n;
    /* scratch: every row of A packed, for a matrix B packed by pred__matmul_prepare */
    n->scratch = 0;
    if (b->ndim == 2 && p->k > 0) {
        n->scratch = pred__gemm_packed_size((size_t)(pred__shape_count(a) / (uint64_t)p->k), (size_t)p->k);
        if (n->scratch > PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "the product needs too much scratch memory");
    }
    return pred__set_out_shape(g, n, 0, &y);
}

/* y (batch..., m, n) = a (a_batch..., m, k) @ b (b_batch..., k, n), batch dims broadcast */
static void pred__matmul_batched(float *y, const float *a, const float *b, const pred__matmul_params *p) {
    size_t nb = p->batch.ndim, i;
    int64_t idx[PRED_MAX_DIMS] = {0};
    uint64_t total = pred__shape_count(&p->batch), t;
    size_t m = (size_t)p->m, n = (size_t)p->n, k = (size_t)p->k;
    for (t = 0; t < total; t++) {
        uint64_t ia = 0, ib = 0;
        for (i = 0; i < nb; i++) {
            ia = ia * (uint64_t)p->a_batch.d[i] + (uint64_t)(p->a_batch.d[i] == 1 ? 0 : idx[i]);
            ib = ib * (uint64_t)p->b_batch.d[i] + (uint64_t)(p->b_batch.d[i] == 1 ? 0 : idx[i]);
        }
        pred__sgemm(y + t * m * n, n, a + ia * m * k, k, 0, b + ib * k * n, n, 0, m, n, k, 1.0f, 0.0f);
        for (i = nb; i-- > 0;) { /* next batch index */
            if (++idx[i] < p->batch.d[i]) break;
            idx[i] = 0;
        }
    }
}

static void pred__matmul_run(const pred__exec *x, const pred__node *n) {
    const pred__matmul_params *p = &n->p.matmul;
    if (n->packed) { /* B is a constant matrix, packed at load: every row of A at once */
        const pred__shape *as = PRED__IN_SHAPE(x, n, 0);
        size_t rows = (size_t)(pred__shape_count(as) / (uint64_t)p->k);
        float *y = PRED__OUT(x, n, 0);
        memset(y, 0, rows * (size_t)p->n * sizeof *y);
        pred__gemm_pack(x->scratch, PRED__IN(x, n, 0), (size_t)p->k, 1, rows, (size_t)p->k);
        pred__gemm_add(x, y, x->scratch, n->packed, rows, (size_t)p->n, (size_t)p->k, &pred__act_none);
        return;
    }
    pred__matmul_batched(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), p);
}

/* B (k, n), as strips of the packed GEMM: Gemm's layout for an untransposed B. */
static void pred__matmul_pack_b(float *dst, const pred__node *n, const pred__tensor *b) {
    pred__gemm_pack_strips(dst, b->f, (size_t)n->p.matmul.n, 1, (size_t)n->p.matmul.k, (size_t)n->p.matmul.n);
}

/* A constant matrix B is packed into strips (the rows of A, whatever their batch dims, are one
 * left operand); batched Bs run as they are. */
static pred_status pred__matmul_prepare(pred__graph *g, pred__node *n) {
    const pred__matmul_params *p = &n->p.matmul;
    const pred__tensor *b = pred__in_tensor(g, n, 1);
    if (b->kind != PRED__TENSOR_CONST || b->dtype != PRED__DT_FLOAT || !b->f || b->shape.ndim != 2 || p->k == 0)
        return PRED_OK;
    return pred__pack_weights(g, n, 1, -1, pred__gemm_strips_size((size_t)p->k, (size_t)p->n), 0, pred__matmul_pack_b);
}
