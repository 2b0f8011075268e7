/* A stand-in for the model's share of a co-simulation, for bench_cosim: sleeps, wakes every
 * PERIOD_US, stays busy BUSY_US (no memory traffic, no contact with anything), for SECONDS.
 * Run beside the bare design on the other CPU, it shows what a co-simulation pays on this
 * machine merely for waking the second CPU, whatever the bridge does.
 *
 * usage: cpu_waker SECONDS PERIOD_US BUSY_US */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_report.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: cpu_waker SECONDS PERIOD_US BUSY_US\n");
    return 2;
  }
  const double seconds = atof(argv[1]), period_s = atof(argv[2]) * 1e-6,
               busy_s = atof(argv[3]) * 1e-6;
  const struct timespec nap = {.tv_sec = 0, .tv_nsec = (long)(period_s * 1e9)};
  for (double start = cpo_bench_now_s(); cpo_bench_now_s() - start < seconds;) {
    nanosleep(&nap, NULL);
    for (double b = cpo_bench_now_s(); cpo_bench_now_s() - b < busy_s;)
      ;
  }
  return 0;
}
