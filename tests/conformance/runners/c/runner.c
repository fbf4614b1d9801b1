/*
 * runner.c: runs one conformance case through the C API (predict.h) and
 * writes what every step returned.
 *
 *     runner CASE_JSON OUT_JSON
 *
 * The protocol is described in tests/conformance/README.md. This is the C
 * "binding": what the other languages do in their wrappers is done here, in
 * the same way, so that the suite compares every language with plain C:
 *
 *   - a step on a model or session that was closed, or never made, reports
 *     PRED_ERR_STATE with "pred_model used after it was closed" (or
 *     pred_session), as every binding's closed handle does;
 *   - a value C cannot receive exactly (a negative index, an index past
 *     SIZE_MAX, a dimension outside int64_t, a path with a NUL character) is
 *     refused before C is called: ARGUMENT_REFUSED;
 *   - a model or session replaced by a later load or create_session is not
 *     freed (the garbage collector of the other languages would free it only
 *     once unreachable, and a session keeps its model reachable): all are
 *     freed at the end.
 *
 * It holds its own small, strict JSON reader and writer (RFC 8259: UTF-8,
 * no duplicate keys, nothing after the value), so it needs nothing but
 * libc and the single file. Input files are little-endian float32 and the
 * output's hex is little-endian whatever the host's byte order: the runner
 * decodes and encodes them byte by byte.
 *
 * Build: cc -std=c11 -O2 -I generated/c runner.c generated/c/predict.c -lm -pthread
 */
#include "predict.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data files and the output hex are IEEE 754 binary32. */
_Static_assert(sizeof(float) == 4 && sizeof(uint32_t) == 4, "float must be 32 bits");

static const char *const CLOSED_MODEL = "pred_model used after it was closed";
static const char *const CLOSED_SESSION = "pred_session used after it was closed";
static const char *const REFUSED = "the binding refused a value C cannot receive exactly";

/* ---- failures of the runner itself ---------------------------------------- */

/* A broken case or an exhausted machine (not a failure of the library): exit 2. */
static void fatal(const char *format, ...) {
    va_list args;
    fputs("c-runner: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(2);
}

static void *xrealloc(void *p, size_t size) {
    p = realloc(p, size ? size : 1);
    if (!p) fatal("out of memory");
    return p;
}

/* ---- a growable byte buffer --------------------------------------------- */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const void *bytes, size_t n) {
    if (n > SIZE_MAX - b->len - 1) fatal("out of memory");
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_u64(buf *b, uint64_t v) {
    char digits[24];
    size_t n = sizeof digits;
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_add(b, digits + n, sizeof digits - n);
}

static void buf_i64(buf *b, int64_t v) {
    if (v < 0) {
        buf_puts(b, "-");
        buf_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        buf_u64(b, (uint64_t)v);
    }
}

static void buf_free(buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF); 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    size_t len, i;
    uint32_t c;
    if (n == 0) return 0;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2, c = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) len = 3, c = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) len = 4, c = s[0] & 0x07u;
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return len;
}

static void utf8_encode(buf *b, uint32_t c) {
    unsigned char out[4];
    size_t n;
    if (c < 0x80) out[0] = (unsigned char)c, n = 1;
    else if (c < 0x800) out[0] = (unsigned char)(0xC0 | c >> 6), out[1] = (unsigned char)(0x80 | (c & 0x3F)), n = 2;
    else if (c < 0x10000)
        out[0] = (unsigned char)(0xE0 | c >> 12), out[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F)),
        out[2] = (unsigned char)(0x80 | (c & 0x3F)), n = 3;
    else
        out[0] = (unsigned char)(0xF0 | c >> 18), out[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F)),
        out[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F)), out[3] = (unsigned char)(0x80 | (c & 0x3F)), n = 4;
    buf_add(b, out, n);
}

/* ---- JSON values -------------------------------------------------------- */

