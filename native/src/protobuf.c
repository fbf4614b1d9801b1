/*
 * protobuf.c: the protobuf wire-format reader (see protobuf.h).
 */
#include "protobuf.h"

static pred_status pred__pb_fail(const pred__pb *r, const uint8_t *at, const char *what) {
    return pred__errorf(PRED_ERR_MODEL, "malformed model: %s at byte %lu", what,
                        (unsigned long)(at - r->base));
}

static pred__pb pred__pb_init(const void *bytes, size_t size) {
    pred__pb r;
    r.base = (const uint8_t *)bytes;
    r.p = r.base;
    r.end = r.base + size;
    return r;
}

static int pred__pb_more(const pred__pb *r) {
    return r->p < r->end;
}

static uint32_t pred__le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t pred__le64(const uint8_t *p) {
    return (uint64_t)pred__le32(p) | (uint64_t)pred__le32(p + 4) << 32;
}

static pred_status pred__pb_varint(pred__pb *r, uint64_t *out) {
    const uint8_t *start = r->p;
    uint64_t v = 0;
    unsigned shift = 0;
    *out = 0; /* set on failure too: gcc -O3 cannot tell that callers do not read it then */
    for (;;) {
        uint8_t b;
        if (r->p >= r->end) return pred__pb_fail(r, start, "truncated varint");
        b = *r->p++;
        if (shift == 63 && b > 1) return pred__pb_fail(r, start, "varint longer than 64 bits");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *out = v;
    return PRED_OK;
}

static pred_status pred__pb_skip(pred__pb *r, const uint8_t *start, size_t n) {
    if ((size_t)(r->end - r->p) < n) return pred__pb_fail(r, start, "field runs past the end of its message");
    r->p += n;
    return PRED_OK;
}

/* Reads a key; validates the field number and wire type. */
static pred_status pred__pb_key(pred__pb *r, uint32_t *number, int *wire) {
    const uint8_t *start = r->p;
    uint64_t key;
    pred_status st = pred__pb_varint(r, &key);
    *number = 0;
    *wire = 0;
    if (st != PRED_OK) return st;
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) return pred__pb_fail(r, start, "invalid field number");
    if ((key & 7) > 5) return pred__pb_fail(r, start, "invalid wire type");
    *number = (uint32_t)(key >> 3);
    *wire = (int)(key & 7);
    return PRED_OK;
}

/* Skips the content of a group whose start key was just read, up to and
 * including its matching end key. Iterative, with a bounded stack. */
static pred_status pred__pb_skip_group(pred__pb *r, uint32_t number) {
    uint32_t stack[PRED__PB_MAX_GROUP_DEPTH];
    size_t depth = 1;
    stack[0] = number;
    while (depth > 0) {
        const uint8_t *start = r->p;
        uint32_t n;
        int wire;
        uint64_t v;
        pred_status st;
        if (r->p >= r->end) return pred__pb_fail(r, start, "unterminated group");
        if ((st = pred__pb_key(r, &n, &wire)) != PRED_OK) return st;
        switch (wire) {
        case PRED__PB_VARINT: st = pred__pb_varint(r, &v); break;
        case PRED__PB_I64: st = pred__pb_skip(r, start, 8); break;
        case PRED__PB_I32: st = pred__pb_skip(r, start, 4); break;
        case PRED__PB_LEN:
            st = pred__pb_varint(r, &v);
            if (st == PRED_OK) {
                if (v > (uint64_t)(r->end - r->p)) return pred__pb_fail(r, start, "length runs past the end of its message");
                r->p += (size_t)v;
            }
            break;
        case PRED__PB_SGROUP:
            if (depth == PRED__PB_MAX_GROUP_DEPTH) return pred__pb_fail(r, start, "groups nested too deeply");
            stack[depth++] = n;
            break;
        default: /* PRED__PB_EGROUP */
            if (stack[depth - 1] != n) return pred__pb_fail(r, start, "mismatched end of group");
            depth--;
            break;
        }
        if (st != PRED_OK) return st;
    }
    return PRED_OK;
}

static pred_status pred__pb_next(pred__pb *r, pred__pb_field *f) {
    const uint8_t *start = r->p;
    pred_status st;
    uint64_t len;
    f->offset = (size_t)(start - r->base);
    f->u = 0;
    f->data.base = r->base;
    f->data.p = f->data.end = r->p;
    if ((st = pred__pb_key(r, &f->number, &f->wire)) != PRED_OK) return st;
    switch (f->wire) {
    case PRED__PB_VARINT:
        return pred__pb_varint(r, &f->u);
    case PRED__PB_I64:
        if ((st = pred__pb_skip(r, start, 8)) != PRED_OK) return st;
        f->u = pred__le64(r->p - 8);
        return PRED_OK;
    case PRED__PB_I32:
        if ((st = pred__pb_skip(r, start, 4)) != PRED_OK) return st;
        f->u = pred__le32(r->p - 4);
        return PRED_OK;
    case PRED__PB_LEN:
        if ((st = pred__pb_varint(r, &len)) != PRED_OK) return st;
        if (len > (uint64_t)(r->end - r->p)) return pred__pb_fail(r, start, "length runs past the end of its message");
        f->data.p = r->p;
        f->data.end = r->p + (size_t)len;
        r->p += (size_t)len;
        return PRED_OK;
    case PRED__PB_SGROUP:
        return pred__pb_skip_group(r, f->number);
    default: /* PRED__PB_EGROUP */
        return pred__pb_fail(r, start, "end of group without a start");
    }
}

