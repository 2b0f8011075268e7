/* CMIS in the engine, end to end (rtl/cmis inside rtl/engine's OE controller): the engine
 * behind the synchroniser's design interface (testbenches/engine_design.h) run by cpo_sync_run
 * (RX = TX delayed by L) with a host attached over inproc, whose firmware brings the engine up
 * through CMIS as CMIS.md's host does: CMIS gates the media lanes (OE CMIS_CTRL.BYPASS = 0),
 * identifier byte 0 reads 0x80, every data path held deinitialised with Tx disabled, low power
 * left, Ready awaited, application 1 staged on every lane and applied (ApplyDPInit), DPDeinit
 * cleared, Initialized awaited, Tx enabled, Activated awaited: each wait polled with sleeps
 * within the duration page 01h advertises, and each transition checked done within it in
 * simulated cycles. The media lanes then stream (every host lane's checker counts bits through
 * the loopback), and the parked time cost only its events: the synchroniser skipped far more
 * cycles than it clocked, the tail after the host parked the lanes and detached included. At
 * the real datapath clock (13.28 GHz) a CMIS byte's bus time (39 us: half a million cycles) is
 * skipped too, as a deadline of the design, with the same event_hash over inproc and ipc and
 * at two quanta. Built once per variant (CPO_ENGINE_DESIGN: an alias of engine_design.h). */
#include <cinttypes>
#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/context.h"
#include "cpo/hal.h"
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
constexpr uint32_t kL = 492; // cycles TX -> RX, about L at 1 GHz
// CMIS's durations and bus times are in microseconds, the D2D timers in cycles: a slow clock
// (10 MHz) and the real one (75.3 ps cycles, as the 8x200G profile's).
constexpr uint64_t kSlowClockHz = 10'000'000;
constexpr uint64_t kRealClockHz = 13'281'250'000;
constexpr uint64_t kRunSeconds = 3;        // more than every advertised duration
constexpr uint32_t kPollsPerDuration = 50; // poll interval = advertised duration / this
constexpr uint32_t kBanks = (Design::kLanes + 7) / 8;

uint32_t cmis_addr(uint32_t byte) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_CMIS_BASE + 4u * byte;
}

/* What the host saw, for the test thread to check once the run is over. */
struct Outcome {
  std::string failed; // the first step that failed, and why ("" if none)
  std::string failed_before_park;
  uint32_t identifier = 0;
  uint64_t adv_cycles[3] = {}; // advertised PwrUp, DPInit, TxTurnOn, in cycles
  uint64_t took_cycles[3] = {};
  uint32_t config_status_bad = 0; // lanes whose config status was not success
  uint32_t host_lanes_counting = 0;
};

/* The host's firmware over the HAL; each step records the first failure. */
class Firmware {
public:
  /** @p stream: the activated lanes stream (and their checkers count); otherwise OE STREAM_EN
   *  keeps every lane parked through the whole bring-up. */
  Firmware(cpo_hal_t *hal, Outcome &out, bool stream) : hal_(hal), out_(out), stream_(stream) {}

