/*
 * protobuf.h: a bounds-checked reader of the protobuf wire format.
 *
 * A pred__pb reads one message: a byte range [p, end). pred__pb_next() reads
 * the next field (key and value) and skips the content of groups, so a
 * message is parsed with
 *
 *     while (pred__pb_more(&r)) {
 *         if ((st = pred__pb_next(&r, &f)) != PRED_OK) return st;
 *         switch (f.number) { case 1: ...; default: break; }  // unknown: ignored
 *     }
 *
 * Every length is checked against the bytes that remain before it is used;
 * every function either succeeds or returns PRED_ERR_MODEL with a message
 * giving the byte offset. Nothing here allocates except the string and
 * repeated-field helpers, which never allocate more than the field's bytes
 * can describe.
 */
#ifndef PRED_PROTOBUF_H
#define PRED_PROTOBUF_H

#include "common.h"

enum {
    PRED__PB_VARINT = 0,
    PRED__PB_I64 = 1,
    PRED__PB_LEN = 2,
    PRED__PB_SGROUP = 3,
    PRED__PB_EGROUP = 4,
    PRED__PB_I32 = 5
};

/* Nesting limit of (deprecated) groups while skipping them. */
#define PRED__PB_MAX_GROUP_DEPTH 64

typedef struct pred__pb {
    const uint8_t *p;    /* next byte to read */
    const uint8_t *end;  /* one past the last byte of this message */
    const uint8_t *base; /* first byte of the whole buffer (for offsets in messages) */
} pred__pb;

typedef struct pred__pb_field {
    uint32_t number;
    int wire;            /* PRED__PB_* */
    uint64_t u;          /* VARINT, I64 and I32 payloads */
    pred__pb data;       /* LEN payload, as a reader of its own */
    size_t offset;       /* offset of the field's key in the buffer */
} pred__pb_field;

static pred__pb pred__pb_init(const void *bytes, size_t size);
static int pred__pb_more(const pred__pb *r);
static pred_status pred__pb_next(pred__pb *r, pred__pb_field *f);

/* Typed access to a field's value; a wrong wire type is PRED_ERR_MODEL. */
static pred_status pred__pb_int64(const pred__pb_field *f, int64_t *out);
static pred_status pred__pb_int32(const pred__pb_field *f, int32_t *out);
static pred_status pred__pb_float(const pred__pb_field *f, float *out);
static pred_status pred__pb_bytes(const pred__pb_field *f, pred__pb *out);
/* Replaces *out (freed if set) with a NUL-terminated copy of the bytes. */
static pred_status pred__pb_string(const pred__pb_field *f, char **out);

/* Repeated scalar fields, packed (one LEN field) or not (one field per value). */
typedef struct pred__i64_vec { int64_t *v; size_t n, cap; } pred__i64_vec;
typedef struct pred__f32_vec { float *v; size_t n, cap; } pred__f32_vec;

static pred_status pred__pb_append_int64s(const pred__pb_field *f, pred__i64_vec *out);
static pred_status pred__pb_append_floats(const pred__pb_field *f, pred__f32_vec *out);

/* Number of values a repeated field of element wire type `wire` (VARINT,
 * I32 or I64) holds in this occurrence, packed or not; validates encoding. */
static pred_status pred__pb_count(const pred__pb_field *f, int wire, size_t *count);

/* Little-endian loads from raw bytes. */
static uint32_t pred__le32(const uint8_t *p);
static uint64_t pred__le64(const uint8_t *p);

#endif /* PRED_PROTOBUF_H */