static pred_status pred__pb_wrong(const pred__pb_field *f) {
    return pred__errorf(PRED_ERR_MODEL, "malformed model: field %lu has wire type %d, not the one its type needs, at byte %lu",
                        (unsigned long)f->number, f->wire, (unsigned long)f->offset);
}

static pred_status pred__pb_int64(const pred__pb_field *f, int64_t *out) {
    if (f->wire != PRED__PB_VARINT) return pred__pb_wrong(f);
    *out = (int64_t)f->u;
    return PRED_OK;
}

static pred_status pred__pb_int32(const pred__pb_field *f, int32_t *out) {
    if (f->wire != PRED__PB_VARINT) return pred__pb_wrong(f);
    *out = (int32_t)(uint32_t)(f->u & 0xffffffffu);
    return PRED_OK;
}

static float pred__f32_from_bits(uint32_t bits) {
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static pred_status pred__pb_float(const pred__pb_field *f, float *out) {
    if (f->wire != PRED__PB_I32) return pred__pb_wrong(f);
    *out = pred__f32_from_bits((uint32_t)f->u);
    return PRED_OK;
}

static pred_status pred__pb_bytes(const pred__pb_field *f, pred__pb *out) {
    if (f->wire != PRED__PB_LEN) return pred__pb_wrong(f);
    *out = f->data;
    return PRED_OK;
}

static pred_status pred__pb_string(const pred__pb_field *f, char **out) {
    char *s;
    if (f->wire != PRED__PB_LEN) return pred__pb_wrong(f);
    s = pred__strndup((const char *)f->data.p, (size_t)(f->data.end - f->data.p));
    if (!s) return pred__oom();
    PRED_FREE(*out);
    *out = s;
    return PRED_OK;
}

static pred_status pred__pb_count(const pred__pb_field *f, int wire, size_t *count) {
    pred__pb r;
    size_t n = 0, len;
    uint64_t v;
    pred_status st;
    if (f->wire == wire) {
        *count = 1;
        return PRED_OK;
    }
    if (f->wire != PRED__PB_LEN) return pred__pb_wrong(f);
    r = f->data;
    len = (size_t)(r.end - r.p);
    if (wire == PRED__PB_I32 || wire == PRED__PB_I64) {
        size_t size = wire == PRED__PB_I32 ? 4 : 8;
        if (len % size) return pred__pb_fail(&r, r.p, "packed field length is not a multiple of its element size");
        *count = len / size;
        return PRED_OK;
    }
    while (pred__pb_more(&r)) {
        if ((st = pred__pb_varint(&r, &v)) != PRED_OK) return st;
        n++;
    }
    *count = n;
    return PRED_OK;
}

static pred_status pred__pb_append_int64s(const pred__pb_field *f, pred__i64_vec *out) {
    size_t n, i;
    pred__pb r;
    pred_status st;
    void *p;
    if ((st = pred__pb_count(f, PRED__PB_VARINT, &n)) != PRED_OK) return st;
    if (!(p = pred__grow(out->v, &out->cap, out->n + n, sizeof *out->v))) return pred__oom();
    out->v = (int64_t *)p;
    if (f->wire == PRED__PB_VARINT) {
        out->v[out->n++] = (int64_t)f->u;
        return PRED_OK;
    }
    r = f->data;
    for (i = 0; i < n; i++) {
        uint64_t v;
        if ((st = pred__pb_varint(&r, &v)) != PRED_OK) return st;
        out->v[out->n++] = (int64_t)v;
    }
    return PRED_OK;
}

static pred_status pred__pb_append_floats(const pred__pb_field *f, pred__f32_vec *out) {
    size_t n, i;
    pred_status st;
    void *p;
    if ((st = pred__pb_count(f, PRED__PB_I32, &n)) != PRED_OK) return st;
    if (!(p = pred__grow(out->v, &out->cap, out->n + n, sizeof *out->v))) return pred__oom();
    out->v = (float *)p;
    if (f->wire == PRED__PB_I32) {
        out->v[out->n++] = pred__f32_from_bits((uint32_t)f->u);
        return PRED_OK;
    }
    for (i = 0; i < n; i++)
        out->v[out->n++] = pred__f32_from_bits(pred__le32(f->data.p + 4 * i));
    return PRED_OK;
}
