// The analog front-end converter bank of cpo_lanes_top (cpo_afe_bank) over APB3, against its
// specification: the DAC window (CPO_LANES_DAC_OFFSET_N(ch, idx), read/write [15:0]), the ADC
// window (CPO_LANES_ADC_OFFSET_N, read-only adc_code_i), anything else there PSLVERR with no
// effect; DAC codes preset in reset; one dac_we_o pulse per completed DAC write. Channel counts
// come from cpo/analog_channels.h, the numbering the C side uses, not from the RTL.
#include <cstdio>

#include "cmocka_cpp.h"
#include "cpo/analog_channels.h"
#include "cpo/lanes_regs.h"
#include "lanes_dut_fixture.h"

namespace {

constexpr unsigned kLanes = LanesDut::kLanes;
constexpr unsigned kDacCh = CPO_DAC_COUNT;
constexpr unsigned kAdcCh = CPO_ADC_COUNT;
// The window addresses come from the register description (lanes.regs.toml [[window]]).
static_assert(CPO_LANES_DAC_IDX_COUNT == LanesDut::kLanes, "DAC window index count");
static_assert(CPO_LANES_ADC_IDX_COUNT == LanesDut::kLanes, "ADC window index count");

uint16_t dac_addr(unsigned ch, unsigned idx) {
  return uint16_t(CPO_LANES_DAC_OFFSET_N(ch, idx));
}
uint16_t adc_addr(unsigned ch, unsigned idx) {
  return uint16_t(CPO_LANES_ADC_OFFSET_N(ch, idx));
}

// A distinct code per entry, different for each seed.
uint16_t pattern(unsigned ch, unsigned idx, unsigned seed) {
  return uint16_t(0x9e37u * (ch * 64 + idx + 1) + 0x7f4au * seed);
}

// Every DAC register reads back expected[ch][idx] (upper bits 0), and no read pulses dac_we_o.
void check_all_dac(LanesDut &dut, const uint16_t expected[kDacCh][kLanes]) {
  for (unsigned ch = 0; ch < kDacCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++) {
      uint32_t v = rd(dut, dac_addr(ch, idx));
      if (v != expected[ch][idx])
        fail_msg("DAC ch %u idx %u reads 0x%08x, expected 0x%04x", ch, idx, v, expected[ch][idx]);
      assert_false(dut.top().dac_we_o);
    }
}

void test_dac_write_reads_back_and_pulses_once_after_the_write(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  uint16_t expected[kDacCh][kLanes] = {};
  check_all_dac(dut, expected);

  struct {
    unsigned ch, idx;
    uint16_t code;
  } writes[] = {{0, 0, 0x1234},
                {CPO_DAC_MOD_BIAS, 3, 0xfc18},
                {kDacCh - 1, kLanes - 1, 0xffff},
                {CPO_DAC_HEATER, kLanes - 1, 0x0001},
                {kDacCh - 1, 0, 0x8000},
                {CPO_DAC_MOD_BIAS, 3, 0xfc18} /* same value again: still one pulse */};
  for (const auto &w : writes) {
    auto &top = dut.top();
    // Setup cycle, then the access cycle: no pulse yet.
    top.psel_i = 1;
    top.penable_i = 0;
    top.pwrite_i = 1;
    top.paddr_i = dac_addr(w.ch, w.idx);
    top.pwdata_i = w.code;
    dut.tick();
    assert_false(top.dac_we_o);
    top.penable_i = 1;
    top.eval();
    assert_true(top.pready_o);
    assert_false(top.pslverr_o);
    assert_false(top.dac_we_o);
    dut.tick(); // the write completes at this edge
    top.psel_i = top.penable_i = top.pwrite_i = 0;
    top.eval();
    // The cycle after: the pulse, with what was written.
    assert_true(top.dac_we_o);
    assert_int_equal(top.dac_channel_o, w.ch);
    assert_int_equal(top.dac_index_o, w.idx);
    assert_int_equal(top.dac_code_o, w.code);
    dut.tick();
    assert_false(top.dac_we_o);
    dut.run(3);
    assert_false(top.dac_we_o);
    expected[w.ch][w.idx] = w.code;
    assert_int_equal(rd(dut, dac_addr(w.ch, w.idx)), w.code);
  }
  check_all_dac(dut, expected);

  // Back-to-back writes through the helper: each pulses in the cycle right after it.
  for (unsigned idx = 0; idx < kLanes; idx++) {
    const uint16_t code = pattern(CPO_DAC_DRIVER_SWING, idx, 1);
    assert_false(dut.apb_write(dac_addr(CPO_DAC_DRIVER_SWING, idx), code));
    assert_true(dut.top().dac_we_o);
    assert_int_equal(dut.top().dac_channel_o, CPO_DAC_DRIVER_SWING);
    assert_int_equal(dut.top().dac_index_o, idx);
    assert_int_equal(dut.top().dac_code_o, code);
    expected[CPO_DAC_DRIVER_SWING][idx] = code;
  }
  dut.tick();
  assert_false(dut.top().dac_we_o);
  check_all_dac(dut, expected);
  assert_true(dut.ready_ok());
}

void test_dac_bits_above_the_code_are_ignored(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  assert_false(dut.apb_write(dac_addr(CPO_DAC_RX_THRESHOLD_MID, 2), 0xabcd1234u));
  assert_true(dut.top().dac_we_o);
  assert_int_equal(dut.top().dac_code_o, 0x1234);
  assert_int_equal(rd(dut, dac_addr(CPO_DAC_RX_THRESHOLD_MID, 2)), 0x1234);
  assert_false(dut.apb_write(dac_addr(CPO_DAC_RX_THRESHOLD_MID, 2), 0xffff0000u));
  assert_int_equal(dut.top().dac_code_o, 0);
  assert_int_equal(rd(dut, dac_addr(CPO_DAC_RX_THRESHOLD_MID, 2)), 0);
}

// The codes take dac_preset_i in reset, with no pulse; after reset they hold (a later change of
// dac_preset_i does nothing) until written; a new reset restores the presets.
void test_presets_load_in_reset_without_a_pulse(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  auto &top = dut.top();
  uint16_t expected[kDacCh][kLanes];
  for (unsigned ch = 0; ch < kDacCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++) {
      expected[ch][idx] = pattern(ch, idx, 2);
      dut.set_dac_preset(ch, idx, expected[ch][idx]);
    }
  // A write just before reset must not leave a pulse behind either.
  assert_false(dut.apb_write(dac_addr(0, 1), 0x5555));
  top.rst_ni = 0;
  top.eval();
  assert_false(top.dac_we_o);
  for (int i = 0; i < 3; i++) {
    dut.tick();
    assert_false(top.dac_we_o);
  }
  top.rst_ni = 1;
  top.eval();
  for (int i = 0; i < 5; i++) {
    assert_false(top.dac_we_o);
    dut.tick();
  }
  check_all_dac(dut, expected);

  for (unsigned ch = 0; ch < kDacCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      dut.set_dac_preset(ch, idx, pattern(ch, idx, 3));
  dut.run(3);
  check_all_dac(dut, expected); // presets only act in reset

  assert_false(dut.apb_write(dac_addr(kDacCh - 1, kLanes - 1), 0x0bad));
  dut.reset();
  assert_false(top.dac_we_o);
  for (unsigned ch = 0; ch < kDacCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      expected[ch][idx] = pattern(ch, idx, 3);
  check_all_dac(dut, expected);
}

void test_adc_reads_show_adc_code_i(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  for (unsigned ch = 0; ch < kAdcCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      dut.set_adc(ch, idx, pattern(ch, idx, 4));
  const unsigned probes[][2] = {
      {0, 0},          {0, kLanes - 1},         {CPO_ADC_MOD_TEMP, 5}, {CPO_ADC_LASER_POWER, 1},
      {kAdcCh - 1, 0}, {kAdcCh - 1, kLanes - 1}};
  for (const auto &p : probes)
    assert_int_equal(rd(dut, adc_addr(p[0], p[1])), pattern(p[0], p[1], 4));
  for (unsigned ch = 0; ch < kAdcCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      assert_int_equal(rd(dut, adc_addr(ch, idx)), pattern(ch, idx, 4));
  // The read shows the code at the time of the read, not a stored copy.
  dut.set_adc(kAdcCh - 1, kLanes - 1, 0xffff);
  assert_int_equal(rd(dut, adc_addr(kAdcCh - 1, kLanes - 1)), 0xffff);
  dut.set_adc(kAdcCh - 1, kLanes - 1, 0);
  assert_int_equal(rd(dut, adc_addr(kAdcCh - 1, kLanes - 1)), 0);
  assert_int_equal(rd(dut, adc_addr(kAdcCh - 1, kLanes - 2)), pattern(kAdcCh - 1, kLanes - 2, 4));
  assert_false(dut.top().dac_we_o);
  assert_true(dut.ready_ok());
}

// Every address of the windows outside the map, and every write to the ADC window, completes
// with PSLVERR, reads 0, writes nothing and pulses nothing.
void test_bank_errors_answer_pslverr_and_change_nothing(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  uint16_t expected[kDacCh][kLanes];
  for (unsigned ch = 0; ch < kDacCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++) {
      expected[ch][idx] = pattern(ch, idx, 5);
      assert_false(dut.apb_write(dac_addr(ch, idx), expected[ch][idx]));
    }
  for (unsigned ch = 0; ch < kAdcCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      dut.set_adc(ch, idx, pattern(ch, idx, 6));

  const uint16_t bad[] = {dac_addr(0, kLanes),
                          dac_addr(kDacCh - 1, kLanes),
                          dac_addr(0, 63),
                          dac_addr(kDacCh, 0),
                          dac_addr(kDacCh, kLanes - 1),
                          dac_addr(15, 0),
                          uint16_t(CPO_LANES_DAC_OFFSET + CPO_LANES_DAC_SIZE - 4),
                          uint16_t(dac_addr(0, 0) + 1),
                          uint16_t(dac_addr(0, 0) + 2),
                          uint16_t(dac_addr(0, 0) + 3),
                          uint16_t(dac_addr(kDacCh - 1, kLanes - 1) + 2),
                          uint16_t(dac_addr(3, 4) + 1),
                          adc_addr(0, kLanes),
                          adc_addr(kAdcCh - 1, kLanes),
                          adc_addr(kAdcCh, 0),
                          adc_addr(15, 63),
                          uint16_t(adc_addr(0, 0) + 1),
                          uint16_t(adc_addr(kAdcCh - 1, kLanes - 1) + 3)};
  for (uint16_t a : bad) {
    bool err = false;
    uint32_t v = dut.apb_read(a, &err);
    if (!err)
      fail_msg("read of 0x%04x completed without PSLVERR", a);
    assert_int_equal(v, 0);
    if (!dut.apb_write(a, 0xffffffffu))
      fail_msg("write to 0x%04x without PSLVERR", a);
    if (dut.top().dac_we_o)
      fail_msg("failed write to 0x%04x pulsed dac_we_o", a);
  }
  // Writes to real ADC registers fail too (and reads of them do not).
  for (unsigned ch = 0; ch < kAdcCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx += kLanes - 1) {
      if (!dut.apb_write(adc_addr(ch, idx), 0x0000ffffu))
        fail_msg("write to ADC ch %u idx %u without PSLVERR", ch, idx);
      assert_false(dut.top().dac_we_o);
    }
  // A setup phase alone (no penable) writes nothing.
  auto &top = dut.top();
  top.psel_i = 1;
  top.pwrite_i = 1;
  top.paddr_i = dac_addr(1, 1);
  top.pwdata_i = 0xeeee;
  dut.tick();
  top.psel_i = top.pwrite_i = 0;
  dut.tick();
  assert_false(top.dac_we_o);

  check_all_dac(dut, expected);
  for (unsigned ch = 0; ch < kAdcCh; ch++)
    for (unsigned idx = 0; idx < kLanes; idx++)
      assert_int_equal(rd(dut, adc_addr(ch, idx)), pattern(ch, idx, 6));
  assert_true(dut.ready_ok());
}

// The register block keeps its range (and the bank does not alias into it, nor it into the
// bank); CONFIG and VERSION describe the bank.
void test_register_block_keeps_its_range_and_describes_the_bank(void **state) {
  auto &dut = *static_cast<LanesDut *>(*state);
  assert_int_equal(rd(dut, CPO_LANES_ID_OFFSET), 0x43504F45u);
  uint32_t version = rd(dut, CPO_LANES_VERSION_OFFSET);
  assert_int_equal((version & CPO_LANES_VERSION_MAJOR_MASK) >> CPO_LANES_VERSION_MAJOR_SHIFT, 1);
  assert_int_equal((version & CPO_LANES_VERSION_MINOR_MASK) >> CPO_LANES_VERSION_MINOR_SHIFT, 1);
  uint32_t cfg = rd(dut, CPO_LANES_CONFIG_OFFSET);
  assert_int_equal((cfg & CPO_LANES_CONFIG_NUM_LANES_MASK) >> CPO_LANES_CONFIG_NUM_LANES_SHIFT,
                   kLanes);
  assert_int_equal((cfg & CPO_LANES_CONFIG_WORD_BITS_MASK) >> CPO_LANES_CONFIG_WORD_BITS_SHIFT,
                   LanesDut::kWordBits);
  assert_int_equal(
      (cfg & CPO_LANES_CONFIG_DAC_CHANNELS_MASK) >> CPO_LANES_CONFIG_DAC_CHANNELS_SHIFT, kDacCh);
  assert_int_equal(
      (cfg & CPO_LANES_CONFIG_ADC_CHANNELS_MASK) >> CPO_LANES_CONFIG_ADC_CHANNELS_SHIFT, kAdcCh);

  // SCRATCH and DAC ch 0 idx 3 share their address bits below the window's size.
  assert_int_equal(dac_addr(0, 3) % CPO_LANES_DAC_SIZE, CPO_LANES_SCRATCH_OFFSET);
  assert_false(dut.apb_write(dac_addr(0, 3), 0x4321));
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), CPO_LANES_SCRATCH_RESET);
  assert_false(dut.apb_write(CPO_LANES_SCRATCH_OFFSET, 0xcafef00du));
  assert_false(dut.top().dac_we_o);
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), 0xcafef00du);
  assert_int_equal(rd(dut, dac_addr(0, 3)), 0x4321);
  // Just outside the windows: the register block's unmapped space.
  const uint16_t outside[] = {
      uint16_t(CPO_LANES_DAC_OFFSET - 4),
      uint16_t(CPO_LANES_ADC_OFFSET + CPO_LANES_ADC_SIZE + CPO_LANES_SCRATCH_OFFSET),
      uint16_t(CPO_LANES_ADC_OFFSET + CPO_LANES_ADC_SIZE), 0x500c, 0xf00c};
  for (uint16_t a : outside) {
    bool err = false;
    dut.apb_read(a, &err);
    if (!err)
      fail_msg("read of 0x%04x completed without PSLVERR", a);
    if (!dut.apb_write(a, 0x1111))
      fail_msg("write to 0x%04x without PSLVERR", a);
    assert_false(dut.top().dac_we_o);
  }
  assert_int_equal(rd(dut, dac_addr(0, 3)), 0x4321);
  assert_int_equal(rd(dut, CPO_LANES_SCRATCH_OFFSET), 0xcafef00du);
  assert_true(dut.ready_ok());
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dac_write_reads_back_and_pulses_once_after_the_write,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_dac_bits_above_the_code_are_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_presets_load_in_reset_without_a_pulse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_adc_reads_show_adc_code_i, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bank_errors_answer_pslverr_and_change_nothing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_register_block_keeps_its_range_and_describes_the_bank,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
