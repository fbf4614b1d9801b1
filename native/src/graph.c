/*
 * graph.c: builds the executable graph from a parsed ONNX model.
 *
 *   1. operators   every node's op_type is looked up in the op table, in file
 *                  order, so an unsupported operator is reported first;
 *   2. tensors     initializers (constants), graph inputs (the caller's), node
 *                  outputs (values), in a table with a name index;
 *   3. wiring      node inputs are resolved to tensors, then the nodes are put
 *                  in topological order (keeping the file order when it is one);
 *   4. checks      shape inputs, element types and constant-ness of node inputs;
 *   5. ops         each node's attributes are read (init) and its output
 *                  shapes inferred (infer), in execution order;
 *   6. outputs     the graph outputs are resolved to tensors.
 */
#include <stdio.h>
#include "graph.h"
#include "attr.h"
#include "optimize.h"

/* ---- messages -------------------------------------------------------------*/

static pred_status pred__node_errorf(const pred__node *n, pred_status status, const char *fmt, ...) {
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n->name && n->name[0])
        return pred__errorf(status, "operator '%s' (node '%s'): %s", pred__op_get(n->op)->name, n->name, text);
    return pred__errorf(status, "operator '%s' (node #%lu): %s", pred__op_get(n->op)->name,
                        (unsigned long)n->index, text);
}

/* ---- helpers for op functions ---------------------------------------------*/

static pred_status pred__pack_weights(pred__graph *g, pred__node *n, int input, int64_t layout, size_t floats,
                                      int reads_raw,
                                      void (*pack)(float *dst, const pred__node *n, const pred__tensor *w)) {
    pred__tensor *w = &g->tensors[n->in[input]];
    size_t need = pred__aligned_floats(floats);
    if (!g->packed_block) { /* sizing: the first reader packs, as in the packing pass */
        if (w->flags & PRED__TF_PACK_SIZED) return PRED_OK;
        w->flags |= PRED__TF_PACK_SIZED;
        return pred__add_size(g->packed_size, need, &g->packed_size) ? PRED_OK : pred__oom();
    }
    if (!w->packed) {
        if (need > g->packed_size - g->packed_used)
            return pred__node_errorf(n, PRED_ERR_MEMORY, "its packed weights overrun the block sized for them");
        w->packed = g->packed_block + g->packed_used;
        g->packed_used += need;
        w->packed_layout = layout;
        pack(w->packed, n, w);
    }
    if (w->packed_layout != layout) return PRED_OK; /* read as they are */
    n->packed = w->packed;
    if (!reads_raw) w->packed_readers++;
    return PRED_OK;
}

static pred__tensor *pred__in_tensor(const pred__graph *g, const pred__node *n, int i) {
    return &g->tensors[n->in[i]];
}

static const pred__shape *pred__in_shape(const pred__graph *g, const pred__node *n, int i) {
    return &g->tensors[n->in[i]].shape;
}

static size_t pred__elem_size(int32_t dtype) {
    return dtype == PRED__DT_FLOAT ? sizeof(float) : sizeof(int64_t);
}

static pred_status pred__set_out_shape(pred__graph *g, const pred__node *n, int i, const pred__shape *s) {
    return pred__set_out(g, n, i, s, PRED__DT_FLOAT);
}

static pred_status pred__set_out(pred__graph *g, const pred__node *n, int i, const pred__shape *s, int32_t dtype) {
    pred__tensor *t;
    pred__shape nonzero = *s;    /* the other dims of an empty tensor must be sane too: loops run over them */
    char buf[PRED__SHAPE_STR_SIZE];
    int empty = 0;
    size_t k;
    if (n->out[i] < 0) return PRED_OK;
    t = &g->tensors[n->out[i]];
    for (k = 0; k < s->ndim; k++) {
        if (s->d[k] < 0 || (s->d[k] == 0 && !(pred__op_get(n->op)->props & PRED__PROP_MAKES_EMPTY)))
            return pred__node_errorf(n, s->d[k] == 0 ? PRED_ERR_UNSUPPORTED : PRED_ERR_SHAPE,
                                     "output '%s' would have shape %s: %s", t->name,
                                     pred__shape_str(s, buf, sizeof buf),
                                     s->d[k] == 0 ? "empty tensors are not supported here" : "a negative dimension");
        if (s->d[k] == 0) {
            empty = 1;
            nonzero.d[k] = 1;
        }
    }
    if (pred__shape_count(&nonzero) == 0)
        return pred__node_errorf(n, PRED_ERR_SHAPE, "output '%s' would have shape %s, more than %llu elements",
                                 t->name, pred__shape_str(s, buf, sizeof buf), (unsigned long long)PRED_MAX_ELEMENTS);
    t->shape = *s;
    t->count = empty ? 0 : (size_t)pred__shape_count(s);
    t->dtype = dtype;
    return PRED_OK;
}

