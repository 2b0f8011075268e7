/* cpo_link: the model role's object. Chunking independence of RX words and ADC samples,
 * seeding, the two fidelity modes against each other and against the error rate predicted
 * from the eye, the eye against a link budget computed here from the component formulas, slow
 * dynamics (heater time constant, laser turn-on), topologies, profiles and argument errors.
 * Statistical checks use 5-sigma bounds with fixed seeds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/link.h"
#include "laser_fixed_point.h"
#include "refusal.h"
#include "test_words.h"

static const double k_pi = 3.14159265358979323846;

static cpo_link_t *s_link(const cpo_link_cfg_t *cfg) {
  cpo_link_t *l = NULL;
  assert_int_equal(cpo_link_create(cfg, &l), CPO_OK);
  return l;
}

static double s_qf(double x) {
  return 0.5 * erfc(x / sqrt(2.0));
}

/* The default engine behind @p connector_loss_db of connector loss, so errors are frequent
 * enough to compare: 3 dB gives SER ~8e-5 (statistical mode sparse), 4 dB ~5e-3 (dense). */
static cpo_profile_t s_lossy_profile(double connector_loss_db) {
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.fibre.connector_loss_db = connector_loss_db;
  return p;
}

/* ... calibrated (or dark, at power-on), with a schedule of DAC and ambient changes during the
 * run (at power-on the laser current lights lane 0's laser). */
static cpo_link_t *s_busy_link(uint64_t seed, cpo_fidelity_t fid, double connector_loss_db,
                               bool calibrated) {
  static cpo_profile_t p;
  p = s_lossy_profile(connector_loss_db);
  const cpo_link_cfg_t cfg = {.params = &p,
                              .symbols_per_cycle = 32,
                              .seed = seed,
                              .fidelity = fid,
                              .start_calibrated = calibrated};
  cpo_link_t *l = s_link(&cfg);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 3, 4000, 1234), CPO_OK);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_RX_THRESHOLD_MID, 5, 2100, 2000), CPO_OK);
  assert_int_equal(cpo_link_set_ambient(l, 0, 320.0, 3001), CPO_OK);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, 0, 35000, 4500), CPO_OK);
  return l;
}

typedef struct {
  uint64_t *rx;
  uint32_t *adc; /* [cycle][channel] for lane 2 and laser 0 */
} s_run_t;

static s_run_t s_run_split(cpo_fidelity_t fid, double loss_db, bool calibrated, const uint64_t *tx,
                           uint32_t cycles, const uint32_t *splits, size_t n_splits) {
  cpo_link_t *l = s_busy_link(77, fid, loss_db, calibrated);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  s_run_t r = {malloc((size_t)cycles * info.lanes * sizeof(uint64_t)),
               malloc((size_t)cycles * CPO_ADC_COUNT * sizeof(uint32_t))};
  assert_true(r.rx && r.adc);
  uint32_t at = 0;
  for (size_t k = 0; at < cycles; k++) {
    uint32_t n = k < n_splits ? splits[k] : cycles - at;
    if (n > cycles - at)
      n = cycles - at;
    assert_int_equal(
        cpo_link_process(l, at, n, tx + (size_t)at * info.lanes, r.rx + (size_t)at * info.lanes),
        CPO_OK);
    /* the ADC samples of every cycle just processed, read right after the call */
    for (uint32_t c = at; c < at + n; c++)
      for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
        assert_int_equal(cpo_link_adc(l, c, ch, cpo_adc_info(ch)->per_laser ? 0 : 2,
                                      &r.adc[(size_t)c * CPO_ADC_COUNT + ch]),
                         CPO_OK);
    at += n;
  }
  cpo_link_destroy(&l);
  return r;
}

