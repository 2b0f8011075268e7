// cpo_cmis (rtl/cmis) at 32 lanes: the map's identifiers, page and bank select, read-only bytes,
// the module and data-path state machines within their advertised durations, ApplyDPInit,
// latched flags, CDB and the linear address form. Time moves as the harness moves it: the
// testbench clocks while the block has something to do and otherwise jumps cycle_i to
// next_event_o (as a parked engine skips cycles).
#include <cstdint>

#include "Vcpo_cmis_tb.h"
#include "cmis_tb.h"

namespace {

constexpr unsigned kLanes = 32;
constexpr unsigned kBanks = kLanes / CPO_CMIS_LANES_PER_BANK;
using Tb = CmisTb<Vcpo_cmis_tb, kLanes, kLanes>;

void test_cmis_reset_values_identify_the_engine(void **) {
  Tb tb;
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_IDENTIFIER_OFFSET), CPO_CMIS_LOWER_IDENTIFIER_RESET);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_REVISION_OFFSET), 0x52);
  assert_int_equal(tb.moduleState(), CPO_CMIS_MODULE_STATE_LOW_PWR);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET),
                   CPO_CMIS_LOWER_MODULE_CONTROL_RESET);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET), 0x80); // 200GAUI-1
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_APP1_LANE_COUNTS_OFFSET), 0x11);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_APP1_HOST_LANE_OPTIONS_OFFSET), 0xff);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_APP2_HOST_IF_OFFSET), 0xff);
  tb.select(0, CPO_CMIS_PAGE_P00);
  assert_int_equal(tb.rd(CPO_CMIS_P00_IDENTIFIER_OFFSET), 0x80); // byte 0's copy
  const char *vendor = "CPOEMU          ";
  for (unsigned i = 0; i < CPO_CMIS_P00_VENDOR_NAME_COUNT; i++)
    assert_int_equal(tb.rd(CPO_CMIS_P00_VENDOR_NAME_OFFSET + i), vendor[i]);
  tb.select(0, CPO_CMIS_PAGE_P01);
  assert_int_equal(tb.rd(CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET), 2); // banks 0-3
  assert_int_equal(tb.rd(CPO_CMIS_P01_DUR_MODULE_OFFSET), CPO_CMIS_P01_DUR_MODULE_RESET);
}

void test_cmis_refuses_unadvertised_page_and_bank(void **) {
  Tb tb;
  tb.select(1, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_BANK_SELECT_OFFSET), 1);
  tb.wr(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, 0x05); // not advertised: the select keeps 11h
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P11);
  tb.wr(CPO_CMIS_LOWER_BANK_SELECT_OFFSET, kBanks); // beyond the 4 banks: refused
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_BANK_SELECT_OFFSET), 1);
  tb.wr(CPO_CMIS_LOWER_BANK_SELECT_OFFSET, kBanks - 1);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_BANK_SELECT_OFFSET), kBanks - 1);
  bool err = false;
  tb.access(false, 256, 0, &err); // beyond byte 255 of the view
  assert_true(err);
}

void test_cmis_ignores_writes_to_read_only_bytes(void **) {
  Tb tb;
  tb.wr(CPO_CMIS_LOWER_IDENTIFIER_OFFSET, 0x18);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_IDENTIFIER_OFFSET), CPO_CMIS_LOWER_IDENTIFIER_RESET);
  tb.wr(CPO_CMIS_LOWER_MODULE_STATE_OFFSET, 0xff);
  assert_int_equal(tb.moduleState(), CPO_CMIS_MODULE_STATE_LOW_PWR);
  tb.select(0, CPO_CMIS_PAGE_P01);
  tb.wr(CPO_CMIS_P01_DUR_DP_OFFSET, 0x00);
  assert_int_equal(tb.rd(CPO_CMIS_P01_DUR_DP_OFFSET), CPO_CMIS_P01_DUR_DP_RESET);
  // module control: only the defined bits are writable
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0xa7);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET), 0x00);
}

void test_cmis_module_powers_up_and_down_within_advertised_durations(void **) {
  Tb tb;
  tb.rd(CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET); // clear what reset latched
  const uint64_t up = advertisedUs(CPO_CMIS_P01_DUR_MODULE_PWR_UP_RESET);
  const uint64_t dn = advertisedUs(CPO_CMIS_P01_DUR_MODULE_PWR_DN_RESET);
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0);
  const uint64_t t0 = tb.now;
  assert_int_equal(tb.moduleState(), CPO_CMIS_MODULE_STATE_PWR_UP);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_READY; }, t0 + up,
             "ModuleReady");
  assert_true(tb.rd(CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET) &
              CPO_CMIS_LOWER_MODULE_FLAGS_STATE_CHANGED_MASK);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET), 0); // cleared by the read
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET,
        CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_MASK);
  const uint64_t t1 = tb.now;
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_LOW_PWR; }, t1 + dn,
             "ModuleLowPwr");
}

