/* libFuzzer harness: valid small models through the run path, at every kernel level.
 *
 * fuzz_load.c feeds hostile bytes to the loader, so most of its inputs stop in
 * the parser. Here the bytes choose a model that is valid ONNX, and the
 * harness writes its protobuf itself: one operator where the kernels live or
 * next to them (Conv pointwise, depthwise, 3x3/5x5 strided and padded, grouped
 * and dilated, pointwise on 256+ channels (the transposed product); ConvTranspose;
 * Gemm, MatMul; Relu, Clip, Sigmoid, Exp, Erf, HardSigmoid, LeakyRelu, HardSwish;
 * broadcasting Add, Sub, Mul, Div and Pow; MaxPool, AveragePool, GlobalAveragePool; Softmax),
 * after Conv, Gemm and MatMul sometimes an activation the optimizer fuses into
 * them, with fuzzed shapes, attributes, weights and inputs, where the bytes
 * also place NaN, +-Inf, -0, subnormals and large values. The weights of Conv,
 * ConvTranspose, Gemm and MatMul are constants (packed at load) or sometimes a
 * second graph input (the paths for weights computed at run time).
 *
 * The model is loaded and run at every kernel level this CPU has (the harness
 * includes the single file to switch pred__kernels_chosen between runs), each
 * at 1 and 3 threads, and loaded again without the optimizer. Checked:
 * - a refusal comes with a status and a message;
 * - at one level, 1 and 3 threads give the same bits;
 * - at one level, the model without the optimizer gives the same bits (NaN
 *   payloads aside): a fused activation computes what the operator does;
 * - at the scalar level, a model with constant weights (packed: im2col, the
 *   transposed product, Gemm's strips) agrees with the same model with every
 *   weight a graph input (Conv's plain loops, sgemm), within twice the bound
 *   below: the packing is checked against code that packs nothing;
 * - every level agrees with the scalar level: NaN where it has NaN, the same
 *   infinity where it has one (or a finite value past 2^127: a level may round
 *   to Inf where another does not), finite values within a bound from the
 *   magnitudes summed (FMA rounds once where scalar code rounds twice);
 * - at one level, the model with the first dimension of "x" symbolic, run at
 *   that dimension and at twice it with "x" given twice, gives the first
 *   run's bits in each half (results do not depend on the batch position:
 *   the batch as a whole, or a sample a thread through the plan at batch 1),
 *   unless the operator reduces along that dimension (Softmax on axis 0, Gemm
 *   with transA) or a broadcast refuses the larger size.
 * Values stay far from overflow (|v| <= 2^40, sums of at most 2^14 products),
 * so only the special values make infinities, whatever the order of a sum.
 *
 * Built by run.sh --run with -fsanitize=fuzzer,address,undefined and
 * PRED_MAX_ELEMENTS 2^14, as fuzz_load is. */
#include "predict.c"

#include <float.h>
#include <math.h>
#include <stdio.h>

#define FUZZ_CHECK(cond)               \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

/* ---- the fuzz bytes: zeros once they run out --------------------------------*/

typedef struct { const uint8_t *p; size_t n; } bytes;

static unsigned take(bytes *b) {
    if (b->n == 0) return 0;
    b->n--;
    return *b->p++;
}
static unsigned pick(bytes *b, unsigned n) { return take(b) % n; }                       /* [0, n) */
static size_t in_range(bytes *b, size_t lo, size_t hi) { return lo + take(b) % (hi - lo + 1); } /* [lo, hi] */
static unsigned take16(bytes *b) {
    unsigned hi = take(b); /* two statements: the bytes are read in order */
    return hi << 8 | take(b);
}

/* ---- protobuf writing ----------------------------------------------------*/

typedef struct { uint8_t *p; size_t n, cap; } pb;

static void put(pb *o, const void *data, size_t n) {
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->p = (uint8_t *)realloc(o->p, o->cap);
        FUZZ_CHECK(o->p != NULL);
    }
    memcpy(o->p + o->n, data, n);
    o->n += n;
}
static void put_varint(pb *o, uint64_t v) {
    uint8_t c;
    for (; v >= 0x80; v >>= 7) {
        c = (uint8_t)(v | 0x80);
        put(o, &c, 1);
    }
    c = (uint8_t)v;
    put(o, &c, 1);
}
static void pb_int(pb *o, unsigned field, int64_t v) {
    put_varint(o, (uint64_t)field << 3);
    put_varint(o, (uint64_t)v);
}
static void pb_float(pb *o, unsigned field, float v) {
    put_varint(o, (uint64_t)field << 3 | 5);
    put(o, &v, 4); /* little-endian, as x86 stores it */
}
static void pb_bytes(pb *o, unsigned field, const void *data, size_t n) {
    put_varint(o, (uint64_t)field << 3 | 2);
    put_varint(o, n);
    put(o, data, n);
}
static void pb_str(pb *o, unsigned field, const char *s) { pb_bytes(o, field, s, strlen(s)); }
/* Writes m as a submessage and empties it. */
static void pb_msg(pb *o, unsigned field, pb *m) {
    pb_bytes(o, field, m->p, m->n);
    free(m->p);
    memset(m, 0, sizeof *m);
}

/* AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7). */
static void attr_int(pb *node, const char *name, int64_t v) {
    pb a = {0};
    pb_str(&a, 1, name);
    pb_int(&a, 3, v);
    pb_int(&a, 20, 2);
    pb_msg(node, 5, &a);
}
static void attr_float(pb *node, const char *name, float v) {
    pb a = {0};
    pb_str(&a, 1, name);
    pb_float(&a, 2, v);
    pb_int(&a, 20, 1);
    pb_msg(node, 5, &a);
}
static void attr_str(pb *node, const char *name, const char *v) {
    pb a = {0};
    pb_str(&a, 1, name);
    pb_str(&a, 4, v);
    pb_int(&a, 20, 3);
    pb_msg(node, 5, &a);
}
static void attr_ints(pb *node, const char *name, const int64_t *v, size_t n) {
    pb a = {0};
    size_t i;
    pb_str(&a, 1, name);
    for (i = 0; i < n; i++) pb_int(&a, 8, v[i]);
    pb_int(&a, 20, 7);
    pb_msg(node, 5, &a);
}

/* ---- the model being built ---------------------------------------------------*/

#define MAX_INPUTS 2

typedef struct {
    pb graph;
    float *inputs[MAX_INPUTS]; /* the graph inputs: "x", and "w" for weights computed at run time */
    size_t input_n[MAX_INPUTS], n_inputs;
    const char *what;   /* the operator, for the report */
    double atol, rtol;  /* how far a level may be from the scalar one */
    int weights_as_inputs; /* every weight a graph input: the model the packed paths are checked against */
    int batch;          /* the first dimension of "x" symbolic ("batch") */
    int mixes_batch;    /* the operator reduces along x's first dimension */
    int64_t x_dims[8];  /* the shape of "x" */
    size_t x_ndim, x_index;
} model;

static size_t count(const int64_t *dims, size_t ndim) {
    size_t n = 1, i;
    for (i = 0; i < ndim; i++) n *= (size_t)dims[i];
    return n;
}

/* TensorProto: dims 1, data_type 2 (FLOAT 1), name 8, raw_data 9. */
static void initializer(model *m, const char *name, const int64_t *dims, size_t ndim, const float *data) {
    pb t = {0};
    size_t i;
    for (i = 0; i < ndim; i++) pb_int(&t, 1, dims[i]);
    pb_int(&t, 2, 1);
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, data, count(dims, ndim) * sizeof *data);
    pb_msg(&m->graph, 5, &t);
}

/* ValueInfoProto {name 1, type 2: TypeProto {tensor_type 1: {elem_type 1, shape 2: {dim 1: {dim_value 1}}}}};
 * graph field 11 (input, with its shape) or 12 (output, shape left to the engine). */
static void value_info(model *m, unsigned field, const char *name, const int64_t *dims, size_t ndim) {
    pb v = {0}, type = {0}, tensor = {0}, shape = {0}, dim = {0};
    size_t i;
    pb_int(&tensor, 1, 1);
    if (dims) {
        for (i = 0; i < ndim; i++) {
            if (i == 0 && m->batch && strcmp(name, "x") == 0) pb_str(&dim, 2, "batch"); /* dim_param */
            else pb_int(&dim, 1, dims[i]);
            pb_msg(&shape, 1, &dim);
        }
        pb_msg(&tensor, 2, &shape);
    }
    pb_msg(&type, 1, &tensor);
    pb_str(&v, 1, name);
    pb_msg(&v, 2, &type);
    pb_msg(&m->graph, field, &v);
}

/* NodeProto: input 1, output 2, op_type 4 (attributes 5 written by the caller). */
static void node_start(pb *node, const char *op, const char *const *inputs, size_t n_inputs, const char *output) {
    size_t i;
    for (i = 0; i < n_inputs; i++) pb_str(node, 1, inputs[i]);
    pb_str(node, 2, output);
    pb_str(node, 4, op);
}

/* ---- values --------------------------------------------------------------*/

static uint64_t rng;
static float rnd_unit(void) { /* [-1, 1) */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(uint32_t)(rng >> 32) / 2147483648.0f - 1.0f;
}

/* n values of a scale the bytes pick, some replaced by special values; returns the largest finite
 * magnitude. Large is 2^40: a product of two is 2^80, far from overflow. */
static double fill(bytes *b, float *v, size_t n) {
    static const float scales[] = {1.0f, 0x1p-10f, 0x1p10f, 0x1p-130f /* subnormals */, 0.0f};
    static const float special[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 0x1p-149f, -0x1.fffffcp-127f, FLT_MIN,
                                    0x1p40f, -0x1p40f, 1.0f, -1.0f, 0.5f};
    float scale = scales[pick(b, sizeof scales / sizeof scales[0])];
    double maxabs = 0.0;
    size_t i, k = pick(b, 6);
    rng = 0x9e3779b97f4a7c15u ^ take16(b);
    for (i = 0; i < n; i++) v[i] = scale * rnd_unit();
    for (; k > 0; k--) {
        size_t at = take16(b) % n;
        v[at] = special[pick(b, sizeof special / sizeof special[0])];
    }
    for (i = 0; i < n; i++)
        if (isfinite(v[i]) && fabs(v[i]) > maxabs) maxabs = fabs(v[i]);
    return maxabs;
}

