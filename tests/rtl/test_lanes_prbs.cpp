// PRBS behaviour of cpo_lanes_top: generator sequences, checker lock and exact error counts.
// Expected values come from prbs_ref.h (bit-serial recurrences of D2D.md's polynomials).
#include <cstdio>
#include <vector>

#include "cmocka_cpp.h"
#include "cpo/lanes_regs.h"
#include "lanes_dut.h"
#include "prbs_ref.h"

namespace {

constexpr unsigned kLanes = LanesDut::kLanes;
constexpr unsigned kW = LanesDut::kWordBits;

// The seeds cpo_lanes_top gives its lanes: {24'hace15d, 7'(lane + 1)}.
uint32_t lane_seed(unsigned lane) {
  return (0xace15du << 7) | (lane + 1u);
}

uint32_t ctrl_word(unsigned poly, bool gen_en, bool chk_en) {
  return (gen_en ? CPO_LANES_CTRL_GEN_EN_MASK : 0u) | (chk_en ? CPO_LANES_CTRL_CHK_EN_MASK : 0u) |
         ((poly << CPO_LANES_CTRL_POLY_SHIFT) & CPO_LANES_CTRL_POLY_MASK);
}

// Select poly and restart every generator from its seed; the next tick() produces the first
// word of the new sequence.
void restart_generators(LanesDut &dut, unsigned poly) {
  assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl_word(poly, false, true)));
  assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl_word(poly, true, true)));
}

std::vector<uint8_t> to_bits(const std::vector<uint32_t> &words) {
  std::vector<uint8_t> bits;
  for (uint32_t w : words)
    for (unsigned j = 0; j < kW; j++)
      bits.push_back((w >> j) & 1u);
  return bits;
}

bool periodic(const std::vector<uint8_t> &bits, size_t period) {
  for (size_t k = 0; k + period < bits.size(); k++)
    if (bits[k] != bits[k + period])
      return false;
  return true;
}

unsigned wait_all_locked(LanesDut &dut, unsigned max_cycles) {
  for (unsigned c = 0; c <= max_cycles; c++) {
    bool all = true;
    for (unsigned l = 0; l < kLanes; l++)
      all = all && dut.locked(l);
    if (all)
      return c;
    dut.tick();
  }
  return ~0u;
}

int setup(void **state) {
  *state = new LanesDut;
  return 0;
}
int teardown(void **state) {
  delete static_cast<LanesDut *>(*state);
  return 0;
}

// Every polynomial: each lane's TX stream is the reference sequence from the lane's seed, the
// stream satisfies the polynomial's recurrence, and PRBS7/9/15 have their full period 2^N-1.
void test_generator_matches_polynomial_recurrence(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  const unsigned kWords = 2100; // 67200 bits: two PRBS15 periods
  for (const auto &p : prbs_ref::polys()) {
    restart_generators(dut, p.code);
    for (auto &log : dut.tx_log)
      log.clear();
    dut.log_tx = true;
    dut.run(kWords);
    dut.log_tx = false;
    for (unsigned l = 0; l < kLanes; l++) {
      std::vector<uint8_t> bits = to_bits(dut.tx_log[l]);
      size_t ones = 0, bad = 0;
      for (size_t k = 0; k < bits.size(); k++) {
        ones += bits[k];
        if (k >= p.degree && bits[k] != prbs_ref::predict(p, bits, k))
          bad++;
      }
      if (bad || ones < bits.size() / 3)
        fail_msg("%s lane %u: %zu recurrence violations, %zu ones in %zu bits", p.name, l, bad,
                 ones, bits.size());
      prbs_ref::Gen ref(p, lane_seed(l));
      for (unsigned i = 0; i < kWords; i++) {
        uint32_t want = static_cast<uint32_t>(ref.next_word(kW));
        if (dut.tx_log[l][i] != want)
          fail_msg("%s lane %u word %u: tx %08x, reference from seed %08x", p.name, l, i,
                   dut.tx_log[l][i], want);
      }
    }
    // Maximal length: periodic with 2^N-1 but with none of its maximal proper divisors.
    std::vector<uint8_t> bits = to_bits(dut.tx_log[0]);
    struct {
      unsigned degree;
      std::vector<size_t> divisors;
    } checks[] = {{7, {127}}, {9, {7, 73}}, {15, {7, 31, 151}}};
    for (const auto &c : checks) {
      if (c.degree != p.degree)
        continue;
      size_t period = (size_t(1) << c.degree) - 1;
      assert_true(periodic(bits, period));
      for (size_t d : c.divisors)
        assert_false(periodic(bits, period / d));
    }
    // Lanes carry different sequences (distinct seeds).
    assert_true(dut.tx_log[0] != dut.tx_log[1]);
  }
}

