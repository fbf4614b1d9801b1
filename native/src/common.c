/*
 * common.c: error messages, checked arithmetic, shapes, small allocations.
 */
#include <stdio.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "common.h"

/* Linux (5.14 and later) maps a range's pages in one call when asked (madvise); older kernels refuse. */
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
#define PRED__HAVE_POPULATE 1
#else
#define PRED__HAVE_POPULATE 0
#endif

/* ---- errors ---------------------------------------------------------------*/

#define PRED__ERROR_SIZE 1024

static PRED_THREAD_LOCAL char pred__error_text[PRED__ERROR_SIZE];

/* Replaces control characters and invalid UTF-8 with '?', so that every
 * binding can turn the message into a string of its language. */
static void pred__sanitize(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = 0, i;
        if (c < 0x20 || c == 0x7f) {
            *p++ = '?';
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) n = 1;
        else if (c >= 0xe0 && c <= 0xef) n = 2;
        else if (c >= 0xf0 && c <= 0xf4) n = 3;
        for (i = 1; n && i <= n; i++)
            if ((p[i] & 0xc0) != 0x80) n = 0;
        if (n && pred__utf8_valid((const char *)p, n + 1)) {
            p += n + 1;
        } else {
            *p++ = '?';
        }
    }
}

static pred_status pred__errorf(pred_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pred__error_text, sizeof pred__error_text, fmt, ap);
    va_end(ap);
    pred__sanitize(pred__error_text);
    return status;
}

static pred_status pred__error_prefix(pred_status status, const char *function) {
    char *text = pred__error_text;
    size_t fl = strlen(function), tl = strlen(text);
    if (fl + 3 > sizeof pred__error_text) return status;
    if (fl + 2 + tl >= sizeof pred__error_text) tl = sizeof pred__error_text - 1 - fl - 2;
    memmove(text + fl + 2, text, tl);
    memcpy(text, function, fl);
    text[fl] = ':';
    text[fl + 1] = ' ';
    text[fl + 2 + tl] = '\0';
    pred__sanitize(text);
    return status;
}

/* See pred__budget_begin. */
static PRED_THREAD_LOCAL uint64_t pred__budget_left;
static PRED_THREAD_LOCAL uint64_t pred__budget_limit;
static PRED_THREAD_LOCAL int pred__budget_state; /* 0 none, 1 counting, 2 exceeded */

static pred_status pred__oom(void) {
    if (pred__budget_state == 2)
        return pred__errorf(PRED_ERR_MODEL, "loading the model would take more than %llu MiB, the limit for its file "
                            "size (PRED_LOAD_BUDGET)", (unsigned long long)(pred__budget_limit >> 20));
    return pred__errorf(PRED_ERR_MEMORY, "out of memory");
}

static const char *pred__error_get(void) {
    return pred__error_text;
}

/* ---- sizes ----------------------------------------------------------------*/

static int pred__mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

