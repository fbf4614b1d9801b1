/*
 * ops.c: the operator table. Adding an operator: see native/README.md.
 */
#include "ops.h"
#include "graph.h"

/* Bit masks of inputs, for the table. */
#define PRED__IN0 0x1u
#define PRED__IN1 0x2u
#define PRED__IN2 0x4u
#define PRED__IN3 0x8u
#define PRED__IN4 0x10u
#define PRED__ALL 0xffffffffu

/* name, min/max inputs, max outputs, then bit masks of inputs: integer, known at load, FLOAT or integer;
 * init, infer, run, prepare (may be NULL); properties (PRED__PROP_*) */
static const pred__op_def pred__ops[] = {
    [PRED__OP_CONV] = {"Conv", 2, 3, 1, 0, 0, 0, pred__conv_init, pred__conv_infer, pred__conv_run,
                       pred__conv_prepare, 0},
    [PRED__OP_GEMM] = {"Gemm", 2, 3, 1, 0, 0, 0, pred__gemm_init, pred__gemm_infer, pred__gemm_run,
                       pred__gemm_prepare, 0},
    [PRED__OP_MATMUL] = {"MatMul", 2, 2, 1, 0, 0, 0, pred__matmul_init, pred__matmul_infer, pred__matmul_run,
                         pred__matmul_prepare, 0},
    [PRED__OP_ADD] = {"Add", 2, 2, 1, 0, 0, PRED__ALL, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_MUL] = {"Mul", 2, 2, 1, 0, 0, PRED__ALL, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_RELU] = {"Relu", 1, 1, 1, 0, 0, 0, pred__unary_init, pred__unary_infer, pred__relu_run, NULL, 0},
    [PRED__OP_CLIP] = {"Clip", 1, 3, 1, 0, 0, 0, pred__clip_init, pred__clip_infer, pred__clip_run, NULL, 0},
    [PRED__OP_MAXPOOL] = {"MaxPool", 1, 1, 1, 0, 0, 0, pred__pool_init, pred__pool_infer, pred__maxpool_run, NULL, 0},
    [PRED__OP_AVERAGEPOOL] = {"AveragePool", 1, 1, 1, 0, 0, 0, pred__pool_init, pred__pool_infer,
                              pred__averagepool_run, NULL, 0},
    [PRED__OP_GLOBALAVERAGEPOOL] = {"GlobalAveragePool", 1, 1, 1, 0, 0, 0, pred__unary_init, pred__global_pool_infer,
                                    pred__global_averagepool_run, NULL, 0},
    [PRED__OP_FLATTEN] = {"Flatten", 1, 1, 1, 0, 0, PRED__IN0, pred__flatten_init, pred__flatten_infer,
                          pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_RESHAPE] = {"Reshape", 1, 2, 1, PRED__IN1, PRED__IN1, PRED__IN0, pred__reshape_init,
                          pred__reshape_infer, pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_SOFTMAX] = {"Softmax", 1, 1, 1, 0, 0, 0, pred__softmax_init, pred__softmax_infer, pred__softmax_run, NULL, 0},
    [PRED__OP_BATCHNORMALIZATION] = {"BatchNormalization", 5, 5, 3, 0, 0, 0, pred__batchnorm_init,
                                     pred__batchnorm_infer, pred__batchnorm_run, NULL, 0},
    [PRED__OP_CONVTRANSPOSE] = {"ConvTranspose", 2, 3, 1, 0, 0, 0, pred__convtranspose_init,
                                pred__convtranspose_infer, pred__convtranspose_run, pred__convtranspose_prepare, 0},
    [PRED__OP_GLOBALMAXPOOL] = {"GlobalMaxPool", 1, 1, 1, 0, 0, 0, pred__unary_init, pred__global_pool_infer,
                                pred__global_maxpool_run, NULL, 0},
    [PRED__OP_SUB] = {"Sub", 2, 2, 1, 0, 0, PRED__ALL, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_DIV] = {"Div", 2, 2, 1, 0, 0, PRED__ALL, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_POW] = {"Pow", 2, 2, 1, 0, 0, 0, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_PRELU] = {"PRelu", 2, 2, 1, 0, 0, 0, pred__binary_init, pred__binary_infer, pred__binary_run, NULL, 0},
    [PRED__OP_SUM] = {"Sum", 1, PRED__NODE_MAX_INPUTS, 1, 0, 0, 0, pred__unary_init, pred__variadic_infer,
                      pred__variadic_run, NULL, 0},
    [PRED__OP_MAX] = {"Max", 1, PRED__NODE_MAX_INPUTS, 1, 0, 0, PRED__ALL, pred__unary_init, pred__variadic_infer,
                      pred__variadic_run, NULL, 0},
    [PRED__OP_MIN] = {"Min", 1, PRED__NODE_MAX_INPUTS, 1, 0, 0, PRED__ALL, pred__unary_init, pred__variadic_infer,
                      pred__variadic_run, NULL, 0},
    [PRED__OP_LEAKYRELU] = {"LeakyRelu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                            pred__activation_run, NULL, 0},
    [PRED__OP_SIGMOID] = {"Sigmoid", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_HARDSIGMOID] = {"HardSigmoid", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                              pred__activation_run, NULL, 0},
    [PRED__OP_HARDSWISH] = {"HardSwish", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                            pred__activation_run, NULL, 0},
    [PRED__OP_TANH] = {"Tanh", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_EXP] = {"Exp", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_SQRT] = {"Sqrt", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_ERF] = {"Erf", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_LOGSOFTMAX] = {"LogSoftmax", 1, 1, 1, 0, 0, 0, pred__softmax_init, pred__softmax_infer,
                             pred__logsoftmax_run, NULL, 0},
    [PRED__OP_IDENTITY] = {"Identity", 1, 1, 1, 0, 0, PRED__IN0, pred__unary_init, pred__identity_infer,
                           pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_DROPOUT] = {"Dropout", 1, 3, 1, 0, 0, PRED__IN0, pred__dropout_init, pred__identity_infer,
                          pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_SQUEEZE] = {"Squeeze", 1, 2, 1, PRED__IN1, PRED__IN1, PRED__IN0, pred__squeeze_init,
                          pred__squeeze_infer, pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_UNSQUEEZE] = {"Unsqueeze", 1, 2, 1, PRED__IN1, PRED__IN1, PRED__IN0, pred__squeeze_init,
                            pred__unsqueeze_infer, pred__copy_run, NULL, PRED__PROP_COPY},
    [PRED__OP_TRANSPOSE] = {"Transpose", 1, 1, 1, 0, 0, PRED__IN0, pred__transpose_init, pred__transpose_infer,
                            pred__transpose_run, NULL, 0},
    [PRED__OP_CONCAT] = {"Concat", 1, PRED__NODE_MAX_INPUTS, 1, 0, 0, PRED__ALL, pred__concat_init,
                         pred__concat_infer, pred__concat_run, NULL, PRED__PROP_MAKES_EMPTY | PRED__PROP_READS_EMPTY},
    [PRED__OP_SPLIT] = {"Split", 1, 2, PRED__SPLIT_MAX, PRED__IN1, PRED__IN1, PRED__IN0, pred__split_init,
                        pred__split_infer, pred__split_run, NULL, PRED__PROP_MAKES_EMPTY},
    [PRED__OP_SLICE] = {"Slice", 1, 5, 1, PRED__IN1 | PRED__IN2 | PRED__IN3 | PRED__IN4,
                        PRED__IN1 | PRED__IN2 | PRED__IN3 | PRED__IN4, PRED__IN0, pred__slice_init, pred__slice_infer,
                        pred__slice_run, NULL, PRED__PROP_MAKES_EMPTY},
    [PRED__OP_GATHER] = {"Gather", 2, 2, 1, PRED__IN1, PRED__IN1, PRED__IN0, pred__gather_init, pred__gather_infer,
                         pred__gather_run, NULL, 0},
    [PRED__OP_PAD] = {"Pad", 1, 4, 1, PRED__IN1 | PRED__IN3, PRED__IN1 | PRED__IN3, PRED__IN0 | PRED__IN2,
                      pred__pad_init, pred__pad_infer, pred__pad_run, NULL, 0},
    [PRED__OP_SHAPE] = {"Shape", 1, 1, 1, 0, 0, PRED__IN0, pred__shape_init, pred__shape_infer, pred__shape_run, NULL, PRED__PROP_SHAPE_ONLY | PRED__PROP_READS_EMPTY},
    [PRED__OP_CAST] = {"Cast", 1, 1, 1, 0, 0, PRED__IN0, pred__cast_init, pred__cast_infer, pred__cast_run, NULL, 0},
    [PRED__OP_CONSTANTOFSHAPE] = {"ConstantOfShape", 1, 1, 1, PRED__IN0, PRED__IN0, 0, pred__constantofshape_init,
                                  pred__constantofshape_infer, pred__constantofshape_run, NULL, 0},
    [PRED__OP_CONSTANT] = {"Constant", 0, 0, 1, 0, 0, 0, pred__constant_init, pred__constant_infer,
                           pred__constant_run, NULL, 0},
    [PRED__OP_REDUCEMEAN] = {"ReduceMean", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init, pred__reduce_infer,
                             pred__reduce_run, NULL, 0},
    [PRED__OP_RESIZE] = {"Resize", 1, 4, 1, PRED__IN3, PRED__IN1 | PRED__IN2 | PRED__IN3, 0, pred__resize_init,
                         pred__resize_infer, pred__resize_run, NULL, 0},
    [PRED__OP_LAYERNORMALIZATION] = {"LayerNormalization", 2, 3, 3, 0, 0, 0, pred__layernorm_init,
                                     pred__layernorm_infer, pred__layernorm_run, NULL, 0},
    [PRED__OP_GELU] = {"Gelu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_LRN] = {"LRN", 1, 1, 1, 0, 0, 0, pred__lrn_init, pred__lrn_infer, pred__lrn_run, NULL, 0},
    [PRED__OP_UPSAMPLE] = {"Upsample", 1, 2, 1, 0, PRED__IN1, 0, pred__upsample_init, pred__resize_infer,
                           pred__resize_run, NULL, 0},
    [PRED__OP_ABS] = {"Abs", 1, 1, 1, 0, 0, PRED__IN0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_NEG] = {"Neg", 1, 1, 1, 0, 0, PRED__IN0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_RECIPROCAL] = {"Reciprocal", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                             pred__activation_run, NULL, 0},
    [PRED__OP_FLOOR] = {"Floor", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_CEIL] = {"Ceil", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_ELU] = {"Elu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_SELU] = {"Selu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_CELU] = {"Celu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_SOFTPLUS] = {"Softplus", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                           pred__activation_run, NULL, 0},
    [PRED__OP_SOFTSIGN] = {"Softsign", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                           pred__activation_run, NULL, 0},
    [PRED__OP_THRESHOLDEDRELU] = {"ThresholdedRelu", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer,
                                  pred__activation_run, NULL, 0},
    [PRED__OP_MISH] = {"Mish", 1, 1, 1, 0, 0, 0, pred__activation_init, pred__unary_infer, pred__activation_run, NULL, 0},
    [PRED__OP_REDUCEMAX] = {"ReduceMax", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init, pred__reduce_infer,
                            pred__reduce_run, NULL, 0},
    [PRED__OP_REDUCEMIN] = {"ReduceMin", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init, pred__reduce_infer,
                            pred__reduce_run, NULL, 0},
    [PRED__OP_REDUCESUM] = {"ReduceSum", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init, pred__reduce_infer,
                            pred__reduce_run, NULL, 0},
    [PRED__OP_REDUCESUMSQUARE] = {"ReduceSumSquare", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init,
                                  pred__reduce_infer, pred__reduce_run, NULL, 0},
    [PRED__OP_REDUCEL2] = {"ReduceL2", 1, 2, 1, PRED__IN1, PRED__IN1, 0, pred__reduce_init, pred__reduce_infer,
                           pred__reduce_run, NULL, 0},
    [PRED__OP_INSTANCENORMALIZATION] = {"InstanceNormalization", 3, 3, 1, 0, 0, 0, pred__instancenorm_init,
                                        pred__instancenorm_infer, pred__instancenorm_run, NULL, 0},
};

/* Adding an op means adding its enum value, its row above and this count. */
_Static_assert(PRED__OP_COUNT == 70, "update the operator table when adding an operator");
_Static_assert(sizeof pred__ops / sizeof pred__ops[0] == PRED__OP_COUNT, "one table row per operator");

static const pred__op_def *pred__op_get(int op) {
    static const pred__op_def unknown = {"?", 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0};
    if (op < 0 || op >= PRED__OP_COUNT) return &unknown;
    return &pred__ops[op];
}

static int pred__op_find(const char *op_type) {
    int k;
    if (!op_type) return PRED__OP_COUNT;
    for (k = 0; k < PRED__OP_COUNT; k++)
        if (strcmp(pred__ops[k].name, op_type) == 0) return k;
    return PRED__OP_COUNT;
}
