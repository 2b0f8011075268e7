// A verilated test wrapper with clk_i/rst_ni and an APB3 target port (psel_i ... pslverr_o),
// on the shared design base (testbenches/harness). The target must answer in its access
// cycle: a transfer that waits for PREADY fails.
#ifndef CPO_TESTS_RTL_VDUT_H
#define CPO_TESTS_RTL_VDUT_H

#include <cstdint>

#include "cpo/harness/sim.h"
#include "test_apb.h"

template <typename Top> class VDut {
public:
  VDut() : bus_(sim_, cpo::harness::apb3Pins(sim_.top()), 0) {
    sim_.reset(1);
  }
  Top &top() {
    return sim_.top();
  }
  Top *operator->() {
    return &sim_.top();
  }

  // One clock cycle; inputs set before the call are sampled at its rising edge.
  void tick() {
    sim_.tick();
  }
  void run(unsigned n) {
    sim_.run(n);
  }
  // Returns true if the write failed (PSLVERR, or no PREADY).
  bool apb_write(uint16_t addr, uint32_t data) {
    return testApbWriteFailed(bus_, addr, data);
  }
  uint32_t apb_read(uint16_t addr, bool *failed = nullptr) {
    return testApbRead(bus_, addr, failed);
  }

private:
  cpo::harness::Sim<Top> sim_;
  cpo::harness::Apb3LoopBus<uint16_t> bus_;
};

#endif
