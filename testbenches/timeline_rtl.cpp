// The timeline's rtl-side events (timeline.h), made on the design's own bus at their cycles; the
// first cycle every host lane was locked; and, after the run, each D2D module's state at both
// ends read the same way. A decorator of the design's operations (cpo_design_ops_t): the
// synchroniser sees one design, whose bus a scheduled write takes between two of the host's
// accesses (a host access started while a write is due waits for it, and the reverse), so what
// happens is a function of the cycle alone, over every transport and quantum.
#include "timeline_rtl.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/d2d_regs.h"
#include "cpo/d2dch_regs.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"

namespace {

constexpr uint32_t kModuleLanes = 32; // host lanes per D2D module (cpo_engine_top)
constexpr uint32_t kChannelBase[2] = {CPO_ADDRMAP_ENGINE_CHANNEL_BASE,
                                      CPO_ADDRMAP_ENGINE_CHANNEL1_BASE};
constexpr uint32_t kAsicD2dBase[2] = {CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE,
                                      CPO_ADDRMAP_ENGINE_ASIC_D2D1_BASE};
constexpr uint32_t kOeD2dBase[2] = {CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D_BASE,
                                    CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D1_BASE};
constexpr uint32_t kCmisBase = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_CMIS_BASE;
constexpr uint32_t kOeMgmtBase = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE;
constexpr uint32_t kEyeReset = CPO_D2DCH_A2O_WIRE_EYE_W_RESET << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT;
constexpr uint32_t kCtrlReset = CPO_D2DCH_A2O_CTRL_EYE_STEP_RESET
                                << CPO_D2DCH_A2O_CTRL_EYE_STEP_SHIFT;
constexpr uint32_t kBurstBer = 0x40000000u; // a flipped bit in one word of four
constexpr uint32_t kCmisBadPage = 0x55;     // a page no module advertises (refused)
constexpr uint32_t kCmisPageByte = 127, kCmisIdByte = 0;
constexpr uint32_t kElsAll = 0xFF;    // page 1Ah byte 220: a bit per ELS lane
constexpr uint64_t kLookCycles = 256; // how often the lanes' lock is looked at

uint32_t wireOffset(bool a2o, uint32_t w) {
  return a2o ? CPO_D2DCH_A2O_WIRE_OFFSET_N(w) : CPO_D2DCH_O2A_WIRE_OFFSET_N(w);
}

} // namespace

