/* pred_image_preprocess from C, driven by test_image.py, which compares what it
 * writes with NumPy and onnxruntime and builds it with and without sanitizers.
 *
 *   image_test IN.rgb WIDTH HEIGHT OUT_W OUT_H RESAMPLE PADDING MR MG MB SR SG SB OUT.f32
 *       preprocess the RGB bytes of IN.rgb; write the floats (native order) to OUT.f32
 *   image_test --errors
 *       the refusals: print "status message" per case, one a line
 *
 * Exit status 0 on success, 1 when a call fails (its status and message on stdout). */
#include "predict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *what, pred_status st) {
    printf("%s: %s %s\n", what, pred_status_name(st), pred_last_error());
}

static int errors(void) {
    static uint8_t one[3] = {1, 2, 3};
    float out[3 * 4 * 4];
    pred_image_options o = pred_image_options_default();
    report("check 0x0", pred_image_check_size(0, 0));
    report("check 20000x20000", pred_image_check_size(20000, 20000));
    report("check 16385x1", pred_image_check_size(16385, 1));
    report("check 16384x4097", pred_image_check_size(16384, 4097));
    report("check 16384x4096", pred_image_check_size(16384, 4096));
    printf("tensor_size 20000x20000: %lu\n", (unsigned long)pred_image_tensor_size(20000, 20000));
    printf("tensor_size 224x224: %lu\n", (unsigned long)pred_image_tensor_size(224, 224));
    /* a huge photo is refused on its size: the (absent) pixels are never read */
    report("preprocess 20000x20000", pred_image_preprocess(NULL, (size_t)3 * 20000 * 20000, 20000, 20000,
                                                           4, 4, NULL, out, 48));
    report("preprocess 0x0", pred_image_preprocess(NULL, 0, 0, 0, 4, 4, NULL, out, 48));
    report("preprocess short", pred_image_preprocess(one, 2, 1, 1, 4, 4, NULL, out, 48));
    report("preprocess null pixels", pred_image_preprocess(NULL, 3, 1, 1, 4, 4, NULL, out, 48));
    report("preprocess out 0x4", pred_image_preprocess(one, 3, 1, 1, 0, 4, NULL, out, 0));
    report("preprocess data count", pred_image_preprocess(one, 3, 1, 1, 4, 4, NULL, out, 47));
    report("preprocess null data", pred_image_preprocess(one, 3, 1, 1, 4, 4, NULL, NULL, 48));
    o.std_g = 0.0f;
    report("preprocess std 0", pred_image_preprocess(one, 3, 1, 1, 4, 4, &o, out, 48));
    o = pred_image_options_default();
    o.crop_padding = -1.0f;
    report("preprocess padding -1", pred_image_preprocess(one, 3, 1, 1, 4, 4, &o, out, 48));
    o = pred_image_options_default();
    o.resample = (pred_resample)7;
    report("preprocess resample 7", pred_image_preprocess(one, 3, 1, 1, 4, 4, &o, out, 48));
    report("preprocess 1x1 ok", pred_image_preprocess(one, 3, 1, 1, 4, 4, NULL, out, 48));
    report("set_input_image null", pred_session_set_input_image(NULL, 0, 0, one, 3, 1, 1, NULL));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--errors") == 0) return errors();
    if (argc != 15) {
        fprintf(stderr, "usage: image_test IN.rgb W H OUT_W OUT_H RESAMPLE PADDING MR MG MB SR SG SB OUT.f32\n");
        return 2;
    }
    size_t w = strtoul(argv[2], NULL, 10), h = strtoul(argv[3], NULL, 10);
    size_t ow = strtoul(argv[4], NULL, 10), oh = strtoul(argv[5], NULL, 10);
    pred_image_options o;
    o.resample = (pred_resample)atoi(argv[6]);
    o.crop_padding = strtof(argv[7], NULL);
    o.mean_r = strtof(argv[8], NULL), o.mean_g = strtof(argv[9], NULL), o.mean_b = strtof(argv[10], NULL);
    o.std_r = strtof(argv[11], NULL), o.std_g = strtof(argv[12], NULL), o.std_b = strtof(argv[13], NULL);
    size_t count = 3 * w * h, n = pred_image_tensor_size(ow, oh);
    uint8_t *pixels = malloc(count ? count : 1);
    float *out = malloc((n ? n : 1) * sizeof *out);
    FILE *f = fopen(argv[1], "rb");
    if (!pixels || !out || !f || fread(pixels, 1, count, f) != count) {
        fprintf(stderr, "image_test: cannot read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    pred_status st = pred_image_preprocess(pixels, count, w, h, ow, oh, &o, out, n);
    if (st != PRED_OK) {
        report("preprocess", st);
        return 1;
    }
    f = fopen(argv[14], "wb");
    if (!f || fwrite(out, sizeof *out, n, f) != n || fclose(f) != 0) return 2;
    free(pixels);
    free(out);
    return 0;
}
