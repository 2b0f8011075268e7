/* The firmware's ring lock (host/fw/ring_lock.c) against the ring model itself (model/ring.h):
 * a HAL backend whose heater and bias DACs drive cpo_ring objects and whose tap and drop ADCs
 * read the light they pass, with self-heating integrated on a fine step. Checked: every ring,
 * wherever fabrication put it blue of the line, ends at the design detuning red of the line
 * (laser on the stable blue side), computed here from the profile, not from the firmware; and
 * the firmware's lock ratio is what the ring model gives at that detuning. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/hal.h"
#include "cpo/lanes_afe.h"
#include "cpo/profile.h"
#include "cpo/receiver.h"
#include "cpo/ring.h"
#include "fw_engine.h"
#include "ring_lock.h"

#define LANES 5u
#define STEP_S 20e-9 /* self-heating integrated explicitly: well under the 500 ns constant */
#define LEVELS 4u

typedef struct {
  cpo_config_t cfg;
  cpo_profile_t prof;
  uint64_t now;
  double cycle_s, lambda_m, lane_in_w, responsivity;
  double swing_v;
  double bias_v[LANES];
  cpo_ring_t *ring[LANES];
  bool passed_red[LANES]; /* the resonance was ever red of the line during the search */
  bool went_back_blue[LANES];
} plant_t;

/* The average of (1 - T) over the PAM4 levels: what the ring loses (FFE off). */
static double s_lost(const plant_t *p, uint32_t j) {
  const cpo_ring_params_t *rp = cpo_ring_params(p->ring[j]);
  double lost = 0.0;
  for (uint32_t s = 0; s < LEVELS; s++) {
    const double v = p->bias_v[j] + 0.5 * p->swing_v * (-1.0 + 2.0 * s / (LEVELS - 1));
    lost += 1.0 - cpo_ring_through(rp, p->lambda_m, cpo_ring_resonance_m(p->ring[j], v));
  }
  return lost / LEVELS;
}

static double s_mod_in_w(const plant_t *p) {
  return p->lane_in_w * (1.0 - p->prof.tap_ratio);
}

static cpo_status_t s_read(void *self, uint32_t addr, uint32_t *data) {
  plant_t *p = self;
  *data = 0;
  for (uint32_t j = 0; j < LANES; j++) {
    if (addr == cpo_fw_dac_addr(CPO_DAC_DRIVER_SWING, j))
      *data = cpo_dac_si_to_code(CPO_DAC_DRIVER_SWING, p->swing_v);
    else if (addr == cpo_fw_adc_addr(CPO_ADC_TAP_PD, j))
      *data = (uint32_t)lround(p->responsivity * p->prof.tap_ratio * p->lane_in_w / 10e-9);
    else if (addr == cpo_fw_adc_addr(CPO_ADC_DROP_PD, j))
      *data = (uint32_t)lround(p->responsivity * p->prof.ring.drop_monitor_fraction *
                               s_mod_in_w(p) * s_lost(p, j) / 10e-9);
  }
  return CPO_OK;
}

static cpo_status_t s_write(void *self, uint32_t addr, uint32_t data) {
  plant_t *p = self;
  for (uint32_t j = 0; j < LANES; j++) {
    if (addr == cpo_fw_dac_addr(CPO_DAC_HEATER, j))
      cpo_ring_set_heater(p->ring[j], cpo_dac_code_to_si(CPO_DAC_HEATER, data));
    else if (addr == cpo_fw_dac_addr(CPO_DAC_MOD_BIAS, j))
      p->bias_v[j] = cpo_dac_code_to_si(CPO_DAC_MOD_BIAS, data);
  }
  return CPO_OK;
}

static double s_detuning_m(const plant_t *p, uint32_t j) {
  return cpo_ring_resonance_m(p->ring[j], p->bias_v[j]) - p->lambda_m;
}

static cpo_status_t s_sleep(void *self, uint64_t cycles) {
  plant_t *p = self;
  const uint64_t end = p->now + cycles;
  const double t_s = cycles * p->cycle_s;
  const uint32_t steps = (uint32_t)ceil(t_s / STEP_S);
  for (uint32_t k = 0; k < steps; k++)
    for (uint32_t j = 0; j < LANES; j++) {
      const double absorbed_w = p->prof.ring.absorbed_fraction * s_mod_in_w(p) * s_lost(p, j);
      cpo_ring_step(p->ring[j], t_s / steps, absorbed_w);
      if (s_detuning_m(p, j) > 0.0)
        p->passed_red[j] = true;
      else if (p->passed_red[j])
        p->went_back_blue[j] = true;
    }
  p->now = end;
  return CPO_OK;
}

static uint64_t s_now(const void *self) {
  return ((const plant_t *)self)->now;
}
static const cpo_config_t *s_config(const void *self) {
  return &((const plant_t *)self)->cfg;
}
static const char *s_error(const void *self) {
  (void)self;
  return "";
}
static void s_close(void *self) {
  (void)self;
}

static const cpo_hal_ops_t s_ops = {s_read, s_write, s_sleep, s_now, s_config, s_error, s_close};

