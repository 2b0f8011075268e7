/* D2D link scenarios (see d2d_scenarios.h). Expected values come from the channel's programmed
 * faults and from shared/D2D.md, never from a previous run of the RTL. */
#include "d2d_scenarios.h"

#include <cstdio>
#include <vector>

#include "d2d_harness.h"

namespace cpo_d2d {

namespace {

constexpr uint64_t kTrainCycles = 60000; // a clean training takes about 10k cycles

unsigned field(uint32_t v, uint32_t mask, unsigned shift) {
  return (v & mask) >> shift;
}

void print_scale(const Harness &h) {
  const unsigned s = h.timer_shift();
  std::printf("# timers scaled by 2^-%u: 1 ms sideband pattern = %u cycles, 8 ms residency = %u "
              "cycles (1 GHz datapath)\n",
              s, 1000000u >> s, 8000000u >> s);
}

bool contains_step(const std::vector<LogEntry> &log, unsigned from, unsigned to) {
  for (const LogEntry &e : log) {
    if (e.from == from && e.to == to)
      return true;
  }
  return false;
}

/* Train to ACTIVE or fail, printing both training logs either way. */
void train(Harness &h, std::vector<LogEntry> *asic_log = nullptr,
           std::vector<LogEntry> *oe_log = nullptr) {
  const bool ok = h.run_until_active(kTrainCycles);
  const std::vector<LogEntry> a = h.drain_log(Port::Asic);
  const std::vector<LogEntry> o = h.drain_log(Port::Oe);
  Harness::print_log("ASIC", a);
  Harness::print_log("OE", o);
  if (!ok) {
    std::printf("# not ACTIVE after %llu cycles: ASIC %s, OE %s\n",
                static_cast<unsigned long long>(kTrainCycles), state_name(h.state(Port::Asic)),
                state_name(h.state(Port::Oe)));
  }
  assert_true(ok);
  if (asic_log)
    *asic_log = a;
  if (oe_log)
    *oe_log = o;
}

void check_traffic(Harness &h, uint64_t cycles, uint64_t seed) {
  const TrafficStats st = h.traffic(cycles, seed);
  for (int d = 0; d < 2; d++) {
    std::printf("# traffic %s: sent %llu received %llu mismatches %llu error cycles %llu\n",
                d == 0 ? "ASIC->OE" : "OE->ASIC", static_cast<unsigned long long>(st.sent[d]),
                static_cast<unsigned long long>(st.received[d]),
                static_cast<unsigned long long>(st.mismatches[d]),
                static_cast<unsigned long long>(st.err_cycles[d]));
    assert_true(st.sent[d] >= cycles - 1);
    assert_int_equal(st.received[d], st.sent[d]);
    assert_int_equal(st.mismatches[d], 0);
    assert_int_equal(st.err_cycles[d], 0);
    assert_int_equal(st.left_over[d], 0);
  }
  assert_int_equal(h.rd(Port::Asic, CPO_D2D_ACTIVE_ERRS_OFFSET), 0);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_ACTIVE_ERRS_OFFSET), 0);
}

uint32_t status(Harness &h, Port p) {
  return h.rd(p, CPO_D2D_STATUS_OFFSET);
}
unsigned speed_of(Harness &h, Port p) {
  return field(status(h, p), CPO_D2D_STATUS_SPEED_MASK, CPO_D2D_STATUS_SPEED_SHIFT);
}
unsigned width_of(Harness &h, Port p) {
  return field(status(h, p), CPO_D2D_STATUS_WIDTH_MASK, CPO_D2D_STATUS_WIDTH_SHIFT);
}
unsigned tx_lane_of(Harness &h, Port p, unsigned logical) {
  return field(h.rd(p, CPO_D2D_LANE_MAP_OFFSET_N(logical)), CPO_D2D_LANE_MAP_TX_LANE_MASK,
               CPO_D2D_LANE_MAP_TX_LANE_SHIFT);
}
unsigned rx_lane_of(Harness &h, Port p, unsigned logical) {
  return field(h.rd(p, CPO_D2D_LANE_MAP_OFFSET_N(logical)), CPO_D2D_LANE_MAP_RX_LANE_MASK,
               CPO_D2D_LANE_MAP_RX_LANE_SHIFT);
}

void set_ch_ctrl(Harness &h, bool a2o, uint32_t clear_mask, uint32_t set_mask) {
  const uint16_t off = a2o ? CPO_D2DCH_A2O_CTRL_OFFSET : CPO_D2DCH_O2A_CTRL_OFFSET;
  h.wr(Port::Ch, off, (h.rd(Port::Ch, off) & ~clear_mask) | set_mask);
}

/* The log is one chain of transitions starting from RESET, at increasing cycles. */
void check_chain(const std::vector<LogEntry> &log) {
  assert_true(!log.empty());
  assert_int_equal(log[0].from, CPO_D2D_LTSM_STATE_RESET);
  for (size_t i = 1; i < log.size(); i++) {
    assert_int_equal(log[i].from, log[i - 1].to);
    assert_true(log[i].cycle > log[i - 1].cycle);
  }
}

} // namespace

