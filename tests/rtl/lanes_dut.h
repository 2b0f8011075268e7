// Thin harness around the verilated cpo_lanes_top for the RTL tests: clocking, optional
// loopback of tx_data_o to rx_data_i, APB3 transfers, and the converter bank's code vectors.
#ifndef CPO_TESTS_RTL_LANES_DUT_H
#define CPO_TESTS_RTL_LANES_DUT_H

#include <cstdint>
#include <memory>
#include <vector>

#include "Vcpo_lanes_top.h"
#include "verilated.h"

class LanesDut {
 public:
  static constexpr unsigned kLanes = 8;     // cpo_lanes_top defaults
  static constexpr unsigned kWordBits = 32;

  static constexpr unsigned kCodeBits = 16;  // cpo_afe_pkg::CodeBits

  // DAC presets and ADC codes start at 0.
  LanesDut() : ctx_(new VerilatedContext), top_(new Vcpo_lanes_top(ctx_.get(), "top")) {
    top_->clk_i = 0;
    clear(top_->dac_preset_i);
    clear(top_->adc_code_i);
    reset();
  }
  ~LanesDut() { top_->final(); }

  Vcpo_lanes_top &top() { return *top_; }
  bool loopback = true;
  bool log_tx = false;                 // append every new TX word to tx_log
  std::vector<uint32_t> tx_log[kLanes];
  uint64_t cycles = 0;

  // One clock cycle: inputs set before the call are sampled at its rising edge. With loopback,
  // rx_data_i carries the word tx_data_o presents during this cycle.
  void tick() {
    top_->clk_i = 0;
    top_->eval();
    if (loopback)
      for (unsigned l = 0; l < kLanes; l++) top_->rx_data_i[l] = top_->tx_data_o[l];
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
    cycles++;
    if (log_tx)
      for (unsigned l = 0; l < kLanes; l++) tx_log[l].push_back(top_->tx_data_o[l]);
  }
  void run(unsigned n) {
    for (unsigned i = 0; i < n; i++) tick();
  }
  // Two cycles with rst_ni low (the DAC codes load dac_preset_i), then released.
  void reset() {
    top_->rst_ni = 0;
    top_->eval();
    tick();
    tick();
    top_->rst_ni = 1;
    top_->eval();
  }

  // dac_preset_i[ch][idx] / adc_code_i[ch][idx] (packed [ch][lane][15:0]: entry ch*kLanes+idx).
  void set_dac_preset(unsigned ch, unsigned idx, uint16_t code) {
    set_code(top_->dac_preset_i, ch * kLanes + idx, code);
  }
  void set_adc(unsigned ch, unsigned idx, uint16_t code) {
    set_code(top_->adc_code_i, ch * kLanes + idx, code);
  }

  uint32_t tx(unsigned lane) const { return top_->tx_data_o[lane]; }
  void set_rx(unsigned lane, uint32_t word) { top_->rx_data_i[lane] = word; }
  bool locked(unsigned lane) const { return (top_->lane_locked_o >> lane) & 1u; }
  uint64_t bits(unsigned lane) const { return wide64(top_->lane_bits_o, lane); }
  uint64_t errors(unsigned lane) const { return wide64(top_->lane_errors_o, lane); }

  // APB3 write: setup cycle, then one access cycle (pready is expected high at once).
  // Returns pslverr.
  bool apb_write(uint16_t addr, uint32_t data) {
    top_->psel_i = 1;
    top_->penable_i = 0;
    top_->pwrite_i = 1;
    top_->paddr_i = addr;
    top_->pwdata_i = data;
    tick();
    top_->penable_i = 1;
    top_->eval();
    bool err = top_->pslverr_o;
    ready_ok_ = ready_ok_ && top_->pready_o;
    tick();
    idle();
    return err;
  }
  // APB3 read: the data and pslverr are sampled in the access cycle, before its rising edge.
  uint32_t apb_read(uint16_t addr, bool *slverr = nullptr) {
    top_->psel_i = 1;
    top_->penable_i = 0;
    top_->pwrite_i = 0;
    top_->paddr_i = addr;
    tick();
    top_->penable_i = 1;
    top_->eval();
    uint32_t data = top_->prdata_o;
    if (slverr) *slverr = top_->pslverr_o;
    ready_ok_ = ready_ok_ && top_->pready_o;
    tick();
    idle();
    return data;
  }
  // False if any access so far saw pready low in its access cycle.
  bool ready_ok() const { return ready_ok_; }

 private:
  template <typename W>
  static uint64_t wide64(const W &w, unsigned lane) {
    return static_cast<uint64_t>(w[2 * lane]) | (static_cast<uint64_t>(w[2 * lane + 1]) << 32);
  }
  template <std::size_t N>
  static void clear(VlWide<N> &w) {
    for (std::size_t i = 0; i < N; i++) w[i] = 0;
  }
  template <typename W>
  static void set_code(W &w, unsigned entry, uint16_t code) {
    const unsigned bit = entry * kCodeBits, shift = bit % 32;
    w[bit / 32] = (w[bit / 32] & ~(0xffffu << shift)) | (uint32_t(code) << shift);
  }
  void idle() {
    top_->psel_i = 0;
    top_->penable_i = 0;
    top_->pwrite_i = 0;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vcpo_lanes_top> top_;
  bool ready_ok_ = true;
};

#endif
