// Thin harness around the verilated cpo_lanes_top for the RTL tests, on the shared design base
// (testbenches/harness): optional loopback of tx_data_o to rx_data_i, APB3 transfers, and the
// converter bank's code vectors.
#ifndef CPO_TESTS_RTL_LANES_DUT_H
#define CPO_TESTS_RTL_LANES_DUT_H

#include <cstdint>
#include <vector>

#include "Vcpo_lanes_top.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"
#include "cpo/lanes_regs.h"
#include "test_apb.h"

class LanesDut : private cpo::harness::EdgeHook {
public:
  static constexpr unsigned kLanes = CPO_LANES_NUM_LANES;
  static constexpr unsigned kWordBits = 32;
  static constexpr unsigned kCodeBits = CPO_LANES_DAC_VALIDBITS; // a converter code's width

  // DAC presets and ADC codes start at 0.
  LanesDut() : bus_(sim_, cpo::harness::apb3Pins(sim_.top()), 0) {
    clear(top().dac_preset_i);
    clear(top().adc_code_i);
    sim_.addHook(this); // every cycle, the bus's too, loops back and logs
    reset();
  }

  Vcpo_lanes_top &top() {
    return sim_.top();
  }
  const Vcpo_lanes_top &top() const {
    return sim_.top();
  }
  bool loopback = true;
  bool log_tx = false; // append every new TX word to tx_log
  std::vector<uint32_t> tx_log[kLanes];
  uint64_t cycles() const {
    return sim_.cycles();
  }

  // One clock cycle: inputs set before the call are sampled at its rising edge. With loopback,
  // rx_data_i carries the word tx_data_o presents during this cycle.
  void tick() {
    sim_.tick();
  }
  void run(unsigned n) {
    for (unsigned i = 0; i < n; i++)
      tick();
  }
  // Two cycles with rst_ni low (the DAC codes load dac_preset_i), then released.
  void reset() {
    sim_.reset(2);
  }

  // dac_preset_i[ch][idx] / adc_code_i[ch][idx] (packed [ch][lane][15:0]: entry ch*kLanes+idx).
  void set_dac_preset(unsigned ch, unsigned idx, uint16_t code) {
    cpo::harness::laneSet(top().dac_preset_i, ch * kLanes + idx, kCodeBits, code);
  }
  void set_adc(unsigned ch, unsigned idx, uint16_t code) {
    cpo::harness::laneSet(top().adc_code_i, ch * kLanes + idx, kCodeBits, code);
  }

  uint32_t tx(unsigned lane) const {
    return static_cast<uint32_t>(cpo::harness::laneGet(top().tx_data_o, lane, kWordBits));
  }
  void set_rx(unsigned lane, uint32_t word) {
    cpo::harness::laneSet(top().rx_data_i, lane, kWordBits, word);
  }
  bool locked(unsigned lane) const {
    return (top().lane_locked_o >> lane) & 1u;
  }
  uint64_t bits(unsigned lane) const {
    return cpo::harness::laneGet(top().lane_bits_o, lane, 64);
  }
  uint64_t errors(unsigned lane) const {
    return cpo::harness::laneGet(top().lane_errors_o, lane, 64);
  }

  // APB3 write: setup cycle, then one access cycle (PREADY is expected high at once).
  // Returns true if it failed (PSLVERR, or no PREADY).
  bool apb_write(uint16_t addr, uint32_t data) {
    return testApbWriteFailed(bus_, addr, data);
  }
  // APB3 read: the data and the failure are sampled in the access cycle, before its edge.
  uint32_t apb_read(uint16_t addr, bool *failed = nullptr) {
    return testApbRead(bus_, addr, failed);
  }
  // False if any access so far saw PREADY low in its access cycle.
  bool ready_ok() const {
    return bus_.timeouts() == 0;
  }

private:
  void atLowClock() override {
    if (loopback)
      top().rx_data_i = top().tx_data_o;
  }
  void afterEdge() override {
    if (log_tx)
      for (unsigned l = 0; l < kLanes; l++)
        tx_log[l].push_back(tx(l));
  }
  template <std::size_t N> static void clear(VlWide<N> &w) {
    for (std::size_t i = 0; i < N; i++)
      w[i] = 0;
  }

  cpo::harness::Sim<Vcpo_lanes_top> sim_;
  cpo::harness::Apb3LoopBus<uint16_t> bus_;
};

#endif
