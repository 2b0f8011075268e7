/* The CMIS host driver's pure logic on byte buffers (page images): application advertisements,
 * durations, linear addresses, the CDB check codes, flags, monitor units; and its page/bank
 * selection over the HAL's in-memory backend (a fake select register pair, no module). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/cmis.h"
#include "cpo/hal_mem.h"

static void test_apps_parse_reads_the_lower_page_list_and_its_end(void **state) {
  (void)state;
  uint8_t lower[256] = {0};
  const uint8_t app1[4] = {0x80, 0x73, 0x11, 0xFF};
  memcpy(lower + CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET, app1, 4);
  lower[CPO_CMIS_LOWER_APP2_HOST_IF_OFFSET] = 0xFF;
  lower[CPO_CMIS_LOWER_APP2_HOST_IF_OFFSET + 4] = 0x81; /* after the end: not an application */
  cpo_cmis_apps_t apps;
  cpo_cmis_apps_parse(lower, NULL, &apps);
  assert_int_equal(apps.count, 1);
  assert_int_equal(apps.app[0].host_if, 0x80);
  assert_int_equal(apps.app[0].media_if, 0x73);
  assert_int_equal(apps.app[0].host_lanes, 1);
  assert_int_equal(apps.app[0].media_lanes, 1);
  assert_int_equal(apps.app[0].host_lane_options, 0xFF);
  assert_int_equal(apps.app[0].media_lane_options, 0xFF);
}

static void test_apps_parse_continues_on_page_01h(void **state) {
  (void)state;
  uint8_t lower[256] = {0}, p01[256] = {0};
  for (unsigned i = 0; i < 8; i++) {
    uint8_t d[4] = {(uint8_t)(0x40 + i), (uint8_t)(0x10 + i), 0x84, 0x11};
    memcpy(lower + 86 + 4 * i, d, 4);
    p01[176 + i] = (uint8_t)(1u << i);
  }
  const uint8_t app9[4] = {0x4B, 0x1D, 0x21, 0x55};
  memcpy(p01 + 223, app9, 4);
  p01[176 + 8] = 0x0F;
  p01[227] = 0xFF;
  cpo_cmis_apps_t apps;
  cpo_cmis_apps_parse(lower, p01, &apps);
  assert_int_equal(apps.count, 9);
  assert_int_equal(apps.app[7].host_if, 0x47);
  assert_int_equal(apps.app[7].host_lanes, 8);
  assert_int_equal(apps.app[7].media_lanes, 4);
  assert_int_equal(apps.app[7].media_lane_options, 0x80);
  assert_int_equal(apps.app[8].host_if, 0x4B);
  assert_int_equal(apps.app[8].host_lanes, 2);
  assert_int_equal(apps.app[8].media_lane_options, 0x0F);
  /* Without page 01h the list stops after the lower page's eight. */
  cpo_cmis_apps_parse(lower, NULL, &apps);
  assert_int_equal(apps.count, 8);
}

static void test_durations_decode_each_nibble_and_reserved_codes_as_the_longest(void **state) {
  (void)state;
  uint8_t p01[256] = {0};
  p01[CPO_CMIS_P01_DUR_DP_OFFSET] = 0x06;     /* DPDeinit 1 ms, DPInit 1000 ms */
  p01[CPO_CMIS_P01_DUR_MODULE_OFFSET] = 0x25; /* PwrDn 10 ms, PwrUp 500 ms */
  p01[CPO_CMIS_P01_DUR_TX_OFFSET] = 0xF2;     /* TxTurnOff reserved, TxTurnOn 10 ms */
  cpo_cmis_durations_t d;
  cpo_cmis_durations_parse(p01, &d);
  assert_int_equal(d.dp_init_ms, 1000);
  assert_int_equal(d.dp_deinit_ms, 1);
  assert_int_equal(d.module_pwr_up_ms, 500);
  assert_int_equal(d.module_pwr_dn_ms, 10);
  assert_int_equal(d.dp_tx_on_ms, 10);
  assert_int_equal(d.dp_tx_off_ms, 6000000);
  assert_int_equal(cpo_cmis_duration_code_ms(13), 6000000);
  assert_int_equal(cpo_cmis_duration_code_ms(9), 60000);
}

