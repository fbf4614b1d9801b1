/* Single-core floating-point peak of this CPU, for the benchmark harness.
 *
 * Independent chains of multiply-adds on registers (no memory traffic), so
 * the loop is bound by the FMA units only. Built three ways by the harness:
 *
 *   cc -O2 -mavx512f -DPEAK_AVX512 peak.c   16 floats per FMA  (if the CPU has AVX-512F)
 *   cc -O2 -mavx2 -mfma -DPEAK_AVX2 peak.c   8 floats per FMA
 *   cc -O2 -DPEAK_SSE peak.c                 4 floats per mul + add, no FMA: the most
 *                                            plain `cc -O2` x86-64 code (SSE2) can do
 *
 * Prints the best of several runs: {"gflops": G, "lanes": L, "chains": C}.
 * A multiply-add counts as 2 flops. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>

#define CHAINS 12

#if defined(PEAK_AVX512)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define MADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SUM(v) _mm512_reduce_add_ps(v)
#define ADD _mm512_add_ps
#elif defined(PEAK_AVX2)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define MADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define ADD _mm256_add_ps
static float SUM(__m256 v) { float f[8], s = 0; int i; _mm256_storeu_ps(f, v); for (i = 0; i < 8; i++) s += f[i]; return s; }
#else
typedef __m128 vec;
#define LANES 4
#define SET1 _mm_set1_ps
#define MADD(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define ADD _mm_add_ps
static float SUM(__m128 v) { float f[4], s = 0; int i; _mm_storeu_ps(f, v); for (i = 0; i < 4; i++) s += f[i]; return s; }
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

volatile float seed_a = 0.999999f, seed_b = 1e-7f, sink;

static double once(long iters) {
    vec acc[CHAINS], a = SET1(seed_a), b = SET1(seed_b), total;
    double t;
    long i;
    int c;
    for (c = 0; c < CHAINS; c++) acc[c] = SET1((float)c);
    t = now();
    for (i = 0; i < iters; i++) {
        /* written out so that every accumulator stays in a register */
        acc[0] = MADD(acc[0], a, b); acc[1] = MADD(acc[1], a, b);
        acc[2] = MADD(acc[2], a, b); acc[3] = MADD(acc[3], a, b);
        acc[4] = MADD(acc[4], a, b); acc[5] = MADD(acc[5], a, b);
        acc[6] = MADD(acc[6], a, b); acc[7] = MADD(acc[7], a, b);
        acc[8] = MADD(acc[8], a, b); acc[9] = MADD(acc[9], a, b);
        acc[10] = MADD(acc[10], a, b); acc[11] = MADD(acc[11], a, b);
    }
    t = now() - t;
    total = acc[0];
    for (c = 1; c < CHAINS; c++) total = ADD(total, acc[c]);
    sink = SUM(total);
    return 2.0 * LANES * CHAINS * (double)iters / t / 1e9;
}

int main(int argc, char **argv) {
    long iters = 20000000;
    double best = 0;
    int r, reps = 5;
    if (argc > 1) iters = atol(argv[1]);
    once(iters / 10); /* warm up: clock ramp, AVX frequency licence */
    for (r = 0; r < reps; r++) {
        double g = once(iters);
        if (g > best) best = g;
    }
    printf("{\"gflops\": %.2f, \"lanes\": %d, \"chains\": %d}\n", best, LANES, CHAINS);
    return 0;
}