// The host's bring-up (CMIS.md): deinit and Tx disable, leave low power, stage and apply,
// clear deinit, enable Tx; every lane of every bank reaches Activated and streams.
void test_cmis_brings_every_lane_to_activated(void **) {
  Tb tb;
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P10);
    tb.wr(CPO_CMIS_P10_DP_DEINIT_OFFSET, 0xff);
    tb.wr(CPO_CMIS_P10_TX_DISABLE_OFFSET, 0xff);
  }
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_READY; },
             tb.now + advertisedUs(CPO_CMIS_P01_DUR_MODULE_PWR_UP_RESET), "ModuleReady");
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P10);
    for (unsigned i = 0; i < 8; i++)
      tb.wr(CPO_CMIS_P10_STAGED0_CONFIG_OFFSET_N(i), (1u << 4) | (i << 1));
    tb.wr(CPO_CMIS_P10_APPLY_DP_INIT_OFFSET, 0xff);
    assert_int_equal(tb.rd(CPO_CMIS_P10_APPLY_DP_INIT_OFFSET), 0); // self-clearing
    tb.select(b, CPO_CMIS_PAGE_P11);
    for (unsigned k = 0; k < CPO_CMIS_P11_CONFIG_STATUS_COUNT; k++)
      assert_int_equal(tb.rd(CPO_CMIS_P11_CONFIG_STATUS_OFFSET + k), 0x11);
    assert_int_equal(tb.rd(CPO_CMIS_P11_DP_INIT_PENDING_OFFSET), 0xff);
    for (unsigned l = 0; l < 8; l++)
      assert_int_equal(tb.dpState(l), CPO_CMIS_DP_STATE_DEACTIVATED);
  }
  const uint64_t t_init = tb.now;
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P10);
    tb.wr(CPO_CMIS_P10_DP_DEINIT_OFFSET, 0);
  }
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P11);
    for (unsigned l = 0; l < 8; l++)
      tb.waitFor([&] { return tb.dpState(l) == CPO_CMIS_DP_STATE_INITIALIZED; },
                 t_init + advertisedUs(CPO_CMIS_P01_DUR_DP_DP_INIT_RESET), "DPInitialized");
    assert_int_equal(tb.rd(CPO_CMIS_P11_DP_INIT_PENDING_OFFSET), 0);
  }
  assert_int_equal(tb.top().stream_en_o, 0);
  const uint64_t t_on = tb.now;
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P10);
    tb.wr(CPO_CMIS_P10_TX_DISABLE_OFFSET, 0);
  }
  // TxTurnOn (5 ms) parks the lanes: they stream only once Activated
  tb.select(0, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.dpState(0), CPO_CMIS_DP_STATE_TX_TURN_ON);
  assert_int_equal(tb.top().stream_en_o, 0);
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P11);
    for (unsigned l = 0; l < 8; l++)
      tb.waitFor([&] { return tb.dpState(l) == CPO_CMIS_DP_STATE_ACTIVATED; },
                 t_on + advertisedUs(CPO_CMIS_P01_DUR_TX_TX_ON_RESET), "DPActivated");
    assert_int_equal(tb.rd(CPO_CMIS_P11_ACTIVE_CONFIG_OFFSET_N(3)), (1u << 4) | (3u << 1));
  }
  assert_int_equal(tb.top().stream_en_o, 0xffffffffu);

  // Rx LOL (page 11h byte 148), per host lane, latched at a monitor sample while an Activated
  // lane's Rx data is not recovered; cleared on read.
  tb.select(1, CPO_CMIS_PAGE_P11);
  const uint64_t quiet = tb.now + 20000; // two monitor periods, every lane in lock
  tb.waitFor([&] { return tb.now > quiet; }, quiet + 20000, "two samples in lock");
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_CDR_LOL_OFFSET), 0);
  tb.top().rx_lock_i = ~(1u << (8 + 2)); // bank 1, lane 2
  tb.waitFor([&] { return tb.rd(CPO_CMIS_P11_RX_CDR_LOL_OFFSET) != 0; }, tb.now + 20000, "Rx LOL");
  tb.top().rx_lock_i = 0xffffffffu;
  const uint64_t back = tb.now + 20000;
  tb.waitFor([&] { return tb.now > back; }, back + 20000, "a sample back in lock");
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_CDR_LOL_OFFSET), 0); // the read above cleared it
}