static void test_ms_convert_to_cycles_rounding_up(void **state) {
  (void)state;
  cpo_config_t cfg = {.symbols_per_cycle = 32, .baud_hz = 53125000000ull};
  /* 53.125 GBd / 32 = 1.66015625 GHz: 1 ms is 1660156.25 cycles -> 1660157 */
  assert_int_equal(cpo_cmis_ms_to_cycles(&cfg, 1), 1660157);
  assert_int_equal(cpo_cmis_ms_to_cycles(&cfg, 4), 6640625);
  assert_int_equal(cpo_cmis_ms_to_cycles(&cfg, 0), 0);
  cpo_config_t slow = {.symbols_per_cycle = 2, .baud_hz = 3};
  assert_int_equal(cpo_cmis_ms_to_cycles(&slow, 1), 1);
}

static void test_banks_advertised(void **state) {
  (void)state;
  uint8_t p01[256] = {0};
  const unsigned want[4] = {1, 2, 4, 8};
  for (unsigned code = 0; code < 4; code++) {
    p01[CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET] = (uint8_t)(0xFC | code); /* bits 7:2 ignored */
    assert_int_equal(cpo_cmis_banks_parse(p01), want[code]);
  }
}

static void test_linear_addresses_split_and_join(void **state) {
  (void)state;
  unsigned bank, page, byte;
  uint32_t a = CPO_CMIS_LINEAR(3, 0x11, 200);
  assert_int_equal(a, (3u * 256u + 0x11u) * 128u + 200u);
  assert_int_equal(cpo_cmis_linear_split(a, &bank, &page, &byte), 0);
  assert_int_equal(bank, 3);
  assert_int_equal(page, 0x11);
  assert_int_equal(byte, 200);
  assert_int_equal(cpo_cmis_linear_split(5, &bank, &page, &byte), 0); /* lower page */
  assert_true(bank == 0 && page == 0 && byte == 5);
  assert_int_equal(cpo_cmis_linear_split(128, &bank, &page, &byte), 0); /* page 00h upper */
  assert_true(bank == 0 && page == 0 && byte == 128);
  assert_int_equal(cpo_cmis_linear_split(CPO_CMIS_LINEAR(0, 1, 255) + 1, &bank, &page, &byte), 0);
  assert_true(bank == 0 && page == 2 && byte == 128);
  assert_int_equal(cpo_cmis_linear_split(CPO_CMIS_LINEAR(255, 255, 255), &bank, &page, &byte), 0);
  assert_int_equal(cpo_cmis_linear_split(CPO_CMIS_LINEAR(255, 255, 255) + 1, &bank, &page, &byte),
                   -1);
}

static void test_cdb_check_code_skips_its_own_byte(void **state) {
  (void)state;
  uint8_t hdr[8] = {0};
  assert_int_equal(cpo_cmis_cdb_chk(hdr, NULL, 0), 0xFF); /* Query Status */
  hdr[0] = 0x01;                                          /* Get Firmware Info, 0100h */
  assert_int_equal(cpo_cmis_cdb_chk(hdr, NULL, 0), 0xFE);
  hdr[5] = 0x77; /* byte 133 itself is not summed */
  assert_int_equal(cpo_cmis_cdb_chk(hdr, NULL, 0), 0xFE);
  const uint8_t lpl[3] = {0x80, 0x80, 0x05};
  hdr[4] = 3;
  /* 1 + 3 + 0x105 = 0x109 -> 0xFF - 0x09 */
  assert_int_equal(cpo_cmis_cdb_chk(hdr, lpl, sizeof lpl), 0xF6);
  const uint8_t rpl[6] = {0x07, 0x01, 0x01, 0x00, 0x00, 0x00};
  assert_int_equal(cpo_cmis_rpl_chk(rpl, sizeof rpl), 0xF6);
  assert_int_equal(cpo_cmis_rpl_chk(NULL, 0), 0xFF);
}

