// The CMIS host driver (host/cmis) against the real CMIS block: cpo_cmis verilated at 32 lanes
// (tests/cmis's cpo_cmis_tb) behind a HAL backend whose time is the block's cycle_i. An access
// is the block's APB transfer, clocked until PREADY; a sleep jumps cycle_i to the block's
// next_event_o (as a parked engine skips cycles) and clocks only where the block acts. A cycle is
// 1 us, so a cold bring-up's ~0.3 s of simulated time costs milliseconds of wall time.
//
// Covers what a firmware developer's host stack meets: bring-up within the advertised durations,
// LowPwr and back, software reset, the module fault path, CDB (complete, failed, checksum
// error, busy seen), latched flags cleared on read, and errors that name lane, state and bound.
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "Vcpo_cmis_tb.h"
#include "cmocka_cpp.h"
#include "cpo/cmis.h"
#include "cpo/harness/sim.h"

namespace {

constexpr unsigned kLanes = 32;
constexpr uint64_t kMaxAccessCycles = 100000; // far above the 39 us of a random read

// The backend: the verilated block and its clock, as a HAL (cpo_hal_ops_t).
struct Block {
  cpo::harness::Sim<Vcpo_cmis_tb> sim;
  uint64_t now = 0;
  cpo_config_t cfg{};
  char err[160] = "";
  uint64_t accesses = 0;

