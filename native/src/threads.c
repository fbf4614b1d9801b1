/*
 * threads.c: the thread pool (threads.h) and pred__parallel_for (graph.h).
 *
 * One mutex guards the job: the task, its range count, the next range to
 * claim and the ranges still running. pred__pool_run publishes a job, wakes
 * as many workers as there are ranges beyond its own, claims ranges itself
 * and then sleeps until the last range is done. A worker claims ranges while
 * there are any and sleeps on the condition variable otherwise, so a worker
 * that wakes late finds nothing left and sleeps again. Ranges are few (at
 * most 4 per thread), so claiming under the mutex costs little next to them.
 */
#include "threads.h"
#include "graph.h"

#if PRED__THREADS == 1
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <unistd.h>
typedef pthread_mutex_t pred__mutex;
typedef pthread_cond_t pred__cond;
typedef pthread_t pred__thread;
#elif PRED__THREADS == 2
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef SRWLOCK pred__mutex;
typedef CONDITION_VARIABLE pred__cond;
typedef HANDLE pred__thread;
#endif

/* Spinning needs atomics, and a pause instruction to be polite to the other hyperthread. */
#if PRED__THREADS && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#define PRED__SPIN 1
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define PRED__RELAX() __builtin_ia32_pause()
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__aarch64__) || defined(__arm__))
#define PRED__RELAX() __asm__ __volatile__("yield")
#elif PRED__THREADS == 2
#define PRED__RELAX() YieldProcessor()
#else
#define PRED__RELAX() ((void)0)
#endif
/* Pauses a waiter spins before it sleeps: about 100 us (a pause is some 40 cycles on recent x86). */
#define PRED__SPIN_PAUSES 10000
#else
#define PRED__SPIN 0
#endif

typedef struct pred__worker {
    struct pred__threadpool *pool;
    int index;                   /* 1 .. threads - 1 */
} pred__worker;

struct pred__threadpool {
    int threads;                 /* the caller and the workers started */
#if PRED__THREADS
    pred__mutex mutex;
    pred__cond wake;             /* workers: a job has ranges to claim, or stop */
    pred__cond done;             /* the caller: the last range finished */
    pred__thread *ids;
    pred__worker *workers;
    /* the job, guarded by mutex */
    pred__task_fn task;
    void *ctx;
    size_t n_tasks, n_ranges, next;
    int stop;
#if PRED__SPIN
    atomic_size_t pending;       /* ranges not finished; written under mutex, read by a spinning caller */
    atomic_size_t generation;    /* jobs published so far: a spinning worker watches it */
    atomic_int spin;             /* pred__pool_spin */
#else
    size_t pending;
#endif
#endif
    int busy;                    /* a job is running: a nested call runs inline. Written by the caller
                                    around a job, read in its tasks (ordered by the mutex) */
};

/* The worker index of the calling thread: 0 but in the workers. */
static PRED_THREAD_LOCAL int pred__worker_self;

/* ---- the operating system's primitives ------------------------------------*/

#if PRED__THREADS == 1
static int pred__mutex_init(pred__mutex *m) { return pthread_mutex_init(m, NULL) == 0; }
static void pred__mutex_destroy(pred__mutex *m) { pthread_mutex_destroy(m); }
static void pred__lock(pred__mutex *m) { pthread_mutex_lock(m); }
static void pred__unlock(pred__mutex *m) { pthread_mutex_unlock(m); }
static int pred__cond_init(pred__cond *c) { return pthread_cond_init(c, NULL) == 0; }
static void pred__cond_destroy(pred__cond *c) { pthread_cond_destroy(c); }
static void pred__cond_wait(pred__cond *c, pred__mutex *m) { pthread_cond_wait(c, m); }
static void pred__cond_signal(pred__cond *c) { pthread_cond_signal(c); }
static void pred__cond_broadcast(pred__cond *c) { pthread_cond_broadcast(c); }

static void *pred__worker_main(void *arg);

static void *pred__worker_entry(void *arg) {
    return pred__worker_main(arg);
}

