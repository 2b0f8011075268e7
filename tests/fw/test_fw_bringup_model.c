/* The bring-up firmware (host/fw) on the analog models without the RTL (fw_model_hal.h): a cold
 * bring-up of each profile from dark against the calibrated snapshot of the same seed, compared
 * by each lane's expected bit error ratio (exact, from its eye), and rings that stay locked
 * through an ambient ramp. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/addrmap.h"
#include "cpo/fw_bringup.h"
#include "cpo/lanes_afe.h"
#include "cpo/oe_regs.h"
#include "cpo/snapshot_ber.h"
#include "fw_model_hal.h"

#define KP4_BER 2.4e-4
#define SEED 1u
#define DEADLINE_CYCLES 200000000ull /* 15 ms: generous against the ~1.5 ms bring-up */

/* The latest trace sample's MZM phases and ring detunings. */
typedef struct {
  double phase_rad[128], detuning_m[128];
} trace_t;

static void s_trace(void *user, const cpo_link_trace_t *t) {
  trace_t *tr = user;
  for (uint32_t j = 0; j < t->lanes && j < 128; j++) {
    tr->phase_rad[j] = t->mzm_phase_rad[j];
    tr->detuning_m[j] = t->detuning_m[j];
  }
}

typedef struct {
  cpo_fw_model_hal_t *m;
  cpo_hal_t *hal;
  cpo_fw_t *fw;
  cpo_fw_bringup_report_t report;
} run_t;

static void s_bring_up(run_t *r, const char *profile) {
  memset(r, 0, sizeof *r);
  assert_int_equal(cpo_fw_model_hal_create(profile, SEED, false, &r->m, &r->hal), CPO_OK);
  assert_int_equal(cpo_fw_create(r->hal, &r->fw), CPO_OK);
  cpo_status_t rc = cpo_fw_bringup_run(r->fw, DEADLINE_CYCLES, &r->report);
  cpo_fw_bringup_print(r->fw, &r->report, stdout);
  if (rc != CPO_OK)
    fail_msg("bring-up failed (%d): %s", rc, r->report.failure);
  assert_true(r->report.was_dark && r->report.up);
  assert_int_equal(r->report.lanes_locked, r->report.lanes);
}

static void s_close(run_t *r) {
  cpo_fw_destroy(&r->fw);
  cpo_hal_close(&r->hal);
}

/* The snapshot of the same seed, its eyes built. */
static cpo_fw_model_hal_t *s_snapshot(const char *profile, cpo_hal_t **hal) {
  cpo_fw_model_hal_t *m;
  assert_int_equal(cpo_fw_model_hal_create(profile, SEED, true, &m, hal), CPO_OK);
  assert_int_equal(cpo_hal_sleep_cycles(*hal, 64), CPO_OK);
  return m;
}

/* Every lane's expected BER after the bring-up against the snapshot's: below KP4 and at most
 * twice the snapshot's (lower is better: the snapshot puts the thresholds at the level means'
 * midpoints, the firmware's bathtubs centre them where the errors balance, which on levels of
 * unequal noise is nearer the optimum). Far below any measurable BER (the 64-lane profile's
 * ~1e-28) a factor of 2 is about 1 % of margin, below what error counts of a bring-up resolve:
 * there the margin q must be within 2 % of the snapshot's (a factor of 2 at 1e-10 is 1.6 %). */
