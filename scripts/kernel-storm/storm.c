/* Kernel event storms for the kernel collector's benchmarks (docs/BENCHMARKS.md, "Kernel collector").
 *   fork:  WORKERS processes each fork()+_exit(0)+waitpid() in a loop: one kernel.process.exit per child
 *          (add exec with MODE exec: the child execs /bin/true: exec + exit)
 *   reset: WORKERS processes each connect() to a closed port on 127.0.0.1 in a loop: one
 *          kernel.network.reset per attempt (the RST of a refused connection)
 * Runs for SECONDS and prints what it did per second.
 *   gcc -O2 -o /tmp/storm storm.c && /tmp/storm fork 2 10 && /tmp/storm reset 2 10 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: storm fork|exec|reset WORKERS SECONDS [PORT]\n"); return 2; }
  const char *mode = argv[1]; int workers = atoi(argv[2]); double seconds = atof(argv[3]);
  int port = argc > 4 ? atoi(argv[4]) : 9;   /* 9 (discard): closed on this machine */
  long *counts = mmap(0, sizeof(long) * workers, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  double end = now() + seconds;
  for (int w = 0; w < workers; w++) {
    if (fork() == 0) {
      long n = 0;
      struct sockaddr_in a; memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      while (now() < end) {
        for (int i = 0; i < 64; i++) {
          if (strcmp(mode, "reset") == 0) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) { fprintf(stderr, "port %d is open\n", port); _exit(1); }
            close(s);
          } else {
            pid_t c = fork();
            if (c == 0) {
              if (strcmp(mode, "exec") == 0) execl("/bin/true", "true", (char *)0);
              _exit(0);
            }
            waitpid(c, 0, 0);
          }
          n++;
        }
      }
      counts[w] = n;
      _exit(0);
    }
  }
  double start = now();
  while (wait(0) > 0) { }
  double took = now() - start;
  long total = 0; for (int w = 0; w < workers; w++) total += counts[w];
  printf("%s: %d workers, %ld in %.2f s = %.0f/s\n", mode, workers, total, took, total / took);
  return 0;
}
