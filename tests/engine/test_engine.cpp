/* The engine top (rtl/engine) end to end: ASIC traffic -> D2D link -> OE gearbox -> media TX ->
 * loopback (RX = TX delayed by a fixed latency, as the bridge's --direct loopback) -> media RX
 * -> OE -> D2D link -> ASIC checkers. Everything is read and written through the top's one host
 * port (the ENGINE space of rtl/addrmap.toml). The D2D timers run at their real durations
 * (1 ms, 8 ms) except where a test scales them (TIMER registers) and says so. Expected values
 * come from shared/D2D.md and the D2D tests (tests/d2d), never from a previous run.
 * An engine with more host lanes than one D2D module carries has several modules (OE D2D
 * register); each test then covers every module (training, counters) or says which one.
 * Built once per engine model (CPO_ENGINE_MODEL); CPO_ENGINE_FAULTS selects the fault classes. */
#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "cpo/addrmap.h"
#include "cpo/analog_channels.h"
#include "cpo/cmis_map.h"
#include "cpo/d2d_regs.h"
#include "cpo/d2dch_regs.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"
#include "d2d_harness.h"   // kNominalSequence, state_name, LogEntry, print_log
#include "d2d_scenarios.h" // cmocka
#define CPO_ENGINE_STR2(x) #x
#define CPO_ENGINE_STR(x) CPO_ENGINE_STR2(x)
#include CPO_ENGINE_STR(CPO_ENGINE_MODEL.h)

using cpo_d2d::LogEntry;

