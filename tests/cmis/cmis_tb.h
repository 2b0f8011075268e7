// The CMIS block's testbench (tests/cmis/cpo_cmis_tb.sv, verilated at Lanes host lanes over
// Media media lanes): APB byte accesses, and time moving as the harness moves it: the testbench
// clocks while the block has something to do and otherwise jumps cycle_i to next_event_o (as a
// parked engine skips cycles).
#ifndef CPO_TESTS_CMIS_TB_H
#define CPO_TESTS_CMIS_TB_H

#include <cstdint>

#include "cmocka_cpp.h"
#include "cpo/cmis_map.h"
#include "cpo/harness/sim.h"

constexpr uint64_t kCyclesPerUs = 1; // durations in cycles = microseconds
constexpr uint64_t kMaxSteps = 10000000;

template <typename V, unsigned Lanes, unsigned Media> struct CmisTb {
  cpo::harness::Sim<V> sim;
  uint64_t now = 0;

  CmisTb() {
    auto &t = sim.top();
    t.cycles_per_us_i = kCyclesPerUs << 16;
    t.bus_bit_ps_i = 1000000; // a two-wire interface at 1 MHz
    t.bus_header_bit_ps_i = 1000000;
    t.tx_tap_scale_q16_i = 1u << 16; // a tap code is 0.1 uW of Tx power
    t.cal_done_i = (1ull << Media) - 1;
    t.rx_lock_i = (1ull << Lanes) - 1; // every host lane's Rx data recovered
    t.temp_code_i = 29815;             // 298.15 K: 25 degC
    t.vcc_code_i = 3300;               // 3.3 V
    // 1 mW out (100 x 10 uW, at the taps 10000 x 0.1 uW), 50 mA, 0.5 mW in
    for (unsigned w = 0; w < Media / 2; w++) {
      t.tx_power_code_i[w] = 100u | 100u << 16;
      t.tx_tap_code_i[w] = 10000u | 10000u << 16;
      t.tx_bias_code_i[w] = 5000u | 5000u << 16;
      t.rx_power_code_i[w] = 5000u | 5000u << 16;
    }
    t.cycle_i = 0;
    sim.reset(2);
  }
  V &top() {
    return sim.top();
  }
  void tick() {
    top().cycle_i = now;
    sim.tick();
    now++;
  }
  // One step of time: a clock if the block acts now, else a jump to its next event (then the
  // caller looks at the outputs again before the clock).
  void step() {
    top().cycle_i = now;
    top().eval();
    if (top().next_event_o > now && top().next_event_o != UINT64_MAX)
      now = top().next_event_o;
    else
      tick();
  }
  // One APB access of byte @byte; returns the read data, fails the test on PSLVERR.
  uint32_t access(bool write, unsigned byte, uint32_t data, bool *err = nullptr) {
    auto &t = top();
    t.psel_i = 1;
    t.penable_i = 0;
    t.pwrite_i = write;
    t.paddr_i = byte * 4u;
    t.pwdata_i = data;
    tick();
    t.penable_i = 1;
    for (uint64_t i = 0; i < kMaxSteps; i++) {
      t.cycle_i = now;
      t.eval();
      if (t.pready_o) {
        const uint32_t v = t.prdata_o;
        const bool e = t.pslverr_o;
        tick();
        t.psel_i = t.penable_i = 0;
        if (err)
          *err = e;
        else if (e)
          fail_msg("access to byte %u failed", byte);
        return v;
      }
      step();
    }
    fail_msg("access to byte %u never completed", byte);
    return 0;
  }
  uint8_t rd(unsigned byte) {
    return static_cast<uint8_t>(access(false, byte, 0));
  }
  void wr(unsigned byte, uint8_t v) {
    access(true, byte, v);
  }
  void select(unsigned bank, unsigned page) {
    wr(CPO_CMIS_LOWER_BANK_SELECT_OFFSET, static_cast<uint8_t>(bank));
    wr(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, static_cast<uint8_t>(page));
  }
  unsigned moduleState() {
    return (rd(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >>
           CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT;
  }
  // Polls @pred (which reads over the bus) until it holds; returns the cycle, fails past @limit.
  template <typename P> uint64_t waitFor(P pred, uint64_t limit, const char *what) {
    while (!pred()) {
      if (now > limit)
        fail_msg("%s: not reached by cycle %llu", what, (unsigned long long)limit);
      step();
    }
    return now;
  }
  unsigned dpState(unsigned lane) { // page 11h of the lane's bank must be selected
    const uint8_t b = rd(CPO_CMIS_P11_DP_STATE_OFFSET + (lane % 8) / 2);
    return (lane % 2) ? b >> 4 : b & 0xf;
  }
};

inline uint64_t advertisedUs(unsigned code) {
  return static_cast<uint64_t>(cpo_cmis_duration_ms(code)) * 1000u * kCyclesPerUs;
}

#endif
