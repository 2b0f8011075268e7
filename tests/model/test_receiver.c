/* Receiver, fibre, monitors and slicer statistics against closed forms: responsivity
 * eta q lambda / (h c) and its limit (1.0566 A/W at 1310 nm), shot 2 q (I + I_d) B, thermal
 * 4 k T B / R (18.2 pA/sqrt(Hz) for 50 ohm at 300 K), ISI taps against a numerically integrated
 * single pole, fibre loss and latency, ADC quantisation, slicer probabilities. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpo/ber.h"
#include "cpo/fibre.h"
#include "cpo/monitor.h"
#include "cpo/receiver.h"
#include "refusal.h"

/* SI 2019 exact constants, typed here independently of the model's header. */
static const double k_q = 1.602176634e-19, k_h = 6.62607015e-34, k_c = 299792458.0,
                    k_kb = 1.380649e-23;

static void test_receiver_responsivity_and_physical_limit(void **state) {
  (void)state;
  const cpo_receiver_params_t p = cpo_receiver_params_default();
  const double lambda = 1310e-9;
  const double limit = k_q * lambda / (k_h * k_c);
  assert_true(fabs(limit - 1.0566) < 1e-4); /* MODELS.md */
  assert_true(fabs(cpo_receiver_responsivity_limit_a_per_w(lambda) - limit) < 1e-12);
  assert_true(fabs(cpo_receiver_responsivity_a_per_w(&p, lambda) - p.quantum_efficiency * limit) <
              1e-12);
  assert_true(cpo_receiver_responsivity_a_per_w(&p, lambda) <= limit);
  /* Ge PD class: 0.8-0.95 A/W at 1310 nm */
  assert_true(cpo_receiver_responsivity_a_per_w(&p, lambda) > 0.8);
  /* responsivity grows linearly with wavelength at fixed eta */
  assert_true(fabs(cpo_receiver_responsivity_a_per_w(&p, 1550e-9) /
                       cpo_receiver_responsivity_a_per_w(&p, 1310e-9) -
                   1550.0 / 1310.0) < 1e-12);
}

static void test_receiver_shot_thermal_and_tia_variances(void **state) {
  (void)state;
  cpo_receiver_params_t p = cpo_receiver_params_default();
  const double b = 40e9, i = 0.5e-3;
  assert_true(fabs(cpo_receiver_shot_variance_a2(&p, i, b) - 2 * k_q * (i + p.dark_current_a) * b) <
              1e-30);
  p.load_ohm = 50.0;
  p.noise_temp_k = 300.0;
  assert_true(fabs(cpo_receiver_thermal_variance_a2(&p, b) - 4 * k_kb * 300.0 * b / 50.0) < 1e-30);
  assert_true(fabs(sqrt(cpo_receiver_thermal_variance_a2(&p, 1.0)) - 18.2e-12) < 0.05e-12);
  assert_true(fabs(cpo_receiver_tia_variance_a2(&p, b) -
                   p.tia_noise_a_per_rthz * p.tia_noise_a_per_rthz * b) < 1e-30);
  const double bn = cpo_receiver_noise_bandwidth_hz(&p);
  assert_true(fabs(bn - 3.14159265358979 / 2 * p.bandwidth_hz) < 1.0);
  assert_true(
      fabs(cpo_receiver_noise_variance_a2(&p, i) -
           (cpo_receiver_shot_variance_a2(&p, i, bn) + cpo_receiver_thermal_variance_a2(&p, bn) +
            cpo_receiver_tia_variance_a2(&p, bn))) < 1e-30);
}

/* A rectangular symbol through dy/dt = (x - y) / tau, integrated finely, sampled at symbol ends. */
static void test_receiver_isi_taps_match_single_pole_response(void **state) {
  (void)state;
  const double tau = 4e-12, t_sym = 1 / 106.25e9;
  double taps[CPO_ISI_TAPS];
  cpo_isi_taps(tau, t_sym, taps);
  const int steps = 200000;
  const double dt = t_sym / steps;
  double y = 0, sum = 0;
  for (int k = 0; k < CPO_ISI_TAPS - 1; k++) {
    for (int s = 0; s < steps; s++) {
      const double x = k == 0 ? 1.0 : 0.0;
      y += (x - y) * (1 - exp(-dt / tau)); /* exact per sub-step for piecewise-constant x */
    }
    assert_true(fabs(taps[k] - y) < 1e-9);
    sum += taps[k];
  }
  sum += taps[CPO_ISI_TAPS - 1];
  assert_true(fabs(sum - 1.0) < 1e-15); /* DC gain 1: the tail is lumped into the last tap */
  cpo_isi_taps(0.0, t_sym, taps);       /* infinite bandwidth: no ISI */
  assert_true(taps[0] == 1.0 && taps[1] == 0.0);
  assert_true(fabs(cpo_pole_tau_s(50e9) - 1 / (2 * 3.14159265358979 * 50e9)) < 1e-20);
}