namespace {

using Model = CPO_ENGINE_MODEL;
constexpr unsigned kHostWordBits = 16;    // the D2D word
constexpr unsigned kLoopLatency = 492;    // cycles media TX -> RX (about L at 1 GHz)
constexpr uint64_t kTrainCycles = 200000; // a clean training takes ~10-20k cycles
constexpr uint32_t kApbMaxWaitCycles = 10000;
constexpr uint64_t kSettleCycles = 3 * kLoopLatency + 1000;
// CMIS's time base here: 10 cycles per microsecond, so that one CMIS byte's two-wire bus time
// (39 us for a read) is 390 cycles, within kApbMaxWaitCycles and the tunnel's default timeout.
constexpr uint32_t kCmisCyclesPerUsQ16 = 10u << 16;
// The dead-sideband test's D2D timer scale: 8 ms = 80000 cycles at 10 per us, 20000 scaled, more
// than any one training state takes and short enough to wait for.
constexpr unsigned kDeadSbShift = 2;

enum class Side { Asic, Oe };

uint32_t field(uint32_t v, uint32_t mask, unsigned shift) {
  return (v & mask) >> shift;
}

/* The engine and its loopback. It is the clock of its own bus, so that cycles spent in register
 * accesses carry the loopback too (the Sim steps the bus master). */
class Engine final : public cpo::harness::Clocked {
public:
  Engine() : sim_(std::make_unique<cpo::harness::Sim<Model>>()) {
    bus_ = std::make_unique<cpo::harness::Apb3LoopBus<uint32_t>>(
        *this, cpo::harness::apb3Pins(sim_->top()), kApbMaxWaitCycles);
    sim_->addHook(bus_.get());
    sim_->top().cycles_per_us_i = kCmisCyclesPerUsQ16;
    sim_->top().bus_bit_ps_i = 1000000; // CMIS's bus: a two-wire interface at 1 MHz
    sim_->top().bus_header_bit_ps_i = 1000000;
    sim_->reset(4);
    const uint32_t cfg = rd(oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_CONFIG_OFFSET)));
    host_ = field(cfg, CPO_OE_CONFIG_HOST_LANES_MASK, CPO_OE_CONFIG_HOST_LANES_SHIFT);
    media_ = field(cfg, CPO_OE_CONFIG_MEDIA_LANES_MASK, CPO_OE_CONFIG_MEDIA_LANES_SHIFT);
    media_bits_ =
        field(cfg, CPO_OE_CONFIG_MEDIA_WORD_BITS_MASK, CPO_OE_CONFIG_MEDIA_WORD_BITS_SHIFT);
    line_.assign(static_cast<size_t>(kLoopLatency) * media_, 0); // the loopback, before more cycles
    const uint32_t d2d_cfg = rd(oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_D2D_OFFSET)));
    modules_ = field(d2d_cfg, CPO_OE_D2D_MODULES_MASK, CPO_OE_D2D_MODULES_SHIFT);
    module_lanes_ = field(d2d_cfg, CPO_OE_D2D_MODULE_LANES_MASK, CPO_OE_D2D_MODULE_LANES_SHIFT);
  }

  /* Host addresses of each block (the ENGINE space); k is the D2D module. */
  static uint32_t d2d(Side s, uint32_t off, unsigned k = 0) {
    if (s == Side::Asic)
      return k == 0 ? CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(off)
                    : CPO_ADDRMAP_ENGINE_ASIC_D2D1_ADDR(off);
    return oe(k == 0 ? CPO_ADDRMAP_OE_D2D_ADDR(off) : CPO_ADDRMAP_OE_D2D1_ADDR(off));
  }
  static uint32_t oe(uint32_t oe_addr) {
    return CPO_ADDRMAP_ENGINE_OE_BASE + oe_addr;
  }
  static uint32_t ch(uint32_t off, unsigned k = 0) {
    return k == 0 ? CPO_ADDRMAP_ENGINE_CHANNEL_ADDR(off) : CPO_ADDRMAP_ENGINE_CHANNEL1_ADDR(off);
  }
  static uint32_t traffic(uint32_t off) {
    return CPO_ADDRMAP_ENGINE_TRAFFIC_ADDR(off);
  }

  /* Register access; every module's answer is checked. */
  uint32_t rd(uint32_t addr) {
    uint32_t v = 0;
    const cpo_status_t st = bus_->read32(addr, &v);
    if (st != CPO_OK)
      std::printf("# read 0x%07x: status %d\n", addr, st);
    assert_int_equal(st, CPO_OK);
    return v;
  }
  void wr(uint32_t addr, uint32_t v) {
    assert_int_equal(bus_->write32(addr, v), CPO_OK);
  }
  cpo_status_t access(bool write, uint32_t addr, uint32_t *v) {
    return write ? bus_->write32(addr, *v) : bus_->read32(addr, v);
  }

  /* One cycle: media RX is media TX from kLoopLatency cycles ago; CMIS sees the cycle number. */
  void cycle() override {
    Model &t = sim_->top();
    t.cycle_i = sim_->cyclesSinceReset();
    const size_t slot = (sim_->cycles() % kLoopLatency) * media_;
    for (unsigned m = 0; m < media_; m++)
      cpo::harness::laneSet(t.media_rx_i, m, media_bits_, line_[slot + m]);
    sim_->tick([&] {
      for (unsigned m = 0; m < media_; m++)
        line_[slot + m] = cpo::harness::laneGet(t.media_tx_o, m, media_bits_);
      if (t.dac_we_o)
        dac_writes_.push_back({t.dac_channel_o, t.dac_index_o, t.dac_code_o});
    });
  }
  void run(uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
      cycle();
  }
  /* Up to cycle `end`, as a parked run of the synchroniser would go: while every D2D module is
   * quiet (d2d_quiet_o) the cycles up to the next deadline (next_event_o) are skipped, not
   * clocked; otherwise clocked one at a time. Returns the cycles skipped. */
  uint64_t run_skipping(uint64_t end) {
    const Model &t = sim_->top();
    const uint64_t all = (uint64_t{1} << modules_) - 1u;
    uint64_t skipped = 0;
    while (cycles() < end) {
      // next_event_o counts cycle_i, the cycles since reset
      const uint64_t now = sim_->cyclesSinceReset(), due = t.next_event_o;
      if ((t.d2d_quiet_o & all) == all && due > now + 1) {
        const uint64_t n = std::min(due - now, end - cycles());
        sim_->skipCycles(n);
        skipped += n;
      } else {
        cycle();
      }
    }
    return skipped;
  }
  uint64_t cycles() const {
    return sim_->cycles();
  }
  /* The last media TX word of lane m. */
  uint64_t media_tx(unsigned m) const {
    return cpo::harness::laneGet(sim_->top().media_tx_o, m, media_bits_);
  }

  unsigned state(Side s, unsigned k = 0) {
    return field(rd(d2d(s, CPO_D2D_STATUS_OFFSET, k)), CPO_D2D_STATUS_STATE_MASK,
                 CPO_D2D_STATUS_STATE_SHIFT);
  }
  /* Run, checking the state registers every 64 cycles, until cond holds. */
  template <typename F> bool run_until(F &&cond, uint64_t max_cycles) {
    const uint64_t end = cycles() + max_cycles;
    while (cycles() < end) {
      if (cond())
        return true;
      run(64);
    }
    return cond();
  }
  /* Both ends of every module in state `code`. */
  bool both_in(unsigned code) {
    for (unsigned k = 0; k < modules_; k++) {
      if (state(Side::Asic, k) != code || state(Side::Oe, k) != code)
        return false;
    }
    return true;
  }

  std::vector<LogEntry> drain_log(Side s, unsigned k = 0) {
    std::vector<LogEntry> out;
    while (rd(d2d(s, CPO_D2D_LOG_STATUS_OFFSET, k)) & CPO_D2D_LOG_STATUS_VALID_MASK) {
      const uint32_t cyc = rd(d2d(s, CPO_D2D_LOG_CYCLE_OFFSET, k));
      const uint32_t ent = rd(d2d(s, CPO_D2D_LOG_ENTRY_OFFSET, k));
      out.push_back({cyc, field(ent, CPO_D2D_LOG_ENTRY_FROM_MASK, CPO_D2D_LOG_ENTRY_FROM_SHIFT),
                     field(ent, CPO_D2D_LOG_ENTRY_TO_MASK, CPO_D2D_LOG_ENTRY_TO_SHIFT)});
      wr(d2d(s, CPO_D2D_CMD_OFFSET, k), CPO_D2D_CMD_LOG_POP_MASK);
      assert_true(out.size() < 1024);
    }
    char who[32];
    std::snprintf(who, sizeof who, "%s%s", s == Side::Asic ? "ASIC" : "OE",
                  modules_ > 1 ? (k == 0 ? " module 0" : " module 1") : "");
    cpo_d2d::Harness::print_log(who, out);
    return out;
  }

  /* Train every module to ACTIVE at both ends (read through the map) or fail; every log is
   * printed, module k's returned. */
  void train(std::vector<LogEntry> *asic_log = nullptr, std::vector<LogEntry> *oe_log = nullptr,
             unsigned k = 0) {
    const uint64_t start = cycles();
    const bool ok = run_until([&] { return both_in(CPO_D2D_LTSM_STATE_ACTIVE); }, kTrainCycles);
    std::printf("# %s after %llu cycles\n", ok ? "ACTIVE" : "NOT ACTIVE",
                static_cast<unsigned long long>(cycles() - start));
    for (unsigned m = 0; m < modules_; m++) {
      const std::vector<LogEntry> a = drain_log(Side::Asic, m), o = drain_log(Side::Oe, m);
      if (asic_log && m == k)
        *asic_log = a;
      if (oe_log && m == k)
        *oe_log = o;
    }
    assert_true(ok);
  }

  /* Clear every counter, run, and check each of the first `lanes` host lanes locked, counting
   * bits, without one error (all of them unless the link degraded its width). */
  void check_traffic(uint64_t run_cycles, unsigned lanes = 0) {
    if (lanes == 0)
      lanes = host_;
    // Let the first words of the link make the round trip first: until then the checkers see
    // the idle zeros of the loopback, on which a self-synchronising checker locks (all zeros
    // satisfies every polynomial's recurrence) and then counts errors until it hunts again.
    run(kSettleCycles);
    wr(traffic(CPO_TRAFFIC_CNT_CLEAR_OFFSET), CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
    for (unsigned k = 0; k < modules_; k++) {
      for (Side s : {Side::Asic, Side::Oe})
        wr(d2d(s, CPO_D2D_CMD_OFFSET, k), CPO_D2D_CMD_CNT_CLEAR_MASK);
    }
    run(run_cycles);
    const uint64_t locked = rd(traffic(CPO_TRAFFIC_LOCKED_LO_OFFSET)) |
                            static_cast<uint64_t>(rd(traffic(CPO_TRAFFIC_LOCKED_HI_OFFSET))) << 32;
    uint64_t total = 0;
    for (unsigned l = 0; l < lanes; l++) {
      const uint32_t bits = rd(traffic(CPO_TRAFFIC_LANE_BITS_OFFSET_N(l)));
      const uint32_t errs = rd(traffic(CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l)));
      if (!((locked >> l) & 1) || errs != 0 || bits < (run_cycles / 2) * kHostWordBits)
        std::printf("# host lane %u: locked %d bits %u errors %u\n", l,
                    static_cast<int>((locked >> l) & 1), bits, errs);
      assert_true((locked >> l) & 1);
      assert_int_equal(errs, 0);
      assert_true(bits >= (run_cycles / 2) * kHostWordBits);
      total += bits;
    }
    std::printf("# %u host lanes error-free end to end: %llu bits checked in %llu cycles\n", lanes,
                static_cast<unsigned long long>(total),
                static_cast<unsigned long long>(run_cycles));
    for (unsigned k = 0; k < modules_; k++) {
      for (Side s : {Side::Asic, Side::Oe})
        assert_int_equal(rd(d2d(s, CPO_D2D_ACTIVE_ERRS_OFFSET, k)), 0);
    }
  }

  void set_wire(bool a2o, unsigned wire, unsigned skew, unsigned eye_w, bool stuck = false,
                bool stuck_val = false, bool open = false, bool err_en = false, unsigned k = 0) {
    const uint32_t v =
        (skew << CPO_D2DCH_A2O_WIRE_SKEW_SHIFT) | (eye_w << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT) |
        (stuck ? CPO_D2DCH_A2O_WIRE_STUCK_EN_MASK : 0u) |
        (stuck_val ? CPO_D2DCH_A2O_WIRE_STUCK_VAL_MASK : 0u) |
        (open ? CPO_D2DCH_A2O_WIRE_OPEN_MASK : 0u) | (err_en ? CPO_D2DCH_A2O_WIRE_ERR_EN_MASK : 0u);
    wr(ch(a2o ? CPO_D2DCH_A2O_WIRE_OFFSET_N(wire) : CPO_D2DCH_O2A_WIRE_OFFSET_N(wire), k), v);
  }
  /* The D2D's 8 ms residency timeout in cycles at this test's clock, scaled by 2^-shift. */
  static uint32_t residency_cycles(unsigned shift) {
    return static_cast<uint32_t>(((8000ull * kCmisCyclesPerUsQ16) >> 16) >> shift);
  }
  void scale_timers(unsigned shift) {
    for (unsigned k = 0; k < modules_; k++) {
      for (Side s : {Side::Asic, Side::Oe})
        wr(d2d(s, CPO_D2D_TIMER_OFFSET, k),
           CPO_D2D_TIMER_USE_SHIFT_MASK | (shift << CPO_D2D_TIMER_SHIFT_SHIFT));
    }
    std::printf("# timers scaled by 2^-%u (a test option): 8 ms residency = %u cycles\n", shift,
                residency_cycles(shift));
  }

  /* The board's external laser source (els_lanes_i), and a laser drive preset before cycle 0
   * (the calibrated snapshot): the engine is reset again with them. */
  void board(unsigned els_lanes, uint16_t laser0_preset) {
    Model &t = sim_->top();
    t.els_lanes_i = els_lanes;
    t.els_freq_i = 22868;
    cpo::harness::laneSet(t.dac_preset_i, CPO_DAC_LASER_CURRENT * media_, 16, laser0_preset);
    sim_->reset(4);
  }
  /* The DAC writes that crossed the analog boundary: {channel, index, code}. */
  struct DacWrite {
    unsigned channel, index, code;
  };
  std::vector<DacWrite> dac_writes_;

  unsigned host_ = 0, media_ = 0, media_bits_ = 0;
  unsigned modules_ = 0, module_lanes_ = 0; // D2D modules, host lanes each