typedef enum json_kind { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json json;
struct json {
    json_kind kind;
    char *text;     /* STRING: the decoded bytes (NUL-terminated, may hold NULs: see len); NUMBER: the literal */
    size_t len;     /* bytes of text */
    json **items;   /* ARRAY: the elements; OBJECT: key, value, key, value, ... (keys are STRINGs) */
    size_t count;   /* entries of items */
};

static void json_free(json *v) {
    size_t i;
    if (!v) return;
    for (i = 0; i < v->count; i++) json_free(v->items[i]);
    free(v->items);
    free(v->text);
    free(v);
}

/* The member `key` of an object, NULL when absent. */
static const json *json_get(const json *object, const char *key) {
    size_t i, n = strlen(key);
    for (i = 0; object->kind == JSON_OBJECT && i + 1 < object->count; i += 2)
        if (object->items[i]->len == n && memcmp(object->items[i]->text, key, n) == 0) return object->items[i + 1];
    return NULL;
}

/* An integer literal (no fraction, no exponent) as sign and magnitude: 1; 0 for
 * an integer whose magnitude does not fit in 64 bits; -1 when v is no integer. */
static int json_integer(const json *v, int *negative, uint64_t *magnitude) {
    const char *p;
    uint64_t m = 0;
    int fits = 1;
    if (!v || v->kind != JSON_NUMBER) return -1;
    p = v->text;
    *negative = *p == '-';
    if (*negative) p++;
    for (; *p; p++) {
        unsigned d;
        if (*p < '0' || *p > '9') return -1;
        d = (unsigned)(*p - '0');
        if (m > (UINT64_MAX - d) / 10) fits = 0;
        else m = m * 10 + d;
    }
    *magnitude = m;
    return fits;
}

/* ---- JSON reader -------------------------------------------------------- */

typedef struct parser {
    const unsigned char *p, *end, *start;
    const char *error; /* the first error; NULL while none */
    int depth;
} parser;

enum { JSON_MAX_DEPTH = 64 };

static json *parse_value(parser *ps);

static json *json_new(json_kind kind) {
    json *v = xrealloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->kind = kind;
    return v;
}

static json *parse_error(parser *ps, const char *what, json *partial) {
    if (!ps->error) ps->error = what;
    json_free(partial);
    return NULL;
}

static void skip_space(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static int hex4(parser *ps, uint32_t *out) {
    int i;
    uint32_t c = 0;
    if (ps->end - ps->p < 4) return 0;
    for (i = 0; i < 4; i++) {
        unsigned char h = *ps->p++;
        c <<= 4;
        if (h >= '0' && h <= '9') c |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') c |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') c |= (uint32_t)(h - 'A' + 10);
        else return 0;
    }
    *out = c;
    return 1;
}

static json *parse_string(parser *ps) {
    buf text = {0};
    json *v;
    ps->p++; /* the opening quote */
    for (;;) {
        size_t n;
        if (ps->p >= ps->end) return buf_free(&text), parse_error(ps, "unterminated string", NULL);
        if (*ps->p == '"') {
            ps->p++;
            break;
        }
        if (*ps->p < 0x20) return buf_free(&text), parse_error(ps, "control character in a string", NULL);
        if (*ps->p == '\\') {
            unsigned char e;
            uint32_t c;
            if (++ps->p >= ps->end) return buf_free(&text), parse_error(ps, "unterminated string", NULL);
            e = *ps->p++;
            switch (e) {
            case '"': case '\\': case '/': buf_add(&text, &e, 1); break;
            case 'b': buf_puts(&text, "\b"); break;
            case 'f': buf_puts(&text, "\f"); break;
            case 'n': buf_puts(&text, "\n"); break;
            case 'r': buf_puts(&text, "\r"); break;
            case 't': buf_puts(&text, "\t"); break;
            case 'u':
                if (!hex4(ps, &c)) return buf_free(&text), parse_error(ps, "bad \\u escape", NULL);
                if (c >= 0xD800 && c <= 0xDBFF) { /* a high surrogate: its low half must follow */
                    uint32_t low;
                    if (!literal(ps, "\\u") || !hex4(ps, &low) || low < 0xDC00 || low > 0xDFFF)
                        return buf_free(&text), parse_error(ps, "unpaired surrogate", NULL);
                    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                } else if (c >= 0xDC00 && c <= 0xDFFF) {
                    return buf_free(&text), parse_error(ps, "unpaired surrogate", NULL);
                }
                if (c == 0) buf_add(&text, "", 1); /* a NUL byte */
                else utf8_encode(&text, c);
                break;
            default:
                return buf_free(&text), parse_error(ps, "bad escape", NULL);
            }
            continue;
        }
        n = utf8_sequence(ps->p, (size_t)(ps->end - ps->p));
        if (!n) return buf_free(&text), parse_error(ps, "invalid UTF-8", NULL);
        buf_add(&text, ps->p, n);
        ps->p += n;
    }
    v = json_new(JSON_STRING);
    if (!text.data) buf_add(&text, "", 0);
    v->text = text.data;
    v->len = text.len;
    return v;
}

static int is_digit(const parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

static json *parse_number(parser *ps) {
    const unsigned char *begin = ps->p;
    json *v;
    if (*ps->p == '-') ps->p++;
    if (!is_digit(ps)) return parse_error(ps, "bad number", NULL);
    if (*ps->p == '0') ps->p++;
    else while (is_digit(ps)) ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!is_digit(ps)) return parse_error(ps, "bad number", NULL);
        while (is_digit(ps)) ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (!is_digit(ps)) return parse_error(ps, "bad number", NULL);
        while (is_digit(ps)) ps->p++;
    }
    v = json_new(JSON_NUMBER);
    v->len = (size_t)(ps->p - begin);
    v->text = xrealloc(NULL, v->len + 1);
    memcpy(v->text, begin, v->len);
    v->text[v->len] = '\0';
    return v;
}

