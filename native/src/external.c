/*
 * external.c: tensor data that an ONNX file keeps in other files.
 *
 * Exporters write large models as model.onnx plus data files (PyTorch's
 * torch.onnx.export does so by default): such a tensor has data_location
 * EXTERNAL and names a `location` relative to the model's folder, an
 * `offset` and a `length`. pred_model_load_file reads them here, after
 * parsing and before the graph is built, so the rest of the engine sees
 * ordinary decoded tensors. A location must stay inside the model's folder
 * (relative, no ".." component) and, once every symbolic link on its way is
 * resolved, still name a regular file inside the folder's real path, so a
 * model file cannot make the library read any other file, nor hang on a FIFO.
 */
#include <errno.h>
#include <stdio.h>
#include "external.h"
#ifdef _WIN32
#include <windows.h>
#include <io.h>
#include <fcntl.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

typedef struct pred__external_file {
    char *location;
    uint64_t size;
    uint64_t credited;           /* bytes of it counted towards the load budget so far */
} pred__external_file;

typedef struct pred__external_files {
    const char *model_path;
    size_t dir_len;              /* bytes of model_path up to and including its last separator */
    char *dir_real;              /* the folder with every link resolved, once needed */
    pred__external_file *v;      /* every location used so far */
    size_t n, cap;
    FILE *f;                     /* the file of v[open], or NULL: one at a time, as some
                                    exporters write a file per tensor */
    size_t open;
} pred__external_files;

static int pred__external_is_separator(char c) {
#ifdef _WIN32
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

/* A location is a relative path with no ".." component and no drive (":"),
 * read with both separators whatever the platform. */
static int pred__external_location_ok(const char *s) {
    const char *part = s;
    if (s[0] == '/' || s[0] == '\\' || strchr(s, ':')) return 0;
    for (;; s++) {
        if (*s == '/' || *s == '\\' || *s == '\0') {
            if (s - part == 2 && part[0] == '.' && part[1] == '.') return 0;
            if (*s == '\0') return 1;
            part = s + 1;
        }
    }
}

/* Tensors of attributes may have no name. */
static const char *pred__external_name(const pred__onnx_tensor *t) {
    return t->name ? t->name : "";
}

static pred_status pred__external_unreadable(const pred__onnx_tensor *t, const char *path, int err) {
    return pred__errorf(PRED_ERR_IO, "tensor '%s' keeps its data in '%s', which cannot be read: %s",
                        pred__external_name(t), path, err ? strerror(err) : "unknown error");
}

static pred_status pred__external_refused(const pred__onnx_tensor *t, const char *what) {
    return pred__errorf(PRED_ERR_MODEL, "tensor '%s' keeps its data in '%s', which %s: external data must be "
                        "a regular file inside the model's folder", pred__external_name(t), t->location, what);
}

/* 1 if `real` (a resolved path) lies inside the folder `dir` (resolved too). */
static int pred__external_inside(const char *dir, const char *real) {
    size_t n = strlen(dir);
    while (n > 0 && pred__external_is_separator(dir[n - 1])) n--;   /* "/" and "C:\\" end in one */
#ifdef _WIN32
    return _strnicmp(dir, real, n) == 0 && pred__external_is_separator(real[n]);
#else
    return strncmp(dir, real, n) == 0 && real[n] == '/';
#endif
}

#ifdef _WIN32
/* The path of an open handle with every link and junction resolved; NULL on failure. */
static char *pred__external_final_path(HANDLE h) {
    DWORD n = GetFinalPathNameByHandleA(h, NULL, 0, FILE_NAME_NORMALIZED);
    char *s;
    if (n == 0 || !(s = (char *)PRED_MALLOC(n + 1))) return NULL;
    if (GetFinalPathNameByHandleA(h, s, n + 1, FILE_NAME_NORMALIZED) == 0) {
        PRED_FREE(s);
        return NULL;
    }
    return s;
}

/* Opens `path`, the folder's `dir_len` bytes plus t's location, as *out. */
static pred_status pred__external_fopen(pred__external_files *fs, const char *path, const pred__onnx_tensor *t,
                                        FILE **out) {
    HANDLE h;
    char *real;
    int fd, inside, resolved;
    if (!fs->dir_real) {
        char *dir = pred__strndup(fs->dir_len ? fs->model_path : ".", fs->dir_len ? fs->dir_len : 1);
        if (!dir) return pred__oom();
        h = CreateFileA(dir, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS, NULL);
        PRED_FREE(dir);
        if (h == INVALID_HANDLE_VALUE) return pred__external_unreadable(t, path, ENOENT);
        fs->dir_real = pred__external_final_path(h);
        CloseHandle(h);
        if (!fs->dir_real) return pred__external_unreadable(t, path, EIO);
    }
    /* backup semantics: a folder opens too, to be refused as one below */
    h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_CANT_RESOLVE_FILENAME) return pred__external_refused(t, "is a loop of symbolic links");
        return pred__external_unreadable(t, path, e == ERROR_ACCESS_DENIED ? EACCES
                                                  : e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? ENOENT
                                                                                                            : EIO);
    }
    /* where it resolves first, as on POSIX; a device has no final path and is refused for its type */
    if ((resolved = (real = pred__external_final_path(h)) != NULL)) {
        inside = pred__external_inside(fs->dir_real, real);
        PRED_FREE(real);
        if (!inside) {
            CloseHandle(h);
            return pred__external_refused(t, "resolves to a file outside the model's folder");
        }
    }
    if (GetFileType(h) != FILE_TYPE_DISK) {
        CloseHandle(h);
        return pred__external_refused(t, "is not a regular file");
    }
    {
        BY_HANDLE_FILE_INFORMATION info;
        if (!GetFileInformationByHandle(h, &info)) {
            CloseHandle(h);
            return pred__external_unreadable(t, path, EIO);
        }
        if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            CloseHandle(h);
            return pred__external_refused(t, "is a folder");
        }
    }
    if (!resolved) { /* a disk file without a final path: nothing proves it is inside */
        CloseHandle(h);
        return pred__external_unreadable(t, path, EIO);
    }
    if ((fd = _open_osfhandle((intptr_t)h, _O_RDONLY)) < 0) {
        CloseHandle(h);
        return pred__external_unreadable(t, path, EIO);
    }
    if (!(*out = _fdopen(fd, "rb"))) {
        _close(fd);
        return pred__external_unreadable(t, path, EIO);
    }
    return PRED_OK;
}
#else
/* realpath(), in memory of our own allocator; NULL with errno set on failure. */
static char *pred__external_realpath(const char *path) {
    char *resolved = realpath(path, NULL), *copy;
    if (!resolved) return NULL;
    copy = pred__strdup(resolved);
    free(resolved); /* realpath allocates with malloc, whatever PRED_MALLOC is */
    if (!copy) errno = ENOMEM;
    return copy;
}

