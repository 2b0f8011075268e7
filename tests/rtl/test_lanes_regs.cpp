// Register block of cpo_lanes_top over APB3, through the generated C header's names.
#include <cstdio>

#include "cmocka_cpp.h"
#include "cpo/lanes_regs.h"
#include "lanes_dut_fixture.h"

namespace {

constexpr unsigned kLanes = LanesDut::kLanes;

void test_identification_registers_read_their_constants(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  assert_int_equal(rd(dut, CPO_LANES_ID_OFFSET), 0x43504F45u); // "CPOE"
  assert_int_equal(CPO_LANES_ID_MAGIC_RESET, 0x43504F45u);
  assert_int_equal(rd(dut, CPO_LANES_VERSION_OFFSET), CPO_LANES_VERSION_RESET);
  assert_int_equal((rd(dut, CPO_LANES_VERSION_OFFSET) & CPO_LANES_VERSION_MAJOR_MASK) >>
                       CPO_LANES_VERSION_MAJOR_SHIFT,
                   1);
  uint32_t cfg = rd(dut, CPO_LANES_CONFIG_OFFSET);
  assert_int_equal((cfg & CPO_LANES_CONFIG_NUM_LANES_MASK) >> CPO_LANES_CONFIG_NUM_LANES_SHIFT,
                   kLanes);
  assert_int_equal((cfg & CPO_LANES_CONFIG_WORD_BITS_MASK) >> CPO_LANES_CONFIG_WORD_BITS_SHIFT,
                   LanesDut::kWordBits);
  assert_int_equal(CPO_LANES_LANE_STATUS_COUNT, kLanes);
  assert_int_equal(rd(dut, CPO_LANES_CTRL_OFFSET), CPO_LANES_CTRL_RESET);
  assert_int_equal((CPO_LANES_CTRL_RESET & CPO_LANES_CTRL_POLY_MASK) >> CPO_LANES_CTRL_POLY_SHIFT,
                   5); // PRBS31
  // Constants ignore writes.
  assert_false(dut.apb_write(CPO_LANES_ID_OFFSET, 0));
  assert_int_equal(rd(dut, CPO_LANES_ID_OFFSET), 0x43504F45u);
  assert_true(dut.ready_ok());
}

void test_scratch_holds_what_was_written(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), CPO_LANES_SCRATCH_RESET);
  const uint32_t patterns[] = {0xffffffffu, 0x00000000u, 0xa5a5a5a5u,
                               0x5a5a5a5au, 0x80000001u, 0x12345678u};
  for (uint32_t v : patterns) {
    assert_false(dut.apb_write(CPO_LANES_SCRATCH_OFFSET, v));
    assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), v);
  }
  // A read without psel, or a write phase without penable, changes nothing.
  dut.top().psel_i = 0;
  dut.top().pwrite_i = 1;
  dut.top().penable_i = 1;
  dut.top().paddr_i = CPO_LANES_SCRATCH_OFFSET;
  dut.top().pwdata_i = 0xdeadbeefu;
  dut.tick();
  dut.top().pwrite_i = 0;
  dut.top().penable_i = 0;
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), 0x12345678u);
}

// The first address after the last single (non-array) register, found from the generated list.
constexpr uint16_t kAfterCommonRegs = [] {
  unsigned end = 0;
#define CPO_AFTER(name, offset, count, stride)                                                     \
  if ((count) == 1 && (offset) + 4 > end)                                                          \
    end = (offset) + 4;
  CPO_LANES_REG_LIST(CPO_AFTER)
#undef CPO_AFTER
  return static_cast<uint16_t>(end);
}();

void test_unmapped_addresses_return_pslverr(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  // After the last common register, before the lane array, after lane 0's last register, past
  // the last lane, misaligned, and high in the window.
  const uint16_t bad[] = {kAfterCommonRegs,
                          CPO_LANES_LANE_STATUS_OFFSET - 4,
                          CPO_LANES_LANE_ERRS_HI_OFFSET + 4,
                          CPO_LANES_LANE_ERRS_HI_OFFSET + 8,
                          static_cast<uint16_t>(CPO_LANES_LANE_STATUS_OFFSET_N(kLanes)),
                          CPO_LANES_ID_OFFSET + 2,
                          CPO_LANES_LANE_STATUS_OFFSET + 1,
                          0xfffc,
                          0x8000};
  for (uint16_t a : bad) {
    bool err = false;
    uint32_t v = dut.apb_read(a, &err);
    if (!err)
      fail_msg("read of unmapped 0x%04x completed without PSLVERR", a);
    assert_int_equal(v, 0);
    if (!dut.apb_write(a, 0xffffffffu))
      fail_msg("write to 0x%04x without PSLVERR", a);
  }
  // Mapped addresses do not error, and the failed writes changed nothing.
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), 0);
  assert_int_equal(rd(dut, CPO_LANES_CTRL_OFFSET), CPO_LANES_CTRL_RESET);
  for (unsigned l = 0; l < kLanes; l++)
    rd(dut, CPO_LANES_LANE_ERRS_HI_OFFSET_N(l));
  assert_true(dut.ready_ok());
}

