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
 *   prepare  load time, once per model (optional): packs constant weights
 *          into the layout of the node's kernel (node->packed), shared by
 *          every plan and session of the model.
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
    PRED__OP_CONVTRANSPOSE,
    PRED__OP_GLOBALMAXPOOL,
    PRED__OP_SUB,
    PRED__OP_DIV,
    PRED__OP_POW,
    PRED__OP_PRELU,
    PRED__OP_SUM,
    PRED__OP_MAX,
    PRED__OP_MIN,
    PRED__OP_LEAKYRELU,
    PRED__OP_SIGMOID,
    PRED__OP_HARDSIGMOID,
    PRED__OP_HARDSWISH,
    PRED__OP_TANH,
    PRED__OP_EXP,
    PRED__OP_SQRT,
    PRED__OP_ERF,
    PRED__OP_LOGSOFTMAX,
    PRED__OP_IDENTITY,
    PRED__OP_DROPOUT,
    PRED__OP_SQUEEZE,
    PRED__OP_UNSQUEEZE,
    PRED__OP_TRANSPOSE,
    PRED__OP_CONCAT,
    PRED__OP_SPLIT,
    PRED__OP_SLICE,
    PRED__OP_GATHER,
    PRED__OP_PAD,
    PRED__OP_SHAPE,
    PRED__OP_CAST,
    PRED__OP_CONSTANTOFSHAPE,
    PRED__OP_CONSTANT,
    PRED__OP_REDUCEMEAN,
    PRED__OP_RESIZE,
    PRED__OP_LAYERNORMALIZATION,
    PRED__OP_GELU,
    PRED__OP_LRN,
    PRED__OP_UPSAMPLE,
    PRED__OP_ABS,
    PRED__OP_NEG,
    PRED__OP_RECIPROCAL,
    PRED__OP_FLOOR,
    PRED__OP_CEIL,
    PRED__OP_ELU,
    PRED__OP_SELU,
    PRED__OP_CELU,
    PRED__OP_SOFTPLUS,
    PRED__OP_SOFTSIGN,
    PRED__OP_THRESHOLDEDRELU,
    PRED__OP_MISH,
    PRED__OP_REDUCEMAX,
    PRED__OP_REDUCEMIN,
    PRED__OP_REDUCESUM,
    PRED__OP_REDUCESUMSQUARE,
    PRED__OP_REDUCEL2,
    PRED__OP_INSTANCENORMALIZATION,
    PRED__OP_COUNT
} pred__op;

/* ---- per-op params (node->p) ----------------------------------------------*/

enum { PRED__PAD_NOTSET, PRED__PAD_SAME_UPPER, PRED__PAD_SAME_LOWER, PRED__PAD_VALID };

/* Conv, ConvTranspose and the pools work over 1 to 3 spatial dims. */
#define PRED__SPATIAL 3

/* The sliding window of Conv, ConvTranspose and the pools. Each array has
 * PRED__SPATIAL slots holding the spatial dims right-aligned: a 2-D window
 * (H, W) uses slots 1 and 2, and slot 0 holds the identity (kernel 1, stride
 * 1, dilation 1, no padding, size 1), so kernels loop over three dims
 * whatever the rank. With auto_pad, infer resolves the pads. */
typedef struct pred__window {
    int rank;                    /* spatial dims the attributes give; 0 if they give none */
    int has_kernel;              /* kernel_shape was given (else Conv takes it from the weights) */
    int auto_pad;
    int ceil_mode;
    int64_t kernel[PRED__SPATIAL];
    int64_t strides[PRED__SPATIAL];
    int64_t dilations[PRED__SPATIAL];
    int64_t pad_begin[PRED__SPATIAL];
    int64_t pad_end[PRED__SPATIAL];
    int64_t in[PRED__SPATIAL];   /* resolved input size */
    int64_t out[PRED__SPATIAL];  /* resolved output size */
} pred__window;

/* An activation that Conv and Gemm apply to their output: the optimizer
 * (optimize.c) fuses a following Relu, Clip... into them at load. */
enum { PRED__ACT_NONE, PRED__ACT_RELU, PRED__ACT_CLIP, PRED__ACT_LEAKYRELU, PRED__ACT_SIGMOID, PRED__ACT_HARDSWISH };