/* Opens `path`, the folder's `dir_len` bytes plus t's location, as *out. The
 * location is resolved first (links followed) and must stay inside the
 * folder's real path; the resolved name is opened without following a link
 * and without blocking (a FIFO would wait for a writer), then must be a
 * regular file. */
static pred_status pred__external_fopen(pred__external_files *fs, const char *path, const pred__onnx_tensor *t,
                                        FILE **out) {
    struct stat st;
    char *real;
    int fd, err;
    if (!fs->dir_real) {
        char *dir = pred__strndup(fs->dir_len ? fs->model_path : ".", fs->dir_len ? fs->dir_len : 1);
        if (!dir) return pred__oom();
        fs->dir_real = pred__external_realpath(dir);
        err = errno;
        PRED_FREE(dir);
        if (!fs->dir_real) return err == ENOMEM ? pred__oom() : pred__external_unreadable(t, path, err);
    }
    if (!(real = pred__external_realpath(path))) {
        err = errno;
        if (err == ENOMEM) return pred__oom();
        return err == ELOOP ? pred__external_refused(t, "is a loop of symbolic links")
                            : pred__external_unreadable(t, path, err);
    }
    if (!pred__external_inside(fs->dir_real, real)) {
        PRED_FREE(real);
        return pred__external_refused(t, "resolves to a file outside the model's folder");
    }
    fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    err = errno;
    PRED_FREE(real);
    if (fd < 0) return pred__external_unreadable(t, path, err);
    if (fstat(fd, &st) != 0) {
        err = errno;
        close(fd);
        return pred__external_unreadable(t, path, err);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pred__external_refused(t, S_ISDIR(st.st_mode) ? "is a folder" : "is not a regular file");
    }
    if (!(*out = fdopen(fd, "rb"))) {
        err = errno;
        close(fd);
        return pred__external_unreadable(t, path, err);
    }
    return PRED_OK;
}
#endif