// Rx LOL is about Activated data paths only: a lane that delivers nothing yet (ModuleLowPwr,
// every data path Deactivated) raises none however long its Rx is out of lock.
void test_cmis_rx_lol_only_for_activated_lanes(void **) {
  Tb tb;
  tb.top().rx_lock_i = 0;
  tb.select(0, CPO_CMIS_PAGE_P11);
  const uint64_t later = tb.now + 30000; // three monitor periods
  tb.waitFor([&] { return tb.now > later; }, later + 20000, "three samples");
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P11);
    assert_int_equal(tb.rd(CPO_CMIS_P11_RX_CDR_LOL_OFFSET), 0);
  }
}

// The engine hands its lanes to CMIS once a host has powered the module up (managed_o gates
// OE CMIS_CTRL.BYPASS): not before, and for good after, a software reset included.
void test_cmis_managed_once_the_module_leaves_low_power(void **) {
  Tb tb;
  tb.select(0, CPO_CMIS_PAGE_P10); // a host only looking and selecting: not managing
  tb.wr(CPO_CMIS_P10_DP_DEINIT_OFFSET, 0xff);
  tb.waitFor([&] { return tb.now > 50000; }, 100000, "time passing in ModuleLowPwr");
  assert_int_equal(tb.top().managed_o, 0);
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_PWR_UP; }, tb.now + 1000,
             "ModulePwrUp");
  assert_int_equal(tb.top().managed_o, 1);
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_MASK);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_LOW_PWR; }, tb.now + 1000,
             "ModuleLowPwr after the reset");
  assert_int_equal(tb.top().managed_o, 1);
}

void test_cmis_rejects_apply_with_unadvertised_appsel(void **) {
  Tb tb;
  tb.select(2, CPO_CMIS_PAGE_P10);
  tb.wr(CPO_CMIS_P10_STAGED0_CONFIG_OFFSET_N(0), 2u << 4); // application 2 does not exist
  tb.wr(CPO_CMIS_P10_APPLY_DP_INIT_OFFSET, 0x01);
  tb.select(2, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(CPO_CMIS_P11_CONFIG_STATUS_OFFSET) & 0xf,
                   CPO_CMIS_CONFIG_STATUS_REJECTED_INVALID_APP_SEL);
  assert_int_equal(tb.rd(CPO_CMIS_P11_ACTIVE_CONFIG_OFFSET_N(0)), 1u << 4); // unchanged
  assert_int_equal(tb.rd(CPO_CMIS_P11_DP_INIT_PENDING_OFFSET), 0);
}

void test_cmis_flags_latch_on_threshold_and_clear_on_read(void **) {
  Tb tb;
  tb.select(1, CPO_CMIS_PAGE_P11);
  for (unsigned k = 0; k < 4; k++) // nothing crossed at the nominal codes
    assert_int_equal(tb.rd(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + k), 0);
  const unsigned lane = 8 + 5;                        // bank 1, lane 5
  tb.top().rx_power_code_i[lane / 2] |= 60000u << 16; // 6 mW (code 5000 | 60000 = past 5 mW)
  const uint64_t t0 = tb.now;
  tb.waitFor([&] { return tb.rd(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET) != 0; }, t0 + 20000,
             "Rx power high alarm");
  tb.top().rx_power_code_i[lane / 2] &= 0xffffu;
  tb.top().rx_power_code_i[lane / 2] |= 5000u << 16;
  tb.step();
  // the high warning latched with the alarm; the alarm's read above cleared it
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + 2), 1u << 5);
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + 2), 0);
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET), 0);
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_POWER_OFFSET_N(5)) << 8 |
                       tb.rd(CPO_CMIS_P11_RX_POWER_OFFSET_N(5) + 1),
                   5000);
  // temperature (lower page): 25 degC in 1/256 degC
  const int t = static_cast<int16_t>(tb.rd(CPO_CMIS_LOWER_TEMPERATURE_OFFSET) << 8 |
                                     tb.rd(CPO_CMIS_LOWER_TEMPERATURE_OFFSET + 1));
  assert_in_range(t, 25 * 256 - 2, 25 * 256 + 2);
}