typedef struct pred__act {
    int kind;                    /* PRED__ACT_* */
    float a, b;                  /* CLIP: min, max; LEAKYRELU: alpha; HARDSWISH: alpha, beta */
} pred__act;

/* How a Conv computes, decided by infer from its shapes. */
enum { PRED__CONV_IM2COL, PRED__CONV_POINTWISE, PRED__CONV_DEPTHWISE };

typedef struct pred__conv_params {
    pred__window w;
    int64_t group;
    pred__act act;               /* fused activation */
    int method;                  /* PRED__CONV_*: the GEMM over windows gathered from the input, the GEMM
                                    over the input as it is (1x1, stride 1, no padding), or one channel
                                    at a time (depthwise) */
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
    pred__act act;               /* fused activation */
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
    float epsilon;               /* also InstanceNormalization's */
    float momentum;              /* training_mode: weight of the running statistics */
    int training;                /* training_mode = 1: normalize with the batch's statistics */
} pred__batchnorm_params;

typedef struct pred__lrn_params {
    float alpha, beta, bias;
    int64_t size;                /* channels summed over: c - (size - 1) / 2 .. c + size / 2 */
} pred__lrn_params;

typedef struct pred__layernorm_params {
    int64_t axis;                /* as given (may be negative) */
    float epsilon;
    int64_t rows, cols;          /* resolved: X seen as (rows, cols), each row normalized */
} pred__layernorm_params;

typedef struct pred__convtranspose_params {
    pred__window w;
    int64_t group;
    int64_t output_padding[PRED__SPATIAL]; /* right-aligned like the window */
    int n_output_padding;
    int n_output_shape;          /* values in output_shape: the spatial dims, or N, C and them */
    int64_t output_shape[PRED__SPATIAL + 2];
} pred__convtranspose_params;

typedef struct pred__unary_params {
    float alpha, beta;           /* LeakyRelu, Elu, Celu, ThresholdedRelu: alpha; HardSigmoid: alpha, beta;
                                    Selu: alpha, gamma (beta) */
    int tanh;                    /* Gelu: approximate = "tanh" */
} pred__unary_params;

/* The most outputs Split computes. */
#define PRED__SPLIT_MAX 8

typedef struct pred__split_params {
    int64_t axis;
    int64_t num_outputs;         /* opset 18 attribute; 0 if absent */
    size_t n_split;              /* sizes given by the `split` attribute (opset < 13) */
    int64_t split[PRED__SPLIT_MAX];
    int64_t size[PRED__SPLIT_MAX]; /* resolved: each output's size along the axis */
    int64_t outer, inner;        /* resolved: the input seen as (outer, dim, inner) */
} pred__split_params;

typedef struct pred__transpose_params {
    size_t n_perm;               /* 0: reverse the dims */
    int64_t perm[PRED_MAX_DIMS];
} pred__transpose_params;

/* Axes from an attribute (older opsets) or an input: Squeeze, Unsqueeze, the Reduce ops. */
typedef struct pred__axes_params {
    int from_attr;
    size_t n_axes;
    int64_t axes[PRED_MAX_DIMS];
    int keepdims, noop_with_empty_axes; /* Reduce* */
    unsigned reduce;             /* Reduce*, resolved: bit d set when dim d is reduced */
} pred__axes_params;

typedef struct pred__slice_params {
    int from_attr;               /* opset < 10: starts, ends and axes attributes */
    size_t n;                    /* values in those attributes */
    int has_axes;
    int64_t starts[PRED_MAX_DIMS], ends[PRED_MAX_DIMS], axes[PRED_MAX_DIMS];
    int64_t start[PRED_MAX_DIMS], step[PRED_MAX_DIMS]; /* resolved, per input dim */
} pred__slice_params;

enum { PRED__PADMODE_CONSTANT, PRED__PADMODE_REFLECT, PRED__PADMODE_EDGE, PRED__PADMODE_WRAP };

typedef struct pred__pad_params {
    int mode;                    /* PRED__PADMODE_* */
    int from_attr;               /* opset < 11: `pads` and `value` attributes */
    float value;
    size_t n_pads;
    int64_t pads[2 * PRED_MAX_DIMS]; /* the attribute; resolved: begins then ends, per input dim */
} pred__pad_params;

typedef struct pred__shape_params {
    int64_t start, end;          /* Shape: the attributes (clamped to the rank by infer and run) */
} pred__shape_params;

