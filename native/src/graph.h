/*
 * graph.h: the executable graph, built from an ONNX model at load.
 *
 * Tensors are numbered; a node reads and writes tensors by number. Constants
 * (initializers) own their data; graph inputs and intermediate values get
 * their buffers from a session. Nodes are stored in execution order
 * (topologically sorted) and every shape is resolved at load.
 *
 * A graph input whose values an operator needs to resolve shapes (Resize's
 * scales fed by the caller) is a shape input: it is a constant in every
 * graph, holding the values the graph was planned for (ones at load), and a
 * session that is given other values plans again (session.h).
 */
#ifndef PRED_GRAPH_H
#define PRED_GRAPH_H

#include "common.h"
#include "onnx.h"
#include "ops.h"
#include "threads.h"

typedef enum pred__tensor_kind {
    PRED__TENSOR_VALUE,          /* computed by a node */
    PRED__TENSOR_INPUT,          /* fed by the caller */
    PRED__TENSOR_CONST           /* an initializer */
} pred__tensor_kind;

struct pred__tensor {
    char *name;
    pred__tensor_kind kind;
    int32_t dtype;               /* PRED__DT_FLOAT; constants may be PRED__DT_INT64/INT32 */
    pred__shape shape;
    size_t count;                /* elements (product of shape) */
    float *f;                    /* FLOAT constant data (owned) */
    float *packed;               /* weights: f packed for a kernel by an op's prepare (aligned, in the
                                    base graph's packed_block, shared by its plans and by every node
                                    that reads the weights in the same layout), or NULL */
    int64_t packed_layout;       /* what `packed` holds, as the op's prepare names it */
    size_t packed_readers;       /* nodes that read the weights only packed: when every reader does,
                                    f is freed after prepare (the model keeps one copy) */
    int64_t *i;                  /* integer constant data, widened (owned) */
    int producer;                /* index of the node computing it, or -1 */
    const pred__onnx_tensor *src; /* the initializer while loading, else NULL */
    unsigned flags;              /* PRED__TF_* */
    unsigned symbolic;           /* graph inputs: bit d is set when dimension d is symbolic in the file */
};

/* pred__tensor.flags */
enum {
    PRED__TF_FOLDED = 1,         /* a node output computed at load (constant folding): kind CONST */
    PRED__TF_SHAPE_DEP = 2,      /* folded from input shapes: computed again when they change */
    PRED__TF_SHAPE_INPUT = 4,    /* a shape input (see above): kind CONST, flagged SHAPE_DEP too */
    PRED__TF_PACK_SIZED = 8      /* while prepare sizes the packed block: its packing is counted */
};

/* Most inputs / outputs a node may have (Split computes up to PRED__SPLIT_MAX outputs). */
#define PRED__NODE_MAX_INPUTS 8
#define PRED__NODE_MAX_OUTPUTS PRED__SPLIT_MAX

struct pred__node {
    char *name;
    size_t index;                /* position in the file, for messages */
    int op;                      /* pred__op */
    int n_in, n_out;
    int in[PRED__NODE_MAX_INPUTS];   /* tensor numbers; -1 for an omitted optional input */
    int out[PRED__NODE_MAX_OUTPUTS];
    size_t scratch;              /* floats of scratch memory run needs */
    const float *packed;         /* the weights packed by the op's prepare (a pred__tensor's `packed`);
                                    NULL: run uses the weights as they are */
    pred__op_params p;
};

struct pred__graph {
    pred__tensor *tensors;
    size_t n_tensors;
    pred__node *nodes;           /* in execution order */
    size_t n_nodes;
    int *inputs;                 /* tensor numbers of the caller's inputs */
    size_t n_inputs;
    int *dim_symbols;            /* the base only: per input, PRED_MAX_DIMS numbers naming its symbolic
                                    dimensions (dims with one dim_param name share a number); -1: none */
    int *outputs;                /* tensor numbers of the graph outputs */
    size_t n_outputs;
    int64_t opset;               /* version of the default ("ai.onnx") operator set */
    size_t max_scratch;          /* largest node scratch, in floats */
    float *packed_block;         /* the base only: every tensor's packed weights, one aligned block */
    size_t packed_size;          /* floats of packed_block (summed by the sizing pass of prepare) */
    size_t packed_used;          /* floats of packed_block handed out */
};

/* The state a run function computes with: shapes and buffers of every
 * tensor, the scratch memory of the node (one block per thread) and the
 * session's thread pool. */
struct pred__exec {
    const pred__tensor *tensors;
    float *const *bufs;
    float *scratch;              /* the node's scratch (n->scratch floats) of worker 0, the calling thread */
    size_t scratch_stride;       /* floats from one worker's scratch to the next (64-byte aligned) */
    int threads;                 /* threads the session may run on (1 at load, when folding) */
    pred__threadpool **pool;     /* the session's workers, started by the first pred__parallel_for that
                                    splits: a model whose nodes are all too small never starts them */
};

/* The scratch memory of worker `worker` (a task's last argument): n->scratch floats. */
#define PRED__SCRATCH(x, worker) ((x)->scratch + (size_t)(worker) * (x)->scratch_stride)