/* ---- name index (open addressing, FNV-1a) ---------------------------------*/

typedef struct pred__names {
    int *slots;                  /* tensor numbers, -1 for empty */
    size_t mask;
} pred__names;

static uint64_t pred__hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603u;
    while (n--) {
        h ^= *p++;
        h *= 1099511628211u;
    }
    return h;
}

static uint64_t pred__names_hash(const char *s) {
    return pred__hash_bytes((const uint8_t *)s, strlen(s));
}

static int pred__names_init(pred__names *h, size_t n) {
    size_t cap = 16, k;
    while (cap < 2 * n) {
        if (cap > SIZE_MAX / 4) return 0;
        cap *= 2;
    }
    h->slots = (int *)pred__calloc(cap, sizeof *h->slots);
    if (!h->slots) return 0;
    for (k = 0; k < cap; k++) h->slots[k] = -1;
    h->mask = cap - 1;
    return 1;
}

static int pred__names_find(const pred__names *h, const pred__tensor *tensors, const char *name) {
    size_t k = (size_t)pred__names_hash(name) & h->mask;
    while (h->slots[k] >= 0) {
        if (strcmp(tensors[h->slots[k]].name, name) == 0) return h->slots[k];
        k = (k + 1) & h->mask;
    }
    return -1;
}

static void pred__names_insert(pred__names *h, const pred__tensor *tensors, int index) {
    size_t k = (size_t)pred__names_hash(tensors[index].name) & h->mask;
    while (h->slots[k] >= 0) k = (k + 1) & h->mask;
    h->slots[k] = index;
}

/* ---- free -----------------------------------------------------------------*/

static void pred__graph_free(pred__graph *g) {
    size_t k;
    for (k = 0; k < g->n_tensors; k++) {
        PRED_FREE(g->tensors[k].name);
        PRED_FREE(g->tensors[k].f);
        PRED_FREE(g->tensors[k].i);
    }
    pred__aligned_free(g->packed_block);
    PRED_FREE(g->tensors);
    for (k = 0; k < g->n_nodes; k++) PRED_FREE(g->nodes[k].name);
    PRED_FREE(g->nodes);
    PRED_FREE(g->inputs);
    PRED_FREE(g->dim_symbols);
    PRED_FREE(g->outputs);
    memset(g, 0, sizeof *g);
}

/* ---- building -------------------------------------------------------------*/

typedef struct pred__builder {
    pred__graph *g;
    pred__onnx_model *m;
    pred__names names;
    size_t cap_tensors;
} pred__builder;

static int pred__is_default_domain(const char *d) {
    return d == NULL || d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
}

/* Adds a tensor named `name` (copied); refuses an empty or duplicate name. */
static pred_status pred__add_tensor(pred__builder *b, const char *name, pred__tensor_kind kind, int *index) {
    pred__graph *g = b->g;
    pred__tensor *t;
    int found;
    if (!name || !name[0]) return pred__errorf(PRED_ERR_MODEL, "a tensor has an empty name");
    found = pred__names_find(&b->names, g->tensors, name);
    if (found >= 0) return pred__errorf(PRED_ERR_MODEL, "tensor '%s' is defined more than once", name);
    if (g->n_tensors >= b->cap_tensors || g->n_tensors >= (size_t)INT32_MAX)
        return pred__errorf(PRED_ERR_MODEL, "too many tensors");
    t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    if (!(t->name = pred__strdup(name))) return pred__oom();
    t->kind = kind;
    t->producer = -1;
    t->dtype = PRED__DT_FLOAT;
    *index = (int)g->n_tensors++;
    pred__names_insert(&b->names, g->tensors, *index);
    return PRED_OK;
}

static pred_status pred__add_initializers(pred__builder *b) {
    pred__onnx_graph *og = &b->m->graph;
    size_t k, d;
    pred_status st;
    for (k = 0; k < og->n_initializers; k++) {
        pred__onnx_tensor *src = &og->initializers[k];
        pred__tensor *t;
        int index;
        if ((st = pred__add_tensor(b, src->name, PRED__TENSOR_CONST, &index)) != PRED_OK) return st;
        t = &b->g->tensors[index];
        t->dtype = src->data_type;
        t->src = src;
        if (src->decoded) { /* take ownership of the decoded data */
            t->shape.ndim = src->ndim;
            for (d = 0; d < src->ndim; d++) t->shape.d[d] = src->dims[d];
            t->count = src->count;
            t->f = src->f;
            t->i = src->i;
            src->f = NULL;
            src->i = NULL;
        }
    }
    return PRED_OK;
}

