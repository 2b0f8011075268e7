/* Benchmarks of the behavioural models, one core:
 *   - bit-true PAM4 with noise through the default engine (8 x 106.25 GBd, micro-rings, ELS):
 *     symbols per second (target 400 M/s: the RTL's ~1.7 M cycles/s x 8 lanes x 32 symbols);
 *   - its parts side by side: the ziggurat alone (double, and the single precision the link
 *     uses), the symbol kernel alone;
 *   - statistical mode at BER ~1e-6 on the same engine: speed-up over bit-true (target 100x).
 * Prints and writes build/bench/model_link.json (cpo_bench_report). Timing is wall clock on
 * one thread, the best of several windows (and the median beside it): run it on an otherwise
 * idle machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"
#include "cpo/link.h"
#include "cpo/rng.h"
#include "cpo/symchan.h"

#define SPC 32         /* symbols per cycle per lane: a 64-bit PAM4 word */
#define CHUNK 4096     /* cycles per process call, like a bridge quantum batch */
#define WINDOWS 8      /* timed windows per link measurement: this machine's speed drifts */
#define WINDOW_S 0.25  /* each at least this long */
#define MIN_TIME_S 2.0 /* the parts (generator, kernel) run at least this long */

static uint64_t s_splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

static int s_cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Symbols per second through a link: the best of WINDOWS timed windows, the link's speed on
 * an undisturbed core (other tenants of a shared machine slow some windows down); *median
 * says how much they did. */
static double s_link_rate(const cpo_link_cfg_t *cfg, uint64_t *symbol_errors, double *symbols_done,
                          double *median) {
  cpo_link_t *l = NULL;
  if (cpo_link_create(cfg, &l) != CPO_OK)
    exit(1);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  uint64_t *tx = malloc((size_t)CHUNK * info.lanes * sizeof *tx);
  uint64_t *rx = malloc((size_t)CHUNK * info.lanes * sizeof *rx);
  if (!tx || !rx)
    exit(1);
  uint64_t seed = 1;
  for (size_t k = 0; k < (size_t)CHUNK * info.lanes; k++)
    tx[k] = s_splitmix(&seed);
  uint64_t cycle = 0;
  if (cpo_link_process(l, cycle, CHUNK, tx, rx) != CPO_OK) /* warm-up */
    exit(1);
  cycle += CHUNK;
  double rates[WINDOWS];
  for (int w = 0; w < WINDOWS; w++) {
    const uint64_t first = cycle;
    const double t0 = cpo_bench_now_s();
    double t = t0;
    while (t - t0 < WINDOW_S) {
      for (int k = 0; k < 16; k++, cycle += CHUNK)
        if (cpo_link_process(l, cycle, CHUNK, tx, rx) != CPO_OK)
          exit(1);
      t = cpo_bench_now_s();
    }
    rates[w] = (double)(cycle - first) * info.lanes * info.symbols_per_cycle / (t - t0);
  }
  qsort(rates, WINDOWS, sizeof rates[0], s_cmp_double);
  *median = 0.5 * (rates[(WINDOWS - 1) / 2] + rates[WINDOWS / 2]);
  *symbol_errors = 0;
  for (uint32_t lane = 0; lane < info.lanes; lane++)
    *symbol_errors += cpo_link_symbol_errors(l, lane);
  *symbols_done = (double)cycle * info.lanes * info.symbols_per_cycle;
  cpo_link_destroy(&l);
  free(tx);
  free(rx);
  return rates[WINDOWS - 1];
}

/* Normals per second, double (@p f32 false) or single precision (what the link uses). */
static double s_rng_rate(int f32) {
  cpo_rng_t *rng = NULL;
  if (cpo_rng_create(1, 0, &rng) != CPO_OK)
    exit(1);
  enum { N = 4096 };
  static double buf[N];
  static float buff[N];
  double n = 0, sink = 0;
  const double t0 = cpo_bench_now_s();
  double t = t0;
  while (t - t0 < MIN_TIME_S) {
    for (int k = 0; k < 256; k++, n += N) {
      if (f32)
        cpo_rng_fill_normal_f32(rng, buff, N);
      else
        cpo_rng_fill_normal(rng, buf, N);
      sink += f32 ? buff[k] : buf[k];
    }
    t = cpo_bench_now_s();
  }
  cpo_rng_destroy(&rng);
  if (sink == 1234.5)
    printf(" ");
  return n / (t - t0);
}

/* The symbol kernel alone on a PAM4 eye with two crosstalk neighbours, noise pre-drawn. */
static double s_kernel_rate(void) {
  cpo_symchan_eye_t e;
  memset(&e, 0, sizeof e);
  e.levels = 4;
  for (int k = 0; k < 16; k++) {
    e.own_a[k] = 1e-4 * (k & 3);
    e.xt_a[0][k] = e.xt_a[1][k] = 3e-8 * (k & 3);
  }
  e.has_neighbour[0] = e.has_neighbour[1] = 1;
  const double taps[5] = {0.75, 0.01, 0.0, 0.004, -0.004};
  memcpy(e.taps, taps, sizeof taps);
  for (int s = 0; s < 4; s++)
    e.sigma_a[s] = 8e-6;
  for (int t = 0; t < 3; t++)
    e.threshold_a[t] = 0.75e-4 * (t + 0.5);
  enum { W = 128, N = W * SPC };
  static uint64_t tx[3 * W], rx[W];
  static float noise[N];
  uint64_t seed = 2;
  for (int k = 0; k < 3 * W; k++)
    tx[k] = s_splitmix(&seed);
  cpo_rng_t *rng = NULL;
  if (cpo_rng_create(1, 1, &rng) != CPO_OK)
    exit(1);
  cpo_rng_fill_normal_f32(rng, noise, N);
  cpo_rng_destroy(&rng);
  cpo_symchan_input_t in = {.own = {tx, 0},
                            .nb = {{tx + W, 0}, {tx + 2 * W, 0}},
                            .stride = 1,
                            .symbols_per_word = SPC,
                            .bits_per_symbol = 2,
                            .gray = 1};
  cpo_symchan_state_t st;
  memset(&st, 0, sizeof st);
  cpo_symchan_errors_t err = {0, 0};
  double n = 0;
  const double t0 = cpo_bench_now_s();
  double t = t0;
  while (t - t0 < MIN_TIME_S) {
    for (int k = 0; k < 256; k++, n += N)
      cpo_symchan_bit_true(&e, &st, &in, N, noise, rx, &err);
    t = cpo_bench_now_s();
  }
  return n / (t - t0);
}