static void test_link_rx_and_adc_independent_of_call_split(void **state) {
  (void)state;
  const uint32_t cycles = 6000, lanes = 8;
  uint64_t *tx = test_words((size_t)cycles * lanes, 1);
  const uint32_t whole[] = {6000};
  const uint32_t uneven[] = {1, 165, 1, 0, 333, 7, 1000, 2, 166, 999, 3, 1500};
  const uint32_t tiny[] = {13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13};
  /* bit-true; statistical with sparse candidates (3.5 dB), deciding every symbol (4 dB), and
   * dark (power-on: one draw per symbol) until a laser comes on */
  const struct {
    cpo_fidelity_t fid;
    double loss_db;
    bool calibrated;
  } runs[] = {{CPO_FIDELITY_BIT_TRUE, 4.0, true},
              {CPO_FIDELITY_STATISTICAL, 3.5, true},
              {CPO_FIDELITY_STATISTICAL, 4.0, true},
              {CPO_FIDELITY_STATISTICAL, 0.0, false}};
  for (size_t run = 0; run < sizeof runs / sizeof runs[0]; run++) {
    const cpo_fidelity_t fid = runs[run].fid;
    const double loss = runs[run].loss_db;
    const bool cal = runs[run].calibrated;
    s_run_t a = s_run_split(fid, loss, cal, tx, cycles, whole, 1);
    s_run_t b = s_run_split(fid, loss, cal, tx, cycles, uneven, sizeof uneven / sizeof uneven[0]);
    s_run_t c = s_run_split(fid, loss, cal, tx, cycles, tiny, sizeof tiny / sizeof tiny[0]);
    assert_memory_equal(a.rx, b.rx, (size_t)cycles * lanes * sizeof(uint64_t));
    assert_memory_equal(a.rx, c.rx, (size_t)cycles * lanes * sizeof(uint64_t));
    assert_memory_equal(a.adc, b.adc, (size_t)cycles * CPO_ADC_COUNT * sizeof(uint32_t));
    assert_memory_equal(a.adc, c.adc, (size_t)cycles * CPO_ADC_COUNT * sizeof(uint32_t));
    /* and the run has teeth: errors happened, the schedule moved the ADCs */
    size_t diff = 0;
    for (size_t k = 0; k < (size_t)cycles * lanes; k++)
      diff += a.rx[k] != tx[k];
    assert_true(diff > 100);
    assert_true(a.adc[CPO_ADC_MOD_TEMP] != a.adc[5999 * CPO_ADC_COUNT + CPO_ADC_MOD_TEMP]);
    free(a.rx), free(a.adc), free(b.rx), free(b.adc), free(c.rx), free(c.adc);
  }
  free(tx);
}

static void test_link_same_seed_same_bits_different_seed_differs(void **state) {
  (void)state;
  const uint32_t cycles = 3000, lanes = 8;
  uint64_t *tx = test_words((size_t)cycles * lanes, 2);
  uint64_t *rx[3];
  const uint64_t seeds[3] = {5, 5, 6};
  for (int k = 0; k < 3; k++) {
    cpo_link_t *l = s_busy_link(seeds[k], CPO_FIDELITY_BIT_TRUE, 4.0, true);
    rx[k] = malloc((size_t)cycles * lanes * sizeof(uint64_t));
    assert_non_null(rx[k]);
    assert_int_equal(cpo_link_process(l, 0, cycles, tx, rx[k]), CPO_OK);
    cpo_link_destroy(&l);
  }
  assert_memory_equal(rx[0], rx[1], (size_t)cycles * lanes * sizeof(uint64_t));
  assert_memory_not_equal(rx[0], rx[2], (size_t)cycles * lanes * sizeof(uint64_t));
  for (int k = 0; k < 3; k++)
    free(rx[k]);
  free(tx);
}

/* Errors over @p cycles of the default engine behind @p loss_db of connector loss, started
 * calibrated or (dark) at power-on; @p dense says which way the statistical mode went. */
static void s_count_errors(cpo_fidelity_t fid, double loss_db, bool calibrated, uint32_t cycles,
                           uint64_t *sym, uint64_t *bits, bool *dense) {
  const uint32_t lanes = 8, chunk = 2000;
  uint64_t *tx = test_words((size_t)chunk * lanes, 3);
  uint64_t *rx = malloc((size_t)chunk * lanes * sizeof *rx);
  assert_non_null(rx);
  const cpo_profile_t p = s_lossy_profile(loss_db);
  const cpo_link_cfg_t cfg = {.params = &p,
                              .symbols_per_cycle = 32,
                              .seed = 11,
                              .fidelity = fid,
                              .start_calibrated = calibrated};
  cpo_link_t *l = s_link(&cfg);
  for (uint32_t c = 0; c < cycles; c += chunk)
    assert_int_equal(cpo_link_process(l, c, chunk, tx, rx), CPO_OK);
  *sym = *bits = 0;
  *dense = true;
  for (uint32_t lane = 0; lane < lanes; lane++) {
    *sym += cpo_link_symbol_errors(l, lane);
    *bits += cpo_link_bit_errors(l, lane);
    cpo_symchan_eye_t e;
    assert_int_equal(cpo_link_eye(l, lane, &e), CPO_OK);
    *dense = *dense && cpo_symchan_statistical_dense(cpo_symchan_error_bound(&e));
  }
  cpo_link_destroy(&l);
  free(tx), free(rx);
}

/* The two modes' error counts agree at every operating point: low BER and high BER, where the
 * statistical mode draws sparse candidates and where it decides every symbol, and dark. Bound:
 * under equal rates the counts' difference has variance at most their sum (binomial below
 * Poisson; a bit error count is at most twice the symbol errors), so 5 sigma of it: a false
 * failure once in ~1.7 million runs. */