/* Numbers the symbolic dimensions of the inputs by name (g->dim_symbols);
 * src[k] is the file's value info of input k. A hash table of the names'
 * bytes, since a hostile file may have very many. */
static pred_status pred__number_dim_symbols(pred__graph *g, const pred__onnx_value_info *const *src) {
    size_t n = g->n_inputs * PRED_MAX_DIMS, cap = 16, mask, k, at;
    int *slots;                  /* entries k * PRED_MAX_DIMS + d: the first dim with each name */
    if (!(g->dim_symbols = (int *)pred__calloc(n, sizeof *g->dim_symbols))) return pred__oom();
    while (cap < 2 * n) cap *= 2; /* n <= the file's size * PRED_MAX_DIMS: no overflow */
    if (!(slots = (int *)pred__calloc(cap, sizeof *slots))) return pred__oom();
    mask = cap - 1;
    for (k = 0; k < cap; k++) slots[k] = -1;
    for (k = 0; k < n; k++) {
        const pred__onnx_value_info *v = src[k / PRED_MAX_DIMS];
        size_t d = k % PRED_MAX_DIMS, len = v->dim_param_len[d];
        g->dim_symbols[k] = -1;
        if (d >= v->ndim || !v->dim_param[d]) continue;
        at = (size_t)pred__hash_bytes(v->dim_param[d], len) & mask;
        for (; slots[at] >= 0; at = (at + 1) & mask) {
            const pred__onnx_value_info *w = src[(size_t)slots[at] / PRED_MAX_DIMS];
            size_t e = (size_t)slots[at] % PRED_MAX_DIMS;
            if (w->dim_param_len[e] == len && memcmp(w->dim_param[e], v->dim_param[d], len) == 0) break;
        }
        if (slots[at] < 0) slots[at] = (int)k;
        g->dim_symbols[k] = slots[at];
    }
    PRED_FREE(slots);
    return PRED_OK;
}

/* The graph inputs that are no initializers, with their file's value infos in src. */
static pred_status pred__add_inputs_(pred__builder *b, const pred__onnx_value_info **src) {
    pred__graph *g = b->g;
    pred__onnx_graph *og = &b->m->graph;
    size_t k, d;
    pred_status st;
    for (k = 0; k < og->n_inputs; k++) {
        const pred__onnx_value_info *v = &og->inputs[k];
        pred__tensor *t;
        char buf[PRED__SHAPE_STR_SIZE];
        int index;
        if (v->name && v->name[0]) {
            int found = pred__names_find(&b->names, g->tensors, v->name);
            if (found >= 0 && g->tensors[found].kind == PRED__TENSOR_CONST) continue; /* an initializer */
        }
        if ((st = pred__add_tensor(b, v->name, PRED__TENSOR_INPUT, &index)) != PRED_OK) return st;
        t = &g->tensors[index];
        if (!pred__utf8_valid(t->name, strlen(t->name)))
            return pred__errorf(PRED_ERR_MODEL, "input name '%s' is not valid UTF-8", t->name);
        if (!v->is_tensor)
            return pred__errorf(PRED_ERR_UNSUPPORTED, "input '%s' is not a tensor", t->name);
        if (v->elem_type != PRED__DT_FLOAT)
            return pred__errorf(PRED_ERR_UNSUPPORTED, "input '%s' has element type %s, only FLOAT is supported",
                                t->name, pred__onnx_dtype_name(v->elem_type));
        if (!v->has_shape) return pred__errorf(PRED_ERR_MODEL, "input '%s' has no shape", t->name);
        /* over every dim of the file, also those above PRED_MAX_DIMS */
        if (v->product.negative) return pred__errorf(PRED_ERR_MODEL, "input '%s' has a negative dimension", t->name);
        if (v->product.overflow && !v->product.zero)
            return pred__errorf(PRED_ERR_MODEL, "input '%s' has dimensions whose product overflows 64 bits", t->name);
        if (v->ndim > PRED_MAX_DIMS)
            return pred__errorf(PRED_ERR_UNSUPPORTED, "input '%s' has %lu dimensions, at most %d are supported",
                                t->name, (unsigned long)v->ndim, PRED_MAX_DIMS);
        t->shape.ndim = v->ndim;
        for (d = 0; d < v->ndim; d++) {
            if (v->dims[d] < -1) return pred__errorf(PRED_ERR_MODEL, "input '%s' has a negative dimension", t->name);
            t->shape.d[d] = v->dims[d] == -1 ? 1 : v->dims[d]; /* symbolic: 1 */
            if (v->dims[d] == -1) t->symbolic |= 1u << d;
            if (t->shape.d[d] == 0)
                return pred__errorf(PRED_ERR_UNSUPPORTED, "input '%s' has shape %s: empty tensors are not supported",
                                    t->name, pred__shape_str(&t->shape, buf, sizeof buf));
        }
        if (pred__shape_count(&t->shape) == 0)
            return pred__errorf(PRED_ERR_SHAPE, "input '%s' has more than %llu elements", t->name,
                                (unsigned long long)PRED_MAX_ELEMENTS);
        t->count = (size_t)pred__shape_count(&t->shape);
        src[g->n_inputs] = v;
        g->inputs[g->n_inputs++] = index;
    }
    return PRED_OK;
}

