/* Parked time in the co-simulation (issue 12): the default engine's physics and monitors live,
 * the rtl, model and host as threads over inproc (tests/cosim/park_run.c). Each round runs, side
 * by side:
 *   - parked: the host parks every lane and sleeps 100 ms; its wall time (the sleep and the
 *     bus access after it, which waits for the model to catch up) is the firmware's cost
 *     (target <= 0.5 s), and 100 ms over it the parked rate (target >= 0.2 s/s);
 *   - streaming: the same script with every lane streaming through a 20 us sleep, for the
 *     ratio;
 *   - the parked 100 ms sleep again on the engine design (rtl/engine), beside the lanes one;
 *   - and on the 64-lane engine (profile mzm-6.4t), its rate beside the 8-lane one.
 * The lanes design's rows keep their names; the engine's are prefixed engine_ (engine64_).
 * The median of ROUNDS and the spread (lowest, highest) are printed and written to
 * build/bench/cosim_park.json. `cpo_bench_cosim_park engine N [CYCLES]` runs only N engine
 * parked sleeps (with streaming stretches of CYCLES) and writes nothing (for a profiler);
 * `engine64` the same on the 64-lane engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"
#include "park_run.h"

#define ROUNDS 7
#define PARK_NS 100000000ull
#define STREAM_NS 20000ull
#define STREAM_CYCLES 20000u

/* The sleep's wall time and simulated seconds per wall second of one run. */
static uint64_t s_stream_cycles = STREAM_CYCLES;

static void s_round(bool engine, bool stream, const char *profile, double *wall_s, double *rate) {
  cpo_park_run_cfg_t cfg = {.transport = "inproc",
                            .engine = engine,
                            .profile = profile,
                            .seed = 1,
                            .park_ns = stream ? STREAM_NS : PARK_NS,
                            .stream_cycles = s_stream_cycles,
                            .stay_streaming = stream};
  static cpo_park_run_result_t r;
  if (!cpo_park_run(&cfg, &r)) {
    fprintf(stderr, "bench_park: %s\n", r.why);
    exit(1);
  }
  *wall_s = r.sleep_wall_s;
  *rate = (double)r.sleep_cycles * r.sim_s_per_cycle / r.sleep_wall_s;
}

static void s_print(const char *what, double *v, const char *unit) {
  const double median = cpo_bench_median(v, ROUNDS);
  printf("%-28s %.3g %s (%.3g .. %.3g)\n", what, median, unit, v[0], v[ROUNDS - 1]);
}

int main(int argc, char **argv) {
  if ((argc == 3 || argc == 4) &&
      (strcmp(argv[1], "engine") == 0 || strcmp(argv[1], "engine64") == 0)) {
    const char *profile = strcmp(argv[1], "engine64") == 0 ? "mzm-6.4t" : NULL;
    if (argc == 4)
      s_stream_cycles = strtoull(argv[3], NULL, 10);
    double wall, rate;
    for (int i = 0; i < atoi(argv[2]); i++) {
      s_round(true, false, profile, &wall, &rate);
      printf("%s parked 100 ms sleep %.3g s wall, %.3g sim s/s\n", argv[1], wall, rate);
    }
    return 0;
  }
  double park_wall[ROUNDS], park_rate[ROUNDS], stream_wall[ROUNDS], stream_rate[ROUNDS];
  double eng_wall[ROUNDS], eng_rate[ROUNDS], e64_wall[ROUNDS], e64_rate[ROUNDS];
  for (int i = 0; i < ROUNDS; i++) {
    s_round(false, false, NULL, &park_wall[i], &park_rate[i]);
    s_round(false, true, NULL, &stream_wall[i], &stream_rate[i]);
    s_round(true, false, NULL, &eng_wall[i], &eng_rate[i]);
    s_round(true, false, "mzm-6.4t", &e64_wall[i], &e64_rate[i]);
  }
  s_print("parked 100 ms sleep", park_wall, "s wall");
  s_print("parked rate", park_rate, "sim s/s");
  s_print("engine parked 100 ms sleep", eng_wall, "s wall");
  s_print("engine parked rate", eng_rate, "sim s/s");
  s_print("engine 64-lane 100 ms sleep", e64_wall, "s wall");
  s_print("engine 64-lane parked rate", e64_rate, "sim s/s");
  s_print("streaming 20 us sleep", stream_wall, "s wall");
  s_print("streaming rate", stream_rate, "sim s/s");
  const int m = ROUNDS / 2;
  cpo_bench_report_t *rep = cpo_bench_report_create("cosim_park");
  cpo_bench_report_add(rep, "parked_sleep_100ms_wall_s", park_wall[m], "s", true, 0.5,
                       CPO_BETTER_LOWER);
  cpo_bench_report_add(rep, "parked_sim_s_per_s", park_rate[m], "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "streaming_sim_s_per_s", stream_rate[m], "s/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "engine_parked_sleep_100ms_wall_s", eng_wall[m], "s", true, 0.5,
                       CPO_BETTER_LOWER);
  cpo_bench_report_add(rep, "engine_parked_sim_s_per_s", eng_rate[m], "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "engine64_parked_sleep_100ms_wall_s", e64_wall[m], "s", false, 0,
                       CPO_BETTER_LOWER);
  cpo_bench_report_add(rep, "engine64_parked_sim_s_per_s", e64_rate[m], "s/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_over_streaming", park_rate[m] / stream_rate[m], "x", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc;
}