/* Runs task(ctx, begin, end, worker) over contiguous ranges covering
 * [0, n_tasks) on the session's threads and returns when all are done (see
 * pred__pool_run in threads.h): inline on the caller, as task(ctx, 0,
 * n_tasks, 0), without a pool. Tasks must write disjoint outputs, each with
 * the arithmetic of the one-thread loop, so results are the same bits for
 * every thread count: split outputs (rows, channels, tiles, batch), never a
 * sum. A task uses PRED__SCRATCH(x, worker), never x->scratch. */
static void pred__parallel_for(const pred__exec *x, size_t n_tasks, pred__task_fn task, void *ctx);
/* Threads pred__parallel_for runs on (1: no pool). */
static int pred__exec_threads(const pred__exec *x);

/* Elementwise work below these many elements runs inline on the calling
 * thread: waking workers costs some microseconds, as much as computing this
 * many elements of a light function (an add, a compare: memory bound) or of
 * a heavy one (an exp, a tanh, a pow: tens of operations each). */
#define PRED__PAR_MIN_LIGHT ((size_t)65536)
#define PRED__PAR_MIN_HEAVY ((size_t)16384)
/* A convolution or product of fewer multiply-adds than this runs on the calling thread: a second
 * thread saves less than waking it costs. AMD Zen 3, 2 threads, sums of per-node minima with the
 * bound at 16K, 128K, 256K and 1M: ResNet (64 x 64) 77.6, 70.2, 68.8, 68.3 us; U-Net 198, 199, 208,
 * 251; MobileNet 70, 72, 78, 78; ShuffleNet 21, 22, 26, 26 (tests/models/exported). */
#define PRED__PAR_MIN_MACS ((size_t)131072)
/* Whether `elements` of light or heavy (nonzero) elementwise work are worth splitting between threads. */
static int pred__parallel_worth(const pred__exec *x, size_t elements, int heavy);
/* Whether a convolution or product of `macs` multiply-adds is split between x's threads. */
static int pred__parallel_worth_macs(const pred__exec *x, size_t macs);
/* task(ctx, begin, end, worker) over element ranges covering [0, count):
 * split between threads in blocks of 1024 elements when worth it
 * (pred__parallel_worth), else one call on the calling thread. */
static void pred__parallel_elements(const pred__exec *x, size_t count, int heavy, pred__task_fn task, void *ctx);

/* Builds the graph of a parsed model: tensors, operators, topological
 * order, attributes and shapes. Decoded constant data is moved out of m
 * into the graph. On failure *g is left empty. */
static pred_status pred__graph_build(pred__graph *g, pred__onnx_model *m);
static void pred__graph_free(pred__graph *g);
/* Re-runs shape inference over all nodes (after input shapes changed). */
static pred_status pred__graph_infer(pred__graph *g);

/* "operator 'Conv' (node 'conv1')" prefixed to a message. */
static pred_status pred__node_errorf(const pred__node *n, pred_status status, const char *fmt, ...) PRED__PRINTF(3, 4);

/* Shorthands for op functions. */
static const pred__shape *pred__in_shape(const pred__graph *g, const pred__node *n, int i);
static pred__tensor *pred__in_tensor(const pred__graph *g, const pred__node *n, int i);
/* For an op's prepare: n->packed = the constant weights of input `input` packed by pack() into
 * `floats` floats, kept on the tensor so that every node reading them in the same layout (an op's
 * own code for its packing) shares one copy. A tensor has one packed layout: a node wanting
 * another keeps n->packed NULL and runs on the weights as they are. `reads_raw`: the node may
 * still read them as they are (a kernel of some level that takes them unpacked), so they stay.
 * While g->packed_block is NULL (the sizing pass of pred__model_prepare), it packs nothing: the
 * tensor's first reader adds `floats` to g->packed_size. */
static pred_status pred__pack_weights(pred__graph *g, pred__node *n, int input, int64_t layout, size_t floats,
                                      int reads_raw,
                                      void (*pack)(float *dst, const pred__node *n, const pred__tensor *w));
/* Sets the shape of output i; refuses empty or too large tensors. */
static pred_status pred__set_out_shape(pred__graph *g, const pred__node *n, int i, const pred__shape *s);
/* The same for an output of element type dtype (PRED__DT_*). */
static pred_status pred__set_out(pred__graph *g, const pred__node *n, int i, const pred__shape *s, int32_t dtype);
/* Bytes per element of a tensor's data: float for FLOAT, int64_t for the
 * integer types (INT32 data is widened). A buffer in pred__exec points to
 * data of its tensor's type: read integers with PRED__IN_I64. */
static size_t pred__elem_size(int32_t dtype);

#define PRED__IN(x, n, i) ((const float *)(x)->bufs[(n)->in[i]])
#define PRED__OUT(x, n, i) ((x)->bufs[(n)->out[i]])
#define PRED__IN_I64(x, n, i) ((const int64_t *)(const void *)(x)->bufs[(n)->in[i]])
#define PRED__OUT_I64(x, n, i) ((int64_t *)(void *)(x)->bufs[(n)->out[i]])
#define PRED__IN_TYPE(x, n, i) ((x)->tensors[(n)->in[i]].dtype)
#define PRED__IN_SHAPE(x, n, i) (&(x)->tensors[(n)->in[i]].shape)
#define PRED__OUT_SHAPE(x, n, i) (&(x)->tensors[(n)->out[i]].shape)

#endif /* PRED_GRAPH_H */