/* Makes the file of t's location fs->f; its size is known from its first use. */
static pred_status pred__external_open(pred__external_files *fs, const pred__onnx_tensor *t) {
    pred__external_file *e;
    size_t k, len;
    char *path;
    long size = 0;
    pred_status st;
    if (fs->f && strcmp(fs->v[fs->open].location, t->location) == 0) return PRED_OK;
    if (!pred__external_location_ok(t->location))
        return pred__errorf(PRED_ERR_MODEL, "tensor '%s' keeps its data in '%s': an external data location must be "
                            "a relative path inside the model's folder", pred__external_name(t), t->location);
    if (fs->f) fclose(fs->f);
    fs->f = NULL;
    for (k = 0; k < fs->n && strcmp(fs->v[k].location, t->location) != 0; k++) {
    }
    if (k == fs->n) { /* a new location */
        if (!(e = (pred__external_file *)pred__grow(fs->v, &fs->cap, fs->n + 1, sizeof *fs->v))) return pred__oom();
        fs->v = e;
        memset(&fs->v[k], 0, sizeof *fs->v);
        if (!(fs->v[k].location = pred__strdup(t->location))) return pred__oom();
        fs->n++;
    }
    len = strlen(t->location);
    if (len > SIZE_MAX - fs->dir_len - 1 || !(path = (char *)PRED_MALLOC(fs->dir_len + len + 1))) return pred__oom();
    memcpy(path, fs->model_path, fs->dir_len);
    memcpy(path + fs->dir_len, t->location, len + 1);
    fs->open = k;
    if ((st = pred__external_fopen(fs, path, t, &fs->f)) != PRED_OK) {
        PRED_FREE(path);
        return st;
    }
    errno = 0;
    if (fseek(fs->f, 0, SEEK_END) != 0 || (size = ftell(fs->f)) < 0) st = pred__external_unreadable(t, path, errno);
    PRED_FREE(path);
    if (st != PRED_OK) return st;
    fs->v[k].size = (uint64_t)size;
    return PRED_OK;
}

static pred_status pred__external_tensor(pred__external_files *fs, pred__onnx_tensor *t) {
    size_t elem = pred__onnx_elem_size(t->data_type), bytes;
    uint64_t credit;
    pred__external_file *e;
    uint8_t *data;
    pred_status st;
    /* malformed or not decodable: refused, as inline data is, if a node uses it */
    if (!t->external || t->problem[0] || !elem || t->ndim > PRED_MAX_DIMS) return PRED_OK;
    if (!pred__mul_size(t->count, elem, &bytes) || (t->length != UINT64_MAX && t->length != bytes)) {
        snprintf(t->problem, sizeof t->problem, "has %llu bytes of external data, its shape needs %lu x %lu",
                 (unsigned long long)t->length, (unsigned long)t->count, (unsigned long)elem);
        return PRED_OK;
    }
    if ((st = pred__external_open(fs, t)) != PRED_OK) return st;
    e = &fs->v[fs->open];
    if (t->offset > e->size || bytes > e->size - t->offset) {
        snprintf(t->problem, sizeof t->problem, "has external data past the end of its file (%llu + %lu > %llu bytes)",
                 (unsigned long long)t->offset, (unsigned long)bytes, (unsigned long long)e->size);
        return PRED_OK;
    }
    /* the data counts as if it were in the model file, up to the data file's size: a file
     * read many times over (tensors sharing data) does not raise the budget further */
    credit = bytes < e->size - e->credited ? bytes : e->size - e->credited;
    e->credited += credit;
    pred__budget_extend(PRED_LOAD_BUDGET(credit) - PRED_LOAD_BUDGET(0));
    if (!(data = (uint8_t *)pred__malloc_n(bytes, 1))) return pred__oom(); /* read whole, or refused */
    /* offset + bytes <= the size ftell gave, so offset fits a long */
    if (fseek(fs->f, (long)t->offset, SEEK_SET) != 0 || fread(data, 1, bytes, fs->f) != bytes) {
        PRED_FREE(data);
        return pred__errorf(PRED_ERR_IO, "tensor '%s': cannot read %lu bytes at offset %llu of '%s'",
                            pred__external_name(t), (unsigned long)bytes, (unsigned long long)t->offset, t->location);
    }
    st = pred__onnx_decode_raw(t, data);
    PRED_FREE(data);
    if (st == PRED_OK) t->external = 0;
    return st;
}

static pred_status pred__external_read(pred__onnx_model *model, const char *model_path) {
    pred__onnx_graph *g = &model->graph;
    pred__external_files fs;
    pred_status st = PRED_OK;
    size_t k, a, j;
    memset(&fs, 0, sizeof fs);
    fs.model_path = model_path;
    for (k = strlen(model_path); k > 0 && !fs.dir_len; k--)
        if (pred__external_is_separator(model_path[k - 1])) fs.dir_len = k;
    for (k = 0; st == PRED_OK && k < g->n_initializers; k++) st = pred__external_tensor(&fs, &g->initializers[k]);
    for (k = 0; st == PRED_OK && k < g->n_nodes; k++)
        for (a = 0; st == PRED_OK && a < g->nodes[k].n_attrs; a++) {
            pred__onnx_attr *attr = &g->nodes[k].attrs[a];
            if (attr->t) st = pred__external_tensor(&fs, attr->t);
            for (j = 0; st == PRED_OK && j < attr->n_tensors; j++) st = pred__external_tensor(&fs, &attr->tensors[j]);
        }
    if (fs.f) fclose(fs.f);
    PRED_FREE(fs.dir_real);
    for (k = 0; k < fs.n; k++) PRED_FREE(fs.v[k].location);
    PRED_FREE(fs.v);
    return st;
}