static pred_status pred__add_inputs(pred__builder *b) {
    pred__graph *g = b->g;
    pred__onnx_graph *og = &b->m->graph;
    const pred__onnx_value_info **src;
    pred_status st;
    if (!(g->inputs = (int *)pred__calloc(og->n_inputs, sizeof *g->inputs))) return pred__oom();
    if (!(src = (const pred__onnx_value_info **)pred__calloc(og->n_inputs, sizeof *src))) return pred__oom();
    st = pred__add_inputs_(b, src);
    if (st == PRED_OK) st = pred__number_dim_symbols(g, src);
    PRED_FREE(src);
    return st;
}

/* Creates the nodes (file order) with their op and output tensors. */
static pred_status pred__add_nodes(pred__builder *b) {
    pred__graph *g = b->g;
    pred__onnx_graph *og = &b->m->graph;
    size_t k, j;
    pred_status st;
    if (!(g->nodes = (pred__node *)pred__calloc(og->n_nodes, sizeof *g->nodes))) return pred__oom();
    for (k = 0; k < og->n_nodes; k++) {
        const pred__onnx_node *src = &og->nodes[k];
        pred__node *n = &g->nodes[k];
        const pred__op_def *def;
        size_t n_out = src->n_outputs;
        n->op = pred__op_find(src->op_type);
        n->index = k;
        g->n_nodes = k + 1;
        if (!(n->name = pred__strdup(src->name ? src->name : ""))) return pred__oom();
        def = pred__op_get(n->op);
        while (n_out > 0 && !src->outputs[n_out - 1][0]) n_out--; /* omitted optional outputs */
        if (n_out < 1) return pred__node_errorf(n, PRED_ERR_MODEL, "the node has no output");
        if (n_out > (size_t)def->max_outputs)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "%lu outputs, only %d supported",
                                     (unsigned long)n_out, def->max_outputs);
        n->n_out = (int)n_out;
        for (j = 0; j < n_out; j++) {
            int index = -1;
            if (src->outputs[j][0]) {
                if ((st = pred__add_tensor(b, src->outputs[j], PRED__TENSOR_VALUE, &index)) != PRED_OK)
                    return pred__node_errorf(n, st, "%s", pred__error_get());
                g->tensors[index].producer = (int)k;
            }
            n->out[j] = index;
        }
    }
    return PRED_OK;
}

/* Resolves each node's inputs to tensors. */
static pred_status pred__wire_nodes(pred__builder *b) {
    pred__graph *g = b->g;
    pred__onnx_graph *og = &b->m->graph;
    size_t k, j;
    for (k = 0; k < g->n_nodes; k++) {
        const pred__onnx_node *src = &og->nodes[k];
        pred__node *n = &g->nodes[k];
        const pred__op_def *def = pred__op_get(n->op);
        size_t n_in = src->n_inputs;
        while (n_in > 0 && !src->inputs[n_in - 1][0]) n_in--;
        if (n_in > (size_t)def->max_inputs || n_in < (size_t)def->min_inputs) {
            if (def->min_inputs == def->max_inputs)
                return pred__node_errorf(n, PRED_ERR_MODEL, "%lu inputs, expected %d",
                                         (unsigned long)n_in, def->min_inputs);
            return pred__node_errorf(n, PRED_ERR_MODEL, "%lu inputs, expected %d to %d",
                                     (unsigned long)n_in, def->min_inputs, def->max_inputs);
        }
        n->n_in = (int)n_in;
        for (j = 0; j < n_in; j++) {
            const char *name = src->inputs[j];
            int index = -1;
            if (name[0]) {
                index = pred__names_find(&b->names, g->tensors, name);
                if (index < 0) return pred__node_errorf(n, PRED_ERR_MODEL, "input '%s' is not defined", name);
            } else if (j < (size_t)def->min_inputs) {
                return pred__node_errorf(n, PRED_ERR_MODEL, "required input %lu is missing", (unsigned long)j);
            }
            n->in[j] = index;
        }
    }
    return PRED_OK;
}