/* Starts a worker with every signal blocked, so that the process's signals
 * go to the application's own threads. */
static int pred__thread_start(pred__thread *id, pred__worker *w) {
    sigset_t all, old;
    int ok;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ok = pthread_create(id, NULL, pred__worker_entry, w) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

static void pred__thread_join(pred__thread id) {
    pthread_join(id, NULL);
}
#elif PRED__THREADS == 2
static int pred__mutex_init(pred__mutex *m) {
    InitializeSRWLock(m);
    return 1;
}
static void pred__mutex_destroy(pred__mutex *m) { (void)m; }
static void pred__lock(pred__mutex *m) { AcquireSRWLockExclusive(m); }
static void pred__unlock(pred__mutex *m) { ReleaseSRWLockExclusive(m); }
static int pred__cond_init(pred__cond *c) {
    InitializeConditionVariable(c);
    return 1;
}
static void pred__cond_destroy(pred__cond *c) { (void)c; }
static void pred__cond_wait(pred__cond *c, pred__mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static void pred__cond_signal(pred__cond *c) { WakeConditionVariable(c); }
static void pred__cond_broadcast(pred__cond *c) { WakeAllConditionVariable(c); }

static void *pred__worker_main(void *arg);

static DWORD WINAPI pred__worker_entry(LPVOID arg) {
    pred__worker_main(arg);
    return 0;
}

static int pred__thread_start(pred__thread *id, pred__worker *w) {
    *id = CreateThread(NULL, 0, pred__worker_entry, w, 0, NULL);
    return *id != NULL;
}

static void pred__thread_join(pred__thread id) {
    WaitForSingleObject(id, INFINITE);
    CloseHandle(id);
}
#endif

/* ---- the pool -------------------------------------------------------------*/

#if PRED__THREADS
/* Range r of n tasks split into k ranges: [n r / k, n (r + 1) / k), without overflow. */
static size_t pred__range_start(size_t n, size_t k, size_t r) {
    return n / k * r + n % k * r / k;
}

/* Claims and runs ranges of the current job while there are any; returns
 * with the mutex held, as it was called. */
static void pred__pool_drain(pred__threadpool *p, int worker) {
    while (p->next < p->n_ranges) {
        size_t r = p->next++, n = p->n_tasks, k = p->n_ranges;
        pred__task_fn task = p->task;
        void *ctx = p->ctx;
        pred__unlock(&p->mutex);
        task(ctx, pred__range_start(n, k, r), pred__range_start(n, k, r + 1), worker);
        pred__lock(&p->mutex);
        if (--p->pending == 0) pred__cond_signal(&p->done);
    }
}

/* Spins (the mutex released) until *value is no longer `seen` or spinning is turned off, at most
 * PRED__SPIN_PAUSES pauses; returns with the mutex held. */
#if PRED__SPIN
static void pred__pool_spin_while(pred__threadpool *p, atomic_size_t *value, size_t seen) {
    int k;
    pred__unlock(&p->mutex);
    for (k = 0; k < PRED__SPIN_PAUSES && atomic_load_explicit(&p->spin, memory_order_relaxed) &&
                atomic_load_explicit(value, memory_order_relaxed) == seen; k++)
        PRED__RELAX();
    pred__lock(&p->mutex);
}
#endif

static void *pred__worker_main(void *arg) {
    pred__worker *w = (pred__worker *)arg;
    pred__threadpool *p = w->pool;
    pred__worker_self = w->index;
    pred__lock(&p->mutex);
    for (;;) {
#if PRED__SPIN
        if (!p->stop && p->next >= p->n_ranges && atomic_load_explicit(&p->spin, memory_order_relaxed))
            pred__pool_spin_while(p, &p->generation, atomic_load_explicit(&p->generation, memory_order_relaxed));
#endif
        while (!p->stop && p->next >= p->n_ranges) pred__cond_wait(&p->wake, &p->mutex);
        if (p->stop) break;
        pred__pool_drain(p, w->index);
    }
    pred__unlock(&p->mutex);
    return NULL;
}
#endif

static pred__threadpool *pred__pool_create(int threads) {
    pred__threadpool *p = (pred__threadpool *)pred__calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = 1;
#if PRED__THREADS
    if (threads > PRED__MAX_THREADS) threads = PRED__MAX_THREADS;
    if (threads <= 1) return p;
    p->ids = (pred__thread *)pred__calloc((size_t)threads, sizeof *p->ids);
    p->workers = (pred__worker *)pred__calloc((size_t)threads, sizeof *p->workers);
    if (!p->ids || !p->workers || !pred__mutex_init(&p->mutex)) goto fail;
#if PRED__SPIN
    atomic_init(&p->pending, 0);
    atomic_init(&p->generation, 0);
    atomic_init(&p->spin, 0);
#endif
    if (!pred__cond_init(&p->wake)) {
        pred__mutex_destroy(&p->mutex);
        goto fail;
    }
    if (!pred__cond_init(&p->done)) {
        pred__cond_destroy(&p->wake);
        pred__mutex_destroy(&p->mutex);
        goto fail;
    }
    while (p->threads < threads) { /* a worker the system refuses leaves a smaller pool */
        pred__worker *w = &p->workers[p->threads];
        w->pool = p;
        w->index = p->threads;
        if (!pred__thread_start(&p->ids[p->threads], w)) break;
        p->threads++;
    }
    return p;
fail:
    PRED_FREE(p->ids);
    PRED_FREE(p->workers);
    PRED_FREE(p);
    return NULL;
#else
    (void)threads;
    return p;
#endif
}

static void pred__pool_free(pred__threadpool *p) {
    if (!p) return;
#if PRED__THREADS
    if (p->ids) { /* the primitives exist: the pool was made for 2 threads or more */
        int k;
        pred__lock(&p->mutex);
        p->stop = 1;
        pred__cond_broadcast(&p->wake);
        pred__unlock(&p->mutex);
        for (k = 1; k < p->threads; k++) pred__thread_join(p->ids[k]);
        pred__cond_destroy(&p->done);
        pred__cond_destroy(&p->wake);
        pred__mutex_destroy(&p->mutex);
    }
    PRED_FREE(p->ids);
    PRED_FREE(p->workers);
#endif
    PRED_FREE(p);
}

static void pred__pool_run(pred__threadpool *p, size_t n_tasks, pred__task_fn task, void *ctx) {
#if PRED__THREADS
    size_t n_ranges, wake;
#endif
    if (n_tasks == 0) return;
    if (!p || p->threads <= 1 || n_tasks == 1 || p->busy) {
        /* inline; a call from inside a task (nested) keeps the worker index of its thread */
        task(ctx, 0, n_tasks, pred__worker_self);
        return;
    }
#if PRED__THREADS
    n_ranges = (size_t)p->threads * 4;
    if (n_ranges > n_tasks) n_ranges = n_tasks;
    pred__lock(&p->mutex);
    p->busy = 1;
    p->task = task;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    p->n_ranges = n_ranges;
    p->next = 0;
    p->pending = n_ranges;
#if PRED__SPIN
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_relaxed); /* seen by spinning workers */
#endif
    /* wake the workers that have a range to run: one fewer than the ranges (the caller runs one) */
    for (wake = 1; wake < n_ranges && wake < (size_t)p->threads; wake++) pred__cond_signal(&p->wake);
    pred__pool_drain(p, 0);
#if PRED__SPIN
    while (p->pending > 0 && atomic_load_explicit(&p->spin, memory_order_relaxed)) {
        size_t before = p->pending;
        pred__pool_spin_while(p, &p->pending, before);
        if (p->pending == before) break; /* spun out, or the run ended: sleep */
    }
#endif
    while (p->pending > 0) pred__cond_wait(&p->done, &p->mutex);
    p->busy = 0;
    pred__unlock(&p->mutex);
#endif
}

static void pred__pool_spin(pred__threadpool *p, int on) {
#if PRED__SPIN
    if (p && p->threads > 1) atomic_store_explicit(&p->spin, on, memory_order_relaxed);
#else
    (void)p;
    (void)on;
#endif
}

/* ---- thread counts --------------------------------------------------------*/

static int pred__cpu_count(void) {
    long n = 1;
#if PRED__THREADS == 2
    DWORD_PTR process = 0, system = 0;
    if (GetProcessAffinityMask(GetCurrentProcess(), &process, &system) && process) {
        for (n = 0; process; process &= process - 1) n++;
    } else {
        SYSTEM_INFO info;
        GetSystemInfo(&info);
        n = (long)info.dwNumberOfProcessors;
    }
#elif PRED__THREADS == 1
#if defined(__linux__) && defined(CPU_COUNT) /* sched_getaffinity: glibc, musl and bionic under _GNU_SOURCE */
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
#if defined(_SC_NPROCESSORS_ONLN)
    n = sysconf(_SC_NPROCESSORS_ONLN);
#elif defined(__APPLE__)
    n = sysconf(58); /* _SC_NPROCESSORS_ONLN, which Darwin hides under _XOPEN_SOURCE */
#endif
#endif
    if (n < 1) n = 1;
    if (n > PRED__MAX_THREADS) n = PRED__MAX_THREADS;
    return (int)n;
}

static int pred__threads_resolve(int requested) {
#if PRED__THREADS
    int n = requested;
    if (n <= 0) {
        n = pred__cpu_count();
        if (n > PRED__DEFAULT_THREADS_MAX) n = PRED__DEFAULT_THREADS_MAX;
    }
    return n > PRED__MAX_THREADS ? PRED__MAX_THREADS : n;
#else
    (void)requested;
    (void)pred__cpu_count;
    return 1;
#endif
}

/* ---- pred__parallel_for (graph.h) -----------------------------------------*/

static void pred__parallel_for(const pred__exec *x, size_t n_tasks, pred__task_fn task, void *ctx) {
    /* the workers start with the first split (NULL, out of memory: the tasks run on the caller) */
    if (x->threads > 1 && n_tasks > 1 && x->pool && !*x->pool) {
        *x->pool = pred__pool_create(x->threads);
        pred__pool_spin(*x->pool, 1); /* made during a run (pred__session_run) */
    }
    pred__pool_run(x->pool ? *x->pool : NULL, n_tasks, task, ctx);
}

static int pred__exec_threads(const pred__exec *x) {
    return x->threads;
}

/* Elements per task of pred__parallel_elements: 4 KiB of floats, so that
 * ranges start on cache lines (no false sharing between threads). */
#define PRED__PAR_BLOCK 1024

static int pred__parallel_worth(const pred__exec *x, size_t elements, int heavy) {
    return pred__exec_threads(x) > 1 &&
           elements >= (heavy ? PRED__PAR_MIN_HEAVY : PRED__PAR_MIN_LIGHT);
}

static int pred__parallel_worth_macs(const pred__exec *x, size_t macs) {
    return pred__exec_threads(x) > 1 && macs >= PRED__PAR_MIN_MACS;
}

typedef struct pred__elements_job {
    size_t count;
    pred__task_fn task;
    void *ctx;
} pred__elements_job;

/* blocks [begin, end) -> elements */
static void pred__elements_task(void *ctx, size_t begin, size_t end, int worker) {
    const pred__elements_job *job = (const pred__elements_job *)ctx;
    size_t e = end * PRED__PAR_BLOCK;
    job->task(job->ctx, begin * PRED__PAR_BLOCK, e < job->count ? e : job->count, worker);
}

static void pred__parallel_elements(const pred__exec *x, size_t count, int heavy, pred__task_fn task, void *ctx) {
    pred__elements_job job;
    if (!pred__parallel_worth(x, count, heavy)) {
        if (count) task(ctx, 0, count, 0);
        return;
    }
    job.count = count;
    job.task = task;
    job.ctx = ctx;
    pred__parallel_for(x, (count + PRED__PAR_BLOCK - 1) / PRED__PAR_BLOCK, pred__elements_task, &job);
}