static void test_flags_decode_per_bank_and_describe_lanes_from_one(void **state) {
  (void)state;
  uint8_t p11[256] = {0};
  p11[CPO_CMIS_P11_TX_POWER_FLAGS_OFFSET + 1] = 0x04; /* low alarm, lane 3 of the bank */
  p11[CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + 2] = 0x80; /* high warning, lane 8 */
  p11[CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET] = 0x01;
  cpo_cmis_flags_t f;
  memset(&f, 0, sizeof f);
  assert_false(cpo_cmis_flags_any(&f));
  char text[512];
  cpo_cmis_flags_describe(&f, text, sizeof text);
  assert_string_equal(text, "none");
  f.module = CPO_CMIS_LOWER_MODULE_FLAGS_DP_FW_FAULT_MASK;
  f.temp_vcc = CPO_CMIS_LOWER_TEMP_VCC_FLAGS_VCC_HIGH_ALARM_MASK;
  cpo_cmis_flags_decode_bank(p11, 1, &f);
  assert_true(cpo_cmis_flags_any(&f));
  assert_int_equal(f.tx_power[1], 1ull << 10);
  assert_int_equal(f.rx_power[2], 1ull << 15);
  assert_int_equal(f.dp_state_changed, 1ull << 8);
  size_t need = cpo_cmis_flags_describe(&f, text, sizeof text);
  assert_string_equal(text, "data-path firmware fault; Vcc high alarm; lane 9: data-path state "
                            "changed; lane 11: Tx power low alarm; lane 16: Rx power high warning");
  assert_int_equal(need, strlen(text));
  /* Truncated, but says how long it needed. */
  char small[8];
  assert_int_equal(cpo_cmis_flags_describe(&f, small, sizeof small), need);
  assert_int_equal(strlen(small), sizeof small - 1);
  /* Bank 8 would be lanes 64-71: beyond the mask, ignored. */
  cpo_cmis_flags_t g;
  memset(&g, 0, sizeof g);
  cpo_cmis_flags_decode_bank(p11, 8, &g);
  assert_false(cpo_cmis_flags_any(&g));
}

static void test_monitors_in_si_units(void **state) {
  (void)state;
  const uint8_t t25[2] = {0x19, 0x00}, tneg[2] = {0xFB, 0x00}, half[2] = {0x00, 0x80};
  assert_true(cpo_cmis_temp_degc(t25) == 25.0);
  assert_true(cpo_cmis_temp_degc(tneg) == -5.0);
  assert_true(cpo_cmis_temp_degc(half) == 0.5);
  const uint8_t v33[2] = {0x80, 0xE8}; /* 33000 x 100 uV */
  assert_float_equal(cpo_cmis_vcc_v(v33), 3.3, 1e-12);
  const uint8_t p1mw[2] = {0x27, 0x10}; /* 10000 x 0.1 uW */
  assert_float_equal(cpo_cmis_power_w(p1mw), 1e-3, 1e-15);
  const uint8_t b80[2] = {0x9C, 0x40}; /* 40000 x 2 uA */
  assert_float_equal(cpo_cmis_tx_bias_a(b80), 80e-3, 1e-15);
  const uint8_t top[2] = {0xFF, 0xFF}; /* unsigned: 6.5535 mW, not negative */
  assert_float_equal(cpo_cmis_power_w(top), 6.5535e-3, 1e-15);
}