/* Binary heap of node indices, smallest first (keeps the file order). */
static void pred__heap_push(size_t *heap, size_t *len, size_t v) {
    size_t i = (*len)++;
    while (i > 0 && heap[(i - 1) / 2] > v) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = v;
}

static size_t pred__heap_pop(size_t *heap, size_t *len) {
    size_t top = heap[0], v = heap[--(*len)], i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *len) break;
        if (c + 1 < *len && heap[c + 1] < heap[c]) c++;
        if (heap[c] >= v) break;
        heap[i] = heap[c];
        i = c;
    }
    if (*len > 0) heap[i] = v;
    return top;
}

/* Kahn's algorithm; reorders g->nodes into execution order. */
static pred_status pred__sort_nodes(pred__graph *g) {
    size_t n = g->n_nodes, k, len = 0, done = 0;
    size_t *indeg = NULL, *first = NULL, *next_edge = NULL, *edge_to = NULL, *heap = NULL, *order = NULL;
    size_t n_edges = 0, e;
    pred__node *sorted = NULL;
    pred_status st = PRED_OK;
    int j;
    if (n == 0) return PRED_OK;
    for (k = 0; k < n; k++) n_edges += (size_t)g->nodes[k].n_in;
    indeg = (size_t *)pred__calloc(n, sizeof *indeg);
    first = (size_t *)pred__calloc(n, sizeof *first);
    next_edge = (size_t *)pred__calloc(n_edges, sizeof *next_edge);
    edge_to = (size_t *)pred__calloc(n_edges, sizeof *edge_to);
    heap = (size_t *)pred__calloc(n, sizeof *heap);
    order = (size_t *)pred__calloc(n, sizeof *order);
    sorted = (pred__node *)pred__calloc(n, sizeof *sorted);
    if (!indeg || !first || !next_edge || !edge_to || !heap || !order || !sorted) {
        st = pred__oom();
        goto done;
    }
    /* edge producer -> consumer, one per input occurrence; lists by producer */
    for (k = 0; k < n; k++) first[k] = SIZE_MAX;
    e = 0;
    for (k = 0; k < n; k++)
        for (j = 0; j < g->nodes[k].n_in; j++) {
            int t = g->nodes[k].in[j];
            int p = t >= 0 ? g->tensors[t].producer : -1;
            if (p < 0) continue;
            edge_to[e] = k;
            next_edge[e] = first[p];
            first[p] = e++;
            indeg[k]++;
        }
    for (k = 0; k < n; k++)
        if (indeg[k] == 0) pred__heap_push(heap, &len, k);
    while (len > 0) {
        size_t v = pred__heap_pop(heap, &len);
        order[done++] = v;
        for (e = first[v]; e != SIZE_MAX; e = next_edge[e])
            if (--indeg[edge_to[e]] == 0) pred__heap_push(heap, &len, edge_to[e]);
    }
    if (done < n) { /* every node left waits, directly or not, for itself */
        const char *name = "";
        for (k = 0; k < n && indeg[k] == 0; k++) {
        }
        for (j = 0; j < g->nodes[k].n_in; j++) {
            int t = g->nodes[k].in[j], p = t >= 0 ? g->tensors[t].producer : -1;
            if (p >= 0 && indeg[p] > 0) name = g->tensors[t].name;
        }
        st = pred__node_errorf(&g->nodes[k], PRED_ERR_MODEL, "the graph has a cycle through this node and its input '%s'", name);
        goto done;
    }
    /* reorder; producers become positions in the new order */
    for (k = 0; k < n; k++) sorted[k] = g->nodes[order[k]];
    PRED_FREE(g->nodes);
    g->nodes = sorted;
    sorted = NULL;
    for (k = 0; k < n; k++)
        for (j = 0; j < g->nodes[k].n_out; j++)
            if (g->nodes[k].out[j] >= 0) g->tensors[g->nodes[k].out[j]].producer = (int)k;
done:
    PRED_FREE(indeg);
    PRED_FREE(first);
    PRED_FREE(next_edge);
    PRED_FREE(edge_to);
    PRED_FREE(heap);
    PRED_FREE(order);
    PRED_FREE(sorted);
    return st;
}