static void json_append(json *v, json *item) {
    v->items = xrealloc(v->items, (v->count + 1) * sizeof *v->items);
    v->items[v->count++] = item;
}

/* An array or an object (`close` is ']' or '}'). */
static json *parse_container(parser *ps, json_kind kind, unsigned char close) {
    json *v = json_new(kind);
    if (++ps->depth > JSON_MAX_DEPTH) return parse_error(ps, "nested too deep", v);
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        json *item;
        if (kind == JSON_OBJECT) {
            json *key;
            size_t i;
            if (ps->p >= ps->end || *ps->p != '"') return parse_error(ps, "expected a key", v);
            if (!(key = parse_string(ps))) return parse_error(ps, "bad key", v);
            for (i = 0; i < v->count; i += 2)
                if (v->items[i]->len == key->len && memcmp(v->items[i]->text, key->text, key->len) == 0)
                    return json_free(key), parse_error(ps, "duplicate key", v);
            json_append(v, key);
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') return parse_error(ps, "expected ':'", v);
            ps->p++;
        }
        if (!(item = parse_value(ps))) return parse_error(ps, "bad value", v);
        json_append(v, item);
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_space(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        return parse_error(ps, kind == JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'", v);
    }
}

static json *parse_value(parser *ps) {
    skip_space(ps);
    if (ps->p >= ps->end) return parse_error(ps, "unexpected end", NULL);
    switch (*ps->p) {
    case '{': return parse_container(ps, JSON_OBJECT, '}');
    case '[': return parse_container(ps, JSON_ARRAY, ']');
    case '"': return parse_string(ps);
    case 'n': return literal(ps, "null") ? json_new(JSON_NULL) : parse_error(ps, "bad literal", NULL);
    case 't': return literal(ps, "true") ? json_new(JSON_TRUE) : parse_error(ps, "bad literal", NULL);
    case 'f': return literal(ps, "false") ? json_new(JSON_FALSE) : parse_error(ps, "bad literal", NULL);
    default: return parse_number(ps);
    }
}

/* The JSON text (UTF-8, one value, nothing after it but white space); NULL
 * and *error on malformed text, with *offset the byte where it was found. */
static json *json_parse(const char *text, size_t n, const char **error, size_t *offset) {
    parser ps;
    json *v;
    ps.p = ps.start = (const unsigned char *)text;
    ps.end = ps.p + n;
    ps.error = NULL;
    ps.depth = 0;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ps.error = "byte order mark";
    v = ps.error ? NULL : parse_value(&ps);
    if (v) {
        skip_space(&ps);
        if (ps.p != ps.end) v = parse_error(&ps, "text after the value", v);
    }
    *error = ps.error;
    *offset = (size_t)(ps.p - ps.start);
    return v;
}

/* ---- JSON writer -------------------------------------------------------- */

/* A JSON string of the bytes s[0..n): escapes what JSON requires, and writes
 * U+FFFD for each byte that is not well-formed UTF-8 (as Go's encoder does),
 * so the output is always valid JSON. */
static void write_string(buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    buf_puts(b, "\"");
    while (p < end) {
        size_t len;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            buf_add(b, esc, 2);
            p++;
        } else if (*p < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            buf_add(b, esc, 6);
            p++;
        } else if ((len = utf8_sequence(p, (size_t)(end - p))) != 0) {
            buf_add(b, p, len);
            p += len;
        } else {
            buf_puts(b, "\\ufffd");
            p++;
        }
    }
    buf_puts(b, "\"");
}

