/* The reusable harness around the verilated cpo_d2d_link (see d2d_harness.h). */
#include "d2d_harness.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <deque>
#include <filesystem>

#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"
#define CPO_D2D_STR2(x) #x
#define CPO_D2D_STR(x) CPO_D2D_STR2(x)
#include CPO_D2D_STR(CPO_D2D_MODEL.h)
#if CPO_D2D_COVERAGE
#include "verilated_cov.h"
#endif

namespace cpo_d2d {

namespace {
/* Lane words in the packed lane vectors: lane l is bits [16l+15:16l]. */
constexpr unsigned kLaneBits = 16;
template <typename W> uint16_t get16(const W &w, unsigned lane) {
  return static_cast<uint16_t>(cpo::harness::laneGet(w, lane, kLaneBits));
}
template <typename W> void set16(W &w, unsigned lane, uint16_t v) {
  cpo::harness::laneSet(w, lane, kLaneBits, v);
}
/* The endpoints answer within a few cycles; a transfer waiting longer has failed. */
constexpr uint32_t kApbMaxWaitCycles = 10000;
} // namespace

const std::vector<unsigned> kNominalSequence = {CPO_D2D_LTSM_STATE_RESET,
                                                CPO_D2D_LTSM_STATE_SBINIT,
                                                CPO_D2D_LTSM_STATE_MBINIT_PARAM,
                                                CPO_D2D_LTSM_STATE_MBINIT_CAL,
                                                CPO_D2D_LTSM_STATE_MBINIT_REPAIR_CLK,
                                                CPO_D2D_LTSM_STATE_MBINIT_REPAIR_VAL,
                                                CPO_D2D_LTSM_STATE_MBINIT_REVERSAL_MB,
                                                CPO_D2D_LTSM_STATE_MBINIT_REPAIR_MB,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_VAL_VREF,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_DATA_VREF,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_SPEED_IDLE,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_TX_SELF_CAL,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_RX_CLK_CAL,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_VAL_TRAIN_CENTER,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_VAL_TRAIN_VREF,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_CTR1,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_VREF,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_RX_DESKEW,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_CTR2,
                                                CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED,
                                                CPO_D2D_LTSM_STATE_LINK_INIT,
                                                CPO_D2D_LTSM_STATE_ACTIVE};

const char *state_name(unsigned code) {
  const char *desc = cpo_d2d_ltsm_state_desc(code);
  return desc ? desc : "?";
}

Harness::Harness(const std::string &name) : name_(name) {
  const std::string path = name + ".fst";
  const bool trace = cpo::harness::hasArg("+trace");
  if (trace)
    std::printf("# +trace: %s\n", path.c_str());
  sim_ = std::make_unique<cpo::harness::Sim<CPO_D2D_MODEL>>(trace ? path.c_str() : nullptr);
  CPO_D2D_MODEL &t = sim_->top();
  t.cycles_per_us_i = kCyclesPerUsQ16;
  cycle_in_ = std::make_unique<cpo::harness::CycleInput<CPO_D2D_MODEL>>(*sim_);
  const cpo::harness::Apb3Pins<uint16_t> pins[3] = {CPO_HARNESS_APB3_PINS(t, asic_),
                                                    CPO_HARNESS_APB3_PINS(t, oe_),
                                                    CPO_HARNESS_APB3_PINS(t, ch_)};
  for (int p = 0; p < 3; p++)
    bus_[p] =
        std::make_unique<cpo::harness::Apb3LoopBus<uint16_t>>(*sim_, pins[p], kApbMaxWaitCycles);
  reset();
}

Harness::~Harness() = default;

CPO_D2D_MODEL &Harness::top() {
  return sim_->top();
}
const CPO_D2D_MODEL &Harness::top() const {
  return sim_->top();
}
uint64_t Harness::cycle() const {
  return sim_->cycles();
}

void Harness::tick(uint64_t n) {
  sim_->run(n);
}

void Harness::reset() {
  set_remote_target(0, true); // nothing behind the OE's window unless a test says so
  sim_->reset(4);
  tick(1);
  // Scale the 1 ms / 8 ms timers down for the tests (TIMER register, both ends) before
  // RESET's dwell ends; the scenarios print the scale they ran with.
  const uint32_t timer =
      CPO_D2D_TIMER_USE_SHIFT_MASK |
      ((kTestTimerShift << CPO_D2D_TIMER_SHIFT_SHIFT) & CPO_D2D_TIMER_SHIFT_MASK);
  wr(Port::Asic, CPO_D2D_TIMER_OFFSET, timer);
  wr(Port::Oe, CPO_D2D_TIMER_OFFSET, timer);
  const uint32_t cfg = rd(Port::Asic, CPO_D2D_CONFIG_OFFSET);
  lanes_ = (cfg & CPO_D2D_CONFIG_NUM_LANES_MASK) >> CPO_D2D_CONFIG_NUM_LANES_SHIFT;
  spare_ = (cfg & CPO_D2D_CONFIG_NUM_SPARE_MASK) >> CPO_D2D_CONFIG_NUM_SPARE_SHIFT;
  timer_shift_ = (rd(Port::Asic, CPO_D2D_TIMER_OFFSET) & CPO_D2D_TIMER_SHIFT_EFF_MASK) >>
                 CPO_D2D_TIMER_SHIFT_EFF_SHIFT;
}

bool Harness::apb(Port p, bool write, uint16_t addr, uint32_t wdata, uint32_t *rdata) {
  cpo::harness::Bus &bus = *bus_[static_cast<int>(p)];
  uint32_t data = 0;
  const cpo_status_t st = write ? bus.write32(addr, wdata) : bus.read32(addr, &data);
  if (rdata)
    *rdata = data;
  return st == CPO_OK;
}

uint32_t Harness::rd(Port p, uint16_t addr) {
  uint32_t v = 0;
  if (!apb(p, false, addr, 0, &v))
    std::fprintf(stderr, "# APB read error at 0x%04x\n", addr);
  return v;
}

void Harness::wr(Port p, uint16_t addr, uint32_t value) {
  if (!apb(p, true, addr, value, nullptr)) {
    std::fprintf(stderr, "# APB write error at 0x%04x\n", addr);
  }
}

unsigned Harness::state(Port p) const {
  return p == Port::Oe ? top().oe_state_o : top().asic_state_o;
}

bool Harness::run_until(const std::function<bool()> &cond, uint64_t max_cycles) {
  for (uint64_t i = 0; i < max_cycles; i++) {
    if (cond())
      return true;
    tick();
  }
  return cond();
}

bool Harness::run_until_active(uint64_t max_cycles) {
  return run_until([this] { return top().asic_link_up_o && top().oe_link_up_o; }, max_cycles);
}

std::vector<LogEntry> Harness::drain_log(Port p) {
  std::vector<LogEntry> out;
  for (int guard = 0; guard < 1024; guard++) {
    const uint32_t st = rd(p, CPO_D2D_LOG_STATUS_OFFSET);
    if (!(st & CPO_D2D_LOG_STATUS_VALID_MASK))
      break;
    LogEntry e;
    e.cycle = rd(p, CPO_D2D_LOG_CYCLE_OFFSET);
    const uint32_t ent = rd(p, CPO_D2D_LOG_ENTRY_OFFSET);
    e.from = (ent & CPO_D2D_LOG_ENTRY_FROM_MASK) >> CPO_D2D_LOG_ENTRY_FROM_SHIFT;
    e.to = (ent & CPO_D2D_LOG_ENTRY_TO_MASK) >> CPO_D2D_LOG_ENTRY_TO_SHIFT;
    out.push_back(e);
    wr(p, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LOG_POP_MASK);
  }
  return out;
}

void Harness::print_log(const char *who, const std::vector<LogEntry> &log) {
  std::printf("# %s training log (%zu transitions)\n", who, log.size());
  for (const LogEntry &e : log) {
    std::printf("#   cycle %8u  %-24s -> %s\n", e.cycle, state_name(e.from), state_name(e.to));
  }
}

int Harness::tunnel(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata) {
  wr(Port::Asic, CPO_D2D_TUN_ADDR_OFFSET, addr);
  if (write)
    wr(Port::Asic, CPO_D2D_TUN_WDATA_OFFSET, wdata);
  uint32_t ctrl = rd(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET);
  ctrl &= ~CPO_D2D_TUN_CTRL_WRITE_MASK;
  if (write)
    ctrl |= CPO_D2D_TUN_CTRL_WRITE_MASK;
  wr(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET, ctrl | CPO_D2D_TUN_CTRL_GO_MASK);
  uint32_t st = 0;
  for (int guard = 0; guard < 100000; guard++) {
    st = rd(Port::Asic, CPO_D2D_TUN_STATUS_OFFSET);
    if (!(st & CPO_D2D_TUN_STATUS_BUSY_MASK))
      break;
  }
  if (st & CPO_D2D_TUN_STATUS_TIMEOUT_MASK)
    return -2;
  if (st & CPO_D2D_TUN_STATUS_ERR_MASK)
    return -1;
  if (rdata)
    *rdata = rd(Port::Asic, CPO_D2D_TUN_RDATA_OFFSET);
  return 0;
}

void Harness::set_remote_target(uint32_t rdata, bool error) {
  top().rmt_prdata_i = rdata;
  top().rmt_pready_i = 1;
  top().rmt_pslverr_i = error;
}

void Harness::set_wire(bool a2o, unsigned wire, unsigned skew, unsigned eye_w, bool stuck,
                       bool stuck_val, bool open, bool err_en) {
  uint32_t v = (skew << CPO_D2DCH_A2O_WIRE_SKEW_SHIFT) & CPO_D2DCH_A2O_WIRE_SKEW_MASK;
  v |= (eye_w << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT) & CPO_D2DCH_A2O_WIRE_EYE_W_MASK;
  if (stuck)
    v |= CPO_D2DCH_A2O_WIRE_STUCK_EN_MASK;
  if (stuck_val)
    v |= CPO_D2DCH_A2O_WIRE_STUCK_VAL_MASK;
  if (open)
    v |= CPO_D2DCH_A2O_WIRE_OPEN_MASK;
  if (err_en)
    v |= CPO_D2DCH_A2O_WIRE_ERR_EN_MASK;
  wr(Port::Ch, a2o ? CPO_D2DCH_A2O_WIRE_OFFSET_N(wire) : CPO_D2DCH_O2A_WIRE_OFFSET_N(wire), v);
}

void Harness::set_tx(bool a2o, unsigned lane, uint16_t word) {
  if (a2o)
    set16(top().a2o_tx_data_i, lane, word);
  else
    set16(top().o2a_tx_data_i, lane, word);
}
void Harness::set_tx_valid(bool a2o, bool valid) {
  if (a2o)
    top().a2o_tx_valid_i = valid;
  else
    top().o2a_tx_valid_i = valid;
}
bool Harness::tx_ready(bool a2o) const {
  return a2o ? top().a2o_tx_ready_o : top().o2a_tx_ready_o;
}
bool Harness::rx_valid(bool a2o) const {
  return a2o ? top().a2o_rx_valid_o : top().o2a_rx_valid_o;
}
bool Harness::rx_err(bool a2o) const {
  return a2o ? top().a2o_rx_err_o : top().o2a_rx_err_o;
}
uint16_t Harness::rx_word(bool a2o, unsigned lane) const {
  return a2o ? get16(top().a2o_rx_data_o, lane) : get16(top().o2a_rx_data_o, lane);
}
uint16_t Harness::wire_word(bool a2o, unsigned wire) const {
  return a2o ? get16(top().a2o_wire_o, wire) : get16(top().o2a_wire_o, wire);
}

void Harness::pass() {
#if CPO_D2D_COVERAGE
  const char *env = std::getenv("CPO_D2D_COVERAGE_DIR");
  const std::string dir = env ? env : "d2d_cov";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name_ + ".dat";
  sim_->context().coveragep()->write(path.c_str());
#endif
}

TrafficStats Harness::traffic(uint64_t cycles, uint64_t seed) {
  TrafficStats st;
  const unsigned width = (rd(Port::Asic, CPO_D2D_STATUS_OFFSET) & CPO_D2D_STATUS_WIDTH_MASK) >>
                         CPO_D2D_STATUS_WIDTH_SHIFT;
  std::deque<std::vector<uint16_t>> inflight[2];
  uint64_t x = seed ? seed : 1;
  auto next = [&x]() { // xorshift64: a seeded, reproducible payload
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (uint64_t c = 0; c < cycles + 200; c++) {
    for (int d = 0; d < 2; d++) {
      const bool a2o = d == 0;
      const bool send = c < cycles && tx_ready(a2o);
      set_tx_valid(a2o, send);
      if (send) {
        std::vector<uint16_t> words(width);
        for (unsigned l = 0; l < width; l++) {
          words[l] = static_cast<uint16_t>(next());
          set_tx(a2o, l, words[l]);
        }
        inflight[d].push_back(words);
        st.sent[d]++;
      }
    }
    tick();
    for (int d = 0; d < 2; d++) {
      const bool a2o = d == 0;
      if (rx_err(a2o))
        st.err_cycles[d]++;
      if (!rx_valid(a2o))
        continue;
      st.received[d]++;
      if (inflight[d].empty()) {
        st.mismatches[d]++;
        continue;
      }
      const std::vector<uint16_t> &want = inflight[d].front();
      for (unsigned l = 0; l < width; l++) {
        if (rx_word(a2o, l) != want[l]) {
          st.mismatches[d]++;
          break;
        }
      }
      inflight[d].pop_front();
    }
  }
  for (int d = 0; d < 2; d++) {
    st.left_over[d] = inflight[d].size();
    set_tx_valid(d == 0, false);
  }
  return st;
}

} // namespace cpo_d2d