// ---- Nominal ------------------------------------------------------------------------------

void test_d2d_trains_to_active_with_ucie_sequence(void **state) {
  (void)state;
  Harness h("d2d_trains_to_active");
  print_scale(h);
  std::vector<LogEntry> a, o;
  train(h, &a, &o);
  for (const std::vector<LogEntry> *log : {&a, &o}) {
    check_chain(*log);
    assert_int_equal(log->size(), kNominalSequence.size() - 1);
    for (size_t i = 0; i < log->size(); i++)
      assert_int_equal((*log)[i].to, kNominalSequence[i + 1]);
  }
  for (Port p : {Port::Asic, Port::Oe}) {
    const uint32_t st = status(h, p);
    assert_int_equal(field(st, CPO_D2D_STATUS_STATE_MASK, CPO_D2D_STATUS_STATE_SHIFT),
                     CPO_D2D_LTSM_STATE_ACTIVE);
    assert_true(st & CPO_D2D_STATUS_LINK_UP_MASK);
    assert_int_equal(speed_of(h, p), CPO_D2D_CAP_MAX_SPEED_RESET);
    assert_int_equal(width_of(h, p), h.lanes());
    assert_int_equal(h.rd(p, CPO_D2D_RX_BAD_LO_OFFSET), 0);
    assert_int_equal(h.rd(p, CPO_D2D_SB_ERRS_OFFSET), 0);
    assert_int_equal(field(h.rd(p, CPO_D2D_TRAIN_CNT_OFFSET), CPO_D2D_TRAIN_CNT_TRAININGS_MASK,
                           CPO_D2D_TRAIN_CNT_TRAININGS_SHIFT),
                     1);
  }
  h.pass();
}