static void write_cstring(buf *b, const char *s) { write_string(b, s, strlen(s)); }

/* ---- files -------------------------------------------------------------- */

/* The whole file; NULL (and errno's text in *why) when it cannot be read. */
static unsigned char *read_file(const char *path, size_t *size, const char **why) {
    FILE *f = fopen(path, "rb");
    buf data = {0};
    if (!f) {
        *why = "cannot open it";
        return NULL;
    }
    for (;;) {
        char chunk[65536];
        size_t got = fread(chunk, 1, sizeof chunk, f);
        buf_add(&data, chunk, got);
        if (got < sizeof chunk) break;
    }
    if (ferror(f)) {
        fclose(f);
        buf_free(&data);
        *why = "cannot read it";
        return NULL;
    }
    fclose(f);
    if (!data.data) buf_add(&data, "", 0);
    *size = data.len;
    return (unsigned char *)data.data;
}

static int is_separator(char c) {
#ifdef _WIN32
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

static int is_absolute(const char *path) {
#ifdef _WIN32
    if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) && path[1] == ':') return 1;
#endif
    return is_separator(path[0]);
}

/* ---- the runner --------------------------------------------------------- */

typedef struct runner {
    char *dir;              /* the case's folder; NULL for the current one */
    pred_model *model;      /* NULL: closed, or never made */
    pred_session *session;  /* NULL: closed, or never made */
    pred_model **old_models;        /* replaced by a later load: freed at the end */
    size_t n_old_models;
    pred_session **old_sessions;    /* replaced by a later create_session */
    size_t n_old_sessions;
} runner;

/* What one step gives. */
typedef struct outcome {
    const char *status; /* the status name; NULL for success */
    buf message;
    buf fields;         /* ,"key":value of a success */
} outcome;

/* The step failed in C: the status and pred_last_error(). Returns 0. */
static int failed(outcome *o, pred_status status) {
    o->status = pred_status_name(status);
    buf_puts(&o->message, pred_last_error());
    return 0;
}

/* The step failed before C was called. Returns 0. */
static int failed_with(outcome *o, const char *status, const char *message) {
    o->status = status;
    buf_puts(&o->message, message);
    return 0;
}

/* A path of the case, relative to its folder; NULL (refused) when it holds a NUL. */
static char *resolve(const runner *r, const json *path) {
    buf out = {0};
    if (!path || path->kind != JSON_STRING) fatal("a step needs a \"path\" string");
    if (memchr(path->text, '\0', path->len)) return NULL;
    if (r->dir && !is_absolute(path->text)) {
        buf_puts(&out, r->dir);
        buf_puts(&out, "/");
    }
    buf_add(&out, path->text, path->len);
    return out.data;
}

/* The step's "index": 1 and *index when size_t holds it; 0 when C cannot receive it. */
static int step_index(const json *step, size_t *index) {
    const json *v = json_get(step, "index");
    int negative;
    uint64_t m;
    if (!v) {
        *index = 0;
        return 1;
    }
    switch (json_integer(v, &negative, &m)) {
    case -1: fatal("\"index\" must be an integer"); break;
    case 0: return 0; /* past 64 bits */
    default: break;
    }
    if (negative && m != 0) return 0;
    if (m > SIZE_MAX) return 0;
    *index = (size_t)m;
    return 1;
}

