/* The reusable harness around the verilated cpo_d2d_link (see d2d_harness.h). */
#include "d2d_harness.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <deque>
#include <filesystem>

#include "verilated.h"
#define CPO_D2D_STR2(x) #x
#define CPO_D2D_STR(x) CPO_D2D_STR2(x)
#include CPO_D2D_STR(CPO_D2D_MODEL.h)
#if CPO_D2D_TRACE
#include "verilated_fst_c.h"
#endif
#if CPO_D2D_COVERAGE
#include "verilated_cov.h"
#endif

namespace cpo_d2d {

namespace {
int g_argc = 0;
char **g_argv = nullptr;

bool has_arg(const char *want) {
  for (int i = 1; i < g_argc; i++) {
    if (std::strcmp(g_argv[i], want) == 0) return true;
  }
  return false;
}

/* Lane words in the packed lane vectors: lane l is bits [16l+15:16l]. */
template <typename W> uint16_t get16(const W &w, unsigned lane) {
  return static_cast<uint16_t>(w[lane / 2] >> (16 * (lane % 2)));
}
template <typename W> void set16(W &w, unsigned lane, uint16_t v) {
  const unsigned sh = 16 * (lane % 2);
  w[lane / 2] = (w[lane / 2] & ~(0xffffu << sh)) | (static_cast<uint32_t>(v) << sh);
}
}  // namespace

const std::vector<unsigned> kNominalSequence = {
    kReset,          kSbinit,           kParam,        kCal,          kRepairClk,
    kRepairVal,      kReversalMb,       kRepairMb,     kValVref,      kDataVref,
    kSpeedIdle,      kTxSelfCal,        kRxClkCal,     kValTrainCenter, kValTrainVref,
    kDataTrainCenter1, kDataTrainVref,  kRxDeskew,     kDataTrainCenter2, kLinkSpeed,
    kLinkInit,       kActive};

const char *state_name(unsigned code) {
  static const char *const names[] = {
      "RESET", "SBINIT", "MBINIT.PARAM", "MBINIT.CAL", "MBINIT.REPAIRCLK", "MBINIT.REPAIRVAL",
      "MBINIT.REVERSALMB", "MBINIT.REPAIRMB", "MBTRAIN.VALVREF", "MBTRAIN.DATAVREF",
      "MBTRAIN.SPEEDIDLE", "MBTRAIN.TXSELFCAL", "MBTRAIN.RXCLKCAL", "MBTRAIN.VALTRAINCENTER",
      "MBTRAIN.VALTRAINVREF", "MBTRAIN.DATATRAINCENTER1", "MBTRAIN.DATATRAINVREF",
      "MBTRAIN.RXDESKEW", "MBTRAIN.DATATRAINCENTER2", "MBTRAIN.LINKSPEED", "MBTRAIN.REPAIR",
      "PHYRETRAIN", "LINKINIT", "ACTIVE", "TRAINERROR", "L1/L2", "L1", "L2"};
  return code < sizeof names / sizeof names[0] ? names[code] : "?";
}

void set_args(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
}

Harness::Harness(const std::string &name) : ctx_(new VerilatedContext), name_(name) {
  if (g_argc > 0) ctx_->commandArgs(g_argc, g_argv);
  const bool trace = has_arg("+trace");
  if (trace) ctx_->traceEverOn(true);
  top_.reset(new CPO_D2D_MODEL(ctx_.get(), "top"));
#if CPO_D2D_TRACE
  if (trace) {
    trace_ = new VerilatedFstC;
    top_->trace(trace_, 99);
    const std::string path = name + ".fst";
    trace_->open(path.c_str());
    std::printf("# tracing to %s\n", path.c_str());
  }
#else
  (void)name;
  if (trace) std::printf("# +trace ignored: this model was built without tracing\n");
#endif
  reset();
}

Harness::~Harness() {
#if CPO_D2D_TRACE
  if (trace_) {
    trace_->close();
    delete trace_;
  }
#endif
  top_->final();
}

void Harness::tick(uint64_t n) {
  for (uint64_t i = 0; i < n; i++) {
    top_->clk_i = 0;
    top_->eval();
#if CPO_D2D_TRACE
    if (trace_) trace_->dump(ctx_->time());
#endif
    ctx_->timeInc(1);
    top_->clk_i = 1;
    top_->eval();
#if CPO_D2D_TRACE
    if (trace_) trace_->dump(ctx_->time());
#endif
    ctx_->timeInc(1);
    cycle_++;
  }
}

void Harness::reset() {
  top_->rst_ni = 0;
  set_remote_target(0, true);  // nothing behind the OE's window unless a test says so
  tick(4);
  top_->rst_ni = 1;
  tick(1);
  // Scale the 1 ms / 8 ms timers down for the tests (TIMER register, both ends) before
  // RESET's dwell ends; the scenarios print the scale they ran with.
  const uint32_t timer = CPO_D2D_TIMER_USE_SHIFT_MASK |
                         ((kTestTimerShift << CPO_D2D_TIMER_SHIFT_SHIFT) & CPO_D2D_TIMER_SHIFT_MASK);
  wr(Port::Asic, CPO_D2D_TIMER_OFFSET, timer);
  wr(Port::Oe, CPO_D2D_TIMER_OFFSET, timer);
  const uint32_t cfg = rd(Port::Asic, CPO_D2D_CONFIG_OFFSET);
  lanes_ = (cfg & CPO_D2D_CONFIG_NUM_LANES_MASK) >> CPO_D2D_CONFIG_NUM_LANES_SHIFT;
  spare_ = (cfg & CPO_D2D_CONFIG_NUM_SPARE_MASK) >> CPO_D2D_CONFIG_NUM_SPARE_SHIFT;
  timer_shift_ = (rd(Port::Asic, CPO_D2D_TIMER_OFFSET) & CPO_D2D_TIMER_SHIFT_EFF_MASK) >>
                 CPO_D2D_TIMER_SHIFT_EFF_SHIFT;
}

void Harness::set_apb(Port p, bool sel, bool en, bool write, uint16_t addr, uint32_t wdata) {
  CPO_D2D_MODEL &t = *top_;
  switch (p) {
  case Port::Asic:
    t.asic_psel_i = sel; t.asic_penable_i = en; t.asic_pwrite_i = write;
    t.asic_paddr_i = addr; t.asic_pwdata_i = wdata;
    break;
  case Port::Oe:
    t.oe_psel_i = sel; t.oe_penable_i = en; t.oe_pwrite_i = write;
    t.oe_paddr_i = addr; t.oe_pwdata_i = wdata;
    break;
  case Port::Ch:
    t.ch_psel_i = sel; t.ch_penable_i = en; t.ch_pwrite_i = write;
    t.ch_paddr_i = addr; t.ch_pwdata_i = wdata;
    break;
  }
}

void Harness::get_apb(Port p, bool *ready, bool *err, uint32_t *rdata) const {
  const CPO_D2D_MODEL &t = *top_;
  switch (p) {
  case Port::Asic: *ready = t.asic_pready_o; *err = t.asic_pslverr_o; *rdata = t.asic_prdata_o; break;
  case Port::Oe: *ready = t.oe_pready_o; *err = t.oe_pslverr_o; *rdata = t.oe_prdata_o; break;
  case Port::Ch: *ready = t.ch_pready_o; *err = t.ch_pslverr_o; *rdata = t.ch_prdata_o; break;
  }
}

bool Harness::apb(Port p, bool write, uint16_t addr, uint32_t wdata, uint32_t *rdata) {
  set_apb(p, true, false, write, addr, wdata);
  tick();
  set_apb(p, true, true, write, addr, wdata);
  top_->eval();
  bool ready = false, err = false;
  uint32_t data = 0;
  get_apb(p, &ready, &err, &data);
  for (int guard = 0; !ready && guard < 10000; guard++) {
    tick();
    get_apb(p, &ready, &err, &data);
  }
  tick();
  set_apb(p, false, false, false, 0, 0);
  if (rdata) *rdata = data;
  return ready && !err;
}

uint32_t Harness::rd(Port p, uint16_t addr) {
  uint32_t v = 0;
  if (!apb(p, false, addr, 0, &v)) std::fprintf(stderr, "# APB read error at 0x%04x\n", addr);
  return v;
}

void Harness::wr(Port p, uint16_t addr, uint32_t value) {
  if (!apb(p, true, addr, value, nullptr)) {
    std::fprintf(stderr, "# APB write error at 0x%04x\n", addr);
  }
}

unsigned Harness::state(Port p) const {
  return p == Port::Oe ? top_->oe_state_o : top_->asic_state_o;
}

bool Harness::run_until(const std::function<bool()> &cond, uint64_t max_cycles) {
  for (uint64_t i = 0; i < max_cycles; i++) {
    if (cond()) return true;
    tick();
  }
  return cond();
}

bool Harness::run_until_active(uint64_t max_cycles) {
  return run_until([this] { return top_->asic_link_up_o && top_->oe_link_up_o; }, max_cycles);
}

std::vector<LogEntry> Harness::drain_log(Port p) {
  std::vector<LogEntry> out;
  for (int guard = 0; guard < 1024; guard++) {
    const uint32_t st = rd(p, CPO_D2D_LOG_STATUS_OFFSET);
    if (!(st & CPO_D2D_LOG_STATUS_VALID_MASK)) break;
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
  if (write) wr(Port::Asic, CPO_D2D_TUN_WDATA_OFFSET, wdata);
  uint32_t ctrl = rd(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET);
  ctrl &= ~CPO_D2D_TUN_CTRL_WRITE_MASK;
  if (write) ctrl |= CPO_D2D_TUN_CTRL_WRITE_MASK;
  wr(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET, ctrl | CPO_D2D_TUN_CTRL_GO_MASK);
  uint32_t st = 0;
  for (int guard = 0; guard < 100000; guard++) {
    st = rd(Port::Asic, CPO_D2D_TUN_STATUS_OFFSET);
    if (!(st & CPO_D2D_TUN_STATUS_BUSY_MASK)) break;
  }
  if (st & CPO_D2D_TUN_STATUS_TIMEOUT_MASK) return -2;
  if (st & CPO_D2D_TUN_STATUS_ERR_MASK) return -1;
  if (rdata) *rdata = rd(Port::Asic, CPO_D2D_TUN_RDATA_OFFSET);
  return 0;
}

void Harness::set_remote_target(uint32_t rdata, bool error) {
  top_->rmt_prdata_i = rdata;
  top_->rmt_pready_i = 1;
  top_->rmt_pslverr_i = error;
}

void Harness::set_wire(bool a2o, unsigned wire, unsigned skew, unsigned eye_w, bool stuck,
                       bool stuck_val, bool open, bool err_en) {
  uint32_t v = (skew << CPO_D2DCH_A2O_WIRE_SKEW_SHIFT) & CPO_D2DCH_A2O_WIRE_SKEW_MASK;
  v |= (eye_w << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT) & CPO_D2DCH_A2O_WIRE_EYE_W_MASK;
  if (stuck) v |= CPO_D2DCH_A2O_WIRE_STUCK_EN_MASK;
  if (stuck_val) v |= CPO_D2DCH_A2O_WIRE_STUCK_VAL_MASK;
  if (open) v |= CPO_D2DCH_A2O_WIRE_OPEN_MASK;
  if (err_en) v |= CPO_D2DCH_A2O_WIRE_ERR_EN_MASK;
  wr(Port::Ch, a2o ? CPO_D2DCH_A2O_WIRE_OFFSET_N(wire) : CPO_D2DCH_O2A_WIRE_OFFSET_N(wire), v);
}

void Harness::set_tx(bool a2o, unsigned lane, uint16_t word) {
  if (a2o) set16(top_->a2o_tx_data_i, lane, word);
  else set16(top_->o2a_tx_data_i, lane, word);
}
void Harness::set_tx_valid(bool a2o, bool valid) {
  if (a2o) top_->a2o_tx_valid_i = valid;
  else top_->o2a_tx_valid_i = valid;
}
bool Harness::tx_ready(bool a2o) const { return a2o ? top_->a2o_tx_ready_o : top_->o2a_tx_ready_o; }
bool Harness::rx_valid(bool a2o) const { return a2o ? top_->a2o_rx_valid_o : top_->o2a_rx_valid_o; }
bool Harness::rx_err(bool a2o) const { return a2o ? top_->a2o_rx_err_o : top_->o2a_rx_err_o; }
uint16_t Harness::rx_word(bool a2o, unsigned lane) const {
  return a2o ? get16(top_->a2o_rx_data_o, lane) : get16(top_->o2a_rx_data_o, lane);
}
uint16_t Harness::wire_word(bool a2o, unsigned wire) const {
  return a2o ? get16(top_->a2o_wire_o, wire) : get16(top_->o2a_wire_o, wire);
}

void Harness::pass() {
#if CPO_D2D_COVERAGE
  const char *env = std::getenv("CPO_D2D_COVERAGE_DIR");
  const std::string dir = env ? env : "d2d_cov";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name_ + ".dat";
  ctx_->coveragep()->write(path.c_str());
#endif
}

TrafficStats Harness::traffic(uint64_t cycles, uint64_t seed) {
  TrafficStats st;
  const unsigned width =
      (rd(Port::Asic, CPO_D2D_STATUS_OFFSET) & CPO_D2D_STATUS_WIDTH_MASK) >> CPO_D2D_STATUS_WIDTH_SHIFT;
  std::deque<std::vector<uint16_t>> inflight[2];
  uint64_t x = seed ? seed : 1;
  auto next = [&x]() {  // xorshift64: a seeded, reproducible payload
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
      if (rx_err(a2o)) st.err_cycles[d]++;
      if (!rx_valid(a2o)) continue;
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

}  // namespace cpo_d2d
