/* Benchmarks of the behavioural models, one core:
 *   - bit-true PAM4 with noise through the default engine (8 x 106.25 GBd, micro-rings, ELS):
 *     symbols per second (target 400 M/s: the RTL's ~1.7 M cycles/s x 8 lanes x 32 symbols);
 *   - its parts side by side: the ziggurat alone (double, and the single precision the link
 *     uses), the symbol kernel alone;
 *   - statistical against bit-true on the same engine at BER 1e-9, 1e-6, 1e-3, 1e-2 (past the
 *     switch to deciding every symbol) and dark (power-on, BER 0.5): each mode's M cycles/s and
 *     the cost per symbol ratio statistical / bit-true (target <= 1 at every BER; speed-up
 *     target 100 x at 1e-6), from paired rounds;
 *   - the model alone for each shipped profile (8 lanes, 64-lane mzm-6.4t, oif-3.2t's 8 media
 *     lanes behind 32 host lanes), both modes: cycles/s and lane-bits/s, paired rounds.
 * Paired rounds: the configurations under comparison run one after another in each round (the
 * order rotating), each for ~ROUND_S, many rounds; the median and a ~95 % interval (order
 * statistics of the median) are printed, so drift of a shared machine hits both sides alike.
 * The cost ratios are in this thread's CPU time (the wall-clock ratio beside them), speeds in
 * wall clock.
 * Prints and writes build/bench/model_link.json (cpo_bench_report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_report.h"
#include "cpo/link.h"
#include "cpo/rng.h"
#include "cpo/symchan.h"

#define SPC 32         /* symbols per cycle per lane: a 64-bit PAM4 word */
#define CHUNK 4096     /* cycles per process call, like a bridge quantum batch */
#define WINDOWS 8      /* timed windows per link measurement: this machine's speed drifts */
#define WINDOW_S 0.25  /* each at least this long */
#define MIN_TIME_S 2.0 /* the parts (generator, kernel) run at least this long */
#define ROUNDS 15      /* paired rounds per comparison */
#define ROUND_S 0.02   /* each configuration's share of a round */
#define MAX_SIDES 3

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

/* The default engine's predicted BER at coupler loss @p loss_db: each lane's eye (after one
 * call) averaged, by the exact error probability of each symbol, over random symbols (Gray
 * PAM4: BER ~ SER / 2). An expectation, not a count: it resolves 1e-9 in a moment. */
static double s_predicted_ber(double loss_db) {
  static cpo_profile_t p;
  if (cpo_profile_load(NULL, &p) != CPO_OK)
    exit(1);
  p.fibre.coupler_loss_db = loss_db;
  const cpo_link_cfg_t cfg = {.params = &p,
                              .symbols_per_cycle = SPC,
                              .seed = 1,
                              .start_calibrated = true,
                              .fidelity = CPO_FIDELITY_STATISTICAL};
  cpo_link_t *l = NULL;
  if (cpo_link_create(&cfg, &l) != CPO_OK)
    exit(1);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  enum { W = 256 };
  static uint64_t tx[CHUNK * 8], rx[CHUNK * 8], words[3][W];
  if (info.lanes > 8 || cpo_link_process(l, 0, CHUNK, tx, rx) != CPO_OK)
    exit(1);
  uint64_t seed = 4;
  double ser = 0.0;
  for (uint32_t lane = 0; lane < info.lanes; lane++) {
    cpo_symchan_eye_t e;
    if (cpo_link_eye(l, lane, &e) != CPO_OK)
      exit(1);
    for (int k = 0; k < 3; k++)
      for (int w = 0; w < W; w++)
        words[k][w] = s_splitmix(&seed);
    const cpo_symchan_input_t in = {.own = {words[0], 0},
                                    .nb = {{words[1], 0}, {words[2], 0}},
                                    .stride = 1,
                                    .symbols_per_word = SPC,
                                    .bits_per_symbol = 2,
                                    .gray = 1};
    const cpo_symchan_state_t st = {{0}};
    for (uint32_t i = CPO_SYMCHAN_TAPS; i < W * SPC; i++) /* past the (unused) history */
      ser += cpo_symchan_error_prob(&e, cpo_symchan_value(&e, &st, &in, i),
                                    cpo_symchan_level(&in, &in.own, i)) /
             ((W * SPC - CPO_SYMCHAN_TAPS) * (double)info.lanes);
  }
  cpo_link_destroy(&l);
  return ser / 2;
}

