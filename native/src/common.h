/*
 * common.h: what every part of the engine shares.
 *
 * Allocation macros (overridable, stb style), the thread-local error message,
 * checked size arithmetic, tensor shapes and growable arrays.
 * Everything here is static: the engine is compiled as one translation unit.
 */
#ifndef PRED_COMMON_H
#define PRED_COMMON_H

#include "platform.h"
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "predict.h"

/* Memory: define all three of PRED_MALLOC, PRED_REALLOC and PRED_FREE before
 * compiling predict.c to route every allocation to your own allocator. */
#if defined(PRED_MALLOC) && defined(PRED_REALLOC) && defined(PRED_FREE)
/* the user's allocator */
#elif !defined(PRED_MALLOC) && !defined(PRED_REALLOC) && !defined(PRED_FREE)
#define PRED_MALLOC(size) malloc(size)
#define PRED_REALLOC(ptr, size) realloc(ptr, size)
#define PRED_FREE(ptr) free(ptr)
#else
#error "define all of PRED_MALLOC, PRED_REALLOC and PRED_FREE, or none"
#endif

/* The largest number of elements one tensor (or one scratch buffer) may have.
 * Models that need more are refused at load (PRED_ERR_SHAPE). Keeping it below
 * 2^31 lets kernels index with plain 64-bit arithmetic without overflow. */
#ifndef PRED_MAX_ELEMENTS
#define PRED_MAX_ELEMENTS ((uint64_t)INT32_MAX)
#endif

/* The most memory loading a model file of n bytes may allocate. Decoded data
 * is at most 8 times the file (int8 widened to int64) and a real model's
 * structures take a few times more; a small hostile file (millions of empty
 * nodes or attributes) must not take gigabytes. Loads that need more fail
 * with PRED_ERR_MODEL. */
#ifndef PRED_LOAD_BUDGET
#define PRED_LOAD_BUDGET(n) ((uint64_t)256 * 1024 * 1024 + (uint64_t)(n) * 32)
#endif

/* Thread-local storage for the error message and the load budget. */
#ifndef PRED_THREAD_LOCAL
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#define PRED_THREAD_LOCAL _Thread_local
#elif defined(_MSC_VER)
#define PRED_THREAD_LOCAL __declspec(thread)
#elif defined(__GNUC__)
#define PRED_THREAD_LOCAL __thread
#else
#define PRED_THREAD_LOCAL /* no thread-local storage: one message for all threads */
#endif
#endif

/* Results must not depend on the compiler's choice to fuse a*b+c into one
 * rounding (FMA), so that every build of the same source gives the same bits
 * (a -ffp-contract=fast on the command line still wins). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__GNUC__)
#define PRED__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRED__PRINTF(fmt, args)
#endif

/* ---- errors ---------------------------------------------------------------
 * Internal functions report failure by returning a pred_status after setting
 * the message with pred__errorf(). The public function that called them then
 * prefixes the message with its own name (pred__error_prefix). */

static pred_status pred__errorf(pred_status status, const char *fmt, ...) PRED__PRINTF(2, 3);
static pred_status pred__error_prefix(pred_status status, const char *function);
static pred_status pred__oom(void);
static const char *pred__error_get(void);

/* ---- sizes ----------------------------------------------------------------*/

/* *out = a * b; returns 0 on overflow of size_t. */
static int pred__mul_size(size_t a, size_t b, size_t *out);
/* *out = a + b; returns 0 on overflow of size_t. */
static int pred__add_size(size_t a, size_t b, size_t *out);

/* ---- shapes ---------------------------------------------------------------*/

typedef struct pred__shape {
    size_t ndim;
    int64_t d[PRED_MAX_DIMS];
} pred__shape;

/* Number of elements; 0 if a dimension is negative or the product exceeds
 * PRED_MAX_ELEMENTS (callers refuse such shapes). A rank-0 shape has 1. */
static uint64_t pred__shape_count(const pred__shape *s);
/* Product of dims [from, to). */
static uint64_t pred__shape_range(const pred__shape *s, size_t from, size_t to);
static int pred__shape_equal(const pred__shape *a, const pred__shape *b);
/* Writes "[1,3,224,224]" into buf (truncated to size); returns buf. */
static char *pred__shape_str(const pred__shape *s, char *buf, size_t size);
#define PRED__SHAPE_STR_SIZE (PRED_MAX_DIMS * 21 + 3)

/* ---- memory ---------------------------------------------------------------*/

/* Zeroed allocation of n * size bytes (at least 1 byte); NULL on failure or overflow. */
static void *pred__calloc(size_t n, size_t size);
/* The same, not zeroed: for memory the caller writes whole at once (weights as they are decoded
 * or packed), where zeroing would touch every page an extra time. */
static void *pred__malloc_n(size_t n, size_t size);
/* Makes room for `need` elements of `size` bytes in the array `ptr` of
 * capacity *cap, growing geometrically. Returns the (possibly moved) array,
 * or NULL on failure, in which case `ptr` is still valid and unchanged. */
static void *pred__grow(void *ptr, size_t *cap, size_t need, size_t size);
/* n * size bytes at an address that is a multiple of PRED__ALIGN (vector loads, cache
 * lines), zeroed if `zeroed`; NULL on failure or overflow. Free with pred__aligned_free (NULL is
 * fine). */
#define PRED__ALIGN 64
static void *pred__aligned_alloc(size_t n, size_t size, int zeroed);
static void pred__aligned_free(void *p);
/* count rounded up to whole PRED__ALIGN blocks of floats: the offset of the next aligned array
 * placed after `count` floats in an aligned block. */
#define PRED__ALIGN_FLOATS (PRED__ALIGN / sizeof(float))
static size_t pred__aligned_floats(size_t count);
/* Copy of len bytes as a NUL-terminated string; NULL on failure. */
static char *pred__strndup(const char *s, size_t len);
static char *pred__strdup(const char *s);
/* While a budget is set (on this thread), the three functions above count
 * the bytes they allocate and fail once `limit` is spent; pred__oom then
 * reports the budget. */
static void pred__budget_begin(uint64_t limit);
/* Raises the budget being counted (data the model keeps in other files). */
static void pred__budget_extend(uint64_t bytes);
static void pred__budget_end(void);

/* ---- text -----------------------------------------------------------------*/

/* 1 if s[0..len) is valid UTF-8 without NUL bytes. */
static int pred__utf8_valid(const char *s, size_t len);

#endif /* PRED_COMMON_H */