void test_d2d_traffic_passes_error_free(void **state) {
  (void)state;
  Harness h("d2d_traffic");
  train(h);
  h.wr(Port::Oe, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
  check_traffic(h, 3000, 0x5eed);
  // the receiver counted every payload word it delivered
  assert_true(h.rd(Port::Oe, CPO_D2D_ACTIVE_WORDS_OFFSET) >= 3000 - 1);
  h.pass();
}

void test_d2d_param_settles_on_common_subset(void **state) {
  (void)state;
  Harness h("d2d_param");
  // before MBINIT.PARAM: the ASIC offers at most 16 GT/s, the OE asks for half width
  h.wr(Port::Asic, CPO_D2D_CAP_OFFSET,
       (3u << CPO_D2D_CAP_MAX_SPEED_SHIFT) | (0xau << CPO_D2D_CAP_MODULE_ID_SHIFT));
  h.wr(Port::Oe, CPO_D2D_CAP_OFFSET,
       (5u << CPO_D2D_CAP_MAX_SPEED_SHIFT) | CPO_D2D_CAP_HALF_MASK |
           (0x5u << CPO_D2D_CAP_MODULE_ID_SHIFT));
  train(h);
  const uint32_t an = h.rd(Port::Asic, CPO_D2D_NEG_OFFSET);
  const uint32_t on = h.rd(Port::Oe, CPO_D2D_NEG_OFFSET);
  assert_int_equal(field(an, CPO_D2D_NEG_REMOTE_MODULE_ID_MASK, CPO_D2D_NEG_REMOTE_MODULE_ID_SHIFT),
                   5);
  assert_int_equal(field(on, CPO_D2D_NEG_REMOTE_MODULE_ID_MASK, CPO_D2D_NEG_REMOTE_MODULE_ID_SHIFT),
                   0xa);
  assert_int_equal(field(an, CPO_D2D_NEG_REMOTE_MAX_SPEED_MASK, CPO_D2D_NEG_REMOTE_MAX_SPEED_SHIFT),
                   5);
  assert_int_equal(field(on, CPO_D2D_NEG_REMOTE_MAX_SPEED_MASK, CPO_D2D_NEG_REMOTE_MAX_SPEED_SHIFT),
                   3);
  for (Port p : {Port::Asic, Port::Oe}) {
    const uint32_t n = h.rd(p, CPO_D2D_NEG_OFFSET);
    assert_int_equal(field(n, CPO_D2D_NEG_NEG_SPEED_MASK, CPO_D2D_NEG_NEG_SPEED_SHIFT), 3);
    assert_true(n & CPO_D2D_NEG_NEG_HALF_MASK);
    assert_int_equal(speed_of(h, p), 3);
    assert_int_equal(width_of(h, p), h.lanes() / 2);
  }
  check_traffic(h, 500, 7);
  h.pass();
}

// ---- Fault classes ------------------------------------------------------------------------

void test_d2d_skewed_lanes_trained_to_their_centres(void **state) {
  (void)state;
  Harness h("d2d_skew");
  const unsigned p = h.phys();
  constexpr unsigned kEyeW = 5; // 2|off| < 5: five good phases around the centre
  // Skews up to 39 UI plus a fraction, different in each direction; the valid lane (wire P)
  // is skewed too. The clock lane keeps its default.
  std::vector<unsigned> skew[2];
  for (int d = 0; d < 2; d++) {
    for (unsigned w = 0; w <= p; w++) {
      const unsigned ui = (w * (d ? 11u : 7u) + 3u * d) % 40u;
      const unsigned frac = (w * (d ? 3u : 5u) + 3u + 4u * d) % 16u;
      skew[d].push_back(ui * 16u + frac);
      h.set_wire(d == 0, w, skew[d][w], kEyeW);
    }
  }
  train(h);
  std::printf("# dir      lane  skew(UI/16)  expected centre  chosen phase  eye\n");
  for (int d = 0; d < 2; d++) {
    const Port rx = d == 0 ? Port::Oe : Port::Asic;
    for (unsigned w = 0; w <= p; w++) {
      const uint32_t st = h.rd(rx, w < p ? CPO_D2D_LANE_STAT_OFFSET_N(w) : CPO_D2D_VLD_STAT_OFFSET);
      const unsigned phase = field(st, CPO_D2D_LANE_STAT_PHASE_MASK, CPO_D2D_LANE_STAT_PHASE_SHIFT);
      const unsigned len =
          field(st, CPO_D2D_LANE_STAT_EYE_LEN_MASK, CPO_D2D_LANE_STAT_EYE_LEN_SHIFT);
      const unsigned centre = (skew[d][w] % 16u + 8u) % 16u; // the channel's eye centre
      std::printf("# %s  %4u  %11u  %15u  %12u  %3u\n", d == 0 ? "ASIC->OE" : "OE->ASIC", w,
                  skew[d][w], centre, phase, len);
      assert_int_equal(phase, centre);
      assert_int_equal(len, kEyeW);
    }
  }
  check_traffic(h, 1000, 11);
  h.pass();
}

void test_d2d_stuck_lane_repaired_onto_spare(void **state) {
  (void)state;
  Harness h("d2d_stuck_lane");
  const unsigned n = h.lanes();
  const unsigned bad_a2o = 3, bad_o2a = n - 3;
  h.set_wire(true, bad_a2o, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, false);
  h.set_wire(false, bad_o2a, 0, CPO_D2DCH_O2A_WIRE_EYE_W_RESET, true, true);
  std::vector<LogEntry> a;
  train(h, &a);
  // repaired inside MBINIT.REPAIRMB: the training sequence is the nominal one
  assert_int_equal(a.size(), kNominalSequence.size() - 1);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_RX_BAD_LO_OFFSET), 1u << bad_a2o);
  assert_int_equal(h.rd(Port::Asic, CPO_D2D_TX_BAD_LO_OFFSET), 1u << bad_a2o);
  assert_int_equal(h.rd(Port::Asic, CPO_D2D_RX_BAD_LO_OFFSET), 1u << bad_o2a);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_TX_BAD_LO_OFFSET), 1u << bad_o2a);
  for (unsigned j = 0; j < n; j++) {
    // lanes from the failed one up shift by one; the last uses the spare
    const unsigned want_a2o = j < bad_a2o ? j : j + 1;
    const unsigned want_o2a = j < bad_o2a ? j : j + 1;
    assert_int_equal(tx_lane_of(h, Port::Asic, j), want_a2o);
    assert_int_equal(rx_lane_of(h, Port::Oe, j), want_a2o);
    assert_int_equal(tx_lane_of(h, Port::Oe, j), want_o2a);
    assert_int_equal(rx_lane_of(h, Port::Asic, j), want_o2a);
  }
  assert_int_equal(width_of(h, Port::Asic), n);
  assert_int_equal(speed_of(h, Port::Asic), CPO_D2D_CAP_MAX_SPEED_RESET);
  check_traffic(h, 1000, 3);
  h.pass();
}

void test_d2d_lane_reversal_detected_and_undone(void **state) {
  (void)state;
  Harness h("d2d_reversal");
  set_ch_ctrl(h, true, 0, CPO_D2DCH_A2O_CTRL_REVERSE_MASK);
  train(h);
  const uint32_t on = h.rd(Port::Oe, CPO_D2D_NEG_OFFSET);
  const uint32_t an = h.rd(Port::Asic, CPO_D2D_NEG_OFFSET);
  assert_true(on & CPO_D2D_NEG_REVERSED_MASK);
  assert_false(an & CPO_D2D_NEG_REVERSED_MASK);
  assert_true(an & CPO_D2D_NEG_REMOTE_REVERSED_MASK);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_RX_BAD_LO_OFFSET), 0);
  for (unsigned j = 0; j < h.lanes(); j++) {
    assert_int_equal(rx_lane_of(h, Port::Oe, j), h.phys() - 1 - j); // mirrored back
    assert_int_equal(rx_lane_of(h, Port::Asic, j), j);
  }
  check_traffic(h, 1000, 5);
  h.pass();
}