static int pred__add_size(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* ---- shapes ---------------------------------------------------------------*/

static uint64_t pred__shape_range(const pred__shape *s, size_t from, size_t to) {
    uint64_t n = 1;
    size_t i;
    for (i = from; i < to && i < s->ndim; i++) {
        int64_t d = s->d[i];
        if (d < 0) return 0;
        if (d == 0) n = 0;
        else if ((uint64_t)d > PRED_MAX_ELEMENTS || n > PRED_MAX_ELEMENTS / (uint64_t)d) return 0;
        else n *= (uint64_t)d;
    }
    return n;
}

static uint64_t pred__shape_count(const pred__shape *s) {
    return pred__shape_range(s, 0, s->ndim);
}

static int pred__shape_equal(const pred__shape *a, const pred__shape *b) {
    size_t i;
    if (a->ndim != b->ndim) return 0;
    for (i = 0; i < a->ndim; i++)
        if (a->d[i] != b->d[i]) return 0;
    return 1;
}

static char *pred__shape_str(const pred__shape *s, char *buf, size_t size) {
    size_t i, used = 0;
    if (size == 0) return buf;
    buf[0] = '\0';
    for (i = 0; i <= s->ndim && used < size; i++) {
        int n;
        if (i == s->ndim)
            n = snprintf(buf + used, size - used, "]");
        else
            n = snprintf(buf + used, size - used, "%s%lld", i ? "," : "[", (long long)s->d[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
    if (s->ndim == 0 && size >= 3) memcpy(buf, "[]", 3);
    return buf;
}

/* ---- memory ---------------------------------------------------------------*/

static void pred__budget_begin(uint64_t limit) {
    pred__budget_left = pred__budget_limit = limit;
    pred__budget_state = 1;
}

static void pred__budget_extend(uint64_t bytes) {
    if (pred__budget_state != 1) return;
    pred__budget_left = bytes > UINT64_MAX - pred__budget_left ? UINT64_MAX : pred__budget_left + bytes;
    pred__budget_limit = bytes > UINT64_MAX - pred__budget_limit ? UINT64_MAX : pred__budget_limit + bytes;
}

static void pred__budget_end(void) {
    pred__budget_state = 0;
}

/* 1 if `bytes` more fit the budget (always, without one). */
static int pred__budget_take(size_t bytes) {
    if (pred__budget_state == 0) return 1;
    if (pred__budget_state == 2 || bytes > pred__budget_left) {
        pred__budget_state = 2;
        return 0;
    }
    pred__budget_left -= bytes;
    return 1;
}

static void *pred__malloc_n(size_t n, size_t size) {
    size_t bytes;
    if (!pred__mul_size(n, size, &bytes)) return NULL;
    if (bytes == 0) bytes = 1;
    if (!pred__budget_take(bytes)) return NULL;
    return PRED_MALLOC(bytes);
}

static void *pred__calloc(size_t n, size_t size) {
    void *p = pred__malloc_n(n, size);
    size_t bytes = n * size; /* no overflow once pred__malloc_n succeeded */
    if (p) memset(p, 0, bytes ? bytes : 1);
    return p;
}

/* Blocks of PRED__POPULATE_MIN bytes or more (packed weights, arenas) are written whole soon
 * after: their pages are mapped in one call, not one page fault each (Lite0's 18 MB of packed
 * weights: 13 ms -> 11 ms of its load on AMD Zen 3, Linux 6.18). They also start at a huge page's
 * boundary and ask for huge pages (transparent huge pages in "madvise" mode, as Debian ships them):
 * the kernels stream these blocks, and 2 MiB pages spare them TLB misses (Lite0 at 1 thread, AMD
 * Zen 4, sum of per-node minima in 6 processes each: 9.92-10.17 ms with 4 KiB pages, 9.70-9.75 with
 * huge pages; its Gemm 241-324 -> 205-216 us), and its load 26-32 ms -> 23-28 ms. A
 * fresh VM is the exception: there the host backs each 2 MiB of guest memory touched for the first
 * time in milliseconds, and until the guest has used its memory once such loads took 42-71 ms. */
#define PRED__POPULATE_MIN ((size_t)4 << 20)
#define PRED__HUGE_PAGE ((size_t)2 << 20)

/* The block from PRED_MALLOC is kept just below the aligned address. */
static void *pred__aligned_alloc(size_t n, size_t size, int zeroed) {
    size_t bytes, align = PRED__ALIGN, whole;
    unsigned char *block, *p;
    if (!pred__mul_size(n, size, &bytes)) return NULL;
    if (PRED__HAVE_POPULATE && bytes >= PRED__POPULATE_MIN) align = PRED__HUGE_PAGE;
    if (!pred__add_size(bytes, align + sizeof(void *), &whole)) return NULL;
    if (!(block = (unsigned char *)pred__malloc_n(whole, 1))) return NULL;
    p = block + sizeof(void *);
    p += (align - (uintptr_t)p % align) % align;
    memcpy(p - sizeof(void *), &block, sizeof block);
#if PRED__HAVE_POPULATE
    if (align == PRED__HUGE_PAGE) { /* hints: a kernel without huge pages or the call maps 4 KiB pages */
        (void)madvise(p, bytes & ~(PRED__HUGE_PAGE - 1), MADV_HUGEPAGE);
        (void)madvise(p, bytes & ~(size_t)4095, MADV_POPULATE_WRITE);
    }
#endif
    if (zeroed) memset(p, 0, bytes ? bytes : 1);
    return p;
}

static size_t pred__aligned_floats(size_t count) {
    return (count + PRED__ALIGN_FLOATS - 1) / PRED__ALIGN_FLOATS * PRED__ALIGN_FLOATS;
}

static void pred__aligned_free(void *p) {
    void *block;
    if (!p) return;
    memcpy(&block, (unsigned char *)p - sizeof(void *), sizeof block);
    PRED_FREE(block);
}

static void *pred__grow(void *ptr, size_t *cap, size_t need, size_t size) {
    size_t n = *cap, bytes;
    void *p;
    if (need <= n && ptr) return ptr;
    if (n < 4) n = 4;
    while (n < need) {
        if (n > SIZE_MAX / 2) return NULL;
        n *= 2;
    }
    if (!pred__mul_size(n, size, &bytes)) return NULL;
    if (!pred__budget_take(bytes)) return NULL; /* the whole new size: growth doubles, so at most 2x counted */
    p = PRED_REALLOC(ptr, bytes);
    if (!p) return NULL;
    *cap = n;
    return p;
}

static char *pred__strndup(const char *s, size_t len) {
    char *p;
    if (len == SIZE_MAX || !pred__budget_take(len + 1)) return NULL;
    p = (char *)PRED_MALLOC(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static char *pred__strdup(const char *s) {
    return pred__strndup(s, strlen(s));
}

/* ---- text -----------------------------------------------------------------*/

static int pred__utf8_valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n, k;
        uint32_t cp;
        if (c == 0) return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
        else return 0;
        if (len - i <= n) return 0;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}
