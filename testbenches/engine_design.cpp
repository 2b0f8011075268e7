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

namespace {
namespace h = cpo::harness;
constexpr uint32_t kResetCycles = 4;
constexpr uint64_t kSettleCycles = 2; // after a bus transaction, before a skip
constexpr uint32_t kCodeBits = 16;    // per converter code in the [channel][media lane] ports
} // namespace

template <typename Top, uint32_t H, uint32_t M>
EngineDesign<Top, H, M>::EngineDesign(const cpo_design_trace_t *trace, uint32_t cycles_per_us_q16)
    : cycles_per_us_q16_(cycles_per_us_q16),
      sim_(std::make_unique<cpo::harness::Sim<Top>>(
          cpo_design_trace_spec<cpo::harness::TraceSpec>(trace))) {
  // The sync loop waits as long as the target takes (the D2D blocks answer in a few cycles).
  bus_ = std::make_unique<cpo::harness::Apb3Port<uint32_t>>(cpo::harness::apb3Pins(sim_->top()),
                                                            cpo::harness::Apb3Master::kWaitForever);
  sim_->addHook(bus_.get());
  setBoard(CPO_BOARD_DEFAULT); // until the run sets its own
  reset();
}

template <typename Top, uint32_t H, uint32_t M> EngineDesign<Top, H, M>::~EngineDesign() = default;

// Reset cycles are before simulated time 0 (and not traced); the D2D link starts training when
// reset ends.
template <typename Top, uint32_t H, uint32_t M> void EngineDesign<Top, H, M>::reset() {
  Top &t = sim_->top();
  t.cycle_i = 0;
  t.cycles_per_us_i = cycles_per_us_q16_;
  sim_->reset(kResetCycles, cpo::harness::ResetTime::BeforeZero);
}

// One datapath cycle: media RX settles with the clock low, media TX is sampled, then the edge.
// A DAC write is stamped with the cycle from which the DAC register holds the new code.
template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::cycle(const uint64_t *rx, uint64_t *tx) {
  Top &t = sim_->top();
  const uint64_t cycle = sim_->cycles();
  t.cycle_i = cycle;
  for (uint32_t m = 0; m < kLanes; m++)
    h::laneSet(t.media_rx_i, m, kWordBits, rx[m]);
  sim_->tick([&] {
    for (uint32_t m = 0; m < kLanes; m++)
      tx[m] = h::laneGet(t.media_tx_o, m, kWordBits);
    if (!t.dac_we_o)
      return;
    const cpo_analog_write_t w{cycle, t.dac_channel_o, t.dac_index_o, t.dac_code_o};
    dac_writes_.push_back(w);
  });
}

template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::step(uint32_t count, const uint64_t *rx, uint64_t *tx) {
  if (reset_due_) {
    reset_due_ = false;
    reset();
  }
  for (size_t c = 0; c < count; c++)
    cycle(&rx[c * kLanes], &tx[c * kLanes]);
}

// The sync loop starts a transfer only after the last one is done.
template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::busStart(bool write, uint32_t addr, uint32_t wdata) {
  bus_->start(write, addr, wdata);
}

template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::busDone(uint32_t *rdata, bool *slverr) {
  cpo_status_t st = CPO_OK;
  if (!bus_->take(&st, rdata))
    return false;
  bus_done_at_ = sim_->cycles();
  *slverr = st != CPO_OK;
  return true;
}

