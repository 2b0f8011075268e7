/* The verilated lane design (rtl/lanes) for CPO_LANES_NUM_LANES lanes, behind the synchroniser's
 * design interface, on the shared design base (testbenches/harness): time 0 is the first
 * datapath cycle after reset, and a cycle is 2 time units (in the trace, its real time). Compiled
 * once per row of the design table (testbenches/CMakeLists.txt), with CPO_DESIGN_NAME, its
 * verilated top CPO_LANES_TOP and its lane count. */
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "cpo/analog_channels.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"
#include "designs.h"

#define S_STR2(x) #x
#define S_STR(x) S_STR2(x)
#define S_CAT2(a, b) a##b
#define S_CAT(a, b) S_CAT2(a, b)
#include S_STR(CPO_LANES_TOP.h)

using cpo::harness::laneGet;
using cpo::harness::laneSet;

namespace {
constexpr uint32_t kCodeBits = 16; // a converter code in a packed [channel][lane][15:0] port
constexpr unsigned kResetCycles = 4;
constexpr uint64_t kSettleCycles = 2; // after a bus transaction, before a skip

class LanesDesign final : public CpoDesign {
public:
  /** @param trace what to trace, or nullptr. */
  explicit LanesDesign(const cpo_design_trace_t *trace);
  ~LanesDesign() override;
  LanesDesign(const LanesDesign &) = delete;
  LanesDesign &operator=(const LanesDesign &) = delete;

  static constexpr uint32_t kLanes = CPO_LANES_NUM_LANES; // cpo_lanes_top's NumLanes in this build
  static constexpr uint32_t kWordBits = CPO_LANES_WORD_BITS; // and its WordBits

  cpo_design_ops_t ops() override;
  uint32_t hostLanes() const override {
    return kLanes;
  }
  uint64_t laneBits(uint32_t lane) const override;
  uint64_t laneErrors(uint32_t lane) const override;
  bool laneLocked(uint32_t lane) const override;

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

  std::unique_ptr<cpo::harness::Sim<CPO_LANES_TOP>> sim_;
  std::unique_ptr<cpo::harness::Apb3Port<uint16_t>> bus_; // stepped by sim_, one transfer at a time
  bool reset_due_ = false;                     // DAC presets changed: reset again before cycle 0
  uint64_t bus_done_at_ = 0;                   // the cycle the last bus transaction completed
  std::vector<cpo_analog_write_t> dac_writes_; // seen on dac_we_o, not yet taken
};

LanesDesign::LanesDesign(const cpo_design_trace_t *trace)
    : sim_(std::make_unique<cpo::harness::Sim<CPO_LANES_TOP>>(
          cpo_design_trace_spec<cpo::harness::TraceSpec>(trace))) {
  // The sync loop waits as long as the target takes (the register block answers at once).
  bus_ = std::make_unique<cpo::harness::Apb3Port<uint16_t>>(cpo::harness::apb3Pins(sim_->top()),
                                                            cpo::harness::Apb3Master::kWaitForever);
  sim_->addHook(bus_.get());
  reset();
}

// Reset for a few cycles; these cycles are before simulated time 0 (and not traced).
void LanesDesign::reset() {
  sim_->reset(kResetCycles, cpo::harness::ResetTime::BeforeZero);
}

LanesDesign::~LanesDesign() = default;

// One datapath cycle: inputs settle with the clock low, outputs are sampled, then the edge.
void LanesDesign::cycle(const uint64_t *rx, uint64_t *tx) {
  CPO_LANES_TOP &t = sim_->top();
  for (uint32_t l = 0; l < kLanes; l++)
    laneSet(t.rx_data_i, l, kWordBits, rx[l]);
  const uint64_t now = sim_->cycles();
  sim_->tick([&] {
    for (uint32_t l = 0; l < kLanes; l++)
      tx[l] = laneGet(t.tx_data_o, l, kWordBits);
    if (t.dac_we_o) // the DAC register holds the new code from this cycle on
      dac_writes_.push_back(cpo_analog_write_t{now, t.dac_channel_o, t.dac_index_o, t.dac_code_o});
  });
}

void LanesDesign::s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx) {
  auto *d = static_cast<LanesDesign *>(self);
  if (d->reset_due_) {
    d->reset();
    d->reset_due_ = false;
  }
  for (uint32_t c = 0; c < count; c++)
    d->cycle(rx + static_cast<size_t>(c) * kLanes, tx + static_cast<size_t>(c) * kLanes);
}

