// The SV that rtl/reggen generates, simulated: every access type of the regtest block
// (tests/rtl/regtest.regs.toml) behaves as documented in reggen.py.
#include "Vcpo_regtest_tb.h"
#include "cmocka_cpp.h"
#include "cpo/regtest_regs.h"
#include "vdut.h"

namespace {

using Dut = VDut<Vcpo_regtest_tb>;

int setup(void **state) {
  *state = new Dut;
  return 0;
}
int teardown(void **state) {
  delete static_cast<Dut *>(*state);
  return 0;
}

uint32_t rd(Dut &dut, uint16_t addr) {
  bool err = true;
  uint32_t v = dut.apb_read(addr, &err);
  if (err)
    fail_msg("read of 0x%04x failed", addr);
  return v;
}

void test_resets_and_const(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  assert_int_equal(rd(dut, CPO_REGTEST_ID_OFFSET), 0x7E570001u);
  assert_int_equal(rd(dut, CPO_REGTEST_CTRL_OFFSET), (0x5au | (1u << 8))); // wo KEY reads 0
  assert_int_equal(dut->mode_o, CPO_REGTEST_CTRL_MODE_RESET);
  assert_int_equal(dut->flag_o, 1);
  assert_int_equal(dut->key_o, CPO_REGTEST_CTRL_KEY_RESET);
  for (unsigned i = 0; i < CPO_REGTEST_CH_CFG_COUNT; i++) {
    assert_int_equal(((dut->gain_o >> (12 * i)) & 0xfffu), 0x800);
    assert_int_equal(rd(dut, CPO_REGTEST_CH_CFG_OFFSET_N(i)), CPO_REGTEST_CH_CFG_RESET);
  }
  // The C reset of CTRL includes the wo field's reset, as the header documents.
  assert_int_equal(CPO_REGTEST_CTRL_RESET, 0x5au | (1u << 8) | (0x1234u << 16));
}

void test_rw_and_wo_fields_drive_hardware(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  assert_false(dut.apb_write(CPO_REGTEST_CTRL_OFFSET, 0xbeef00a7u)); // FLAG=0, MODE=a7
  assert_int_equal(dut->mode_o, 0xa7);
  assert_int_equal(dut->flag_o, 0);
  assert_int_equal(dut->key_o, 0xbeef);
  assert_int_equal(rd(dut, CPO_REGTEST_CTRL_OFFSET), 0xa7u); // KEY is write-only
  for (unsigned i = 0; i < CPO_REGTEST_CH_CFG_COUNT; i++)
    assert_false(dut.apb_write(CPO_REGTEST_CH_CFG_OFFSET_N(i), (0x100u + i) << 4 | 0xfu));
  for (unsigned i = 0; i < CPO_REGTEST_CH_CFG_COUNT; i++) {
    assert_int_equal(((dut->gain_o >> (12 * i)) & 0xfffu), 0x100 + i);
    assert_int_equal(rd(dut, CPO_REGTEST_CH_CFG_OFFSET_N(i)), (0x100u + i) << 4); // bits 3:0 unused
  }
}

void test_ro_reads_hardware_and_ignores_writes(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  dut->level_i = 0xc3;
  assert_int_equal(rd(dut, CPO_REGTEST_STATUS_OFFSET), 0xc3u << CPO_REGTEST_STATUS_LEVEL_SHIFT);
  assert_false(dut.apb_write(CPO_REGTEST_STATUS_OFFSET, 0));
  assert_int_equal(rd(dut, CPO_REGTEST_STATUS_OFFSET), 0xc30u);
}

void test_w1c_set_by_hardware_cleared_by_one(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  assert_int_equal(dut->ovf_o, 0);
  dut->ovf_set_i = 1;
  dut.tick();
  dut->ovf_set_i = 0;
  dut.run(3);
  assert_int_equal(dut->ovf_o, 1);
  assert_false(dut.apb_write(CPO_REGTEST_EVENTS_OFFSET, 0)); // writing 0 keeps it
  assert_int_equal(rd(dut, CPO_REGTEST_EVENTS_OFFSET) & CPO_REGTEST_EVENTS_OVF_MASK, 1);
  assert_false(dut.apb_write(CPO_REGTEST_EVENTS_OFFSET, CPO_REGTEST_EVENTS_OVF_MASK));
  assert_int_equal(dut->ovf_o, 0);
  // A hardware set in the cycle of the clearing write wins: no event is lost.
  dut.top().psel_i = 1;
  dut.top().pwrite_i = 1;
  dut.top().paddr_i = CPO_REGTEST_EVENTS_OFFSET;
  dut.top().pwdata_i = CPO_REGTEST_EVENTS_OVF_MASK;
  dut.tick();
  dut.top().penable_i = 1;
  dut->ovf_set_i = 1;
  dut.tick();
  dut.top().psel_i = dut.top().penable_i = 0;
  dut->ovf_set_i = 0;
  assert_int_equal(dut->ovf_o, 1);
}

void test_rc_cleared_by_read(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  dut->seen_set_i = 0x5;
  dut.tick();
  dut->seen_set_i = 0x2;
  dut.tick();
  dut->seen_set_i = 0;
  assert_int_equal(dut->seen_o, 0x7);
  assert_int_equal(rd(dut, CPO_REGTEST_EVENTS_OFFSET), 0x7u << CPO_REGTEST_EVENTS_SEEN_SHIFT);
  assert_int_equal(dut->seen_o, 0);
  assert_int_equal(rd(dut, CPO_REGTEST_EVENTS_OFFSET), 0);
}

void test_w1p_pulses_for_one_cycle(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  dut.top().psel_i = 1;
  dut.top().pwrite_i = 1;
  dut.top().paddr_i = CPO_REGTEST_EVENTS_OFFSET;
  dut.top().pwdata_i = 0x80000000u;
  dut.tick();
  assert_int_equal(dut->go_o, 0);
  dut.top().penable_i = 1;
  dut.tick(); // the write completes at this edge
  dut.top().psel_i = dut.top().penable_i = 0;
  assert_int_equal(dut->go_o, 0x2);
  dut.tick();
  assert_int_equal(dut->go_o, 0);
  assert_int_equal(rd(dut, CPO_REGTEST_EVENTS_OFFSET), 0); // reads 0
  assert_int_equal(dut->go_o, 0);
}

// rws: the reset value, hardware sets bits (a preset), software writes the whole value (it may
// clear what hardware set), and a set in the cycle of the write wins.
void test_rws_hardware_sets_software_writes(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  assert_int_equal(dut->done_o, CPO_REGTEST_DONE_LANES_RESET);
  dut->done_set_i = 0xf0;
  dut.tick();
  dut->done_set_i = 0;
  dut.run(2);
  assert_int_equal(dut->done_o, 0xf1);
  assert_int_equal(rd(dut, CPO_REGTEST_DONE_OFFSET), 0xf1u);
  assert_false(dut.apb_write(CPO_REGTEST_DONE_OFFSET, 0x0c)); // clears the preset bits
  assert_int_equal(dut->done_o, 0x0c);
  assert_int_equal(rd(dut, CPO_REGTEST_DONE_OFFSET), 0x0cu);
  dut.top().psel_i = 1;
  dut.top().pwrite_i = 1;
  dut.top().paddr_i = CPO_REGTEST_DONE_OFFSET;
  dut.top().pwdata_i = 0;
  dut.tick();
  dut.top().penable_i = 1;
  dut->done_set_i = 0x02;
  dut.tick();
  dut.top().psel_i = dut.top().penable_i = 0;
  dut->done_set_i = 0;
  assert_int_equal(dut->done_o, 0x02);
}

// LO returns the live low half and captures the high half; HI returns the capture even after
// the counter has carried into the high half.
void test_latched_pair_reads_one_consistent_value(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  for (unsigned i = 0; i < CPO_REGTEST_CNT_LO_COUNT; i++)
    dut->cnt_i[2 * i] = dut->cnt_i[2 * i + 1] = 0;
  dut->cnt_i[2] = 0xffffffffu; // channel 1 = 0x00000001_ffffffff
  dut->cnt_i[3] = 0x00000001u;
  dut->cnt_i[5] = 0x000000aau; // channel 2 high half, never captured yet
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_HI_OFFSET_N(1)), 0); // nothing captured yet
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_LO_OFFSET_N(1)), 0xffffffffu);
  dut->cnt_i[2] = 0; // the counter carries
  dut->cnt_i[3] = 2;
  dut.run(5);
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_HI_OFFSET_N(1)), 1);
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_HI_OFFSET_N(2)), 0); // other channels untouched
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_LO_OFFSET_N(1)), 0);
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_HI_OFFSET_N(1)), 2);
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_LO_OFFSET_N(2)), 0);
  assert_int_equal(rd(dut, CPO_REGTEST_CNT_HI_OFFSET_N(2)), 0xaa);
}

void test_unmapped_and_misaligned_addresses_error(void **state) {
  auto &dut = *static_cast<Dut *>(*state);
  const uint16_t bad[] = {0x10, 0x01, 0x06, 0x10c, 0x130, 0xfffc};
  for (uint16_t a : bad) {
    bool err = false;
    dut.apb_read(a, &err);
    if (!err)
      fail_msg("read of 0x%04x: no PSLVERR", a);
    if (!dut.apb_write(a, 0xffffffffu))
      fail_msg("write of 0x%04x: no PSLVERR", a);
  }
  assert_int_equal(rd(dut, CPO_REGTEST_CTRL_OFFSET), 0x5au | (1u << 8));
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_resets_and_const, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rw_and_wo_fields_drive_hardware, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ro_reads_hardware_and_ignores_writes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_w1c_set_by_hardware_cleared_by_one, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rc_cleared_by_read, setup, teardown),
      cmocka_unit_test_setup_teardown(test_w1p_pulses_for_one_cycle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rws_hardware_sets_software_writes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_latched_pair_reads_one_consistent_value, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unmapped_and_misaligned_addresses_error, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
