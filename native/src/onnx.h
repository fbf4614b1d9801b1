/*
 * onnx.h: the ONNX protobuf messages the engine reads, decoded into plain C
 * structs (field numbers from onnx/onnx.proto).
 *
 * pred__onnx_parse() turns the bytes of a ModelProto into a pred__onnx_model
 * that owns copies of everything (the bytes may be freed afterwards);
 * graph.c then builds the executable graph from it and frees it.
 * Unknown fields are skipped; repeated occurrences of a message field merge,
 * as protobuf specifies.
 */
#ifndef PRED_ONNX_H
#define PRED_ONNX_H

#include "common.h"
#include "protobuf.h"

/* TensorProto.DataType values the engine knows by name. */
enum {
    PRED__DT_UNDEFINED = 0,
    PRED__DT_FLOAT = 1,
    PRED__DT_INT32 = 6,
    PRED__DT_INT64 = 7,
    PRED__DT_DOUBLE = 11
};

/* AttributeProto.AttributeType */
enum {
    PRED__ATTR_UNDEFINED = 0,
    PRED__ATTR_FLOAT = 1,
    PRED__ATTR_INT = 2,
    PRED__ATTR_STRING = 3,
    PRED__ATTR_TENSOR = 4,
    PRED__ATTR_GRAPH = 5,
    PRED__ATTR_FLOATS = 6,
    PRED__ATTR_INTS = 7,
    PRED__ATTR_STRINGS = 8,
    PRED__ATTR_TENSORS = 9,
    PRED__ATTR_GRAPHS = 10,
    PRED__ATTR_SPARSE_TENSOR = 11,
    PRED__ATTR_SPARSE_TENSORS = 12,
    PRED__ATTR_TYPE_PROTO = 13,
    PRED__ATTR_TYPE_PROTOS = 14
};

/* The element count of a list of dims, updated as each dim is read, over
 * every dim (also those beyond PRED_MAX_DIMS, which are not kept), so that a
 * file cannot hide an overflow or a negative dim behind a high rank. */
typedef struct pred__onnx_product {
    uint64_t n;                     /* product of the positive dims while it fits in int64 (starts at 1) */
    int negative;                   /* a dim is negative (not counting symbolic ones) */
    int zero;                       /* a dim is 0: the tensor is empty, whatever the others are */
    int overflow;                   /* the positive dims multiply to more than INT64_MAX */
} pred__onnx_product;

/* TensorProto. The data of FLOAT tensors is decoded into f, that of INT32
 * and INT64 tensors (widened) into i; other types keep no data. Tensors with
 * other types or inconsistent data (`problem`) are refused by the graph
 * builder only if a node uses them, as unused initializers are harmless.
 * Data kept in another file (`external`) is decoded later, by
 * pred__external_read, when the model is loaded from a path. */
typedef struct pred__onnx_tensor {
    char *name;
    int32_t data_type;
    size_t ndim;                    /* dims in the file; above PRED_MAX_DIMS only the first are kept */
    int64_t dims[PRED_MAX_DIMS];
    int external;                   /* data_location == EXTERNAL, not read yet */
    char *location;                 /* external_data: the file, relative to the model's folder */
    uint64_t offset;                /* external_data: where the data starts in it (default 0) */
    uint64_t length;                /* external_data: its byte count; UINT64_MAX when not given */
    char problem[112];              /* why the data is unusable ("has a negative dimension"), or "" */
    int decoded;                    /* f or i holds `count` elements */
    size_t count;                   /* product of dims */
    float *f;
    int64_t *i;
} pred__onnx_tensor;

typedef struct pred__onnx_attr {
    char *name;
    int type;                       /* PRED__ATTR_*; inferred from the fields when absent */
    float f;
    int64_t i;
    char *s;                        /* STRING, NUL-terminated copy */
    size_t s_len;
    pred__onnx_tensor *t;           /* TENSOR */
    pred__f32_vec floats;
    pred__i64_vec ints;
    char **strings;
    size_t n_strings, cap_strings;
    pred__onnx_tensor *tensors;
    size_t n_tensors, cap_tensors;
    unsigned seen;                  /* bit per kind of value present, to infer `type` */
} pred__onnx_attr;

typedef struct pred__onnx_node {
    char **inputs;
    size_t n_inputs, cap_inputs;
    char **outputs;
    size_t n_outputs, cap_outputs;
    char *name;
    char *op_type;
    char *domain;
    pred__onnx_attr *attrs;
    size_t n_attrs, cap_attrs;
} pred__onnx_node;

/* ValueInfoProto with its TypeProto.Tensor and TensorShapeProto. */
typedef struct pred__onnx_value_info {
    char *name;
    int is_tensor;                  /* the type is a tensor type */
    int32_t elem_type;
    int has_shape;
    size_t ndim;                    /* may exceed PRED_MAX_DIMS: then only the first are kept */
    int64_t dims[PRED_MAX_DIMS];    /* -1 for symbolic (dim_param) or unknown dimensions */
    const uint8_t *dim_param[PRED_MAX_DIMS]; /* the name of a symbolic dim, in the file's bytes (valid while
                                                loading); NULL if none */
    size_t dim_param_len[PRED_MAX_DIMS];
    pred__onnx_product product;     /* of every dim in the file */
} pred__onnx_value_info;

typedef struct pred__onnx_graph {
    char *name;
    pred__onnx_node *nodes;
    size_t n_nodes, cap_nodes;
    pred__onnx_tensor *initializers;
    size_t n_initializers, cap_initializers;
    size_t n_sparse_initializers;
    pred__onnx_value_info *inputs;
    size_t n_inputs, cap_inputs;
    pred__onnx_value_info *outputs;
    size_t n_outputs, cap_outputs;
} pred__onnx_graph;

typedef struct pred__onnx_opset {
    char *domain;
    int64_t version;
} pred__onnx_opset;

typedef struct pred__onnx_model {
    int64_t ir_version;
    pred__onnx_opset *opsets;
    size_t n_opsets, cap_opsets;
    int has_graph;
    pred__onnx_graph graph;
} pred__onnx_model;

/* Parses a ModelProto; on failure *model is left empty (nothing to free). */
static pred_status pred__onnx_parse(const void *bytes, size_t size, pred__onnx_model *model);
static void pred__onnx_free(pred__onnx_model *model);

static const char *pred__onnx_dtype_name(int32_t data_type);
/* Bytes per element in the file of the types whose data is decoded (FLOAT,
 * INT32, INT64); 0 for the others. */
static size_t pred__onnx_elem_size(int32_t data_type);
/* Decodes t->count little-endian elements of t's type at p into t->f or t->i. */
static pred_status pred__onnx_decode_raw(pred__onnx_tensor *t, const uint8_t *p);
/* PRED_OK if t's data was decoded; else PRED_ERR_MODEL (malformed) or
 * PRED_ERR_UNSUPPORTED with the reason, to follow the tensor's name, in why
 * ("has a negative dimension"). */
static pred_status pred__onnx_tensor_check(const pred__onnx_tensor *t, char *why, size_t size);

#endif /* PRED_ONNX_H */
