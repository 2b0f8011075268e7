/* The parked path (cpo_link_advance) of the default engine (8 lanes), physics and monitors
 * live, in simulated seconds per wall second, side by side in paired rounds with the
 * streaming path (cpo_link_process, statistical) over the same simulated span:
 *   - settled: a calibrated start, every lane locked (target >= 0.2 s/s, issue 12);
 *   - warm-up: from power-on, every laser switched on at cycle 0: the junctions, rings and
 *     monitors move at every step for the first milliseconds;
 *   - streaming: today's path over the same span, for the ratio;
 *   - the parked cases again for the 64-lane profile (mzm-6.4t), printed beside them.
 * Each round runs each case once; the median of ROUNDS and its 95 % interval are printed and
 * written to build/bench/model_park.json. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_report.h"
#include "cpo/link.h"

#define ROUNDS 9
#define PARK_SPAN_S 2e-3   /* simulated per parked measurement */
#define STREAM_SPAN_S 2e-5 /* per streaming measurement: far slower */
#define CALL_S 1e-4        /* a parked call: a horizon of 100 us */

#define WIDE_PROFILE "mzm-6.4t"

static cpo_link_t *s_link(const char *profile, bool calibrated, cpo_link_info_t *info) {
  const cpo_link_cfg_t cfg = {.profile = profile,
                              .symbols_per_cycle = 32,
                              .seed = 1,
                              .fidelity = CPO_FIDELITY_STATISTICAL,
                              .start_calibrated = calibrated};
  cpo_link_t *l = NULL;
  if (cpo_link_create(&cfg, &l) != CPO_OK)
    exit(1);
  cpo_link_get_info(l, info);
  if (!calibrated)
    for (uint32_t k = 0; k < info->lasers; k++)
      if (cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, k, 37000, 0) != CPO_OK)
        exit(1);
  return l;
}

/* Simulated seconds per wall second of one parked span from cycle 0. */
static double s_parked_rate(const char *profile, bool calibrated) {
  cpo_link_info_t info;
  cpo_link_t *l = s_link(profile, calibrated, &info);
  const uint64_t call = (uint64_t)(CALL_S / info.cycle_s);
  const uint64_t span = (uint64_t)(PARK_SPAN_S / info.cycle_s) / call * call;
  const double t0 = cpo_bench_now_s();
  for (uint64_t c = 0; c < span; c += call)
    if (cpo_link_advance(l, c, call) != CPO_OK)
      exit(1);
  const double wall = cpo_bench_now_s() - t0;
  cpo_link_destroy(&l);
  return (double)span * info.cycle_s / wall;
}

static double s_streaming_rate(void) {
  cpo_link_info_t info;
  cpo_link_t *l = s_link(NULL, true, &info);
  const uint32_t call = 4096;
  const uint64_t span = (uint64_t)(STREAM_SPAN_S / info.cycle_s) / call * call;
  uint64_t *tx = calloc((size_t)call * info.lanes, sizeof *tx);
  uint64_t *rx = calloc((size_t)call * info.lanes, sizeof *rx);
  if (!tx || !rx)
    exit(1);
  uint64_t seed = 0x9E3779B97F4A7C15u;
  for (size_t k = 0; k < (size_t)call * info.lanes; k++)
    tx[k] = (seed = seed * 6364136223846793005u + 1442695040888963407u);
  const double t0 = cpo_bench_now_s();
  for (uint64_t c = 0; c < span; c += call)
    if (cpo_link_process(l, c, call, tx, rx) != CPO_OK)
      exit(1);
  const double wall = cpo_bench_now_s() - t0;
  cpo_link_destroy(&l);
  free(tx), free(rx);
  return (double)span * info.cycle_s / wall;
}

/* The median of @p n rates and its 95 % interval, printed on one line. */
static double s_print(const char *what, double *v, size_t n) {
  const double m = cpo_bench_median(v, n);
  double lo, hi;
  cpo_bench_median_interval95(v, n, &lo, &hi);
  printf("%-24s %.3g s/s (95 %% interval %.3g .. %.3g)\n", what, m, lo, hi);
  return m;
}

int main(void) {
  double settled[ROUNDS], warm[ROUNDS], stream[ROUNDS], settled64[ROUNDS], warm64[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    settled[r] = s_parked_rate(NULL, true);
    warm[r] = s_parked_rate(NULL, false);
    stream[r] = s_streaming_rate();
    settled64[r] = s_parked_rate(WIDE_PROFILE, true);
    warm64[r] = s_parked_rate(WIDE_PROFILE, false);
  }
  const double settled_m = s_print("parked settled", settled, ROUNDS);
  const double warm_m = s_print("parked warm-up", warm, ROUNDS);
  const double stream_m = s_print("streaming", stream, ROUNDS);
  const double settled64_m = s_print("parked settled, 64 lanes", settled64, ROUNDS);
  const double warm64_m = s_print("parked warm-up, 64 lanes", warm64, ROUNDS);
  cpo_bench_report_t *rep = cpo_bench_report_create("model_park");
  cpo_bench_report_add(rep, "parked_settled_sim_s_per_s", settled_m, "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_warmup_sim_s_per_s", warm_m, "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "streaming_sim_s_per_s", stream_m, "s/s", false, 0, CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_over_streaming", settled_m / stream_m, "x", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_settled_64_lanes_sim_s_per_s", settled64_m, "s/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_warmup_64_lanes_sim_s_per_s", warm64_m, "s/s", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc;
}
