// A verilated test wrapper with clk_i/rst_ni and an APB3 target port (psel_i ... pslverr_o),
// on the shared design base (testbenches/harness). The target must answer in its access
// cycle: a transfer that waits for PREADY fails.
#ifndef CPO_TESTS_RTL_VDUT_H
#define CPO_TESTS_RTL_VDUT_H

#include <cstdint>

#include "cpo/harness/sim.h"

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
    return bus_.write32(addr, data) != CPO_OK;
  }
  uint32_t apb_read(uint16_t addr, bool *failed = nullptr) {
    uint32_t data = 0;
    const cpo_status_t st = bus_.read32(addr, &data);
    if (failed)
      *failed = st != CPO_OK;
    return data;
  }

private:
  cpo::harness::Sim<Top> sim_;
  cpo::harness::Apb3LoopBus<uint16_t> bus_;
};

#endif