  Block() {
    cfg.lanes = kLanes;
    cfg.symbols_per_cycle = 1;
    cfg.baud_hz = 1000000; // a cycle is 1 us
    auto &t = sim.top();
    t.cycles_per_us_i = 1u << 16;
    t.bus_bit_ps_i = 1000000; // a two-wire interface at 1 MHz
    t.bus_header_bit_ps_i = 1000000;
    t.tx_tap_scale_q16_i = 1u << 16; // a tap code is 0.1 uW of Tx power
    t.cal_done_i = 0xffffffffu;
    t.rx_lock_i = 0xffffffffu;
    t.temp_code_i = 29815;                      // 298.15 K: 25 degC
    t.vcc_code_i = 3300;                        // 3.3 V
    for (unsigned w = 0; w < kLanes / 2; w++) { // 1 mW out (and at the taps), 50 mA, 0.5 mW in
      t.tx_power_code_i[w] = 100u | 100u << 16;
      t.tx_tap_code_i[w] = 10000u | 10000u << 16;
      t.tx_bias_code_i[w] = 5000u | 5000u << 16;
      t.rx_power_code_i[w] = 5000u | 5000u << 16;
    }
    t.cycle_i = 0;
    sim.reset(2);
  }
  Vcpo_cmis_tb &top() {
    return sim.top();
  }
  void tick() {
    top().cycle_i = now;
    sim.tick();
    now++;
  }
  // Up to @until: clock where the block acts, jump where it waits on its own deadline.
  void advance(uint64_t until) {
    while (now < until) {
      top().cycle_i = now;
      top().eval();
      const uint64_t due = top().next_event_o;
      if (due > now)
        now = due < until ? due : until;
      else
        tick();
    }
  }
  cpo_status_t access(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata) {
    accesses++;
    const uint32_t off = addr - CPO_CMIS_ENGINE_BASE;
    if (addr < CPO_CMIS_ENGINE_BASE || off >= 256u * 4u || off % 4u) {
      snprintf(err, sizeof err, "0x%08x is outside the CMIS window", addr);
      return CPO_ERR_BUS;
    }
    auto &t = top();
    t.psel_i = 1;
    t.penable_i = 0;
    t.pwrite_i = write;
    t.paddr_i = off;
    t.pwdata_i = wdata;
    tick();
    t.penable_i = 1;
    for (uint64_t start = now; now - start < kMaxAccessCycles;) {
      t.cycle_i = now;
      t.eval();
      if (t.pready_o) {
        const uint32_t v = t.prdata_o;
        const bool slverr = t.pslverr_o;
        tick();
        t.psel_i = t.penable_i = 0;
        if (slverr) {
          snprintf(err, sizeof err, "PSLVERR at 0x%08x", addr);
          return CPO_ERR_BUS;
        }
        if (rdata)
          *rdata = v;
        return CPO_OK;
      }
      tick(); // clocked through the bus time, as the synchroniser clocks an access today
    }
    snprintf(err, sizeof err, "access to 0x%08x never completed", addr);
    return CPO_ERR_TIMEOUT;
  }
};

Block *s_block(void *self) {
  return static_cast<Block *>(self);
}

const cpo_hal_ops_t kOps = {
    [](void *self, uint32_t addr, uint32_t *data) {
      return s_block(self)->access(false, addr, 0, data);
    },
    [](void *self, uint32_t addr, uint32_t data) {
      return s_block(self)->access(true, addr, data, nullptr);
    },
    [](void *self, uint64_t cycles) {
      s_block(self)->advance(s_block(self)->now + cycles);
      return CPO_OK;
    },
    [](const void *self) { return static_cast<const Block *>(self)->now; },
    [](const void *self) -> const cpo_config_t * { return &static_cast<const Block *>(self)->cfg; },
    [](const void *self) -> const char * { return static_cast<const Block *>(self)->err; },
    nullptr,
};

// A driver over a fresh block, probed.
struct Host {
  Block block;
  cpo_hal_t *hal = nullptr;
  cpo_cmis_t *c = nullptr;
  Host() {
    assert_int_equal(cpo_hal_create(&kOps, &block, &hal), CPO_OK);
    assert_int_equal(cpo_cmis_create(hal, CPO_CMIS_ENGINE_BASE, &c), CPO_OK);
    ok(cpo_cmis_probe(c));
  }
  ~Host() {
    cpo_cmis_destroy(&c);
    cpo_hal_close(&hal);
  }
  void ok(cpo_status_t rc) {
    if (rc != CPO_OK)
      fail_msg("%s: %s", cpo_status_str(rc), cpo_cmis_error(c));
  }
  unsigned moduleState() {
    unsigned st = 0;
    ok(cpo_cmis_module_state(c, &st));
    return st;
  }
  void expectDpStates(unsigned want) {
    uint8_t st[CPO_CMIS_MAX_LANES];
    ok(cpo_cmis_dp_states(c, st));
    for (unsigned l = 0; l < kLanes; l++)
      if (st[l] != want)
        fail_msg("lane %u: data-path state %u, expected %u", l + 1, st[l], want);
  }
  double ms() const {
    return static_cast<double>(block.now) / 1000.0;
  }
  void expectError(const char *part) {
    if (!strstr(cpo_cmis_error(c), part))
      fail_msg("error \"%s\" does not say \"%s\"", cpo_cmis_error(c), part);
  }
};

void test_probe_parses_what_the_block_advertises(void **) {
  Host h;
  const cpo_cmis_info_t *i = cpo_cmis_info(h.c);
  assert_int_equal(i->identifier, 0x80);
  assert_int_equal(i->banks, kLanes / 8);
  assert_int_equal(i->lanes, kLanes);
  assert_true(i->apps.count >= 1);
  assert_int_equal(i->dur.module_pwr_up_ms, 500);
  assert_int_equal(i->dur.dp_init_ms, 1000);
}

void test_bringup_activates_every_lane_within_the_advertised_durations(void **) {
  Host h;
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.expectDpStates(CPO_CMIS_DP_STATE_ACTIVATED);
  assert_int_equal(h.block.top().stream_en_o, 0xffffffffu);
  const cpo_cmis_durations_t &d = cpo_cmis_info(h.c)->dur;
  const double bound_ms =
      d.module_pwr_up_ms + d.dp_tx_off_ms + d.dp_deinit_ms + 2.0 * d.dp_init_ms + d.dp_tx_on_ms;
  if (!(h.ms() < bound_ms))
    fail_msg("bring-up took %.3f ms, the advertised durations sum to %.0f ms", h.ms(), bound_ms);
}

void test_low_power_and_back(void **) {
  Host h;
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.ok(cpo_cmis_set_low_power(h.c, true));
  assert_int_equal(h.moduleState(), CPO_CMIS_MODULE_STATE_LOW_PWR);
  h.expectDpStates(CPO_CMIS_DP_STATE_DEACTIVATED);
  assert_int_equal(h.block.top().stream_en_o, 0);
  h.ok(cpo_cmis_set_low_power(h.c, false));
  assert_int_equal(h.moduleState(), CPO_CMIS_MODULE_STATE_READY);
  h.ok(cpo_cmis_bringup(h.c, 1)); // and up again from Ready
  h.expectDpStates(CPO_CMIS_DP_STATE_ACTIVATED);
}

void test_software_reset_returns_to_low_power_and_reselects(void **) {
  Host h;
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.ok(cpo_cmis_reset(h.c));
  assert_int_equal(h.moduleState(), CPO_CMIS_MODULE_STATE_LOW_PWR);
  uint8_t ctrl = 0;
  h.ok(cpo_cmis_read(h.c, 0, 0, CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, &ctrl, 1));
  assert_int_equal(ctrl, CPO_CMIS_LOWER_MODULE_CONTROL_RESET);
  // The driver forgot its selection: page 11h of bank 3 is selected again, not assumed.
  h.expectDpStates(CPO_CMIS_DP_STATE_DEACTIVATED);
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.expectDpStates(CPO_CMIS_DP_STATE_ACTIVATED);
}

void test_module_fault_is_named_and_cleared_by_reset(void **) {
  Host h;
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.block.top().fault_i = 1; // an input the block sees at its next clock
  h.block.tick();
  h.block.tick();
  h.block.top().fault_i = 0;
  assert_int_equal(h.moduleState(), CPO_CMIS_MODULE_STATE_FAULT);
  h.expectDpStates(CPO_CMIS_DP_STATE_DEACTIVATED);
  assert_int_equal(cpo_cmis_check_fault(h.c), CPO_ERR_STATE);
  h.expectError("ModuleFault, fault cause 0x20");
  h.expectError("a software reset clears it");
  assert_int_equal(cpo_cmis_bringup(h.c, 1), CPO_ERR_STATE); // refuses, naming the fault
  h.expectError("ModuleFault");
  h.ok(cpo_cmis_reset(h.c));
  h.ok(cpo_cmis_check_fault(h.c));
  h.ok(cpo_cmis_bringup(h.c, 1));
  h.expectDpStates(CPO_CMIS_DP_STATE_ACTIVATED);
}

void test_cdb_complete_failed_and_checksum_error(void **) {
  Host h;
  uint8_t lock = 0xAA;
  h.ok(cpo_cmis_cdb_query_status(h.c, &lock));
  assert_int_equal(lock, 0);
  cpo_cmis_fw_info_t fw;
  h.ok(cpo_cmis_cdb_fw_info(h.c, &fw));
  assert_int_equal(fw.a_major, CPO_CMIS_LOWER_FW_REVISION_RESET >> 8);
  // An unknown command fails with its status named.
  uint8_t st = 0;
  assert_int_equal(cpo_cmis_cdb(h.c, 0x1234, nullptr, 0, nullptr, 0, nullptr, &st), CPO_ERR_STATE);
  assert_int_equal(st, CPO_CMIS_CDB_STATUS_FAILED_UNKNOWN_CMD);
  h.expectError("CDB 1234h failed: status 0x41 (failed: command code unknown)");
  // A wrong CdbChkCode, written by hand: busy first, then failed with the checksum code.
  uint8_t hdr[6] = {0, 0, 0, 0x00, 0, 0}; // EPL, LPL lengths 0; check code 0 (should be 0xFF)
  h.ok(cpo_cmis_write(h.c, 0, CPO_CMIS_PAGE_P9F, CPO_CMIS_P9F_CDB_CMD_OFFSET + 2, hdr, 6));
  const uint8_t cmd[2] = {0, 0};
  h.ok(cpo_cmis_write(h.c, 0, CPO_CMIS_PAGE_P9F, CPO_CMIS_P9F_CDB_CMD_OFFSET, cmd, 2));
  h.ok(cpo_cmis_read(h.c, 0, 0, CPO_CMIS_LOWER_CDB_STATUS_OFFSET, &st, 1));
  if (!(st & CPO_CMIS_LOWER_CDB_STATUS_BUSY_MASK))
    fail_msg("CDB status 0x%02x right after the command ID, expected busy", st);
  for (unsigned k = 0; k < 100 && (st & CPO_CMIS_LOWER_CDB_STATUS_BUSY_MASK); k++) {
    h.ok(cpo_hal_sleep_ns(h.hal, 100000));
    h.ok(cpo_cmis_read(h.c, 0, 0, CPO_CMIS_LOWER_CDB_STATUS_OFFSET, &st, 1));
  }
  assert_int_equal(st, CPO_CMIS_CDB_STATUS_FAILED_CHECKSUM);
  // The driver's own check codes are right: the next command completes.
  h.ok(cpo_cmis_cdb_query_status(h.c, &lock));
}

void test_flags_latch_and_clear_on_read(void **) {
  Host h;
  cpo_cmis_flags_t f;
  h.ok(cpo_cmis_flags(h.c, &f)); // clear what power-on latched
  // 80 degC: past the 75 degC high alarm and the 70 degC high warning, for one monitor sample.
  h.block.top().temp_code_i = 35315;
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000)); // two 10 ms monitor periods
  h.block.top().temp_code_i = 29815;
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000));
  h.ok(cpo_cmis_flags(h.c, &f));
  assert_int_equal(f.temp_vcc & 0x0F, 0x05); // high alarm (bit 0) and high warning (bit 2)
  char text[512];
  cpo_cmis_flags_describe(&f, text, sizeof text);
  assert_non_null(strstr(text, "temperature high alarm"));
  h.ok(cpo_cmis_flags(h.c, &f)); // cleared by the read, the temperature back in range
  assert_int_equal(f.temp_vcc, 0);
  // A lane's Rx power past its high alarm latches that lane's flag only.
  h.block.top().rx_power_code_i[13 / 2] |= 60000u << 16; // lane 14: 6 mW
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000));
  h.ok(cpo_cmis_flags(h.c, &f));
  assert_int_equal(f.rx_power[0], 1ull << 13);
  cpo_cmis_flags_describe(&f, text, sizeof text);
  assert_non_null(strstr(text, "lane 14: Rx power high alarm"));
}