void cdbCommand(Tb &tb, uint16_t cmd, int chk_delta) {
  tb.select(0, CPO_CMIS_PAGE_P9F);
  for (unsigned b = CPO_CMIS_P9F_CDB_EPL_LEN_OFFSET; b <= CPO_CMIS_P9F_CDB_RPL_CHK_OFFSET; b++)
    tb.wr(b, 0);
  const unsigned sum = (cmd >> 8) + (cmd & 0xff);
  tb.wr(CPO_CMIS_P9F_CDB_CHK_OFFSET, static_cast<uint8_t>(0xff - (sum & 0xff) + chk_delta));
  tb.wr(CPO_CMIS_P9F_CDB_CMD_OFFSET, cmd >> 8);
  tb.wr(CPO_CMIS_P9F_CDB_CMD_OFFSET + 1, cmd & 0xff); // starts it
  tb.waitFor([&] { return !(tb.rd(CPO_CMIS_LOWER_CDB_STATUS_OFFSET) & 0x80); }, tb.now + 100000,
             "CDB done");
}

// Page 02h is the host's: a threshold written there is what the monitors compare against. A
// flag whose mask bit (page 10h byte 213 + k for page 11h byte 134 + k) is set still latches
// but no longer asserts IntL (byte 3 bit 0 low); every flag clears when read.
void test_cmis_host_thresholds_and_flag_masks(void **) {
  Tb tb;
  const unsigned lane = 8 + 2;                            // bank 1, lane 2: 0.5 mW in (code 5000)
  const unsigned ha = CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET; // Rx power high alarm
  const unsigned mask =
      CPO_CMIS_P10_LANE_FLAG_MASKS_OFFSET + (ha - CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET);
  const auto intl = [&] {
    return tb.rd(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) &
           CPO_CMIS_LOWER_MODULE_STATE_INTL_DEASSERTED_MASK;
  };
  const auto sample = [&] { // past the next monitor sample (every 10 ms)
    const uint64_t later = tb.now + 10001;
    tb.waitFor([&] { return tb.now > later; }, later + 20000, "a monitor sample");
  };
  sample();
  assert_int_not_equal(intl(), 0); // nothing latched at the nominal codes
  tb.select(0, CPO_CMIS_PAGE_P02);
  assert_int_equal(tb.rd(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET), 50000 >> 8); // the default, 5 mW
  tb.wr(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET, 0x01); // high alarm 0x0100: 25.6 uW
  tb.wr(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + 1, 0x00);
  assert_int_equal(tb.rd(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET), 0x01);
  sample();
  assert_int_equal(intl(), 0); // asserted
  tb.select(1, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(ha), 0xff);  // every lane of bank 1 is past 25.6 uW
  assert_int_equal(tb.rd(ha), 0);     // cleared by the read
  assert_int_equal(tb.rd(ha + 2), 0); // the high warning (4 mW) is not crossed
  // masked in every bank: it latches, IntL stays deasserted
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P10);
    tb.wr(mask, 0xff);
  }
  tb.select(0, CPO_CMIS_PAGE_P11);
  (void)tb.rd(ha); // flags latched before the mask was set
  sample();
  assert_int_not_equal(intl(), 0);
  tb.select(1, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(ha) & (1u << (lane % 8)), 1u << (lane % 8));
  // one lane unmasked: it alone asserts IntL again
  tb.select(1, CPO_CMIS_PAGE_P10);
  tb.wr(mask, static_cast<uint8_t>(~(1u << (lane % 8))));
  sample();
  assert_int_equal(intl(), 0);
  // the default threshold back: nothing latches any more, and IntL deasserts once read
  tb.select(0, CPO_CMIS_PAGE_P02);
  tb.wr(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET, 50000 >> 8);
  tb.wr(CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + 1, 50000 & 0xff);
  tb.select(1, CPO_CMIS_PAGE_P11);
  sample();
  (void)tb.rd(ha);
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P11);
    (void)tb.rd(ha);
  }
  sample();
  assert_int_not_equal(intl(), 0);
  tb.select(1, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(ha), 0);
}