// A power-on code: before cycle 0 only, for a media lane's converter.
template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::dacPreset(uint16_t channel, uint16_t index, uint32_t code) {
  if (sim_->cycles() != 0 || channel >= CPO_DAC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  h::laneSet(sim_->top().dac_preset_i, channel * kLanes + index, kCodeBits, code);
  reset_due_ = true;
  return true;
}

template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::adcSet(uint16_t channel, uint16_t index, uint32_t code) {
  if (channel >= CPO_ADC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  h::laneSet(sim_->top().adc_code_i, channel * kLanes + index, kCodeBits, code);
  return true;
}

template <typename Top, uint32_t H, uint32_t M>
uint32_t EngineDesign<Top, H, M>::dacTake(cpo_analog_write_t *out, uint32_t max) {
  const auto n = static_cast<std::ptrdiff_t>(std::min<size_t>(max, dac_writes_.size()));
  std::copy(dac_writes_.begin(), dac_writes_.begin() + n, out);
  dac_writes_.erase(dac_writes_.begin(), dac_writes_.begin() + n);
  return static_cast<uint32_t>(n);
}

// media_stream_o: the OE's STREAM_EN, one bit per media lane.
template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::streaming() const {
  return static_cast<uint64_t>(sim_->top().media_stream_o);
}

// Nothing the run observes changes while cycles are skipped: a register write acts in the cycle
// after it completes (that cycle is clocked first), every D2D module is quiet (ACTIVE at both
// ends, or both ends waiting on a training timer or a message with the sideband silent), and a
// host access under way moves every cycle unless it waits on CMIS's bus time alone
// (cmis_bus_wait_o: a deadline, next_event_o).
template <typename Top, uint32_t H, uint32_t M> bool EngineDesign<Top, H, M>::settled() const {
  constexpr uint32_t kAll = (1u << ((H + 31) / 32)) - 1u; // one bit per D2D module
  const Top &t = sim_->top();
  return (!t.psel_i || t.cmis_bus_wait_o) && sim_->cycles() >= bus_done_at_ + kSettleCycles &&
         static_cast<uint32_t>(t.d2d_quiet_o) == kAll;
}

// The next deadline of CMIS or a D2D training timer (next_event_o: all ones for none, a past
// cycle for "clock me").
template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::nextEvent() const {
  return static_cast<uint64_t>(sim_->top().next_event_o);
}

template <typename Top, uint32_t H, uint32_t M> void EngineDesign<Top, H, M>::skip(uint64_t count) {
  sim_->skipCycles(count);
  sim_->top().cycle_i = sim_->cycles();
}

template <typename Top, uint32_t H, uint32_t M> cpo_design_ops_t EngineDesign<Top, H, M>::ops() {
  using D = EngineDesign;
  cpo_design_ops_t o{};
  o.self = this;
  o.step = [](void *d, uint32_t count, const uint64_t *rx, uint64_t *tx) {
    static_cast<D *>(d)->step(count, rx, tx);
  };
  o.bus_start = [](void *d, bool write, uint32_t addr, uint32_t wdata) {
    static_cast<D *>(d)->busStart(write, addr, wdata);
  };
  o.bus_done = [](void *d, uint32_t *rdata, bool *slverr) {
    return static_cast<D *>(d)->busDone(rdata, slverr);
  };
  o.dac_preset = [](void *d, uint16_t channel, uint16_t index, uint32_t code) {
    return static_cast<D *>(d)->dacPreset(channel, index, code);
  };
  o.adc_set = [](void *d, uint16_t channel, uint16_t index, uint32_t code) {
    return static_cast<D *>(d)->adcSet(channel, index, code);
  };
  o.dac_take = [](void *d, cpo_analog_write_t *out, uint32_t max) {
    return static_cast<D *>(d)->dacTake(out, max);
  };
  o.streaming = [](void *d) { return static_cast<D *>(d)->streaming(); };
  o.skip = [](void *d, uint64_t count) { static_cast<D *>(d)->skip(count); };
  o.settled = [](void *d) { return static_cast<D *>(d)->settled(); };
  o.next_event = [](void *d) { return static_cast<D *>(d)->nextEvent(); };
  return o;
}

template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::laneBits(uint32_t lane) const {
  return h::laneGet(sim_->top().lane_bits_o, lane, 64);
}
template <typename Top, uint32_t H, uint32_t M>
uint64_t EngineDesign<Top, H, M>::laneErrors(uint32_t lane) const {
  return h::laneGet(sim_->top().lane_errors_o, lane, 64);
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

// The first D2D module's ASIC end (asic_state_o: its LTSM state).
template <typename Top, uint32_t H, uint32_t M> int EngineDesign<Top, H, M>::linkState() const {
  return static_cast<int>(sim_->top().asic_state_o & 0x1fu);
}

template <typename Top, uint32_t H, uint32_t M>
void EngineDesign<Top, H, M>::setBoard(const cpo_board_t &board) {
  Top &t = sim_->top();
  t.els_lanes_i = board.els_lanes;
  t.els_freq_i = board.els_freq_10ghz;
  t.bus_bit_ps_i = board.bus_bit_ps;
  t.bus_header_bit_ps_i = board.bus_header_bit_ps;
  t.tx_tap_scale_q16_i = board.tx_tap_scale_q16;
}

// cmis_dp_state_o: a nibble per host lane (CMIS's lanes), in one port word (up to 16 lanes) or
// in 32-bit words.
template <typename Top, uint32_t H, uint32_t M>
bool EngineDesign<Top, H, M>::cmisStates(CpoCmisStates *out) const {
  static_assert(H <= sizeof out->dp, "CpoCmisStates holds the largest engine's lanes");
  const Top &t = sim_->top();
  *out = CpoCmisStates{};
  out->module = static_cast<uint8_t>(t.cmis_module_state_o);
  if constexpr (H * 4 <= 64) {
    const auto word = static_cast<uint64_t>(t.cmis_dp_state_o);
    for (uint32_t l = 0; l < H; l++)
      out->dp[l] = static_cast<uint8_t>((word >> (4 * l)) & 0xFu);
  } else {
    for (uint32_t l = 0; l < H; l++)
      out->dp[l] = static_cast<uint8_t>(
          (static_cast<uint32_t>(t.cmis_dp_state_o[l / 8]) >> (4 * (l % 8))) & 0xFu);
  }
  return true;
}

template class EngineDesign<CPO_ENGINE_TOP, CPO_ENGINE_HOST, CPO_ENGINE_MEDIA>;

// The design table's maker for this variant (designs.h).
#define CPO_ENGINE_DESIGN_CAT2(a, b) a##b
#define CPO_ENGINE_DESIGN_CAT(a, b) CPO_ENGINE_DESIGN_CAT2(a, b)
std::unique_ptr<CpoDesign> CPO_ENGINE_DESIGN_CAT(cpo_design_create_,
                                                 CPO_DESIGN_NAME)(const cpo_design_trace_t *trace,
                                                                  uint32_t cycles_per_us_q16) {
  return std::make_unique<EngineDesign<CPO_ENGINE_TOP, CPO_ENGINE_HOST, CPO_ENGINE_MEDIA>>(
      trace, cycles_per_us_q16);
}
