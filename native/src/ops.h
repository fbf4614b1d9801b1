/*
 * ops.h: the operator set.
 *
 * Each operator is one entry of the table pred__ops (ops.c), indexed by
 * pred__op, with three functions:
 *
 *   init   load time, once: reads and validates the node's attributes into
 *          its params (node->p); needs no shapes.
 *   infer  load time (and again whenever input shapes change): checks the
 *          input shapes, sets the output shapes, resolves shape-dependent
 *          params (auto_pad pads, broadcast shapes...) and the scratch size.
 *   run    compute: reads the inputs and writes the outputs through a
 *          pred__exec; never fails (everything was checked by infer).
 *
 * The run functions are thin adapters that call plain kernels over raw
 * buffers (output first, with a shape comment) so that faster kernels can
 * replace the naive ones one at a time.
 */
#ifndef PRED_OPS_H
#define PRED_OPS_H

#include "common.h"
#include "onnx.h"

/* Defined in graph.h, which includes this header. */
typedef struct pred__graph pred__graph;
typedef struct pred__node pred__node;
typedef struct pred__tensor pred__tensor;
typedef struct pred__exec pred__exec;

typedef enum pred__op {
    PRED__OP_CONV,
    PRED__OP_GEMM,
    PRED__OP_MATMUL,
    PRED__OP_ADD,
    PRED__OP_MUL,
    PRED__OP_RELU,
    PRED__OP_CLIP,
    PRED__OP_MAXPOOL,
    PRED__OP_AVERAGEPOOL,
    PRED__OP_GLOBALAVERAGEPOOL,
    PRED__OP_FLATTEN,
    PRED__OP_RESHAPE,
    PRED__OP_SOFTMAX,
    PRED__OP_BATCHNORMALIZATION,
    PRED__OP_COUNT
} pred__op;

/* ---- per-op params (node->p) ----------------------------------------------*/

enum { PRED__PAD_NOTSET, PRED__PAD_SAME_UPPER, PRED__PAD_SAME_LOWER, PRED__PAD_VALID };

/* The sliding window of Conv and the 2-D pools. pads are in ONNX order
 * (begin_h, begin_w, end_h, end_w); with auto_pad they are resolved by infer. */
typedef struct pred__window {
    int auto_pad;
    int ceil_mode;
    int64_t kernel[2];
    int64_t strides[2];
    int64_t dilations[2];
    int64_t pads[4];
    int64_t out[2];              /* resolved output height, width */
} pred__window;

typedef struct pred__conv_params {
    pred__window w;
    int64_t group;
    int has_kernel_shape;
} pred__conv_params;

typedef struct pred__pool_params {
    pred__window w;
    int count_include_pad;       /* AveragePool */
} pred__pool_params;

typedef struct pred__gemm_params {
    float alpha, beta;
    int trans_a, trans_b;
    int64_t m, n, k;             /* resolved */
    int64_t c_rows, c_cols;      /* resolved shape of C as a broadcast (1 or m, 1 or n); 0 without C */
} pred__gemm_params;

typedef struct pred__matmul_params {
    int64_t m, n, k;             /* resolved */
    pred__shape batch;           /* broadcast batch dims of the output */
    pred__shape a_batch, b_batch; /* batch dims of A and B, aligned to `batch` (1 where broadcast) */
} pred__matmul_params;

typedef struct pred__binary_params {
    int legacy;                  /* opset < 7: `broadcast` / `axis` attributes */
    int64_t legacy_broadcast, legacy_axis;
    pred__shape a, b;            /* resolved: input shapes aligned to the output rank */
} pred__binary_params;

typedef struct pred__clip_params {
    float min, max;
} pred__clip_params;

typedef struct pred__axis_params {
    int64_t axis;                /* as given (may be negative) */
    int legacy;                  /* Softmax before opset 13: coerce to 2-D */
    int64_t outer, n, inner;     /* resolved: the tensor seen as (outer, n, inner) */
} pred__axis_params;