  uint32_t rd(const char *step, uint32_t addr) {
    uint32_t v = 0;
    if (out_.failed.empty() && cpo_hal_read(hal_, addr, &v) != CPO_OK)
      failed_at(step);
    return v;
  }
  void wr(const char *step, uint32_t addr, uint32_t v) {
    if (out_.failed.empty() && cpo_hal_write(hal_, addr, v) != CPO_OK)
      failed_at(step);
  }
  void sleep(const char *step, uint64_t cycles) {
    if (out_.failed.empty() && cpo_hal_sleep_cycles(hal_, cycles) != CPO_OK)
      failed_at(step);
  }
  uint64_t now() const {
    return cpo_hal_now_cycles(hal_);
  }
  uint64_t ms_cycles(uint32_t ms) const {
    return cpo_hal_ns_to_cycles(hal_, uint64_t{ms} * 1000000u);
  }
  void select(uint32_t bank, uint32_t page) {
    wr("bank select", cmis_addr(CPO_CMIS_LOWER_BANK_SELECT_OFFSET), bank);
    wr("page select", cmis_addr(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), page);
  }
  /* Poll until @p done(), sleeping 1/kPollsPerDuration of @p adv between polls; the cycles it
   * took from @p t0 (a failure if it is not done within adv). */
  template <typename F> uint64_t wait(const char *step, uint64_t t0, uint64_t adv, F done) {
    while (out_.failed.empty()) {
      if (done())
        return now() - t0;
      if (now() - t0 > adv) {
        out_.failed = std::string(step) + ": not done within the advertised duration";
        break;
      }
      sleep(step, adv / kPollsPerDuration + 1);
    }
    return 0;
  }
  /* Write page 10h byte @p byte of every bank (a lane mask) with @p mask; then poll until every
   * lane's data path is in @p state (within the advertised @p adv): the cycles it took. */
  uint64_t dp_step(const char *step, uint32_t byte, uint32_t mask, uint32_t state, uint64_t adv) {
    const uint64_t t0 = now();
    for (uint32_t b = 0; b < kBanks; b++) {
      select(b, CPO_CMIS_PAGE_P10);
      wr(step, cmis_addr(byte), mask);
    }
    return wait(step, t0, adv, [&] { return all_lanes(state); });
  }
  /* Every lane's data path in @p state (page 11h, every bank). */
  bool all_lanes(uint32_t state) {
    for (uint32_t b = 0; b < kBanks; b++) {
      select(b, CPO_CMIS_PAGE_P11);
      for (uint32_t i = 0; i < 4; i++) {
        const uint32_t v = rd("data-path state", cmis_addr(CPO_CMIS_P11_DP_STATE_OFFSET + i));
        if ((v & 0xf) != state || (v >> 4) != state)
          return false;
      }
    }
    return true;
  }
  void failed_at(const char *step) {
    out_.failed = std::string(step) + ": " + cpo_hal_error(hal_);
  }

