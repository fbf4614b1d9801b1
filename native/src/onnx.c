/*
 * onnx.c: decodes an ONNX ModelProto into the structs of onnx.h.
 *
 * One parse function per message, each a loop over its fields. Tensors are
 * read in two passes: the first finds the dims, type and where the data is,
 * the second decodes exactly the elements the dims describe (so a tensor
 * never allocates more than its bytes in the file can fill).
 */
#include <stdio.h>
#include "onnx.h"

static const char *pred__onnx_dtype_name(int32_t data_type) {
    static const char *const names[] = {
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
        "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
        "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
        "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2",
        "FLOAT6E2M3", "FLOAT6E3M2"
    };
    if (data_type < 0 || (size_t)data_type >= sizeof names / sizeof names[0]) return "unknown";
    return names[data_type];
}

/* Appends a NUL-terminated copy of a LEN field to a string array. */
static pred_status pred__onnx_push_string(const pred__pb_field *f, char ***arr, size_t *n, size_t *cap) {
    char *s = NULL;
    void *p;
    pred_status st = pred__pb_string(f, &s);
    if (st != PRED_OK) return st;
    if (!(p = pred__grow(*arr, cap, *n + 1, sizeof **arr))) {
        PRED_FREE(s);
        return pred__oom();
    }
    *arr = (char **)p;
    (*arr)[(*n)++] = s;
    return PRED_OK;
}

/* Appends a zeroed element to an array of structs; returns it or NULL. */
static void *pred__onnx_push(void **arr, size_t *n, size_t *cap, size_t size) {
    void *p = pred__grow(*arr, cap, *n + 1, size);
    char *elem;
    if (!p) return NULL;
    *arr = p;
    elem = (char *)p + *n * size;
    memset(elem, 0, size);
    (*n)++;
    return elem;
}

static void pred__onnx_free_strings(char **arr, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) PRED_FREE(arr[i]);
    PRED_FREE(arr);
}

/* ---- TensorProto ----------------------------------------------------------*/

static void pred__onnx_tensor_free(pred__onnx_tensor *t) {
    PRED_FREE(t->name);
    PRED_FREE(t->location);
    PRED_FREE(t->f);
    PRED_FREE(t->i);
    memset(t, 0, sizeof *t);
}

static void pred__onnx_push_dim(size_t *ndim, int64_t *dims, int64_t v) {
    if (*ndim < PRED_MAX_DIMS) dims[*ndim] = v;
    (*ndim)++;
}

/* Counts one more dim into a product (see onnx.h); p->n starts at 1. */
static void pred__onnx_product_dim(pred__onnx_product *p, int64_t v) {
    if (v < 0) p->negative = 1;
    else if (v == 0) p->zero = 1;
    else if (p->overflow || p->n > (uint64_t)INT64_MAX / (uint64_t)v) p->overflow = 1;
    else p->n *= (uint64_t)v;
}

/* Decodes the typed field `number` of the tensor message into a vector of
 * exactly t->count elements (the first pass checked the count). */
static pred_status pred__onnx_tensor_typed(pred__pb msg, uint32_t number, pred__onnx_tensor *t) {
    pred__pb_field f;
    pred_status st;
    size_t k;
    if (number == 4) {
        pred__f32_vec v;
        v.v = (float *)pred__calloc(t->count, sizeof(float));
        v.n = 0;
        v.cap = t->count;
        if (!v.v) return pred__oom();
        t->f = v.v;
        while (pred__pb_more(&msg)) {
            if ((st = pred__pb_next(&msg, &f)) != PRED_OK) return st;
            if (f.number == number && (st = pred__pb_append_floats(&f, &v)) != PRED_OK) return st;
            t->f = v.v;
        }
    } else {
        pred__i64_vec v;
        v.v = (int64_t *)pred__calloc(t->count, sizeof(int64_t));
        v.n = 0;
        v.cap = t->count;
        if (!v.v) return pred__oom();
        t->i = v.v;
        while (pred__pb_more(&msg)) {
            if ((st = pred__pb_next(&msg, &f)) != PRED_OK) return st;
            if (f.number == number && (st = pred__pb_append_int64s(&f, &v)) != PRED_OK) return st;
            t->i = v.v;
        }
        if (number == 5) /* int32_data: varints of int32 values */
            for (k = 0; k < v.n; k++) v.v[k] = (int32_t)(uint32_t)((uint64_t)v.v[k] & 0xffffffffu);
    }
    t->decoded = 1;
    return PRED_OK;
}

