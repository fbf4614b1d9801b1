/*
 * op_elementwise.c: the binary operators Add, Sub, Mul, Div, Pow, PRelu and
 * the variadic Sum, Max, Min, with numpy broadcasting. Add, Sub, Mul, Div,
 * Max and Min also compute on integers (shape arithmetic, at load).
 */
#include "graph.h"
#include "attr.h"
#include "fmath.h"
#include "kernels/dispatch.h"

/* Add to Div are the kernel layer's arithmetic codes */
enum { PRED__BIN_ADD = PRED__ARITH_ADD, PRED__BIN_SUB = PRED__ARITH_SUB, PRED__BIN_MUL = PRED__ARITH_MUL,
       PRED__BIN_DIV = PRED__ARITH_DIV, PRED__BIN_POW, PRED__BIN_PRELU, PRED__BIN_MAX, PRED__BIN_MIN };

static int pred__bin_code(int op) {
    switch (op) {
    case PRED__OP_SUB: return PRED__BIN_SUB;
    case PRED__OP_MUL: return PRED__BIN_MUL;
    case PRED__OP_DIV: return PRED__BIN_DIV;
    case PRED__OP_POW: return PRED__BIN_POW;
    case PRED__OP_PRELU: return PRED__BIN_PRELU;
    case PRED__OP_MAX: return PRED__BIN_MAX;
    case PRED__OP_MIN: return PRED__BIN_MIN;
    default: return PRED__BIN_ADD; /* Add, Sum */
    }
}

/* s aligned to rank ndim: leading 1s. */
static pred__shape pred__align_shape(const pred__shape *s, size_t ndim) {
    pred__shape a;
    size_t i, lead = ndim - s->ndim;
    a.ndim = ndim;
    for (i = 0; i < ndim; i++) a.d[i] = i < lead ? 1 : s->d[i - lead];
    return a;
}

/* *y = the numpy broadcast of *y and *s; 0 if they do not broadcast. */
static int pred__broadcast(pred__shape *y, const pred__shape *s) {
    size_t nd = y->ndim > s->ndim ? y->ndim : s->ndim, i;
    pred__shape a = pred__align_shape(y, nd), b = pred__align_shape(s, nd);
    for (i = 0; i < nd; i++) {
        if (a.d[i] != b.d[i] && a.d[i] != 1 && b.d[i] != 1) return 0;
        if (a.d[i] == 1) a.d[i] = b.d[i];
    }
    *y = a;
    return 1;
}

/* Inputs first..n_in-1 must all have the type of input 0 (FLOAT or an integer type). */
static pred_status pred__same_types(const pred__graph *g, const pred__node *n, int32_t *dtype) {
    int j;
    *dtype = pred__in_tensor(g, n, 0)->dtype;
    for (j = 1; j < n->n_in; j++)
        if (n->in[j] >= 0 && pred__in_tensor(g, n, j)->dtype != *dtype)
            return pred__node_errorf(n, PRED_ERR_MODEL, "input %d has type %s, input 0 has type %s", j,
                                     pred__onnx_dtype_name(pred__in_tensor(g, n, j)->dtype),
                                     pred__onnx_dtype_name(*dtype));
    return PRED_OK;
}

/* ---- binary ---------------------------------------------------------------*/

static pred_status pred__binary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__binary_params *p = &n->p.binary;
    pred_status st;
    p->legacy = g->opset < 7 && n->op != PRED__OP_PRELU;
    if (!p->legacy) return PRED_OK;
    if ((st = pred__attr_int(n, src, "broadcast", 0, &p->legacy_broadcast)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "axis", -1, &p->legacy_axis)) != PRED_OK) return st;
    if (!pred__attr_find(src, "axis")) p->legacy_axis = INT64_MIN; /* align B with the end of A */
    return PRED_OK;
}