typedef struct pred__cast_params {
    int32_t to;                  /* PRED__DT_* */
} pred__cast_params;

typedef struct pred__fill_params {
    int32_t dtype;               /* ConstantOfShape: the value's type */
    float f;
    int64_t i;
} pred__fill_params;

enum { PRED__RESIZE_NEAREST, PRED__RESIZE_LINEAR, PRED__RESIZE_CUBIC };

typedef struct pred__resize_params {
    int mode;                    /* PRED__RESIZE_* */
    int coord;                   /* coordinate_transformation_mode (see op_resize.c) */
    int nearest;                 /* nearest_mode */
    int exclude_outside;
    int antialias;
    int keep_aspect;             /* keep_aspect_ratio_policy: 0 stretch, 1 not_larger, 2 not_smaller */
    float cubic_a;
    float extrapolation;
    int legacy;                  /* opset 10: the second input is `scales`; Upsample's coordinates */
    size_t n_scales_attr;        /* Upsample before opset 9: the `scales` attribute */
    float scales_attr[PRED_MAX_DIMS];
    size_t n_axes;
    int64_t axes[PRED_MAX_DIMS];
    double scale[PRED_MAX_DIMS]; /* resolved, per dim */
    float roi[2 * PRED_MAX_DIMS]; /* resolved (tf_crop_and_resize): starts then ends, per dim */
} pred__resize_params;

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
    pred__layernorm_params layernorm;
    pred__lrn_params lrn;
    pred__convtranspose_params convtranspose;
    pred__unary_params unary;
    pred__split_params split;
    pred__transpose_params transpose;
    pred__axes_params axes;
    pred__slice_params slice;
    pred__pad_params pad;
    pred__shape_params shape;
    pred__cast_params cast;
    pred__fill_params fill;
    pred__resize_params resize;
} pred__op_params;

/* ---- the table ------------------------------------------------------------*/

typedef pred_status (*pred__op_init_fn)(pred__graph *g, pred__node *n, const pred__onnx_node *src);
typedef pred_status (*pred__op_infer_fn)(pred__graph *g, pred__node *n);
typedef void (*pred__op_run_fn)(const pred__exec *x, const pred__node *n);
typedef pred_status (*pred__op_prepare_fn)(pred__graph *g, pred__node *n);

typedef struct pred__op_def {
    const char *name;            /* ONNX op_type */
    int min_inputs, max_inputs;  /* required inputs; inputs ONNX allows */
    int max_outputs;             /* outputs this engine computes */
    unsigned int_inputs;         /* bit i: input i is an integer tensor (INT64/INT32 constant) */
    unsigned const_inputs;       /* bit i: input i must be an initializer */
    unsigned any_inputs;         /* bit i: input i may be FLOAT or integer (infer checks it); others are FLOAT */
    pred__op_init_fn init;
    pred__op_infer_fn infer;
    pred__op_run_fn run;
    pred__op_prepare_fn prepare; /* once per model, on the base graph: packs constant weights into
                                    node->packed in the layout the kernel wants; NULL if none */
    unsigned props;              /* PRED__PROP_*: what the graph passes may assume of the op */
} pred__op_def;

/* Properties of an op, for the passes over graphs (graph.c, optimize.c). */
#define PRED__PROP_COPY 0x1u        /* run copies input 0's data unchanged: only the shape differs
                                       (Dropout: when its mask is not read) */
#define PRED__PROP_SHAPE_ONLY 0x2u  /* the output depends on the shape of input 0, never its values */
#define PRED__PROP_MAKES_EMPTY 0x4u /* may compute an empty tensor (a 0 dimension): exporters cut off
                                       nothing with Split and Slice, and Concat those */
#define PRED__PROP_READS_EMPTY 0x8u /* reads empty tensors (Concat skips them, Shape reads the shape) */

static const pred__op_def *pred__op_get(int op);
/* PRED__OP_COUNT when the op_type is not supported. */
static int pred__op_find(const char *op_type);