void test_cmis_cdb_checks_the_checksum(void **) {
  Tb tb;
  cdbCommand(tb, CPO_CMIS_CDB_CMD_QUERY_STATUS, 0);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_CDB_STATUS_OFFSET), CPO_CMIS_CDB_STATUS_SUCCESS);
  assert_int_equal(tb.rd(CPO_CMIS_P9F_CDB_RPL_LEN_OFFSET), 1);
  cdbCommand(tb, CPO_CMIS_CDB_CMD_QUERY_STATUS, 1);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_CDB_STATUS_OFFSET), CPO_CMIS_CDB_STATUS_FAILED_CHECKSUM);
  cdbCommand(tb, CPO_CMIS_CDB_CMD_GET_FW_INFO, 0);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_CDB_STATUS_OFFSET), CPO_CMIS_CDB_STATUS_SUCCESS);
  assert_int_equal(tb.rd(CPO_CMIS_P9F_CDB_PAYLOAD_OFFSET + 2),
                   CPO_CMIS_LOWER_FW_REVISION_RESET >> 8);
  cdbCommand(tb, 0x1234, 0);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_CDB_STATUS_OFFSET), CPO_CMIS_CDB_STATUS_FAILED_UNKNOWN_CMD);
}

void test_cmis_linear_address_decodes_to_bank_page_byte(void **) {
  Tb tb;
  struct {
    unsigned bank, page, byte;
  } cases[] = {{0, 0, 0}, {0, 0, 127}, {0, 0, 128}, {0, 0x01, 142}, {3, 0x11, 128}, {7, 0x9f, 255}};
  for (const auto &c : cases) {
    const uint32_t lin = CPO_CMIS_LINEAR(c.bank, c.page, c.byte);
    unsigned bank = 99, page = 99, byte = 999;
    assert_int_equal(cpo_cmis_linear_split(lin, &bank, &page, &byte), 0);
    assert_int_equal(byte, c.byte);
    if (c.byte >= 128) {
      assert_int_equal(bank, c.bank);
      assert_int_equal(page, c.page);
    }
  }
  // the bytes a linear address names are those the selects show
  unsigned bank, page, byte;
  cpo_cmis_linear_split(CPO_CMIS_LINEAR(0, CPO_CMIS_PAGE_P01, CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET),
                        &bank, &page, &byte);
  tb.select(bank, page);
  assert_int_equal(tb.rd(byte), 2);
  cpo_cmis_linear_split(CPO_CMIS_LINEAR(3, CPO_CMIS_PAGE_P11, CPO_CMIS_P11_DP_STATE_OFFSET), &bank,
                        &page, &byte);
  tb.select(bank, page);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_BANK_SELECT_OFFSET), 3);
  assert_int_equal(tb.rd(byte), CPO_CMIS_DP_STATE_DEACTIVATED * 0x11);
}

// A byte access's bus time is a deadline (next_event_o), not clocks to count: while it waits,
// bus_wait_o says so, and a harness that jumps cycle_i straight to the deadline gets the answer
// there (a random read: 39 bit times at 1 MHz), not a cycle sooner.
void test_cmis_bus_wait_is_a_deadline_to_skip_to(void **) {
  Tb tb;
  auto &t = tb.top();
  for (int i = 0; i < 4; i++) // the reset's own activity first
    tb.tick();
  t.psel_i = 1;
  t.penable_i = 0;
  t.pwrite_i = 0;
  t.paddr_i = CPO_CMIS_LOWER_IDENTIFIER_OFFSET * 4u;
  tb.tick();
  t.penable_i = 1;
  const uint64_t start = tb.now; // the first access cycle starts the bus time
  tb.tick();
  t.cycle_i = tb.now;
  t.eval();
  assert_true(t.bus_wait_o);
  assert_false(t.pready_o);
  assert_int_equal(t.next_event_o, start + 39 * kCyclesPerUs);
  tb.now = t.next_event_o - 1; // a skip to just before: still waiting
  t.cycle_i = tb.now;
  t.eval();
  assert_true(t.bus_wait_o);
  assert_false(t.pready_o);
  tb.now++; // the deadline: answered, no longer waiting
  t.cycle_i = tb.now;
  t.eval();
  assert_true(t.pready_o);
  assert_false(t.bus_wait_o);
  assert_int_equal(t.prdata_o, CPO_CMIS_LOWER_IDENTIFIER_RESET);
  tb.tick();
  t.psel_i = t.penable_i = 0;
  t.eval();
  assert_false(t.bus_wait_o);
}