static pred_status pred__binary_infer(pred__graph *g, pred__node *n) {
    pred__binary_params *p = &n->p.binary;
    const pred__shape *a = pred__in_shape(g, n, 0);
    pred__shape b = *pred__in_shape(g, n, 1), y;
    char ba[PRED__SHAPE_STR_SIZE], bb[PRED__SHAPE_STR_SIZE];
    int32_t dtype;
    pred_status st;
    if ((st = pred__same_types(g, n, &dtype)) != PRED_OK) return st;
    if (p->legacy) {
        /* opset < 7: B must equal A, or with broadcast=1 match A from `axis` on */
        if (!p->legacy_broadcast) {
            if (!pred__shape_equal(a, &b)) goto mismatch;
        } else if (p->legacy_axis != INT64_MIN) {
            int64_t axis = p->legacy_axis < 0 ? p->legacy_axis + (int64_t)a->ndim : p->legacy_axis;
            if (axis < 0 || axis > (int64_t)a->ndim || b.ndim > a->ndim - (size_t)axis) goto mismatch;
            while (b.ndim < a->ndim - (size_t)axis) b.d[b.ndim++] = 1;
        }
    }
    y = *a;
    if (!pred__broadcast(&y, &b)) goto mismatch;
    p->a = pred__align_shape(a, y.ndim);
    p->b = pred__align_shape(&b, y.ndim);
    /* legacy ops and PRelu broadcast B to A only */
    if ((p->legacy || n->op == PRED__OP_PRELU) && !pred__shape_equal(&y, a)) goto mismatch;
    return pred__set_out(g, n, 0, &y, dtype);
mismatch:
    return pred__node_errorf(n, PRED_ERR_SHAPE, "shapes %s and %s cannot be broadcast",
                             pred__shape_str(a, ba, sizeof ba), pred__shape_str(pred__in_shape(g, n, 1), bb, sizeof bb));
}

static float pred__bin_f32(float a, float b, int op) {
    switch (op) {
    case PRED__BIN_ADD: return a + b;
    case PRED__BIN_SUB: return a - b;
    case PRED__BIN_MUL: return a * b;
    case PRED__BIN_DIV: return a / b;
    case PRED__BIN_POW: return pred__powf(a, b);
    case PRED__BIN_PRELU: return a < 0.0f ? a * b : a;
    case PRED__BIN_MAX: return a > b || a != a ? a : b; /* NaN propagates, as in numpy */
    default: return a < b || a != a ? a : b;
    }
}

/* Integer arithmetic wraps around (through uint64) instead of overflowing;
 * division truncates, and a division by 0 gives 0. */
static int64_t pred__bin_i64(int64_t a, int64_t b, int op) {
    switch (op) {
    case PRED__BIN_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
    case PRED__BIN_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
    case PRED__BIN_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
    case PRED__BIN_DIV: return b == 0 ? 0 : (b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b);
    case PRED__BIN_MAX: return a > b ? a : b;
    default: return a < b ? a : b;
    }
}

/* y (n,) = a (n, stride sa) op b (n, stride sb); a stride of 0 repeats one value */
static void pred__binary_row(float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n, int op) {
    const pred__kernels *kt = pred__kernels_get();
    size_t i;
    if (op == PRED__BIN_POW && sb == 0 && b[0] == 2.0f) { /* x * x: the correctly rounded square, without pow */
        op = PRED__BIN_MUL;
        b = a;
        sb = sa;
    }
    if (op <= PRED__BIN_DIV && kt->arith && (sa || sb)) {
        kt->arith(y, a, sa, b, sb, n, op);
        return;
    }
    switch (op) { /* the common ops get loops of their own, which compilers may vectorize */
    case PRED__BIN_ADD:
        for (i = 0; i < n; i++) y[i] = a[i * sa] + b[i * sb];
        break;
    case PRED__BIN_SUB:
        for (i = 0; i < n; i++) y[i] = a[i * sa] - b[i * sb];
        break;
    case PRED__BIN_MUL:
        for (i = 0; i < n; i++) y[i] = a[i * sa] * b[i * sb];
        break;
    case PRED__BIN_DIV:
        for (i = 0; i < n; i++) y[i] = a[i * sa] / b[i * sb];
        break;
    default:
        for (i = 0; i < n; i++) y[i] = pred__bin_f32(a[i * sa], b[i * sb], op);
    }
}

static void pred__binary_row_i64(int64_t *y, const int64_t *a, size_t sa, const int64_t *b, size_t sb, size_t n,
                                 int op) {
    size_t i;
    for (i = 0; i < n; i++) y[i] = pred__bin_i64(a[i * sa], b[i * sb], op);
}

/* y (ys) = a (as) op b (bs), numpy broadcasting; as and bs have the rank of
 * ys. Elements are floats, or int64 when is_int. y may be a (same shape). */
typedef struct pred__binary_job {
    void *y;
    const void *a, *b;
    const pred__shape *ys, *as, *bs;
    int op, is_int;
} pred__binary_job;