static size_t pred__onnx_elem_size(int32_t data_type) {
    switch (data_type) {
    case PRED__DT_FLOAT:
    case PRED__DT_INT32: return 4;
    case PRED__DT_INT64: return 8;
    default: return 0;
    }
}

static pred_status pred__onnx_decode_raw(pred__onnx_tensor *t, const uint8_t *p) {
    size_t k;
    if (t->data_type == PRED__DT_FLOAT) {
        const uint32_t one = 1;
        uint8_t first;
        memcpy(&first, &one, 1);
        if (!(t->f = (float *)pred__malloc_n(t->count, sizeof(float)))) return pred__oom(); /* written whole below */
        if (first == 1) /* a little-endian host stores floats as the file does */
            memcpy(t->f, p, t->count * sizeof(float));
        else
            for (k = 0; k < t->count; k++) {
                uint32_t bits = pred__le32(p + 4 * k);
                memcpy(&t->f[k], &bits, sizeof bits);
            }
    } else {
        int wide = t->data_type == PRED__DT_INT64;
        if (!(t->i = (int64_t *)pred__calloc(t->count, sizeof(int64_t)))) return pred__oom();
        for (k = 0; k < t->count; k++)
            t->i[k] = wide ? (int64_t)pred__le64(p + 8 * k) : (int64_t)(int32_t)pred__le32(p + 4 * k);
    }
    t->decoded = 1;
    return PRED_OK;
}

/* A decimal number of an external_data entry; 0 if it is not one. */
static int pred__onnx_parse_u64(const pred__pb *s, uint64_t *out) {
    const uint8_t *p = s->p;
    uint64_t v = 0;
    if (p == s->end) return 0;
    for (; p < s->end; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - digit) / 10) return 0;
        v = v * 10 + digit;
    }
    *out = v;
    return 1;
}

static int pred__onnx_key_is(const pred__pb *key, const char *name) {
    size_t len = strlen(name);
    return (size_t)(key->end - key->p) == len && memcmp(key->p, name, len) == 0;
}

/* One external_data entry (StringStringEntryProto: key 1, value 2):
 * location, offset or length; other keys ("checksum") are ignored. */
static pred_status pred__onnx_external_entry(pred__pb r, pred__onnx_tensor *t) {
    pred__pb key, value;
    pred__pb_field f;
    pred_status st;
    uint64_t *number = NULL;
    key.p = key.end = value.p = value.end = r.p;
    key.base = value.base = r.base;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        if (f.number == 1 && (st = pred__pb_bytes(&f, &key)) != PRED_OK) return st;
        if (f.number == 2 && (st = pred__pb_bytes(&f, &value)) != PRED_OK) return st;
    }
    if (pred__onnx_key_is(&key, "location")) {
        size_t len = (size_t)(value.end - value.p);
        if (len == 0 || memchr(value.p, 0, len)) {
            snprintf(t->problem, sizeof t->problem, "has an external data location that is empty or holds a NUL");
            return PRED_OK;
        }
        PRED_FREE(t->location);
        return (t->location = pred__strndup((const char *)value.p, len)) ? PRED_OK : pred__oom();
    }
    if (pred__onnx_key_is(&key, "offset")) number = &t->offset;
    if (pred__onnx_key_is(&key, "length")) number = &t->length;
    if (number && !pred__onnx_parse_u64(&value, number))
        snprintf(t->problem, sizeof t->problem, "has an external data %s that is not a decimal number",
                 number == &t->offset ? "offset" : "length");
    return PRED_OK;
}