static void test_thresholds_parse_each_monitor(void **state) {
  (void)state;
  uint8_t p02[256] = {0};
  const uint8_t temp[8] = {0x4B, 0x00, 0xFB, 0x00, 0x46, 0x00, 0x00, 0x00};
  memcpy(p02 + CPO_CMIS_P02_TEMP_THRESH_OFFSET, temp, 8);
  const uint8_t bias[8] = {0xEA, 0x60, 0x13, 0x88, 0xD6, 0xD8, 0x27, 0x10};
  memcpy(p02 + CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET, bias, 8);
  p02[CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + 3] = 100;
  cpo_cmis_thresholds_t t;
  cpo_cmis_thresholds_parse(p02, &t);
  assert_true(t.temp_degc.high_alarm == 75.0 && t.temp_degc.low_alarm == -5.0);
  assert_true(t.temp_degc.high_warn == 70.0 && t.temp_degc.low_warn == 0.0);
  assert_float_equal(t.tx_bias_a.high_alarm, 0.120, 1e-12);
  assert_float_equal(t.tx_bias_a.low_alarm, 0.010, 1e-12);
  assert_float_equal(t.tx_bias_a.high_warn, 0.110, 1e-12);
  assert_float_equal(t.tx_bias_a.low_warn, 0.020, 1e-12);
  assert_float_equal(t.rx_power_w.low_alarm, 10e-6, 1e-15);
  assert_true(t.vcc_v.high_alarm == 0.0);
}

/* Encoding is parsing's inverse (bytes back unchanged), rounded to the unit and saturated, with
 * the bytes cpoemu_cmis._put16 gives for the same values (tests/cmis_host/test_cmis_py.py). */
static void test_thresholds_encode_inverts_parse(void **state) {
  (void)state;
  uint8_t p02[256] = {0}, back[256] = {0};
  for (unsigned k = CPO_CMIS_P02_TEMP_THRESH_OFFSET; k < 200; k++)
    p02[k] = (uint8_t)(k * 37u + 11u);
  memset(p02 + CPO_CMIS_P02_VCC_THRESH_OFFSET + 8, 0, 176 - 144); /* the gap: not thresholds */
  cpo_cmis_thresholds_t t;
  cpo_cmis_thresholds_parse(p02, &t);
  cpo_cmis_thresholds_encode(&t, back);
  assert_memory_equal(back, p02, 256);
  t.rx_power_w.high_alarm = 0.4e-3; /* 4000 x 0.1 uW */
  t.temp_degc.low_alarm = -5.0;     /* 0xFB00 */
  t.tx_power_w.high_alarm = 1.0;    /* beyond 6.5535 mW: saturated */
  t.tx_bias_a.low_alarm = -1.0;     /* below 0: saturated */
  cpo_cmis_thresholds_encode(&t, back);
  const uint8_t *rx = back + CPO_CMIS_P02_RX_POWER_THRESH_OFFSET;
  const uint8_t *temp = back + CPO_CMIS_P02_TEMP_THRESH_OFFSET + 2;
  const uint8_t *tx = back + CPO_CMIS_P02_TX_POWER_THRESH_OFFSET;
  const uint8_t *bias = back + CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET + 2;
  assert_int_equal(rx[0] << 8 | rx[1], 4000);
  assert_int_equal(temp[0] << 8 | temp[1], 0xFB00);
  assert_int_equal(tx[0] << 8 | tx[1], 0xFFFF);
  assert_int_equal(bias[0] << 8 | bias[1], 0);
}

static void test_lane_nibbles(void **state) {
  (void)state;
  uint8_t p11[256] = {0};
  p11[CPO_CMIS_P11_DP_STATE_OFFSET] = 0x47; /* lane 1 Initialized, lane 2 Activated */
  p11[CPO_CMIS_P11_DP_STATE_OFFSET + 3] = 0x21;
  p11[CPO_CMIS_P11_CONFIG_STATUS_OFFSET + 1] = 0xC3;
  assert_int_equal(cpo_cmis_dp_state_of(p11, 0), CPO_CMIS_DP_STATE_INITIALIZED);
  assert_int_equal(cpo_cmis_dp_state_of(p11, 1), CPO_CMIS_DP_STATE_ACTIVATED);
  assert_int_equal(cpo_cmis_dp_state_of(p11, 6), CPO_CMIS_DP_STATE_DEACTIVATED);
  assert_int_equal(cpo_cmis_dp_state_of(p11, 7), CPO_CMIS_DP_STATE_INIT);
  assert_int_equal(cpo_cmis_config_status_of(p11, 2),
                   CPO_CMIS_CONFIG_STATUS_REJECTED_INVALID_APP_SEL);
  assert_int_equal(cpo_cmis_config_status_of(p11, 3), CPO_CMIS_CONFIG_STATUS_IN_PROGRESS);
}