void test_d2d_too_many_bad_lanes_degrade_width(void **state) {
  (void)state;
  Harness h("d2d_width_degrade");
  const unsigned n = h.lanes(), half = n / 2;
  // two lower lanes stuck and an upper lane open: one spare cannot cover full width or the
  // lower half, but covers the upper half
  h.set_wire(true, 1, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, false);
  h.set_wire(true, 2, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, true);
  h.set_wire(true, half + 1, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, false, false, true);
  train(h);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_RX_BAD_LO_OFFSET),
                   (1u << 1) | (1u << 2) | (1u << (half + 1)));
  assert_int_equal(field(h.rd(Port::Oe, CPO_D2D_NEG_OFFSET), CPO_D2D_NEG_RX_MODE_MASK,
                         CPO_D2D_NEG_RX_MODE_SHIFT),
                   2); // upper half
  assert_int_equal(field(h.rd(Port::Asic, CPO_D2D_NEG_OFFSET), CPO_D2D_NEG_TX_MODE_MASK,
                         CPO_D2D_NEG_TX_MODE_SHIFT),
                   2);
  assert_int_equal(width_of(h, Port::Asic), half);
  assert_int_equal(width_of(h, Port::Oe), half);
  // logical lanes on the good upper lanes, then the spare
  std::vector<unsigned> want;
  for (unsigned l = half; l < n; l++) {
    if (l != half + 1)
      want.push_back(l);
  }
  want.push_back(n);
  for (unsigned j = 0; j < half; j++)
    assert_int_equal(tx_lane_of(h, Port::Asic, j), want[j]);
  check_traffic(h, 1000, 9);
  h.pass();
}

void test_d2d_marginal_eye_degrades_speed(void **state) {
  (void)state;
  Harness h("d2d_speed_degrade");
  // closed at the top speed, EYE_STEP (4) wider per step below: 4 phases wide one step down
  for (int d = 0; d < 2; d++) {
    for (unsigned w = 0; w < h.phys() + 2; w++)
      h.set_wire(d == 0, w, 0, 0);
  }
  std::vector<LogEntry> a;
  train(h, &a);
  assert_true(contains_step(a, CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED,
                            CPO_D2D_LTSM_STATE_MBTRAIN_SPEED_IDLE));
  for (Port p : {Port::Asic, Port::Oe}) {
    assert_int_equal(speed_of(h, p), CPO_D2D_CAP_MAX_SPEED_RESET - 1);
    assert_int_equal(
        field(h.rd(p, CPO_D2D_NEG_OFFSET), CPO_D2D_NEG_NEG_SPEED_MASK, CPO_D2D_NEG_NEG_SPEED_SHIFT),
        CPO_D2D_CAP_MAX_SPEED_RESET);
    // 2|off| < 4: three phases around the centre
    assert_int_equal(field(h.rd(p, CPO_D2D_LANE_STAT_OFFSET_N(0)), CPO_D2D_LANE_STAT_EYE_LEN_MASK,
                           CPO_D2D_LANE_STAT_EYE_LEN_SHIFT),
                     3);
  }
  check_traffic(h, 1000, 13);
  h.pass();
}

void test_d2d_lane_failing_at_speed_repaired(void **state) {
  (void)state;
  Harness h("d2d_repair_at_speed");
  // lane 2 has no eye at the top speed (but is fine at the MBINIT speed): LINKSPEED finds it
  h.set_wire(true, 2, 0, 0);
  std::vector<LogEntry> a;
  train(h, &a);
  assert_true(
      contains_step(a, CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED, CPO_D2D_LTSM_STATE_MBTRAIN_REPAIR));
  assert_true(
      contains_step(a, CPO_D2D_LTSM_STATE_MBTRAIN_REPAIR, CPO_D2D_LTSM_STATE_MBTRAIN_TX_SELF_CAL));
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_RX_BAD_LO_OFFSET), 1u << 2);
  assert_int_equal(speed_of(h, Port::Oe), CPO_D2D_CAP_MAX_SPEED_RESET);
  assert_int_equal(width_of(h, Port::Oe), h.lanes());
  assert_int_equal(tx_lane_of(h, Port::Asic, 2), 3);
  check_traffic(h, 1000, 17);
  h.pass();
}

