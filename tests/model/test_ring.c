/* Micro-ring through port against the all-pass formula of Bogaerts et al. (2012), evaluated
 * here with the round-trip phase 2 pi n L / lambda of a dispersionless ring (n = n_g) at one of
 * its resonances; T_min, critical coupling, FSR, FWHM and Q from the ring's own transmission;
 * heater, ambient, electro-optic and self-heating shifts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpo/ring.h"
#include "refusal.h"

static const double k_pi = 3.14159265358979323846;

/* The ring's m-th resonance near 1310 nm. */
static double s_resonance(const cpo_ring_params_t *p, int *m_out) {
  const double l = 2 * k_pi * p->radius_m;
  const int m = (int)floor(p->group_index * l / 1310e-9 + 0.5);
  if (m_out)
    *m_out = m;
  return p->group_index * l / m;
}

static double s_formula(double a, double r, double phi) {
  return (a * a - 2 * r * a * cos(phi) + r * r) / (1 - 2 * r * a * cos(phi) + r * a * r * a);
}

static void test_ring_through_port_matches_formula_at_detunings(void **state) {
  (void)state;
  const cpo_ring_params_t p = cpo_ring_params_default();
  const double res = s_resonance(&p, NULL);
  const double l = 2 * k_pi * p.radius_m;
  const double det[] = {0.0, 10e-12, -10e-12, 50e-12, 84e-12, -200e-12, 1e-9, 5e-9};
  for (size_t k = 0; k < sizeof det / sizeof det[0]; k++) {
    const double lambda = res + det[k];
    const double phi = 2 * k_pi * p.group_index * l / lambda;
    const double expect = s_formula(p.round_trip_a, p.self_coupling_r, phi);
    assert_true(fabs(cpo_ring_through(&p, lambda, res) - expect) < 1e-9);
  }
}

static void test_ring_t_min_and_critical_coupling(void **state) {
  (void)state;
  cpo_ring_params_t p = cpo_ring_params_default();
  const double res = s_resonance(&p, NULL);
  const double a = p.round_trip_a, r = p.self_coupling_r;
  const double tmin = ((a - r) / (1 - a * r)) * ((a - r) / (1 - a * r));
  assert_true(fabs(cpo_ring_t_min(&p) - tmin) < 1e-15);
  assert_true(fabs(cpo_ring_through(&p, res, res) - tmin) < 1e-12);
  /* a = r: all the light is lost at resonance */
  p.self_coupling_r = p.round_trip_a;
  assert_true(cpo_ring_t_min(&p) == 0.0);
  assert_true(cpo_ring_through(&p, res, res) < 1e-20);
  /* under- and over-coupled rings of the same |a - r| have the same depth */
  cpo_ring_params_t under = p, over = p;
  under.self_coupling_r = 0.995;
  over.self_coupling_r = 0.985;
  assert_true(cpo_ring_t_min(&under) > 0 && cpo_ring_t_min(&over) > 0);
}

static void test_ring_fsr_between_adjacent_resonances(void **state) {
  (void)state;
  const cpo_ring_params_t p = cpo_ring_params_default();
  int m;
  const double res = s_resonance(&p, &m);
  const double next = res * m / (m + 1.0); /* the (m+1)-th resonance, blue of res */
  /* the ring's transmission is at its minimum there too */
  assert_true(fabs(cpo_ring_through(&p, next, res) - cpo_ring_t_min(&p)) < 1e-9);
  /* lambda^2 / (n_g L) is the first-order spacing: within 1/m of the exact one */
  const double fsr = cpo_ring_fsr_m(&p, res);
  assert_true(fabs(fsr - (res - next)) / fsr < 1.5 / m);
  const double l = 2 * k_pi * p.radius_m;
  assert_true(fabs(fsr - res * res / (p.group_index * l)) < 1e-18);
}