static void test_link_statistical_agrees_with_bit_true_at_low_and_high_ber(void **state) {
  (void)state;
  const struct {
    double loss_db;
    bool calibrated, dense;
    double ser_lo, ser_hi; /* where the point lies, so each case tests what it says */
  } points[] = {
      {3.0, true, false, 2e-5, 3e-4}, /* low BER: sparse */
      {3.7, true, false, 5e-4, 5e-3}, /* high BER, sparse just below the switch */
      {4.5, true, true, 5e-3, 1e-1},  /* high BER: every symbol decided */
      {0.0, false, true, 0.5, 1.0},   /* dark: lasers off, SER 3/4 */
  };
  const uint32_t cycles = 30000;
  for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
    uint64_t s_bt, b_bt, s_st, b_st;
    bool dense;
    s_count_errors(CPO_FIDELITY_BIT_TRUE, points[k].loss_db, points[k].calibrated, cycles, &s_bt,
                   &b_bt, &dense);
    s_count_errors(CPO_FIDELITY_STATISTICAL, points[k].loss_db, points[k].calibrated, cycles, &s_st,
                   &b_st, &dense);
    const double ser = (double)s_bt / (cycles * 8.0 * 32);
    if (dense != points[k].dense || !(ser > points[k].ser_lo && ser < points[k].ser_hi))
      fail_msg("point %zu: SER %.3g (expected %.3g .. %.3g), dense %d (expected %d)", k, ser,
               points[k].ser_lo, points[k].ser_hi, dense, points[k].dense);
    assert_true(s_bt > 300); /* the comparison has teeth */
    if (!(fabs((double)s_bt - (double)s_st) < 5 * sqrt((double)(s_bt + s_st))) ||
        !(fabs((double)b_bt - (double)b_st) < 5 * sqrt(2.0 * (double)(b_bt + b_st))))
      fail_msg("point %zu: symbol errors bit-true %llu statistical %llu, bit errors %llu %llu", k,
               (unsigned long long)s_bt, (unsigned long long)s_st, (unsigned long long)b_bt,
               (unsigned long long)b_st);
    if (points[k].calibrated) /* Gray coding: almost every symbol error is one bit */
      assert_true(b_bt < 1.05 * s_bt);
  }
}

/* MZM engine without ISI or crosstalk: every symbol of level s is decided with the Gaussian
 * tails around its mean; the test predicts the symbol error rate from the reported eye. */
static void test_link_ser_matches_eye_prediction(void **state) {
  (void)state;
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load("oif-3.2t", &p), CPO_OK);
  p.driver_bandwidth_hz = p.receiver.bandwidth_hz = p.mzm.bandwidth_hz = 1e18;
  p.fibre.crosstalk_db = -INFINITY;
  for (int fid = 0; fid < 2; fid++) {
    const cpo_link_cfg_t cfg = {.params = &p,
                                .symbols_per_cycle = 32,
                                .seed = 4,
                                .fidelity = fid,
                                .start_calibrated = true};
    cpo_link_t *l = s_link(&cfg);
    cpo_link_info_t info;
    cpo_link_get_info(l, &info);
    for (uint32_t k = 0; k < info.lasers; k++) /* dim the lasers: errors at ~1e-3 */
      assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, k, 5500, 0), CPO_OK);
    const uint32_t cycles = 40000, chunk = 4000;
    uint64_t *tx = test_words((size_t)chunk * info.lanes, 9);
    uint64_t *rx = malloc((size_t)chunk * info.lanes * sizeof *rx);
    assert_non_null(rx);
    for (uint32_t c = 0; c < cycles; c += chunk)
      assert_int_equal(cpo_link_process(l, c, chunk, tx, rx), CPO_OK);
    for (uint32_t lane = 0; lane < info.lanes; lane++) {
      cpo_symchan_eye_t e;
      assert_int_equal(cpo_link_eye(l, lane, &e), CPO_OK);
      assert_true(fabs(e.taps[0] - 1.0) < 1e-9 && fabs(e.taps[1]) < 1e-9);
      double ser = 0;
      for (uint32_t s = 0; s < 4; s++) {
        const double m = e.own_a[s * 4 + s];
        if (s > 0)
          ser += s_qf((m - e.threshold_a[s - 1]) / e.sigma_a[s]) / 4;
        if (s < 3)
          ser += s_qf((e.threshold_a[s] - m) / e.sigma_a[s]) / 4;
      }
      const double n = (double)cycles * 32;
      const double got = (double)cpo_link_symbol_errors(l, lane);
      assert_true(n * ser > 300);
      assert_true(fabs(got - n * ser) < 5 * sqrt(n * ser));
    }
    cpo_link_destroy(&l);
    free(tx), free(rx);
  }
}