/* whether a and b are read element by element like y (no broadcasting between them) */
static int pred__binary_flat(const pred__binary_job *j) {
    return j->ys->ndim == 0 || (pred__shape_equal(j->as, j->bs) && pred__shape_equal(j->as, j->ys));
}

/* elements [begin, end) of a flat job */
static void pred__binary_flat_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__binary_job *j = (const pred__binary_job *)ctx;
    (void)worker;
    if (j->is_int)
        pred__binary_row_i64((int64_t *)j->y + begin, (const int64_t *)j->a + begin, 1, (const int64_t *)j->b + begin,
                             1, end - begin, j->op);
    else
        pred__binary_row((float *)j->y + begin, (const float *)j->a + begin, 1, (const float *)j->b + begin, 1,
                         end - begin, j->op);
}

/* Floats of the repeated row pred__binary_short_rows runs against. */
#define PRED__BIN_TILE 512

/* Rows [begin, end) of a float broadcasting job whose rows are short (under 64 floats) and where one
 * operand is read like y and the other is one row repeated (a per-channel constant of an NHWC tensor:
 * rows of 3), as runs of whole rows against a copy of that row repeated, so that each call of
 * pred__binary_row runs hundreds of floats, not a row (tf2onnx's input normalization, 64 x 64 x 3:
 * 67 -> ~3 us). The same operations on the same floats: the same bits. 0 if the job is not so. */
static int pred__binary_short_rows(const pred__binary_job *j, size_t begin, size_t end) {
    const pred__shape *ys = j->ys;
    const size_t nd = ys->ndim, inner = (size_t)ys->d[nd - 1];
    const int a_like = pred__shape_equal(j->as, ys), b_like = pred__shape_equal(j->bs, ys);
    const pred__shape *other = a_like ? j->bs : j->as;
    const float *row = (const float *)(a_like ? j->b : j->a), *like = (const float *)(a_like ? j->a : j->b);
    float tile[PRED__BIN_TILE];
    size_t i, r, n, reps, step;
    if (j->is_int || a_like == b_like || inner >= 64) return 0;
    for (i = 0; i + 1 < nd; i++)
        if (other->d[i] != 1) return 0;
    step = other->d[nd - 1] == 1 ? 0 : 1;
    reps = PRED__BIN_TILE / inner < end - begin ? PRED__BIN_TILE / inner : end - begin;
    for (i = 0; i < reps * inner; i++) tile[i] = row[(i % inner) * step];
    for (r = begin; r < end; r += n) {
        float *y = (float *)j->y + r * inner;
        n = end - r < reps ? end - r : reps;
        if (a_like) pred__binary_row(y, like + r * inner, 1, tile, 1, n * inner, j->op);
        else pred__binary_row(y, tile, 1, like + r * inner, 1, n * inner, j->op);
    }
    return 1;
}

/* rows [begin, end) of the output (its last dimension) of a broadcasting job */
static void pred__binary_rows_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__binary_job *j = (const pred__binary_job *)ctx;
    const pred__shape *ys = j->ys, *as = j->as, *bs = j->bs;
    size_t nd = ys->ndim, i, inner, sa_in, sb_in;
    uint64_t sa[PRED_MAX_DIMS] = {0}, sb[PRED_MAX_DIMS] = {0}, oa = 0, ob = 0, r, ca = 1, cb = 1, rest = begin;
    int64_t idx[PRED_MAX_DIMS] = {0};
    (void)worker;
    if (pred__binary_short_rows(j, begin, end)) return;
    /* strides of a and b over the output index; 0 along broadcast dims */
    for (i = nd; i-- > 0;) {
        sa[i] = as->d[i] == 1 ? 0 : ca;
        sb[i] = bs->d[i] == 1 ? 0 : cb;
        ca *= (uint64_t)as->d[i];
        cb *= (uint64_t)bs->d[i];
    }
    inner = (size_t)ys->d[nd - 1];
    sa_in = (size_t)sa[nd - 1];
    sb_in = (size_t)sb[nd - 1];
    for (i = nd - 1; i-- > 0;) { /* the outer index of row `begin` */
        idx[i] = (int64_t)(rest % (uint64_t)ys->d[i]);
        rest /= (uint64_t)ys->d[i];
        oa += (uint64_t)idx[i] * sa[i];
        ob += (uint64_t)idx[i] * sb[i];
    }
    for (r = begin; r < end; r++) {
        if (j->is_int)
            pred__binary_row_i64((int64_t *)j->y + r * inner, (const int64_t *)j->a + oa, sa_in,
                                 (const int64_t *)j->b + ob, sb_in, inner, j->op);
        else
            pred__binary_row((float *)j->y + r * inner, (const float *)j->a + oa, sa_in, (const float *)j->b + ob,
                             sb_in, inner, j->op);
        for (i = nd - 1; i-- > 0;) { /* next row: advance the outer index */
            oa += sa[i];
            ob += sb[i];
            if (++idx[i] < ys->d[i]) break;
            oa -= sa[i] * (uint64_t)ys->d[i];
            ob -= sb[i] * (uint64_t)ys->d[i];
            idx[i] = 0;
        }
    }
}