static float *constant(model *m, bytes *b, const char *name, const int64_t *dims, size_t ndim, double *maxabs) {
    size_t n = count(dims, ndim);
    float *v = (float *)malloc(n * sizeof *v);
    FUZZ_CHECK(v != NULL);
    *maxabs = fill(b, v, n);
    initializer(m, name, dims, ndim, v);
    return v;
}

/* A graph input, its values from the bytes. */
static double input(model *m, bytes *b, const char *name, const int64_t *dims, size_t ndim) {
    size_t i = m->n_inputs++;
    FUZZ_CHECK(i < MAX_INPUTS);
    m->input_n[i] = count(dims, ndim);
    if (strcmp(name, "x") == 0) {
        FUZZ_CHECK(ndim <= 8);
        memcpy(m->x_dims, dims, ndim * sizeof *dims);
        m->x_ndim = ndim;
        m->x_index = i;
    }
    m->inputs[i] = (float *)malloc(m->input_n[i] * sizeof *m->inputs[i]);
    FUZZ_CHECK(m->inputs[i] != NULL);
    value_info(m, 11, name, dims, ndim);
    return fill(b, m->inputs[i], m->input_n[i]);
}

/* Weights: a constant (packed at load), or when `runtime` a graph input (the paths for weights
 * computed at run time). Either takes the same bytes. */
static double weights(model *m, bytes *b, int runtime, const char *name, const int64_t *dims, size_t ndim) {
    double maxabs;
    if (runtime || m->weights_as_inputs) return input(m, b, name, dims, ndim);
    free(constant(m, b, name, dims, ndim, &maxabs));
    return maxabs;
}

/* ---- the operators ----------------------------------------------------------*/

/* Error of a sum of k products of magnitudes at most `terms` apart from rounding: relative 1e-5 of
 * the sum of magnitudes, and k subnormal ulps (products that underflow). */
static double sum_bound(size_t k, double terms) { return 1e-5 * (double)k * terms + (double)(k + 1) * 0x1p-148; }

/* After Conv, Gemm or MatMul ("y0" to "y"): nothing, or an activation (Relu, Clip, LeakyRelu, Sigmoid
 * and HardSwish are fused into Conv and Gemm, pred__act). Each changes a value by at most its change
 * (LeakyRelu's alpha is at most 1), so the bound of the sum holds after it; HardSwish's slope
 * reaches 1.5 below 3, where the relative part of the bound is at most 3e-5. */
static void activation(model *m, bytes *b, int fused) {
    static const float bounds[] = {0.0f, -0.0f, 6.0f, -1.0f, 0.5f, NAN, -INFINITY, INFINITY};
    static const float alphas[] = {0.01f /* the default: no attribute */, 0.2f, 0.5f, 1.0f, 0.0f, -0.5f};
    const char *op = fused ? (const char *[]){"", "Relu", "Clip", "Sigmoid", "HardSigmoid", "LeakyRelu",
                                              "HardSwish"}[pick(b, 7)]
                           : (const char *[]){"Relu", "Clip", "Sigmoid", "HardSigmoid", "Exp", "Erf", "LeakyRelu",
                                              "HardSwish"}[pick(b, 8)];
    const char *ins[] = {fused ? "y0" : "x", "lo", "hi"};
    pb node = {0};
    if (fused && op[0] == '\0') {
        const char *in[] = {"y0"};
        node_start(&node, "Identity", in, 1, "y");
    } else if (strcmp(op, "Clip") == 0) {
        float lo = bounds[pick(b, 8)], hi = bounds[pick(b, 8)];
        size_t n = in_range(b, 1, 3);
        if (n > 1) initializer(m, "lo", NULL, 0, &lo);
        if (n > 2) initializer(m, "hi", NULL, 0, &hi);
        node_start(&node, op, ins, n, "y");
    } else {
        node_start(&node, op, ins, 1, "y");
        if (strcmp(op, "HardSigmoid") == 0) {
            attr_float(&node, "alpha", (float)in_range(b, 1, 8) / 8.0f); /* at most 1: no larger errors */
            attr_float(&node, "beta", (float)in_range(b, 0, 8) / 8.0f);
        } else if (strcmp(op, "LeakyRelu") == 0) {
            size_t a = pick(b, sizeof alphas / sizeof alphas[0]);
            if (a) attr_float(&node, "alpha", alphas[a]);
        } else if (strcmp(op, "HardSwish") == 0) {
            m->atol = 1.5 * m->atol + 5e-5;
        }
    }
    pb_msg(&m->graph, 1, &node);
    if (!fused) m->what = op;
}

/* Conv: pointwise, depthwise, 3x3 or 5x5 (stride 1 or 2, padded), grouped and dilated, or pointwise
 * over 256 to 287 channels on a map of at most 7x7 (the transposed product: pred__gemm_t_better).
 * The weights are a constant (packed at load) or, one time in four, a graph input (the loops for
 * weights computed at run time). */
