/* D2D link at another lane count (the model this program links): trains, repairs a lane, carries
 * traffic. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_trains_to_active_with_ucie_sequence),
      cmocka_unit_test(test_d2d_traffic_passes_error_free),
      cmocka_unit_test(test_d2d_stuck_lane_repaired_onto_spare),
      cmocka_unit_test(test_d2d_lane_reversal_detected_and_undone),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
