/* Laser: L-I, threshold drift, wavelength drift, thermal turn-on transient, ageing and RIN,
 * each against the closed form (MODELS.md) computed here from the parameters. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpo/laser.h"
#include "cpo/profile.h"
#include "refusal.h"

#define REL(a, b) (fabs((a) - (b)) / fabs(b))

static void test_laser_li_curve_is_threshold_and_slope(void **state) {
  (void)state;
  const cpo_laser_params_t p = cpo_laser_params_dfb();
  const double t = p.ref_temp_k;
  assert_true(cpo_laser_li_power_w(&p, 0.5 * p.threshold_a, t) == 0.0);
  assert_true(cpo_laser_li_power_w(&p, p.threshold_a, t) == 0.0);
  const double currents[] = {15e-3, 30e-3, 60e-3, 100e-3};
  for (size_t k = 0; k < 4; k++) {
    const double expect = p.slope_w_per_a * (currents[k] - p.threshold_a);
    assert_true(REL(cpo_laser_li_power_w(&p, currents[k], t), expect) < 1e-12);
  }
  /* MODELS.md class numbers: ~10 mA threshold, ~0.4 W/A */
  assert_true(p.threshold_a > 4e-3 && p.threshold_a < 15e-3);
  assert_true(p.slope_w_per_a > 0.3 && p.slope_w_per_a < 0.5);
}

static void test_laser_threshold_drifts_with_t0(void **state) {
  (void)state;
  const cpo_laser_params_t p = cpo_laser_params_dfb();
  const double dts[] = {-20.0, 10.0, 25.0, 50.0};
  for (size_t k = 0; k < 4; k++) {
    const double t = p.ref_temp_k + dts[k];
    const double expect = p.threshold_a * exp(dts[k] / p.t0_k);
    assert_true(REL(cpo_laser_threshold_a(&p, t), expect) < 1e-12);
    /* and the L-I curve above threshold uses the drifted threshold and slope */
    const double i = 80e-3;
    const double slope = p.slope_w_per_a * exp(-dts[k] / p.t1_k);
    assert_true(REL(cpo_laser_li_power_w(&p, i, t), slope * (i - expect)) < 1e-12);
  }
  /* T0 = 60 K: threshold doubles over 60 ln 2 = 41.6 K */
  assert_true(REL(cpo_laser_threshold_a(&p, p.ref_temp_k + 60.0 * log(2.0)), 2.0 * p.threshold_a) <
              1e-12);
}

static void test_laser_wavelength_drifts_0p1_nm_per_k(void **state) {
  (void)state;
  const cpo_laser_params_t p = cpo_laser_params_dfb();
  for (double dt = -30; dt <= 60; dt += 15) {
    const double got = cpo_laser_wavelength_at_m(&p, p.ref_temp_k + dt) - p.wavelength_m;
    assert_true(fabs(got - 0.1e-9 * dt) < 1e-15);
  }
}

/* Junction below threshold: no light, so the heating power I V(I) is constant and the junction
 * relaxes exactly as T_amb + R_th P (1 - exp(-t / tau)). */
static void test_laser_junction_relaxes_with_thermal_time_constant(void **state) {
  (void)state;
  cpo_laser_params_t p = cpo_laser_params_dfb();
  p.threshold_a = 1.0; /* keep it dark */
  p.max_current_a = 2.0;
  cpo_laser_t *l = NULL;
  const double amb = 300.0, i = 0.1;
  assert_int_equal(cpo_laser_create(&p, amb, &l), CPO_OK);
  cpo_laser_set_current(l, i);
  const double rise = p.thermal_res_k_per_w * i * (p.forward_v + i * p.series_ohm);
  const double dt = p.thermal_tau_s / 50;
  for (int k = 1; k <= 200; k++) {
    cpo_laser_step(l, dt);
    const double expect = amb + rise * (1.0 - exp(-k * dt / p.thermal_tau_s));
    assert_true(fabs(cpo_laser_junction_k(l) - expect) < 1e-9);
  }
  cpo_laser_destroy(&l);
}

/* Turn-on transient: power starts at the cold L-I value and droops as the junction heats, to
 * the fixed point T = T_amb + R_th (I V(I) - P(T)) found here by bisection. */