static void conv(model *m, bytes *b) {
    size_t kind = pick(b, 5), c, g, mo, kh, kw, s, d, i, k;
    int64_t x[4], w[4], pads[4], strides[2], dil[2], ks[2];
    double mx, mw, mb = 0.0;
    pb node = {0};
    const char *ins[] = {"x", "w", "bias"};
    int bias = (int)pick(b, 2), runtime = pick(b, 4) == 0, pointwise = kind == 0 || kind == 4;
    c = kind == 4 ? 256 + pick(b, 32) : in_range(b, 1, 16);
    g = kind == 1 ? c : 1;
    if (kind == 3) {
        g = in_range(b, 1, 4);
        c = g * in_range(b, 1, 4);
    }
    mo = kind == 4 ? in_range(b, 1, 16384 / c) : kind == 1 ? c * in_range(b, 1, 2) : g * in_range(b, 1, kind == 3 ? 4 : 16);
    kh = kw = pointwise ? 1 : (kind == 3 ? 0 : (pick(b, 2) ? 5 : 3));
    if (kind == 3) {
        kh = in_range(b, 1, 4);
        kw = in_range(b, 1, 4);
    }
    s = pointwise ? 1 : in_range(b, 1, kind == 3 ? 3 : 2);
    d = kind == 3 ? in_range(b, 1, 2) : 1;
    for (i = 0; i < 4; i++) pads[i] = pointwise ? 0 : (int64_t)pick(b, (unsigned)(d * ((i % 2 ? kw : kh) - 1) + 1));
    x[0] = kind == 4 ? 1 : (int64_t)in_range(b, 1, 2);
    x[1] = (int64_t)c;
    x[2] = (int64_t)in_range(b, d * (kh - 1) + 1, kind == 4 ? 7 : 20);
    x[3] = (int64_t)in_range(b, d * (kw - 1) + 1, kind == 4 ? 7 : 20);
    w[0] = (int64_t)mo;
    w[1] = (int64_t)(c / g);
    w[2] = (int64_t)kh;
    w[3] = (int64_t)kw;
    strides[0] = strides[1] = (int64_t)s;
    dil[0] = dil[1] = (int64_t)d;
    ks[0] = (int64_t)kh;
    ks[1] = (int64_t)kw;
    mx = input(m, b, "x", x, 4);
    mw = weights(m, b, runtime, "w", w, 4);
    if (bias) free(constant(m, b, "bias", &w[0], 1, &mb));
    node_start(&node, "Conv", ins, bias ? 3 : 2, "y0");
    if (pick(b, 2)) attr_ints(&node, "kernel_shape", ks, 2);
    attr_ints(&node, "pads", pads, 4);
    attr_ints(&node, "strides", strides, 2);
    if (d > 1) attr_ints(&node, "dilations", dil, 2);
    if (g > 1) attr_int(&node, "group", (int64_t)g);
    pb_msg(&m->graph, 1, &node);
    k = (c / g) * kh * kw;
    m->atol = sum_bound(k, mx * mw) + 1e-6 * mb;
    m->what = (const char *[]){"Conv pointwise", "Conv depthwise", "Conv 3x3/5x5", "Conv grouped",
                               "Conv pointwise wide"}[kind];
    activation(m, b, 1);
}

/* ConvTranspose: strided, dilated, grouped, its output size from pads, pads and output_padding,
 * SAME padding, or output_shape (larger than the full output too); weights constant or an input. */
static void convtranspose(model *m, bytes *b) {
    size_t g = in_range(b, 1, 3), c = g * in_range(b, 1, 4), mo = g * in_range(b, 1, 4), i, how = pick(b, 4);
    size_t k[2], s = in_range(b, 1, 3), d = in_range(b, 1, 2);
    int64_t x[4], w[4], pads[4], strides[2], dil[2], extra[2];
    double mx, mw, mb = 0.0;
    pb node = {0};
    const char *ins[] = {"x", "w", "bias"};
    int bias = (int)pick(b, 2), runtime = pick(b, 4) == 0;
    k[0] = in_range(b, 1, 4);
    k[1] = in_range(b, 1, 4);
    x[0] = (int64_t)in_range(b, 1, 2);
    x[1] = (int64_t)c;
    x[2] = (int64_t)in_range(b, 1, 10);
    x[3] = (int64_t)in_range(b, 1, 10);
    w[0] = (int64_t)c;
    w[1] = (int64_t)(mo / g);
    w[2] = (int64_t)k[0];
    w[3] = (int64_t)k[1];
    strides[0] = strides[1] = (int64_t)s;
    dil[0] = dil[1] = (int64_t)d;
    for (i = 0; i < 4; i++) pads[i] = (int64_t)pick(b, (unsigned)(d * (k[i % 2] - 1) + 1));
    for (i = 0; i < 2; i++) /* output_padding below the stride or the dilation; output_shape around the full size */
        extra[i] = how == 1 ? (int64_t)pick(b, (unsigned)(s > d ? s : d))
                            : (int64_t)in_range(b, 1, s * ((size_t)x[2 + i] - 1) + d * (k[i] - 1) + 3);
    mx = input(m, b, "x", x, 4);
    mw = weights(m, b, runtime, "w", w, 4);
    if (bias) free(constant(m, b, "bias", (const int64_t[]){(int64_t)mo}, 1, &mb));
    node_start(&node, "ConvTranspose", ins, bias ? 3 : 2, "y");
    if (how < 2) attr_ints(&node, "pads", pads, 4);
    if (how == 1) attr_ints(&node, "output_padding", extra, 2);
    if (how == 2) attr_str(&node, "auto_pad", pick(b, 2) ? "SAME_UPPER" : "SAME_LOWER");
    if (how == 3) attr_ints(&node, "output_shape", extra, 2);
    attr_ints(&node, "strides", strides, 2);
    if (d > 1) attr_ints(&node, "dilations", dil, 2);
    if (g > 1) attr_int(&node, "group", (int64_t)g);
    pb_msg(&m->graph, 1, &node);
    m->atol = sum_bound((c / g) * k[0] * k[1], mx * mw) + 1e-6 * mb;
    m->what = "ConvTranspose";
}