/* A constant a node or the graph output uses must have been decoded. */
static pred_status pred__check_const(const pred__tensor *t) {
    char why[256];
    pred_status st = t->src ? pred__onnx_tensor_check(t->src, why, sizeof why) : PRED_OK;
    return st == PRED_OK ? st : pred__errorf(st, "tensor '%s' %s", t->name, why);
}

/* A graph input in a position that must be known at load, where FLOAT is
 * expected (Resize's roi and scales), becomes a shape input, planned with
 * ones until a session is given its values. */
static pred_status pred__mark_shape_inputs(pred__graph *g) {
    size_t k, e;
    int j;
    for (k = 0; k < g->n_nodes; k++) {
        const pred__node *n = &g->nodes[k];
        const pred__op_def *def = pred__op_get(n->op);
        for (j = 0; j < n->n_in; j++) {
            pred__tensor *t = n->in[j] >= 0 ? &g->tensors[n->in[j]] : NULL;
            if (!t || t->kind != PRED__TENSOR_INPUT || !((def->const_inputs >> j) & 1) || ((def->int_inputs >> j) & 1))
                continue;
            if (!(t->f = (float *)pred__calloc(t->count, sizeof *t->f))) return pred__oom();
            for (e = 0; e < t->count; e++) t->f[e] = 1.0f;
            t->kind = PRED__TENSOR_CONST;
            t->flags |= PRED__TF_SHAPE_INPUT | PRED__TF_SHAPE_DEP;
        }
    }
    return PRED_OK;
}

static pred_status pred__check_types(pred__graph *g) {
    size_t k;
    int j;
    pred_status st;
    for (k = 0; k < g->n_nodes; k++) {
        const pred__node *n = &g->nodes[k];
        const pred__op_def *def = pred__op_get(n->op);
        for (j = 0; j < n->n_in; j++) {
            const pred__tensor *t;
            int want_int = (def->int_inputs >> j) & 1, want_const = (def->const_inputs >> j) & 1;
            int want_any = (def->any_inputs >> j) & 1;
            if (n->in[j] < 0) continue;
            t = &g->tensors[n->in[j]];
            if (t->kind == PRED__TENSOR_VALUE) continue; /* checked once folded (pred__check_folded_inputs) */
            if ((want_int || want_const) && t->kind != PRED__TENSOR_CONST)
                return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                         "input %d ('%s') must be known at load (shapes are resolved at load), "
                                         "but it is a graph input",
                                         j, t->name);
            if (t->kind == PRED__TENSOR_CONST && (st = pred__check_const(t)) != PRED_OK)
                return pred__node_errorf(n, st, "%s", pred__error_get());
            if (want_int && t->dtype != PRED__DT_INT64 && t->dtype != PRED__DT_INT32)
                return pred__node_errorf(n, PRED_ERR_MODEL, "input %d ('%s') has type %s, expected INT64",
                                         j, t->name, pred__onnx_dtype_name(t->dtype));
            if (!want_int && !want_any && t->dtype != PRED__DT_FLOAT)
                return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "input %d ('%s') has type %s, only FLOAT is supported",
                                         j, t->name, pred__onnx_dtype_name(t->dtype));
            if (!want_int && !want_const && t->kind == PRED__TENSOR_CONST && t->count == 0 && !(pred__op_get(n->op)->props & PRED__PROP_READS_EMPTY))
                return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "input %d ('%s') is empty: empty tensors are not supported",
                                         j, t->name);
        }
    }
    return PRED_OK;
}

static pred_status pred__add_outputs(pred__builder *b) {
    pred__graph *g = b->g;
    pred__onnx_graph *og = &b->m->graph;
    size_t k;
    pred_status st;
    if (og->n_outputs == 0) return pred__errorf(PRED_ERR_MODEL, "the graph has no outputs");
    if (!(g->outputs = (int *)pred__calloc(og->n_outputs, sizeof *g->outputs))) return pred__oom();
    for (k = 0; k < og->n_outputs; k++) {
        const char *name = og->outputs[k].name ? og->outputs[k].name : "";
        int index = name[0] ? pred__names_find(&b->names, g->tensors, name) : -1;
        const pred__tensor *t;
        if (index < 0) return pred__errorf(PRED_ERR_MODEL, "graph output '%s' is not defined", name);
        t = &g->tensors[index];
        if (!pred__utf8_valid(name, strlen(name)))
            return pred__errorf(PRED_ERR_MODEL, "output name '%s' is not valid UTF-8", name);
        if (t->kind == PRED__TENSOR_CONST && (st = pred__check_const(t)) != PRED_OK) return st;
        if (t->dtype != PRED__DT_FLOAT || t->count == 0)
            return pred__errorf(PRED_ERR_UNSUPPORTED, "graph output '%s' is not a non-empty FLOAT tensor", name);
        g->outputs[g->n_outputs++] = index;
    }
    return PRED_OK;
}

