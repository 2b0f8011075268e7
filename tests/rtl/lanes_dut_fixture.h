// cmocka fixture for tests against cpo_lanes_top: a fresh LanesDut per test, and a register
// read that fails the test on PSLVERR.
#ifndef CPO_LANES_DUT_FIXTURE_H
#define CPO_LANES_DUT_FIXTURE_H

#include "cmocka_cpp.h"
#include "lanes_dut.h"

inline int setup(void **state) {
  *state = new LanesDut;
  return 0;
}

inline int teardown(void **state) {
  delete static_cast<LanesDut *>(*state);
  return 0;
}

inline uint32_t rd(LanesDut &dut, uint16_t addr) {
  bool err = true;
  uint32_t v = dut.apb_read(addr, &err);
  if (err)
    fail_msg("read of 0x%04x returned PSLVERR", addr);
  return v;
}

#endif
