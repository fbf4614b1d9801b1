/**
 * predict: run trained CNN image models (ONNX) from one C file.
 *
 * An immutable pred_model is loaded once and may be shared by any number of
 * threads; each thread runs it through its own pred_session, which owns the
 * buffers of one inference at a time.
 *
 * Every call that can fail returns a pred_status; on failure it also sets a
 * thread-local message that pred_last_error() returns. No call aborts,
 * prints or exits on bad input.
 *
 * The doc comments carry annotations that bindgen turns into each
 * language's idioms (see bindgen/README.md for the annotation language).
 * This header must stay plain C: no macros inside declarations.
 */
#ifndef PREDICT_H
#define PREDICT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Library version, as MAJOR.MINOR.PATCH. */
#define PRED_VERSION "0.1.0"

/** Incremented on every incompatible change of this header; bindings compare
 *  it with pred_abi_version() when they load the library. */
#define PRED_ABI_VERSION 1

/** The most dimensions a tensor of a model can have. */
#define PRED_MAX_DIMS 8

/** Option of pred_model_load_with_options() and
 *  pred_model_load_file_with_options(): load the graph as the file
 *  gives it, without the load-time optimizations (folding BatchNormalization
 *  and Pad into Conv, fusing activations, removing Identity and the nodes
 *  constant folding computed). For comparing and inspecting graphs. */
#define PRED_LOAD_NO_OPTIMIZE 1

/**
 * Result of every call that can fail.
 *
 * @errors ok=PRED_OK closed=PRED_ERR_STATE
 */
typedef enum pred_status {
    PRED_OK = 0,              /**< Success. */
    PRED_ERR_ARGUMENT = 1,    /**< An argument is invalid: NULL, out of range, or a buffer of the wrong length. */
    PRED_ERR_MODEL = 2,       /**< The model is malformed or inconsistent. */
    PRED_ERR_UNSUPPORTED = 3, /**< The model uses an operator, attribute or type this library does not implement. */
    PRED_ERR_SHAPE = 4,       /**< Tensor shapes do not agree. */
    PRED_ERR_MEMORY = 5,      /**< Memory could not be allocated. */
    PRED_ERR_IO = 6,          /**< A file could not be read. */
    PRED_ERR_STATE = 7        /**< An object was used in the wrong state: closed, freed, or not yet run. */
} pred_status;

/**
 * A loaded model: immutable, safe to share between threads.
 *
 * @handle free=pred_model_free
 */
typedef struct pred_model pred_model;

/**
 * The buffers for running a model, one inference at a time: use one per thread.
 *
 * @handle free=pred_session_free
 */
typedef struct pred_session pred_session;

/**
 * The library version, e.g. "0.1.0".
 *
 * @return [static] The version string.
 */
const char *pred_version(void);

/**
 * The kernel level this process computes with: "avx2" (x86-64 with AVX2 and
 * FMA) or "scalar" (portable C). It is chosen once, from the CPU; the
 * environment variable PRED_ISA=scalar, read at the first run or load, forces
 * the portable level. Results are bit-identical within one level, whatever
 * the language binding, thread count or batch position; levels agree with
 * each other within the ONNX backend tolerances.
 *
 * @return [static] The level's name.
 */
const char *pred_kernel_isa(void);

/**
 * The ABI version the library was built with (PRED_ABI_VERSION of its header).
 *
 * @return The ABI version.
 */
int pred_abi_version(void);

/**
 * The message of the last failure on the calling thread.
 *
 * @return [static] The message; "" when no call has failed on this thread.
 *         Valid until the next failing call on the same thread.
 */
const char *pred_last_error(void);

/**
 * The name of a status code, e.g. "PRED_ERR_SHAPE".
 *
 * @param status The status.
 * @return [static] The name; "PRED_UNKNOWN" for a value that is not a status.
 */
const char *pred_status_name(pred_status status);

/**
 * Number of ONNX operators (of the default domain, ai.onnx) the library
 * implements. A model using any other operator is refused at load with
 * PRED_ERR_UNSUPPORTED.
 *
 * @return The operator count.
 */