static void test_laser_turn_on_droops_to_thermal_fixed_point(void **state) {
  (void)state;
  const cpo_laser_params_t p = cpo_laser_params_els();
  cpo_laser_t *l = NULL;
  const double amb = 308.15, i = 0.37;
  assert_int_equal(cpo_laser_create(&p, amb, &l), CPO_OK);
  cpo_laser_set_current(l, i);
  const double cold_w = cpo_laser_power_w(l);
  assert_true(REL(cold_w, cpo_laser_li_power_w(&p, i, amb)) < 1e-12);
  double prev_w = cold_w;
  for (int k = 0; k < 400; k++) {
    cpo_laser_step(l, p.thermal_tau_s / 20);
    assert_true(cpo_laser_power_w(l) <= prev_w + 1e-15); /* monotone droop */
    prev_w = cpo_laser_power_w(l);
  }
  double lo = amb, hi = amb + 200.0;
  for (int k = 0; k < 200; k++) {
    const double t = 0.5 * (lo + hi);
    const double po = cpo_laser_li_power_w(&p, i, t);
    const double g = amb + p.thermal_res_k_per_w * (i * (p.forward_v + i * p.series_ohm) - po) - t;
    if (g > 0)
      lo = t;
    else
      hi = t;
  }
  assert_true(fabs(cpo_laser_junction_k(l) - lo) < 1e-6);
  assert_true(prev_w < cold_w * 0.99);
  /* wavelength follows the junction: red shift of 0.1 nm/K times the rise */
  assert_true(fabs(cpo_laser_wavelength_m(l) - cpo_laser_wavelength_at_m(&p, lo)) < 1e-15);
  cpo_laser_destroy(&l);
}

/* The ELS at the default engine's operating point (nominal current, faceplate ambient) is a
 * high-power source: its wall-plug efficiency P / (I (V0 + I R_s)) and its self-heating
 * R_th (I V - P), from the thermal fixed point found here by bisection, are those of a
 * high-power DFB (15-25 %, about 9 K), not of a small DFB (7 % and 19.5 K before). */
static void test_laser_els_wall_plug_efficiency_at_operating_point(void **state) {
  (void)state;
  cpo_profile_t prof;
  assert_int_equal(cpo_profile_load(NULL, &prof), CPO_OK);
  const cpo_laser_params_t *p = &prof.laser;
  const double i = prof.laser_nominal_current_a, amb = prof.els_ambient_k;
  assert_true(p->series_ohm >= 1.0 && p->series_ohm <= 2.0); /* high-power DFB (MODELS.md) */
  const double el_w = i * (p->forward_v + i * p->series_ohm);
  double lo = amb, hi = amb + 200.0;
  for (int k = 0; k < 200; k++) {
    const double t = 0.5 * (lo + hi);
    const double ith = p->threshold_a * exp((t - p->ref_temp_k) / p->t0_k);
    const double po = p->slope_w_per_a * exp(-(t - p->ref_temp_k) / p->t1_k) * (i - ith);
    if (amb + p->thermal_res_k_per_w * (el_w - po) - t > 0)
      lo = t;
    else
      hi = t;
  }
  const double t_k = lo;
  const double out_w = p->slope_w_per_a * exp(-(t_k - p->ref_temp_k) / p->t1_k) *
                       (i - p->threshold_a * exp((t_k - p->ref_temp_k) / p->t0_k));
  const double wall_plug = out_w / el_w, heating_k = t_k - amb;
  assert_true(wall_plug >= 0.15 && wall_plug <= 0.25);
  assert_true(heating_k > 0.0 && heating_k < 12.0);
  assert_true(out_w > 1e-3 * pow(10, 1.85) && out_w < 1e-3 * pow(10, 2.15)); /* 20 +- 1.5 dBm */
  /* and the model settles there and reports the same electrical power */
  cpo_laser_t *l = NULL;
  assert_int_equal(cpo_laser_create(p, amb, &l), CPO_OK);
  cpo_laser_set_current(l, i);
  for (int k = 0; k < 100; k++)
    cpo_laser_step(l, 10 * p->thermal_tau_s);
  assert_true(REL(cpo_laser_electrical_w(l), el_w) < 1e-12);
  assert_true(fabs(cpo_laser_junction_k(l) - t_k) < 1e-6);
  assert_true(REL(cpo_laser_power_w(l) / cpo_laser_electrical_w(l), wall_plug) < 1e-6);
  cpo_laser_destroy(&l);
}