private:
  std::unique_ptr<cpo::harness::Sim<Model>> sim_;
  std::unique_ptr<cpo::harness::Apb3LoopBus<uint32_t>> bus_;
  std::vector<uint64_t> line_; // the loopback: kLoopLatency cycles of media words
};

bool contains_step(const std::vector<LogEntry> &log, unsigned from, unsigned to) {
  for (const LogEntry &e : log) {
    if (e.from == from && e.to == to)
      return true;
  }
  return false;
}

unsigned retrains(Engine &e, Side s, unsigned k = 0) {
  return field(e.rd(Engine::d2d(s, CPO_D2D_TRAIN_CNT_OFFSET, k)), CPO_D2D_TRAIN_CNT_RETRAINS_MASK,
               CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT);
}
unsigned status_field(Engine &e, Side s, uint32_t mask, unsigned shift, unsigned k = 0) {
  return field(e.rd(Engine::d2d(s, CPO_D2D_STATUS_OFFSET, k)), mask, shift);
}

/* Module k's OE end leaves ACTIVE for PHYRETRAIN soon after a fault that breaks the payload. */
void await_retrain(Engine &e, unsigned k = 0) {
  assert_true(
      e.run_until([&] { return e.state(Side::Oe, k) == CPO_D2D_LTSM_STATE_PHY_RETRAIN; }, 4000));
}

