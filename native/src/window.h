/*
 * window.h: the 2-D sliding window shared by Conv, MaxPool and AveragePool:
 * reading kernel_shape / strides / dilations / pads / auto_pad / ceil_mode,
 * and computing output sizes and auto_pad pads.
 */
#ifndef PRED_WINDOW_H
#define PRED_WINDOW_H

#include "common.h"
#include "graph.h"

/* Reads the window attributes into *w. Without kernel_shape the kernel is
 * left 0 (Conv takes it from the weights); require_kernel makes it an error. */
static pred_status pred__window_init(const pred__node *n, const pred__onnx_node *src, pred__window *w,
                                     int require_kernel, int allow_ceil, int allow_dilations);

/* Sets w->out and, with auto_pad, w->pads for an input of height h, width w. */
static pred_status pred__window_infer(const pred__node *n, pred__window *w, int64_t in_h, int64_t in_w);

/* The input of a 2-D window op: rank 4 (N, C, H, W); rank 3 or 5 (1-D, 3-D) is unsupported. */
static pred_status pred__window_check_rank(const pred__node *n, const pred__shape *x, const char *what);

#endif /* PRED_WINDOW_H */
