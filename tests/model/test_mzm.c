/* Mach-Zehnder modulator: transfer IL (1 + g cos phi) / (1 + g) with g from the extinction
 * ratio (peak IL), bias points (peak, quadrature, null) from V_pi, and the bias-dither harmonics
 * against the Jacobi-Anger expansion (first harmonic 2 J1(beta) |sin phi|, second
 * 2 J2(beta) |cos phi|, times IL g / (1 + g)):
 * at quadrature the second vanishes and the first is largest. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpo/mzm.h"
#include "refusal.h"

static const double k_pi = 3.14159265358979323846;

static void test_mzm_transfer_and_extinction(void **state) {
  (void)state;
  const cpo_mzm_params_t p = cpo_mzm_params_default();
  const double il = pow(10, -p.insertion_loss_db / 10), er = pow(10, p.extinction_ratio_db / 10);
  const double g = (er - 1) / (er + 1);
  for (double phi = -4; phi <= 4; phi += 0.37)
    assert_true(fabs(cpo_mzm_transfer(&p, phi) - il * (1 + g * cos(phi)) / (1 + g)) < 1e-15);
  assert_true(fabs(cpo_mzm_transfer(&p, 0) / cpo_mzm_transfer(&p, k_pi) - er) / er < 1e-9);
  assert_true(fabs(cpo_mzm_transfer(&p, 0) - il) < 1e-15); /* IL is the peak's loss */
}

/* Arm imbalance gives the same g: fields a1, a2 interfere to (a1^2 + a2^2 + 2 a1 a2 cos)/... */
static void test_mzm_extinction_matches_arm_imbalance(void **state) {
  (void)state;
  cpo_mzm_params_t p = cpo_mzm_params_default();
  const double a1 = 1.0, a2 = 0.8; /* field amplitudes of the arms */
  const double er = pow((a1 + a2) / (a1 - a2), 2);
  p.extinction_ratio_db = 10 * log10(er);
  p.insertion_loss_db = 0;
  for (double phi = 0; phi < 6.3; phi += 0.5) {
    const double interf = (a1 * a1 + a2 * a2 + 2 * a1 * a2 * cos(phi)) / pow(a1 + a2, 2);
    assert_true(fabs(cpo_mzm_transfer(&p, phi) - interf) < 1e-12);
  }
}

/* A default modulator without ambient drift, at its reference temperature; @p il its insertion
 * loss as a factor, @p g its extinction factor. */
static cpo_mzm_t *s_steady_mzm(cpo_mzm_params_t *p, double *il, double *g) {
  *p = cpo_mzm_params_default();
  p->ambient_rad_per_k = 0;
  cpo_mzm_t *m = NULL;
  assert_int_equal(cpo_mzm_create(p, p->ref_temp_k, &m), CPO_OK);
  *il = pow(10, -p->insertion_loss_db / 10);
  *g = cpo_mzm_extinction_factor(p);
  return m;
}

static void test_mzm_bias_points_from_v_pi(void **state) {
  (void)state;
  cpo_mzm_params_t p;
  double il, g;
  cpo_mzm_t *m = s_steady_mzm(&p, &il, &g);
  /* V for arm phase phi: (phi - phi_0) V_pi / pi */
  const double v_peak = (0 - p.phase_offset_rad) * p.v_pi_v / k_pi;
  const double v_null = (k_pi - p.phase_offset_rad) * p.v_pi_v / k_pi;
  const double v_quad = (k_pi / 2 - p.phase_offset_rad) * p.v_pi_v / k_pi;
  assert_true(fabs(cpo_mzm_transmission(m, v_peak) - il) < 1e-15);
  assert_true(fabs(cpo_mzm_transmission(m, v_null) - il * (1 - g) / (1 + g)) < 1e-15);
  assert_true(fabs(cpo_mzm_transmission(m, v_quad) - il / (1 + g)) < 1e-15);
  /* V_pi moves from peak to null */
  assert_true(fabs(v_null - v_peak - p.v_pi_v) < 1e-12);
  cpo_mzm_destroy(&m);
}