/* ACTIVE with traffic flowing, as every mid-run fault starts. */
void train_and_run(Engine &e) {
  e.train();
  e.check_traffic(2000);
}

// ---- Nominal ----------------------------------------------------------------------------------

void test_engine_configuration_and_both_routes_to_the_oe(void **state) {
  (void)state;
  Engine e;
  std::printf("# engine: %u host lanes over %u D2D module(s), %u media lanes of %u bits\n", e.host_,
              e.modules_, e.media_, e.media_bits_);
  assert_int_equal(e.host_ % e.media_, 0);
  assert_int_equal(e.modules_ * e.module_lanes_, e.host_);
  assert_true(e.module_lanes_ <= 37); // what one module's done message carries
  assert_int_equal(e.media_bits_, kHostWordBits * (e.host_ / e.media_));
  assert_int_equal(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ID_OFFSET))),
                   CPO_OE_ID_MAGIC_RESET);
  assert_int_equal(field(e.rd(Engine::traffic(CPO_TRAFFIC_CONFIG_OFFSET)),
                         CPO_TRAFFIC_CONFIG_NUM_LANES_MASK, CPO_TRAFFIC_CONFIG_NUM_LANES_SHIFT),
                   e.host_);
  // the real durations are in effect unless a test scales them
  assert_int_equal(field(e.rd(Engine::d2d(Side::Asic, CPO_D2D_TIMER_OFFSET)),
                         CPO_D2D_TIMER_SHIFT_EFF_MASK, CPO_D2D_TIMER_SHIFT_EFF_SHIFT),
                   0);
  // each end's own registers at its place in the map (CONFIG.SIDE tells them apart), per module
  for (unsigned k = 0; k < e.modules_; k++) {
    assert_false(e.rd(Engine::d2d(Side::Asic, CPO_D2D_CONFIG_OFFSET, k)) &
                 CPO_D2D_CONFIG_SIDE_MASK);
    assert_true(e.rd(Engine::d2d(Side::Oe, CPO_D2D_CONFIG_OFFSET, k)) & CPO_D2D_CONFIG_SIDE_MASK);
    assert_int_equal(e.rd(Engine::ch(CPO_D2DCH_A2O_WIRE_OFFSET_N(0), k)),
                     e.rd(Engine::ch(CPO_D2DCH_A2O_WIRE_OFFSET_N(1), k)));
  }
  // addresses in no block, a module the engine does not have, and CMIS beyond its 256 bytes
  // answer PSLVERR
  uint32_t v = 0;
  assert_int_equal(e.access(false, 0x0080000u, &v), CPO_ERR_BUS);
  if (e.modules_ == 1) {
    assert_int_equal(e.access(false, Engine::d2d(Side::Asic, 0, 1), &v), CPO_ERR_BUS);
    assert_int_equal(e.access(false, Engine::d2d(Side::Oe, 0, 1), &v), CPO_ERR_BUS);
    assert_int_equal(e.access(false, Engine::ch(0, 1), &v), CPO_ERR_BUS);
  }
  assert_int_equal(e.access(false, Engine::oe(CPO_ADDRMAP_CMIS_BASE + 4u * 256u), &v), CPO_ERR_BUS);
  // CMIS (rtl/cmis) in the OE controller: byte k at word k, directly
  assert_int_equal(e.rd(Engine::oe(CPO_ADDRMAP_CMIS_BASE + 4u * CPO_CMIS_LOWER_IDENTIFIER_OFFSET)),
                   CPO_CMIS_LOWER_IDENTIFIER_RESET);
  assert_int_equal(e.rd(Engine::oe(CPO_ADDRMAP_CMIS_BASE + 4u * CPO_CMIS_LOWER_REVISION_OFFSET)),
                   CPO_CMIS_LOWER_REVISION_RESET);
  // reset: every media lane streams
  assert_int_equal(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_STREAM_EN_LO_OFFSET))),
                   0xffffffffu);
  // the converter bank: a DAC code written directly reads back through the ASIC's tunnel
  const uint32_t dac = CPO_ADDRMAP_OE_MGMT_BASE + CPO_OE_DAC_OFFSET + 1u * CPO_OE_DAC_CH_STRIDE +
                       (e.media_ - 1) * CPO_OE_DAC_IDX_STRIDE;
  e.wr(Engine::oe(dac), 0x1234);
  e.train();
  // (through module k's ASIC endpoint)
  const auto tunnel = [&](bool write, uint32_t addr, uint32_t wdata, unsigned k) {
    e.wr(Engine::d2d(Side::Asic, CPO_D2D_TUN_ADDR_OFFSET, k), addr);
    e.wr(Engine::d2d(Side::Asic, CPO_D2D_TUN_WDATA_OFFSET, k), wdata);
    uint32_t ctl =
        e.rd(Engine::d2d(Side::Asic, CPO_D2D_TUN_CTRL_OFFSET, k)) & ~CPO_D2D_TUN_CTRL_WRITE_MASK;
    e.wr(Engine::d2d(Side::Asic, CPO_D2D_TUN_CTRL_OFFSET, k),
         ctl | CPO_D2D_TUN_CTRL_GO_MASK | (write ? CPO_D2D_TUN_CTRL_WRITE_MASK : 0u));
    assert_true(e.run_until(
        [&] {
          return !(e.rd(Engine::d2d(Side::Asic, CPO_D2D_TUN_STATUS_OFFSET, k)) &
                   CPO_D2D_TUN_STATUS_BUSY_MASK);
        },
        100000));
    const uint32_t st = e.rd(Engine::d2d(Side::Asic, CPO_D2D_TUN_STATUS_OFFSET, k));
    assert_false(st & (CPO_D2D_TUN_STATUS_TIMEOUT_MASK | CPO_D2D_TUN_STATUS_ERR_MASK));
    return e.rd(Engine::d2d(Side::Asic, CPO_D2D_TUN_RDATA_OFFSET, k));
  };
  for (unsigned k = 0; k < e.modules_; k++) {
    assert_int_equal(tunnel(false, dac, 0, k), 0x1234);
    assert_int_equal(
        tunnel(false, CPO_ADDRMAP_CMIS_BASE + 4u * CPO_CMIS_LOWER_IDENTIFIER_OFFSET, 0, k),
        CPO_CMIS_LOWER_IDENTIFIER_RESET);
    tunnel(true, CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_SCRATCH_OFFSET), 0x5eed + k, k);
    assert_int_equal(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_SCRATCH_OFFSET))), 0x5eed + k);
  }
  if (e.modules_ > 1) {
    // module 1's OE endpoint, reached by module 0's tunnel through the OE controller
    assert_true(tunnel(false, CPO_ADDRMAP_OE_D2D1_ADDR(CPO_D2D_CONFIG_OFFSET), 0, 0) &
                CPO_D2D_CONFIG_SIDE_MASK);
  }
}

