// cpo_prbs_gen/cpo_prbs_chk at Width 1, 13 and 64 (tests/rtl/cpo_prbs_widths_tb.sv): the
// generators follow the reference sequences bit for bit across word boundaries, and the
// checkers lock and count exactly, including with gaps in valid_i; a Lazy generator's words
// equal the eager one's in every cycle they are used, however long it sat unused.
#include <vector>

#include "Vcpo_prbs_widths_tb.h"
#include "cmocka_cpp.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"
#include "prbs_ref.h"

namespace {

using Dut = cpo::harness::Sim<Vcpo_prbs_widths_tb>;
const unsigned kWidths[3] = {1, 13, 64};
constexpr uint32_t kSeed = 0x2b3c4d5eu;

uint64_t tx(Dut &d, int i) {
  return i == 0 ? d->tx1_o : i == 1 ? d->tx13_o : d->tx64_o;
}
void set_rx(Dut &d, int i, uint64_t w) {
  if (i == 0)
    d->rx1_i = w & 1u;
  else if (i == 1)
    d->rx13_i = w & 0x1fffu;
  else
    d->rx64_i = w;
}
uint64_t lazy(Dut &d, int i) {
  return i == 0 ? d->lazy1_o : i == 1 ? d->lazy13_o : d->lazy64_o;
}
uint64_t wide(const VlWide<6> &w, int i) {
  return cpo::harness::laneGet(w, i, 64);
}

int setup(void **state) {
  auto *d = new Dut;
  d->reset(1);
  (*d)->seed_i = kSeed;
  (*d)->valid64_i = 1;
  *state = d;
  return 0;
}
int teardown(void **state) {
  delete static_cast<Dut *>(*state);
  return 0;
}

// Start poly with the generators restarted from kSeed; the next tick gives the first word.
void start(Dut &d, unsigned poly) {
  d->en_i = 0;
  d->poly_i = poly;
  d.tick();
  d->en_i = 1;
}

void test_generators_follow_reference_at_every_width(void **state) {
  auto &d = *static_cast<Dut *>(*state);
  for (const auto &p : prbs_ref::polys()) {
    start(d, p.code);
    std::vector<prbs_ref::Gen> refs(3, prbs_ref::Gen(p, kSeed));
    for (unsigned c = 0; c < 700; c++) {
      d.tick();
      for (int i = 0; i < 3; i++) {
        uint64_t want = refs[i].next_word(kWidths[i]);
        if (tx(d, i) != want)
          fail_msg("%s width %u cycle %u: tx %llx, reference %llx", p.name, kWidths[i], c,
                   (unsigned long long)tx(d, i), (unsigned long long)want);
      }
    }
  }
}

// Loopback with injected errors: every injection is one error, at every width, including
// positions beyond the word (which flip bit 0).
void test_checkers_lock_and_count_injections_at_every_width(void **state) {
  auto &d = *static_cast<Dut *>(*state);
  for (const auto &p : prbs_ref::polys()) {
    start(d, p.code);
    auto step = [&] {
      d.tick();
      for (int i = 0; i < 3; i++)
        set_rx(d, i, tx(d, i)); // RX sees this word next edge
    };
    // Width 1 needs the degree for history plus 64 clean bits: < 100 cycles.
    for (unsigned c = 0; c < 100; c++)
      step();
    assert_int_equal(d->locked_o, 7);
    d->clear_i = 1;
    step();
    d->clear_i = 0;
    const unsigned positions[] = {0, 12, 13, 63, 5, 40};
    unsigned n = 0;
    for (unsigned pos : positions) {
      d->inject_i = 7;
      d->inject_pos_i = pos;
      step();
      d->inject_i = 0;
      n++;
      for (unsigned c = 0; c < 9; c++)
        step();
    }
    step();
    for (int i = 0; i < 3; i++) {
      if (wide(d->errors_o, i) != n)
        fail_msg("%s width %u: %llu errors counted, %u injected", p.name, kWidths[i],
                 (unsigned long long)wide(d->errors_o, i), n);
    }
    assert_int_equal(d->locked_o, 7);
  }
}

// Width 64 fed by the harness with gaps in valid_i and errors on word boundaries.
void test_checker_counts_exactly_with_valid_gaps(void **state) {
  auto &d = *static_cast<Dut *>(*state);
  const auto &p = prbs_ref::polys()[2]; // PRBS13: four feedback taps
  d->poly_i = p.code;
  d->en_i = 1;
  prbs_ref::Gen ref(p, 0x777);
  uint64_t lcg = 1;
  unsigned injected = 0, words = 0;
  for (unsigned c = 0; c < 600; c++) {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    bool valid = (lcg >> 60) != 0; // about one cycle in 16 carries no word
    d->valid64_i = valid;
    if (valid) {
      uint64_t w = ref.next_word(64);
      if (c > 25 && c % 7 == 0) {
        uint64_t flips = (c % 2) ? 0x8000000000000001ull : (1ull << (c % 64));
        w ^= flips;
        injected += __builtin_popcountll(flips);
      }
      if (c >= 22)
        words++; // the clear acts at edge 21 and drops that word
      d->rx64_i = w;
    } else {
      d->rx64_i = lcg; // junk that must be ignored
    }
    d.tick();
    if (c == 20) {
      assert_true(d->locked_o & 4u);
      d->clear_i = 1;
    } else {
      d->clear_i = 0;
    }
  }
  assert_true(d->locked_o & 4u);
  assert_int_equal(wide(d->errors_o, 2), injected);
  assert_int_equal(wide(d->bits_o, 2), 64ull * words);
}

// Used in bursts and single cycles, unused for stretches up to longer than PRBS7/9's periods
// (the jumps then wrap), across polynomial changes, enable gaps and injected bits.
void test_lazy_generator_words_equal_eager_ones_when_used(void **state) {
  auto &d = *static_cast<Dut *>(*state);
  uint64_t x = 0x243f6a8885a308d3ull;
  auto rnd = [&x](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  unsigned used_cycles = 0;
  for (unsigned seg = 0; seg < 400; seg++) {
    const uint64_t kind = rnd(8);
    if (kind == 0)
      d->poly_i = static_cast<uint8_t>(rnd(8)); // the reserved codes 6 and 7 too
    d->en_i = kind != 1;
    d->used_i = 0;
    const uint64_t idle = rnd(4) == 0 ? rnd(3000) : rnd(20);
    for (uint64_t c = 0; c < idle; c++)
      d.tick();
    d->used_i = 1;
    const uint64_t busy = 1 + rnd(6);
    for (uint64_t c = 0; c < busy; c++) {
      d->inject_i = rnd(3) == 0 ? static_cast<uint8_t>(rnd(8)) : 0;
      d->inject_pos_i = static_cast<uint8_t>(rnd(64));
      d.tick();
      d->inject_i = 0;
      for (int i = 0; i < 3; i++)
        assert_int_equal(lazy(d, i), tx(d, i));
      used_cycles++;
    }
  }
  assert_true(used_cycles > 1000);
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_generators_follow_reference_at_every_width, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_checkers_lock_and_count_injections_at_every_width, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_checker_counts_exactly_with_valid_gaps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lazy_generator_words_equal_eager_ones_when_used, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
