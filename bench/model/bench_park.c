/* The parked path (cpo_link_advance) of the default engine (8 lanes), physics and monitors
 * live, in simulated seconds per wall second, side by side in paired rounds with the
 * streaming path (cpo_link_process, statistical) over the same simulated span:
 *   - settled: a calibrated start, every lane locked (target >= 0.2 s/s, issue 12);
 *   - warm-up: from power-on, every laser switched on at cycle 0: the junctions, rings and
 *     monitors move at every step for the first milliseconds;
 *   - streaming: today's path over the same span, for the ratio.
 * Each round runs the three once; the median of ROUNDS and the spread (lowest, highest) are
 * printed and written to build/bench/model_park.json. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_report.h"
#include "cpo/link.h"

#define ROUNDS 9
#define PARK_SPAN_S 2e-3   /* simulated per parked measurement */
#define STREAM_SPAN_S 2e-5 /* per streaming measurement: far slower */
#define CALL_S 1e-4        /* a parked call: a horizon of 100 us */

static cpo_link_t *s_link(bool calibrated, cpo_link_info_t *info) {
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32,
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
static double s_parked_rate(bool calibrated) {
  cpo_link_info_t info;
  cpo_link_t *l = s_link(calibrated, &info);
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
  cpo_link_t *l = s_link(true, &info);
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

int main(void) {
  double settled[ROUNDS], warm[ROUNDS], stream[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    settled[r] = s_parked_rate(true);
    warm[r] = s_parked_rate(false);
    stream[r] = s_streaming_rate();
  }
  const double settled_m = cpo_bench_median(settled, ROUNDS);
  const double warm_m = cpo_bench_median(warm, ROUNDS);
  const double stream_m = cpo_bench_median(stream, ROUNDS);
  printf("parked settled  %.3g s/s (%.3g .. %.3g)\n", settled_m, settled[0], settled[ROUNDS - 1]);
  printf("parked warm-up  %.3g s/s (%.3g .. %.3g)\n", warm_m, warm[0], warm[ROUNDS - 1]);
  printf("streaming       %.3g s/s (%.3g .. %.3g)\n", stream_m, stream[0], stream[ROUNDS - 1]);
  cpo_bench_report_t *rep = cpo_bench_report_create("model_park");
  cpo_bench_report_add(rep, "parked_settled_sim_s_per_s", settled_m, "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_warmup_sim_s_per_s", warm_m, "s/s", true, 0.2,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "streaming_sim_s_per_s", stream_m, "s/s", false, 0, CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "parked_over_streaming", settled_m / stream_m, "x", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc;
}