static void s_compare(const char *profile) {
  run_t r;
  s_bring_up(&r, profile);
  /* the eyes under the final settings: their writes cross the analog boundary first */
  assert_int_equal(cpo_hal_sleep_cycles(r.hal, 2 * cpo_hal_config(r.hal)->latency_cycles + 64),
                   CPO_OK);
  static trace_t tr_fw, tr_snap;
  cpo_link_set_trace(cpo_fw_model_hal_link(r.m), s_trace, &tr_fw);
  assert_int_equal(cpo_hal_sleep_cycles(r.hal, 2000), CPO_OK);
  cpo_hal_t *snap_hal;
  cpo_fw_model_hal_t *snap = s_snapshot(profile, &snap_hal);
  cpo_link_set_trace(cpo_fw_model_hal_link(snap), s_trace, &tr_snap);
  assert_int_equal(cpo_hal_sleep_cycles(snap_hal, 2000), CPO_OK);
  /* the model's own snapshot BER (what a co-simulation's result states, at the snapshot's first
   * grid point) is this snapshot's: within 1 % (the rings settle a little over the 2000 cycles
   * the reference runs: 0.3 % on mrm-els-8x200g, nothing on the MZMs) */
  double snap_ber[128];
  const cpo_link_cfg_t lc = {.profile = profile,
                             .symbols_per_cycle = 8,
                             .seed = SEED,
                             .fidelity = CPO_FIDELITY_STATISTICAL};
  assert_int_equal(cpo_link_snapshot_ber(&lc, snap_ber, r.report.lanes), CPO_OK);
  const double us = 8.0 / 106.25e9 * 1e6;
  printf("%s: cold bring-up in %.1f us simulated\n  lane   BER fw      BER snapshot  ratio  "
         "KP4 margin (2.4e-4 / BER)\n",
         profile, r.report.done_cycle * us);
  for (uint32_t j = 0; j < r.report.lanes; j++) {
    const double fw = cpo_link_expected_ber(cpo_fw_model_hal_link(r.m), j);
    const double ref = cpo_link_expected_ber(cpo_fw_model_hal_link(snap), j);
    printf("  %4u  %.3e  %.3e     %5.2f  %.3g x  (q %.3f vs %.3f; %s %.4f vs %.4f)\n", j, fw, ref,
           fw / ref, KP4_BER / fw, cpo_pam4_margin_q(fw), cpo_pam4_margin_q(ref),
           tr_fw.detuning_m[j] != 0.0 ? "detuning pm" : "MZM phase rad",
           tr_fw.detuning_m[j] != 0.0 ? tr_fw.detuning_m[j] * 1e12 : tr_fw.phase_rad[j],
           tr_fw.detuning_m[j] != 0.0 ? tr_snap.detuning_m[j] * 1e12 : tr_snap.phase_rad[j]);
    if (fabs(snap_ber[j] - ref) > 0.01 * ref)
      fail_msg("lane %u: cpo_link_snapshot_ber %.6e, the snapshot's eye %.6e", j, snap_ber[j], ref);
    assert_true(fw < KP4_BER);
    assert_true(cpo_ber_within_snapshot(fw, ref, 2.0));
  }
  cpo_hal_close(&snap_hal);
  s_close(&r);
}

static void test_cold_bring_up_of_the_default_profile_matches_the_snapshot(void **state) {
  (void)state;
  s_compare("mrm-els-8x200g");
}

static void test_cold_bring_up_of_oif_3_2t_matches_the_snapshot(void **state) {
  (void)state;
  s_compare("oif-3.2t");
}

static void test_cold_bring_up_of_mzm_6_4t_matches_the_snapshot(void **state) {
  (void)state;
  s_compare("mzm-6.4t");
}

/* Deviation of every lane's detuning from its lock value, over a ramp. */
typedef struct {
  uint32_t lanes;
  double lock_m[128];
  double worst_m;          /* the largest deviation seen */
  uint64_t last_off_cycle; /* the last sample with a lane more than OFF_M off */
} ramp_trace_t;

#define OFF_M 5e-12 /* 5 pm: 4 % of the linewidth */

static void s_ramp_trace(void *user, const cpo_link_trace_t *t) {
  ramp_trace_t *rt = user;
  for (uint32_t j = 0; j < rt->lanes; j++) {
    const double off_m = fabs(t->detuning_m[j] - rt->lock_m[j]);
    rt->worst_m = fmax(rt->worst_m, off_m);
    if (off_m > OFF_M)
      rt->last_off_cycle = t->cycle;
  }
}

/* After a cold bring-up, the case cools by 20 K (45 to 25 degC) at 1 K/ms, the lanes parked by
 * the host meanwhile: supervision keeps every ring on its lock (more heat as the resonances
 * drift blue, 60 pm/K), never letting one fall off. Warming instead runs a ring whose lock
 * needs little heat out of heater (it cannot cool), which is the design's limit, not the
 * firmware's. */
