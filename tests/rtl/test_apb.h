// The RTL tests' view of an APB3 access on the shared design base's bus: a write that says
// whether it failed (PSLVERR, or no PREADY), a read that returns the data and, when asked,
// whether it failed.
#ifndef CPO_TESTS_RTL_TEST_APB_H
#define CPO_TESTS_RTL_TEST_APB_H

#include <cstdint>

#include "cpo/harness/sim.h"

inline bool testApbWriteFailed(cpo::harness::Bus &bus, uint16_t addr, uint32_t data) {
  return bus.write32(addr, data) != CPO_OK;
}

inline uint32_t testApbRead(cpo::harness::Bus &bus, uint16_t addr, bool *failed) {
  uint32_t data = 0;
  const cpo_status_t st = bus.read32(addr, &data);
  if (failed)
    *failed = st != CPO_OK;
  return data;
}

#endif