void test_d2d_clock_fault_is_trainerror_and_reset_recovers(void **state) {
  (void)state;
  Harness h("d2d_clock_fault");
  const unsigned clk = h.phys() + 1;
  h.set_wire(true, clk, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, false);
  assert_true(h.run_until(
      [&] {
        return h.state(Port::Asic) == CPO_D2D_LTSM_STATE_TRAIN_ERROR &&
               h.state(Port::Oe) == CPO_D2D_LTSM_STATE_TRAIN_ERROR;
      },
      kTrainCycles));
  std::vector<LogEntry> a = h.drain_log(Port::Asic);
  Harness::print_log("ASIC", a);
  assert_true(
      contains_step(a, CPO_D2D_LTSM_STATE_MBINIT_REPAIR_CLK, CPO_D2D_LTSM_STATE_TRAIN_ERROR));
  for (Port p : {Port::Asic, Port::Oe}) {
    const uint32_t e = h.rd(p, CPO_D2D_ERR_STATUS_OFFSET);
    assert_int_equal(field(e, CPO_D2D_ERR_STATUS_CAUSE_MASK, CPO_D2D_ERR_STATUS_CAUSE_SHIFT), 2);
    assert_int_equal(field(e, CPO_D2D_ERR_STATUS_STATE_MASK, CPO_D2D_ERR_STATUS_STATE_SHIFT),
                     CPO_D2D_LTSM_STATE_MBINIT_REPAIR_CLK);
  }
  // it stays there: TRAINERROR holds until reset
  h.tick(5000);
  assert_int_equal(h.state(Port::Asic), CPO_D2D_LTSM_STATE_TRAIN_ERROR);
  // repair the wire, reset the link from the host side; the partner follows
  h.set_wire(true, clk, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET);
  h.wr(Port::Asic, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LINK_RESET_MASK);
  std::vector<LogEntry> a2, o2;
  train(h, &a2, &o2);
  assert_int_equal(a2.front().from, CPO_D2D_LTSM_STATE_TRAIN_ERROR);
  assert_int_equal(a2.front().to, CPO_D2D_LTSM_STATE_RESET);
  assert_true(contains_step(o2, CPO_D2D_LTSM_STATE_TRAIN_ERROR, CPO_D2D_LTSM_STATE_RESET));
  check_traffic(h, 500, 19);
  h.pass();
}

void test_d2d_residency_timeout_goes_to_trainerror(void **state) {
  (void)state;
  Harness h("d2d_residency_timeout");
  print_scale(h);
  // the ASIC -> OE sideband is dead: SBINIT cannot finish on either side
  set_ch_ctrl(h, true, 0, CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK);
  const uint64_t limit = 8000000u >> h.timer_shift();
  assert_true(h.run_until(
      [&] {
        return h.state(Port::Asic) == CPO_D2D_LTSM_STATE_TRAIN_ERROR &&
               h.state(Port::Oe) == CPO_D2D_LTSM_STATE_TRAIN_ERROR;
      },
      3 * limit));
  for (Port p : {Port::Asic, Port::Oe}) {
    const std::vector<LogEntry> log = h.drain_log(p);
    Harness::print_log(p == Port::Asic ? "ASIC" : "OE", log);
    assert_int_equal(log.size(), 2);
    assert_int_equal(log[1].from, CPO_D2D_LTSM_STATE_SBINIT);
    assert_int_equal(log[1].to, CPO_D2D_LTSM_STATE_TRAIN_ERROR);
    // exactly the residency timeout after entering SBINIT
    const uint64_t stayed = log[1].cycle - log[0].cycle;
    std::printf("# SBINIT lasted %llu cycles (timeout %llu)\n",
                static_cast<unsigned long long>(stayed), static_cast<unsigned long long>(limit));
    assert_true(stayed >= limit && stayed <= limit + 2);
    const uint32_t e = h.rd(p, CPO_D2D_ERR_STATUS_OFFSET);
    assert_int_equal(field(e, CPO_D2D_ERR_STATUS_CAUSE_MASK, CPO_D2D_ERR_STATUS_CAUSE_SHIFT), 1);
    assert_int_equal(field(e, CPO_D2D_ERR_STATUS_STATE_MASK, CPO_D2D_ERR_STATUS_STATE_SHIFT),
                     CPO_D2D_LTSM_STATE_SBINIT);
  }
  set_ch_ctrl(h, true, CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK, 0);
  h.wr(Port::Asic, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LINK_RESET_MASK);
  train(h);
  h.pass();
}

