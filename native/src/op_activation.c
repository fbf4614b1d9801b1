/*
 * op_activation.c: the elementwise functions of one float tensor: Relu,
 * LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Exp, Sqrt, Erf,
 * Gelu, Abs, Neg, Reciprocal, Floor, Ceil, Elu, Selu, Celu, Softplus,
 * Softsign, ThresholdedRelu, Mish. Abs and Neg also compute on integers
 * (shape arithmetic, at load).
 */
#include <float.h>
#include <math.h>
#include "graph.h"
#include "attr.h"
#include "fmath.h"
#include "kernels.h"
#include "kernels/dispatch.h"

static pred_status pred__unary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    (void)g;
    (void)n;
    (void)src;
    return PRED_OK;
}

/* The output has the shape and type of input 0. */
static pred_status pred__unary_infer(pred__graph *g, pred__node *n) {
    return pred__set_out(g, n, 0, pred__in_shape(g, n, 0), pred__in_tensor(g, n, 0)->dtype);
}

/* ---- Relu -----------------------------------------------------------------*/

/* y (n,) = max(x, 0); NaN stays NaN, -0 stays -0 (as onnxruntime and numpy.maximum(x, 0)) */
static void pred__relu(float *y, const float *x, size_t n) {
    const pred__kernels *kt = pred__kernels_get();
    size_t i;
    if (kt->clamp) kt->clamp(y, x, n, 0.0f, HUGE_VALF); /* pred__clip1(v, 0, inf) is pred__relu1(v) */
    else
        for (i = 0; i < n; i++) y[i] = pred__relu1(x[i]);
}

/* A unary function over one tensor, split into element ranges between threads (large tensors only). */
typedef struct pred__unary_job {
    float *y;
    const float *x;
    int op;                      /* PRED__OP_*: RELU, CLIP or one of pred__activation's */
    float lo, hi;                /* Clip's bounds */
    const pred__unary_params *p;
} pred__unary_job;

static void pred__clip(float *y, const float *x, size_t n, float lo, float hi);
static void pred__activation(float *y, const float *x, size_t n, int op, const pred__unary_params *p);

static void pred__unary_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__unary_job *job = (const pred__unary_job *)ctx;
    (void)worker;
    if (job->op == PRED__OP_RELU) pred__relu(job->y + begin, job->x + begin, end - begin);
    else if (job->op == PRED__OP_CLIP) pred__clip(job->y + begin, job->x + begin, end - begin, job->lo, job->hi);
    else pred__activation(job->y + begin, job->x + begin, end - begin, job->op, job->p);
}

/* Functions of a few operations per element (memory bound): split only when larger. */
static int pred__unary_heavy(int op) {
    switch (op) {
    case PRED__OP_RELU: case PRED__OP_CLIP: case PRED__OP_LEAKYRELU: case PRED__OP_HARDSIGMOID:
    case PRED__OP_HARDSWISH: case PRED__OP_ABS: case PRED__OP_NEG: case PRED__OP_FLOOR: case PRED__OP_CEIL:
    case PRED__OP_THRESHOLDEDRELU: case PRED__OP_RECIPROCAL: case PRED__OP_SQRT: case PRED__OP_SOFTSIGN:
        return 0;
    default:
        return 1;
    }
}

/* y = f(x) of node n (FLOAT), on the session's threads when large */
static void pred__unary_split(const pred__exec *x, const pred__node *n, float lo, float hi) {
    pred__unary_job job;
    job.y = PRED__OUT(x, n, 0);
    job.x = PRED__IN(x, n, 0);
    job.op = n->op;
    job.lo = lo;
    job.hi = hi;
    job.p = &n->p.unary;
    pred__parallel_elements(x, x->tensors[n->out[0]].count, pred__unary_heavy(n->op), pred__unary_task, &job);
}

static void pred__relu_run(const pred__exec *x, const pred__node *n) {
    pred__unary_split(x, n, 0.0f, 0.0f);
}

/* ---- Clip: bounds from attributes before opset 11, from optional inputs after */

static pred_status pred__clip_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__clip_params *p = &n->p.clip;
    pred_status st;
    p->min = -FLT_MAX;
    p->max = FLT_MAX;
    if (g->opset >= 11) return PRED_OK;
    if (n->n_in > 1) return pred__node_errorf(n, PRED_ERR_MODEL, "min and max are attributes before opset 11");
    if ((st = pred__attr_float(n, src, "min", -FLT_MAX, &p->min)) != PRED_OK) return st;
    return pred__attr_float(n, src, "max", FLT_MAX, &p->max);
}

static pred_status pred__clip_infer(pred__graph *g, pred__node *n) {
    int i;
    for (i = 1; i < n->n_in; i++) {
        const pred__tensor *t;
        if (n->in[i] < 0) continue;
        t = pred__in_tensor(g, n, i);
        if (t->count != 1)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "%s ('%s') must be a scalar", i == 1 ? "min" : "max", t->name);
    }
    return pred__unary_infer(g, n);
}