/* Gemm: alpha A' B' + beta C, A the input, B a constant (packed when alpha is 1) or an input, C a
 * constant, either transposed, C broadcast. */
static void gemm(model *m, bytes *b) {
    static const float factors[] = {1.0f, 0.5f, -2.0f, 0.0f};
    size_t rows = in_range(b, 1, 32), k = in_range(b, 1, 64), cols = in_range(b, 1, 48);
    int ta = (int)pick(b, 2), tb = (int)pick(b, 2), cshape = (int)pick(b, 6), runtime = pick(b, 4) == 0;
    float alpha = factors[pick(b, 4)], beta = factors[pick(b, 4)];
    int64_t a[2], bd[2], cd[2];
    size_t nc = 2;
    double ma, mb, mc = 0.0;
    pb node = {0};
    const char *ins[] = {"x", "b", "c"};
    a[0] = (int64_t)(ta ? k : rows), a[1] = (int64_t)(ta ? rows : k);
    bd[0] = (int64_t)(tb ? cols : k), bd[1] = (int64_t)(tb ? k : cols);
    ma = input(m, b, "x", a, 2);
    mb = weights(m, b, runtime, "b", bd, 2);
    /* C: none, (cols), (1, cols), (rows, 1), (rows, cols) or a scalar */
    cd[0] = cshape == 3 || cshape == 4 ? (int64_t)rows : cshape == 1 ? (int64_t)cols : 1;
    cd[1] = cshape == 3 ? 1 : (int64_t)cols;
    if (cshape == 1 || cshape == 5) nc = cshape == 1 ? 1 : 0;
    if (cshape) free(constant(m, b, "c", cd, nc, &mc));
    node_start(&node, "Gemm", ins, cshape ? 3 : 2, "y0");
    if (alpha != 1.0f) attr_float(&node, "alpha", alpha);
    if (beta != 1.0f) attr_float(&node, "beta", beta);
    if (ta) attr_int(&node, "transA", 1);
    m->mixes_batch = ta; /* x's first dimension is the sum's */
    if (tb) attr_int(&node, "transB", 1);
    pb_msg(&m->graph, 1, &node);
    m->atol = 2.0 * sum_bound(k, fabs(alpha) * ma * mb) + 1e-6 * fabs(beta) * mc;
    m->what = "Gemm";
    activation(m, b, 1);
}

/* MatMul: x (batch..., rows, k) @ a constant (k, cols) (packed), or @ an input (batch..., k, cols),
 * the batch dims broadcast. */
static void matmul(model *m, bytes *b) {
    size_t rank = in_range(b, 2, 3), wrank = 2, k;
    int64_t x[3], w[3];
    double mx, mw;
    pb node = {0};
    const char *ins[] = {"x", "w"};
    int runtime = pick(b, 3) == 0;
    x[0] = (int64_t)in_range(b, 1, 3);
    x[1] = (int64_t)in_range(b, 1, 32);
    x[2] = (int64_t)in_range(b, 1, 48);
    k = (size_t)x[2];
    if (runtime) wrank = in_range(b, 2, 3);
    w[0] = pick(b, 2) ? 1 : rank == 3 ? x[0] : (int64_t)in_range(b, 1, 3); /* broadcast, or x's batch */
    w[1] = (int64_t)k;
    w[2] = (int64_t)in_range(b, 1, 48);
    mx = input(m, b, "x", rank == 3 ? x : x + 1, rank);
    mw = weights(m, b, runtime, "w", wrank == 3 ? w : w + 1, wrank);
    node_start(&node, "MatMul", ins, 2, "y0");
    pb_msg(&m->graph, 1, &node);
    m->atol = sum_bound(k, mx * mw);
    m->what = "MatMul";
    activation(m, b, 1);
}

/* A shape of rank 1 to 4, at most 2^14 elements (some that large: elementwise work splits between
 * threads from 16384 elements of a heavy function). */