// The bus's bit times are the board's (bus_bit_ps_i, bus_header_bit_ps_i): on a two-wire
// interface at 1 MHz a random read takes 39 us and the byte after it 9 us; on I3C SDR at
// 12.5 MHz with its START and address header open drain at 2.5 MHz, 10 bits at 400 ns and 29 at
// 80 ns (6.32 us), then 9 at 80 ns (0.72 us). At 100 cycles a microsecond, each to the cycle.
void test_cmis_bus_time_is_the_boards(void **) {
  Tb tb;
  auto &t = tb.top();
  t.cycles_per_us_i = 100u << 16;
  for (int i = 0; i < 4; i++) // the reset's own activity first
    tb.tick();
  auto took = [&](unsigned byte) {
    const uint64_t from = tb.now;
    tb.rd(byte);
    return tb.now - from;
  };
  const uint64_t twi = took(CPO_CMIS_LOWER_IDENTIFIER_OFFSET);
  const uint64_t overhead = twi - 3900; // the testbench's cycles around the bus time
  assert_in_range(overhead, 1, 4);
  assert_int_equal(took(CPO_CMIS_LOWER_IDENTIFIER_OFFSET + 1) - overhead, 900);
  t.bus_bit_ps_i = 80000;
  t.bus_header_bit_ps_i = 400000;
  assert_int_equal(took(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) - overhead, 632); // not the next byte
  assert_int_equal(took(CPO_CMIS_LOWER_MODULE_STATE_OFFSET + 1) - overhead, 72);
}

// An engine fed by an external laser source has no laser per lane: page 01h advertises the Tx
// power and Rx power monitors but not Tx bias (0x06; 0x07 with lasers of its own); Tx bias reads
// 0 and never flags, however low its thresholds; Tx power is each lane's tap. A lane whose tap
// goes dark while the ELS lane feeding it is driven latches Tx fault on that lane alone, and the
// module stays Ready (the source's laser shines: its own monitor says so).
void test_cmis_els_engine_monitors_lanes_by_their_taps(void **) {
  Tb tb;
  auto &t = tb.top();
  tb.select(0, CPO_CMIS_PAGE_P01);
  assert_int_equal(tb.rd(CPO_CMIS_P01_MON_SUPPORT_OFFSET), 0x07);
  t.els_lanes_i = 2; // 32 media lanes: ELS lane 0 feeds lanes 0-15, ELS lane 1 lanes 16-31
  assert_int_equal(tb.rd(CPO_CMIS_P01_MON_SUPPORT_OFFSET), 0x06);
  tb.select(0, CPO_CMIS_PAGE_P02);
  for (unsigned k = 0; k < 8; k += 2) { // every Tx bias threshold 10 mA: 50 mA is past the high
    tb.wr(CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET + k, 5000 >> 8);
    tb.wr(CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET + k + 1, 5000 & 0xff);
  }
  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_READY; },
             tb.now + advertisedUs(CPO_CMIS_P01_DUR_MODULE_PWR_UP_RESET), "ModuleReady");
  t.tx_tap_code_i[17 / 2] = 10000u | 0u << 16; // lane 17 (ELS lane 1's, at 50 mA): tap dark
  const uint64_t sampled = tb.now + 20000;     // past a monitor sample
  tb.waitFor([&] { return tb.now > sampled; }, sampled + 20000, "a monitor sample");
  auto be16 = [&](unsigned at) { return (unsigned)tb.rd(at) << 8 | tb.rd(at + 1); };
  for (unsigned b = 0; b < kBanks; b++) {
    tb.select(b, CPO_CMIS_PAGE_P11);
    assert_int_equal(tb.rd(CPO_CMIS_P11_TX_FAULT_OFFSET), b == 2 ? 1u << 1 : 0u);
    for (unsigned k = 0; k < 4; k++)
      assert_int_equal(tb.rd(CPO_CMIS_P11_TX_BIAS_FLAGS_OFFSET + k), 0);
    for (unsigned l = 0; l < 8; l++) {
      assert_int_equal(be16(CPO_CMIS_P11_TX_BIAS_OFFSET_N(l)), 0);
      assert_int_equal(be16(CPO_CMIS_P11_TX_POWER_OFFSET_N(l)), b == 2 && l == 1 ? 0 : 10000);
    }
  }
  assert_int_equal(tb.moduleState(), CPO_CMIS_MODULE_STATE_READY);
}

