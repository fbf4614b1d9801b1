/*
 * attr.h: typed access to a node's ONNX attributes, for the op init functions.
 *
 * Each getter returns PRED_OK and the default when the attribute is absent,
 * and PRED_ERR_MODEL (naming operator, node and attribute) when it has the
 * wrong type.
 */
#ifndef PRED_ATTR_H
#define PRED_ATTR_H

#include "common.h"
#include "onnx.h"
#include "graph.h"

static const pred__onnx_attr *pred__attr_find(const pred__onnx_node *src, const char *name);
static pred_status pred__attr_int(const pred__node *n, const pred__onnx_node *src, const char *name,
                                  int64_t def, int64_t *out);
static pred_status pred__attr_float(const pred__node *n, const pred__onnx_node *src, const char *name,
                                    float def, float *out);
/* NUL-terminated; *out points into src (valid during init only). */
static pred_status pred__attr_string(const pred__node *n, const pred__onnx_node *src, const char *name,
                                     const char *def, const char **out);
/* Reads the ints of an attribute of any length up to `max` into out. */
static pred_status pred__attr_int_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                       int64_t *out, size_t max, size_t *count, int *present);
/* Reads the floats of an attribute of any length up to `max` into out. */
static pred_status pred__attr_float_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                         float *out, size_t max, size_t *count, int *present);

#endif /* PRED_ATTR_H */