// Every polynomial, loopback: all lanes lock; k injected TX errors appear in the TX stream at
// the bit and word the register write names and are counted exactly once by the checker.
void test_checker_counts_injected_errors_exactly(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  struct Inj {
    unsigned lane, pos, gap;
  };
  const Inj plan[] = {{3, 0, 0},   {3, 31, 5}, {3, 7, 1}, {3, 8, 0},
                      {3, 20, 40}, {6, 63, 3}, {0, 16, 0}}; // pos 63 >= WordBits flips bit 0
  for (const auto &p : prbs_ref::polys()) {
    for (auto &log : dut.tx_log)
      log.clear();
    restart_generators(dut, p.code);
    dut.log_tx = true;
    unsigned lock_cycles = wait_all_locked(dut, 10);
    if (lock_cycles == ~0u)
      fail_msg("%s: lanes did not lock in 10 cycles", p.name);

    assert_false(dut.apb_write(CPO_LANES_CNT_CLEAR_OFFSET, CPO_LANES_CNT_CLEAR_CLEAR_MASK));
    uint64_t cleared_at = dut.cycles() + 1; // the pulse clears at the next edge
    std::vector<std::pair<size_t, uint32_t>> expected_flips[kLanes];
    unsigned expected_errors[kLanes] = {};
    for (const auto &in : plan) {
      dut.run(in.gap);
      assert_false(dut.apb_write(CPO_LANES_LANE_INJECT_OFFSET_N(in.lane),
                                 CPO_LANES_LANE_INJECT_INJECT_MASK |
                                     (in.pos << CPO_LANES_LANE_INJECT_POS_SHIFT)));
      // The word generated at the next edge carries the flip.
      expected_flips[in.lane].push_back(
          {dut.tx_log[in.lane].size(), 1u << (in.pos < kW ? in.pos : 0)});
      expected_errors[in.lane]++;
    }
    dut.run(20);
    dut.log_tx = false;

    for (unsigned l = 0; l < kLanes; l++) {
      if (!dut.locked(l))
        fail_msg("%s lane %u lost lock", p.name, l);
      if (dut.errors(l) != expected_errors[l])
        fail_msg("%s lane %u: %llu errors counted, %u injected", p.name, l,
                 (unsigned long long)dut.errors(l), expected_errors[l]);
      assert_int_equal(dut.bits(l), uint64_t(kW) * (dut.cycles() - cleared_at));
      // TX stream = reference XOR exactly the injected bits.
      prbs_ref::Gen ref(p, lane_seed(l));
      size_t next = 0;
      for (size_t i = 0; i < dut.tx_log[l].size(); i++) {
        uint32_t diff = dut.tx_log[l][i] ^ static_cast<uint32_t>(ref.next_word(kW));
        uint32_t want = 0;
        while (next < expected_flips[l].size() && expected_flips[l][next].first == i)
          want ^= expected_flips[l][next++].second;
        if (diff != want)
          fail_msg("%s lane %u word %zu: tx differs from reference by %08x, expected %08x", p.name,
                   l, i, diff, want);
      }
    }
  }
}

// Every polynomial, the harness drives RX: a reference stream with flips at known bits (single,
// adjacent, across word boundaries, several per word) is counted exactly, per lane.
void test_checker_counts_harness_errors_exactly(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.loopback = false;
  for (const auto &p : prbs_ref::polys()) {
    assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl_word(p.code, true, true)));
    std::vector<prbs_ref::Gen> refs;
    for (unsigned l = 0; l < kLanes; l++)
      refs.emplace_back(p, 0x1234567u * (l + 3));
    auto feed = [&](const uint32_t *flips) {
      for (unsigned l = 0; l < kLanes; l++)
        dut.set_rx(l, static_cast<uint32_t>(refs[l].next_word(kW)) ^ (flips ? flips[l] : 0u));
      dut.tick();
    };
    for (unsigned i = 0; i < 12; i++)
      feed(nullptr);
    for (unsigned l = 0; l < kLanes; l++)
      if (!dut.locked(l))
        fail_msg("%s lane %u: no lock on a clean stream", p.name, l);
    uint64_t errs0[kLanes], bits0[kLanes];
    for (unsigned l = 0; l < kLanes; l++) {
      errs0[l] = dut.errors(l);
      bits0[l] = dut.bits(l);
    }
    // Lane l gets flips in words 10..(10+8l): a pattern rotating through positions, with two
    // adjacent bits, bit 31 followed by bit 0 of the next word, and four bits in one word.
    const uint32_t patterns[] = {
        0x00000001u, 0x80000000u, 0x00000001u, 0x00000003u, 0x000000f0u | 0x40000000u,
        0x00010000u, 0x0,         0x80000001u};
    unsigned injected[kLanes] = {};
    const unsigned kWords = 200;
    for (unsigned i = 0; i < kWords; i++) {
      uint32_t flips[kLanes] = {};
      for (unsigned l = 0; l < kLanes; l++) {
        if (i >= 10 && i < 10 + 8 * l && (i % 2 == 0)) {
          flips[l] = patterns[(i / 2 + l) % 8];
          injected[l] += __builtin_popcount(flips[l]);
        }
      }
      feed(flips); // the checker counts the word at this tick's edge
    }
    for (unsigned l = 0; l < kLanes; l++) {
      uint64_t got = dut.errors(l) - errs0[l];
      if (got != injected[l])
        fail_msg("%s lane %u: %llu errors counted, %u in the stream", p.name, l,
                 (unsigned long long)got, injected[l]);
      assert_true(dut.locked(l));
      assert_int_equal(dut.bits(l) - bits0[l], uint64_t(kW) * kWords);
    }
  }
}

