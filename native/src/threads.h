/*
 * threads.h: the thread pool a session runs its operators on.
 *
 * A pool is a set of persistent workers, owned by one session (session.h)
 * and joined when it is freed. It has one primitive, pred__parallel_for
 * (graph.h, over a pred__exec; pred__pool_run here): [0, n_tasks) is split
 * into contiguous ranges, which the workers and the calling thread claim in
 * order until none is left; the call returns when every range is done.
 * Between calls of one run (pred__pool_spin on), workers and the caller wait
 * by spinning a little (a wake-up through the condition variable costs tens
 * of microseconds on virtual machines, times every node of a model), then
 * sleep on the condition variable; once the run ends (spin off), nothing
 * spins.
 *
 * Threads come from POSIX (<pthread.h>) or, under _WIN32, from Win32.
 * -DPRED_NO_THREADS compiles them out, as does emscripten without
 * -pthread (__EMSCRIPTEN_PTHREADS__): every pool then has one thread and
 * pred__parallel_for runs the tasks on the caller.
 *
 * Results never depend on the split: a task computes outputs that no other
 * task touches, each with the arithmetic of the one-thread code (no
 * reduction is ever divided between tasks).
 */
#ifndef PRED_THREADS_H
#define PRED_THREADS_H

#include "common.h"

#if defined(PRED_NO_THREADS) || (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))
#define PRED__THREADS 0 /* no threads: everything runs on the caller */
#elif defined(_WIN32)
#define PRED__THREADS 2 /* Win32 threads */
#else
#define PRED__THREADS 1 /* POSIX threads */
#endif

/* The most threads a session uses: pred_session_set_threads caps larger counts. */
#define PRED__MAX_THREADS 64
/* The default thread count (pred_session_set_threads(s, 0)) is the CPUs the
 * process may run on, at most this many (see predict.h for why). */
#define PRED__DEFAULT_THREADS_MAX 8

/* Runs the indices [begin, end) of a parallel loop; `worker` (0 .. threads-1)
 * is unique among the ranges running at one time: 0 is the calling thread,
 * so a task finds its own scratch memory by it. */
typedef void (*pred__task_fn)(void *ctx, size_t begin, size_t end, int worker);

typedef struct pred__threadpool pred__threadpool;

/* A pool of `threads` threads: the caller of pred__pool_run and threads - 1
 * workers, started now. NULL when memory runs out. If the system refuses to
 * start some workers the pool has fewer; without
 * threads (PRED__THREADS 0), it has one. */
static pred__threadpool *pred__pool_create(int threads);
/* Stops and joins the workers. NULL is ignored. */
static void pred__pool_free(pred__threadpool *p);
/* task(ctx, begin, end, worker) over contiguous ranges covering [0, n_tasks),
 * on the workers and the calling thread; returns when all are done. With no
 * pool (NULL), one task or one thread, and for a call made from inside a
 * task, it runs task(ctx, 0, n_tasks, worker) on the calling thread. Ranges
 * are at most 4 per thread, so that a thread that is late (descheduled) costs
 * little; pass as many tasks as there are independent pieces of work, or
 * pred__exec_threads() of them for one range per thread. */
static void pred__pool_run(pred__threadpool *p, size_t n_tasks, pred__task_fn task, void *ctx);
/* While `on` (a session's run), waiting workers spin briefly before they sleep. NULL is ignored. */
static void pred__pool_spin(pred__threadpool *p, int on);

/* The CPUs this process may run on (its affinity mask on Linux and Windows,
 * the online CPUs elsewhere); at least 1. */
static int pred__cpu_count(void);
/* The thread count a session uses for the count given to
 * pred_session_set_threads (0 or more): 0 gives the default, larger counts
 * are capped at PRED__MAX_THREADS; 1 without threads. */
static int pred__threads_resolve(int requested);

#endif /* PRED_THREADS_H */