// Status from the monitors: a lane receiving under 20 uW latches Rx LOS (cleared on read);
// in ModuleReady a driven laser that goes dark (Tx power under 100 uW at 50 mA bias) latches
// Tx fault on its lane and sends the module to Fault, cause 0x21 (laser fault).
void test_cmis_rx_los_and_laser_fault_from_the_monitors(void **) {
  Tb tb;
  auto &t = tb.top();
  tb.select(1, CPO_CMIS_PAGE_P11);
  tb.step();
  const uint64_t first = tb.now + 20000; // two monitor periods
  tb.waitFor([&] { return tb.now > first; }, first + 20000, "two samples");
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_LOS_OFFSET), 0); // 0.5 mW in: no LOS
  const unsigned rx_lane = 8 + 1;                         // bank 1, lane 1
  t.rx_power_code_i[rx_lane / 2] = 5000u | 100u << 16;    // 10 uW
  tb.waitFor([&] { return tb.rd(CPO_CMIS_P11_RX_LOS_OFFSET) != 0; }, tb.now + 20000, "Rx LOS");
  t.rx_power_code_i[rx_lane / 2] = 5000u | 5000u << 16;
  const uint64_t later = tb.now + 20000;
  tb.waitFor([&] { return tb.now > later; }, later + 20000, "a sample with the light back");
  assert_int_equal(tb.rd(CPO_CMIS_P11_RX_LOS_OFFSET), 0); // the read above cleared it

  tb.wr(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET, 0);
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_READY; },
             tb.now + advertisedUs(CPO_CMIS_P01_DUR_MODULE_PWR_UP_RESET), "ModuleReady");
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET), 0);
  t.tx_power_code_i[3 / 2] = 100u | 0u << 16; // lane 3's laser dark at 50 mA, and its tap
  t.tx_tap_code_i[3 / 2] = 10000u | 0u << 16;
  tb.waitFor([&] { return tb.moduleState() == CPO_CMIS_MODULE_STATE_FAULT; }, tb.now + 20000,
             "ModuleFault");
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET), 0x21);
  tb.select(0, CPO_CMIS_PAGE_P11);
  assert_int_equal(tb.rd(CPO_CMIS_P11_TX_FAULT_OFFSET), 1u << 3);
  assert_int_equal(tb.rd(CPO_CMIS_P11_TX_FAULT_OFFSET), 0);
}

// Pages 1Ah/1Bh (the external laser source) exist only where the engine has one: the page
// select refuses them otherwise. With 2 ELS lanes they describe lanes 0-1 and no others, and
// what the host writes (lane enable, setpoints, control mode) reaches the block's outputs for
// the engine's laser drive and firmware.
void test_cmis_els_pages_only_with_an_external_source(void **) {
  Tb tb;
  auto &t = tb.top();
  tb.select(0, CPO_CMIS_PAGE_P01);
  tb.wr(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, CPO_CMIS_PAGE_P1A);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P01);
  tb.wr(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, CPO_CMIS_PAGE_P1B);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P01);

  t.els_lanes_i = 2;
  t.els_freq_i = 22868; // 228.68 THz: 1311 nm
  tb.select(0, CPO_CMIS_PAGE_P1A);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET), CPO_CMIS_PAGE_P1A);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANES_OFFSET), 2);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET), 0x03);
  for (unsigned l = 0; l < 3; l++) {
    const unsigned at = CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET_N(l);
    const unsigned f = (unsigned)tb.rd(at) << 8 | tb.rd(at + 1);
    assert_int_equal(f, l < 2 ? 22868 : 0);
  }
  assert_int_equal(t.els_lane_mask_o, 0x03);
  assert_int_equal(t.els_enable_o, 0x03); // reset: every lane the source has
  tb.wr(CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET, 0x02);
  tb.tick();
  assert_int_equal(t.els_enable_o, 0x02);

  tb.select(0, CPO_CMIS_PAGE_P1B);
  assert_int_equal(t.els_power_mode_o, 0x03); // reset: power control
  tb.wr(CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET, 0xfe);
  const unsigned bias_at = CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(1);
  uint8_t written = 0;        // els_set_written_o's pulses, as the engine latches them
  tb.wr(bias_at, 37000 >> 8); // 370 mA
  written |= t.els_set_written_o;
  tb.wr(bias_at + 1, 37000 & 0xff);
  written |= t.els_set_written_o;
  assert_int_equal(written, 0x01 << 1); // lane 1's setpoint
  const unsigned power_at = CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET_N(0);
  tb.wr(power_at, 9000 >> 8); // 90 mW
  tb.wr(power_at + 1, 9000 & 0xff);
  tb.tick();
  assert_int_equal(t.els_power_mode_o, 0x02);
  assert_int_equal(t.els_bias_set_o[0] >> 16, 37000); // lane 1: bits 31:16 of the first word
  assert_int_equal(t.els_power_set_o[0] & 0xffff, 9000);
}