static double s_ring_t(const cpo_profile_t *p, double lambda, double res) {
  const double a = p->ring.round_trip_a, r = p->ring.self_coupling_r;
  const double phi =
      2 * k_pi * p->ring.group_index * 2 * k_pi * p->ring.radius_m * (1 / lambda - 1 / res);
  return pow(10, -p->ring.insertion_loss_db / 10) * (a * a - 2 * r * a * cos(phi) + r * r) /
         (1 - 2 * r * a * cos(phi) + r * a * r * a);
}

typedef struct {
  double laser_w, detuning_m;
} s_trace_last_t;

static void s_keep_last(void *user, const cpo_link_trace_t *t) {
  s_trace_last_t *last = user;
  last->laser_w = t->laser_power_w[0];
  last->detuning_m = t->detuning_m[0];
}

/* The default profile's link, started calibrated, after one cycle: @p last holds its trace. */
static cpo_link_t *s_default_link_one_cycle(cpo_profile_t *p, s_trace_last_t *last) {
  assert_int_equal(cpo_profile_load(NULL, p), CPO_OK);
  const cpo_link_cfg_t cfg = {
      .params = p, .symbols_per_cycle = 16, .seed = 8, .start_calibrated = true};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_set_trace(l, s_keep_last, last);
  uint64_t tx[8] = {0}, rx[8];
  assert_int_equal(cpo_link_process(l, 0, 1, tx, rx), CPO_OK);
  return l;
}

/* The eye's level currents from the link budget: ELS power / 8, splitter and coupler losses,
 * the monitor tap, the ring's through port at each level's drive, fibre and connector losses,
 * and the photodiode's eta q lambda / (h c). */
static void test_link_eye_matches_link_budget(void **state) {
  (void)state;
  cpo_profile_t p;
  s_trace_last_t last = {0, 0};
  cpo_link_t *l = s_default_link_one_cycle(&p, &last);
  cpo_symchan_eye_t e;
  assert_int_equal(cpo_link_eye(l, 0, &e), CPO_OK);
  const double lambda = p.laser.wavelength_m; /* absolute lambda enters only at 1e-3 */
  const double lane_w = last.laser_w / 8 * pow(10, -(1.0 + 1.5) / 10) * (1 - 0.02);
  const double fibre = pow(10, -(0.35 * 0.1 + 2 * 0.5 + 2 * 1.5) / 10);
  const double resp = 0.8 * 1.602176634e-19 * lambda / (6.62607015e-34 * 299792458.0);
  const double bias = cpo_dac_code_to_si(CPO_DAC_MOD_BIAS, cpo_link_dac(l, CPO_DAC_MOD_BIAS, 0));
  const double swing =
      cpo_dac_code_to_si(CPO_DAC_DRIVER_SWING, cpo_link_dac(l, CPO_DAC_DRIVER_SWING, 0));
  const double res_bias = lambda - last.detuning_m;
  for (int s = 0; s < 4; s++) {
    const double v = bias + swing / 2 * (-1 + 2.0 * s / 3);
    const double res = res_bias + 20e-12 * (v - bias);
    const double expect = resp * lane_w * s_ring_t(&p, lambda, res) * fibre;
    assert_true(fabs(e.own_a[s * 4 + s] - expect) / expect < 5e-3);
  }
  /* the calibrated lock point: laser 0.29 FWHM blue of the resonance */
  const double ra = p.ring.round_trip_a * p.ring.self_coupling_r;
  const double fwhm = (1 - ra) * lambda * lambda /
                      (k_pi * p.ring.group_index * 2 * k_pi * p.ring.radius_m * sqrt(ra));
  assert_true(fabs(last.detuning_m + 0.29 * fwhm) < 0.01 * fwhm);
  cpo_link_destroy(&l);
}

/* The default micro-ring transmitter meets 400GBASE-DR4 / 800G-DR8 per lane (MODELS.md):
 * ER >= 3.5 dB and OMA_outer >= -0.8 dBm in the fibre. Computed here from the Lorentzian
 * near resonance, T(d) = 1 - (1 - T_min) / (1 + (2 d / FWHM)^2), with FWHM and T_min from a, r,
 * n_g and R, the calibrated lock (laser ring_detuning_fwhm blue of resonance at the bias) and
 * the 20 pm/V shift of each level's drive; then checked against what the link reports. */