static pred_status pred__onnx_tensor_parse(pred__pb msg, pred__onnx_tensor *t) {
    pred__pb r = msg, raw, raw_entry;
    pred__pb_field f;
    pred_status st;
    size_t n_float = 0, n_int32 = 0, n_int64 = 0, c, k, elem, have, bytes;
    int has_raw = 0;
    uint32_t field = 0;
    int32_t v32 = 0;
    pred__onnx_product product = {1, 0, 0, 0};
    raw.p = raw.end = raw.base = msg.base;
    t->length = UINT64_MAX;

    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        switch (f.number) {
        case 1: { /* dims */
            pred__i64_vec dims = {NULL, 0, 0};
            if ((st = pred__pb_append_int64s(&f, &dims)) != PRED_OK) {
                PRED_FREE(dims.v);
                return st;
            }
            for (k = 0; k < dims.n; k++) {
                pred__onnx_push_dim(&t->ndim, t->dims, dims.v[k]);
                pred__onnx_product_dim(&product, dims.v[k]);
            }
            PRED_FREE(dims.v);
            break;
        }
        case 2: if ((st = pred__pb_int32(&f, &t->data_type)) != PRED_OK) return st; break;
        case 4: if ((st = pred__pb_count(&f, PRED__PB_I32, &c)) != PRED_OK) return st; n_float += c; break;
        case 5: if ((st = pred__pb_count(&f, PRED__PB_VARINT, &c)) != PRED_OK) return st; n_int32 += c; break;
        case 7: if ((st = pred__pb_count(&f, PRED__PB_VARINT, &c)) != PRED_OK) return st; n_int64 += c; break;
        case 8: if ((st = pred__pb_string(&f, &t->name)) != PRED_OK) return st; break;
        case 9: if ((st = pred__pb_bytes(&f, &raw)) != PRED_OK) return st; has_raw = 1; break;
        case 13:
            if ((st = pred__pb_bytes(&f, &raw_entry)) != PRED_OK) return st;
            if ((st = pred__onnx_external_entry(raw_entry, t)) != PRED_OK) return st;
            break;
        case 14:
            if ((st = pred__pb_int32(&f, &v32)) != PRED_OK) return st;
            t->external = v32 == 1;
            break;
        default: break;
        }
    }

    if (t->external && !t->location && !t->problem[0])
        snprintf(t->problem, sizeof t->problem, "keeps its data in an external file but gives no location");
    /* The dims and the data must agree at any rank; above PRED_MAX_DIMS the
     * data is then left undecoded, and refused as unsupported if used. */
    if (product.negative) {
        snprintf(t->problem, sizeof t->problem, "has a negative dimension");
        return PRED_OK;
    }
    if (!product.zero && product.overflow) {
        snprintf(t->problem, sizeof t->problem, "has dimensions whose product overflows 64 bits");
        return PRED_OK;
    }
    if (!product.zero && product.n > PRED_MAX_ELEMENTS) {
        snprintf(t->problem, sizeof t->problem, "has more than %llu elements", (unsigned long long)PRED_MAX_ELEMENTS);
        return PRED_OK;
    }
    t->count = product.zero ? 0 : (size_t)product.n;

    if (!(elem = pred__onnx_elem_size(t->data_type))) return PRED_OK; /* not decoded: refused if a node uses it */
    if (t->external) return PRED_OK; /* decoded by pred__external_read */
    field = t->data_type == PRED__DT_FLOAT ? 4 : t->data_type == PRED__DT_INT32 ? 5 : 7;
    have = field == 4 ? n_float : field == 5 ? n_int32 : n_int64;

    if (has_raw) {
        if (!pred__mul_size(t->count, elem, &bytes) || bytes != (size_t)(raw.end - raw.p)) {
            snprintf(t->problem, sizeof t->problem, "has %lu bytes of raw data, its shape needs %lu x %lu",
                     (unsigned long)(raw.end - raw.p), (unsigned long)t->count, (unsigned long)elem);
            return PRED_OK;
        }
        if (t->ndim > PRED_MAX_DIMS) return PRED_OK;
        return pred__onnx_decode_raw(t, raw.p);
    }
    if (have != t->count) {
        snprintf(t->problem, sizeof t->problem, "has %lu %s values, its shape needs %lu", (unsigned long)have,
                 pred__onnx_dtype_name(t->data_type), (unsigned long)t->count);
        return PRED_OK;
    }
    if (t->ndim > PRED_MAX_DIMS) return PRED_OK;
    return pred__onnx_tensor_typed(msg, field, t);
}

