/*
 * model.c: loading a model (bytes -> ONNX structs -> graph) and its lifetime.
 */
#include "model.h"
#include "onnx.h"
#include "external.h"

/* Runs every node's prepare. With readers (the packing pass: per tensor, the nodes and graph
 * outputs that read it), frees the weights every reader takes packed, as the file had them, once
 * the last has packed them: the model keeps one copy, and never holds both for long. */
static pred_status pred__prepare_nodes(pred__graph *base, const size_t *readers) {
    pred_status st = PRED_OK;
    size_t k;
    int j;
    for (k = 0; st == PRED_OK && k < base->n_nodes; k++) {
        pred__node *n = &base->nodes[k];
        if (!pred__op_get(n->op)->prepare || pred__node_is_folded(base, n)) continue;
        st = pred__op_get(n->op)->prepare(base, n);
        for (j = 0; readers && j < n->n_in; j++) {
            pred__tensor *t = n->in[j] >= 0 ? &base->tensors[n->in[j]] : NULL;
            if (t && t->packed && t->packed_readers == readers[n->in[j]]) {
                PRED_FREE(t->f);
                t->f = NULL;
            }
        }
    }
    return st;
}

/* Per tensor, the nodes (folded ones too: a plan may compute them again) and graph outputs that
 * read it; NULL if there is no memory for it (the model then keeps the weights twice). */
static size_t *pred__count_readers(const pred__graph *g) {
    size_t *readers = (size_t *)pred__calloc(g->n_tensors, sizeof *readers), k;
    int j;
    if (!readers) return NULL;
    for (k = 0; k < g->n_nodes; k++)
        for (j = 0; j < g->nodes[k].n_in; j++)
            if (g->nodes[k].in[j] >= 0) readers[g->nodes[k].in[j]]++;
    for (k = 0; k < g->n_outputs; k++) readers[g->outputs[k]] = SIZE_MAX;
    return readers;
}

/* Each node's prepare packs its constant weights once, for every plan and session of the model,
 * into one block (one allocation, its pages mapped at once; the weights a run reads in turn side
 * by side): a first pass sizes it, a second packs. */
static pred_status pred__model_prepare(pred__graph *base) {
    pred_status st = pred__prepare_nodes(base, NULL);
    size_t *readers, k;
    for (k = 0; k < base->n_tensors; k++) base->tensors[k].flags &= ~(unsigned)PRED__TF_PACK_SIZED;
    if (st != PRED_OK || base->packed_size == 0) return st;
    if (!(base->packed_block = (float *)pred__aligned_alloc(base->packed_size, sizeof(float), 0)))
        return pred__oom(); /* packing writes every float a kernel reads */
    readers = pred__count_readers(base);
    st = pred__prepare_nodes(base, readers);
    PRED_FREE(readers);
    return st;
}

static pred_status pred__model_create_(const void *bytes, size_t size, int options, const char *path,
                                       pred_model **out) {
    pred__onnx_model onnx;
    pred_model *m = NULL;
    pred_status st;
    if ((st = pred__onnx_parse(bytes, size, &onnx)) != PRED_OK) return st;
    if (path && (st = pred__external_read(&onnx, path)) != PRED_OK) {
        pred__onnx_free(&onnx);
        return st;
    }
    if (!(m = (pred_model *)pred__calloc(1, sizeof *m))) {
        pred__onnx_free(&onnx);
        return pred__oom();
    }
    m->optimize = !(options & PRED_LOAD_NO_OPTIMIZE);
    st = pred__graph_build(&m->base, &onnx);
    pred__onnx_free(&onnx);
    if (st == PRED_OK && (st = pred__optimize_base(&m->base, m->optimize)) == PRED_OK)
        st = pred__model_prepare(&m->base);
    if (st != PRED_OK) pred__graph_free(&m->base);
    else if ((st = pred__plan_create(&m->base, NULL, NULL, m->optimize, &m->graph)) != PRED_OK)
        pred__graph_free(&m->base);
    if (st != PRED_OK) {
        PRED_FREE(m);
        return st;
    }
    PRED__ATOMIC_INIT(m->refs, 1);
    PRED__ATOMIC_INIT(m->released, 0);
    *out = m;
    return PRED_OK;
}

/* Every allocation of a load counts against the budget for its file size. */
static pred_status pred__model_create(const void *bytes, size_t size, int options, const char *path,
                                      pred_model **out) {
    pred_status st;
    *out = NULL;
    pred__budget_begin(PRED_LOAD_BUDGET(size));
    st = pred__model_create_(bytes, size, options, path, out);
    pred__budget_end();
    return st;
}

static const char *pred__model_describe(const pred_model *m) {
    pred_model *mm = (pred_model *)m; /* the text is made once and then never changes */
    char *text = PRED__ATOMIC_LOAD_PTR(mm->description);
    if (text) return text;
    if (!(text = pred__describe(&m->graph))) return NULL;
    if (!PRED__ATOMIC_PUBLISH(mm->description, text)) { /* another thread was first */
        PRED_FREE(text);
        text = PRED__ATOMIC_LOAD_PTR(mm->description);
    }
    return text;
}

static void pred__model_retain(pred_model *m) {
    PRED__ATOMIC_INC(m->refs);
}

static void pred__model_release(pred_model *m) {
    if (PRED__ATOMIC_DEC(m->refs) != 0) return;
    pred__plan_free(&m->graph);
    pred__graph_free(&m->base);
    PRED_FREE(PRED__ATOMIC_LOAD_PTR(m->description));
    PRED_FREE(m);
}

static int pred__model_mark_released(pred_model *m) {
    return PRED__ATOMIC_SWAP(m->released, 1) == 0;
}

static int pred__model_is_released(const pred_model *m) {
    return PRED__ATOMIC_LOAD(((pred_model *)m)->released) != 0;
}