// Reading LO returns the counter's low half at that cycle and captures its high half, so
// HI read later (after the counter moved) completes the same 64-bit value.
void test_counters_read_consistently_through_lo_hi(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.run(50);
  for (unsigned l = 0; l < kLanes; l++) {
    assert_int_equal(rd(dut, CPO_LANES_LANE_STATUS_OFFSET_N(l)), CPO_LANES_LANE_STATUS_LOCKED_MASK);
    // The register block samples in the access cycle, i.e. the value of lane_bits_o then.
    dut.top().psel_i = 1;
    dut.top().pwrite_i = 0;
    dut.top().paddr_i = CPO_LANES_LANE_BITS_LO_OFFSET_N(l);
    dut.tick();
    dut.top().penable_i = 1;
    dut.top().eval();
    uint64_t at_read = dut.bits(l);
    uint32_t lo = dut.top().prdata_o;
    dut.tick();
    dut.top().psel_i = 0;
    dut.top().penable_i = 0;
    dut.run(7);
    uint32_t hi = rd(dut, CPO_LANES_LANE_BITS_HI_OFFSET_N(l));
    assert_int_equal((uint64_t(hi) << 32) | lo, at_read);
    assert_true(dut.bits(l) > at_read); // the counter kept running meanwhile
    assert_int_equal(lo % 32, 0);
    uint32_t elo = rd(dut, CPO_LANES_LANE_ERRS_LO_OFFSET_N(l));
    uint32_t ehi = rd(dut, CPO_LANES_LANE_ERRS_HI_OFFSET_N(l));
    assert_int_equal((uint64_t(ehi) << 32) | elo, dut.errors(l));
  }
}

// LANE_INJECT makes exactly one error on its lane, visible in LANE_ERRS; CNT_CLEAR zeroes every
// lane's counters.
void test_inject_counts_and_clear_zeroes_counters(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.run(50);
  for (unsigned l = 0; l < kLanes; l++)
    for (unsigned k = 0; k <= l; k++)
      assert_false(dut.apb_write(CPO_LANES_LANE_INJECT_OFFSET_N(l),
                                 CPO_LANES_LANE_INJECT_INJECT_MASK |
                                     ((3 * k + l) << CPO_LANES_LANE_INJECT_POS_SHIFT)));
  dut.run(3);
  for (unsigned l = 0; l < kLanes; l++) {
    assert_int_equal(rd(dut, CPO_LANES_LANE_ERRS_LO_OFFSET_N(l)), l + 1);
    assert_int_equal(rd(dut, CPO_LANES_LANE_ERRS_HI_OFFSET_N(l)), 0);
    // POS is readable, INJECT reads 0.
    assert_int_equal(rd(dut, CPO_LANES_LANE_INJECT_OFFSET_N(l)),
                     (3 * l + l) << CPO_LANES_LANE_INJECT_POS_SHIFT);
    assert_true(rd(dut, CPO_LANES_LANE_BITS_LO_OFFSET_N(l)) > 0);
  }
  assert_int_equal(rd(dut, CPO_LANES_CNT_CLEAR_OFFSET), 0);
  assert_false(dut.apb_write(CPO_LANES_CNT_CLEAR_OFFSET, CPO_LANES_CNT_CLEAR_CLEAR_MASK));
  assert_true(dut.errors(kLanes - 1) > 0); // the pulse acts in the cycle after the write
  dut.tick();
  for (unsigned l = 0; l < kLanes; l++) {
    assert_int_equal(dut.errors(l), 0);
    assert_int_equal(dut.bits(l), 0); // cleared at this edge, counting resumes after it
  }
  for (unsigned l = 0; l < kLanes; l++) {
    assert_int_equal(rd(dut, CPO_LANES_LANE_ERRS_LO_OFFSET_N(l)), 0);
    assert_true(dut.locked(l));
  }
  // Writing 0 to CNT_CLEAR does nothing.
  uint64_t before = dut.bits(0);
  assert_false(dut.apb_write(CPO_LANES_CNT_CLEAR_OFFSET, 0));
  assert_true(dut.bits(0) > before);
}

// CTRL.GEN_EN=0 idles the TX lanes (zeros); the checkers see that as lost lock.
void test_ctrl_disables_generators(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  dut.run(20);
  uint32_t ctrl = rd(dut, CPO_LANES_CTRL_OFFSET) & ~CPO_LANES_CTRL_GEN_EN_MASK;
  assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl));
  dut.tick();
  for (unsigned l = 0; l < kLanes; l++)
    assert_int_equal(dut.tx(l), 0);
  dut.run(10);
  for (unsigned l = 0; l < kLanes; l++)
    assert_false(dut.locked(l));
  assert_false(dut.apb_write(CPO_LANES_CTRL_OFFSET, ctrl | CPO_LANES_CTRL_GEN_EN_MASK));
  dut.run(10);
  for (unsigned l = 0; l < kLanes; l++)
    assert_true(dut.locked(l));
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_identification_registers_read_their_constants, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_scratch_holds_what_was_written, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unmapped_addresses_return_pslverr, setup, teardown),
      cmocka_unit_test_setup_teardown(test_counters_read_consistently_through_lo_hi, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_inject_counts_and_clear_zeroes_counters, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ctrl_disables_generators, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