/* Large float tensors are split between the session's threads: elements, or
 * rows of the output when broadcasting; each element is computed as on one. */
static void pred__binary(const pred__exec *x, void *y, const void *a, const void *b, const pred__shape *ys,
                         const pred__shape *as, const pred__shape *bs, int op, int is_int) {
    pred__binary_job job;
    size_t total = (size_t)pred__shape_count(ys), rows;
    int heavy = op == PRED__BIN_POW;
    job.y = y;
    job.a = a;
    job.b = b;
    job.ys = ys;
    job.as = as;
    job.bs = bs;
    job.op = op;
    job.is_int = is_int;
    if (pred__binary_flat(&job)) {
        pred__parallel_elements(x, total, heavy, pred__binary_flat_task, &job);
        return;
    }
    rows = total / (size_t)ys->d[ys->ndim - 1];
    if (pred__parallel_worth(x, total, heavy)) pred__parallel_for(x, rows, pred__binary_rows_task, &job);
    else pred__binary_rows_task(&job, 0, rows, 0);
}

static void pred__binary_run(const pred__exec *x, const pred__node *n) {
    pred__binary(x, PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__OUT_SHAPE(x, n, 0),
                 &n->p.binary.a, &n->p.binary.b, pred__bin_code(n->op), PRED__IN_TYPE(x, n, 0) != PRED__DT_FLOAT);
}

/* ---- Sum, Max, Min: any number of inputs ----------------------------------*/

static pred_status pred__variadic_infer(pred__graph *g, pred__node *n) {
    pred__shape y = *pred__in_shape(g, n, 0);
    char by[PRED__SHAPE_STR_SIZE], bs[PRED__SHAPE_STR_SIZE];
    int32_t dtype;
    pred_status st;
    int j;
    if ((st = pred__same_types(g, n, &dtype)) != PRED_OK) return st;
    if (n->op == PRED__OP_SUM && dtype != PRED__DT_FLOAT)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "only FLOAT inputs are supported");
    for (j = 1; j < n->n_in; j++) {
        const pred__shape *s;
        if (n->in[j] < 0) return pred__node_errorf(n, PRED_ERR_MODEL, "input %d is missing", j);
        s = pred__in_shape(g, n, j);
        if (!pred__broadcast(&y, s))
            return pred__node_errorf(n, PRED_ERR_SHAPE, "input %d %s cannot be broadcast to %s", j,
                                     pred__shape_str(s, bs, sizeof bs), pred__shape_str(&y, by, sizeof by));
    }
    return pred__set_out(g, n, 0, &y, dtype);
}

/* y = in0 op in1 op ..., each broadcast to y; one input is copied */
static void pred__variadic_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *ys = PRED__OUT_SHAPE(x, n, 0);
    pred__shape a = pred__align_shape(PRED__IN_SHAPE(x, n, 0), ys->ndim), b;
    int op = pred__bin_code(n->op), is_int = PRED__IN_TYPE(x, n, 0) != PRED__DT_FLOAT, j;
    if (n->n_in == 1) {
        memcpy(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), x->tensors[n->out[0]].count * pred__elem_size(PRED__IN_TYPE(x, n, 0)));
        return;
    }
    for (j = 1; j < n->n_in; j++) {
        b = pred__align_shape(PRED__IN_SHAPE(x, n, j), ys->ndim);
        pred__binary(x, PRED__OUT(x, n, 0), j == 1 ? PRED__IN(x, n, 0) : PRED__OUT(x, n, 0), PRED__IN(x, n, j), ys,
                     j == 1 ? &a : ys, &b, op, is_int);
    }
}