size_t pred_operator_count(void);

/**
 * Name of an implemented ONNX operator: its op_type, e.g. "Conv".
 *
 * @param index Index of the operator, below pred_operator_count().
 * @return [static, error_if_null=PRED_ERR_ARGUMENT] The name; NULL (and
 *         PRED_ERR_ARGUMENT) for an index out of range.
 */
const char *pred_operator_name(size_t index);

/**
 * Loads an ONNX model from memory.
 *
 * The bytes are only read during the call; the model keeps its own copy of
 * everything it needs. A model whose tensor data is kept in other files
 * ("external data", as PyTorch exports by default) must be loaded with
 * pred_model_load_file().
 *
 * @param[in] bytes [count=size] The serialized ONNX ModelProto.
 * @param size Number of bytes.
 * @param[out] out [owned] Receives the model; free it with pred_model_free().
 * @return PRED_OK; PRED_ERR_MODEL for malformed bytes; PRED_ERR_UNSUPPORTED
 *         for an operator or attribute this library does not implement.
 */
pred_status pred_model_load(const void *bytes, size_t size, pred_model **out);

/**
 * Loads an ONNX model from memory, with options.
 *
 * @param[in] bytes [count=size] The serialized ONNX ModelProto.
 * @param size Number of bytes.
 * @param options 0 or PRED_LOAD_NO_OPTIMIZE; 0 loads as pred_model_load() does.
 * @param[out] out [owned] Receives the model; free it with pred_model_free().
 * @return PRED_OK; PRED_ERR_ARGUMENT for unknown options; otherwise as
 *         pred_model_load().
 */
pred_status pred_model_load_with_options(const void *bytes, size_t size, int options, pred_model **out);

/**
 * Loads an ONNX model from a file.
 *
 * Tensor data the model keeps in other files ("external data": a location,
 * offset and length) is read during the call from the model's folder. A
 * location must name a regular file inside that folder once symbolic links
 * are resolved: one outside it (by its path or through a link), a link loop,
 * a folder, a FIFO or a device is refused with PRED_ERR_MODEL.
 *
 * @param[in] path Path of the .onnx file.
 * @param[out] out [owned] Receives the model; free it with pred_model_free().
 * @return PRED_OK; PRED_ERR_IO when the file or one of its data files cannot
 *         be read; otherwise as pred_model_load().
 */
pred_status pred_model_load_file(const char *path, pred_model **out);

/**
 * Loads an ONNX model from a file, with options.
 *
 * @param[in] path Path of the .onnx file.
 * @param options 0 or PRED_LOAD_NO_OPTIMIZE; 0 loads as pred_model_load_file() does.
 * @param[out] out [owned] Receives the model; free it with pred_model_free().
 * @return PRED_OK; PRED_ERR_ARGUMENT for unknown options; otherwise as
 *         pred_model_load_file().
 */
pred_status pred_model_load_file_with_options(const char *path, int options, pred_model **out);

/**
 * Frees a model. Sessions created from it stay valid objects (they hold a
 * reference), but running them fails with PRED_ERR_STATE. NULL is ignored.
 *
 * @param model [nullable] The model.
 */
void pred_model_free(pred_model *model);

/**
 * Number of graph inputs the caller feeds (initializers excluded).
 *
 * @param model The model.
 * @return The input count; 0 for NULL.
 */
size_t pred_model_input_count(const pred_model *model);

/**
 * Number of graph outputs.
 *
 * @param model The model.
 * @return The output count; 0 for NULL.
 */
size_t pred_model_output_count(const pred_model *model);

/**
 * Name of an input.
 *
 * @param model The model.
 * @param index Index of the input, below pred_model_input_count().
 * @return [borrowed, error_if_null=PRED_ERR_ARGUMENT] The name, valid as long as the model;
 *         NULL (and PRED_ERR_ARGUMENT) for a bad index.
 */
const char *pred_model_input_name(const pred_model *model, size_t index);

