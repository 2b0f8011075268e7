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

#include "cpo/fw_bringup.h"
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

/* The PAM4 margin q (half the level spacing over sigma) a BER stands for: BER = SER / 2,
 * SER = 3 Q(q) (MODELS.md: Gray PAM4, SER = 1.5 erfc(q / sqrt 2)). */
static double s_q(double ber) {
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; i++) {
    const double mid = 0.5 * (lo + hi);
    if (1.5 * erfc(mid / sqrt(2.0)) / 2.0 > ber)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
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
  const double us = 8.0 / 106.25e9 * 1e6;
  printf("%s: cold bring-up in %.1f us simulated\n  lane   BER fw      BER snapshot  ratio  "
         "KP4 margin (2.4e-4 / BER)\n",
         profile, r.report.done_cycle * us);
  for (uint32_t j = 0; j < r.report.lanes; j++) {
    const double fw = cpo_fw_model_expected_ber(cpo_fw_model_hal_link(r.m), j);
    const double ref = cpo_fw_model_expected_ber(cpo_fw_model_hal_link(snap), j);
    printf("  %4u  %.3e  %.3e     %5.2f  %.3g x  (q %.3f vs %.3f; %s %.4f vs %.4f)\n", j, fw, ref,
           fw / ref, KP4_BER / fw, s_q(fw), s_q(ref),
           tr_fw.detuning_m[j] != 0.0 ? "detuning pm" : "MZM phase rad",
           tr_fw.detuning_m[j] != 0.0 ? tr_fw.detuning_m[j] * 1e12 : tr_fw.phase_rad[j],
           tr_fw.detuning_m[j] != 0.0 ? tr_snap.detuning_m[j] * 1e12 : tr_snap.phase_rad[j]);
    assert_true(fw < KP4_BER);
    assert_true(fw <= 2.0 * ref || s_q(fw) >= 0.98 * s_q(ref));
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cold_bring_up_of_the_default_profile_matches_the_snapshot),
      cmocka_unit_test(test_cold_bring_up_of_oif_3_2t_matches_the_snapshot),
      cmocka_unit_test(test_cold_bring_up_of_mzm_6_4t_matches_the_snapshot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
