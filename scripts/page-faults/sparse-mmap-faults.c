/* Write faults in a sparse file through a shared mapping, one per 4 KiB page, timed (docs/BENCHMARKS.md,
 * "The journal in the pipeline"). MODE 0: plain ftruncate; 1: MADV_RANDOM; 2: fallocate first; 3: MADV_SEQUENTIAL.
 *   gcc -O2 -o /tmp/sparse-mmap-faults sparse-mmap-faults.c
 *   for m in 0 1 2 3; do /tmp/sparse-mmap-faults /tmp/faults.dat 256 $m; done      # file, MiB, mode */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
static long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
int main(int argc, char **argv) {
  size_t sz = (size_t)atol(argv[2]) << 20; int mode = atoi(argv[3]);
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (mode == 2) fallocate(fd, 0, 0, sz); else if (ftruncate(fd, sz) != 0) return 1;
  char *p = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mode == 1) madvise(p, sz, MADV_RANDOM);
  if (mode == 3) madvise(p, sz, MADV_SEQUENTIAL);
  long mx = 0, over100 = 0, over1 = 0, tot = ns();
  for (size_t o = 0; o < sz; o += 4096) { long t = ns(); p[o] = 1; long d = ns() - t; if (d > mx) mx = d; if (d > 1000000) over1++; if (d > 100000) over100++; }
  tot = ns() - tot;
  printf("mode %d: %zu MiB in %.1f ms (%.1f us/page), max %.2f ms, >100us %ld, >1ms %ld\n", mode, sz >> 20, tot / 1e6, tot / 1e3 / (sz / 4096), mx / 1e6, over100, over1);
  munmap(p, sz); close(fd); unlink(argv[1]);
  return 0;
}