void test_d2d_error_burst_in_active_retrains(void **state) {
  (void)state;
  Harness h("d2d_error_burst");
  train(h);
  check_traffic(h, 300, 23);
  // a 300-cycle burst of bit errors (a quarter of the words) on four ASIC->OE lanes
  for (unsigned w = 0; w < 4; w++)
    h.set_wire(true, w, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, false, false, false, true);
  h.wr(Port::Ch, CPO_D2DCH_A2O_BER_OFFSET, 0x40000000u);
  set_ch_ctrl(h, true, CPO_D2DCH_A2O_CTRL_ERR_MODE_MASK, 2u << CPO_D2DCH_A2O_CTRL_ERR_MODE_SHIFT);
  h.wr(Port::Ch, CPO_D2DCH_A2O_BURST_OFFSET, 300u | CPO_D2DCH_A2O_BURST_START_MASK);
  assert_true(
      h.run_until([&] { return h.state(Port::Oe) == CPO_D2D_LTSM_STATE_PHY_RETRAIN; }, 2000));
  std::vector<LogEntry> a, o;
  train(h, &a, &o);
  for (const std::vector<LogEntry> *log : {&a, &o}) {
    assert_true(contains_step(*log, CPO_D2D_LTSM_STATE_ACTIVE, CPO_D2D_LTSM_STATE_PHY_RETRAIN));
    assert_true(contains_step(*log, CPO_D2D_LTSM_STATE_PHY_RETRAIN,
                              CPO_D2D_LTSM_STATE_MBTRAIN_TX_SELF_CAL));
    assert_int_equal(log->back().to, CPO_D2D_LTSM_STATE_ACTIVE);
  }
  for (Port p : {Port::Asic, Port::Oe}) {
    assert_int_equal(field(h.rd(p, CPO_D2D_TRAIN_CNT_OFFSET), CPO_D2D_TRAIN_CNT_RETRAINS_MASK,
                           CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT),
                     1);
  }
  const uint32_t threshold =
      field(h.rd(Port::Oe, CPO_D2D_RETRAIN_CFG_OFFSET), CPO_D2D_RETRAIN_CFG_THRESH_MASK,
            CPO_D2D_RETRAIN_CFG_THRESH_SHIFT);
  assert_true(h.rd(Port::Oe, CPO_D2D_ACTIVE_ERRS_OFFSET) >= threshold);
  assert_true(h.rd(Port::Ch, CPO_D2DCH_A2O_INJECTED_OFFSET) > 0);
  // the burst is over: traffic is clean again
  h.wr(Port::Asic, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
  h.wr(Port::Oe, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
  check_traffic(h, 1000, 29);
  h.pass();
}

void test_d2d_lane_dying_in_active_repaired_by_retrain(void **state) {
  (void)state;
  Harness h("d2d_lane_dies_in_active");
  train(h);
  check_traffic(h, 300, 31);
  // mid-run, an ASIC->OE lane sticks at 1: the valid-lane check fails every cycle, the link
  // retrains, finds no eye on the lane, fails it in LINKSPEED and repairs it onto the spare
  const unsigned dead = 5;
  h.set_wire(true, dead, 0, CPO_D2DCH_A2O_WIRE_EYE_W_RESET, true, true);
  assert_true(
      h.run_until([&] { return h.state(Port::Oe) == CPO_D2D_LTSM_STATE_PHY_RETRAIN; }, 2000));
  std::vector<LogEntry> a, o;
  train(h, &a, &o);
  assert_true(contains_step(o, CPO_D2D_LTSM_STATE_ACTIVE, CPO_D2D_LTSM_STATE_PHY_RETRAIN));
  assert_true(
      contains_step(o, CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED, CPO_D2D_LTSM_STATE_MBTRAIN_REPAIR));
  assert_int_equal(o.back().to, CPO_D2D_LTSM_STATE_ACTIVE);
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_RX_BAD_LO_OFFSET), 1u << dead);
  assert_int_equal(h.rd(Port::Asic, CPO_D2D_TX_BAD_LO_OFFSET), 1u << dead);
  for (unsigned j = 0; j < h.lanes(); j++) {
    assert_int_equal(tx_lane_of(h, Port::Asic, j), j < dead ? j : j + 1);
  }
  assert_int_equal(width_of(h, Port::Oe), h.lanes());
  h.wr(Port::Asic, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
  h.wr(Port::Oe, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
  check_traffic(h, 1000, 37);
  h.pass();
}

// ---- Sideband -----------------------------------------------------------------------------

void test_d2d_sideband_bad_parity_dropped_and_counted(void **state) {
  (void)state;
  Harness h("d2d_sideband_parity");
  // during training: corrupt the next OE->ASIC unit after SBINIT; the lost message is resent
  assert_true(h.run_until([&] { return h.state(Port::Asic) == CPO_D2D_LTSM_STATE_MBINIT_PARAM; },
                          kTrainCycles));
  set_ch_ctrl(h, false, CPO_D2DCH_O2A_CTRL_SB_FLIP_BIT_MASK,
              21u << CPO_D2DCH_O2A_CTRL_SB_FLIP_BIT_SHIFT);
  h.wr(Port::Ch, CPO_D2DCH_O2A_SB_FLIP_OFFSET, CPO_D2DCH_O2A_SB_FLIP_ARM_MASK);
  train(h);
  uint32_t e = h.rd(Port::Asic, CPO_D2D_SB_ERRS_OFFSET);
  assert_int_equal(field(e, CPO_D2D_SB_ERRS_PARITY_MASK, CPO_D2D_SB_ERRS_PARITY_SHIFT), 1);
  assert_int_equal(field(e, CPO_D2D_SB_ERRS_FRAMING_MASK, CPO_D2D_SB_ERRS_FRAMING_SHIFT), 0);
  const uint32_t retries =
      h.rd(Port::Asic, CPO_D2D_SB_RETRIES_OFFSET) + h.rd(Port::Oe, CPO_D2D_SB_RETRIES_OFFSET);
  assert_true(retries >= 1);

  // in ACTIVE: a tunnel request with a flipped header bit (control parity), then one with a
  // flipped data bit (data parity): both dropped by the OE, counted, and the accesses time out
  uint32_t tctl = h.rd(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET) & ~CPO_D2D_TUN_CTRL_TIMEOUT_MASK;
  h.wr(Port::Asic, CPO_D2D_TUN_CTRL_OFFSET, tctl | (3000u << CPO_D2D_TUN_CTRL_TIMEOUT_SHIFT));
  h.wr(Port::Oe, CPO_D2D_SCRATCH_OFFSET, 0x11111111u);
  struct Case {
    unsigned bit;
    bool write;
  } cases[] = {{40, false}, {64 + 7, true}};
  unsigned dropped = 0;
  for (const Case &c : cases) {
    set_ch_ctrl(h, true, CPO_D2DCH_A2O_CTRL_SB_FLIP_BIT_MASK,
                c.bit << CPO_D2DCH_A2O_CTRL_SB_FLIP_BIT_SHIFT);
    h.wr(Port::Ch, CPO_D2DCH_A2O_SB_FLIP_OFFSET, CPO_D2DCH_A2O_SB_FLIP_ARM_MASK);
    uint32_t v = 0;
    assert_int_equal(h.tunnel(c.write, CPO_D2D_SCRATCH_OFFSET, 0x22222222u, &v), -2);
    dropped++;
    e = h.rd(Port::Oe, CPO_D2D_SB_ERRS_OFFSET);
    assert_int_equal(field(e, CPO_D2D_SB_ERRS_PARITY_MASK, CPO_D2D_SB_ERRS_PARITY_SHIFT), dropped);
    assert_int_equal(field(e, CPO_D2D_SB_ERRS_FRAMING_MASK, CPO_D2D_SB_ERRS_FRAMING_SHIFT), 0);
  }
  assert_int_equal(field(h.rd(Port::Ch, CPO_D2DCH_A2O_STAT_OFFSET),
                         CPO_D2DCH_A2O_STAT_SB_FLIPS_MASK, CPO_D2DCH_A2O_STAT_SB_FLIPS_SHIFT),
                   2);
  // the dropped write did not happen; a clean one does
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_SCRATCH_OFFSET), 0x11111111u);
  uint32_t v = 0;
  assert_int_equal(h.tunnel(true, CPO_D2D_SCRATCH_OFFSET, 0x33333333u, nullptr), 0);
  assert_int_equal(h.tunnel(false, CPO_D2D_SCRATCH_OFFSET, 0, &v), 0);
  assert_int_equal(v, 0x33333333u);
  assert_int_equal(h.state(Port::Asic), CPO_D2D_LTSM_STATE_ACTIVE);
  h.pass();
}

