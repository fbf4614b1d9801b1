/*
 * attr.c: typed access to ONNX node attributes (see attr.h).
 */
#include "attr.h"

static const pred__onnx_attr *pred__attr_find(const pred__onnx_node *src, const char *name) {
    size_t k;
    for (k = src->n_attrs; k-- > 0;) /* the last occurrence wins */
        if (src->attrs[k].name && strcmp(src->attrs[k].name, name) == 0) return &src->attrs[k];
    return NULL;
}

static pred_status pred__attr_type_error(const pred__node *n, const char *name, const char *type) {
    return pred__node_errorf(n, PRED_ERR_MODEL, "attribute '%s' must be of type %s", name, type);
}

static pred_status pred__attr_int(const pred__node *n, const pred__onnx_node *src, const char *name,
                                  int64_t def, int64_t *out) {
    const pred__onnx_attr *a = pred__attr_find(src, name);
    *out = def;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_INT) return pred__attr_type_error(n, name, "INT");
    *out = a->i;
    return PRED_OK;
}

static pred_status pred__attr_float(const pred__node *n, const pred__onnx_node *src, const char *name,
                                    float def, float *out) {
    const pred__onnx_attr *a = pred__attr_find(src, name);
    *out = def;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_FLOAT) return pred__attr_type_error(n, name, "FLOAT");
    *out = a->f;
    return PRED_OK;
}

static pred_status pred__attr_string(const pred__node *n, const pred__onnx_node *src, const char *name,
                                     const char *def, const char **out) {
    const pred__onnx_attr *a = pred__attr_find(src, name);
    *out = def;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_STRING) return pred__attr_type_error(n, name, "STRING");
    *out = a->s ? a->s : "";
    return PRED_OK;
}

static pred_status pred__attr_int_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                       int64_t *out, size_t max, size_t *count, int *present) {
    const pred__onnx_attr *a = pred__attr_find(src, name);
    *present = 0;
    *count = 0;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_INTS) return pred__attr_type_error(n, name, "INTS");
    if (a->ints.n > max)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute '%s' has %lu values, at most %lu are supported",
                                 name, (unsigned long)a->ints.n, (unsigned long)max);
    if (a->ints.n) memcpy(out, a->ints.v, a->ints.n * sizeof *out);
    *count = a->ints.n;
    *present = 1;
    return PRED_OK;
}

static pred_status pred__attr_float_list(const pred__node *n, const pred__onnx_node *src, const char *name,
                                         float *out, size_t max, size_t *count, int *present) {
    const pred__onnx_attr *a = pred__attr_find(src, name);
    *present = 0;
    *count = 0;
    if (!a) return PRED_OK;
    if (a->type != PRED__ATTR_FLOATS) return pred__attr_type_error(n, name, "FLOATS");
    if (a->floats.n > max)
        return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "attribute '%s' has %lu values, at most %lu are supported",
                                 name, (unsigned long)a->floats.n, (unsigned long)max);
    if (a->floats.n) memcpy(out, a->floats.v, a->floats.n * sizeof *out);
    *count = a->floats.n;
    *present = 1;
    return PRED_OK;
}
