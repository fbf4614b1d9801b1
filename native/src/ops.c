/*
 * ops.c: the operator table. Adding an operator: see native/README.md.
 */
#include "ops.h"

/* name, min/max inputs, max outputs, integer inputs (bits), initializer inputs (bits), init, infer, run */
static const pred__op_def pred__ops[] = {
    [PRED__OP_CONV] = {"Conv", 2, 3, 1, 0, 0, pred__conv_init, pred__conv_infer, pred__conv_run},
    [PRED__OP_GEMM] = {"Gemm", 2, 3, 1, 0, 0, pred__gemm_init, pred__gemm_infer, pred__gemm_run},
    [PRED__OP_MATMUL] = {"MatMul", 2, 2, 1, 0, 0, pred__matmul_init, pred__matmul_infer, pred__matmul_run},
    [PRED__OP_ADD] = {"Add", 2, 2, 1, 0, 0, pred__binary_init, pred__binary_infer, pred__add_run},
    [PRED__OP_MUL] = {"Mul", 2, 2, 1, 0, 0, pred__binary_init, pred__binary_infer, pred__mul_run},
    [PRED__OP_RELU] = {"Relu", 1, 1, 1, 0, 0, pred__unary_init, pred__unary_infer, pred__relu_run},
    [PRED__OP_CLIP] = {"Clip", 1, 3, 1, 0, 0x6, pred__clip_init, pred__unary_infer, pred__clip_run},
    [PRED__OP_MAXPOOL] = {"MaxPool", 1, 1, 1, 0, 0, pred__pool_init, pred__pool_infer, pred__maxpool_run},
    [PRED__OP_AVERAGEPOOL] = {"AveragePool", 1, 1, 1, 0, 0, pred__pool_init, pred__pool_infer, pred__averagepool_run},
    [PRED__OP_GLOBALAVERAGEPOOL] = {"GlobalAveragePool", 1, 1, 1, 0, 0, pred__unary_init, pred__global_pool_infer,
                                    pred__global_averagepool_run},
    [PRED__OP_FLATTEN] = {"Flatten", 1, 1, 1, 0, 0, pred__flatten_init, pred__flatten_infer, pred__copy_run},
    [PRED__OP_RESHAPE] = {"Reshape", 1, 2, 1, 0x2, 0x2, pred__reshape_init, pred__reshape_infer, pred__copy_run},
    [PRED__OP_SOFTMAX] = {"Softmax", 1, 1, 1, 0, 0, pred__softmax_init, pred__softmax_infer, pred__softmax_run},
    [PRED__OP_BATCHNORMALIZATION] = {"BatchNormalization", 5, 5, 1, 0, 0, pred__batchnorm_init, pred__batchnorm_infer,
                                     pred__batchnorm_run},
};

/* Adding an op means adding its enum value, its row above and this count. */
_Static_assert(PRED__OP_COUNT == 14, "update the operator table when adding an operator");
_Static_assert(sizeof pred__ops / sizeof pred__ops[0] == PRED__OP_COUNT, "one table row per operator");

static const pred__op_def *pred__op_get(int op) {
    static const pred__op_def unknown = {"?", 0, 0, 0, 0, 0, NULL, NULL, NULL};
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