static void test_laser_ageing_raises_threshold_and_lowers_slope(void **state) {
  (void)state;
  cpo_laser_params_t p = cpo_laser_params_dfb();
  p.age_h = 50000.0;
  const double t = p.ref_temp_k;
  assert_true(REL(cpo_laser_threshold_a(&p, t),
                  p.threshold_a * (1 + p.ageing_threshold_per_h * p.age_h)) < 1e-12);
  assert_true(REL(cpo_laser_slope_w_per_a(&p, t),
                  p.slope_w_per_a * (1 - p.ageing_slope_per_h * p.age_h)) < 1e-12);
  cpo_laser_params_t fresh = p;
  fresh.age_h = 0;
  assert_true(cpo_laser_li_power_w(&p, 50e-3, t) < cpo_laser_li_power_w(&fresh, 50e-3, t));
}

static void test_laser_rin_variance_is_rin_p2_b(void **state) {
  (void)state;
  const cpo_laser_params_t p = cpo_laser_params_dfb(); /* -150 dB/Hz */
  const double pw = 2e-3, b = 50e9;
  assert_true(REL(cpo_laser_rin_variance_w2(&p, pw, b), 1e-15 * pw * pw * b) < 1e-9);
}

/* Each parameter outside its physical range is refused, the message naming it, its value and
 * the range; the slope above the quantum limit h c / (q lambda) (0.946 W/A at 1311 nm) too. */
static void test_laser_rejects_unphysical_parameters(void **state) {
  (void)state;
  cpo_laser_t *l = NULL;
  cpo_laser_params_t p = cpo_laser_params_dfb();
  p.t0_k = 0;
  EXPECT_REFUSED(cpo_laser_create(&p, 300, &l), "cpo_laser: t0_k = 0 K is outside its physical "
                                                "range [10, 1000] K");
  p = cpo_laser_params_dfb();
  p.thermal_tau_s = -1;
  EXPECT_REFUSED(cpo_laser_create(&p, 300, &l), "thermal_tau_s = -1 s is outside its physical "
                                                "range (0, 10] s");
  p = cpo_laser_params_dfb();
  p.series_ohm = -0.5;
  EXPECT_REFUSED(cpo_laser_create(&p, 300, &l), "series_ohm = -0.5 ohm is outside its physical "
                                                "range [0, 100] ohm");
  p = cpo_laser_params_dfb();
  p.rin_db_per_hz = NAN;
  EXPECT_REFUSED(cpo_laser_create(&p, 300, &l), "rin_db_per_hz = nan dB/Hz");
  p = cpo_laser_params_dfb();
  p.slope_w_per_a = 1.0; /* more than one photon per electron at 1311 nm */
  char expect[160];
  const double limit = 6.62607015e-34 * 299792458.0 / (1.602176634e-19 * p.wavelength_m);
  assert_true(limit > 0.94 && limit < 0.95);
  snprintf(expect, sizeof expect, "slope_w_per_a = 1 W/A is outside its physical range (0, %g] W/A",
           limit);
  EXPECT_REFUSED(cpo_laser_create(&p, 300, &l), expect);
  p = cpo_laser_params_dfb();
  EXPECT_REFUSED(cpo_laser_create(&p, NAN, &l), "ambient_k = nan K is outside its physical range "
                                                "[200, 450] K");
  assert_null(l);
  assert_int_equal(cpo_laser_create(&p, 300, &l), CPO_OK);
  cpo_laser_set_current(l, 10.0); /* clamped to the driver's compliance */
  assert_true(cpo_laser_current_a(l) == p.max_current_a);
  cpo_laser_set_current(l, -1.0);
  assert_true(cpo_laser_current_a(l) == 0.0);
  cpo_laser_destroy(&l);
  cpo_laser_destroy(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_laser_li_curve_is_threshold_and_slope),
      cmocka_unit_test(test_laser_threshold_drifts_with_t0),
      cmocka_unit_test(test_laser_wavelength_drifts_0p1_nm_per_k),
      cmocka_unit_test(test_laser_junction_relaxes_with_thermal_time_constant),
      cmocka_unit_test(test_laser_turn_on_droops_to_thermal_fixed_point),
      cmocka_unit_test(test_laser_els_wall_plug_efficiency_at_operating_point),
      cmocka_unit_test(test_laser_ageing_raises_threshold_and_lowers_slope),
      cmocka_unit_test(test_laser_rin_variance_is_rin_p2_b),
      cmocka_unit_test(test_laser_rejects_unphysical_parameters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
