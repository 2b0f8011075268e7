/* The engine behind the synchroniser's design interface (testbenches/engine_design.h), run by
 * cpo_sync_run as `cpoemu run --direct` runs the lanes design: no model, RX = TX delayed by L.
 * The D2D link trains at its real timer durations inside the run; after it, every host lane
 * (ASIC traffic -> D2D -> gearbox -> media lanes -> loopback -> back) counts bits without one
 * error, and the D2D state of both ends of every module, read through the design's bus, is
 * ACTIVE. Built once per variant (CPO_ENGINE_DESIGN: an alias of engine_design.h). */
#include <cstdio>
#include <vector>

#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"
#include "engine_design.h"

extern "C" {
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
}

namespace {

using Design = CPO_ENGINE_DESIGN;
constexpr uint32_t kL = 492;           // cycles TX -> RX, about L at 1 GHz
constexpr uint32_t kQ = kL / 4;        // quantum
constexpr uint64_t kRunCycles = 40000; // a clean training takes ~10k cycles (tests/engine)
constexpr uint64_t kSettleCycles = 3 * kL + 1000; // after link-up: the first words' round trip
constexpr uint32_t kBusMaxCycles = 100000;

/* Watches the run through the design interface: remembers TX (to keep the loopback going after
 * the run, for the bus reads) and takes the checkers' counters once the link has been up long
 * enough, so that only what follows training counts. */
class Probe {
public:
  explicit Probe(Design &d) : d_(d), inner_(d.ops()), ring_(size_t{kL} * Design::kLanes, 0) {}

  /* The design's interface with every call passing through the probe. */
  cpo_design_ops_t ops() {
    cpo_design_ops_t o{};
    o.self = this;
    o.step = &s_step;
    o.bus_start = [](void *p, bool write, uint32_t addr, uint32_t wdata) {
      const cpo_design_ops_t &i = static_cast<Probe *>(p)->inner_;
      i.bus_start(i.self, write, addr, wdata);
    };
    o.bus_done = [](void *p, uint32_t *rdata, bool *slverr) {
      const cpo_design_ops_t &i = static_cast<Probe *>(p)->inner_;
      return i.bus_done(i.self, rdata, slverr);
    };
    o.dac_preset = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
      const cpo_design_ops_t &i = static_cast<Probe *>(p)->inner_;
      return i.dac_preset(i.self, channel, index, code);
    };
    o.adc_set = [](void *p, uint16_t channel, uint16_t index, uint32_t code) {
      const cpo_design_ops_t &i = static_cast<Probe *>(p)->inner_;
      return i.adc_set(i.self, channel, index, code);
    };
    o.dac_take = [](void *p, cpo_analog_write_t *out, uint32_t max) {
      const cpo_design_ops_t &i = static_cast<Probe *>(p)->inner_;
      return i.dac_take(i.self, out, max);
    };
    return o;
  }

  /* Step after the run, RX still TX delayed by L. */
  void step_loopback() {
    uint64_t *slot = &ring_[(cycle_ % kL) * Design::kLanes];
    std::vector<uint64_t> rx(slot, slot + Design::kLanes);
    step(1, rx.data(), slot);
  }

  /* One register access through the design's bus. */
  uint32_t access(bool write, uint32_t addr, uint32_t wdata = 0) {
    inner_.bus_start(inner_.self, write, addr, wdata);
    uint32_t rdata = 0;
    bool slverr = true;
    for (uint32_t i = 0; i < kBusMaxCycles; i++) {
      step_loopback();
      if (inner_.bus_done(inner_.self, &rdata, &slverr)) {
        if (slverr)
          std::printf("# access 0x%07x: PSLVERR\n", addr);
        assert_false(slverr);
        return rdata;
      }
    }
    fail_msg("access 0x%07x did not complete in %u cycles", addr, kBusMaxCycles);
    return 0;
  }

  uint64_t cycle_ = 0, up_at_ = 0, snap_at_ = 0;
  bool up_ = false, snapped_ = false;
  std::vector<uint64_t> bits0_, errs0_;

private:
  static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx) {
    static_cast<Probe *>(self)->step(count, rx, tx);
  }
  void step(uint32_t count, const uint64_t *rx, uint64_t *tx) {
    inner_.step(inner_.self, count, rx, tx);
    for (uint32_t c = 0; c < count; c++) {
      const uint64_t *w = &tx[size_t{c} * Design::kLanes];
      std::copy(w, w + Design::kLanes, &ring_[((cycle_ + c) % kL) * Design::kLanes]);
    }
    cycle_ += count;
    if (!up_ && d_.linkUp()) {
      up_ = true;
      up_at_ = cycle_;
      std::printf("# every D2D module up at both ends by cycle %llu\n",
                  static_cast<unsigned long long>(cycle_));
    }
    if (up_ && !snapped_ && cycle_ >= up_at_ + kSettleCycles) {
      snapped_ = true;
      snap_at_ = cycle_;
      for (uint32_t l = 0; l < Design::kHostLanes; l++) {
        bits0_.push_back(d_.laneBits(l));
        errs0_.push_back(d_.laneErrors(l));
      }
    }
  }

  Design &d_;
  cpo_design_ops_t inner_;
  std::vector<uint64_t> ring_; // the last L cycles of TX
};