static void add_dims(outcome *o, const int64_t *dims, size_t ndim) {
    size_t i;
    buf_puts(&o->fields, ",\"dims\":[");
    for (i = 0; i < ndim; i++) {
        if (i) buf_puts(&o->fields, ",");
        buf_i64(&o->fields, dims[i]);
    }
    buf_puts(&o->fields, "]");
}

/* Little-endian float32 bytes to floats, on any host. */
static float *decode_floats(const unsigned char *bytes, size_t count) {
    float *x = xrealloc(NULL, (count ? count : 1) * sizeof *x);
    size_t i;
    for (i = 0; i < count; i++) {
        const unsigned char *b = bytes + 4 * i;
        uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        memcpy(&x[i], &u, 4);
    }
    return x;
}

/* Floats as the lower-case hex of their little-endian bytes, on any host. */
static void add_hex_floats(buf *b, const float *x, size_t count) {
    static const char hex[] = "0123456789abcdef";
    char chunk[8 * 64];
    size_t i, n = 0;
    for (i = 0; i < count; i++) {
        uint32_t u;
        int k;
        memcpy(&u, &x[i], 4);
        for (k = 0; k < 4; k++) {
            unsigned byte = (unsigned)(u >> (8 * k)) & 0xFFu;
            chunk[n++] = hex[byte >> 4];
            chunk[n++] = hex[byte & 15];
        }
        if (n == sizeof chunk) buf_add(b, chunk, n), n = 0;
    }
    buf_add(b, chunk, n);
}

typedef pred_status (*model_shape_fn)(const pred_model *, size_t, int64_t *, size_t, size_t *);
typedef pred_status (*session_shape_fn)(const pred_session *, size_t, int64_t *, size_t, size_t *);

static void load(runner *r, const json *step, outcome *o, int from_file) {
    pred_model *model = NULL;
    pred_status st;
    char *path = resolve(r, json_get(step, "path"));
    if (!path) {
        failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        return;
    }
    if (from_file) {
        st = pred_model_load_file(path, &model);
    } else {
        size_t size = 0;
        const char *why = NULL;
        unsigned char *bytes = read_file(path, &size, &why);
        if (!bytes) {
            failed_with(o, "RUNNER_ERROR", "cannot read ");
            buf_puts(&o->message, path);
            buf_puts(&o->message, ": ");
            buf_puts(&o->message, why);
            free(path);
            return;
        }
        st = pred_model_load(bytes, size, &model);
        free(bytes);
    }
    free(path);
    if (st != PRED_OK) {
        failed(o, st);
        return;
    }
    if (r->model) { /* replaced, not closed */
        r->old_models = xrealloc(r->old_models, (r->n_old_models + 1) * sizeof *r->old_models);
        r->old_models[r->n_old_models++] = r->model;
    }
    r->model = model;
}