// ---- The external laser source (CMIS pages 1Ah/1Bh) ------------------------------------------

/* CMIS's ELS lane enable gates the laser drive in hardware: disabling lane 0 writes 0 to its
 * laser, the firmware's writes meanwhile are dropped (the DAC register keeps them), and enabling
 * it again lights nothing (laser safety: the firmware's ramp, after its fibre check, is what
 * drives it again), while CMIS's monitor reads the drive the laser has. A calibrated start reports
 * the lane on and fibre-checked (OE ELS_STATUS, CMIS 1Ah), and the OE shows the firmware what CMIS
 * set. */
void test_engine_els_lane_enable_gates_the_laser_drive(void **state) {
  (void)state;
  Engine e;
  e.board(1, 37000);
  e.run(2);
  const uint32_t status = e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ELS_STATUS_OFFSET)));
  assert_int_equal(field(status, CPO_OE_ELS_STATUS_STATE_MASK, CPO_OE_ELS_STATUS_STATE_SHIFT),
                   CPO_CMIS_ELS_LANE_STATE_ON);
  assert_int_equal(
      field(status, CPO_OE_ELS_STATUS_FIBRE_CHECKED_MASK, CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT),
      1);
  const auto cmis = [](unsigned byte) { return Engine::oe(CPO_ADDRMAP_CMIS_BASE + 4u * byte); };
  e.wr(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P1A);
  assert_int_equal(e.rd(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET)), CPO_CMIS_PAGE_P1A);
  assert_int_equal(e.rd(cmis(CPO_CMIS_P1A_ELS_LANES_OFFSET)), 1);
  assert_int_equal(e.rd(cmis(CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET)), CPO_CMIS_ELS_LANE_STATE_ON);
  assert_int_equal(e.rd(cmis(CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET)), 1);

  const uint32_t ctrl = Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ELS_CTRL_OFFSET));
  const uint32_t laser0 = Engine::oe(CPO_ADDRMAP_OE_MGMT_BASE + CPO_OE_DAC_OFFSET +
                                     CPO_DAC_LASER_CURRENT * CPO_OE_DAC_CH_STRIDE);
  assert_int_equal(field(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ELS_CONFIG_OFFSET))),
                         CPO_OE_ELS_CONFIG_LANES_MASK, CPO_OE_ELS_CONFIG_LANES_SHIFT),
                   1);
  assert_int_equal(e.rd(ctrl), 0x0101u); // lane 0 enabled, power control, nothing changed
  e.dac_writes_.clear();
  e.wr(cmis(CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET), 0x00); // disable: the drive goes to 0
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 1);
  assert_int_equal(e.dac_writes_[0].channel, CPO_DAC_LASER_CURRENT);
  assert_int_equal(e.dac_writes_[0].index, 0);
  assert_int_equal(e.dac_writes_[0].code, 0);
  assert_int_equal(field(e.rd(ctrl), CPO_OE_ELS_CTRL_ENABLE_MASK, CPO_OE_ELS_CTRL_ENABLE_SHIFT), 0);
  e.wr(laser0, 30000); // the firmware's write while disabled: dropped
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 1);
  assert_int_equal(e.rd(laser0), 30000);
  e.wr(cmis(CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET), 0x01); // enable: still dark
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 1);
  assert_int_equal(e.rd(laser0), 30000); // the register keeps what the firmware wrote
  // the firmware sees the lane was disabled (even though enabled again) until it clears the bit
  assert_int_equal(
      field(e.rd(ctrl), CPO_OE_ELS_CTRL_WAS_DISABLED_MASK, CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT), 1);
  e.wr(ctrl, CPO_OE_ELS_CTRL_WAS_DISABLED_MASK);
  assert_int_equal(e.rd(ctrl), 0x0101u);
  // a setpoint the host writes: SETPOINT_CHANGED, ELS_SETPOINT[0]
  e.wr(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P1B);
  e.wr(cmis(CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(0)), 36000 >> 8);
  e.wr(cmis(CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(0) + 1), 36000 & 0xff);
  assert_int_equal(field(e.rd(ctrl), CPO_OE_ELS_CTRL_SETPOINT_CHANGED_MASK,
                         CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT),
                   1);
  assert_int_equal(
      field(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ELS_SETPOINT_OFFSET_N(0)))),
            CPO_OE_ELS_SETPOINT_BIAS_MASK, CPO_OE_ELS_SETPOINT_BIAS_SHIFT),
      36000);
  e.wr(laser0, 31000); // enabled: straight through
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 2);
  assert_int_equal(e.dac_writes_[1].code, 31000);
  // disabled and enabled again at once: the 0 goes out, and the enable restores nothing
  e.wr(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P1A);
  e.wr(cmis(CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET), 0x00);
  e.wr(cmis(CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET), 0x01);
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 3);
  assert_int_equal(e.dac_writes_[2].code, 0);
}