/* Inputs that must be constants (integer and initializer inputs) may be
 * computed by other nodes; by the time n is inferred they must have been
 * folded into constants. */
static pred_status pred__check_folded_inputs(const pred__graph *g, const pred__node *n) {
    const pred__op_def *def = pred__op_get(n->op);
    int j;
    for (j = 0; j < n->n_in; j++) {
        const pred__tensor *t;
        int want_int = (def->int_inputs >> j) & 1, want_const = (def->const_inputs >> j) & 1;
        if (n->in[j] < 0 || !(want_int || want_const)) continue;
        t = &g->tensors[n->in[j]];
        if (t->kind != PRED__TENSOR_CONST)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                     "input %d ('%s') must be known at load, but it depends on the values of graph inputs",
                                     j, t->name);
        if (want_int && t->dtype != PRED__DT_INT64 && t->dtype != PRED__DT_INT32)
            return pred__node_errorf(n, PRED_ERR_MODEL, "input %d ('%s') has type %s, expected INT64",
                                     j, t->name, pred__onnx_dtype_name(t->dtype));
    }
    /* the types of computed inputs are known once their producers were inferred */
    for (j = 0; j < n->n_in; j++) {
        const pred__tensor *t = n->in[j] >= 0 ? &g->tensors[n->in[j]] : NULL;
        if (!t || ((def->int_inputs | def->any_inputs) >> j) & 1) continue;
        if (t->dtype != PRED__DT_FLOAT)
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED, "input %d ('%s') has type %s, only FLOAT is supported",
                                     j, t->name, pred__onnx_dtype_name(t->dtype));
    }
    /* an empty data input (integer and load-time inputs may be empty: an empty roi, no axes) */
    for (j = 0; j < n->n_in && !(pred__op_get(n->op)->props & PRED__PROP_READS_EMPTY); j++) {
        const pred__tensor *t = n->in[j] >= 0 ? &g->tensors[n->in[j]] : NULL;
        char buf[PRED__SHAPE_STR_SIZE];
        if (t && t->count == 0 && !(((def->int_inputs | def->const_inputs) >> j) & 1))
            return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                     "input %d ('%s') is empty (shape %s): empty tensors are supported only "
                                     "into Concat and Shape",
                                     j, t->name, pred__shape_str(&t->shape, buf, sizeof buf));
    }
    return PRED_OK;
}

static pred_status pred__graph_infer(pred__graph *g) {
    size_t k;
    int j;
    pred_status st;
    g->max_scratch = 0;
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *n = &g->nodes[k];
        if (pred__node_is_folded(g, n)) continue; /* computed at load already */
        if ((st = pred__check_folded_inputs(g, n)) != PRED_OK) return st;
        for (j = 0; j < n->n_out; j++) /* every output must be set by infer (pred__set_out) */
            if (n->out[j] >= 0) g->tensors[n->out[j]].count = SIZE_MAX;
        n->scratch = 0;
        if ((st = pred__op_get(n->op)->infer(g, n)) != PRED_OK) return st;
        for (j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && g->tensors[n->out[j]].count == SIZE_MAX)
                return pred__node_errorf(n, PRED_ERR_SHAPE, "output %d has no shape", j);
        if (n->scratch > PRED_MAX_ELEMENTS)
            return pred__node_errorf(n, PRED_ERR_SHAPE, "needs more than %llu elements of scratch memory",
                                     (unsigned long long)PRED_MAX_ELEMENTS);
        /* constant inputs: compute the outputs now (optimize.c) */
        if ((st = pred__fold_node(g, n)) != PRED_OK) return st;
        if (!pred__node_is_folded(g, n)) {
            /* a session's buffers hold floats: integers exist only as constants */
            for (j = 0; j < n->n_out; j++)
                if (n->out[j] >= 0 && g->tensors[n->out[j]].dtype != PRED__DT_FLOAT)
                    return pred__node_errorf(n, PRED_ERR_UNSUPPORTED,
                                             "output '%s' (%s) would be computed at run time; integer tensors "
                                             "are supported only when they are known at load",
                                             g->tensors[n->out[j]].name,
                                             pred__onnx_dtype_name(g->tensors[n->out[j]].dtype));
            if (n->scratch > g->max_scratch) g->max_scratch = n->scratch;
        }
    }
    return PRED_OK;
}