/* Coupler loss (dB per facet) that puts the default engine's predicted BER at @p target_ber:
 * bisection in log BER. */
static double s_loss_for_ber(double target_ber) {
  double lo = 0.0, hi = 10.0;
  for (int it = 0; it < 30; it++) {
    const double mid = 0.5 * (lo + hi);
    if (s_predicted_ber(mid) < target_ber)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* One side of a paired comparison: a link fed with fixed random words. */
typedef struct {
  cpo_link_t *link;
  cpo_link_info_t info;
  uint64_t *tx, *rx;
  uint64_t cycle;
  uint32_t calls;               /* CHUNK-cycle calls per round: about ROUND_S */
  double sec_per_cycle[ROUNDS]; /* per round, wall clock */
  double cpu_per_cycle[ROUNDS]; /* per round, this thread's CPU time */
} s_side_t;

/* This thread's CPU time: what a round costs, without the time other tenants of a shared
 * machine take the core away. */
static double s_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void s_side_call(s_side_t *s) {
  if (cpo_link_process(s->link, s->cycle, CHUNK, s->tx, s->rx) != CPO_OK)
    exit(1);
  s->cycle += CHUNK;
}

static void s_side_open(s_side_t *s, const cpo_link_cfg_t *cfg) {
  memset(s, 0, sizeof *s);
  if (cpo_link_create(cfg, &s->link) != CPO_OK)
    exit(1);
  cpo_link_get_info(s->link, &s->info);
  const size_t n = (size_t)CHUNK * s->info.lanes;
  s->tx = malloc(n * sizeof *s->tx);
  s->rx = malloc(n * sizeof *s->rx);
  if (!s->tx || !s->rx)
    exit(1);
  uint64_t seed = 1;
  for (size_t k = 0; k < n; k++)
    s->tx[k] = s_splitmix(&seed);
  s_side_call(s); /* warm-up, then size the rounds */
  const double t0 = cpo_bench_now_s();
  s_side_call(s);
  const double per_call = cpo_bench_now_s() - t0;
  s->calls = per_call >= ROUND_S ? 1 : (uint32_t)(ROUND_S / per_call) + 1;
}

static void s_side_round(s_side_t *s, int round) {
  const double t0 = cpo_bench_now_s(), c0 = s_cpu_s();
  for (uint32_t k = 0; k < s->calls; k++)
    s_side_call(s);
  s->sec_per_cycle[round] = (cpo_bench_now_s() - t0) / ((double)s->calls * CHUNK);
  s->cpu_per_cycle[round] = (s_cpu_s() - c0) / ((double)s->calls * CHUNK);
}

static double s_side_errors(const s_side_t *s, bool bits) {
  double e = 0;
  for (uint32_t lane = 0; lane < s->info.lanes; lane++)
    e +=
        (double)(bits ? cpo_link_bit_errors(s->link, lane) : cpo_link_symbol_errors(s->link, lane));
  return e;
}

static void s_side_close(s_side_t *s) {
  cpo_link_destroy(&s->link);
  free(s->tx);
  free(s->rx);
}

/* ROUNDS rounds, each running every side once, in an order that rotates. */
static void s_paired(s_side_t *sides, int n) {
  for (int r = 0; r < ROUNDS; r++)
    for (int k = 0; k < n; k++)
      s_side_round(&sides[(r + k) % n], r);
}

/* Median and ~95 % interval of x[0..ROUNDS) (sorted in place): the 4th and 12th of 15 order
 * statistics bracket the median with probability 1 - 2 P(Binomial(15, 1/2) <= 3) = 96.5 %. */
typedef struct {
  double median, lo, hi;
} s_stat_t;

static s_stat_t s_stat(double *x) {
  _Static_assert(ROUNDS == 15, "the interval's ranks are for 15 rounds");
  qsort(x, ROUNDS, sizeof *x, s_cmp_double);
  return (s_stat_t){x[ROUNDS / 2], x[3], x[ROUNDS - 4]};
}

static void s_add_stat(cpo_bench_report_t *r, const char *name, s_stat_t v, const char *unit,
                       bool has_target, double target, cpo_better_t better) {
  char n[128];
  cpo_bench_report_add(r, name, v.median, unit, has_target, target, better);
  snprintf(n, sizeof n, "%s_lo", name);
  cpo_bench_report_add(r, n, v.lo, unit, false, 0, better);
  snprintf(n, sizeof n, "%s_hi", name);
  cpo_bench_report_add(r, n, v.hi, unit, false, 0, better);
}

/* M cycles/s per round of a side. */
static s_stat_t s_mcycles(const s_side_t *s) {
  double x[ROUNDS];
  for (int k = 0; k < ROUNDS; k++)
    x[k] = 1e-6 / s->sec_per_cycle[k];
  return s_stat(x);
}

/* Both modes side by side at one operating point of the default engine. */
static void s_compare_modes(cpo_bench_report_t *r, const char *point, const cpo_profile_t *p,
                            bool calibrated) {
  s_side_t side[2];
  for (int m = 0; m < 2; m++) {
    const cpo_link_cfg_t cfg = {.params = p,
                                .symbols_per_cycle = SPC,
                                .seed = 1,
                                .start_calibrated = calibrated,
                                .fidelity = m ? CPO_FIDELITY_STATISTICAL : CPO_FIDELITY_BIT_TRUE};
    s_side_open(&side[m], &cfg);
  }
  s_paired(side, 2);
  double ratio[ROUNDS], wall_ratio[ROUNDS];
  for (int k = 0; k < ROUNDS; k++) {
    ratio[k] = side[1].cpu_per_cycle[k] / side[0].cpu_per_cycle[k];
    wall_ratio[k] = side[1].sec_per_cycle[k] / side[0].sec_per_cycle[k];
  }
  char n[128];
  printf("BER %s:\n", point);
  const char *mode[2] = {"bit_true", "statistical"};
  for (int m = 0; m < 2; m++) {
    snprintf(n, sizeof n, "ber_%s_%s_mcycles_per_s", point, mode[m]);
    s_add_stat(r, n, s_mcycles(&side[m]), "Mcycles/s", false, 0, CPO_BETTER_HIGHER);
    const double bits = (double)side[m].cycle * side[m].info.lanes * SPC * 2;
    snprintf(n, sizeof n, "ber_%s_%s_measured_ber", point, mode[m]);
    cpo_bench_report_add(r, n, s_side_errors(&side[m], true) / bits, "1", false, 0,
                         CPO_BETTER_LOWER);
  }
  /* the cost in CPU time per symbol; the wall-clock ratio beside it */
  const s_stat_t cost = s_stat(ratio);
  snprintf(n, sizeof n, "ber_%s_cost_per_symbol_statistical_over_bit_true", point);
  s_add_stat(r, n, cost, "x", true, 1.0, CPO_BETTER_LOWER);
  snprintf(n, sizeof n, "ber_%s_wall_per_symbol_statistical_over_bit_true", point);
  s_add_stat(r, n, s_stat(wall_ratio), "x", false, 0, CPO_BETTER_LOWER);
  if (strcmp(point, "1e-6") == 0)
    cpo_bench_report_add(r, "statistical_speedup_at_ber_1e-6", 1.0 / cost.median, "x", true, 100,
                         CPO_BETTER_HIGHER);
  for (int m = 0; m < 2; m++)
    s_side_close(&side[m]);
}

/* The model alone for each shipped profile, calibrated, one mode: cycles/s and lane-bits/s. */
static void s_compare_profiles(cpo_bench_report_t *r, cpo_fidelity_t fid) {
  static const char *const profiles[MAX_SIDES] = {"mrm-els-8x200g", "mzm-6.4t", "oif-3.2t"};
  const char *mode = fid == CPO_FIDELITY_BIT_TRUE ? "bit_true" : "statistical";
  s_side_t side[MAX_SIDES];
  for (int k = 0; k < MAX_SIDES; k++) {
    const cpo_link_cfg_t cfg = {.profile = profiles[k],
                                .symbols_per_cycle = SPC,
                                .seed = 1,
                                .start_calibrated = true,
                                .fidelity = fid};
    s_side_open(&side[k], &cfg);
  }
  s_paired(side, MAX_SIDES);
  for (int k = 0; k < MAX_SIDES; k++) {
    const cpo_link_info_t *in = &side[k].info;
    char n[128];
    printf("profile %s, %s: %u media lanes x %u bits per cycle\n", profiles[k], mode, in->lanes,
           in->symbols_per_cycle * in->bits_per_symbol);
    const s_stat_t c = s_mcycles(&side[k]);
    snprintf(n, sizeof n, "profile_%s_%s_mcycles_per_s", profiles[k], mode);
    s_add_stat(r, n, c, "Mcycles/s", false, 0, CPO_BETTER_HIGHER);
    const double g = 1e-3 * in->lanes * in->symbols_per_cycle * in->bits_per_symbol;
    snprintf(n, sizeof n, "profile_%s_%s_lane_gbits_per_s", profiles[k], mode);
    s_add_stat(r, n, (s_stat_t){c.median * g, c.lo * g, c.hi * g}, "lane-Gbit/s", false, 0,
               CPO_BETTER_HIGHER);
    s_side_close(&side[k]);
  }
}

/* Whether operating point @p name was asked for: all without arguments, else those named. */
static bool s_wanted(int argc, char **argv, const char *name) {
  for (int k = 1; k < argc; k++)
    if (strcmp(argv[k], name) == 0)
      return true;
  return argc < 2;
}

/* With arguments (operating points: 1e-9 1e-6 1e-3 1e-2 dark), only those points' mode
 * comparisons run, printed but not written: a quick look at one point. */
int main(int argc, char **argv) {
  cpo_bench_report_t *r = cpo_bench_report_create("model_link");
  if (!r)
    return 1;
  uint64_t errors;
  double symbols;
  const bool all = argc < 2;

  const double rng = all ? s_rng_rate(0) : 0, rngf = all ? s_rng_rate(1) : 0;
  const double kernel = all ? s_kernel_rate() : 0;
  const cpo_link_cfg_t bt = {.symbols_per_cycle = SPC,
                             .seed = 1,
                             .start_calibrated = true,
                             .fidelity = CPO_FIDELITY_BIT_TRUE};
  double bit_true_median = 0;
  const double bit_true = all ? s_link_rate(&bt, &errors, &symbols, &bit_true_median) : 0;
  if (all) {
    cpo_bench_report_add(r, "bit_true_pam4_symbols_per_s", bit_true, "symbols/s", true, 400e6,
                         CPO_BETTER_HIGHER);
    cpo_bench_report_add(r, "bit_true_pam4_symbols_per_s_median_window", bit_true_median,
                         "symbols/s", false, 0, CPO_BETTER_HIGHER);
    cpo_bench_report_add(r, "ziggurat_f64_normals_per_s", rng, "normals/s", false, 0,
                         CPO_BETTER_HIGHER);
    cpo_bench_report_add(r, "ziggurat_f32_normals_per_s", rngf, "normals/s", false, 0,
                         CPO_BETTER_HIGHER);
    cpo_bench_report_add(r, "symbol_kernel_symbols_per_s", kernel, "symbols/s", false, 0,
                         CPO_BETTER_HIGHER);
  }

  /* statistical vs bit-true at each operating point, same engine, paired rounds */
  static const struct {
    const char *name;
    double ber;
  } points[] = {{"1e-9", 1e-9}, {"1e-6", 1e-6}, {"1e-3", 1e-3}, {"1e-2", 1e-2}};
  static cpo_profile_t p;
  for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
    if (!s_wanted(argc, argv, points[k].name))
      continue;
    if (cpo_profile_load(NULL, &p) != CPO_OK)
      return 1;
    p.fibre.coupler_loss_db = s_loss_for_ber(points[k].ber);
    printf("coupler loss %.3f dB: predicted BER %.3g\n", p.fibre.coupler_loss_db,
           s_predicted_ber(p.fibre.coupler_loss_db));
    s_compare_modes(r, points[k].name, &p, true);
  }
  if (cpo_profile_load(NULL, &p) != CPO_OK)
    return 1;
  if (s_wanted(argc, argv, "dark"))
    s_compare_modes(r, "dark", &p, false); /* power-on: lasers off, BER 0.5 */
  if (!all) {
    cpo_bench_report_destroy(&r);
    return 0;
  }
  s_compare_profiles(r, CPO_FIDELITY_STATISTICAL);
  s_compare_profiles(r, CPO_FIDELITY_BIT_TRUE);
  const int rc = cpo_bench_report_write(r);
  cpo_bench_report_destroy(&r);
  return rc == 0 ? 0 : 1;
}