void LanesDesign::s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata) {
  auto *d = static_cast<LanesDesign *>(self);
  d->bus_->start(write, addr, wdata); // the sync loop starts one only after the last is done
}

bool LanesDesign::s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  auto *d = static_cast<LanesDesign *>(self);
  cpo_status_t st = CPO_OK;
  if (!d->bus_->take(&st, rdata))
    return false;
  d->bus_done_at_ = d->sim_->cycles();
  *slverr = st != CPO_OK;
  return true;
}

bool LanesDesign::s_dac_preset(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  auto *d = static_cast<LanesDesign *>(self);
  if (channel >= CPO_DAC_COUNT || index >= kLanes || code > 0xFFFFu || d->sim_->cycles() != 0)
    return false;
  laneSet(d->sim_->top().dac_preset_i, channel * kLanes + index, kCodeBits, code);
  d->reset_due_ = true;
  return true;
}

bool LanesDesign::s_adc_set(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  auto *d = static_cast<LanesDesign *>(self);
  if (channel >= CPO_ADC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  laneSet(d->sim_->top().adc_code_i, channel * kLanes + index, kCodeBits, code);
  return true;
}

uint32_t LanesDesign::s_dac_take(void *self, cpo_analog_write_t *out, uint32_t max) {
  auto *d = static_cast<LanesDesign *>(self);
  const auto n = static_cast<uint32_t>(std::min<size_t>(max, d->dac_writes_.size()));
  std::copy_n(d->dac_writes_.begin(), n, out);
  d->dac_writes_.erase(d->dac_writes_.begin(), d->dac_writes_.begin() + n);
  return n;
}

// STREAM_EN (stream_en_o): while no lane streams the design does nothing per cycle but hold.
uint64_t LanesDesign::s_streaming(void *self) {
  return static_cast<LanesDesign *>(self)->sim_->top().stream_en_o;
}

void LanesDesign::s_skip(void *self, uint64_t count) {
  static_cast<LanesDesign *>(self)->sim_->skipCycles(count);
}

// A register write acts in the cycle after it completes (a DAC write pulse, a counter clear):
// that cycle is clocked before any skip.
bool LanesDesign::s_settled(void *self) {
  auto *d = static_cast<LanesDesign *>(self);
  return d->sim_->cycles() >= d->bus_done_at_ + kSettleCycles;
}

cpo_design_ops_t LanesDesign::ops() {
  return cpo_design_ops_t{this,
                          &LanesDesign::s_step,
                          &LanesDesign::s_bus_start,
                          &LanesDesign::s_bus_done,
                          &s_dac_preset,
                          &s_adc_set,
                          &s_dac_take,
                          &s_streaming,
                          &s_skip,
                          &s_settled};
}

uint64_t LanesDesign::laneBits(uint32_t lane) const {
  return laneGet(sim_->top().lane_bits_o, lane, 64);
}
uint64_t LanesDesign::laneErrors(uint32_t lane) const {
  return laneGet(sim_->top().lane_errors_o, lane, 64);
}
bool LanesDesign::laneLocked(uint32_t lane) const {
  return (sim_->top().lane_locked_o >> lane) & 1;
}
} // namespace

// The lanes design has no timers of its own: the clock rate does not matter to it.
std::unique_ptr<CpoDesign> S_CAT(cpo_design_create_,
                                 CPO_DESIGN_NAME)(const cpo_design_trace_t *trace, uint32_t) {
  return std::make_unique<LanesDesign>(trace);
}