static void test_fibre_loss_latency_crosstalk(void **state) {
  (void)state;
  const cpo_fibre_params_t p = cpo_fibre_params_default();
  const double loss = 0.35 * 0.1 + 2 * 0.5 + 2 * 1.5;
  assert_true(fabs(cpo_fibre_loss_db(&p) - loss) < 1e-12);
  assert_true(fabs(cpo_fibre_transmission(&p) - pow(10, -loss / 10)) < 1e-15);
  assert_true(fabs(cpo_fibre_latency_s(&p) - 100.0 * 1.4677 / k_c) < 1e-18); /* ~490 ns */
  assert_true(fabs(cpo_fibre_crosstalk_ratio(&p) - pow(10, -3.5)) < 1e-15);
}

static void test_monitor_adc_quantises_rounds_and_clamps(void **state) {
  (void)state;
  const cpo_adc_params_t a = {12, 1e-6, 0.0, 0.0};
  assert_int_equal(cpo_adc_quantise(&a, 0.0, 0), 0);
  assert_int_equal(cpo_adc_quantise(&a, 1.49e-6, 0), 1);
  assert_int_equal(cpo_adc_quantise(&a, 1.51e-6, 0), 2);
  assert_int_equal(cpo_adc_quantise(&a, -5e-6, 0), 0);
  assert_int_equal(cpo_adc_quantise(&a, 1.0, 0), 4095);
  assert_int_equal(cpo_adc_quantise(&a, NAN, 0), 0);
  const cpo_adc_params_t noisy = {16, 1e-6, 2e-6, 1.0};
  assert_int_equal(cpo_adc_quantise(&noisy, 100e-6, 0.0), 102); /* offset */
  assert_int_equal(cpo_adc_quantise(&noisy, 100e-6, 1.6), 104); /* one code rms noise */
  assert_true(fabs(cpo_monitor_pd_current_a(0.9, 0.02, 10e-3, 5e-9) - (0.9 * 0.02 * 10e-3 + 5e-9)) <
              1e-18);
}

/* The quantiser's code is floor(value / lsb + offset / lsb + noise + 0.5) clamped to the
 * code range (NaN: 0), written with floor; the converter computes it without (a compare and a
 * truncation), which must give the same code at every boundary. */
static uint32_t s_quantise_by_floor(const cpo_adc_params_t *p, double value, double noise) {
  const double max_code = p->bits >= 32 ? 4294967295.0 : (double)((UINT64_C(1) << p->bits) - 1);
  const double x = floor((value + p->offset) / p->lsb + p->noise_lsb * noise + 0.5);
  if (!(x > 0.0))
    return 0;
  return x >= max_code ? (uint32_t)max_code : (uint32_t)x;
}

static void test_monitor_adc_quantiser_is_floor_at_every_boundary(void **state) {
  (void)state;
  const cpo_adc_params_t adcs[] = {{16, 1.0, 0.0, 0.0}, {12, 1e-6, 2e-6, 0.5}, {32, 1.0, 0.0, 0.0}};
  const double edges[] = {0.0, 0.5, 1.0, 65535.0, 4095.0, 4294967295.0, 1e300};
  for (size_t a = 0; a < sizeof adcs / sizeof adcs[0]; a++)
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
      for (int side = -1; side <= 1; side += 2)
        for (int steps = 0; steps < 3; steps++) {
          /* a code boundary (x = edge + 0.5 before the floor), and a few ulps either side */
          double v = (edges[e] - 0.5) * adcs[a].lsb - adcs[a].offset;
          for (int k = 0; k < steps; k++)
            v = nextafter(v, side * INFINITY);
          assert_int_equal(cpo_adc_quantise(&adcs[a], v, 0.0),
                           s_quantise_by_floor(&adcs[a], v, 0.0));
          assert_int_equal(cpo_adc_quantise(&adcs[a], -v, 0.3),
                           s_quantise_by_floor(&adcs[a], -v, 0.3));
        }
  const double odd[] = {NAN, INFINITY, -INFINITY, -0.0, 1e-320};
  for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
    assert_int_equal(cpo_adc_quantise(&adcs[0], odd[k], 0.0),
                     s_quantise_by_floor(&adcs[0], odd[k], 0.0));
}

