/* D2D link, one test per channel fault class. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_skewed_lanes_trained_to_their_centres),
      cmocka_unit_test(test_d2d_stuck_lane_repaired_onto_spare),
      cmocka_unit_test(test_d2d_lane_reversal_detected_and_undone),
      cmocka_unit_test(test_d2d_too_many_bad_lanes_degrade_width),
      cmocka_unit_test(test_d2d_marginal_eye_degrades_speed),
      cmocka_unit_test(test_d2d_lane_failing_at_speed_repaired),
      cmocka_unit_test(test_d2d_clock_fault_is_trainerror_and_reset_recovers),
      cmocka_unit_test(test_d2d_residency_timeout_goes_to_trainerror),
      cmocka_unit_test(test_d2d_error_burst_in_active_retrains),
      cmocka_unit_test(test_d2d_lane_dying_in_active_repaired_by_retrain),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