typedef struct pred__reshape_params {
    int from_attr;               /* opset < 5: `shape` attribute */
    int allowzero;
    size_t ndim;                 /* the attribute's shape */
    int64_t shape[PRED_MAX_DIMS];
} pred__reshape_params;

typedef struct pred__batchnorm_params {
    float epsilon;
} pred__batchnorm_params;

typedef union pred__op_params {
    pred__conv_params conv;
    pred__pool_params pool;
    pred__gemm_params gemm;
    pred__matmul_params matmul;
    pred__binary_params binary;
    pred__clip_params clip;
    pred__axis_params axis;
    pred__reshape_params reshape;
    pred__batchnorm_params batchnorm;
} pred__op_params;

/* ---- the table ------------------------------------------------------------*/

typedef pred_status (*pred__op_init_fn)(pred__graph *g, pred__node *n, const pred__onnx_node *src);
typedef pred_status (*pred__op_infer_fn)(pred__graph *g, pred__node *n);
typedef void (*pred__op_run_fn)(const pred__exec *x, const pred__node *n);

typedef struct pred__op_def {
    const char *name;            /* ONNX op_type */
    int min_inputs, max_inputs;  /* required inputs; inputs ONNX allows */
    int max_outputs;             /* outputs this engine computes */
    unsigned int_inputs;         /* bit i: input i is an integer tensor (INT64/INT32 constant) */
    unsigned const_inputs;       /* bit i: input i must be an initializer */
    pred__op_init_fn init;
    pred__op_infer_fn infer;
    pred__op_run_fn run;
} pred__op_def;

static const pred__op_def *pred__op_get(int op);
/* PRED__OP_COUNT when the op_type is not supported. */
static int pred__op_find(const char *op_type);

/* Operator functions, defined in op_*.c. */
static pred_status pred__conv_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__conv_infer(pred__graph *g, pred__node *n);
static void pred__conv_run(const pred__exec *x, const pred__node *n);
static pred_status pred__gemm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__gemm_infer(pred__graph *g, pred__node *n);
static void pred__gemm_run(const pred__exec *x, const pred__node *n);
static pred_status pred__matmul_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__matmul_infer(pred__graph *g, pred__node *n);
static void pred__matmul_run(const pred__exec *x, const pred__node *n);
static pred_status pred__binary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__binary_infer(pred__graph *g, pred__node *n);
static void pred__add_run(const pred__exec *x, const pred__node *n);
static void pred__mul_run(const pred__exec *x, const pred__node *n);
static pred_status pred__unary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__unary_infer(pred__graph *g, pred__node *n);
static void pred__relu_run(const pred__exec *x, const pred__node *n);
static pred_status pred__clip_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static void pred__clip_run(const pred__exec *x, const pred__node *n);
static pred_status pred__pool_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__pool_infer(pred__graph *g, pred__node *n);
static void pred__maxpool_run(const pred__exec *x, const pred__node *n);
static void pred__averagepool_run(const pred__exec *x, const pred__node *n);
static pred_status pred__global_pool_infer(pred__graph *g, pred__node *n);
static void pred__global_averagepool_run(const pred__exec *x, const pred__node *n);
static pred_status pred__flatten_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__flatten_infer(pred__graph *g, pred__node *n);
static pred_status pred__reshape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__reshape_infer(pred__graph *g, pred__node *n);
static void pred__copy_run(const pred__exec *x, const pred__node *n);
static pred_status pred__softmax_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__softmax_infer(pred__graph *g, pred__node *n);
static void pred__softmax_run(const pred__exec *x, const pred__node *n);
static pred_status pred__batchnorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__batchnorm_infer(pred__graph *g, pred__node *n);
static void pred__batchnorm_run(const pred__exec *x, const pred__node *n);

#endif /* PRED_OPS_H */