static void test_link_default_ring_tx_meets_dr_class_er_and_oma(void **state) {
  (void)state;
  cpo_profile_t p;
  s_trace_last_t last = {0, 0};
  cpo_link_t *l = s_default_link_one_cycle(&p, &last);
  const double lambda = p.laser.wavelength_m;
  const double a = p.ring.round_trip_a, r = p.ring.self_coupling_r, ra = a * r;
  const double fwhm = (1 - ra) * lambda * lambda /
                      (k_pi * p.ring.group_index * 2 * k_pi * p.ring.radius_m * sqrt(ra));
  const double t_min = pow((a - r) / (1 - ra), 2);
  /* laser / 8, splitter excess 1 dB, coupler 1.5 dB, 2 % tap, ring IL 1 dB, TX coupler 1.5 dB */
  const double in_fibre_w = last.laser_w / 8 * pow(10, -(1.0 + 1.5 + 1.0 + 1.5) / 10) * 0.98;
  double lo = INFINITY, hi = 0;
  for (int s = 0; s < 4; s++) {
    const double dv = p.driver_swing_v / 2 * (-1 + 2.0 * s / 3);
    const double d = -p.ring_detuning_fwhm * fwhm - p.ring.eo_shift_m_per_v * dv;
    const double w = in_fibre_w * (1 - (1 - t_min) / (1 + pow(2 * d / fwhm, 2)));
    lo = fmin(lo, w);
    hi = fmax(hi, w);
  }
  const double er_db = 10 * log10(hi / lo), oma_dbm = 10 * log10((hi - lo) / 1e-3);
  assert_true(er_db >= 3.5);
  assert_true(oma_dbm >= -0.8);
  for (uint32_t lane = 0; lane < 8; lane++) {
    cpo_link_tx_levels_t m;
    assert_int_equal(cpo_link_tx_levels(l, lane, &m), CPO_OK);
    assert_int_equal(m.levels, 4);
    assert_true(fabs(m.er_db - er_db) < 0.1); /* the Lorentzian is the all-pass ring near */
    assert_true(fabs(10 * log10(m.oma_outer_w / 1e-3) - oma_dbm) < 0.1); /* resonance */
    assert_true(m.er_db >= 3.5 && m.oma_outer_w >= 1e-3 * pow(10, -0.08));
    /* launch power inside DR4's -2.9..4.0 dBm */
    assert_true(m.average_w > 1e-3 * pow(10, -0.29) && m.average_w < 1e-3 * pow(10, 0.4));
  }
  cpo_link_tx_levels_t m;
  assert_int_equal(cpo_link_tx_levels(l, 8, &m), CPO_ERR_INVALID_ARG);
  cpo_link_destroy(&l);
}

typedef struct {
  double temp_k[64];
  double time_s[64];
  int n;
} s_trace_temps_t;

static void s_keep_temps(void *user, const cpo_link_trace_t *t) {
  s_trace_temps_t *tt = user;
  if (tt->n < 64) {
    tt->temp_k[tt->n] = t->temp_k[1];
    tt->time_s[tt->n] = t->time_s;
    tt->n++;
  }
}

/* Power-on (lasers dark, no self-heating): a heater step heats the ring as
 * dT (1 - exp(-t / tau)), dT = 0.1 nm/mW x P / 0.06 nm/K, on the grid. */
static void test_link_heater_step_follows_thermal_time_constant(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 1, .ambient_k = 300.0};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  s_trace_temps_t tt = {.n = 0};
  cpo_link_set_trace(l, s_keep_temps, &tt);
  const uint64_t g = info.grid_cycles;
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 1, 5000, 2 * g - 5), CPO_OK); /* 5 mW */
  const uint32_t cycles = (uint32_t)(40 * g);
  uint64_t *tx = test_words((size_t)cycles * 8, 1), *rx = malloc((size_t)cycles * 8 * 8);
  assert_non_null(rx);
  assert_int_equal(cpo_link_process(l, 0, cycles, tx, rx), CPO_OK);
  assert_int_equal(tt.n, 40);
  const double dt_k = 0.1e-9 / 1e-3 * 5e-3 / 0.06e-9;
  const double tau = 0.5e-6, t_on = 2 * g * info.cycle_s; /* applied at the grid point 2g */
  for (int k = 0; k < tt.n; k++) {
    const double t = tt.time_s[k] - t_on;
    const double expect = 300.0 + (t > 0 ? dt_k * (1 - exp(-t / tau)) : 0.0);
    assert_true(fabs(tt.temp_k[k] - expect) < 1e-9);
  }
  /* the ADC reads the same temperature at its last conversion, quantised to 10 mK with half an
   * LSB of noise */
  uint32_t code;
  assert_int_equal(cpo_link_adc(l, cycles - 1, CPO_ADC_MOD_TEMP, 1, &code), CPO_OK);
  const uint64_t conv = (cycles - 1) / info.adc_cycles * info.adc_cycles;
  assert_true(conv > 2 * g && conv % g == 0);
  assert_true(fabs(code * 0.01 - tt.temp_k[conv / g]) < 0.035);
  cpo_link_destroy(&l);
  free(tx), free(rx);
}

/* Switch-on from power-on: the laser's output droops as its junction warms (monitor ADC) while
 * the received power appears. */
