/* D2D link, PRBS generators and checkers inside the lanes, every polynomial. */
#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {CPO_D2D_PRBS(CPO_D2D_UNIT_TEST)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
