/* What the bridge's session drills share: the bridge timeout they bound detection by, the run
 * every peer agrees on and a monotonic clock. */
#ifndef CPO_TEST_DRILL_UTIL_H
#define CPO_TEST_DRILL_UTIL_H

#include <stdio.h>
#include <time.h>

#include "cpo/bridge.h"

#define TIMEOUT_MS 400

static inline cpo_config_t drill_config(void) {
  cpo_config_t c = {.lanes = 8,
                    .symbols_per_cycle = 32,
                    .bits_per_symbol = 1,
                    .latency_cycles = 64,
                    .quantum_cycles = 16,
                    .seed = 7,
                    .total_cycles = 1000,
                    .baud_hz = 53125000000ull};
  snprintf(c.profile, sizeof c.profile, "loopback");
  return c;
}

static inline double drill_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
