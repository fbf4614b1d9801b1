/*
 * platform.h: what the engine asks of the operating system, declared before
 * any system header.
 *
 * The single file is compiled as strict C11 (-std=c11), which hides POSIX
 * functions (realpath, open with O_NOFOLLOW, fdopen, threads) and Linux's
 * sched_getaffinity unless a feature-test macro asks for them. This header comes first in the amalgamation, so the
 * macro precedes every #include <...>. Windows has its own means (external.c).
 */
#ifndef PRED_PLATFORM_H
#define PRED_PLATFORM_H

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with XSI: realpath, threads */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* sched_getaffinity: the CPUs the process may use (threads.c) */
#endif
#endif

#endif /* PRED_PLATFORM_H */