static size_t shape(bytes *b, int64_t *dims) {
    size_t rank = in_range(b, 1, 4), i;
    if (pick(b, 8) == 0) { /* 16384 */
        static const int64_t big[4] = {4, 16, 16, 16};
        memcpy(dims, big + 4 - rank, rank * sizeof *dims);
        dims[0] = (int64_t)(16384 / count(dims + 1, rank - 1));
        return rank;
    }
    for (i = 0; i < rank; i++) dims[i] = (int64_t)in_range(b, 1, i + 2 >= rank ? 20 : 6);
    return rank;
}

static void unary(model *m, bytes *b) {
    int64_t x[4];
    size_t rank = shape(b, x);
    input(m, b, "x", x, rank);
    activation(m, b, 0);
    m->atol = 1e-7;
}

/* Add, Sub, Mul, Div or Pow of x and a constant of a broadcast shape (lower rank, dims of 1), either
 * side; Pow sometimes x to the constant 2 (computed as x * x). */
static void binary(model *m, bytes *b) {
    static const char *const names[] = {"Add", "Sub", "Mul", "Div", "Pow"};
    int64_t x[4], c[4];
    size_t rank = shape(b, x), crank = in_range(b, 1, rank), i;
    int swap = (int)pick(b, 2), square;
    const char *ins[2];
    double mc;
    pb node = {0};
    for (i = 0; i < crank; i++) c[i] = pick(b, 2) ? 1 : x[rank - crank + i];
    m->what = names[pick(b, 5)];
    square = strcmp(m->what, "Pow") == 0 && pick(b, 2);
    if (square) swap = 0;
    input(m, b, "x", x, rank);
    if (square) {
        size_t n = count(c, crank);
        float *two = (float *)malloc(n * sizeof *two);
        FUZZ_CHECK(two != NULL);
        for (i = 0; i < n; i++) two[i] = 2.0f;
        initializer(m, "c", c, crank, two);
        free(two);
    } else free(constant(m, b, "c", c, crank, &mc));
    ins[0] = swap ? "c" : "x";
    ins[1] = swap ? "x" : "c";
    node_start(&node, m->what, ins, 2, "y");
    pb_msg(&m->graph, 1, &node);
}

/* MaxPool, AveragePool (padded, strided, ceil mode, counting pads or not) or GlobalAveragePool. */
static void pool(model *m, bytes *b) {
    size_t kind = pick(b, 3), i;
    int64_t x[4], ks[2], strides[2], pads[4];
    pb node = {0};
    const char *ins[] = {"x"};
    m->what = (const char *[]){"MaxPool", "AveragePool", "GlobalAveragePool"}[kind];
    ks[0] = (int64_t)in_range(b, 1, 4);
    ks[1] = (int64_t)in_range(b, 1, 4);
    x[0] = (int64_t)in_range(b, 1, 2);
    x[1] = (int64_t)in_range(b, 1, 16);
    x[2] = (int64_t)in_range(b, (size_t)ks[0], 20);
    x[3] = (int64_t)in_range(b, (size_t)ks[1], 20);
    input(m, b, "x", x, 4);
    node_start(&node, m->what, ins, 1, "y");
    if (kind < 2) {
        for (i = 0; i < 4; i++) pads[i] = (int64_t)pick(b, (unsigned)ks[i % 2]);
        strides[0] = (int64_t)in_range(b, 1, 3);
        strides[1] = (int64_t)in_range(b, 1, 3);
        attr_ints(&node, "kernel_shape", ks, 2);
        attr_ints(&node, "pads", pads, 4);
        attr_ints(&node, "strides", strides, 2);
        if (pick(b, 2)) attr_int(&node, "ceil_mode", 1);
        if (kind == 1 && pick(b, 2)) attr_int(&node, "count_include_pad", 1);
    }
    pb_msg(&m->graph, 1, &node);
    m->atol = 1e-7;
}

static void softmax(model *m, bytes *b) {
    int64_t x[4];
    size_t rank = shape(b, x);
    pb node = {0};
    const char *ins[] = {"x"};
    int64_t axis;
    input(m, b, "x", x, rank);
    axis = (int64_t)pick(b, (unsigned)(2 * rank)) - (int64_t)rank;
    node_start(&node, "Softmax", ins, 1, "y");
    attr_int(&node, "axis", axis);
    m->mixes_batch = axis == 0 || axis == -(int64_t)rank;
    pb_msg(&m->graph, 1, &node);
    m->what = "Softmax";
    m->atol = 1e-7;
}

/* ModelProto {ir_version 1, graph 7, opset_import 8: {version 2}} around the graph. */
static void build(model *m, bytes *b, pb *out) {
    static void (*const ops[])(model *, bytes *) = {conv,   conv,  conv,  convtranspose, gemm,
                                                     matmul, unary, binary, pool,         softmax};
    pb opset = {0};
    m->rtol = 1e-5;
    ops[pick(b, sizeof ops / sizeof ops[0])](m, b);
    value_info(m, 12, "y", NULL, 0);
    pb_int(out, 1, 8);
    pb_msg(out, 7, &m->graph);
    pb_int(&opset, 2, 14); /* HardSwish */
    pb_msg(out, 8, &opset);
}

/* ---- running and checking --------------------------------------------------*/

