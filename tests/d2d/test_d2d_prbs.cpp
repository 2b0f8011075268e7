/* D2D link, PRBS generators and checkers inside the lanes, every polynomial. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_prbs_every_polynomial_in_lanes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
