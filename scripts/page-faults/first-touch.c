/* First touch of fresh anonymous memory, ROUNDS times (docs/BENCHMARKS.md, "The journal in the pipeline").
 * On a VM whose balloon reports free pages to the host, the first round is much slower than the later ones.
 *   gcc -O2 -o /tmp/first-touch first-touch.c && /tmp/first-touch 2048 3      # MiB, rounds */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
int main(int argc, char **argv) {
  size_t sz = (size_t)atol(argv[1]) << 20; int rounds = atoi(argv[2]);
  for (int r = 0; r < rounds; r++) {
    char *p = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, sz, MADV_NOHUGEPAGE);
    long mx = 0, over1 = 0, over100 = 0, tot = ns();
    for (size_t o = 0; o < sz; o += 4096) { long t = ns(); p[o] = 1; long d = ns() - t; if (d > mx) mx = d; if (d > 1000000) over1++; if (d > 100000) over100++; }
    tot = ns() - tot;
    printf("round %d: %zu MiB in %.1f ms, max touch %.2f ms, >100us %ld, >1ms %ld\n", r, sz >> 20, tot / 1e6, mx / 1e6, over100, over1);
    munmap(p, sz);
  }
  return 0;
}