  void park() {
    wr("park", CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_STREAM_EN_LO_OFFSET),
       0);
    wr("park", CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_STREAM_EN_HI_OFFSET),
       0);
  }

  void run() {
    if (!stream_)
      park();
    // CMIS drives the media lanes: they park until their data paths activate
    wr("CMIS_CTRL", CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_CMIS_CTRL_OFFSET),
       0);
    out_.identifier = rd("identifier", cmis_addr(CPO_CMIS_LOWER_IDENTIFIER_OFFSET));
    // the advertised durations (page 01h)
    select(0, CPO_CMIS_PAGE_P01);
    const uint32_t dur_mod = rd("durations", cmis_addr(CPO_CMIS_P01_DUR_MODULE_OFFSET));
    const uint32_t dur_dp = rd("durations", cmis_addr(CPO_CMIS_P01_DUR_DP_OFFSET));
    const uint32_t dur_tx = rd("durations", cmis_addr(CPO_CMIS_P01_DUR_TX_OFFSET));
    out_.adv_cycles[0] =
        ms_cycles(cpo_cmis_duration_ms(dur_mod & CPO_CMIS_P01_DUR_MODULE_PWR_UP_MASK));
    out_.adv_cycles[1] = ms_cycles(cpo_cmis_duration_ms(dur_dp & CPO_CMIS_P01_DUR_DP_DP_INIT_MASK));
    out_.adv_cycles[2] = ms_cycles(cpo_cmis_duration_ms(dur_tx & CPO_CMIS_P01_DUR_TX_TX_ON_MASK));
    // hold every data path deinitialised with Tx disabled, then leave low power
    for (uint32_t b = 0; b < kBanks; b++) {
      select(b, CPO_CMIS_PAGE_P10);
      wr("DPDeinit", cmis_addr(CPO_CMIS_P10_DP_DEINIT_OFFSET), 0xff);
      wr("Tx disable", cmis_addr(CPO_CMIS_P10_TX_DISABLE_OFFSET), 0xff);
    }
    const uint32_t mc = rd("module control", cmis_addr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET));
    const uint64_t t0 = now();
    wr("LowPwrRequestSW", cmis_addr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET),
       mc & ~CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_MASK);
    out_.took_cycles[0] = wait("ModuleReady", t0, out_.adv_cycles[0], [&] {
      const uint32_t st = rd("module state", cmis_addr(CPO_CMIS_LOWER_MODULE_STATE_OFFSET));
      return ((st & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >>
              CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT) == CPO_CMIS_MODULE_STATE_READY;
    });
    // application 1 on every lane (one lane per data path), applied with DPInit
    for (uint32_t b = 0; b < kBanks; b++) {
      select(b, CPO_CMIS_PAGE_P10);
      for (uint32_t i = 0; i < 8; i++)
        wr("stage AppSel 1", cmis_addr(CPO_CMIS_P10_STAGED0_CONFIG_OFFSET_N(i)),
           (1u << 4) | (i << 1));
      wr("ApplyDPInit", cmis_addr(CPO_CMIS_P10_APPLY_DP_INIT_OFFSET), 0xff);
      select(b, CPO_CMIS_PAGE_P11);
      for (uint32_t i = 0; i < 4; i++) {
        const uint32_t v = rd("config status", cmis_addr(CPO_CMIS_P11_CONFIG_STATUS_OFFSET + i));
        out_.config_status_bad += ((v & 0xf) != CPO_CMIS_CONFIG_STATUS_SUCCESS) +
                                  ((v >> 4) != CPO_CMIS_CONFIG_STATUS_SUCCESS);
      }
    }
    // DPInit waits for the calibration; no model preset a laser (no calibrated snapshot), so
    // the host stands in for the calibration firmware: every lane done (OE CAL_DONE). Then Tx on
    const uint64_t lanes =
        Design::kLanes >= 64 ? ~uint64_t{0} : (uint64_t{1} << Design::kLanes) - 1;
    wr("CAL_DONE", CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_CAL_DONE_LO_OFFSET),
       static_cast<uint32_t>(lanes));
    wr("CAL_DONE", CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(CPO_OE_CAL_DONE_HI_OFFSET),
       static_cast<uint32_t>(lanes >> 32));
    out_.took_cycles[1] = dp_step("clear DPDeinit, DPInitialized", CPO_CMIS_P10_DP_DEINIT_OFFSET, 0,
                                  CPO_CMIS_DP_STATE_INITIALIZED, out_.adv_cycles[1]);
    out_.took_cycles[2] = dp_step("enable Tx, DPActivated", CPO_CMIS_P10_TX_DISABLE_OFFSET, 0,
                                  CPO_CMIS_DP_STATE_ACTIVATED, out_.adv_cycles[2]);
    if (!stream_)
      return; // parked to the end
    // the media lanes stream: every host lane's checker counts bits through the loopback
    sleep("relock", 3 * kL + 2000);
    wr("clear counters", CPO_ADDRMAP_ENGINE_TRAFFIC_ADDR(CPO_TRAFFIC_CNT_CLEAR_OFFSET),
       CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
    sleep("count", 2000);
    for (uint32_t l = 0; l < Design::kHostLanes; l++)
      out_.host_lanes_counting +=
          rd("lane bits", CPO_ADDRMAP_ENGINE_TRAFFIC_ADDR(CPO_TRAFFIC_LANE_BITS_OFFSET_N(l))) > 0;
    // park, whatever failed before, and detach: the run goes on parked to its end (skipped)
    out_.failed_before_park = out_.failed;
    out_.failed.clear();
    park();
  }