static void test_link_laser_turn_on_transient_in_adcs(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 1, .grid_s = 2e-6};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, 0, 37000, info.grid_cycles), CPO_OK);
  const uint32_t chunk = (uint32_t)info.grid_cycles;
  uint64_t *tx = test_words((size_t)chunk * 8, 1), *rx = malloc((size_t)chunk * 8 * 8);
  assert_non_null(rx);
  uint32_t power[200], temp[200], rxp[200];
  for (int k = 0; k < 200; k++) {
    assert_int_equal(cpo_link_process(l, (uint64_t)k * chunk, chunk, tx, rx), CPO_OK);
    assert_int_equal(cpo_link_adc(l, (uint64_t)k * chunk, CPO_ADC_LASER_POWER, 0, &power[k]),
                     CPO_OK);
    assert_int_equal(cpo_link_adc(l, (uint64_t)k * chunk, CPO_ADC_LASER_TEMP, 0, &temp[k]), CPO_OK);
    assert_int_equal(cpo_link_adc(l, (uint64_t)k * chunk, CPO_ADC_RX_POWER, 4, &rxp[k]), CPO_OK);
  }
  assert_true(power[0] < 3 && rxp[0] < 5);  /* dark (ADC noise only) */
  assert_true(power[1] > 8000);             /* > 80 mW cold */
  assert_true(power[199] < power[1] - 300); /* > 3 mW thermal droop */
  assert_true(temp[199] > temp[1] + 500);   /* > 5 K warmer */
  assert_true(rxp[199] > 100);              /* light arrives */
  cpo_link_destroy(&l);
  free(tx), free(rx);
}

typedef struct {
  double laser_w, detuning_m[2];
} s_trace_els_t;

static void s_keep_els(void *user, const cpo_link_trace_t *t) {
  s_trace_els_t *k = user;
  k->laser_w = t->laser_power_w[0];
  k->detuning_m[0] = t->detuning_m[0];
  k->detuning_m[1] = t->detuning_m[1];
}

static double s_laser_temp_adc_k(const cpo_link_t *l, uint64_t cycle) {
  uint32_t code;
  assert_int_equal(cpo_link_adc(l, cycle, CPO_ADC_LASER_TEMP, 0, &code), CPO_OK);
  return code * 0.01; /* 10 mK LSB */
}

/* The external laser source sits in the faceplate: a +10 K step of the engine's case moves
 * the rings (compensated here by their heaters, as the firmware's loop would) but not the ELS,
 * so the lanes stay locked; a step of the ELS's own ambient settles its junction at the
 * thermal fixed point computed here. */
static void test_link_els_follows_its_own_ambient_not_the_engine(void **state) {
  (void)state;
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.laser.thermal_tau_s = 2e-6; /* a short test; the time constant itself is test_laser's */
  const cpo_link_cfg_t cfg = {.params = &p,
                              .lanes = 2,
                              .symbols_per_cycle = 32,
                              .seed = 3,
                              .fidelity = CPO_FIDELITY_STATISTICAL,
                              .start_calibrated = true};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  s_trace_els_t tr = {0};
  cpo_link_set_trace(l, s_keep_els, &tr);
  const uint32_t chunk = (uint32_t)info.adc_cycles; /* 1 us */
  uint64_t *tx = test_words((size_t)chunk * 2, 21), *rx = malloc((size_t)chunk * 2 * 8);
  assert_non_null(rx);
  uint64_t c = 0;
#define RUN_US(us)                                                                                 \
  for (int k_ = 0; k_ < (us); k_++, c += chunk)                                                    \
  assert_int_equal(cpo_link_process(l, c, chunk, tx, rx), CPO_OK)
  RUN_US(20);
  const double t0_k = s_laser_temp_adc_k(l, c - 1), w0 = tr.laser_w;
  const double det0[2] = {tr.detuning_m[0], tr.detuning_m[1]};
  assert_true(fabs(t0_k - test_laser_fixed_point_k(&p.laser, p.laser_nominal_current_a,
                                                   p.els_ambient_k)) < 0.05);
  /* engine +10 K: the rings red-shift 0.06 nm/K x 10 K; their heaters give that back */
  const double step_k = 10.0;
  const double heater_back_w = p.ring.ambient_shift_m_per_k * step_k / p.ring.heater_shift_m_per_w;
  assert_int_equal(cpo_link_set_ambient(l, 0, p.ambient_k + step_k, c), CPO_OK);
  for (uint32_t lane = 0; lane < 2; lane++) {
    const uint32_t code = cpo_link_dac(l, CPO_DAC_HEATER, lane);
    assert_true(code > heater_back_w / 1e-6); /* 1 uW per code */
    assert_int_equal(
        cpo_link_set_dac(l, CPO_DAC_HEATER, lane, code - (uint32_t)lround(heater_back_w / 1e-6), c),
        CPO_OK);
  }
  RUN_US(50);
  const uint64_t err_before[2] = {cpo_link_bit_errors(l, 0), cpo_link_bit_errors(l, 1)};
  RUN_US(50);
  assert_true(fabs(s_laser_temp_adc_k(l, c - 1) - t0_k) < 0.05); /* the ELS did not move */
  assert_true(fabs(tr.laser_w - w0) <= 1e-9 * w0);
  const double fwhm = cpo_ring_fwhm_m(&p.ring, p.laser.wavelength_m);
  for (uint32_t lane = 0; lane < 2; lane++) {
    assert_true(fabs(tr.detuning_m[lane] - det0[lane]) < 0.01 * fwhm); /* still locked */
    const double bits = 50.0 * chunk * 32 * 2;
    assert_true((cpo_link_bit_errors(l, lane) - err_before[lane]) < 2.4e-4 * bits);
  }
  /* the ELS's own ambient +10 K (a scenario may do that): its junction settles there */
  assert_int_equal(cpo_link_set_els_ambient(l, 0, p.els_ambient_k + step_k, c), CPO_OK);
  RUN_US(30); /* 15 thermal time constants */
  const double t1_k =
      test_laser_fixed_point_k(&p.laser, p.laser_nominal_current_a, p.els_ambient_k + step_k);
  assert_true(fabs(s_laser_temp_adc_k(l, c - 1) - t1_k) < 0.05);
  assert_true(t1_k > t0_k + step_k);
#undef RUN_US
  cpo_link_destroy(&l);
  free(tx), free(rx);
  /* a profile whose lasers sit on the engine has no ELS ambient to set */
  cpo_link_cfg_t dfb = {.profile = "mzm-6.4t", .symbols_per_cycle = 16, .els_ambient_k = 300};
  assert_int_equal(cpo_link_create(&dfb, &l), CPO_ERR_INVALID_ARG);
  dfb.els_ambient_k = 0;
  l = s_link(&dfb);
  assert_int_equal(cpo_link_set_els_ambient(l, 0, 300.0, 0), CPO_ERR_INVALID_ARG);
  cpo_link_destroy(&l);
}