/* Fibre-to-chip coupler loss (dB per facet) that puts the default engine's measured BER near
 * @p target_ber: bisection on short statistical-mode runs (the mode under test agrees with
 * bit-true, as the unit tests show). */
static double s_loss_for_ber(double target_ber) {
  double lo = 0.0, hi = 3.0;
  uint64_t tx[CHUNK * 8], rx[CHUNK * 8];
  uint64_t seed = 3;
  for (size_t k = 0; k < (size_t)CHUNK * 8; k++)
    tx[k] = s_splitmix(&seed);
  for (int it = 0; it < 14; it++) {
    const double mid = 0.5 * (lo + hi);
    cpo_profile_t p;
    if (cpo_profile_load(NULL, &p) != CPO_OK)
      exit(1);
    p.fibre.coupler_loss_db = mid;
    const cpo_link_cfg_t cfg = {.params = &p,
                                .symbols_per_cycle = SPC,
                                .seed = 100 + it,
                                .start_calibrated = true,
                                .fidelity = CPO_FIDELITY_STATISTICAL};
    cpo_link_t *l = NULL;
    if (cpo_link_create(&cfg, &l) != CPO_OK)
      exit(1);
    const uint64_t cycles = 1u << 21; /* 5.4e8 symbols, 1.1e9 bits */
    for (uint64_t c = 0; c < cycles; c += CHUNK)
      if (cpo_link_process(l, c, CHUNK, tx, rx) != CPO_OK)
        exit(1);
    double bits = 0;
    for (uint32_t lane = 0; lane < 8; lane++)
      bits += (double)cpo_link_bit_errors(l, lane);
    cpo_link_destroy(&l);
    if (bits / ((double)cycles * 8 * SPC * 2) < target_ber)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

int main(void) {
  cpo_bench_report_t *r = cpo_bench_report_create("model_link");
  if (!r)
    return 1;
  uint64_t errors;
  double symbols;

  const double rng = s_rng_rate(0), rngf = s_rng_rate(1);
  const double kernel = s_kernel_rate();
  const cpo_link_cfg_t bt = {.symbols_per_cycle = SPC,
                             .seed = 1,
                             .start_calibrated = true,
                             .fidelity = CPO_FIDELITY_BIT_TRUE};
  double bit_true_median;
  const double bit_true = s_link_rate(&bt, &errors, &symbols, &bit_true_median);
  cpo_bench_report_add(r, "bit_true_pam4_symbols_per_s", bit_true, "symbols/s", true, 400e6,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "bit_true_pam4_symbols_per_s_median_window", bit_true_median, "symbols/s",
                       false, 0, CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "ziggurat_f64_normals_per_s", rng, "normals/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "ziggurat_f32_normals_per_s", rngf, "normals/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "symbol_kernel_symbols_per_s", kernel, "symbols/s", false, 0,
                       CPO_BETTER_HIGHER);

  /* statistical vs bit-true at BER ~1e-6, same engine, side by side */
  static cpo_profile_t p;
  if (cpo_profile_load(NULL, &p) != CPO_OK)
    return 1;
  p.fibre.coupler_loss_db = s_loss_for_ber(1e-6);
  cpo_link_cfg_t cfg = {.params = &p,
                        .symbols_per_cycle = SPC,
                        .seed = 1,
                        .start_calibrated = true,
                        .fidelity = CPO_FIDELITY_BIT_TRUE};
  uint64_t bt_errors, st_errors;
  double bt_symbols, st_symbols;
  double median;
  const double bt_rate = s_link_rate(&cfg, &bt_errors, &bt_symbols, &median);
  cfg.fidelity = CPO_FIDELITY_STATISTICAL;
  const double st_rate = s_link_rate(&cfg, &st_errors, &st_symbols, &median);
  cpo_bench_report_add(r, "statistical_speedup_at_ber_1e-6", st_rate / bt_rate, "x", true, 100,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "statistical_symbols_per_s", st_rate, "symbols/s", false, 0,
                       CPO_BETTER_HIGHER);
  /* Gray PAM4: BER ~ SER / 2 */
  cpo_bench_report_add(r, "bit_true_measured_ber", bt_errors / bt_symbols / 2, "1", false, 0,
                       CPO_BETTER_LOWER);
  cpo_bench_report_add(r, "statistical_measured_ber", st_errors / st_symbols / 2, "1", false, 0,
                       CPO_BETTER_LOWER);
  const int rc = cpo_bench_report_write(r);
  cpo_bench_report_destroy(&r);
  return rc == 0 ? 0 : 1;
}