static void test_rings_stay_locked_through_a_20_k_ambient_ramp(void **state) {
  (void)state;
  run_t r;
  s_bring_up(&r, "mrm-els-8x200g");
  cpo_link_t *link = cpo_fw_model_hal_link(r.m);
  static trace_t tr;
  cpo_link_set_trace(link, s_trace, &tr);
  assert_int_equal(cpo_hal_sleep_cycles(r.hal, 2000), CPO_OK);
  static ramp_trace_t rt;
  rt.lanes = r.report.lanes;
  for (uint32_t j = 0; j < rt.lanes; j++)
    rt.lock_m[j] = tr.detuning_m[j];
  /* the host parks the lanes: the monitors do not need traffic */
  const uint32_t oe = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE;
  assert_int_equal(cpo_hal_write(r.hal, oe + CPO_OE_STREAM_EN_LO_OFFSET, 0), CPO_OK);
  assert_int_equal(cpo_hal_write(r.hal, oe + CPO_OE_STREAM_EN_HI_OFFSET, 0), CPO_OK);
  const uint64_t us = cpo_hal_ns_to_cycles(r.hal, 1000);
  const uint64_t start = cpo_fw_model_hal_now(r.m) + 100 * us;
  const uint32_t steps = 200; /* 0.1 K every 100 us: 20 K in 20 ms */
  for (uint32_t k = 1; k <= steps; k++)
    assert_int_equal(cpo_link_set_ambient(link, 0, 318.15 - 0.1 * k, start + k * 100 * us), CPO_OK);
  cpo_link_set_trace(link, s_ramp_trace, &rt);
  const uint64_t ramp_end = start + steps * 100 * us;
  assert_int_equal(cpo_fw_supervise_run(r.fw, ramp_end + 2000 * us), CPO_OK);
  cpo_link_set_trace(link, s_trace, &tr);
  assert_int_equal(cpo_hal_sleep_cycles(r.hal, 100), CPO_OK);
  printf("20 K ramp over 20 ms: worst detuning excursion %.2f pm; last sample more than %.0f pm "
         "off its lock at %.1f us from the ramp's start (it ends at %.0f us); relocks %u\n",
         rt.worst_m * 1e12, OFF_M * 1e12,
         rt.last_off_cycle > start ? (rt.last_off_cycle - start) / (double)us : 0.0,
         (ramp_end - start) / (double)us, cpo_fw_relocks(r.fw));
  for (uint32_t j = 0; j < rt.lanes; j++) {
    printf("  lane %u: detuning %.2f pm (lock %.2f pm)\n", j, tr.detuning_m[j] * 1e12,
           rt.lock_m[j] * 1e12);
    assert_true(fabs(tr.detuning_m[j] - rt.lock_m[j]) < 1e-12);
  }
  assert_int_equal(cpo_fw_relocks(r.fw), 0);
  assert_true(rt.worst_m < 20e-12); /* never near falling off (the fold is ~40 pm away) */
  s_close(&r);
}

/* Fibre-checked gating: a lane whose tap sees no light at the check drive is left dark (the
 * others come up); a laser none of whose lanes sees light is switched off again and the
 * bring-up fails naming it. */
static void test_a_lane_without_light_is_left_dark_and_the_others_come_up(void **state) {
  (void)state;
  cpo_fw_model_hal_t *m;
  cpo_hal_t *hal;
  cpo_fw_t *fw;
  cpo_fw_bringup_report_t rep;
  assert_int_equal(cpo_fw_model_hal_create("mrm-els-8x200g", SEED, false, &m, &hal), CPO_OK);
  cpo_fw_model_hal_open_fibre(m, 1u << 5);
  assert_int_equal(cpo_fw_create(hal, &fw), CPO_OK);
  assert_int_equal(cpo_fw_bringup_run(fw, DEADLINE_CYCLES, &rep), CPO_OK);
  assert_true(rep.up);
  assert_int_equal(rep.lanes_lit, 7);
  assert_int_equal(rep.lanes_locked, 7);
  cpo_fw_destroy(&fw);
  cpo_hal_close(&hal);
}

static void test_a_laser_whose_fibre_is_open_is_switched_off_and_named(void **state) {
  (void)state;
  cpo_fw_model_hal_t *m;
  cpo_hal_t *hal;
  cpo_fw_t *fw;
  cpo_fw_bringup_report_t rep;
  assert_int_equal(cpo_fw_model_hal_create("mrm-els-8x200g", SEED, false, &m, &hal), CPO_OK);
  cpo_fw_model_hal_open_fibre(m, 0xFFu);
  assert_int_equal(cpo_fw_create(hal, &fw), CPO_OK);
  assert_int_equal(cpo_fw_bringup_run(fw, DEADLINE_CYCLES, &rep), CPO_ERR_STATE);
  assert_false(rep.up);
  assert_int_equal(rep.lanes_lit, 0);
  printf("%s\n", rep.failure);
  assert_non_null(strstr(rep.failure, "laser 0: no light at any of its lanes' taps"));
  uint32_t code = 1;
  const uint32_t laser0 = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_DAC_BASE +
                          cpo_lanes_dac_addr(CPO_DAC_LASER_CURRENT, 0) - cpo_lanes_dac_addr(0, 0);
  assert_int_equal(cpo_hal_read(hal, laser0, &code), CPO_OK);
  assert_int_equal(code, 0); /* switched off again */
  cpo_fw_destroy(&fw);
  cpo_hal_close(&hal);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cold_bring_up_of_the_default_profile_matches_the_snapshot),
      cmocka_unit_test(test_cold_bring_up_of_oif_3_2t_matches_the_snapshot),
      cmocka_unit_test(test_cold_bring_up_of_mzm_6_4t_matches_the_snapshot),
      cmocka_unit_test(test_rings_stay_locked_through_a_20_k_ambient_ramp),
      cmocka_unit_test(test_a_lane_without_light_is_left_dark_and_the_others_come_up),
      cmocka_unit_test(test_a_laser_whose_fibre_is_open_is_switched_off_and_named),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