/* Runs one step; returns 1 on success, 0 once o holds the failure. */
static int do_step(runner *r, const json *step, const char *op, outcome *o) {
    size_t index = 0;
    int index_ok = step_index(step, &index);
    int64_t dims[PRED_MAX_DIMS];
    size_t ndim = 0;
    pred_status st;

    if (strcmp(op, "load_file") == 0 || strcmp(op, "load_bytes") == 0) {
        load(r, step, o, op[5] == 'f');
    } else if (strcmp(op, "counts") == 0) {
        if (!r->model) return failed_with(o, "PRED_ERR_STATE", CLOSED_MODEL);
        buf_puts(&o->fields, ",\"inputs\":");
        buf_u64(&o->fields, pred_model_input_count(r->model));
        buf_puts(&o->fields, ",\"outputs\":");
        buf_u64(&o->fields, pred_model_output_count(r->model));
    } else if (strcmp(op, "input_name") == 0 || strcmp(op, "output_name") == 0) {
        const char *name;
        if (!index_ok) return failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        if (!r->model) return failed_with(o, "PRED_ERR_STATE", CLOSED_MODEL);
        name = op[0] == 'i' ? pred_model_input_name(r->model, index) : pred_model_output_name(r->model, index);
        if (!name) return failed(o, PRED_ERR_ARGUMENT);
        buf_puts(&o->fields, ",\"name\":");
        write_cstring(&o->fields, name);
    } else if (strcmp(op, "input_shape") == 0 || strcmp(op, "output_shape") == 0) {
        model_shape_fn shape = op[0] == 'i' ? pred_model_input_shape : pred_model_output_shape;
        if (!index_ok) return failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        if (!r->model) return failed_with(o, "PRED_ERR_STATE", CLOSED_MODEL);
        if ((st = shape(r->model, index, dims, PRED_MAX_DIMS, &ndim)) != PRED_OK) return failed(o, st);
        add_dims(o, dims, ndim);
    } else if (strcmp(op, "create_session") == 0) {
        pred_session *session = NULL;
        if (!r->model) return failed_with(o, "PRED_ERR_STATE", CLOSED_MODEL);
        if ((st = pred_session_create(r->model, &session)) != PRED_OK) return failed(o, st);
        if (r->session) {
            r->old_sessions = xrealloc(r->old_sessions, (r->n_old_sessions + 1) * sizeof *r->old_sessions);
            r->old_sessions[r->n_old_sessions++] = r->session;
        }
        r->session = session;
    } else if (strcmp(op, "set_input") == 0) {
        char *path = resolve(r, json_get(step, "path"));
        unsigned char *bytes;
        const char *why = NULL;
        size_t size = 0;
        float *x;
        if (!path) return failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        if (!(bytes = read_file(path, &size, &why))) {
            failed_with(o, "RUNNER_ERROR", "cannot read ");
            buf_puts(&o->message, path);
            buf_puts(&o->message, ": ");
            buf_puts(&o->message, why);
            free(path);
            return 0;
        }
        free(path);
        x = decode_floats(bytes, size / 4); /* size / 4 elements: a wrong length is a case */
        free(bytes);
        if (!index_ok) failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        else if (!r->session) failed_with(o, "PRED_ERR_STATE", CLOSED_SESSION);
        else if ((st = pred_session_set_input(r->session, index, x, size / 4)) != PRED_OK) failed(o, st);
        free(x);
    } else if (strcmp(op, "set_input_shape") == 0) {
        const json *d = json_get(step, "dims");
        int64_t *want;
        size_t i;
        if (!d || d->kind != JSON_ARRAY) fatal("set_input_shape needs a \"dims\" array");
        want = xrealloc(NULL, (d->count ? d->count : 1) * sizeof *want);
        for (i = 0; i < d->count; i++) {
            int negative;
            uint64_t m;
            int fits = json_integer(d->items[i], &negative, &m);
            if (fits < 0) fatal("\"dims\" must hold integers");
            if (!fits) break; /* past 64 bits */
            if (negative ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX) break;
            want[i] = negative ? (int64_t)(0 - m) : (int64_t)m;
        }
        if (i < d->count || !index_ok) failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        else if (!r->session) failed_with(o, "PRED_ERR_STATE", CLOSED_SESSION);
        else if ((st = pred_session_set_input_shape(r->session, index, want, d->count)) != PRED_OK) failed(o, st);
        free(want);
    } else if (strcmp(op, "session_input_shape") == 0 || strcmp(op, "session_output_shape") == 0) {
        session_shape_fn shape = op[8] == 'i' ? pred_session_input_shape : pred_session_output_shape;
        if (!index_ok) return failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        if (!r->session) return failed_with(o, "PRED_ERR_STATE", CLOSED_SESSION);
        if ((st = shape(r->session, index, dims, PRED_MAX_DIMS, &ndim)) != PRED_OK) return failed(o, st);
        add_dims(o, dims, ndim);
    } else if (strcmp(op, "run") == 0) {
        if (!r->session) return failed_with(o, "PRED_ERR_STATE", CLOSED_SESSION);
        if ((st = pred_session_run(r->session)) != PRED_OK) return failed(o, st);
    } else if (strcmp(op, "get_output") == 0) {
        size_t count;
        float *y;
        if (!index_ok) return failed_with(o, "ARGUMENT_REFUSED", REFUSED);
        if (!r->session) return failed_with(o, "PRED_ERR_STATE", CLOSED_SESSION);
        count = pred_session_output_size(r->session, index); /* 0 for a bad index: the call says why */
        y = xrealloc(NULL, (count ? count : 1) * sizeof *y);
        if ((st = pred_session_get_output(r->session, index, y, count)) != PRED_OK) {
            failed(o, st);
        } else {
            buf_puts(&o->fields, ",\"data\":\"");
            add_hex_floats(&o->fields, y, count);
            buf_puts(&o->fields, "\"");
        }
        free(y);
    } else if (strcmp(op, "close_session") == 0) {
        pred_session_free(r->session); /* closing twice, or what was never made, is no error */
        r->session = NULL;
    } else if (strcmp(op, "close_model") == 0) {
        pred_model_free(r->model);
        r->model = NULL;
    } else {
        fatal("unknown op \"%s\"", op);
    }
    return o->status == NULL;
}

