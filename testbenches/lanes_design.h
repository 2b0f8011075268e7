/* The verilated lane design (rtl/lanes) behind the synchroniser's design interface, on the
 * shared design base (testbenches/harness): time 0 is the first datapath cycle after reset,
 * and a cycle is 2 time units, as in the model's trace. */
#ifndef CPO_LANES_DESIGN_H
#define CPO_LANES_DESIGN_H

#include <cstdint>
#include <memory>
#include <vector>

#include "cpo/sync.h"

class Vcpo_lanes_top;
namespace cpo::harness {
template <typename Top> class Sim;
template <typename Addr> class Apb3Port;
} // namespace cpo::harness

class LanesDesign {
public:
  /** @param trace_path FST file to write, or nullptr. */
  explicit LanesDesign(const char *trace_path);
  ~LanesDesign();
  LanesDesign(const LanesDesign &) = delete;
  LanesDesign &operator=(const LanesDesign &) = delete;

  static constexpr uint32_t kLanes = CPO_LANES_NUM_LANES; // cpo_lanes_top's NumLanes in this build
  static constexpr uint32_t kWordBits = CPO_LANES_WORD_BITS; // and its WordBits

  cpo_design_ops_t ops();
  uint64_t laneBits(uint32_t lane) const;
  uint64_t laneErrors(uint32_t lane) const;
  bool laneLocked(uint32_t lane) const;

private:
  void cycle(const uint64_t *rx, uint64_t *tx);
  static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx);
  static void s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata);
  static bool s_bus_done(void *self, uint32_t *rdata, bool *slverr);
  static bool s_dac_preset(void *self, uint16_t channel, uint16_t index, uint32_t code);
  static bool s_adc_set(void *self, uint16_t channel, uint16_t index, uint32_t code);
  static uint32_t s_dac_take(void *self, cpo_analog_write_t *out, uint32_t max);
  static uint64_t s_streaming(void *self);
  static void s_skip(void *self, uint64_t count);
  static bool s_settled(void *self);
  void reset();

  std::unique_ptr<cpo::harness::Sim<Vcpo_lanes_top>> sim_;
  std::unique_ptr<cpo::harness::Apb3Port<uint16_t>> bus_; // stepped by sim_, one transfer at a time
  bool reset_due_ = false;                     // DAC presets changed: reset again before cycle 0
  uint64_t bus_done_at_ = 0;                   // the cycle the last bus transaction completed
  std::vector<cpo_analog_write_t> dac_writes_; // seen on dac_we_o, not yet taken
};

#endif