private:
  cpo_hal_t *hal_;
  Outcome &out_;
  bool stream_;
};

/* One run: the bring-up over @p transport ("inproc" or "ipc") at @p clock_hz, quantum @p q;
 * @p stream as Firmware's. */
struct Run {
  cpo_status_t rc = CPO_OK;
  cpo_sync_result_t r{};
  Outcome out;
  bool has_cmis = false; // the design's CMIS observation ports at the end
  CpoCmisStates cmis{};
};

Run run_bring_up(uint64_t clock_hz, const char *transport, uint32_t q, bool stream) {
  cpo_config_t cfg{};
  cfg.lanes = Design::kLanes;
  cfg.bits_per_symbol = 2; // PAM4
  cfg.symbols_per_cycle = Design::kWordBits / 2;
  cfg.latency_cycles = kL;
  cfg.quantum_cycles = q;
  cfg.seed = 1;
  cfg.total_cycles = kRunSeconds * clock_hz;
  cfg.baud_hz = clock_hz * cfg.symbols_per_cycle;
  Design d(nullptr, cpo_design_cycles_per_us_q16(&cfg));
  const cpo_design_ops_t ops = d.ops();

  cpo_context_t *ctx = cpo_context_new();
  assert_non_null(ctx);
  const char *tmp = getenv("TMPDIR");
  const std::string name = "engine-cmis-" + std::to_string(getpid());
  const std::string endpoint = std::string(transport) == "ipc"
                                   ? "ipc://" + std::string(tmp && *tmp ? tmp : "/tmp") + "/" + name
                                   : "inproc://" + name;
  const auto bridge_cfg = [&](cpo_role_t role) {
    cpo_bridge_cfg_t bc{};
    bc.endpoint = endpoint.c_str();
    bc.role = role;
    bc.timeout_ms = 60000;
    bc.context = ctx;
    return bc;
  };
  cpo_bridge_cfg_t sc = bridge_cfg(CPO_ROLE_RTL);
  sc.config = cfg;
  sc.refused_roles = 1u << CPO_ROLE_MODEL; // a direct run: the host only
  cpo_server_t *srv = nullptr;
  char why[300] = "";
  assert_int_equal(cpo_server_bind(&sc, &srv, why, sizeof why), CPO_OK);

  Run run;
  Outcome &out = run.out;
  std::thread host([&] {
    cpo_bridge_cfg_t hc = bridge_cfg(CPO_ROLE_HOST);
    hc.adopt_config = true;
    cpo_hal_t *hal = nullptr;
    char hwhy[300] = "";
    if (cpo_hal_open(&hc, &hal, hwhy, sizeof hwhy) != CPO_OK) {
      out.failed = std::string("host cannot attach: ") + hwhy;
      return;
    }
    Firmware(hal, out, stream).run();
    cpo_hal_close(&hal);
  });

  cpo_sync_opts_t so{};
  so.direct_loopback = true;
  so.expect_host = true;
  run.rc = cpo_sync_run(srv, &cfg, &ops, &so, &run.r);
  cpo_server_close(&srv, run.r.cycles, static_cast<int16_t>(run.rc),
                   run.rc == CPO_OK ? "done" : run.r.error);
  host.join();
  run.has_cmis = d.cmisStates(&run.cmis);
  cpo_context_destroy(&ctx);
  return run;
}