/* Without an external source the pages are refused and no drive is ever gated. */
void test_engine_without_els_refuses_its_pages(void **state) {
  (void)state;
  Engine e;
  const auto cmis = [](unsigned byte) { return Engine::oe(CPO_ADDRMAP_CMIS_BASE + 4u * byte); };
  e.wr(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P1A);
  assert_int_equal(e.rd(cmis(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET)), 0);
  e.dac_writes_.clear();
  e.wr(Engine::oe(CPO_ADDRMAP_OE_MGMT_BASE + CPO_OE_DAC_OFFSET +
                  CPO_DAC_LASER_CURRENT * CPO_OE_DAC_CH_STRIDE),
       100);
  e.run(4);
  assert_int_equal(e.dac_writes_.size(), 1);
  assert_int_equal(field(e.rd(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_ELS_CONFIG_OFFSET))),
                         CPO_OE_ELS_CONFIG_LANES_MASK, CPO_OE_ELS_CONFIG_LANES_SHIFT),
                   0);
}

void test_engine_trains_with_ucie_sequence_at_real_durations(void **state) {
  (void)state;
  Engine e;
  // every module trains on its own, from the same reset: its own logs, each the UCIe sequence
  std::vector<std::vector<LogEntry>> logs(2 * e.modules_);
  const uint64_t start = e.cycles();
  assert_true(e.run_until([&] { return e.both_in(CPO_D2D_LTSM_STATE_ACTIVE); }, kTrainCycles));
  std::printf("# every module ACTIVE after %llu cycles\n",
              static_cast<unsigned long long>(e.cycles() - start));
  for (unsigned k = 0; k < e.modules_; k++) {
    logs[2 * k] = e.drain_log(Side::Asic, k);
    logs[2 * k + 1] = e.drain_log(Side::Oe, k);
  }
  for (const std::vector<LogEntry> &log : logs) {
    assert_int_equal(log.size(), cpo_d2d::kNominalSequence.size() - 1);
    assert_int_equal(log[0].from, CPO_D2D_LTSM_STATE_RESET);
    for (size_t i = 0; i < log.size(); i++)
      assert_int_equal(log[i].to, cpo_d2d::kNominalSequence[i + 1]);
  }
  std::printf("# trained at real timer durations (1 ms pattern, 8 ms residency): ACTIVE at cycle "
              "%u (ASIC log), %u (OE log)\n",
              logs[0].back().cycle, logs[1].back().cycle);
  for (unsigned k = 0; k < e.modules_; k++) {
    for (Side s : {Side::Asic, Side::Oe}) {
      assert_int_equal(status_field(e, s, CPO_D2D_STATUS_WIDTH_MASK, CPO_D2D_STATUS_WIDTH_SHIFT, k),
                       e.module_lanes_);
    }
  }
}

void test_engine_every_host_lane_error_free_end_to_end(void **state) {
  (void)state;
  Engine e;
  e.train();
  e.check_traffic(4000);
  // the media lanes carry the traffic: no media TX word is idle in ACTIVE
  for (unsigned m = 0; m < e.media_; m++)
    assert_true(e.media_tx(m) != 0);
  // an injected bit error on one host lane is counted there, once, end to end
  const unsigned lane = e.host_ - 1;
  e.wr(Engine::traffic(CPO_TRAFFIC_CNT_CLEAR_OFFSET), CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
  e.wr(Engine::traffic(CPO_TRAFFIC_LANE_INJECT_OFFSET_N(lane)),
       CPO_TRAFFIC_LANE_INJECT_INJECT_MASK | (5u << CPO_TRAFFIC_LANE_INJECT_POS_SHIFT));
  e.run(2000);
  for (unsigned l = 0; l < e.host_; l++)
    assert_int_equal(e.rd(Engine::traffic(CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l))), l == lane ? 1 : 0);
  // a parked media lane sends nothing; its host lanes lose lock, the others stay clean
  e.wr(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_STREAM_EN_LO_OFFSET)), ~1u);
  e.run(1000);
  assert_int_equal(e.media_tx(0), 0);
  const unsigned ratio = e.host_ / e.media_;
  const uint32_t locked = e.rd(Engine::traffic(CPO_TRAFFIC_LOCKED_LO_OFFSET));
  for (unsigned l = 0; l < ratio; l++)
    assert_false((locked >> l) & 1);
  e.wr(Engine::oe(CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_STREAM_EN_LO_OFFSET)), ~0u);
  e.run(1000);
  e.check_traffic(2000);
}