/* y (n,) = min(max(x, lo), hi); NaN stays NaN */
static void pred__clip(float *y, const float *x, size_t n, float lo, float hi) {
    const pred__kernels *kt = pred__kernels_get();
    size_t i;
    if (kt->clamp) kt->clamp(y, x, n, lo, hi);
    else
        for (i = 0; i < n; i++) y[i] = pred__clip1(x[i], lo, hi);
}

static void pred__clip_run(const pred__exec *x, const pred__node *n) {
    float lo = n->n_in > 1 && n->in[1] >= 0 ? PRED__IN(x, n, 1)[0] : n->p.clip.min;
    float hi = n->n_in > 2 && n->in[2] >= 0 ? PRED__IN(x, n, 2)[0] : n->p.clip.max;
    pred__unary_split(x, n, lo, hi);
}

/* ---- LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Exp, Sqrt, Erf, Gelu and the rest */

static pred_status pred__activation_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    pred__unary_params *p = &n->p.unary;
    const char *approximate;
    pred_status st;
    (void)g;
    p->alpha = p->beta = 0.0f;
    p->tanh = 0;
    if (n->op == PRED__OP_GELU) {
        if ((st = pred__attr_string(n, src, "approximate", "none", &approximate)) != PRED_OK) return st;
        p->tanh = strcmp(approximate, "tanh") == 0;
        if (!p->tanh && strcmp(approximate, "none") != 0)
            return pred__node_errorf(n, PRED_ERR_MODEL, "attribute 'approximate' = '%s' is not 'none' or 'tanh'",
                                     approximate);
        return PRED_OK;
    }
    if (n->op == PRED__OP_LEAKYRELU) return pred__attr_float(n, src, "alpha", 0.01f, &p->alpha);
    if (n->op == PRED__OP_ELU || n->op == PRED__OP_CELU || n->op == PRED__OP_THRESHOLDEDRELU)
        return pred__attr_float(n, src, "alpha", 1.0f, &p->alpha);
    if (n->op == PRED__OP_SELU) {
        if ((st = pred__attr_float(n, src, "alpha", 1.67326319217681884765625f, &p->alpha)) != PRED_OK) return st;
        return pred__attr_float(n, src, "gamma", 1.05070102214813232421875f, &p->beta);
    }
    if (n->op == PRED__OP_HARDSIGMOID) {
        if ((st = pred__attr_float(n, src, "alpha", 0.2f, &p->alpha)) != PRED_OK) return st;
        return pred__attr_float(n, src, "beta", 0.5f, &p->beta);
    }
    if (n->op == PRED__OP_HARDSWISH) {
        p->alpha = 1.0f / 6.0f;
        p->beta = 0.5f;
    }
    return PRED_OK;
}

/* x * Phi(x), Phi the standard normal distribution function, by its tanh approximation */
static float pred__gelu_tanh(float x) {
    float u = 0.7978845608f * (x + 0.044715f * x * x * x); /* sqrt(2 / pi) */
    return 0.5f * x * (1.0f + pred__tanhf(u));
}

/* log(1 + u) for u >= 0, accurate for small u (Goldberg: the rounding error
 * of 1 + u cancels in u / (w - 1)) */
static double pred__log1p_d(double u) {
    double w = 1.0 + u;
    if (w == 1.0) return u;
    return pred__log_d(w) * (u / (w - 1.0));
}

/* log(1 + e^x), without overflow: max(x, 0) + log(1 + e^-|x|) */
static double pred__softplus_d(double x) {
    double ax = x < 0.0 ? -x : x;
    if (x != x) return x;
    return (x > 0.0 ? x : 0.0) + pred__log1p_d(pred__exp_d(-ax));
}

/* x tanh(softplus(x)) = x u (u + 2) / (u (u + 2) + 2) with u = e^x; above
 * x = 20 the factor is 1 within 1e-17 */
static float pred__mish(float x) {
    double u, v;
    if (x != x || x > 20.0f) return x;
    u = pred__exp_d(x);
    v = u * (u + 2.0);
    return (float)((double)x * (v / (v + 2.0)));
}

/* max(0, x) + min(0, alpha (e^(x / alpha) - 1)) */
static float pred__celu(float x, float alpha) {
    double v;
    if (x != x) return x;
    v = (double)alpha * pred__expm1_d((double)x / (double)alpha);
    return (float)((x > 0.0f ? (double)x : 0.0) + (v < 0.0 ? v : 0.0));
}

