/*
 * image.c: photos to model inputs (pred_image_*, pred_session_set_input_image).
 *
 * One pass over the output: for each output pixel, the taps of the crop it
 * samples (2x2 bilinear or 4x4 bicubic, edges repeated) are weighed in
 * double, normalised and written to the pixel's place in each of the three
 * planes. Nothing is allocated, so the only limit on the photo is the one
 * the header documents (PRED_IMAGE_MAX_SIDE, PRED_IMAGE_MAX_PIXELS), which
 * keeps every index and product well inside size_t and double's exact range.
 */
#include <math.h>
#include "predict.h"
#include "common.h"
#include "session.h"

/* Options a crop_padding may not exceed (a crop of a few pixels at most). */
#define PRED__IMAGE_MAX_PADDING 1e6f

pred_image_options pred_image_options_default(void) {
    pred_image_options o;
    o.crop_padding = 32.0f;
    o.resample = PRED_RESAMPLE_BICUBIC;
    o.mean_r = o.mean_g = o.mean_b = 127.0f;
    o.std_r = o.std_g = o.std_b = 128.0f;
    return o;
}

/* Sets "fn: <what> is WxH..." and returns PRED_ERR_ARGUMENT for a size outside the limits. */
static pred_status pred__image_size_ok(const char *fn, const char *what, size_t width, size_t height) {
    if (width == 0 || height == 0)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "%s is %lux%lu pixels: an image has at least one pixel",
                              what, (unsigned long)width, (unsigned long)height);
    if (width > PRED_IMAGE_MAX_SIDE || height > PRED_IMAGE_MAX_SIDE ||
        (uint64_t)width * height > PRED_IMAGE_MAX_PIXELS)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT,
                              "%s is %lux%lu pixels, larger than the limit of %d pixels a side and %d in all "
                              "(PRED_IMAGE_MAX_SIDE, PRED_IMAGE_MAX_PIXELS)",
                              what, (unsigned long)width, (unsigned long)height, PRED_IMAGE_MAX_SIDE,
                              PRED_IMAGE_MAX_PIXELS);
    return PRED_OK;
}

pred_status pred_image_check_size(size_t width, size_t height) {
    return pred__image_size_ok("pred_image_check_size", "the image", width, height);
}

size_t pred_image_tensor_size(size_t width, size_t height) {
    if (width == 0 || height == 0 || width > PRED_IMAGE_MAX_SIDE || height > PRED_IMAGE_MAX_SIDE ||
        (uint64_t)width * height > PRED_IMAGE_MAX_PIXELS)
        return 0;
    return 3 * width * height;
}

static int pred__image_positive(float v) {
    return v > 0.0f && v <= 3.0e38f;   /* false for NaN and infinities too */
}

static int pred__image_finite(float v) {
    return v >= -3.0e38f && v <= 3.0e38f;
}

/* Checks the options (NULL: the defaults) into *o. */
static pred_status pred__image_options(const char *fn, const pred_image_options *options, pred_image_options *o) {
    *o = options ? *options : pred_image_options_default();
    if (!(o->crop_padding >= 0.0f && o->crop_padding <= PRED__IMAGE_MAX_PADDING))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "options.crop_padding is %g; it must be 0 to 1e6",
                              (double)o->crop_padding);
    if (o->resample != PRED_RESAMPLE_BILINEAR && o->resample != PRED_RESAMPLE_BICUBIC)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "options.resample is %d, not a pred_resample",
                              (int)o->resample);
    if (!pred__image_finite(o->mean_r) || !pred__image_finite(o->mean_g) || !pred__image_finite(o->mean_b))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "options.mean_r, mean_g and mean_b must be finite");
    if (!pred__image_positive(o->std_r) || !pred__image_positive(o->std_g) || !pred__image_positive(o->std_b))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "options.std_r, std_g and std_b must be positive and finite");
    return PRED_OK;
}