/* Harmonics of T(V_b + A sin wt) by a DFT of the model's output. */
static void s_harmonics(const cpo_mzm_t *m, double v_bias, double amp, double *h1, double *h2) {
  enum { N = 256 };
  double re1 = 0, im1 = 0, re2 = 0, im2 = 0;
  for (int k = 0; k < N; k++) {
    const double th = 2 * k_pi * k / N;
    const double t = cpo_mzm_transmission(m, v_bias + amp * sin(th));
    re1 += t * cos(th), im1 += t * sin(th);
    re2 += t * cos(2 * th), im2 += t * sin(2 * th);
  }
  *h1 = 2 * hypot(re1, im1) / N;
  *h2 = 2 * hypot(re2, im2) / N;
}

static void test_mzm_dither_harmonics_locate_quadrature(void **state) {
  (void)state;
  cpo_mzm_params_t p;
  double il, g;
  cpo_mzm_t *m = s_steady_mzm(&p, &il, &g);
  const double amp = 0.1; /* dither amplitude, V */
  const double beta = k_pi * amp / p.v_pi_v;
  for (double phi = 0.2; phi < 3.0; phi += 0.4) {
    const double v = (phi - p.phase_offset_rad) * p.v_pi_v / k_pi;
    double h1, h2;
    s_harmonics(m, v, amp, &h1, &h2);
    assert_true(fabs(h1 - il * g / (1 + g) * 2 * jn(1, beta) * fabs(sin(phi))) < 1e-12);
    assert_true(fabs(h2 - il * g / (1 + g) * 2 * jn(2, beta) * fabs(cos(phi))) < 1e-12);
  }
  double h1q, h2q, h1o, h2o;
  const double vq = (k_pi / 2 - p.phase_offset_rad) * p.v_pi_v / k_pi;
  s_harmonics(m, vq, amp, &h1q, &h2q);
  s_harmonics(m, vq + 0.3, amp, &h1o, &h2o);
  assert_true(h2q < 1e-12 && h2o > 1e-5);
  assert_true(h1q > h1o);
  cpo_mzm_destroy(&m);
}

static void test_mzm_heater_phase_time_constant(void **state) {
  (void)state;
  const cpo_mzm_params_t p = cpo_mzm_params_default();
  cpo_mzm_t *m = NULL;
  assert_int_equal(cpo_mzm_create(&p, p.ref_temp_k, &m), CPO_OK);
  const double phi0 = cpo_mzm_phase_rad(m, 0);
  cpo_mzm_set_heater(m, 10e-3);
  cpo_mzm_step(m, p.thermal_tau_s);
  const double expect = p.heater_rad_per_w * 10e-3 * (1 - exp(-1.0));
  assert_true(fabs(cpo_mzm_phase_rad(m, 0) - phi0 - expect) < 1e-12);
  cpo_mzm_destroy(&m);
}

/* Each parameter outside its physical range is refused, the message naming it, its value and
 * the range. */
static void test_mzm_rejects_unphysical_parameters(void **state) {
  (void)state;
  cpo_mzm_t *m = NULL;
  cpo_mzm_params_t p = cpo_mzm_params_default();
  p.v_pi_v = 0;
  EXPECT_REFUSED(cpo_mzm_create(&p, 300, &m), "cpo_mzm: v_pi_v = 0 V is outside its physical "
                                              "range (0, 100] V");
  p = cpo_mzm_params_default();
  p.insertion_loss_db = -3; /* gain */
  EXPECT_REFUSED(cpo_mzm_create(&p, 300, &m), "insertion_loss_db = -3 dB is outside its "
                                              "physical range [0, 30] dB");
  p = cpo_mzm_params_default();
  p.extinction_ratio_db = 0;
  EXPECT_REFUSED(cpo_mzm_create(&p, 300, &m), "extinction_ratio_db = 0 dB is outside its "
                                              "physical range (0, 60] dB");
  p = cpo_mzm_params_default();
  p.heater_max_w = INFINITY;
  EXPECT_REFUSED(cpo_mzm_create(&p, 300, &m), "heater_max_w = inf W");
  p = cpo_mzm_params_default();
  EXPECT_REFUSED(cpo_mzm_create(&p, -5, &m), "ambient_k = -5 K");
  assert_null(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mzm_transfer_and_extinction),
      cmocka_unit_test(test_mzm_extinction_matches_arm_imbalance),
      cmocka_unit_test(test_mzm_bias_points_from_v_pi),
      cmocka_unit_test(test_mzm_dither_harmonics_locate_quadrature),
      cmocka_unit_test(test_mzm_heater_phase_time_constant),
      cmocka_unit_test(test_mzm_rejects_unphysical_parameters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