// The lane states the firmware reports show in 1Ah and latch "state changed"; at a monitor
// sample, 1Bh has each ELS lane's drive, power and temperature, and a lane reported on but
// emitting under 1 mW latches its lane fault. Both flags assert IntL unless masked.
void test_cmis_els_states_monitors_and_lane_fault(void **) {
  Tb tb;
  auto &t = tb.top();
  t.els_lanes_i = 2;
  t.els_temp_code_i[0] = 30815u | 30815u << 16;                                      // 35 degC
  t.els_state_i = CPO_CMIS_ELS_LANE_STATE_ON | CPO_CMIS_ELS_LANE_STATE_RAMPING << 2; // lane 1
  t.els_fibre_i = 0x01;
  tb.select(0, CPO_CMIS_PAGE_P1A);
  const uint64_t sampled = tb.now + 20000; // past a monitor sample
  tb.waitFor([&] { return tb.now > sampled; }, sampled + 20000, "a monitor sample");
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET), 0x06);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET + 1), 0x00);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET), 0x01);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) & 1, 0); // IntL asserted
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET), 0x03);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET), 0x00);
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET), 0x00);
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) & 1, 1);

  tb.select(0, CPO_CMIS_PAGE_P1B);
  auto be16 = [&](unsigned at) { return (unsigned)tb.rd(at) << 8 | tb.rd(at + 1); };
  assert_int_equal(be16(CPO_CMIS_P1B_ELS_BIAS_OFFSET_N(0)), 5000); // 50 mA in 10 uA
  assert_int_equal(be16(CPO_CMIS_P1B_ELS_POWER_OFFSET_N(0)), 100); // 1 mW in 10 uW
  const int temp = (int16_t)be16(CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(1));
  assert_in_range(temp, 35 * 256 - 1, 35 * 256 + 1);
  assert_int_equal(be16(CPO_CMIS_P1B_ELS_BIAS_OFFSET_N(2)), 0); // not an ELS lane

  // lane 0 (on) and lane 1 (ramping) both dim to 0.5 mW: only lane 0 has a fault
  t.tx_power_code_i[0] = 50u | 50u << 16;
  tb.select(0, CPO_CMIS_PAGE_P1A);
  tb.wr(CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + 1, 0x01); // masked: latches, no IntL
  tb.waitFor([&] { return tb.rd(CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET) == 0x01; }, tb.now + 20000,
             "ELS lane fault");
  t.tx_power_code_i[0] = 100u | 100u << 16;
  const uint64_t again = tb.now + 20000;
  tb.waitFor([&] { return tb.now > again; }, again + 20000, "a sample with the light back");
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET), 0x00);
  t.tx_power_code_i[0] = 50u | 50u << 16;
  const uint64_t dim = tb.now + 20000;
  tb.waitFor([&] { return tb.now > dim; }, dim + 20000, "a dim sample");
  assert_int_equal(tb.rd(CPO_CMIS_LOWER_MODULE_STATE_OFFSET) & 1, 1); // masked
  assert_int_equal(tb.rd(CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET), 0x01);
}

} // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cmis_reset_values_identify_the_engine),
      cmocka_unit_test(test_cmis_bus_time_is_the_boards),
      cmocka_unit_test(test_cmis_els_engine_monitors_lanes_by_their_taps),
      cmocka_unit_test(test_cmis_refuses_unadvertised_page_and_bank),
      cmocka_unit_test(test_cmis_ignores_writes_to_read_only_bytes),
      cmocka_unit_test(test_cmis_module_powers_up_and_down_within_advertised_durations),
      cmocka_unit_test(test_cmis_brings_every_lane_to_activated),
      cmocka_unit_test(test_cmis_rx_lol_only_for_activated_lanes),
      cmocka_unit_test(test_cmis_managed_once_the_module_leaves_low_power),
      cmocka_unit_test(test_cmis_rejects_apply_with_unadvertised_appsel),
      cmocka_unit_test(test_cmis_flags_latch_on_threshold_and_clear_on_read),
      cmocka_unit_test(test_cmis_host_thresholds_and_flag_masks),
      cmocka_unit_test(test_cmis_cdb_checks_the_checksum),
      cmocka_unit_test(test_cmis_linear_address_decodes_to_bank_page_byte),
      cmocka_unit_test(test_cmis_bus_wait_is_a_deadline_to_skip_to),
      cmocka_unit_test(test_cmis_rx_los_and_laser_fault_from_the_monitors),
      cmocka_unit_test(test_cmis_els_pages_only_with_an_external_source),
      cmocka_unit_test(test_cmis_els_states_monitors_and_lane_fault),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