// ---- Fault classes, injected mid-run through the channel registers ------------------------------

void test_engine_error_burst_retrains(void **state) {
  (void)state;
  Engine e;
  train_and_run(e);
  for (unsigned w = 0; w < 4; w++)
    e.set_wire(true, w, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, false, false, false, true);
  e.wr(Engine::ch(CPO_D2DCH_A2O_BER_OFFSET), 0x40000000u);
  e.wr(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET),
       (e.rd(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET)) & ~CPO_D2DCH_A2O_CTRL_ERR_MODE_MASK) |
           (2u << CPO_D2DCH_A2O_CTRL_ERR_MODE_SHIFT));
  e.wr(Engine::ch(CPO_D2DCH_A2O_BURST_OFFSET), 300u | CPO_D2DCH_A2O_BURST_START_MASK);
  await_retrain(e);
  std::vector<LogEntry> a, o;
  e.train(&a, &o);
  for (const std::vector<LogEntry> *log : {&a, &o}) {
    assert_true(contains_step(*log, CPO_D2D_LTSM_STATE_ACTIVE, CPO_D2D_LTSM_STATE_PHY_RETRAIN));
    assert_int_equal(log->back().to, CPO_D2D_LTSM_STATE_ACTIVE);
  }
  for (Side s : {Side::Asic, Side::Oe})
    assert_int_equal(retrains(e, s), 1);
  e.check_traffic(2000);
}

void test_engine_lane_dying_repaired_onto_spare(void **state) {
  (void)state;
  Engine e;
  train_and_run(e);
  // in the last module (with two, the other one must not notice)
  const unsigned k = e.modules_ - 1;
  const unsigned dead = e.module_lanes_ / 2 + 1;
  e.set_wire(true, dead, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, true, false, false, k);
  await_retrain(e, k);
  std::vector<LogEntry> a, o;
  e.train(&a, &o, k);
  assert_true(contains_step(o, CPO_D2D_LTSM_STATE_ACTIVE, CPO_D2D_LTSM_STATE_PHY_RETRAIN));
  assert_true(
      contains_step(o, CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED, CPO_D2D_LTSM_STATE_MBTRAIN_REPAIR));
  const uint32_t bad = e.rd(Engine::d2d(Side::Oe, CPO_D2D_RX_BAD_LO_OFFSET, k));
  assert_int_equal(bad, 1u << dead);
  assert_int_equal(
      status_field(e, Side::Oe, CPO_D2D_STATUS_WIDTH_MASK, CPO_D2D_STATUS_WIDTH_SHIFT, k),
      e.module_lanes_);
  for (unsigned m = 0; m < k; m++) {
    assert_int_equal(retrains(e, Side::Asic, m), 0);
    assert_int_equal(retrains(e, Side::Oe, m), 0);
  }
  e.check_traffic(2000); // every host lane, the repaired one included
}

#if CPO_ENGINE_FAULTS
void test_engine_marginal_eye_degrades_speed(void **state) {
  (void)state;
  Engine e;
  train_and_run(e);
  // closed at the top speed, open one step down (EYE_STEP): the retrain lowers the speed
  for (int d = 0; d < 2; d++) {
    for (unsigned w = 0; w < e.module_lanes_ + 3; w++)
      e.set_wire(d == 0, w, 0, 0);
  }
  std::vector<LogEntry> a;
  e.train(&a);
  assert_true(contains_step(a, CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED,
                            CPO_D2D_LTSM_STATE_MBTRAIN_SPEED_IDLE));
  for (Side s : {Side::Asic, Side::Oe}) {
    assert_int_equal(status_field(e, s, CPO_D2D_STATUS_SPEED_MASK, CPO_D2D_STATUS_SPEED_SHIFT),
                     CPO_D2D_CAP_MAX_SPEED_RESET - 1);
  }
  e.check_traffic(2000);
}

void test_engine_too_many_bad_lanes_degrade_width(void **state) {
  (void)state;
  Engine e;
  train_and_run(e);
  // two lower lanes stuck and an upper one open: only the upper half plus the spare is whole
  const unsigned half = e.module_lanes_ / 2;
  e.set_wire(true, 1, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, false);
  e.set_wire(true, 2, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, true);
  e.set_wire(true, half + 1, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, false, false, true);
  e.train();
  for (Side s : {Side::Asic, Side::Oe}) {
    assert_int_equal(status_field(e, s, CPO_D2D_STATUS_WIDTH_MASK, CPO_D2D_STATUS_WIDTH_SHIFT),
                     half);
  }
  // the logical lanes still in use carry their host lanes error-free
  e.check_traffic(2000, half);
}