/* Half-depth points of the dip, found by bisection on the model's transmission. */
static double s_half_depth_detuning(const cpo_ring_params_t *p, double res, double sign) {
  const double target = 0.5 * (1.0 + cpo_ring_t_min(p));
  double lo = 0.0, hi = 1e-9;
  for (int k = 0; k < 200; k++) {
    const double mid = 0.5 * (lo + hi);
    if (cpo_ring_through(p, res + sign * mid, res) < target)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

static void test_ring_fwhm_and_q_match_closed_form(void **state) {
  (void)state;
  const cpo_ring_params_t p = cpo_ring_params_default();
  const double res = s_resonance(&p, NULL);
  const double fwhm = s_half_depth_detuning(&p, res, 1.0) + s_half_depth_detuning(&p, res, -1.0);
  const double ra = p.round_trip_a * p.self_coupling_r;
  const double l = 2 * k_pi * p.radius_m;
  const double expect = (1 - ra) * res * res / (k_pi * p.group_index * l * sqrt(ra));
  assert_true(fabs(fwhm - expect) / expect < 0.01);
  assert_true(fabs(cpo_ring_fwhm_m(&p, res) - expect) / expect < 1e-12);
  assert_true(fabs(cpo_ring_q(&p, res) - res / fwhm) / (res / fwhm) < 0.01);
  /* the default ring: Q of several thousand (0.17 nm linewidth) */
  assert_true(cpo_ring_q(&p, res) > 5000 && cpo_ring_q(&p, res) < 10000);
}

static void test_ring_heater_shift_with_thermal_time_constant(void **state) {
  (void)state;
  const cpo_ring_params_t p = cpo_ring_params_default();
  cpo_ring_t *ring = NULL;
  assert_int_equal(cpo_ring_create(&p, p.ref_temp_k, &ring), CPO_OK);
  const double r0 = cpo_ring_resonance_m(ring, 0.0);
  assert_true(fabs(r0 - p.cold_resonance_m) < 1e-18);
  const double heat_w = 5e-3;
  cpo_ring_set_heater(ring, heat_w);
  const double full = 0.1e-9 / 1e-3 * heat_w; /* 0.1 nm/mW */
  const double dt = p.thermal_tau_s / 10;
  for (int k = 1; k <= 60; k++) {
    cpo_ring_step(ring, dt, 0.0);
    const double expect = full * (1 - exp(-k * dt / p.thermal_tau_s));
    assert_true(fabs(cpo_ring_resonance_m(ring, 0.0) - r0 - expect) < 1e-16);
  }
  /* temperature read-out: the shift over the thermo-optic coefficient */
  assert_true(fabs(cpo_ring_temp_k(ring) - p.ref_temp_k -
                   cpo_ring_thermal_shift_m(ring) / p.ambient_shift_m_per_k) < 1e-9);
  cpo_ring_set_heater(ring, 1.0); /* clamped to the driver limit */
  assert_true(cpo_ring_heater_w(ring) == p.heater_max_w);
  cpo_ring_destroy(&ring);
}

static void test_ring_ambient_eo_and_self_heating_shifts(void **state) {
  (void)state;
  const cpo_ring_params_t p = cpo_ring_params_default();
  cpo_ring_t *ring = NULL;
  assert_int_equal(cpo_ring_create(&p, p.ref_temp_k, &ring), CPO_OK);
  const double r0 = cpo_ring_resonance_m(ring, 0.0);
  cpo_ring_set_ambient(ring, p.ref_temp_k + 10.0);
  assert_true(fabs(cpo_ring_resonance_m(ring, 0.0) - r0 - 0.6e-9) < 1e-15); /* 0.06 nm/K */
  assert_true(fabs(cpo_ring_resonance_m(ring, 2.0) - cpo_ring_resonance_m(ring, 0.0) - 40e-12) <
              1e-16); /* 20 pm/V, reverse bias red-shifts */
  cpo_ring_set_ambient(ring, p.ref_temp_k);
  cpo_ring_step(ring, 100 * p.thermal_tau_s, 2e-3); /* 2 mW absorbed, settled */
  assert_true(fabs(cpo_ring_resonance_m(ring, 0.0) - r0 - p.self_heating_m_per_w * 2e-3) < 1e-16);
  assert_true(cpo_ring_resonance_m(ring, 0.0) > r0); /* red shift */
  /* transmission includes the insertion loss off resonance */
  const double far = r0 + 3e-9;
  assert_true(fabs(cpo_ring_transmission(ring, far, 0.0) -
                   pow(10, -p.insertion_loss_db / 10) *
                       cpo_ring_through(&p, far, cpo_ring_resonance_m(ring, 0.0))) < 1e-15);
  cpo_ring_destroy(&ring);
}

/* Each parameter outside its physical range is refused, the message naming it, its value and
 * the range. */
static void test_ring_rejects_unphysical_parameters(void **state) {
  (void)state;
  cpo_ring_t *ring = NULL;
  cpo_ring_params_t p = cpo_ring_params_default();
  p.round_trip_a = 1.2; /* gain in a passive ring */
  EXPECT_REFUSED(cpo_ring_create(&p, 300, &ring), "cpo_ring: round_trip_a = 1.2 is outside its "
                                                  "physical range (0, 1]");
  p = cpo_ring_params_default();
  p.self_coupling_r = 1.0;
  EXPECT_REFUSED(cpo_ring_create(&p, 300, &ring), "self_coupling_r = 1 is outside its physical "
                                                  "range (0, 1)");
  p = cpo_ring_params_default();
  p.thermal_tau_s = 0;
  EXPECT_REFUSED(cpo_ring_create(&p, 300, &ring), "thermal_tau_s = 0 s is outside its physical "
                                                  "range (0, 1] s");
  p = cpo_ring_params_default();
  p.absorbed_fraction = 1.5;
  EXPECT_REFUSED(cpo_ring_create(&p, 300, &ring), "absorbed_fraction = 1.5 is outside its "
                                                  "physical range [0, 1]");
  p = cpo_ring_params_default();
  p.insertion_loss_db = -1;
  EXPECT_REFUSED(cpo_ring_create(&p, 300, &ring), "insertion_loss_db = -1 dB is outside its "
                                                  "physical range [0, 30] dB");
  p = cpo_ring_params_default();
  EXPECT_REFUSED(cpo_ring_create(&p, 1000, &ring), "ambient_k = 1000 K");
  assert_null(ring);
  assert_int_equal(cpo_ring_create(&p, 300, &ring), CPO_OK);
  cpo_ring_destroy(&ring);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ring_through_port_matches_formula_at_detunings),
      cmocka_unit_test(test_ring_t_min_and_critical_coupling),
      cmocka_unit_test(test_ring_fsr_between_adjacent_resonances),
      cmocka_unit_test(test_ring_fwhm_and_q_match_closed_form),
      cmocka_unit_test(test_ring_heater_shift_with_thermal_time_constant),
      cmocka_unit_test(test_ring_ambient_eo_and_self_heating_shifts),
      cmocka_unit_test(test_ring_rejects_unphysical_parameters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