static pred_status pred__graph_build_(pred__builder *b) {
    pred__graph *g = b->g;
    pred__onnx_model *m = b->m;
    pred__onnx_graph *og = &m->graph;
    size_t k, n_tensors;
    pred_status st;

    if (!m->has_graph) return pred__errorf(PRED_ERR_MODEL, "the model has no graph");
    g->opset = -1;
    for (k = 0; k < m->n_opsets; k++)
        if (pred__is_default_domain(m->opsets[k].domain)) g->opset = m->opsets[k].version;
    if (og->n_sparse_initializers)
        return pred__errorf(PRED_ERR_UNSUPPORTED, "sparse initializers are not supported");

    /* 1. operators, in file order */
    for (k = 0; k < og->n_nodes; k++) {
        const pred__onnx_node *src = &og->nodes[k];
        const char *op_type = src->op_type ? src->op_type : "";
        const char *domain = pred__is_default_domain(src->domain) ? NULL : src->domain;
        if (!op_type[0]) return pred__errorf(PRED_ERR_MODEL, "node #%lu has no operator type", (unsigned long)k);
        if (!domain && pred__op_find(op_type) != PRED__OP_COUNT) continue;
        if (src->name && src->name[0])
            return pred__errorf(PRED_ERR_UNSUPPORTED, "unsupported operator '%s'%s%s%s (node '%s')", op_type,
                                domain ? " of domain '" : "", domain ? domain : "", domain ? "'" : "", src->name);
        return pred__errorf(PRED_ERR_UNSUPPORTED, "unsupported operator '%s'%s%s%s (node #%lu)", op_type,
                            domain ? " of domain '" : "", domain ? domain : "", domain ? "'" : "", (unsigned long)k);
    }
    /* checked after the operators: a model of other domains' operators only is unsupported, not malformed */
    if (g->opset < 1) return pred__errorf(PRED_ERR_MODEL, "the model does not import the default operator set (ai.onnx)");

    /* 2. tensors */
    n_tensors = og->n_initializers + og->n_inputs;
    for (k = 0; k < og->n_nodes; k++) n_tensors += og->nodes[k].n_outputs;
    if (!(g->tensors = (pred__tensor *)pred__calloc(n_tensors, sizeof *g->tensors))) return pred__oom();
    b->cap_tensors = n_tensors;
    if (!pred__names_init(&b->names, n_tensors)) return pred__oom();
    if ((st = pred__add_initializers(b)) != PRED_OK) return st;
    if ((st = pred__add_inputs(b)) != PRED_OK) return st;
    if ((st = pred__add_nodes(b)) != PRED_OK) return st;

    /* 3. wiring and order */
    if ((st = pred__wire_nodes(b)) != PRED_OK) return st;
    if ((st = pred__sort_nodes(g)) != PRED_OK) return st;

    /* 4. types */
    if ((st = pred__mark_shape_inputs(g)) != PRED_OK) return st;
    if ((st = pred__check_types(g)) != PRED_OK) return st;

    /* 5. attributes (the ONNX node of g->nodes[k] is og->nodes[g->nodes[k].index]) and shapes */
    for (k = 0; k < g->n_nodes; k++) {
        pred__node *n = &g->nodes[k];
        if ((st = pred__op_get(n->op)->init(g, n, &og->nodes[n->index])) != PRED_OK) return st;
    }
    if ((st = pred__graph_infer(g)) != PRED_OK) return st;

    /* 6. graph outputs (their shapes are known now) */
    return pred__add_outputs(b);
}

static pred_status pred__graph_build(pred__graph *g, pred__onnx_model *m) {
    pred__builder b;
    pred_status st;
    size_t k;
    memset(g, 0, sizeof *g);
    memset(&b, 0, sizeof b);
    b.g = g;
    b.m = m;
    st = pred__graph_build_(&b);
    PRED_FREE(b.names.slots);
    for (k = 0; k < g->n_tensors; k++) g->tensors[k].src = NULL;
    if (st != PRED_OK) pred__graph_free(g);
    return st;
}
