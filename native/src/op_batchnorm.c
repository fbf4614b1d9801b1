/*
 * op_batchnorm.c: BatchNormalization in inference mode.
 */
#include <math.h>
#include "graph.h"
#include "attr.h"

static pred_status pred__batchnorm_init(pred__graph *g, pred__node *n, const pred__onnx_node *src) {
    int64_t v;
    pred_status st;
    (void)g;
    if ((st = pred__attr_float(n, src, "epsilon", 1e-5f, &n->p.batchnorm.epsilon)) != PRED_OK) return st;
    if ((st = pred__attr_int(n, src, "training_mode", 0, &v)) != PRED_OK) return st;
    if (v != 0) return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'training_mode' = %lld is not supported", (long long)v);
    if ((st = pred__attr_int(n, src, "spatial", 1, &v)) != PRED_OK) return st;
    if (v != 1) return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute 'spatial' = %lld is not supported", (long long)v);
    return PRED_OK;
}

static pred_status pred__batchnorm_infer(pred__graph *g, pred__node *n) {
    static const char *const names[] = {"X", "scale", "B", "mean", "var"};
    const pred__shape *x = pred__in_shape(g, n, 0);
    char buf[PRED__SHAPE_STR_SIZE];
    int i;
    if (x->ndim < 2)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "input X has shape %s, expected (N,C,...)",
                                 pred__shape_str(x, buf, sizeof buf));
    for (i = 1; i < 5; i++) {
        const pred__shape *s = pred__in_shape(g, n, i);
        if (s->ndim != 1 || s->d[0] != x->d[1])
            return pred__node_errorf(n, PRED_ERR_SHAPE, "input %s has shape %s, expected (%lld)", names[i],
                                     pred__shape_str(s, buf, sizeof buf), (long long)x->d[1]);
    }
    return pred__set_out_shape(g, n, 0, x);
}

/* y (n, c, size) = (x - mean) / sqrt(var + eps) * scale + b, per channel c */
static void pred__batchnorm(float *y, const float *x, const float *scale, const float *b, const float *mean,
                            const float *var, float eps, int64_t n, int64_t c, int64_t size) {
    int64_t ni, ci, i;
    for (ni = 0; ni < n; ni++)
        for (ci = 0; ci < c; ci++) {
            float a = scale[ci] / sqrtf(var[ci] + eps), shift = b[ci] - mean[ci] * a;
            const float *xs = x + (ni * c + ci) * size;
            float *ys = y + (ni * c + ci) * size;
            for (i = 0; i < size; i++) ys[i] = xs[i] * a + shift;
        }
}

static void pred__batchnorm_run(const pred__exec *x, const pred__node *n) {
    const pred__shape *s = PRED__IN_SHAPE(x, n, 0);
    pred__batchnorm(PRED__OUT(x, n, 0), PRED__IN(x, n, 0), PRED__IN(x, n, 1), PRED__IN(x, n, 2), PRED__IN(x, n, 3),
                    PRED__IN(x, n, 4), n->p.batchnorm.epsilon, s->d[0], s->d[1],
                    (int64_t)pred__shape_range(s, 2, s->ndim));
}
