#include "lanes_design.h"

#include <algorithm>

#include <verilated.h>
#include <verilated_fst_c.h>

#include "Vcpo_lanes_top.h"
#include "cpo/analog_channels.h"

namespace {
// Bit-field access into Verilator's wide-port word arrays (32-bit EData words).
template <typename W> void putBits(W &wide, uint32_t lsb, uint32_t width, uint64_t v) {
  for (uint32_t i = 0; i < width; i += 32) {
    uint32_t bit = lsb + i;
    wide[bit / 32] = static_cast<uint32_t>(v >> i); // fields are 32-bit aligned here
  }
}
// A 16-bit converter code in a packed [channel][lane][15:0] port.
template <typename W> void putCode(W &wide, uint32_t field, uint32_t code) {
  const uint32_t shift = (field % 2) * 16;
  wide[field / 2] = (wide[field / 2] & ~(0xFFFFu << shift)) | ((code & 0xFFFFu) << shift);
}
template <typename W> uint64_t getBits(const W &wide, uint32_t lsb, uint32_t width) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < width; i += 32)
    v |= static_cast<uint64_t>(wide[(lsb + i) / 32]) << i;
  return width == 64 ? v : v & ((1ull << width) - 1);
}
} // namespace

LanesDesign::LanesDesign(const char *trace_path)
    : ctx_(std::make_unique<VerilatedContext>()) {
  if (trace_path)
    ctx_->traceEverOn(true);
  top_ = std::make_unique<Vcpo_lanes_top>(ctx_.get(), "top");
  if (trace_path) {
    trace_ = std::make_unique<VerilatedFstC>();
    top_->trace(trace_.get(), 99);
    trace_->open(trace_path);
  }
  reset();
}

// Reset for a few cycles; these cycles are before simulated time 0.
void LanesDesign::reset() {
  top_->rst_ni = 0;
  for (int i = 0; i < 4; i++) {
    top_->clk_i = 0;
    top_->eval();
    top_->clk_i = 1;
    top_->eval();
  }
  top_->rst_ni = 1;
  top_->clk_i = 0;
  top_->eval();
}

LanesDesign::~LanesDesign() {
  if (trace_)
    trace_->close();
  top_->final();
}

// One datapath cycle: inputs settle with the clock low, outputs are sampled, then the edge.
void LanesDesign::cycle(const uint64_t *rx, uint64_t *tx) {
  for (uint32_t l = 0; l < kLanes; l++)
    putBits(top_->rx_data_i, l * kWordBits, kWordBits, rx[l]);
  top_->clk_i = 0;
  top_->eval();
  if (trace_)
    trace_->dump(time_ * 2);
  for (uint32_t l = 0; l < kLanes; l++)
    tx[l] = getBits(top_->tx_data_o, l * kWordBits, kWordBits);
  if (top_->dac_we_o) // the DAC register holds the new code from this cycle on
    dac_writes_.push_back(cpo_analog_write_t{time_, top_->dac_channel_o, top_->dac_index_o, top_->dac_code_o});
  bool completing = bus_ == Bus::Access && top_->pready_o;
  if (completing) { // APB3: the transfer completes at the edge that sees PREADY
    rdata_ = top_->prdata_o;
    slverr_ = top_->pslverr_o;
  }
  top_->clk_i = 1;
  top_->eval();
  if (trace_)
    trace_->dump(time_ * 2 + 1);
  time_++;
  if (completing) {
    top_->psel_i = 0;
    top_->penable_i = 0;
    bus_ = Bus::Done;
  } else if (bus_ == Bus::Setup) { // setup phase lasts one cycle, then access
    top_->penable_i = 1;
    bus_ = Bus::Access;
  }
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
  d->top_->psel_i = 1;
  d->top_->penable_i = 0;
  d->top_->pwrite_i = write;
  d->top_->paddr_i = addr & 0xFFFF;
  d->top_->pwdata_i = wdata;
  d->bus_ = Bus::Setup;
  d->rdata_ = 0;
  d->slverr_ = false;
}

bool LanesDesign::s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  auto *d = static_cast<LanesDesign *>(self);
  return d->bus_ == Bus::Done ? (*rdata = d->rdata_, *slverr = d->slverr_, d->bus_ = Bus::Idle, true)
                              : false;
}

bool LanesDesign::s_dac_preset(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  auto *d = static_cast<LanesDesign *>(self);
  if (channel >= CPO_DAC_COUNT || index >= kLanes || code > 0xFFFFu || d->time_ != 0)
    return false;
  putCode(d->top_->dac_preset_i, channel * kLanes + index, code);
  d->reset_due_ = true;
  return true;
}

bool LanesDesign::s_adc_set(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  auto *d = static_cast<LanesDesign *>(self);
  if (channel >= CPO_ADC_COUNT || index >= kLanes || code > 0xFFFFu)
    return false;
  putCode(d->top_->adc_code_i, channel * kLanes + index, code);
  return true;
}

uint32_t LanesDesign::s_dac_take(void *self, cpo_analog_write_t *out, uint32_t max) {
  auto *d = static_cast<LanesDesign *>(self);
  const auto n = static_cast<uint32_t>(std::min<size_t>(max, d->dac_writes_.size()));
  std::copy_n(d->dac_writes_.begin(), n, out);
  d->dac_writes_.erase(d->dac_writes_.begin(), d->dac_writes_.begin() + n);
  return n;
}

cpo_design_ops_t LanesDesign::ops() {
  return cpo_design_ops_t{this,           &LanesDesign::s_step,   &LanesDesign::s_bus_start, &LanesDesign::s_bus_done,
                          &s_dac_preset, &s_adc_set, &s_dac_take};
}

uint64_t LanesDesign::laneBits(uint32_t lane) const {
  return getBits(top_->lane_bits_o, lane * 64, 64);
}
uint64_t LanesDesign::laneErrors(uint32_t lane) const {
  return getBits(top_->lane_errors_o, lane * 64, 64);
}
bool LanesDesign::laneLocked(uint32_t lane) const {
  return (top_->lane_locked_o >> lane) & 1;
}