// Thresholds are the host's: lowered through the driver, the nominal 0.5 mW in crosses the Rx
// power high alarm; the flag latches, asserts IntL, clears when read; masked, it still latches
// but IntL stays deasserted.
void test_host_thresholds_and_masks(void **) {
  Host h;
  cpo_cmis_flags_t f;
  bool intl = true;
  h.ok(cpo_cmis_flags(h.c, &f)); // clear what power-on latched
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000));
  h.ok(cpo_cmis_interrupt(h.c, &intl));
  assert_false(intl);
  cpo_cmis_thresholds_t t;
  h.ok(cpo_cmis_thresholds(h.c, &t));
  assert_true(t.rx_power_w.high_alarm > 4.9e-3 && t.rx_power_w.high_alarm < 5.1e-3);
  t.rx_power_w.high_alarm = 0.4e-3; // below the 0.5 mW every lane receives
  h.ok(cpo_cmis_set_thresholds(h.c, &t));
  cpo_cmis_thresholds_t back;
  h.ok(cpo_cmis_thresholds(h.c, &back));
  assert_true(back.rx_power_w.high_alarm > 0.399e-3 && back.rx_power_w.high_alarm < 0.401e-3);
  assert_true(back.temp_degc.high_alarm == t.temp_degc.high_alarm);
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000));
  h.ok(cpo_cmis_interrupt(h.c, &intl));
  assert_true(intl);
  h.ok(cpo_cmis_flags(h.c, &f));
  assert_int_equal(f.rx_power[0], (1ull << kLanes) - 1); // every lane's high alarm
  assert_int_equal(f.rx_power[2], 0);                    // not its high warning (4 mW)
  h.ok(cpo_cmis_flags(h.c, &f));
  assert_int_equal(f.rx_power[0], 0); // cleared by the read (no sample in between)
  // masked on every lane: latched, but IntL deasserted
  h.ok(cpo_cmis_set_lane_mask(h.c, CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET, (1ull << kLanes) - 1));
  h.ok(cpo_hal_sleep_ns(h.hal, 20000000));
  h.ok(cpo_cmis_interrupt(h.c, &intl));
  assert_false(intl);
  h.ok(cpo_cmis_flags(h.c, &f));
  assert_int_equal(f.rx_power[0], (1ull << kLanes) - 1);
  assert_int_equal(cpo_cmis_set_lane_mask(h.c, 153, 0), CPO_ERR_RANGE);
  h.expectError("page 11h byte 153 is not a lane flag");
}