static void test_link_two_engines_cross_connect(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32,
                              .seed = 2,
                              .start_calibrated = true,
                              .topology = CPO_TOPOLOGY_TWO_ENGINES};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  assert_int_equal(info.engines, 2);
  assert_int_equal(info.lanes, 16);
  assert_int_equal(info.lasers, 2);
  /* engine B's laser off: engine A's receivers go dark, B's still see A's light */
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, 1, 0, 0), CPO_OK);
  const uint32_t cycles = 2000;
  uint64_t *tx = test_words((size_t)cycles * 16, 3), *rx = malloc((size_t)cycles * 16 * 8);
  assert_non_null(rx);
  assert_int_equal(cpo_link_process(l, 0, cycles, tx, rx), CPO_OK);
  for (uint32_t lane = 0; lane < 16; lane++) {
    uint32_t p;
    assert_int_equal(cpo_link_adc(l, cycles - 1, CPO_ADC_RX_POWER, lane, &p), CPO_OK);
    const double ser = cpo_link_symbol_errors(l, lane) / (cycles * 32.0);
    if (lane < 8) {
      assert_true(p < 5);
      assert_true(ser > 0.3);
    } else {
      assert_true(p > 1000);
      assert_true(ser < 1e-3);
    }
  }
  cpo_link_destroy(&l);
  free(tx), free(rx);
}

static void test_link_every_profile_works_calibrated(void **state) {
  (void)state;
  assert_true(cpo_profile_count() >= 3);
  for (uint32_t k = 0; k < cpo_profile_count(); k++) {
    cpo_profile_t p;
    assert_int_equal(cpo_profile_load(cpo_profile_name(k), &p), CPO_OK);
    const cpo_link_cfg_t cfg = {.profile = cpo_profile_name(k),
                                .symbols_per_cycle = 16,
                                .seed = 3,
                                .start_calibrated = true};
    cpo_link_t *l = s_link(&cfg);
    cpo_link_info_t info;
    cpo_link_get_info(l, &info);
    assert_int_equal(info.lanes, p.lanes);
    assert_true(info.latency_cycles > 0);
    const uint32_t cycles = 2000;
    uint64_t *tx = test_words((size_t)cycles * info.lanes, k),
             *rx = malloc((size_t)cycles * info.lanes * 8);
    assert_non_null(rx);
    assert_int_equal(cpo_link_process(l, 0, cycles, tx, rx), CPO_OK);
    for (uint32_t lane = 0; lane < info.lanes; lane++) /* under the KP4 FEC threshold */
      assert_true(cpo_link_bit_errors(l, lane) < 2.4e-4 * cycles * 32);
    cpo_link_destroy(&l);
    free(tx), free(rx);
  }
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load("no-such-engine", &p), CPO_ERR_INVALID_ARG);
}