/* ---- Selection over the in-memory HAL: a select pair that refuses pages above 0x20 ---------- */

#define S_BASE 0u
typedef struct {
  uint8_t bank, page;
} fake_t;

static cpo_status_t s_fake_write(void *user, uint32_t addr, uint32_t data) {
  fake_t *f = user;
  uint8_t v = (uint8_t)data;
  if (addr == S_BASE + CPO_CMIS_WORD_OFFSET(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET) && v <= 0x20)
    f->page = v;
  if (addr == S_BASE + CPO_CMIS_WORD_OFFSET(CPO_CMIS_LOWER_BANK_SELECT_OFFSET) && v < 2)
    f->bank = v;
  return CPO_OK;
}

static cpo_status_t s_fake_read(void *user, uint32_t addr, uint32_t *data) {
  fake_t *f = user;
  *data =
      addr == S_BASE + CPO_CMIS_WORD_OFFSET(CPO_CMIS_LOWER_PAGE_SELECT_OFFSET) ? f->page : f->bank;
  return CPO_OK;
}

static void test_select_writes_only_changes_and_reads_refusals_back(void **state) {
  (void)state;
  cpo_config_t cfg = {.lanes = 8, .symbols_per_cycle = 32, .baud_hz = 53125000000ull};
  cpo_hal_mem_t *mem;
  cpo_hal_t *hal;
  assert_int_equal(cpo_hal_mem_create(&cfg, 1024, &mem, &hal), CPO_OK);
  fake_t f = {0, 0};
  for (unsigned b = CPO_CMIS_LOWER_BANK_SELECT_OFFSET; b <= CPO_CMIS_LOWER_PAGE_SELECT_OFFSET;
       b++) {
    assert_int_equal(cpo_hal_mem_on_read(mem, S_BASE + CPO_CMIS_WORD_OFFSET(b), s_fake_read, &f),
                     CPO_OK);
    assert_int_equal(cpo_hal_mem_on_write(mem, S_BASE + CPO_CMIS_WORD_OFFSET(b), s_fake_write, &f),
                     CPO_OK);
  }
  cpo_cmis_t *c;
  assert_int_equal(cpo_cmis_create(hal, S_BASE, &c), CPO_OK);
  uint8_t v;
  uint64_t n0 = cpo_hal_mem_accesses(mem);
  assert_int_equal(cpo_cmis_read(c, 1, 0x11, 130, &v, 1), CPO_OK);
  /* bank and page written, both read back, then the byte */
  assert_int_equal(cpo_hal_mem_accesses(mem) - n0, 5);
  assert_true(f.bank == 1 && f.page == 0x11);
  n0 = cpo_hal_mem_accesses(mem);
  assert_int_equal(cpo_cmis_read(c, 1, 0x11, 131, &v, 1), CPO_OK);
  assert_int_equal(cpo_hal_mem_accesses(mem) - n0, 1); /* selected already */
  n0 = cpo_hal_mem_accesses(mem);
  assert_int_equal(cpo_cmis_read(c, 0, 0x01, 130, &v, 1), CPO_OK);
  assert_int_equal(cpo_hal_mem_accesses(mem) - n0, 3); /* page 01h has no bank: page only */
  n0 = cpo_hal_mem_accesses(mem);
  assert_int_equal(cpo_cmis_read(c, 0, 0x00, 5, &v, 1), CPO_OK);
  assert_int_equal(cpo_hal_mem_accesses(mem) - n0, 1); /* the lower page needs no select */
  assert_int_equal(cpo_cmis_read(c, 0, 0x9F, 130, &v, 1), CPO_ERR_RANGE);
  assert_non_null(strstr(cpo_cmis_error(c), "refused page 0x9f"));
  assert_non_null(strstr(cpo_cmis_error(c), "reads back 0x01"));
  assert_int_equal(cpo_cmis_read(c, 2, 0x10, 130, &v, 1), CPO_ERR_RANGE);
  assert_non_null(strstr(cpo_cmis_error(c), "refused bank 0x02"));
  /* A run may not straddle the lower and upper pages; the linear form may. */
  assert_int_equal(cpo_cmis_read(c, 0, 0, 120, (uint8_t[16]){0}, 16), CPO_ERR_RANGE);
  assert_int_equal(cpo_cmis_read_linear(c, CPO_CMIS_LINEAR(0, 0x1F, 250), (uint8_t[16]){0}, 16),
                   CPO_OK);
  assert_true(f.page == 0x20);
  assert_int_equal(cpo_cmis_read_linear(c, CPO_CMIS_LINEAR(0, 0x20, 255) + 1, &v, 1),
                   CPO_ERR_RANGE);
  cpo_cmis_destroy(&c);
  assert_null(c);
  cpo_hal_close(&hal);
}