static pred_status pred__onnx_tensor_check(const pred__onnx_tensor *t, char *why, size_t size) {
    if (t->problem[0]) {
        snprintf(why, size, "%s", t->problem);
        return PRED_ERR_MODEL;
    }
    if (t->ndim > PRED_MAX_DIMS) {
        snprintf(why, size, "has %lu dimensions, at most %d are supported", (unsigned long)t->ndim, PRED_MAX_DIMS);
        return PRED_ERR_UNSUPPORTED;
    }
    if (t->decoded) return PRED_OK;
    if (t->external && pred__onnx_elem_size(t->data_type))
        snprintf(why, size, "keeps its data in the external file '%s', which only pred_model_load_file() reads",
                 t->location);
    else
        snprintf(why, size, "has type %s, which is not supported", pred__onnx_dtype_name(t->data_type));
    return PRED_ERR_UNSUPPORTED;
}

/* ---- AttributeProto -------------------------------------------------------*/

static void pred__onnx_attr_free(pred__onnx_attr *a) {
    size_t k;
    PRED_FREE(a->name);
    PRED_FREE(a->s);
    if (a->t) {
        pred__onnx_tensor_free(a->t);
        PRED_FREE(a->t);
    }
    PRED_FREE(a->floats.v);
    PRED_FREE(a->ints.v);
    pred__onnx_free_strings(a->strings, a->n_strings);
    for (k = 0; k < a->n_tensors; k++) pred__onnx_tensor_free(&a->tensors[k]);
    PRED_FREE(a->tensors);
    memset(a, 0, sizeof *a);
}

static pred_status pred__onnx_attr_parse(pred__pb r, pred__onnx_attr *a) {
    pred__pb_field f;
    pred__pb sub;
    pred_status st;
    int32_t type = 0;
    pred__onnx_tensor *t;
    static const int order[] = {
        PRED__ATTR_FLOATS, PRED__ATTR_INTS, PRED__ATTR_STRINGS, PRED__ATTR_TENSORS, PRED__ATTR_GRAPHS,
        PRED__ATTR_SPARSE_TENSORS, PRED__ATTR_TYPE_PROTOS, PRED__ATTR_FLOAT, PRED__ATTR_INT,
        PRED__ATTR_STRING, PRED__ATTR_TENSOR, PRED__ATTR_GRAPH, PRED__ATTR_SPARSE_TENSOR,
        PRED__ATTR_TYPE_PROTO
    };
    size_t k;

    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        switch (f.number) {
        case 1: st = pred__pb_string(&f, &a->name); break;
        case 20: st = pred__pb_int32(&f, &type); break;
        case 2: st = pred__pb_float(&f, &a->f); a->seen |= 1u << PRED__ATTR_FLOAT; break;
        case 3: st = pred__pb_int64(&f, &a->i); a->seen |= 1u << PRED__ATTR_INT; break;
        case 4:
            if ((st = pred__pb_string(&f, &a->s)) == PRED_OK) a->s_len = (size_t)(f.data.end - f.data.p);
            a->seen |= 1u << PRED__ATTR_STRING;
            break;
        case 5:
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            if (a->t) pred__onnx_tensor_free(a->t); /* a repeated singular message: the last wins */
            else if (!(a->t = (pred__onnx_tensor *)pred__calloc(1, sizeof *a->t))) return pred__oom();
            st = pred__onnx_tensor_parse(sub, a->t);
            a->seen |= 1u << PRED__ATTR_TENSOR;
            break;
        case 6: a->seen |= 1u << PRED__ATTR_GRAPH; break;  /* subgraphs: not read */
        case 22: a->seen |= 1u << PRED__ATTR_SPARSE_TENSOR; break;
        case 14: a->seen |= 1u << PRED__ATTR_TYPE_PROTO; break;
        case 7: st = pred__pb_append_floats(&f, &a->floats); a->seen |= 1u << PRED__ATTR_FLOATS; break;
        case 8: st = pred__pb_append_int64s(&f, &a->ints); a->seen |= 1u << PRED__ATTR_INTS; break;
        case 9:
            st = pred__onnx_push_string(&f, &a->strings, &a->n_strings, &a->cap_strings);
            a->seen |= 1u << PRED__ATTR_STRINGS;
            break;
        case 10: {
            void *arr = a->tensors;
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            t = (pred__onnx_tensor *)pred__onnx_push(&arr, &a->n_tensors, &a->cap_tensors, sizeof *t);
            a->tensors = (pred__onnx_tensor *)arr;
            if (!t) return pred__oom();
            st = pred__onnx_tensor_parse(sub, t);
            a->seen |= 1u << PRED__ATTR_TENSORS;
            break;
        }
        case 11: a->seen |= 1u << PRED__ATTR_GRAPHS; break;
        case 23: a->seen |= 1u << PRED__ATTR_SPARSE_TENSORS; break;
        case 15: a->seen |= 1u << PRED__ATTR_TYPE_PROTOS; break;
        default: break;
        }
        if (st != PRED_OK) return st;
    }
    a->type = type;
    if (type < 0 || type > PRED__ATTR_TYPE_PROTOS) a->type = PRED__ATTR_UNDEFINED;
    if (type == 0) /* old files without `type`: the kind of value present */
        for (k = 0; k < sizeof order / sizeof order[0]; k++)
            if (a->seen & (1u << order[k])) {
                a->type = order[k];
                break;
            }
    return PRED_OK;
}