/**
 * Name of an output.
 *
 * @param model The model.
 * @param index Index of the output, below pred_model_output_count().
 * @return [borrowed, error_if_null=PRED_ERR_ARGUMENT] The name, valid as long as the model;
 *         NULL (and PRED_ERR_ARGUMENT) for a bad index.
 */
const char *pred_model_output_name(const pred_model *model, size_t index);

/**
 * Shape of an input as the model runs it: dimensions the model leaves
 * symbolic are 1.
 *
 * @param model The model.
 * @param index Index of the input.
 * @param[out] dims [count=capacity, alloc=PRED_MAX_DIMS, length=ndim] Receives the dimensions.
 * @param capacity Number of elements dims can hold.
 * @param[out] ndim Receives the number of dimensions.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a capacity below the rank.
 */
pred_status pred_model_input_shape(const pred_model *model, size_t index,
                                   int64_t *dims, size_t capacity, size_t *ndim);

/**
 * Shape of an output as the model computes it.
 *
 * @param model The model.
 * @param index Index of the output.
 * @param[out] dims [count=capacity, alloc=PRED_MAX_DIMS, length=ndim] Receives the dimensions.
 * @param capacity Number of elements dims can hold.
 * @param[out] ndim Receives the number of dimensions.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a capacity below the rank.
 */
pred_status pred_model_output_shape(const pred_model *model, size_t index,
                                    int64_t *dims, size_t capacity, size_t *ndim);

/**
 * Describes the graph the model runs, as JSON: "inputs" and "outputs" (name,
 * shape, type), "nodes" in execution order (op, name, inputs and outputs
 * with their shapes and kind: input, value, const or folded; "folded" when
 * the node was computed at load; a fused "activation"; estimated "flops")
 * and "totals" (node count, count per op, parameters, bytes of constants
 * and of intermediate values, flops).
 *
 * @param model The model.
 * @return [borrowed, error_if_null=PRED_ERR_MEMORY] The JSON text, valid as long as the
 *         model; NULL (and PRED_ERR_MEMORY) when it cannot be made.
 */
const char *pred_model_describe(const pred_model *model);

/**
 * Creates a session that runs a model. The session holds a reference to the
 * model, so the model's memory lives until both are freed.
 *
 * @param model [retained] The model.
 * @param[out] out [owned] Receives the session; free it with pred_session_free().
 * @return PRED_OK; PRED_ERR_STATE if the model was freed; PRED_ERR_MEMORY.
 */
pred_status pred_session_create(const pred_model *model, pred_session **out);

/**
 * Frees a session. NULL is ignored.
 *
 * @param session [nullable] The session.
 */
void pred_session_free(pred_session *session);

/**
 * Sets how many threads pred_session_run() uses: the calling thread and
 * threads - 1 workers, which the session owns. They start when a run first
 * has an operator large enough to split (a small model never starts them)
 * and sleep between runs (nothing spins once a run has returned); a new
 * count replaces them, and pred_session_free() joins them. Outputs are the
 * same bits for every count.
 *
 * 1 runs on the calling thread only: use it when the application
 * parallelizes on its own (one session per thread of its pool), so that
 * threads are not oversubscribed. 0, the count of a new session, is the
 * default: the CPUs this process may run on (its affinity mask on Linux and
 * Windows), at most 8, since per-operator work at batch 1 rarely gains from
 * more and a library should not take a whole server by default. Counts
 * above 64 are taken as 64. A build without threads (-DPRED_NO_THREADS, or
 * emscripten without -pthread) accepts every count and runs on one thread.
 *
 * @param session The session.
 * @param threads Thread count: 0 (the default) or more.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a negative count; PRED_ERR_MEMORY
 *         if the scratch memory of the threads cannot be allocated (the
 *         session keeps its count).
 */
pred_status pred_session_set_threads(pred_session *session, int threads);