uint32_t field(uint32_t v, uint32_t mask, unsigned shift) {
  return (v & mask) >> shift;
}

void test_engine_design_direct_loopback_every_host_lane_error_free(void **state) {
  (void)state;
  Design d(nullptr);
  Probe p(d);
  const cpo_design_ops_t ops = p.ops();
  cpo_config_t cfg{};
  cfg.lanes = Design::kLanes;
  cfg.bits_per_symbol = 2; // PAM4
  cfg.symbols_per_cycle = Design::kWordBits / 2;
  cfg.latency_cycles = kL;
  cfg.quantum_cycles = kQ;
  cfg.seed = 1;
  cfg.total_cycles = kRunCycles;
  cfg.baud_hz = 1000000000ull * cfg.symbols_per_cycle; // a 1 GHz datapath clock
  cpo_sync_opts_t so{};
  so.direct_loopback = true;
  cpo_sync_result_t r{};
  const cpo_status_t rc = cpo_sync_run(nullptr, &cfg, &ops, &so, &r);
  if (rc != CPO_OK)
    std::printf("# cpo_sync_run: %s\n", r.error);
  assert_int_equal(rc, CPO_OK);
  assert_int_equal(r.cycles, kRunCycles);
  assert_int_equal(p.cycle_, kRunCycles);
  std::printf("# %u host lanes over %u media lanes of %u bits: %llu cycles in %.2f s\n",
              Design::kHostLanes, Design::kLanes, Design::kWordBits,
              static_cast<unsigned long long>(r.cycles), r.wall_s);

  // trained, and error-free from the round trip after link-up to the end of the run
  assert_true(p.snapped_);
  const uint64_t span = kRunCycles - p.snap_at_;
  for (uint32_t l = 0; l < Design::kHostLanes; l++) {
    const uint64_t bits = d.laneBits(l) - p.bits0_[l], errs = d.laneErrors(l) - p.errs0_[l];
    if (!d.laneLocked(l) || errs != 0 || bits < span / 2 * Design::kHostWordBits)
      std::printf("# host lane %u: locked %d bits %llu errors %llu\n", l, d.laneLocked(l),
                  static_cast<unsigned long long>(bits), static_cast<unsigned long long>(errs));
    assert_true(d.laneLocked(l));
    assert_int_equal(errs, 0);
    assert_true(bits >= span / 2 * Design::kHostWordBits);
  }
  std::printf("# every host lane error-free for the last %llu cycles\n",
              static_cast<unsigned long long>(span));

  // through the bus: the build's shape, and every module ACTIVE at both ends
  const uint32_t oe_cfg =
      p.access(false, CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_CONFIG_OFFSET));
  assert_int_equal(field(oe_cfg, CPO_OE_CONFIG_HOST_LANES_MASK, CPO_OE_CONFIG_HOST_LANES_SHIFT),
                   Design::kHostLanes);
  assert_int_equal(field(oe_cfg, CPO_OE_CONFIG_MEDIA_LANES_MASK, CPO_OE_CONFIG_MEDIA_LANES_SHIFT),
                   Design::kLanes);
  assert_int_equal(
      field(oe_cfg, CPO_OE_CONFIG_MEDIA_WORD_BITS_MASK, CPO_OE_CONFIG_MEDIA_WORD_BITS_SHIFT),
      Design::kWordBits);
  const uint32_t modules = field(
      p.access(false, CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_D2D_OFFSET)),
      CPO_OE_D2D_MODULES_MASK, CPO_OE_D2D_MODULES_SHIFT);
  const uint32_t status[2][2] = {
      {CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_STATUS_OFFSET),
       CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D_ADDR(CPO_D2D_STATUS_OFFSET)},
      {CPO_ADDRMAP_ENGINE_ASIC_D2D1_ADDR(CPO_D2D_STATUS_OFFSET),
       CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D1_ADDR(CPO_D2D_STATUS_OFFSET)}};
  assert_true(modules >= 1 && modules <= 2);
  for (uint32_t k = 0; k < modules; k++) {
    for (uint32_t addr : status[k]) {
      const uint32_t st =
          field(p.access(false, addr), CPO_D2D_STATUS_STATE_MASK, CPO_D2D_STATUS_STATE_SHIFT);
      std::printf("# module %u, 0x%07x: state %u\n", k, addr, st);
      assert_int_equal(st, CPO_D2D_LTSM_STATE_ACTIVE);
    }
    // and it has not retrained since
    assert_int_equal(
        field(p.access(false, status[k][0] - CPO_D2D_STATUS_OFFSET + CPO_D2D_TRAIN_CNT_OFFSET),
              CPO_D2D_TRAIN_CNT_RETRAINS_MASK, CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT),
        0);
  }
  // the traffic counters the host sees agree with the checkers' ports
  assert_int_equal(p.access(false, CPO_ADDRMAP_ENGINE_TRAFFIC_ADDR(
                                       CPO_TRAFFIC_LANE_ERRS_OFFSET_N(Design::kHostLanes - 1))),
                   static_cast<uint32_t>(d.laneErrors(Design::kHostLanes - 1)));
}

} // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_engine_design_direct_loopback_every_host_lane_error_free),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