/* ---- NodeProto ------------------------------------------------------------*/

static void pred__onnx_node_free(pred__onnx_node *n) {
    size_t k;
    pred__onnx_free_strings(n->inputs, n->n_inputs);
    pred__onnx_free_strings(n->outputs, n->n_outputs);
    PRED_FREE(n->name);
    PRED_FREE(n->op_type);
    PRED_FREE(n->domain);
    for (k = 0; k < n->n_attrs; k++) pred__onnx_attr_free(&n->attrs[k]);
    PRED_FREE(n->attrs);
    memset(n, 0, sizeof *n);
}

static pred_status pred__onnx_node_parse(pred__pb r, pred__onnx_node *n) {
    pred__pb_field f;
    pred__pb sub;
    pred_status st = PRED_OK;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        switch (f.number) {
        case 1: st = pred__onnx_push_string(&f, &n->inputs, &n->n_inputs, &n->cap_inputs); break;
        case 2: st = pred__onnx_push_string(&f, &n->outputs, &n->n_outputs, &n->cap_outputs); break;
        case 3: st = pred__pb_string(&f, &n->name); break;
        case 4: st = pred__pb_string(&f, &n->op_type); break;
        case 7: st = pred__pb_string(&f, &n->domain); break;
        case 5: {
            void *arr = n->attrs;
            pred__onnx_attr *a;
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            a = (pred__onnx_attr *)pred__onnx_push(&arr, &n->n_attrs, &n->cap_attrs, sizeof *a);
            n->attrs = (pred__onnx_attr *)arr;
            if (!a) return pred__oom();
            st = pred__onnx_attr_parse(sub, a);
            break;
        }
        default: break;
        }
        if (st != PRED_OK) return st;
    }
    return PRED_OK;
}

/* ---- ValueInfoProto / TypeProto / TensorShapeProto ------------------------*/

static void pred__onnx_value_info_free(pred__onnx_value_info *v) {
    PRED_FREE(v->name);
    memset(v, 0, sizeof *v);
}

