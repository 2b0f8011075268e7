#include "engine_design.h"

#include <algorithm>

#include "cpo/analog_channels.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"

// One variant per compilation (testbenches/CMakeLists.txt): CPO_ENGINE_TOP is its model,
// CPO_ENGINE_HOST and CPO_ENGINE_MEDIA its lane counts.
#define CPO_ENGINE_DESIGN_STR2(x) #x
#define CPO_ENGINE_DESIGN_STR(x) CPO_ENGINE_DESIGN_STR2(x)
#include CPO_ENGINE_DESIGN_STR(CPO_ENGINE_TOP.h)

using cpo::harness::laneGet;
using cpo::harness::laneSet;

namespace {
constexpr uint32_t kCodeBits = 16; // a converter code in a packed [channel][lane][15:0] port
constexpr unsigned kResetCycles = 4;
} // namespace

template <typename Top, uint32_t H, uint32_t M>
EngineDesign<Top, H, M>::EngineDesign(const char *trace_path)
    : sim_(std::make_unique<cpo::harness::Sim<Top>>(trace_path)) {
  // The sync loop waits as long as the target takes (the D2D blocks answer in a few cycles).
  bus_ = std::make_unique<cpo::harness::Apb3Port<uint32_t>>(cpo::harness::apb3Pins(sim_->top()),
                                                            cpo::harness::Apb3Master::kWaitForever);
  sim_->addHook(bus_.get());
  reset();
}

template <typename Top, uint32_t H, uint32_t M> EngineDesign<Top, H, M>::~EngineDesign() = default;

// Reset cycles are before simulated time 0 (and not traced); the D2D link starts training when
// reset ends.
template <typename Top, uint32_t H, uint32_t M> void EngineDesign<Top, H, M>::reset() {
  sim_->reset(kResetCycles, cpo::harness::ResetTime::BeforeZero);
}

// One datapath cycle: media RX settles with the clock low, media TX is sampled, then the edge.
template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::cycle(const uint64_t *rx, uint64_t *tx) {
  Top &t = sim_->top();
  for (uint32_t m = 0; m < kLanes; m++)
    laneSet(t.media_rx_i, m, kWordBits, rx[m]);
  const uint64_t now = sim_->cycles();
  sim_->tick([&] {
    for (uint32_t m = 0; m < kLanes; m++)
      tx[m] = laneGet(t.media_tx_o, m, kWordBits);
    if (t.dac_we_o) // the DAC register holds the new code from this cycle on
      dac_writes_.push_back(cpo_analog_write_t{now, t.dac_channel_o, t.dac_index_o, t.dac_code_o});
  });
}

template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::s_step(void *self, uint32_t count, const uint64_t *rx,
                                     uint64_t *tx) {
  auto &d = *static_cast<EngineDesign *>(self);
  if (d.reset_due_) {
    d.reset_due_ = false;
    d.reset();
  }
  for (size_t c = 0; c < count; c++)
    d.cycle(&rx[c * kLanes], &tx[c * kLanes]);
}

template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata) {
  // the sync loop starts a transfer only after the last one is done
  static_cast<EngineDesign *>(self)->bus_->start(write, addr, wdata);
}

template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  cpo_status_t st = CPO_OK;
  const bool done = static_cast<EngineDesign *>(self)->bus_->take(&st, rdata);
  if (done)
    *slverr = st != CPO_OK;
  return done;
}

template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::s_dac_preset(void *self, uint16_t channel, uint16_t index,
                                           uint32_t code) {
  auto &d = *static_cast<EngineDesign *>(self);
  // a power-on code: before cycle 0 only, for a media lane's converter
  if (d.sim_->cycles() != 0 || channel >= CPO_DAC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  laneSet(d.sim_->top().dac_preset_i, channel * kLanes + index, kCodeBits, code);
  d.reset_due_ = true;
  return true;
}

template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::s_adc_set(void *self, uint16_t channel, uint16_t index,
                                        uint32_t code) {
  if (channel >= CPO_ADC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  auto &d = *static_cast<EngineDesign *>(self);
  laneSet(d.sim_->top().adc_code_i, channel * kLanes + index, kCodeBits, code);
  return true;
}

template <typename Top, uint32_t H, uint32_t M>
uint32_t EngineDesign<Top, H, M>::s_dac_take(void *self, cpo_analog_write_t *out, uint32_t max) {
  std::vector<cpo_analog_write_t> &w = static_cast<EngineDesign *>(self)->dac_writes_;
  const size_t n = std::min<size_t>(max, w.size());
  std::copy(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n), out);
  w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n));
  return static_cast<uint32_t>(n);
}

template <typename Top, uint32_t H, uint32_t M> cpo_design_ops_t EngineDesign<Top, H, M>::ops() {
  cpo_design_ops_t o{};
  o.self = this;
  o.step = &s_step;
  o.bus_start = &s_bus_start;
  o.bus_done = &s_bus_done;
  o.dac_preset = &s_dac_preset;
  o.adc_set = &s_adc_set;
  o.dac_take = &s_dac_take;
  return o;
}

template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::laneBits(uint32_t lane) const {
  return laneGet(sim_->top().lane_bits_o, lane, 64);
}
template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::laneErrors(uint32_t lane) const {
  return laneGet(sim_->top().lane_errors_o, lane, 64);
}
template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::laneLocked(uint32_t lane) const {
  return (static_cast<uint64_t>(sim_->top().lane_locked_o) >> lane) & 1u;
}
template <typename Top, uint32_t H, uint32_t M> bool EngineDesign<Top, H, M>::linkUp() const {
  // one bit per D2D module (cpo_engine_top's NumLinks: 32 host lanes or fewer each)
  constexpr uint32_t kAll = (1u << ((H + 31) / 32)) - 1u;
  const Top &t = sim_->top();
  return t.asic_link_up_o == kAll && t.oe_link_up_o == kAll;
}

template class EngineDesign<CPO_ENGINE_TOP, CPO_ENGINE_HOST, CPO_ENGINE_MEDIA>;