/* A 4:1 application (oif-3.2t's 4 host lanes per data path) over 32 lanes: data paths on lanes
 * 1, 5, 9, ... each named by its first lane within its bank; 1-lane paths anywhere. */
static void test_dp_plan_follows_the_host_lane_count_and_start_lanes(void **state) {
  (void)state;
  cpo_cmis_apps_t apps = {.count = 3};
  apps.app[0] = (cpo_cmis_app_t){.host_lanes = 1, .media_lanes = 1, .host_lane_options = 0xFF};
  apps.app[1] = (cpo_cmis_app_t){.host_lanes = 4, .media_lanes = 1, .host_lane_options = 0x11};
  apps.app[2] = (cpo_cmis_app_t){.host_lanes = 4, .media_lanes = 1, .host_lane_options = 0x01};
  uint8_t first[CPO_CMIS_MAX_LANES];
  char why[200];
  assert_int_equal(cpo_cmis_dp_plan(&apps, 1, 32, first, why, sizeof why), 0);
  for (unsigned l = 0; l < 32; l++)
    assert_int_equal(first[l], l);
  assert_int_equal(cpo_cmis_dp_plan(&apps, 2, 32, first, why, sizeof why), 0);
  for (unsigned l = 0; l < 32; l++)
    assert_int_equal(first[l], l - l % 4);
  /* A path may not start on lane 5 when only lane 1 of each bank is a start lane. */
  assert_int_equal(cpo_cmis_dp_plan(&apps, 3, 32, first, why, sizeof why), -1);
  assert_string_equal(why, "AppSel 3: a data path of 4 lanes cannot start on lane 5 (host lane "
                           "options 0x01)");
  assert_int_equal(cpo_cmis_dp_plan(&apps, 4, 32, first, why, sizeof why), -1);
  assert_string_equal(why, "AppSel 4: the module advertises applications 1-3");
  apps.app[0].host_lanes = 3; /* does not tile a bank of 8 */
  assert_int_equal(cpo_cmis_dp_plan(&apps, 1, 8, first, why, sizeof why), -1);
  assert_string_equal(why, "AppSel 1: 3 host lanes per data path do not tile a bank of 8 lanes");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_apps_parse_reads_the_lower_page_list_and_its_end),
      cmocka_unit_test(test_apps_parse_continues_on_page_01h),
      cmocka_unit_test(test_durations_decode_each_nibble_and_reserved_codes_as_the_longest),
      cmocka_unit_test(test_ms_convert_to_cycles_rounding_up),
      cmocka_unit_test(test_banks_advertised),
      cmocka_unit_test(test_linear_addresses_split_and_join),
      cmocka_unit_test(test_cdb_check_code_skips_its_own_byte),
      cmocka_unit_test(test_flags_decode_per_bank_and_describe_lanes_from_one),
      cmocka_unit_test(test_monitors_in_si_units),
      cmocka_unit_test(test_thresholds_parse_each_monitor),
      cmocka_unit_test(test_thresholds_encode_inverts_parse),
      cmocka_unit_test(test_lane_nibbles),
      cmocka_unit_test(test_dp_plan_follows_the_host_lane_count_and_start_lanes),
      cmocka_unit_test(test_select_writes_only_changes_and_reads_refusals_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