/* Operator functions, defined in op_*.c. */
static pred_status pred__conv_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__conv_infer(pred__graph *g, pred__node *n);
static void pred__conv_run(const pred__exec *x, const pred__node *n);
static pred_status pred__conv_prepare(pred__graph *g, pred__node *n);
static pred_status pred__gemm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__gemm_infer(pred__graph *g, pred__node *n);
static void pred__gemm_run(const pred__exec *x, const pred__node *n);
static pred_status pred__gemm_prepare(pred__graph *g, pred__node *n);
static pred_status pred__matmul_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__matmul_infer(pred__graph *g, pred__node *n);
static void pred__matmul_run(const pred__exec *x, const pred__node *n);
static pred_status pred__matmul_prepare(pred__graph *g, pred__node *n);
static pred_status pred__binary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__binary_infer(pred__graph *g, pred__node *n);
static pred_status pred__unary_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__unary_infer(pred__graph *g, pred__node *n);
static void pred__relu_run(const pred__exec *x, const pred__node *n);
static pred_status pred__clip_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__clip_infer(pred__graph *g, pred__node *n);
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
static pred_status pred__layernorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__layernorm_infer(pred__graph *g, pred__node *n);
static void pred__layernorm_run(const pred__exec *x, const pred__node *n);
static pred_status pred__convtranspose_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__convtranspose_infer(pred__graph *g, pred__node *n);
static void pred__convtranspose_run(const pred__exec *x, const pred__node *n);
static pred_status pred__convtranspose_prepare(pred__graph *g, pred__node *n);
static void pred__global_maxpool_run(const pred__exec *x, const pred__node *n);
static void pred__binary_run(const pred__exec *x, const pred__node *n);
static pred_status pred__variadic_infer(pred__graph *g, pred__node *n);
static void pred__variadic_run(const pred__exec *x, const pred__node *n);
static pred_status pred__activation_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static void pred__activation_run(const pred__exec *x, const pred__node *n);
static void pred__logsoftmax_run(const pred__exec *x, const pred__node *n);
static pred_status pred__identity_infer(pred__graph *g, pred__node *n);
static pred_status pred__dropout_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__squeeze_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__squeeze_infer(pred__graph *g, pred__node *n);
static pred_status pred__unsqueeze_infer(pred__graph *g, pred__node *n);
static pred_status pred__transpose_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__transpose_infer(pred__graph *g, pred__node *n);
static void pred__transpose_run(const pred__exec *x, const pred__node *n);
static pred_status pred__concat_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__concat_infer(pred__graph *g, pred__node *n);
static void pred__concat_run(const pred__exec *x, const pred__node *n);
static pred_status pred__split_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__split_infer(pred__graph *g, pred__node *n);
static void pred__split_run(const pred__exec *x, const pred__node *n);
static pred_status pred__slice_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__slice_infer(pred__graph *g, pred__node *n);
static void pred__slice_run(const pred__exec *x, const pred__node *n);
static pred_status pred__gather_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__gather_infer(pred__graph *g, pred__node *n);
static void pred__gather_run(const pred__exec *x, const pred__node *n);
static pred_status pred__pad_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__pad_infer(pred__graph *g, pred__node *n);
static void pred__pad_run(const pred__exec *x, const pred__node *n);
static pred_status pred__shape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__shape_infer(pred__graph *g, pred__node *n);
static void pred__shape_run(const pred__exec *x, const pred__node *n);
static pred_status pred__cast_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__cast_infer(pred__graph *g, pred__node *n);
static void pred__cast_run(const pred__exec *x, const pred__node *n);
static pred_status pred__constantofshape_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__constantofshape_infer(pred__graph *g, pred__node *n);
static void pred__constantofshape_run(const pred__exec *x, const pred__node *n);
static pred_status pred__constant_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__constant_infer(pred__graph *g, pred__node *n);
static void pred__constant_run(const pred__exec *x, const pred__node *n);
static pred_status pred__reduce_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__reduce_infer(pred__graph *g, pred__node *n);
static void pred__reduce_run(const pred__exec *x, const pred__node *n);
static pred_status pred__resize_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__upsample_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__resize_infer(pred__graph *g, pred__node *n);
static void pred__resize_run(const pred__exec *x, const pred__node *n);
static pred_status pred__lrn_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__lrn_infer(pred__graph *g, pred__node *n);
static void pred__lrn_run(const pred__exec *x, const pred__node *n);
static pred_status pred__instancenorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src);
static pred_status pred__instancenorm_infer(pred__graph *g, pred__node *n);
static void pred__instancenorm_run(const pred__exec *x, const pred__node *n);

#endif /* PRED_OPS_H */
