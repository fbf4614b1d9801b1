/*
 * model.c: loading a model (bytes -> ONNX structs -> graph) and its lifetime.
 */
#include "model.h"
#include "onnx.h"

static pred_status pred__model_create(const void *bytes, size_t size, pred_model **out) {
    pred__onnx_model onnx;
    pred_model *m;
    pred_status st;
    *out = NULL;
    if ((st = pred__onnx_parse(bytes, size, &onnx)) != PRED_OK) return st;
    m = (pred_model *)pred__calloc(1, sizeof *m);
    if (!m) {
        pred__onnx_free(&onnx);
        return pred__oom();
    }
    st = pred__graph_build(&m->graph, &onnx);
    pred__onnx_free(&onnx);
    if (st != PRED_OK) {
        PRED_FREE(m);
        return st;
    }
    PRED__ATOMIC_INIT(m->refs, 1);
    PRED__ATOMIC_INIT(m->released, 0);
    *out = m;
    return PRED_OK;
}

static void pred__model_retain(pred_model *m) {
    PRED__ATOMIC_INC(m->refs);
}

static void pred__model_release(pred_model *m) {
    if (PRED__ATOMIC_DEC(m->refs) != 0) return;
    pred__graph_free(&m->graph);
    PRED_FREE(m);
}

static int pred__model_mark_released(pred_model *m) {
    return PRED__ATOMIC_SWAP(m->released, 1) == 0;
}

static int pred__model_is_released(const pred_model *m) {
    return PRED__ATOMIC_LOAD(((pred_model *)m)->released) != 0;
}