TimelineDesign::TimelineDesign(CpoDesign &design, const cpo_timeline_t &tl, uint32_t media_lanes)
    : CpoOpsDecorator(design.ops()), design_(design), lanes_(media_lanes),
      els_enable_(CPO_CMIS_P1A_ELS_LANE_ENABLE_RESET) {
  for (uint32_t m = 0; m < 2; m++)
    ctrl_[m][0] = ctrl_[m][1] = kCtrlReset;
  std::fill(std::begin(lane_up_), std::end(lane_up_), UINT64_MAX);
  const uint32_t module_lanes = std::min(design.hostLanes(), kModuleLanes);
  for (uint32_t i = 0; i < tl.n; i++) {
    const cpo_tl_event_t &e = tl.ev[i];
    const uint64_t at = e.at_cycle;
    const uint32_t ch = kChannelBase[e.module];
    const uint32_t ctrl = e.a2o ? CPO_D2DCH_A2O_CTRL_OFFSET : CPO_D2DCH_O2A_CTRL_OFFSET;
    uint32_t &shadow = ctrl_[e.module][e.a2o ? 0 : 1];
    switch (e.kind) {
    case CPO_TL_D2D_WIRE_STUCK:
      add(at, ch + wireOffset(e.a2o, (uint32_t)e.index),
          kEyeReset | CPO_D2DCH_A2O_WIRE_STUCK_EN_MASK |
              (e.value ? CPO_D2DCH_A2O_WIRE_STUCK_VAL_MASK : 0u));
      break;
    case CPO_TL_D2D_WIRE_SKEW: {
      const auto sixteenths = static_cast<uint32_t>(std::lround(e.skew_ui * 16.0));
      add(at, ch + wireOffset(e.a2o, (uint32_t)e.index),
          kEyeReset | (sixteenths << CPO_D2DCH_A2O_WIRE_SKEW_SHIFT));
      break;
    }
    case CPO_TL_D2D_ERROR_BURST:
      for (uint32_t w = 0; w < module_lanes; w++)
        add(at, ch + wireOffset(e.a2o, w), kEyeReset | CPO_D2DCH_A2O_WIRE_ERR_EN_MASK);
      add(at, ch + (e.a2o ? CPO_D2DCH_A2O_BER_OFFSET : CPO_D2DCH_O2A_BER_OFFSET), kBurstBer);
      shadow =
          (shadow & ~CPO_D2DCH_A2O_CTRL_ERR_MODE_MASK) | (2u << CPO_D2DCH_A2O_CTRL_ERR_MODE_SHIFT);
      add(at, ch + ctrl, shadow);
      add(at, ch + (e.a2o ? CPO_D2DCH_A2O_BURST_OFFSET : CPO_D2DCH_O2A_BURST_OFFSET),
          static_cast<uint32_t>(e.over_cycles) | CPO_D2DCH_A2O_BURST_START_MASK);
      break;
    case CPO_TL_D2D_SIDEBAND_DEAD: // and the ASIC asks a retrain it cannot exchange
      shadow |= CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK;
      add(at, ch + ctrl, shadow);
      add(at, kAsicD2dBase[e.module] + CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_RETRAIN_MASK);
      break;
    case CPO_TL_PEER_RESET:
      add(at, kOeD2dBase[e.module] + CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LINK_RESET_MASK);
      break;
    case CPO_TL_CMIS_ILLEGAL: // a page nobody advertises, then the read-only identifier
      add(at, kCmisBase + 4 * kCmisPageByte, kCmisBadPage);
      add(at, kCmisBase + 4 * kCmisIdByte, 0xFF);
      break;
    case CPO_TL_LANES_PARK: // lanes the design lacks ignore their bits
    case CPO_TL_LANES_STREAM: {
      const bool on = e.kind == CPO_TL_LANES_STREAM;
      add(at, kOeMgmtBase + CPO_OE_STREAM_EN_LO_OFFSET, on ? CPO_OE_STREAM_EN_LO_RESET : 0u);
      add(at, kOeMgmtBase + CPO_OE_STREAM_EN_HI_OFFSET, on ? CPO_OE_STREAM_EN_HI_RESET : 0u);
      break;
    }
    case CPO_TL_COUNTERS_CLEAR:
      add(at, CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + CPO_TRAFFIC_CNT_CLEAR_OFFSET,
          CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
      break;
    case CPO_TL_CMIS_MANAGED: // BYPASS (the register's only field) off
      add(at, kOeMgmtBase + CPO_OE_CMIS_CTRL_OFFSET, 0u);
      break;
    case CPO_TL_ELS_DISABLE: // page 1Ah's lane enable, then page 00h selected again
    case CPO_TL_ELS_ENABLE: {
      const uint32_t bits = e.index == CPO_TIMELINE_ALL ? kElsAll : 1u << e.index;
      els_enable_ = e.kind == CPO_TL_ELS_ENABLE ? els_enable_ | bits : els_enable_ & ~bits;
      add(at, kCmisBase + 4 * kCmisPageByte, CPO_CMIS_PAGE_P1A);
      add(at, kCmisBase + 4 * CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET, els_enable_);
      add(at, kCmisBase + 4 * kCmisPageByte, CPO_CMIS_PAGE_P00);
      break;
    }
    default: // the model's
      break;
    }
  }
}

void TimelineDesign::add(uint64_t cycle, uint32_t addr, uint32_t data) {
  writes_.push_back({cycle, addr, data}); // events come in cycle order
}

bool TimelineDesign::writeDue() const {
  return next_ < writes_.size() && writes_[next_].cycle <= cycle_;
}

void TimelineDesign::startWrite() {
  const Write &w = writes_[next_++];
  inner_.bus_start(inner_.self, true, w.addr, w.data);
  writing_ = true;
}

// Our write done: the host's access that waited starts now.
void TimelineDesign::pollWrite() {
  uint32_t rdata = 0;
  bool slverr = false;
  if (!inner_.bus_done(inner_.self, &rdata, &slverr))
    return;
  writing_ = false;
  writes_done_++;
  slverrs_ += slverr;
  if (writeDue())
    startWrite();
  else if (host_waiting_) {
    host_waiting_ = false;
    host_in_port_ = true;
    inner_.bus_start(inner_.self, host_write_, host_addr_, host_wdata_);
  }
}

// Each host lane's up cycle (the look from which it stayed locked); whether every lane is up.
bool TimelineDesign::lookAtLanes() {
  bool all = true;
  for (uint32_t l = 0; l < design_.hostLanes(); l++) {
    const bool locked = design_.laneLocked(l);
    all = all && locked;
    if (l < CPO_MAX_LANES_SUMMARY)
      lane_up_[l] = !locked ? UINT64_MAX : lane_up_[l] == UINT64_MAX ? cycle_ : lane_up_[l];
  }
  return all;
}

void TimelineDesign::step(uint32_t count, const uint64_t *rx, uint64_t *tx) {
  for (uint32_t c = 0; c < count;) {
    if (!writing_ && !host_in_port_ && writeDue())
      startWrite();
    // one cycle at a time while a write runs, else to the next write's cycle or the next look
    // at the lanes (every kLookCycles: the same cycles whatever the quantum)
    uint32_t n = count - c;
    if (writing_)
      n = 1;
    if (next_ < writes_.size() && writes_[next_].cycle > cycle_ &&
        writes_[next_].cycle - cycle_ < n)
      n = static_cast<uint32_t>(writes_[next_].cycle - cycle_);
    if (kLookCycles - cycle_ % kLookCycles < n)
      n = static_cast<uint32_t>(kLookCycles - cycle_ % kLookCycles);
    inner_.step(inner_.self, n, rx + static_cast<size_t>(c) * lanes_,
                tx + static_cast<size_t>(c) * lanes_);
    cycle_ += n;
    c += n;
    if (writing_)
      pollWrite();
    if (cycle_ % kLookCycles == 0) { // every lane up from here on, as far as the looks tell
      if (!lookAtLanes())
        up_cycle_ = UINT64_MAX;
      else if (up_cycle_ == UINT64_MAX)
        up_cycle_ = cycle_;
    }
  }
}

void TimelineDesign::busStart(bool write, uint32_t addr, uint32_t wdata) {
  if (writing_ || writeDue()) { // a write due goes first; the host's waits for it
    host_waiting_ = true;
    host_write_ = write, host_addr_ = addr, host_wdata_ = wdata;
    if (!writing_)
      startWrite();
    return;
  }
  host_in_port_ = true;
  inner_.bus_start(inner_.self, write, addr, wdata);
}

bool TimelineDesign::busDone(uint32_t *rdata, bool *slverr) {
  if (!host_in_port_ || !inner_.bus_done(inner_.self, rdata, slverr))
    return false;
  host_in_port_ = false;
  return true;
}

uint64_t TimelineDesign::nextEvent() const {
  const uint64_t inner = inner_.next_event ? inner_.next_event(inner_.self) : UINT64_MAX;
  // One of ours in flight: skipped to its deadline when it waits on that alone, else clocked a
  // cycle at a time, so that what it sets (STREAM_EN) lands on a chunk's edge whatever the quantum
  if (writing_)
    return settled() ? inner : cycle_;
  const uint64_t ours = next_ < writes_.size() ? writes_[next_].cycle : UINT64_MAX;
  return std::min(inner, ours);
}

// As the design is, also while one of ours runs: settled then only while it waits on the
// design's own deadline (a CMIS byte's bus time), which the run may skip to as for a host's
// access; a host access behind ours has not reached the design yet.
bool TimelineDesign::settled() const {
  if (writing_ && !inner_.next_event)
    return false;
  return !inner_.settled || inner_.settled(inner_.self);
}

void TimelineDesign::skip(uint64_t count) {
  inner_.skip(inner_.self, count);
  cycle_ += count;
}

cpo_design_ops_t TimelineDesign::ops() {
  using D = TimelineDesign;
  cpo_design_ops_t o = forwarding(); // what the timeline does not touch goes straight through
  o.step = [](void *d, uint32_t count, const uint64_t *rx, uint64_t *tx) {
    self<D>(d)->step(count, rx, tx);
  };
  o.bus_start = [](void *d, bool write, uint32_t addr, uint32_t wdata) {
    self<D>(d)->busStart(write, addr, wdata);
  };
  o.bus_done = [](void *d, uint32_t *rdata, bool *slverr) {
    return self<D>(d)->busDone(rdata, slverr);
  };
  if (inner_.skip)
    o.skip = [](void *d, uint64_t count) { self<D>(d)->skip(count); };
  o.settled = [](void *d) { return self<D>(d)->settled(); };
  o.next_event = [](void *d) { return self<D>(d)->nextEvent(); };
  return o;
}

// After the run: one cycle clocked with dark RX (the run's results are already taken); with
// @p skip, skipped first to the design's deadline while it waits on that alone (a CMIS byte's
// bus time: tens of microseconds). The cycles it took.
uint64_t TimelineDesign::clockAfterRun(bool skip) {
  std::vector<uint64_t> rx(lanes_, 0), tx(lanes_, 0);
  uint64_t n = 0;
  const uint64_t due = inner_.next_event ? inner_.next_event(inner_.self) : UINT64_MAX;
  if (skip && inner_.skip && inner_.settled && inner_.settled(inner_.self) && due > cycle_ &&
      due != UINT64_MAX) {
    n = due - cycle_;
    inner_.skip(inner_.self, n);
    cycle_ = due;
  }
  inner_.step(inner_.self, 1, rx.data(), tx.data());
  cycle_++;
  return n + 1;
}

// After the run: one register access on the design's bus. False if it does not answer within a
// generous bound. A CMIS byte's access, once under way (its first cycle clocked), is skipped
// through to its deadline: settled then means it waits on its bus time alone.
bool TimelineDesign::access(bool write, uint32_t addr, uint32_t *value) {
  constexpr uint64_t kMaxCycles = 100000, kMaxCmisCycles = uint64_t{1} << 32;
  const bool cmis = addr >= kCmisBase && addr < kCmisBase + 4 * 256;
  uint64_t c = 0;
  // A write the run's end cut short, and those due after it (a CMIS byte's, once under way, is
  // skipped to its deadline as below)
  for (bool under_way = false; writing_;) {
    const uint64_t done = writes_done_;
    clockAfterRun(under_way);
    pollWrite();
    under_way = writes_done_ == done;
  }
  while (host_in_port_ && c < kMaxCycles) { // and the host's last access
    uint32_t ignored = 0;
    bool err = false;
    c += clockAfterRun(c > 0);
    host_in_port_ = !inner_.bus_done(inner_.self, &ignored, &err);
  }
  if (writing_ || host_in_port_)
    return false;
  inner_.bus_start(inner_.self, write, addr, write ? *value : 0);
  bool slverr = false;
  uint32_t ignored = 0;
  for (c = 0; c < (cmis ? kMaxCmisCycles : kMaxCycles);) {
    c += clockAfterRun(cmis && c > 0);
    if (inner_.bus_done(inner_.self, write ? &ignored : value, &slverr))
      return !slverr;
  }
  return false;
}

bool TimelineDesign::read(uint32_t addr, uint32_t *value) {
  return access(false, addr, value);
}

// The CMIS bytes a host reads for the module's state and flags: the lower page, then page 11h of
// each bank (8 lanes): data-path states, latched Tx fault and Rx LOS (reading clears them).
void TimelineDesign::probeCmis(cpo_cmis_end_summary_t *c) {
  auto byte = [&](uint32_t b, uint32_t *v) { return read(kCmisBase + 4 * b, v); };
  auto select = [&](uint32_t b, uint32_t v) { return access(true, kCmisBase + 4 * b, &v); };
  // CMIS's lanes are the host lanes (a gearbox's data path has several); its per-lane flags of a
  // media lane's monitors sit on the lane of the media lane's number (rtl/cmis/README.md)
  const uint32_t lanes = std::min<uint32_t>(design_.hostLanes(), CPO_MAX_LANES_SUMMARY);
  uint32_t state = 0, cause = 0;
  c->read = byte(CPO_CMIS_LOWER_MODULE_STATE_OFFSET, &state) &&
            byte(CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET, &cause) &&
            select(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, CPO_CMIS_PAGE_P11);
  c->lanes = lanes;
  c->module = static_cast<uint8_t>((state & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >>
                                   CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT);
  c->cause = static_cast<uint8_t>(cause);
  for (uint32_t bank = 0; c->read && bank * CPO_CMIS_LANES_PER_BANK < lanes; bank++) {
    uint32_t dp[CPO_CMIS_P11_DP_STATE_COUNT] = {}, tx_fault = 0, rx_los = 0;
    c->read = select(CPO_CMIS_LOWER_BANK_SELECT_OFFSET, bank);
    for (uint32_t i = 0; c->read && i < CPO_CMIS_P11_DP_STATE_COUNT; i++)
      c->read = byte(CPO_CMIS_P11_DP_STATE_OFFSET + i, &dp[i]);
    c->read = c->read && byte(CPO_CMIS_P11_TX_FAULT_OFFSET, &tx_fault) &&
              byte(CPO_CMIS_P11_RX_LOS_OFFSET, &rx_los);
    for (uint32_t i = 0; i < CPO_CMIS_LANES_PER_BANK; i++) {
      const uint32_t l = bank * CPO_CMIS_LANES_PER_BANK + i;
      if (l >= lanes)
        break;
      c->dp[l] = static_cast<uint8_t>(dp[i / 2] >> (i % 2 ? 4 : 0) & 0xFu);
      if (l >= lanes_)
        continue;
      c->tx_fault |= static_cast<uint64_t>(tx_fault >> i & 1u) << l;
      c->rx_los |= static_cast<uint64_t>(rx_los >> i & 1u) << l;
    }
  }
}

void TimelineDesign::probe(cpo_run_summary_t *sum, bool cmis) {
  sum->all_up_cycle = up_cycle_;
  std::copy(std::begin(lane_up_), std::end(lane_up_), std::begin(sum->lane_up_cycle));
  sum->timeline_writes = writes_done_;
  const uint32_t modules = (design_.hostLanes() + kModuleLanes - 1) / kModuleLanes;
  sum->d2d_modules = modules;
  for (uint32_t m = 0; m < modules && m < 2; m++)
    for (uint32_t end = 0; end < 2; end++) {
      cpo_d2d_end_summary_t &d = sum->d2d[m][end];
      const uint32_t base = end == 0 ? kAsicD2dBase[m] : kOeD2dBase[m];
      uint32_t status = 0, cnt = 0, bad = 0;
      d.read = read(base + CPO_D2D_STATUS_OFFSET, &status) &&
               read(base + CPO_D2D_TRAIN_CNT_OFFSET, &cnt) &&
               read(base + CPO_D2D_RX_BAD_LO_OFFSET, &bad);
      d.state =
          static_cast<uint8_t>((status & CPO_D2D_STATUS_STATE_MASK) >> CPO_D2D_STATUS_STATE_SHIFT);
      d.width =
          static_cast<uint8_t>((status & CPO_D2D_STATUS_WIDTH_MASK) >> CPO_D2D_STATUS_WIDTH_SHIFT);
      d.retrains = static_cast<uint16_t>((cnt & CPO_D2D_TRAIN_CNT_RETRAINS_MASK) >>
                                         CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT);
      d.rx_bad = bad;
    }
  // the calibration firmware's verdict, as the OE holds it (CAL_DONE, TX_LOL, CAL_REQ)
  const uint32_t oe = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE;
  const uint32_t offs[3][2] = {{CPO_OE_CAL_DONE_LO_OFFSET, CPO_OE_CAL_DONE_HI_OFFSET},
                               {CPO_OE_TX_LOL_LO_OFFSET, CPO_OE_TX_LOL_HI_OFFSET},
                               {CPO_OE_CAL_REQ_LO_OFFSET, CPO_OE_CAL_REQ_HI_OFFSET}};
  uint64_t *masks[3] = {&sum->cal_done, &sum->tx_lol, &sum->cal_req};
  sum->cal_read = true;
  for (int k = 0; k < 3; k++) {
    uint32_t lo = 0, hi = 0;
    sum->cal_read = sum->cal_read && read(oe + offs[k][0], &lo) && read(oe + offs[k][1], &hi);
    *masks[k] = uint64_t{hi} << 32 | lo;
  }
  if (cmis)
    probeCmis(&sum->cmis);
}