/* Side of the crop along an axis of the model input of size `out`, where the
 * axis of size `bound` (the photo's side `len`) decides the scale:
 * floor(out / (bound + padding) * len), computed in float as TensorFlow does
 * (its image_size / (image_size + CROP_PADDING) is a Python double, cast to
 * float32 to multiply the float32 shorter side), at least 1. */
static size_t pred__image_crop_side(size_t out, size_t bound, float padding, size_t len) {
    float fraction = (float)((double)out / ((double)bound + (double)padding));
    float side = fraction * (float)len;
    return side < 1.0f ? 1 : (size_t)side;
}

/* Keys' cubic convolution kernel, a = -0.5. */
static double pred__image_cubic(double d) {
    const double a = -0.5;
    d = fabs(d);
    if (d <= 1.0) return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0;
    if (d < 2.0) return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a;
    return 0.0;
}

/* The taps of output coordinate o along an axis: n (2 or 4) indices into
 * [first, first + len) of the photo, edges repeated, and their weights. */
static int pred__image_taps(size_t o, size_t out, size_t first, size_t len, pred_resample resample,
                            size_t *index, double *weight) {
    double x = ((double)o + 0.5) * ((double)len / (double)out) - 0.5;
    double f = floor(x);
    long x0 = (long)f;
    int k, n = resample == PRED_RESAMPLE_BICUBIC ? 4 : 2;
    long start = resample == PRED_RESAMPLE_BICUBIC ? x0 - 1 : x0;
    for (k = 0; k < n; k++) {
        long i = start + k;
        double d = x - (double)i;
        weight[k] = resample == PRED_RESAMPLE_BICUBIC ? pred__image_cubic(d) : 1.0 - fabs(d);
        if (i < 0) i = 0;
        if (i > (long)len - 1) i = (long)len - 1;
        index[k] = first + (size_t)i;
    }
    return n;
}

/* pred_image_preprocess once its arguments are checked: data holds 3 planes of out_h x out_w. */
static void pred__image_run(const uint8_t *pixels, size_t width, size_t height, size_t out_w, size_t out_h,
                            const pred_image_options *o, float *data) {
    size_t crop_w, crop_h, top, left, plane = out_w * out_h, x, y;
    double mean[3], std[3], pad = o->crop_padding;
    /* the photo, scaled to cover (out_h + pad) x (out_w + pad): the axis that just covers it decides */
    if ((double)height * ((double)out_w + pad) <= (double)width * ((double)out_h + pad)) {
        crop_h = pred__image_crop_side(out_h, out_h, o->crop_padding, height);
        crop_w = pred__image_crop_side(out_w, out_h, o->crop_padding, height);
    } else {
        crop_h = pred__image_crop_side(out_h, out_w, o->crop_padding, width);
        crop_w = pred__image_crop_side(out_w, out_w, o->crop_padding, width);
    }
    if (crop_w > width) crop_w = width;
    if (crop_h > height) crop_h = height;
    top = (height - crop_h + 1) / 2;
    left = (width - crop_w + 1) / 2;
    mean[0] = o->mean_r, mean[1] = o->mean_g, mean[2] = o->mean_b;
    std[0] = o->std_r, std[1] = o->std_g, std[2] = o->std_b;
    for (y = 0; y < out_h; y++) {
        size_t yi[4];
        double yw[4];
        int ny = pred__image_taps(y, out_h, top, crop_h, o->resample, yi, yw);
        for (x = 0; x < out_w; x++) {
            size_t xi[4];
            double xw[4], acc[3] = {0.0, 0.0, 0.0};
            int nx = pred__image_taps(x, out_w, left, crop_w, o->resample, xi, xw), i, j, c;
            for (i = 0; i < ny; i++) {
                const uint8_t *row = pixels + yi[i] * width * 3;
                double r = 0.0, g = 0.0, b = 0.0;
                for (j = 0; j < nx; j++) {
                    const uint8_t *p = row + xi[j] * 3;
                    r += xw[j] * p[0];
                    g += xw[j] * p[1];
                    b += xw[j] * p[2];
                }
                acc[0] += yw[i] * r;
                acc[1] += yw[i] * g;
                acc[2] += yw[i] * b;
            }
            for (c = 0; c < 3; c++)
                data[c * plane + y * out_w + x] = (float)((acc[c] - mean[c]) / std[c]);
        }
    }
}

