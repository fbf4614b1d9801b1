/*
 * model.h: pred_model, the immutable loaded model, and its reference count.
 *
 * The caller holds one reference (dropped by pred_model_free, which also
 * marks the model released) and every session holds one; the memory goes
 * with the last reference. Only the count and the released flag ever change
 * after load, atomically where C11 atomics exist.
 */
#ifndef PRED_MODEL_H
#define PRED_MODEL_H

#include "common.h"
#include "graph.h"
#include "optimize.h"

#if !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
typedef atomic_size_t pred__refcount;
typedef atomic_int pred__flag;
#define PRED__ATOMIC_INIT(a, v) atomic_init(&(a), (v))
#define PRED__ATOMIC_INC(a) ((void)atomic_fetch_add(&(a), 1))
#define PRED__ATOMIC_DEC(a) (atomic_fetch_sub(&(a), 1) - 1) /* the new value */
#define PRED__ATOMIC_LOAD(a) atomic_load(&(a))
#define PRED__ATOMIC_SWAP(a, v) atomic_exchange(&(a), (v)) /* the old value */
typedef _Atomic(char *) pred__text_slot;
/* Stores v in the empty slot a; 0 if another thread filled it first. */
#define PRED__ATOMIC_PUBLISH(a, v) pred__publish_text(&(a), (v))
static int pred__publish_text(pred__text_slot *slot, char *v) {
    char *expected = NULL;
    return atomic_compare_exchange_strong(slot, &expected, v);
}
#define PRED__ATOMIC_LOAD_PTR(a) atomic_load(&(a))
#else
typedef size_t pred__refcount; /* no atomics: sessions and frees must not race */
typedef int pred__flag;
#define PRED__ATOMIC_INIT(a, v) ((a) = (v))
#define PRED__ATOMIC_INC(a) ((void)++(a))
#define PRED__ATOMIC_DEC(a) (--(a))
#define PRED__ATOMIC_LOAD(a) (a)
static int pred__swap_int(int *a, int v) {
    int old = *a;
    *a = v;
    return old;
}
#define PRED__ATOMIC_SWAP(a, v) pred__swap_int(&(a), (v))
typedef char *pred__text_slot;
static int pred__publish_text(pred__text_slot *slot, char *v) {
    if (*slot) return 0;
    *slot = v;
    return 1;
}
#define PRED__ATOMIC_PUBLISH(a, v) pred__publish_text(&(a), (v))
#define PRED__ATOMIC_LOAD_PTR(a) (a)
#endif

struct pred_model {
    pred__refcount refs;
    pred__flag released;         /* pred_model_free was called */
    pred__graph base;            /* as built and optimized for any input shape (optimize.h) */
    pred__graph graph;           /* the plan for the default input shapes: what sessions run */
    int optimize;                /* the plans are optimized (not PRED_LOAD_NO_OPTIMIZE) */
    pred__text_slot description; /* pred_model_describe's text, made at the first call */
};

/* Parses and builds a model with one reference (the caller's); options are
 * PRED_LOAD_* flags. `path` is the model's file, where tensor data kept in
 * other files is looked for; NULL for a model from memory. */
static pred_status pred__model_create(const void *bytes, size_t size, int options, const char *path,
                                      pred_model **out);
/* The description of the model's plan, made once; NULL when out of memory. */
static const char *pred__model_describe(const pred_model *m);
static void pred__model_retain(pred_model *m);
/* Drops one reference; frees the model with the last one. */
static void pred__model_release(pred_model *m);
/* Marks the model released; returns 0 if it already was. */
static int pred__model_mark_released(pred_model *m);
static int pred__model_is_released(const pred_model *m);

#endif /* PRED_MODEL_H */