static void runner_free(runner *r) {
    size_t i;
    pred_session_free(r->session);
    for (i = 0; i < r->n_old_sessions; i++) pred_session_free(r->old_sessions[i]);
    pred_model_free(r->model);
    for (i = 0; i < r->n_old_models; i++) pred_model_free(r->old_models[i]);
    free(r->old_sessions);
    free(r->old_models);
    free(r->dir);
}

int main(int argc, char **argv) {
    runner r;
    json *c;
    const json *steps;
    const char *error = NULL, *why = NULL;
    size_t size = 0, offset = 0, i, cut = 0;
    unsigned char *text;
    buf out = {0};
    FILE *f;

    if (argc != 3) fatal("usage: runner CASE_JSON OUT_JSON");
    if (!(text = read_file(argv[1], &size, &why))) fatal("%s: %s", argv[1], why);
    if (!(c = json_parse((const char *)text, size, &error, &offset))) fatal("%s: byte %lu: %s", argv[1], (unsigned long)offset, error);
    free(text);
    steps = json_get(c, "steps");
    if (!steps || steps->kind != JSON_ARRAY) fatal("%s: no \"steps\" array", argv[1]);

    memset(&r, 0, sizeof r);
    for (i = 0; argv[1][i]; i++)
        if (is_separator(argv[1][i])) cut = i + 1;
    if (cut) { /* the folder of CASE_JSON, without its last separator ("/" stays "/") */
        size_t n = cut > 1 ? cut - 1 : 1;
        r.dir = xrealloc(NULL, n + 1);
        memcpy(r.dir, argv[1], n);
        r.dir[n] = '\0';
        if (n == 1 && is_separator(r.dir[0])) r.dir[0] = '\0'; /* root: "" + "/" + path */
    }

    buf_puts(&out, "{\"steps\": [");
    for (i = 0; i < steps->count; i++) {
        const json *step = steps->items[i], *op = json_get(step, "op");
        outcome o;
        memset(&o, 0, sizeof o);
        if (step->kind != JSON_OBJECT || !op || op->kind != JSON_STRING || memchr(op->text, '\0', op->len))
            fatal("%s: step %lu has no \"op\" string", argv[1], (unsigned long)i);
        do_step(&r, step, op->text, &o);
        buf_puts(&out, i ? ",\n  {\"op\": " : "\n  {\"op\": ");
        write_cstring(&out, op->text);
        buf_puts(&out, ", \"status\": ");
        write_cstring(&out, o.status ? o.status : pred_status_name(PRED_OK));
        buf_puts(&out, ", \"message\": ");
        write_string(&out, o.message.data ? o.message.data : "", o.message.len);
        if (!o.status && o.fields.len) {
            buf_puts(&out, ", ");
            buf_add(&out, o.fields.data + 1, o.fields.len - 1); /* without its leading comma */
        }
        buf_puts(&out, "}");
        buf_free(&o.message);
        buf_free(&o.fields);
    }
    buf_puts(&out, "\n]}\n");
    runner_free(&r);
    json_free(c);

    if (!(f = fopen(argv[2], "wb"))) fatal("cannot write %s", argv[2]);
    if (fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) fatal("cannot write %s", argv[2]);
    buf_free(&out);
    return 0;
}