/* The bring-up's checks; @return the cycles clocked (not skipped). */
uint64_t check_bring_up(const Run &run, uint64_t clock_hz, bool stream) {
  const Outcome &out = run.out;
  const cpo_sync_result_t &r = run.r;
  if (run.rc != CPO_OK)
    std::printf("# cpo_sync_run: %s\n", r.error);
  for (const std::string &f : {out.failed_before_park, out.failed})
    if (!f.empty())
      std::printf("# host: %s\n", f.c_str());
  assert_int_equal(run.rc, CPO_OK);
  assert_true(out.failed_before_park.empty() && out.failed.empty());

  assert_int_equal(out.identifier, CPO_CMIS_LOWER_IDENTIFIER_RESET);
  assert_int_equal(out.config_status_bad, 0);
  const char *names[3] = {"ModulePwrUp", "DPInit", "DPTxTurnOn"};
  for (int i = 0; i < 3; i++) {
    std::printf("# %s: %" PRIu64 " cycles (advertised %" PRIu64 ")\n", names[i], out.took_cycles[i],
                out.adv_cycles[i]);
    assert_true(out.took_cycles[i] > 0);
    assert_true(out.took_cycles[i] <= out.adv_cycles[i]);
  }
  assert_int_equal(out.host_lanes_counting, stream ? Design::kHostLanes : 0);
  // what waveforms and plots show: the states the host read over CMIS
  assert_true(run.has_cmis);
  assert_int_equal(run.cmis.module, CPO_CMIS_MODULE_STATE_READY);
  for (uint32_t l = 0; l < Design::kHostLanes; l++)
    assert_int_equal(run.cmis.dp[l], CPO_CMIS_DP_STATE_ACTIVATED);
  for (uint32_t l = Design::kHostLanes; l < sizeof run.cmis.dp; l++)
    assert_int_equal(run.cmis.dp[l], 0);

  const uint64_t clocked = r.cycles - r.skipped_cycles;
  std::printf("# %" PRIu64 " cycles: %" PRIu64 " parked, %" PRIu64 " skipped, %" PRIu64
              " clocked, %" PRIu64 " register accesses, %.2f s\n",
              r.cycles, r.parked_cycles, r.skipped_cycles, clocked, r.reg_accesses, r.wall_s);
  assert_int_equal(r.cycles, kRunSeconds * clock_hz);
  assert_true(r.parked_cycles >= out.took_cycles[0]); // PwrUp was parked
  return clocked;
}

/* At 10 MHz: parked time costs its events only, the tail after the host detached included (it
 * was clocked while the host's last bus access stayed "under way" in the synchroniser). */
void test_engine_cmis_bring_up_from_low_power_to_activated(void **state) {
  (void)state;
  const Run run = run_bring_up(kSlowClockHz, "inproc", kL / 4, true);
  const uint64_t clocked = check_bring_up(run, kSlowClockHz, true);
  assert_true(run.r.skipped_cycles > 100 * clocked);
}

/* At the real clock every CMIS byte's bus time is skipped, not clocked: with STREAM_EN holding
 * the lanes parked (a streaming lane costs every cycle: TxTurnOn alone is 66 M cycles), the run
 * clocks only the D2D training, each access's few edges and the monitor samples; the event_hash
 * is the same over inproc and ipc and at quanta L/4 and L. */
void test_engine_cmis_bus_time_skipped_at_the_real_clock(void **state) {
  (void)state;
  const Run a = run_bring_up(kRealClockHz, "inproc", kL / 4, false);
  const uint64_t clocked = check_bring_up(a, kRealClockHz, false);
  // each access would clock 0.1-0.5 M cycles of bus time
  assert_true(clocked < 100 * 1000 + 20 * a.r.reg_accesses);
  const Run b = run_bring_up(kRealClockHz, "ipc", kL, false);
  check_bring_up(b, kRealClockHz, false);
  assert_int_equal(a.r.reg_accesses, b.r.reg_accesses);
  assert_int_equal(a.r.skipped_cycles, b.r.skipped_cycles);
  std::printf("# event_hash 0x%016" PRIx64 " (inproc, L/4), 0x%016" PRIx64 " (ipc, L)\n",
              a.r.hash.h, b.r.hash.h);
  assert_true(a.r.hash.h == b.r.hash.h);
}

} // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_engine_cmis_bring_up_from_low_power_to_activated),
      cmocka_unit_test(test_engine_cmis_bus_time_skipped_at_the_real_clock),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