static void check_error_set(void) {
    const char *e = pred_last_error();
    FUZZ_CHECK(e != NULL && e[0] != '\0');
}

/* Runs at `threads` threads and returns the output (malloc'd, *n elements). */
static float *run(pred_session *session, int threads, size_t *n) {
    float *y;
    FUZZ_CHECK(pred_session_set_threads(session, threads) == PRED_OK);
    FUZZ_CHECK(pred_session_run(session) == PRED_OK);
    *n = pred_session_output_size(session, 0);
    y = (float *)malloc(*n * sizeof *y);
    FUZZ_CHECK(y != NULL && pred_session_get_output(session, 0, y, *n) == PRED_OK);
    return y;
}

/* got (a level) agrees with want (the scalar level); see the top of the file. */
static int agrees(float got, float want, double atol, double rtol) {
    if (isnan(got) || isnan(want)) return isnan(got) && isnan(want);
    if (isinf(got) || isinf(want))
        return got == want || ((got > 0) == (want > 0) && fabsf(isinf(got) ? want : got) >= 0x1p127f);
    return fabs((double)got - want) <= atol + rtol * fabs((double)want);
}

/* The same bits, or both NaN (of any payload). */
static int same(float a, float b) { return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)); }

/* Loads the model with `options` and makes a session with its inputs set; NULL for a refusal,
 * which must come with a status and a message. */
static pred_session *open_model(const pb *file, int options, const model *m, pred_model **out) {
    pred_session *session = NULL;
    pred_status st = pred_model_load_with_options(file->p, file->n, options, out);
    size_t i;
    if (st != PRED_OK) { /* a size past PRED_MAX_ELEMENTS, say */
        FUZZ_CHECK(*out == NULL && (st == PRED_ERR_MODEL || st == PRED_ERR_UNSUPPORTED || st == PRED_ERR_SHAPE ||
                                    st == PRED_ERR_MEMORY));
        check_error_set();
        return NULL;
    }
    st = pred_session_create(*out, &session);
    if (st != PRED_OK) {
        FUZZ_CHECK(st == PRED_ERR_MEMORY && session == NULL);
        check_error_set();
        return NULL;
    }
    for (i = 0; i < m->n_inputs; i++) {
        FUZZ_CHECK(pred_session_input_size(session, i) == m->input_n[i]);
        FUZZ_CHECK(pred_session_set_input(session, i, m->inputs[i], m->input_n[i]) == PRED_OK);
    }
    return session;
}

/* The scalar level's output `want` of a model with constant weights agrees with that of the same
 * model with its weights as graph inputs (the plain loops of Conv, sgemm for Gemm and MatMul): a
 * sum there goes in another order, so each is within the bound of the exact one. */
static void check_packed(const uint8_t *data, size_t size, const model *m, const float *want, size_t n_want) {
    bytes b = {data, size};
    model r;
    pb file = {0};
    pred_model *ref_model = NULL;
    pred_session *ref;
    size_t i, n;
    memset(&r, 0, sizeof r);
    r.weights_as_inputs = 1;
    build(&r, &b, &file);
    if (r.n_inputs > m->n_inputs && (ref = open_model(&file, 0, &r, &ref_model)) != NULL) {
        float *y;
        atomic_store(&pred__kernels_chosen, pred__kernels_for(PRED__ISA_SCALAR));
        y = run(ref, 1, &n);
        FUZZ_CHECK(n == n_want);
        for (i = 0; i < n; i++)
            if (!agrees(want[i], y[i], 2.0 * m->atol, 2.0 * m->rtol)) {
                fprintf(stderr, "fuzz_run: %s: y[%zu] = %.9g, with the weights as inputs %.9g\n", m->what, i,
                        want[i], y[i]);
                __builtin_trap();
            }
        free(y);
        pred_session_free(ref);
        pred_model_free(ref_model);
    }
    free(file.p);
    for (i = 0; i < r.n_inputs; i++) free(r.inputs[i]);
}

/* Sets the first dimension of "x" to `first` (the rest as built); 0 when a broadcast refuses
 * it, which must come with a status and a message. */
static int set_batch(pred_session *session, const model *m, int64_t first) {
    int64_t dims[8];
    pred_status st;
    memcpy(dims, m->x_dims, m->x_ndim * sizeof *dims);
    dims[0] = first;
    st = pred_session_set_input_shape(session, m->x_index, dims, m->x_ndim);
    if (st != PRED_OK) {
        FUZZ_CHECK(st == PRED_ERR_SHAPE);
        check_error_set();
    }
    return st == PRED_OK;
}

/* The first dimension of the output as the session computes it. */
static int64_t output_first(const pred_session *session) {
    int64_t dims[8];
    size_t ndim = 0;
    FUZZ_CHECK(pred_session_output_shape(session, 0, dims, 8, &ndim) == PRED_OK);
    return ndim ? dims[0] : 0;
}

/* At the chosen level: the model with x's first dimension symbolic, run at that dimension and at
 * twice it with x given twice, gives the first run's bits in each half, at 1 and at 3 threads,
 * where that dimension is the output's first (MatMul of a 2-D x by a 3-D weight puts it second). */