// A burst of foreign data drops lock; the clean stream after it relocks, and the relocked
// reference is aligned (later single errors are counted exactly).
void test_checker_relocks_after_error_burst(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.loopback = false;
  const auto &p = prbs_ref::polys()[5]; // PRBS31, the reset default
  prbs_ref::Gen ref(p, 0x5eed);
  uint32_t lcg = 12345;
  auto rnd = [&] { return lcg = lcg * 1664525u + 1013904223u; };
  auto feed_all = [&](uint32_t w) {
    for (unsigned l = 0; l < kLanes; l++)
      dut.set_rx(l, w);
    dut.tick();
  };
  for (unsigned i = 0; i < 12; i++)
    feed_all(static_cast<uint32_t>(ref.next_word(kW)));
  assert_true(dut.locked(2));
  bool lost = false;
  for (unsigned i = 0; i < 16; i++) {
    ref.next_word(kW); // the burst replaces these words on the line
    feed_all(rnd());
    lost = lost || !dut.locked(2);
  }
  assert_true(lost);
  assert_false(dut.locked(2));
  unsigned relock = 0;
  while (!dut.locked(2) && relock < 20) {
    feed_all(static_cast<uint32_t>(ref.next_word(kW)));
    relock++;
  }
  if (!dut.locked(2))
    fail_msg("no relock within 20 clean words");
  assert_true(relock <= 4); // history word + LockBits (64) of clean bits + the register
  uint64_t e0 = dut.errors(2);
  for (unsigned i = 0; i < 30; i++)
    feed_all(static_cast<uint32_t>(ref.next_word(kW)) ^ (i % 10 == 3 ? (1u << i) : 0u));
  assert_int_equal(dut.errors(2) - e0, 3);
}

// All-zero (idle) and random input never lock; disabling the checker drops lock but keeps
// the counters.
void test_checker_does_not_lock_on_idle_or_random_input(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.loopback = false;
  uint32_t lcg = 99;
  for (unsigned i = 0; i < 500; i++) {
    for (unsigned l = 0; l < kLanes; l++)
      dut.set_rx(l, l < 4 ? 0u : (lcg = lcg * 1664525u + 1013904223u));
    dut.tick();
    for (unsigned l = 0; l < kLanes; l++)
      if (dut.locked(l))
        fail_msg("lane %u locked on %s input at cycle %u", l, l < 4 ? "all-zero" : "random", i);
  }
  for (unsigned l = 0; l < kLanes; l++) {
    assert_int_equal(dut.bits(l), 0);
    assert_int_equal(dut.errors(l), 0);
  }
  // Loopback locks; CHK_EN=0 drops lock and holds the counts.
  dut.loopback = true;
  assert_true(wait_all_locked(dut, 10) != ~0u);
  dut.run(5);
  assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl_word(5, true, false)));
  dut.tick();
  uint64_t held = dut.bits(0);
  dut.run(10);
  assert_false(dut.locked(0));
  assert_int_equal(dut.bits(0), held);
  assert_true(held > 0);
}

} // namespace

// STREAM_EN parks lanes at exact cycles: a parked lane sends zeros and its checker drops lock
// with its counters held, while the others stream on; streaming again, it restarts from its
// seed and locks again. stream_en_o follows the register from the cycle after the write.
void test_stream_en_parks_and_unparks_lanes(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  bool err = true;
  assert_int_equal(dut.apb_read(CPO_LANES_STREAM_EN_OFFSET, &err), CPO_LANES_STREAM_EN_RESET);
  assert_false(err);
  assert_int_equal(dut.top().stream_en_o, (1u << kLanes) - 1u);
  assert_true(wait_all_locked(dut, 400) != ~0u);
  const unsigned parked = 2;
  assert_false(dut.apb_write(CPO_LANES_STREAM_EN_OFFSET, ~(1u << parked)));
  assert_int_equal(dut.top().stream_en_o, ((1u << kLanes) - 1u) & ~(1u << parked));
  dut.run(4);
  const uint64_t bits_held = dut.bits(parked);
  for (unsigned c = 0; c < 50; c++) {
    assert_int_equal(dut.tx(parked), 0u);
    assert_false(dut.locked(parked));
    dut.tick();
  }
  assert_true(dut.bits(parked) == bits_held);
  for (unsigned l = 0; l < kLanes; l++)
    if (l != parked)
      assert_true(dut.locked(l));
  assert_false(dut.apb_write(CPO_LANES_STREAM_EN_OFFSET, ~0u));
  assert_int_equal(dut.top().stream_en_o, (1u << kLanes) - 1u);
  assert_true(wait_all_locked(dut, 400) != ~0u);
  assert_int_equal(dut.errors(parked), 0u);
}

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_generator_matches_polynomial_recurrence, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_checker_counts_injected_errors_exactly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checker_counts_harness_errors_exactly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checker_relocks_after_error_burst, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stream_en_parks_and_unparks_lanes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checker_does_not_lock_on_idle_or_random_input, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