/* Checks the photo and options shared by both entry points. */
static pred_status pred__image_check(const char *fn, const uint8_t *pixels, size_t count, size_t width,
                                     size_t height, const pred_image_options *options, pred_image_options *o) {
    pred_status st = pred__image_size_ok(fn, "the image", width, height);
    if (st != PRED_OK) return st;
    if (count != 3 * width * height)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "pixels has %lu bytes; an RGB image of %lux%lu has %lu",
                              (unsigned long)count, (unsigned long)width, (unsigned long)height,
                              (unsigned long)(3 * width * height));
    if (!pixels) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "pixels is NULL");
    return pred__image_options(fn, options, o);
}

pred_status pred_image_preprocess(const uint8_t *pixels, size_t count, size_t width, size_t height,
                                  size_t out_width, size_t out_height, const pred_image_options *options,
                                  float *data, size_t data_count) {
    static const char fn[] = "pred_image_preprocess";
    pred_image_options o;
    pred_status st = pred__image_check(fn, pixels, count, width, height, options, &o);
    if (st != PRED_OK) return st;
    if ((st = pred__image_size_ok(fn, "the output", out_width, out_height)) != PRED_OK) return st;
    if (data_count != 3 * out_width * out_height)
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "data has %lu elements; 3x%lux%lu are needed",
                              (unsigned long)data_count, (unsigned long)out_height, (unsigned long)out_width);
    if (!data) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "data is NULL");
    pred__image_run(pixels, width, height, out_width, out_height, &o, data);
    return PRED_OK;
}

pred_status pred_session_set_input_image(pred_session *session, size_t index, size_t batch,
                                         const uint8_t *pixels, size_t count, size_t width, size_t height,
                                         const pred_image_options *options) {
    static const char fn[] = "pred_session_set_input_image";
    const pred__tensor *t;
    pred_image_options o;
    char shape[PRED__SHAPE_STR_SIZE], buf[64];
    size_t out_w, out_h;
    pred_status st;
    if (!session) return pred__api_fail(fn, PRED_ERR_ARGUMENT, "session is NULL");
    if (pred__model_is_released(session->model))
        return pred__api_fail(fn, PRED_ERR_STATE, "the model of this session was freed");
    if (!(t = pred__session_io(session, 0, index)))
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "index %lu is out of range (the model has %s)",
                              (unsigned long)index, pred__plural(session->graph->n_inputs, "input", buf, sizeof buf));
    if (t->shape.ndim != 4 || t->shape.d[1] != 3 || (t->flags & PRED__TF_SHAPE_INPUT))
        return pred__api_fail(fn, PRED_ERR_SHAPE, "input '%s' has shape %s, not an image's [N, 3, H, W]", t->name,
                              pred__shape_str(&t->shape, shape, sizeof shape));
    if (batch >= (uint64_t)t->shape.d[0])
        return pred__api_fail(fn, PRED_ERR_ARGUMENT, "batch %lu is out of range (input '%s' has shape %s)",
                              (unsigned long)batch, t->name, pred__shape_str(&t->shape, shape, sizeof shape));
    if ((st = pred__image_check(fn, pixels, count, width, height, options, &o)) != PRED_OK) return st;
    out_h = (size_t)t->shape.d[2];
    out_w = (size_t)t->shape.d[3];
    if ((st = pred__image_size_ok(fn, "the input's image", out_w, out_h)) != PRED_OK) return st;
    pred__image_run(pixels, width, height, out_w, out_h, &o,
                    session->bufs[session->graph->inputs[index]] + batch * 3 * out_w * out_h);
    return PRED_OK;
}