/**
 * Fixes the shape of an input for this session, e.g. a batch of 8 where the
 * model leaves the batch symbolic, and re-plans the session: shapes are
 * inferred again and its buffers allocated anew (inputs whose shape stays
 * keep their data; the others read as zeros). The model and its other
 * sessions are not affected. Only the dimensions the model leaves symbolic
 * can change; symbolic dimensions with one name in the model (say every
 * input's "batch") are one size, so they all change together.
 *
 * @param session The session.
 * @param index Index of the input.
 * @param[in] dims [count=ndim] The dimensions, each 1 or more.
 * @param ndim Number of dimensions: the rank of the input.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or dimension;
 *         PRED_ERR_SHAPE for another rank, a change of a fixed dimension, or
 *         a shape the model cannot run; on failure the session is unchanged.
 */
pred_status pred_session_set_input_shape(pred_session *session, size_t index,
                                         const int64_t *dims, size_t ndim);

/**
 * Shape of an input as this session runs it (see pred_session_set_input_shape()).
 *
 * @param session The session.
 * @param index Index of the input.
 * @param[out] dims [count=capacity, alloc=PRED_MAX_DIMS, length=ndim] Receives the dimensions.
 * @param capacity Number of elements dims can hold.
 * @param[out] ndim Receives the number of dimensions.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a capacity below the rank.
 */
pred_status pred_session_input_shape(const pred_session *session, size_t index,
                                     int64_t *dims, size_t capacity, size_t *ndim);

/**
 * Shape of an output as this session computes it.
 *
 * @param session The session.
 * @param index Index of the output.
 * @param[out] dims [count=capacity, alloc=PRED_MAX_DIMS, length=ndim] Receives the dimensions.
 * @param capacity Number of elements dims can hold.
 * @param[out] ndim Receives the number of dimensions.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a capacity below the rank.
 */
pred_status pred_session_output_shape(const pred_session *session, size_t index,
                                      int64_t *dims, size_t capacity, size_t *ndim);

/**
 * Bytes of memory the session holds for running: one arena for every input,
 * output and intermediate tensor (tensors whose lifetimes do not overlap
 * share it) and the scratch memory of the largest node. Packed weights belong
 * to the model. A run allocates nothing.
 *
 * @param session The session.
 * @return The byte count.
 */
size_t pred_session_memory_size(const pred_session *session);

/**
 * Number of float elements of an input (the product of its shape).
 *
 * @param session The session.
 * @param index Index of the input.
 * @return The element count; 0 for a bad index.
 */
size_t pred_session_input_size(const pred_session *session, size_t index);

/**
 * Number of float elements of an output (the product of its shape).
 *
 * @param session The session.
 * @param index Index of the output.
 * @return The element count; 0 for a bad index.
 */
size_t pred_session_output_size(const pred_session *session, size_t index);

/**
 * Copies the data of an input into the session.
 *
 * A few inputs fix shapes by their values (a "shape input": Resize's scales
 * fed by the caller). The model is planned with ones in them; setting other
 * values re-plans the session as pred_session_set_input_shape() does, so
 * output shapes may change: read them with pred_session_output_shape().
 *
 * @param session The session.
 * @param index Index of the input.
 * @param[in] data [count=count] The elements, row-major, as many as pred_session_input_size().
 * @param count Number of elements in data.
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a wrong count;
 *         for a shape input, PRED_ERR_SHAPE or PRED_ERR_UNSUPPORTED when
 *         the model cannot run with those values (the session is unchanged).
 */
pred_status pred_session_set_input(pred_session *session, size_t index,
                                   const float *data, size_t count);

/**
 * Runs the model on the inputs set so far (inputs never set are zeros).
 *
 * @param session [blocking] The session.
 * @return PRED_OK; PRED_ERR_STATE if the model was freed.
 */
pred_status pred_session_run(pred_session *session);

/**
 * Copies an output of the last run out of the session.
 *
 * @param session The session.
 * @param index Index of the output.
 * @param[out] data [count=count, alloc=pred_session_output_size(session, index)] Receives the elements, row-major.
 * @param count Number of elements data can hold: exactly pred_session_output_size().
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a wrong count;
 *         PRED_ERR_STATE before the first successful run.
 */
pred_status pred_session_get_output(const pred_session *session, size_t index,
                                    float *data, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* PREDICT_H */
