/* A co-simulation that parks lanes (ARCHITECTURE.md section 2, parked time), for the park
 * tests and benchmarks: the rtl (the verilated lanes or engine design), the default engine's
 * model and a scripted host, as threads of this process over inproc, ipc or tcp. The host lets
 * traffic lock, parks all lanes through STREAM_EN, sleeps (raising laser 0's current for a
 * quarter of the sleep and reading its power monitor), unparks, lets traffic relock, clears the
 * counters, lets it run, reads every lane, then parks again and detaches (the rtl skips to the
 * end of the run). With `half`, the park is of half the lanes while the others stream: after
 * the lock it clears the counters, parks the upper half, lets the lower half run, reads every
 * lane (half_*), unparks, and goes on as above from the relock (no sleep). */
#ifndef CPO_PARK_RUN_H
#define CPO_PARK_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "roles.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *transport;   /* "inproc", "ipc" or "tcp" */
  uint32_t quantum_cycles; /* 0: the default */
  uint64_t seed;
  uint64_t park_ns;       /* the parked sleep */
  uint64_t stream_cycles; /* each streaming stretch (lock, relock, count) */
  bool stay_streaming;    /* baseline: the same sleep without parking */
  bool half;              /* park the upper half of the lanes while the lower half streams */
  bool engine;            /* the engine design (rtl/engine) rather than the lanes design */
  const char *profile;    /* the engine profile (NULL: the default scenario's) */
} cpo_park_run_cfg_t;

typedef struct {
  cpo_run_summary_t sum; /* the rtl's */
  int rtl_code, model_code, host_code;
  uint32_t lanes;                     /* the traffic checkers' (host) lanes */
  uint32_t latency_cycles;            /* the configuration's L */
  bool locked[CPO_MAX_LANES_SUMMARY]; /* as the host read them after unparking */
  uint64_t bits[CPO_MAX_LANES_SUMMARY];
  uint64_t errors[CPO_MAX_LANES_SUMMARY];
  /* half: as the host read them while the upper half was parked (counted from the park on) */
  bool half_locked[CPO_MAX_LANES_SUMMARY];
  uint64_t half_bits[CPO_MAX_LANES_SUMMARY];
  uint64_t half_errors[CPO_MAX_LANES_SUMMARY];
  double sleep_wall_s;   /* the parked sleep and the unpark write after it (which waits for the
                            model to catch up), in wall time, as the host saw them */
  uint64_t sleep_cycles; /* and in cycles */
  uint64_t sleep_cycles_asked;                   /* what the HAL made of park_ns */
  uint32_t power_code_before, power_code_raised; /* laser 0's power monitor ADC, parked */
  double sim_s_per_cycle;                        /* the configuration's cycle time */
  char why[400];                                 /* what failed, if something did */
} cpo_park_run_result_t;

/** Run it; true when every role ended cleanly (r->why says otherwise). */
bool cpo_park_run(const cpo_park_run_cfg_t *cfg, cpo_park_run_result_t *r);

#ifdef __cplusplus
}
#endif

#endif
