/* D2D link, nominal: training reaches ACTIVE through UCIe's state sequence, traffic is clean. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_trains_to_active_with_ucie_sequence),
      cmocka_unit_test(test_d2d_traffic_passes_error_free),
      cmocka_unit_test(test_d2d_param_settles_on_common_subset),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
