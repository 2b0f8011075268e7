/* D2D link, sideband: bad parity dropped and counted, register tunnel. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_sideband_bad_parity_dropped_and_counted),
      cmocka_unit_test(test_d2d_tunnel_register_access_reads_back),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