/* Rings of the default profile at fabrication offsets spread over its whole range. */
static void s_plant_open(plant_t *p) {
  memset(p, 0, sizeof *p);
  assert_int_equal(cpo_profile_load("mrm-els-8x200g", &p->prof), CPO_OK);
  p->cfg.symbols_per_cycle = 8;
  p->cfg.baud_hz = (uint64_t)p->prof.baud_hz;
  p->cfg.total_cycles = UINT64_MAX / 2;
  snprintf(p->cfg.profile, sizeof p->cfg.profile, "%s", p->prof.name);
  p->cycle_s = p->cfg.symbols_per_cycle / p->prof.baud_hz;
  p->lambda_m = p->prof.laser.wavelength_m + 1.2e-9; /* a warm laser */
  p->swing_v = p->prof.driver_swing_v;
  /* about what the ELS gives a lane: 100 mW split 1:8, 2.5 dB */
  p->lane_in_w = 0.1 / 8 * pow(10.0, -0.25);
  p->responsivity = cpo_receiver_responsivity_a_per_w(&p->prof.receiver, p->lambda_m);
  for (uint32_t j = 0; j < LANES; j++) {
    cpo_ring_params_t rp = p->prof.ring;
    const double offset_m =
        p->prof.ring_fab_offset_min_m +
        (p->prof.ring_fab_offset_max_m - p->prof.ring_fab_offset_min_m) * j / (LANES - 1);
    rp.cold_resonance_m =
        p->lambda_m - rp.ambient_shift_m_per_k * (p->prof.ambient_k - rp.ref_temp_k) - offset_m;
    assert_int_equal(cpo_ring_create(&rp, p->prof.ambient_k, &p->ring[j]), CPO_OK);
  }
}

static void s_plant_close(plant_t *p) {
  for (uint32_t j = 0; j < LANES; j++)
    cpo_ring_destroy(&p->ring[j]);
}

static void s_engine(plant_t *p, cpo_hal_t *hal, cpo_fw_engine_t *e) {
  memset(e, 0, sizeof *e);
  e->hal = hal;
  e->product = cpo_fw_product_find("mrm-els-8x200g");
  assert_non_null(e->product);
  e->lanes = e->host_lanes = LANES;
  e->lasers = 1;
  e->modules = 1;
  e->deadline_cycles = UINT64_MAX / 2;
  for (uint32_t j = 0; j < LANES; j++)
    e->lane[j].lit = true;
  (void)p;
}

static void test_every_ring_locks_at_the_design_detuning_red_of_the_line(void **state) {
  (void)state;
  plant_t p;
  s_plant_open(&p);
  cpo_hal_t *hal = NULL;
  assert_int_equal(cpo_hal_create(&s_ops, &p, &hal), CPO_OK);
  cpo_fw_engine_t e;
  s_engine(&p, hal, &e);
  cpo_status_t rc = cpo_fw_ring_lock_all(&e);
  if (rc != CPO_OK)
    fail_msg("ring lock failed: %s", e.why);
  const double fwhm_m = cpo_ring_fwhm_m(&p.prof.ring, p.lambda_m);
  for (uint32_t j = 0; j < LANES; j++) {
    const double want_m = p.prof.ring_detuning_fwhm * fwhm_m;
    const double got_m = s_detuning_m(&p, j);
    print_message("lane %u: detuning %.2f pm (want %.2f), heater %.3f mW, simulated %.1f us\n", j,
                  got_m * 1e12, want_m * 1e12, e.lane[j].heater_w * 1e3, p.now * p.cycle_s * 1e6);
    assert_true(e.lane[j].locked);
    assert_true(fabs(got_m - want_m) < 1e-12); /* within 1 pm of a 125 pm linewidth */
    /* approached from the blue: the resonance crossed the line once (the snap) and stayed */
    assert_true(p.passed_red[j]);
    assert_false(p.went_back_blue[j]);
  }
  cpo_hal_close(&hal);
  s_plant_close(&p);
}

/* The table's lock ratio: drop fraction x (1 - tap) / tap x the ring's average loss at the
 * design detuning, from the ring model at the profile's parameters. */
static void test_lock_ratio_is_the_ring_models_at_the_design_detuning(void **state) {
  (void)state;
  plant_t p;
  s_plant_open(&p);
  for (uint32_t j = 0; j < 1; j++) {
    p.bias_v[j] = 0.5 * p.swing_v + cpo_fw_product_find("mrm-els-8x200g")->ring_bias_margin_v;
    /* heat ring j (no light) until its resonance sits at the design detuning */
    const double want_m = p.prof.ring_detuning_fwhm * cpo_ring_fwhm_m(&p.prof.ring, p.lambda_m);
    const double heater_w = (want_m - s_detuning_m(&p, j)) / p.prof.ring.heater_shift_m_per_w;
    cpo_ring_set_heater(p.ring[j], heater_w);
    cpo_ring_step(p.ring[j], 1.0, 0.0);
    assert_true(fabs(s_detuning_m(&p, j) - want_m) < 1e-15);
    const double ratio = p.prof.ring.drop_monitor_fraction * (1.0 - p.prof.tap_ratio) /
                         p.prof.tap_ratio * s_lost(&p, j);
    const double table = cpo_fw_product_find("mrm-els-8x200g")->ring_lock_ratio;
    print_message("model %.5f, table %.5f\n", ratio, table);
    assert_true(fabs(ratio - table) < 2e-3 * ratio);
  }
  s_plant_close(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_ring_locks_at_the_design_detuning_red_of_the_line),
      cmocka_unit_test(test_lock_ratio_is_the_ring_models_at_the_design_detuning),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