static void test_link_rejects_bad_arguments_unchanged(void **state) {
  (void)state;
  cpo_link_t *l = NULL;
  cpo_link_cfg_t bad = {.symbols_per_cycle = 33}; /* 66 bits of PAM4 */
  assert_int_equal(cpo_link_create(&bad, &l), CPO_ERR_INVALID_ARG);
  bad = (cpo_link_cfg_t){.symbols_per_cycle = 8, .lanes = 9};
  assert_int_equal(cpo_link_create(&bad, &l), CPO_ERR_INVALID_ARG);
  bad = (cpo_link_cfg_t){.symbols_per_cycle = 8, .profile = "nope"};
  assert_int_equal(cpo_link_create(&bad, &l), CPO_ERR_INVALID_ARG);
  bad = (cpo_link_cfg_t){.symbols_per_cycle = 8, .topology = CPO_TOPOLOGY_TWO_ENGINES, .lanes = 3};
  assert_int_equal(cpo_link_create(&bad, &l), CPO_ERR_INVALID_ARG);
  assert_null(l);
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 8, .seed = 1};
  l = s_link(&cfg);
  uint32_t code = 12345;
  assert_int_equal(cpo_link_adc(l, 0, CPO_ADC_TAP_PD, 0, &code), CPO_ERR_RANGE);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_COUNT, 0, 1, 0), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 8, 1, 0), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, 1, 1, 0), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 0, 0x10000, 0), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_set_ambient(l, 1, 300, 0), CPO_ERR_INVALID_ARG);
  uint64_t tx[8 * 100] = {0}, rx[8 * 100];
  assert_int_equal(cpo_link_process(l, 1, 10, tx, rx), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_process(l, 0, 100, tx, rx), CPO_OK);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 0, 1, 99), CPO_ERR_RANGE);
  assert_int_equal(cpo_link_adc(l, 100, CPO_ADC_TAP_PD, 0, &code), CPO_ERR_RANGE);
  assert_int_equal(cpo_link_adc(l, 99, CPO_ADC_COUNT, 0, &code), CPO_ERR_INVALID_ARG);
  assert_int_equal(code, 12345);
  assert_int_equal(cpo_link_adc(l, 99, CPO_ADC_TAP_PD, 0, &code), CPO_OK);
  cpo_link_destroy(&l);
  cpo_link_destroy(&l);
  assert_null(l);
}

/* A profile parameter outside its physical range refuses the link, the message naming it, its
 * value and the range: the receiver's quantum efficiency above 1 (accepted before, giving
 * 1.59 A/W), the profile's own fields, and its laser's and ring's through their models. */
static void test_link_rejects_unphysical_profile(void **state) {
  (void)state;
  cpo_link_t *l = NULL;
  cpo_profile_t p;
  cpo_link_cfg_t cfg = {.params = &p, .symbols_per_cycle = 16, .start_calibrated = true};
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.receiver.quantum_efficiency = 1.5;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "quantum_efficiency = 1.5 is outside its physical "
                                            "range (0, 1]");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.tap_ratio = 1.0;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "tap_ratio = 1 is outside its physical range [0, 1)");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.laser_nominal_current_a = 0.7; /* above the ELS driver's 0.6 A */
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "laser_nominal_current_a = 0.7 A (the laser's "
                                            "max_current_a) is outside its physical range");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.fibre.loss_db_per_km = -0.35;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "loss_db_per_km = -0.35 dB/km");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.laser.threshold_a = -0.01;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "cpo_laser: threshold_a = -0.01 A");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  p.ring.round_trip_a = 1.01;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "cpo_ring: round_trip_a = 1.01");
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  cfg.ambient_k = 900;
  EXPECT_REFUSED(cpo_link_create(&cfg, &l), "ambient_k = 900 K");
  assert_null(l);
  cfg.ambient_k = 0;
  l = s_link(&cfg);
  cpo_link_destroy(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_link_rx_and_adc_independent_of_call_split),
      cmocka_unit_test(test_link_same_seed_same_bits_different_seed_differs),
      cmocka_unit_test(test_link_statistical_agrees_with_bit_true_at_low_and_high_ber),
      cmocka_unit_test(test_link_ser_matches_eye_prediction),
      cmocka_unit_test(test_link_eye_matches_link_budget),
      cmocka_unit_test(test_link_default_ring_tx_meets_dr_class_er_and_oma),
      cmocka_unit_test(test_link_heater_step_follows_thermal_time_constant),
      cmocka_unit_test(test_link_laser_turn_on_transient_in_adcs),
      cmocka_unit_test(test_link_els_follows_its_own_ambient_not_the_engine),
      cmocka_unit_test(test_link_two_engines_cross_connect),
      cmocka_unit_test(test_link_every_profile_works_calibrated),
      cmocka_unit_test(test_link_rejects_bad_arguments_unchanged),
      cmocka_unit_test(test_link_rejects_unphysical_profile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