static pred_status pred__onnx_dim_parse(pred__pb r, pred__onnx_value_info *v) {
    pred__pb_field f;
    pred_status st;
    int64_t dim = -1, value = 0;
    pred__pb name = {NULL, NULL, NULL};
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        if (f.number == 1) { /* dim_value; negative values are refused by the graph */
            if ((st = pred__pb_int64(&f, &value)) != PRED_OK) return st;
            dim = value < 0 ? -2 : value;
            if (value == -1) dim = -1;
        } else if (f.number == 2) { /* dim_param: symbolic */
            if (f.wire != PRED__PB_LEN) return pred__errorf(PRED_ERR_MODEL, "malformed model: dim_param is not a string");
            if ((st = pred__pb_bytes(&f, &name)) != PRED_OK) return st;
            dim = -1;
        }
    }
    if (v->ndim < PRED_MAX_DIMS && dim == -1 && name.p != name.end) {
        v->dim_param[v->ndim] = name.p;
        v->dim_param_len[v->ndim] = (size_t)(name.end - name.p);
    }
    pred__onnx_push_dim(&v->ndim, v->dims, dim);
    if (dim != -1) pred__onnx_product_dim(&v->product, dim);
    return PRED_OK;
}

static pred_status pred__onnx_type_parse(pred__pb r, pred__onnx_value_info *v) {
    pred__pb_field f;
    pred__pb tensor, shape, dim;
    pred_status st;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        if (f.number == 4 || f.number == 5 || f.number == 7 || f.number == 8 || f.number == 9) {
            v->is_tensor = 0; /* sequence, map, opaque, sparse or optional */
            continue;
        }
        if (f.number != 1) continue;
        if ((st = pred__pb_bytes(&f, &tensor)) != PRED_OK) return st;
        v->is_tensor = 1;
        while (pred__pb_more(&tensor)) {
            if ((st = pred__pb_next(&tensor, &f)) != PRED_OK) return st;
            if (f.number == 1) {
                if ((st = pred__pb_int32(&f, &v->elem_type)) != PRED_OK) return st;
            } else if (f.number == 2) {
                if ((st = pred__pb_bytes(&f, &shape)) != PRED_OK) return st;
                if (!v->has_shape) v->product.n = 1;
                v->has_shape = 1;
                while (pred__pb_more(&shape)) {
                    if ((st = pred__pb_next(&shape, &f)) != PRED_OK) return st;
                    if (f.number != 1) continue;
                    if ((st = pred__pb_bytes(&f, &dim)) != PRED_OK) return st;
                    if ((st = pred__onnx_dim_parse(dim, v)) != PRED_OK) return st;
                }
            }
        }
    }
    return PRED_OK;
}

static pred_status pred__onnx_value_info_parse(pred__pb r, pred__onnx_value_info *v) {
    pred__pb_field f;
    pred__pb sub;
    pred_status st;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        if (f.number == 1) {
            if ((st = pred__pb_string(&f, &v->name)) != PRED_OK) return st;
        } else if (f.number == 2) {
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            if ((st = pred__onnx_type_parse(sub, v)) != PRED_OK) return st;
        }
    }
    return PRED_OK;
}

/* Parses a ValueInfoProto field into a new element of an array. */
static pred_status pred__onnx_push_value_info(const pred__pb_field *f, pred__onnx_value_info **arr,
                                              size_t *n, size_t *cap) {
    pred__pb sub;
    pred__onnx_value_info *v;
    void *p = *arr;
    pred_status st = pred__pb_bytes(f, &sub);
    if (st != PRED_OK) return st;
    v = (pred__onnx_value_info *)pred__onnx_push(&p, n, cap, sizeof *v);
    *arr = (pred__onnx_value_info *)p;
    if (!v) return pred__oom();
    return pred__onnx_value_info_parse(sub, v);
}

/* ---- GraphProto -----------------------------------------------------------*/

static void pred__onnx_graph_free(pred__onnx_graph *g) {
    size_t k;
    PRED_FREE(g->name);
    for (k = 0; k < g->n_nodes; k++) pred__onnx_node_free(&g->nodes[k]);
    PRED_FREE(g->nodes);
    for (k = 0; k < g->n_initializers; k++) pred__onnx_tensor_free(&g->initializers[k]);
    PRED_FREE(g->initializers);
    for (k = 0; k < g->n_inputs; k++) pred__onnx_value_info_free(&g->inputs[k]);
    PRED_FREE(g->inputs);
    for (k = 0; k < g->n_outputs; k++) pred__onnx_value_info_free(&g->outputs[k]);
    PRED_FREE(g->outputs);
    memset(g, 0, sizeof *g);
}

