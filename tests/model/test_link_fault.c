/* cpo/link_fault.h: the physics' faults, scheduled like DAC writes. Each acts on the laser or
 * lane it names and no other (a heater failure on lane 5 leaves lane 0's heater alone), from
 * its grid point on; results do not depend on how cycles are split into calls; bad faults are
 * refused, nothing scheduled. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cpo/link_fault.h"
#include "test_words.h"

enum { LANES = 8, CYCLES = 4000, FAULT_AT = 1000 };

/* The default profile, calibrated, with @p kind on @p index from FAULT_AT (none if kind is
 * CPO_LINK_FAULT_KINDS), run CYCLES cycles in calls of @p piece; RX words into @p rx. */
static cpo_link_t *s_run(cpo_link_fault_t kind, uint32_t index, double value, uint32_t piece,
                         uint64_t *rx) {
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 8, .seed = 3, .start_calibrated = true};
  cpo_link_t *l = NULL;
  assert_int_equal(cpo_link_create(&cfg, &l), CPO_OK);
  if (kind != CPO_LINK_FAULT_KINDS)
    assert_int_equal(cpo_link_schedule_fault(l, kind, index, value, FAULT_AT), CPO_OK);
  uint64_t *tx = test_words((size_t)CYCLES * LANES, 11);
  for (uint32_t c = 0; c < CYCLES; c += piece) {
    const uint32_t n = CYCLES - c < piece ? CYCLES - c : piece;
    assert_int_equal(cpo_link_process(l, c, n, tx + (size_t)c * LANES, rx + (size_t)c * LANES),
                     CPO_OK);
  }
  free(tx);
  return l;
}

static cpo_link_lane_state_t s_state(const cpo_link_t *l, uint32_t lane) {
  cpo_link_lane_state_t s;
  assert_int_equal(cpo_link_lane_state(l, lane, &s), CPO_OK);
  return s;
}

static void test_heater_fail_opens_that_lane_only(void **state) {
  (void)state;
  uint64_t *rx = calloc((size_t)CYCLES * LANES, sizeof *rx);
  cpo_link_t *ok = s_run(CPO_LINK_FAULT_KINDS, 0, 0, CYCLES, rx);
  cpo_link_t *bad = s_run(CPO_LINK_FAULT_HEATER_FAIL, 5, 0, CYCLES, rx);
  for (uint32_t lane = 0; lane < LANES; lane++) {
    const cpo_link_lane_state_t a = s_state(ok, lane), b = s_state(bad, lane);
    assert_true(a.heater_w > 0.0);
    if (lane == 5)
      assert_true(b.heater_w == 0.0 && b.mod_temp_k < a.mod_temp_k);
    else
      assert_true(b.heater_w == a.heater_w);
  }
  cpo_link_destroy(&ok);
  cpo_link_destroy(&bad);
  free(rx);
}

static void test_laser_fail_and_ageing(void **state) {
  (void)state;
  uint64_t *rx = calloc((size_t)CYCLES * LANES, sizeof *rx);
  cpo_link_t *ok = s_run(CPO_LINK_FAULT_KINDS, 0, 0, CYCLES, rx);
  cpo_link_t *dark = s_run(CPO_LINK_FAULT_LASER_FAIL, 0, 0, CYCLES, rx);
  cpo_link_t *aged = s_run(CPO_LINK_FAULT_LASER_AGE, 0, 50000, CYCLES, rx);
  const cpo_link_lane_state_t a = s_state(ok, 3), d = s_state(dark, 3), g = s_state(aged, 3);
  assert_true(a.laser_w > 0.05);         /* the ELS: ~100 mW */
  assert_true(d.laser_current_a == 0.0); /* its DAC asks 370 mA: the fault wins */
  assert_true(g.laser_w < a.laser_w && g.laser_w > 0.8 * a.laser_w);
  cpo_link_destroy(&ok);
  cpo_link_destroy(&dark);
  cpo_link_destroy(&aged);
  free(rx);
}

static void test_lane_loss_on_that_lane(void **state) {
  (void)state;
  uint64_t *rx = calloc((size_t)CYCLES * LANES, sizeof *rx);
  cpo_link_t *ok = s_run(CPO_LINK_FAULT_KINDS, 0, 0, CYCLES, rx);
  cpo_link_t *lossy = s_run(CPO_LINK_FAULT_LANE_LOSS, 2, 3.0, CYCLES, rx);
  assert_true(fabs(s_state(lossy, 2).rx_w / s_state(ok, 2).rx_w - pow(10.0, -0.3)) < 1e-3);
  /* lane 1's receiver also sees lane 2's crosstalk, a little less of it */
  assert_true(s_state(lossy, 0).rx_w == s_state(ok, 0).rx_w);
  cpo_link_destroy(&ok);
  cpo_link_destroy(&lossy);
  free(rx);
}

static void test_same_words_however_split(void **state) {
  (void)state;
  uint64_t *one = calloc((size_t)CYCLES * LANES, sizeof *one);
  uint64_t *many = calloc((size_t)CYCLES * LANES, sizeof *many);
  cpo_link_t *a = s_run(CPO_LINK_FAULT_LANE_LOSS, 4, 12.0, CYCLES, one);
  cpo_link_t *b = s_run(CPO_LINK_FAULT_LANE_LOSS, 4, 12.0, 97, many);
  assert_memory_equal(one, many, (size_t)CYCLES * LANES * sizeof *one);
  cpo_link_destroy(&a);
  cpo_link_destroy(&b);
  free(one);
  free(many);
}

static void test_refusals(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 8, .seed = 3, .start_calibrated = true};
  cpo_link_t *l = NULL;
  assert_int_equal(cpo_link_create(&cfg, &l), CPO_OK);
  assert_int_equal(cpo_link_schedule_fault(l, CPO_LINK_FAULT_HEATER_FAIL, LANES, 0, 0),
                   CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_schedule_fault(l, CPO_LINK_FAULT_LASER_FAIL, 1, 0, 0),
                   CPO_ERR_INVALID_ARG); /* one ELS laser feeds all 8 lanes */
  assert_int_equal(cpo_link_schedule_fault(l, CPO_LINK_FAULT_LANE_LOSS, 0, -1.0, 0),
                   CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_link_schedule_fault(l, CPO_LINK_FAULT_KINDS, 0, 0, 0), CPO_ERR_INVALID_ARG);
  cpo_link_lane_state_t s;
  assert_int_equal(cpo_link_lane_state(l, 0, &s), CPO_ERR_STATE); /* nothing processed */
  uint64_t tx[LANES] = {0}, rx[LANES];
  assert_int_equal(cpo_link_process(l, 0, 1, tx, rx), CPO_OK);
  assert_int_equal(cpo_link_schedule_fault(l, CPO_LINK_FAULT_HEATER_FAIL, 0, 0, 0),
                   CPO_ERR_RANGE); /* cycle 0 is past */
  assert_int_equal(cpo_link_lane_state(l, LANES, &s), CPO_ERR_INVALID_ARG);
  cpo_link_destroy(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_heater_fail_opens_that_lane_only),
      cmocka_unit_test(test_laser_fail_and_ageing),
      cmocka_unit_test(test_lane_loss_on_that_lane),
      cmocka_unit_test(test_same_words_however_split),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