void test_d2d_tunnel_register_access_reads_back(void **state) {
  (void)state;
  Harness h("d2d_tunnel");
  // the tunnel works as soon as the sideband is up, while training goes on
  assert_true(h.run_until([&] { return h.state(Port::Asic) == CPO_D2D_LTSM_STATE_MBINIT_PARAM; },
                          kTrainCycles));
  uint32_t v = 0;
  assert_int_equal(h.tunnel(false, CPO_D2D_ID_OFFSET, 0, &v), 0);
  assert_int_equal(v, CPO_D2D_ID_MAGIC_RESET);
  assert_int_equal(h.tunnel(false, CPO_D2D_CONFIG_OFFSET, 0, &v), 0);
  assert_true(v & CPO_D2D_CONFIG_SIDE_MASK); // it is the OE's map
  const uint32_t values[] = {0xcafef00du, 0x00000000u, 0xffffffffu, 0x5eed1234u};
  for (uint32_t want : values) {
    assert_int_equal(h.tunnel(true, CPO_D2D_SCRATCH_OFFSET, want, nullptr), 0);
    assert_int_equal(h.tunnel(false, CPO_D2D_SCRATCH_OFFSET, 0, &v), 0);
    assert_int_equal(v, want);
    assert_int_equal(h.rd(Port::Oe, CPO_D2D_SCRATCH_OFFSET), want); // the OE's own view
  }
  // an unmapped OE register: the completion reports the error
  assert_int_equal(h.tunnel(false, 0x0ff0, 0, &v), -1);
  // beyond the endpoint's window: the OE controller port (driven here by the testbench)
  h.set_remote_target(0x12345678u, false);
  assert_int_equal(h.tunnel(false, CPO_ADDRMAP_OE_CTRL_ADDR(0x40), 0, &v), 0);
  assert_int_equal(v, 0x12345678u);
  h.set_remote_target(0, true);
  assert_int_equal(h.tunnel(true, CPO_ADDRMAP_OE_CTRL_ADDR(0x40), 1, nullptr), -1);
  const uint32_t m = h.rd(Port::Asic, CPO_D2D_SB_MATCH_OFFSET);
  assert_int_equal(field(m, CPO_D2D_SB_MATCH_UNEXP_CPL_MASK, CPO_D2D_SB_MATCH_UNEXP_CPL_SHIFT), 0);
  train(h);
  h.pass();
}

