/*
 * window.h: the sliding window shared by Conv, ConvTranspose and the pools:
 * reading kernel_shape / strides / dilations / pads / auto_pad / ceil_mode,
 * and computing output sizes and auto_pad pads, for 1 to 3 spatial dims.
 */
#ifndef PRED_WINDOW_H
#define PRED_WINDOW_H

#include "common.h"
#include "graph.h"

/* Reads the window attributes into *w (see pred__window in ops.h). Without
 * kernel_shape the kernel is 1 and has_kernel 0; require_kernel makes it an
 * error. */
static pred_status pred__window_init(const pred__node *n, const pred__onnx_node *src, pred__window *w,
                                     int require_kernel, int allow_ceil, int allow_dilations);

/* Checks that x is (N, C, spatial...) with as many spatial dims as the
 * attributes, and sets w->in (identity slots 1). */
static pred_status pred__window_input(const pred__node *n, pred__window *w, const pred__shape *x, const char *what);

/* Sets w->out and, with auto_pad, the pads, from w->in and the kernel. */
static pred_status pred__window_infer(const pred__node *n, pred__window *w);

/* The first spatial slot the input uses (PRED__SPATIAL - its spatial rank). */
static int pred__window_first(const pred__shape *x);

#endif /* PRED_WINDOW_H */