static void check_batch(const uint8_t *data, size_t size) {
    bytes b = {data, size};
    model r;
    pb file = {0};
    pred_model *mod = NULL;
    pred_session *session;
    size_t i, k, n1, n2;
    int threads;
    memset(&r, 0, sizeof r);
    r.batch = 1;
    build(&r, &b, &file);
    if (!r.mixes_batch && r.x_ndim > 0 && pred_model_load_with_options(file.p, file.n, 0, &mod) == PRED_OK) {
        FUZZ_CHECK(pred_session_create(mod, &session) == PRED_OK);
        FUZZ_CHECK(set_batch(session, &r, r.x_dims[0]));
        for (i = 0; i < r.n_inputs; i++) FUZZ_CHECK(pred_session_set_input(session, i, r.inputs[i], r.input_n[i]) == PRED_OK);
        {
            const size_t x = r.x_index, nx = r.input_n[x];
            float *one = run(session, 1, &n1), *x2 = (float *)malloc(2 * nx * sizeof *x2);
            const int64_t first = output_first(session);
            FUZZ_CHECK(x2 != NULL);
            memcpy(x2, r.inputs[x], nx * sizeof *x2);
            memcpy(x2 + nx, r.inputs[x], nx * sizeof *x2);
            if (set_batch(session, &r, 2 * r.x_dims[0]) && output_first(session) == 2 * first) {
                for (i = 0; i < r.n_inputs; i++)
                    FUZZ_CHECK(pred_session_set_input(session, i, i == x ? x2 : r.inputs[i],
                                                      i == x ? 2 * nx : r.input_n[i]) == PRED_OK);
                for (threads = 1; threads <= 3; threads += 2) {
                    float *two = run(session, threads, &n2);
                    FUZZ_CHECK(n2 == 2 * n1);
                    for (k = 0; k < n2; k++)
                        if (!same(two[k], one[k % n1])) {
                            fprintf(stderr, "fuzz_run: %s at %s, %d thread(s): y[%zu] of a batch twice as large = %.9g, "
                                    "alone %.9g\n", r.what, pred_kernel_isa(), threads, k, two[k], one[k % n1]);
                            __builtin_trap();
                        }
                    free(two);
                }
            }
            free(x2);
            free(one);
        }
        pred_session_free(session);
        pred_model_free(mod);
    }
    free(file.p);
    for (i = 0; i < r.n_inputs; i++) free(r.inputs[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    bytes b = {data, size};
    model m;
    pb file = {0};
    pred_model *model = NULL, *plain_model = NULL;
    pred_session *session, *plain = NULL;
    float *want = NULL;
    size_t n_want = 0, i;
    int isa;
    memset(&m, 0, sizeof m);
    build(&m, &b, &file);
    session = open_model(&file, 0, &m, &model);
    /* without the optimizer: the activation runs as its own operator */
    if (session) plain = open_model(&file, PRED_LOAD_NO_OPTIMIZE, &m, &plain_model);
    free(file.p);
    for (isa = 0; session && isa < PRED__ISA_COUNT; isa++) {
        const pred__kernels *level = pred__kernels_for((pred__isa)isa);
        float *one, *three;
        size_t n1, n3;
        if (!level) continue;
        atomic_store(&pred__kernels_chosen, level);
        FUZZ_CHECK(strcmp(pred_kernel_isa(), level->name) == 0);
        one = run(session, 1, &n1);
        three = run(session, 3, &n3);
        FUZZ_CHECK(n1 == n3);
        if (memcmp(one, three, n1 * sizeof *one) != 0) {
            fprintf(stderr, "fuzz_run: %s at %s: 1 and 3 threads differ\n", m.what, level->name);
            __builtin_trap();
        }
        free(three);
        check_batch(data, size);
        if (plain) { /* an activation fused into Conv or Gemm computes what the operator computes */
            float *unfused = run(plain, 1, &n3);
            FUZZ_CHECK(n1 == n3);
            for (i = 0; i < n1; i++)
                if (!same(one[i], unfused[i])) {
                    fprintf(stderr, "fuzz_run: %s at %s: y[%zu] = %.9g, without the optimizer %.9g\n", m.what,
                            level->name, i, one[i], unfused[i]);
                    __builtin_trap();
                }
            free(unfused);
        }
        if (!want) {
            want = one, n_want = n1;
            continue;
        }
        FUZZ_CHECK(n1 == n_want);
        for (i = 0; i < n1; i++)
            if (!agrees(one[i], want[i], m.atol, m.rtol)) {
                fprintf(stderr, "fuzz_run: %s at %s: y[%zu] = %.9g, scalar %.9g (tolerance %.3g + %.3g relative)\n",
                        m.what, level->name, i, one[i], want[i], m.atol, m.rtol);
                __builtin_trap();
            }
        free(one);
    }
    if (want) check_packed(data, size, &m, want, n_want);
    free(want);
    pred_session_free(plain);
    pred_model_free(plain_model);
    pred_session_free(session);
    pred_model_free(model);
    for (i = 0; i < m.n_inputs; i++) free(m.inputs[i]);
    return 0;
}