void test_a_lane_stuck_in_dpinit_is_named_with_its_state_and_bound(void **) {
  Host h;
  h.block.top().cal_done_i = ~(1u << 4); // lane 5's calibration never reports done
  assert_int_equal(cpo_cmis_bringup(h.c, 1), CPO_ERR_TIMEOUT);
  h.expectError("lane 5: DPInit (2) after 10");
  h.expectError("expected DPInitialized within MaxDurationDPInit = 1000 ms");
  // The module latched the data-path firmware fault: check_fault names it.
  assert_int_equal(cpo_cmis_check_fault(h.c), CPO_ERR_STATE);
  h.expectError("data-path firmware fault latched");
}

void test_an_unadvertised_application_is_refused_before_any_write(void **) {
  Host h;
  const uint64_t before = h.block.accesses;
  const unsigned apps = cpo_cmis_info(h.c)->apps.count;
  assert_int_equal(cpo_cmis_bringup(h.c, apps + 1), CPO_ERR_RANGE);
  h.expectError("the module advertises applications 1-");
  assert_int_equal(h.block.accesses, before);
}

} // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_probe_parses_what_the_block_advertises),
      cmocka_unit_test(test_bringup_activates_every_lane_within_the_advertised_durations),
      cmocka_unit_test(test_low_power_and_back),
      cmocka_unit_test(test_software_reset_returns_to_low_power_and_reselects),
      cmocka_unit_test(test_module_fault_is_named_and_cleared_by_reset),
      cmocka_unit_test(test_cdb_complete_failed_and_checksum_error),
      cmocka_unit_test(test_flags_latch_and_clear_on_read),
      cmocka_unit_test(test_host_thresholds_and_masks),
      cmocka_unit_test(test_a_lane_stuck_in_dpinit_is_named_with_its_state_and_bound),
      cmocka_unit_test(test_an_unadvertised_application_is_refused_before_any_write),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