// ---- PRBS in the lanes --------------------------------------------------------------------

namespace {
struct Poly {
  const char *name;
  std::vector<unsigned> taps; // b[n] = XOR b[n - t] (D2D.md's polynomials)
};
const Poly kPolys[] = {{"PRBS7", {7, 6}},    {"PRBS9", {9, 5}},    {"PRBS13", {13, 12, 2, 1}},
                       {"PRBS15", {15, 14}}, {"PRBS23", {23, 18}}, {"PRBS31", {31, 28}}};
} // namespace

void test_d2d_prbs_every_polynomial_in_lanes(void **state) {
  (void)state;
  Harness h("d2d_prbs");
  train(h);
  const unsigned n = h.lanes();
  const unsigned inj_lanes[] = {1, n - 1};
  const unsigned inj_count[] = {5, 3};
  for (unsigned code = 0; code < 6; code++) {
    const Poly &poly = kPolys[code];
    const uint32_t ctrl = CPO_D2D_CTRL_ENABLE_MASK | CPO_D2D_CTRL_BIST_EN_MASK |
                          (code << CPO_D2D_CTRL_BIST_POLY_SHIFT);
    h.wr(Port::Asic, CPO_D2D_CTRL_OFFSET, ctrl);
    h.wr(Port::Oe, CPO_D2D_CTRL_OFFSET, ctrl);
    h.tick(200);
    // the generator output on the wire satisfies the polynomial's recurrence
    const unsigned kWords = 64;
    std::vector<std::vector<uint8_t>> bits(n);
    for (unsigned c = 0; c < kWords; c++) {
      for (unsigned l = 0; l < n; l++) {
        const uint16_t w = h.wire_word(true, l);
        for (unsigned b = 0; b < 16; b++)
          bits[l].push_back((w >> b) & 1u);
      }
      h.tick();
    }
    for (unsigned l = 0; l < n; l++) {
      unsigned ones = 0, bad = 0;
      for (size_t k = 31; k < bits[l].size(); k++) {
        uint8_t pred = 0;
        for (unsigned t : poly.taps)
          pred ^= bits[l][k - t];
        bad += pred != bits[l][k];
        ones += bits[l][k];
      }
      assert_int_equal(bad, 0);
      assert_true(ones > 0);
    }
    // every checker locked; counters cleared; inject exactly known errors
    for (unsigned l = 0; l < n; l++) {
      assert_true(h.rd(Port::Oe, CPO_D2D_LANE_STAT_OFFSET_N(l)) & CPO_D2D_LANE_STAT_LOCKED_MASK);
    }
    h.wr(Port::Oe, CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_CNT_CLEAR_MASK);
    for (unsigned i = 0; i < 2; i++) {
      for (unsigned k = 0; k < inj_count[i]; k++) {
        h.wr(Port::Asic, CPO_D2D_BIST_INJ_OFFSET,
             (inj_lanes[i] << CPO_D2D_BIST_INJ_LANE_SHIFT) |
                 ((k * 3) << CPO_D2D_BIST_INJ_POS_SHIFT) | CPO_D2D_BIST_INJ_INJECT_MASK);
        h.tick(40);
      }
    }
    h.tick(50);
    unsigned total = 0;
    for (unsigned l = 0; l < n; l++) {
      const uint32_t errs = h.rd(Port::Oe, CPO_D2D_LANE_ERRS_OFFSET_N(l));
      unsigned want = 0;
      for (unsigned i = 0; i < 2; i++) {
        if (inj_lanes[i] == l)
          want = inj_count[i];
      }
      assert_int_equal(errs, want);
      assert_true(h.rd(Port::Oe, CPO_D2D_LANE_STAT_OFFSET_N(l)) & CPO_D2D_LANE_STAT_LOCKED_MASK);
      total += errs;
    }
    std::printf("# %-6s recurrence holds on %u lanes, %u injected errors counted exactly\n",
                poly.name, n, total);
  }
  // BIST errors are injected before the valid-lane check word: the link saw no error
  assert_int_equal(h.rd(Port::Oe, CPO_D2D_ACTIVE_ERRS_OFFSET), 0);
  assert_int_equal(h.state(Port::Oe), CPO_D2D_LTSM_STATE_ACTIVE);
  h.pass();
}

} // namespace cpo_d2d
