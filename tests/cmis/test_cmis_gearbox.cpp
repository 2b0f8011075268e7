// cpo_cmis at 32 host lanes over 8 media lanes (the oif-3.2t gearbox, 4:1): what CMIS numbers
// by host lane while the engine knows it per media lane.
#include <cstdint>

#include "Vcpo_cmis_tb32x8.h"
#include "cmis_tb.h"

namespace {

using Tb = CmisTb<Vcpo_cmis_tb32x8, 32, 8>;

// Tx CDR LOL (page 11h byte 137) is per host lane: the firmware's TX_LOL of media lane m latches
// it on host lanes 4m .. 4m + 3, the lanes of m's data path, and on no others.
void test_cmis_tx_lol_on_every_host_lane_of_the_media_lane(void **) {
  Tb tb;
  auto &t = tb.top();
  t.tx_lol_i = 1u << 3; // media lane 3: host lanes 12-15, bank 1 lanes 4-7
  tb.select(1, CPO_CMIS_PAGE_P11);
  const uint64_t sampled = tb.now + 20000;
  tb.waitFor([&] { return tb.now > sampled; }, sampled + 20000, "a monitor sample");
  t.tx_lol_i = 0;
  const unsigned want[4] = {0x00, 0xf0, 0x00, 0x00};
  for (unsigned bank = 0; bank < 4; bank++) {
    tb.select(bank, CPO_CMIS_PAGE_P11);
    assert_int_equal(tb.rd(CPO_CMIS_P11_TX_CDR_LOL_OFFSET), want[bank]);
  }
  tb.select(1, CPO_CMIS_PAGE_P11);
  const uint64_t later = tb.now + 20000;
  tb.waitFor([&] { return tb.now > later; }, later + 20000, "a sample without LOL");
  assert_int_equal(tb.rd(CPO_CMIS_P11_TX_CDR_LOL_OFFSET), 0x00); // read clears, nothing new
}

} // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cmis_tx_lol_on_every_host_lane_of_the_media_lane),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