static void test_slicer_probabilities_match_gaussian_tails(void **state) {
  (void)state;
  const double thr[3] = {1.0, 2.0, 3.0};
  const double sigma = 0.3, y = 1.4;
  double prob[4];
  cpo_slicer_probs(y, sigma, thr, 4, prob);
  double sum = 0;
  for (int d = 0; d < 4; d++)
    sum += prob[d];
  assert_true(fabs(sum - 1) < 1e-15);
  const double q = 0.5 * erfc((thr[0] - y) / (sigma * sqrt(2)));  /* P(above t0) */
  const double q1 = 0.5 * erfc((thr[1] - y) / (sigma * sqrt(2))); /* P(above t1) */
  assert_true(fabs(prob[0] - (1 - q)) < 1e-15);
  assert_true(fabs(prob[1] - (q - q1)) < 1e-15);
  assert_true(fabs(cpo_slicer_error_prob(y, sigma, thr, 4, 1) - (1 - q) - q1) < 1e-15);
  /* deep tail keeps relative precision (no 1 - x cancellation) */
  const double deep = cpo_slicer_error_prob(0.5, 0.02, thr, 4, 0);
  assert_true(fabs(deep / (0.5 * erfc(25 / sqrt(2))) - 1) < 1e-12);
  assert_true(fabs(cpo_ber_nrz(7.03) - 1e-12) / 1e-12 < 0.05);     /* MODELS.md: Q 7.03 -> 1e-12 */
  assert_true(fabs(cpo_ser_pam4(3.414) - 4.8e-4) / 4.8e-4 < 0.01); /* q 3.414 -> SER 4.8e-4 */
}

/* The receiver's and the fibre's parameters are checked against their physical ranges: a
 * quantum efficiency above 1 (1.5 would give 1.58 A/W, above q lambda / (h c) = 1.057 A/W at
 * 1310 nm) is refused with a message naming it, its value and the range. */
static void test_receiver_and_fibre_reject_unphysical_parameters(void **state) {
  (void)state;
  cpo_receiver_params_t r = cpo_receiver_params_default();
  assert_int_equal(cpo_receiver_check(&r), CPO_OK);
  r.quantum_efficiency = 1.5;
  EXPECT_REFUSED(cpo_receiver_check(&r), "cpo_receiver: quantum_efficiency = 1.5 is outside its "
                                         "physical range (0, 1]");
  r = cpo_receiver_params_default();
  r.dark_current_a = -1e-9;
  EXPECT_REFUSED(cpo_receiver_check(&r), "dark_current_a = -1e-09 A is outside its physical "
                                         "range [0, 0.001] A");
  r = cpo_receiver_params_default();
  r.load_ohm = 0;
  EXPECT_REFUSED(cpo_receiver_check(&r), "load_ohm = 0 ohm");
  cpo_fibre_params_t f = cpo_fibre_params_default();
  assert_int_equal(cpo_fibre_check(&f), CPO_OK);
  f.crosstalk_db = -INFINITY; /* no crosstalk at all is physical */
  assert_int_equal(cpo_fibre_check(&f), CPO_OK);
  f.crosstalk_db = 3;
  EXPECT_REFUSED(cpo_fibre_check(&f), "cpo_fibre: crosstalk_db = 3 dB is outside its physical "
                                      "range [-inf, 0] dB");
  f = cpo_fibre_params_default();
  f.connector_loss_db = -0.5; /* a connector with gain */
  EXPECT_REFUSED(cpo_fibre_check(&f), "connector_loss_db = -0.5 dB is outside its physical "
                                      "range [0, 10] dB");
  f = cpo_fibre_params_default();
  f.group_index = 0.5;
  EXPECT_REFUSED(cpo_fibre_check(&f), "group_index = 0.5 is outside its physical range [1, 3]");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_receiver_responsivity_and_physical_limit),
      cmocka_unit_test(test_receiver_shot_thermal_and_tia_variances),
      cmocka_unit_test(test_receiver_isi_taps_match_single_pole_response),
      cmocka_unit_test(test_fibre_loss_latency_crosstalk),
      cmocka_unit_test(test_receiver_and_fibre_reject_unphysical_parameters),
      cmocka_unit_test(test_monitor_adc_quantises_rounds_and_clamps),
      cmocka_unit_test(test_monitor_adc_quantiser_is_floor_at_every_boundary),
      cmocka_unit_test(test_slicer_probabilities_match_gaussian_tails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
