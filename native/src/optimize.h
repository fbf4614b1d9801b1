/*
 * optimize.h: load-time graph optimization, per-shape plans and the graph
 * description.
 *
 * Loading builds the model's base graph (graph.c). While shapes are inferred,
 * every node whose inputs are all known at load is computed then (constant
 * folding, pred__fold_node); Shape counts as known, since shapes are fixed at
 * load. Then pred__optimize_base rewrites the base in place with what does
 * not depend on input shapes (BatchNormalization folded into Conv).
 *
 * A plan (pred__plan_create) is the graph a session runs: a copy of the base
 * that shares its constants, inferred again for the session's input shapes
 * (which recomputes the constants folded from shapes), then rewritten with
 * the rest: folded nodes dropped, zero Pad merged into Conv, residual Adds and
 * activations fused into Conv (and activations into Gemm), Identity removed,
 * dead nodes removed. The model
 * keeps one plan for its default shapes; pred_session_set_input_shape (or
 * pred_session_set_input on a shape input, graph.h) makes a session its own.
 */
#ifndef PRED_OPTIMIZE_H
#define PRED_OPTIMIZE_H

#include "common.h"
#include "graph.h"

/* 1 when every output of n was computed at load: n never runs. */
static int pred__node_is_folded(const pred__graph *g, const pred__node *n);

/* Called by pred__graph_infer right after n's infer: when the inputs of n
 * are all constants (for Shape: when its input's shape is known), runs n now
 * and turns its outputs into constants owned by g. Otherwise does nothing. */
static pred_status pred__fold_node(pred__graph *g, pred__node *n);

/* The rewrites that do not depend on input shapes, on the freshly built base
 * graph (which owns its data); optimize 0 leaves the graph as it is. */
static pred_status pred__optimize_base(pred__graph *g, int optimize);

/* *plan = the graph to run from base, for input shapes `inputs` (one per
 * base input; NULL keeps base's) and the values of its shape inputs
 * (`values`: one per base input, each of its input's element count; NULL
 * or a NULL entry: ones). On failure *plan is left empty. */
static pred_status pred__plan_create(const pred__graph *base, const pred__shape *inputs,
                                     const float *const *values, int optimize, pred__graph *plan);
/* Frees what a plan owns (not what it shares with its base). */
static void pred__plan_free(pred__graph *plan);

/* A JSON description of g (see pred_model_describe); NULL when out of memory. */
static char *pred__describe(const pred__graph *g);

#endif /* PRED_OPTIMIZE_H */