/* y (n,) = |x| or -x over integers (stored as int64_t) */
static void pred__abs_neg_i64(int64_t *y, const int64_t *x, size_t n, int neg) {
    size_t i;
    for (i = 0; i < n; i++) {
        /* negated through uint64_t: INT64_MIN stays INT64_MIN (as numpy) instead of overflowing */
        int64_t m = (int64_t)(0u - (uint64_t)x[i]);
        y[i] = neg || x[i] < 0 ? m : x[i];
    }
}

/* y (n,) = f(x), f the activation op with its params; y and x do not overlap. e^x, the sigmoid
 * and erf come from the kernel table, so fused and unfused Sigmoid compute alike at every level. */
static void pred__activation(float *y, const float *x, size_t n, int op, const pred__unary_params *p) {
    const pred__kernels *kt = pred__kernels_get();
    size_t i;
    switch (op) {
    case PRED__OP_LEAKYRELU:
        for (i = 0; i < n; i++) y[i] = pred__leakyrelu1(x[i], p->alpha);
        break;
    case PRED__OP_SIGMOID:
        kt->sigmoid(y, x, n);
        break;
    case PRED__OP_HARDSIGMOID:
        for (i = 0; i < n; i++) y[i] = pred__hardsigmoid1(x[i], p->alpha, p->beta);
        break;
    case PRED__OP_HARDSWISH:
        for (i = 0; i < n; i++) y[i] = x[i] * pred__hardsigmoid1(x[i], p->alpha, p->beta);
        break;
    case PRED__OP_TANH:
        for (i = 0; i < n; i++) y[i] = pred__tanhf(x[i]);
        break;
    case PRED__OP_EXP:
        kt->exp(y, x, n);
        break;
    case PRED__OP_SQRT: /* correctly rounded everywhere (IEEE 754) */
        for (i = 0; i < n; i++) y[i] = sqrtf(x[i]);
        break;
    case PRED__OP_ERF:
        kt->erf(y, x, n);
        break;
    case PRED__OP_GELU:
        if (p->tanh) {
            for (i = 0; i < n; i++) y[i] = pred__gelu_tanh(x[i]);
            break;
        }
        /* x Phi(x) = x (1 + erf(x / sqrt(2))) / 2 */
        for (i = 0; i < n; i++) y[i] = x[i] * 0.7071067812f;
        kt->erf(y, y, n);
        for (i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + y[i]);
        break;
    case PRED__OP_ABS:
        for (i = 0; i < n; i++) y[i] = fabsf(x[i]);
        break;
    case PRED__OP_NEG:
        for (i = 0; i < n; i++) y[i] = -x[i];
        break;
    case PRED__OP_RECIPROCAL:
        for (i = 0; i < n; i++) y[i] = 1.0f / x[i];
        break;
    case PRED__OP_FLOOR: /* floor and ceil are exact everywhere */
        for (i = 0; i < n; i++) y[i] = floorf(x[i]);
        break;
    case PRED__OP_CEIL:
        for (i = 0; i < n; i++) y[i] = ceilf(x[i]);
        break;
    case PRED__OP_ELU:
        for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? (float)((double)p->alpha * pred__expm1_d(x[i])) : x[i];
        break;
    case PRED__OP_SELU: /* gamma (alpha (e^x - 1)) for x <= 0, gamma x above; +0 at -0, as the formula */
        for (i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? p->beta * x[i]
                   : x[i] == 0.0f ? 0.0f : (float)((double)p->beta * (double)p->alpha * pred__expm1_d(x[i]));
        break;
    case PRED__OP_CELU:
        for (i = 0; i < n; i++) y[i] = pred__celu(x[i], p->alpha);
        break;
    case PRED__OP_SOFTPLUS:
        for (i = 0; i < n; i++) y[i] = (float)pred__softplus_d(x[i]);
        break;
    case PRED__OP_SOFTSIGN: /* x / (1 + |x|); +-1 at +-infinity */
        for (i = 0; i < n; i++)
            y[i] = isinf(x[i]) ? (x[i] > 0.0f ? 1.0f : -1.0f) : x[i] / (1.0f + fabsf(x[i]));
        break;
    case PRED__OP_THRESHOLDEDRELU:
        for (i = 0; i < n; i++) y[i] = x[i] > p->alpha ? x[i] : 0.0f;
        break;
    case PRED__OP_MISH:
        for (i = 0; i < n; i++) y[i] = pred__mish(x[i]);
        break;
    default:
        break;
    }
}

static void pred__activation_run(const pred__exec *x, const pred__node *n) {
    if (PRED__IN_TYPE(x, n, 0) != PRED__DT_FLOAT) { /* Abs, Neg (any_inputs) */
        pred__abs_neg_i64(PRED__OUT_I64(x, n, 0), PRED__IN_I64(x, n, 0), x->tensors[n->out[0]].count,
                          n->op == PRED__OP_NEG);
        return;
    }
    pred__unary_split(x, n, 0.0f, 0.0f);
}