static pred_status pred__onnx_graph_parse(pred__pb r, pred__onnx_graph *g) {
    pred__pb_field f;
    pred__pb sub;
    pred_status st = PRED_OK;
    void *arr;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        switch (f.number) {
        case 1: {
            pred__onnx_node *n;
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            arr = g->nodes;
            n = (pred__onnx_node *)pred__onnx_push(&arr, &g->n_nodes, &g->cap_nodes, sizeof *n);
            g->nodes = (pred__onnx_node *)arr;
            if (!n) return pred__oom();
            st = pred__onnx_node_parse(sub, n);
            break;
        }
        case 2: st = pred__pb_string(&f, &g->name); break;
        case 5: {
            pred__onnx_tensor *t;
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            arr = g->initializers;
            t = (pred__onnx_tensor *)pred__onnx_push(&arr, &g->n_initializers, &g->cap_initializers, sizeof *t);
            g->initializers = (pred__onnx_tensor *)arr;
            if (!t) return pred__oom();
            st = pred__onnx_tensor_parse(sub, t);
            break;
        }
        case 15: g->n_sparse_initializers++; break;
        case 11: st = pred__onnx_push_value_info(&f, &g->inputs, &g->n_inputs, &g->cap_inputs); break;
        case 12: st = pred__onnx_push_value_info(&f, &g->outputs, &g->n_outputs, &g->cap_outputs); break;
        /* value_info (13) is skipped: the engine infers shapes itself */
        default: break;
        }
        if (st != PRED_OK) return st;
    }
    return PRED_OK;
}

/* ---- ModelProto -----------------------------------------------------------*/

static void pred__onnx_free(pred__onnx_model *m) {
    size_t k;
    for (k = 0; k < m->n_opsets; k++) PRED_FREE(m->opsets[k].domain);
    PRED_FREE(m->opsets);
    pred__onnx_graph_free(&m->graph);
    memset(m, 0, sizeof *m);
}

static pred_status pred__onnx_opset_parse(pred__pb r, pred__onnx_opset *o) {
    pred__pb_field f;
    pred_status st;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        if (f.number == 1 && (st = pred__pb_string(&f, &o->domain)) != PRED_OK) return st;
        if (f.number == 2 && (st = pred__pb_int64(&f, &o->version)) != PRED_OK) return st;
    }
    return PRED_OK;
}

static pred_status pred__onnx_model_parse(pred__pb r, pred__onnx_model *m) {
    pred__pb_field f;
    pred__pb sub;
    pred_status st = PRED_OK;
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
        switch (f.number) {
        case 1: st = pred__pb_int64(&f, &m->ir_version); break;
        case 8: {
            void *arr = m->opsets;
            pred__onnx_opset *o;
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            o = (pred__onnx_opset *)pred__onnx_push(&arr, &m->n_opsets, &m->cap_opsets, sizeof *o);
            m->opsets = (pred__onnx_opset *)arr;
            if (!o) return pred__oom();
            st = pred__onnx_opset_parse(sub, o);
            break;
        }
        case 7:
            if ((st = pred__pb_bytes(&f, &sub)) != PRED_OK) return st;
            m->has_graph = 1;
            st = pred__onnx_graph_parse(sub, &m->graph); /* repeated: merges */
            break;
        default: break;
        }
        if (st != PRED_OK) return st;
    }
    return PRED_OK;
}

static pred_status pred__onnx_parse(const void *bytes, size_t size, pred__onnx_model *model) {
    pred_status st;
    memset(model, 0, sizeof *model);
    st = pred__onnx_model_parse(pred__pb_init(bytes, size), model);
    if (st != PRED_OK) pred__onnx_free(model);
    return st;
}