/* Both sideband directions dead from the start: both ends send SBINIT's pattern (half the time)
 * into nothing until the residency timeout puts them in TRAINERROR. A run that skips the quiet
 * cycles up to the D2D deadlines, as a parked run does, ends exactly as one clocked throughout:
 * the same states, causes and logs (cycles included), and the same training after the repair. */
void test_engine_waiting_link_skips_exactly_to_its_timers(void **state) {
  (void)state;
  constexpr uint64_t kEnd = 30000; // the residency timeout at kDeadSbShift (20000) and beyond
  uint64_t skipped = 0;
  std::vector<LogEntry> logs[2][4];
  // one engine at a time (Verilator 5.006 can hang tearing down two models' contexts)
  for (int i = 0; i < 2; i++) {
    Engine e;
    for (uint32_t ctrl : {CPO_D2DCH_A2O_CTRL_OFFSET, CPO_D2DCH_O2A_CTRL_OFFSET})
      e.wr(Engine::ch(ctrl), e.rd(Engine::ch(ctrl)) | CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK);
    e.scale_timers(kDeadSbShift);
    if (i == 0)
      e.run(kEnd - e.cycles());
    else
      skipped = e.run_skipping(kEnd);
    for (Side s : {Side::Asic, Side::Oe}) {
      assert_int_equal(e.state(s), CPO_D2D_LTSM_STATE_TRAIN_ERROR);
      const uint32_t err = e.rd(Engine::d2d(s, CPO_D2D_ERR_STATUS_OFFSET));
      assert_int_equal(field(err, CPO_D2D_ERR_STATUS_CAUSE_MASK, CPO_D2D_ERR_STATUS_CAUSE_SHIFT),
                       1);
      logs[i][s == Side::Asic ? 0 : 1] = e.drain_log(s);
    }
    // the sideband is back: a link reset from the host side trains both ends
    for (uint32_t ctrl : {CPO_D2DCH_A2O_CTRL_OFFSET, CPO_D2DCH_O2A_CTRL_OFFSET})
      e.wr(Engine::ch(ctrl), e.rd(Engine::ch(ctrl)) & ~CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK);
    e.wr(Engine::d2d(Side::Asic, CPO_D2D_CMD_OFFSET), CPO_D2D_CMD_LINK_RESET_MASK);
    e.train(&logs[i][2], &logs[i][3]);
    if (i == 1)
      e.check_traffic(2000);
  }
  std::printf("# %llu of %llu cycles skipped while the link waited\n",
              static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(kEnd));
  assert_true(skipped > kEnd / 5);
  for (int j = 0; j < 4; j++) {
    assert_int_equal(logs[0][j].size(), logs[1][j].size());
    for (size_t n = 0; n < logs[0][j].size(); n++) {
      assert_int_equal(logs[0][j][n].cycle, logs[1][j][n].cycle);
      assert_int_equal(logs[0][j][n].from, logs[1][j][n].from);
      assert_int_equal(logs[0][j][n].to, logs[1][j][n].to);
    }
  }
}

void test_engine_dead_sideband_trainerror_and_reset_recovers(void **state) {
  (void)state;
  Engine e;
  e.scale_timers(kDeadSbShift);
  train_and_run(e);
  // the ASIC -> OE sideband dies, then the ASIC asks for a retrain: PHYRETRAIN cannot be
  // exchanged and the ASIC outstays the residency timeout
  e.wr(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET),
       e.rd(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET)) | CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK);
  e.wr(Engine::d2d(Side::Asic, CPO_D2D_CMD_OFFSET), CPO_D2D_CMD_RETRAIN_MASK);
  assert_true(e.run_until([&] { return e.state(Side::Asic) == CPO_D2D_LTSM_STATE_TRAIN_ERROR; },
                          3 * Engine::residency_cycles(kDeadSbShift)));
  const uint32_t err = e.rd(Engine::d2d(Side::Asic, CPO_D2D_ERR_STATUS_OFFSET));
  assert_int_equal(field(err, CPO_D2D_ERR_STATUS_CAUSE_MASK, CPO_D2D_ERR_STATUS_CAUSE_SHIFT), 1);
  e.drain_log(Side::Asic);
  e.drain_log(Side::Oe);
  // the sideband is back: a link reset from the host side retrains both ends
  e.wr(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET),
       e.rd(Engine::ch(CPO_D2DCH_A2O_CTRL_OFFSET)) & ~CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK);
  e.wr(Engine::d2d(Side::Asic, CPO_D2D_CMD_OFFSET), CPO_D2D_CMD_LINK_RESET_MASK);
  e.train();
  e.check_traffic(2000);
}
#endif

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_engine_configuration_and_both_routes_to_the_oe),
    cmocka_unit_test(test_engine_els_lane_enable_gates_the_laser_drive),
    cmocka_unit_test(test_engine_without_els_refuses_its_pages),
    cmocka_unit_test(test_engine_trains_with_ucie_sequence_at_real_durations),
    cmocka_unit_test(test_engine_every_host_lane_error_free_end_to_end),
    cmocka_unit_test(test_engine_error_burst_retrains),
    cmocka_unit_test(test_engine_lane_dying_repaired_onto_spare),
#if CPO_ENGINE_FAULTS
    cmocka_unit_test(test_engine_marginal_eye_degrades_speed),
    cmocka_unit_test(test_engine_too_many_bad_lanes_degrade_width),
    cmocka_unit_test(test_engine_dead_sideband_trainerror_and_reset_recovers),
    cmocka_unit_test(test_engine_waiting_link_skips_exactly_to_its_timers),
#endif
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
