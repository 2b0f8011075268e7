/* The CMIS host driver's pure logic on byte buffers (page images): application advertisements,
 * durations, linear addresses, the CDB check codes, flags, monitor units, the external laser
 * source's pages 1Ah/1Bh; its page/bank selection over the HAL's in-memory backend (a fake select
 * register pair, no module); its ELS calls over a fake paged module, access for access; and
 * whose failure a failed call is (the transport's or the module's answer). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- The external laser source: pages 1Ah/1Bh ------------------------------------------- */

/* Hand-built page images: 6 ELS lanes, every state in both state bytes (lanes 4-7 in 222). */
static void s_els_images(uint8_t *p1a, uint8_t *p1b) {
  memset(p1a, 0, 256);
  memset(p1b, 0, 256);
  p1a[CPO_CMIS_P1A_ELS_LANES_OFFSET] = 6;
  p1a[CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET] = 0x03;
  p1a[CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + 1] = 0x04;
  p1a[CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET] = 0x2D;
  p1a[CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET] = 0x92;     /* lanes 1-4: ON, OFF, RAMPING, ON */
  p1a[CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET + 1] = 0xC9; /* lanes 5-8: RAMPING, ON, OFF, 3 */
  p1a[CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET] = 0x05;
  p1a[CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET_N(0)] = 0x59; /* 22868 x 10 GHz: 1311 nm */
  p1a[CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET_N(0) + 1] = 0x54;
  p1b[CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(1)] = 0x9C; /* 40000 x 10 uA */
  p1b[CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(1) + 1] = 0x40;
  p1b[CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET_N(5)] = 0x27; /* 10000 x 10 uW */
  p1b[CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET_N(5) + 1] = 0x10;
  p1b[CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET] = 0xFE; /* lane 1 in current control */
  p1b[CPO_CMIS_P1B_ELS_BIAS_OFFSET_N(0)] = 0x90;    /* 37000 x 10 uA */
  p1b[CPO_CMIS_P1B_ELS_BIAS_OFFSET_N(0) + 1] = 0x88;
  p1b[CPO_CMIS_P1B_ELS_POWER_OFFSET_N(0)] = 0xFF; /* unsigned: 655.35 mW, not negative */
  p1b[CPO_CMIS_P1B_ELS_POWER_OFFSET_N(0) + 1] = 0xFF;
  p1b[CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(0)] = 0xF3; /* signed: -3200 / 256 */
  p1b[CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(0) + 1] = 0x80;
  p1b[CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(5)] = 0x23; /* 9024 / 256 */
  p1b[CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(5) + 1] = 0x40;
  p1a[CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET] = 0x01;
  p1a[CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET] = 0x20;
}

static void test_els_pages_decode(void **state) {
  (void)state;
  uint8_t p1a[256], p1b[256];
  s_els_images(p1a, p1b);
  cpo_cmis_els_t e;
  cpo_cmis_els_decode(p1a, p1b, &e);
  assert_int_equal(e.lanes, 6);
  assert_int_equal(e.modes, 0x03);
  assert_int_equal(e.flag_masks[0], 0);
  assert_int_equal(e.flag_masks[1], 0x04);
  assert_int_equal(e.enable, 0x2D);
  assert_int_equal(e.fibre_checked, 0x05);
  assert_int_equal(e.power_control, 0xFE);
  const unsigned want[8] = {CPO_CMIS_ELS_LANE_STATE_ON,      CPO_CMIS_ELS_LANE_STATE_OFF,
                            CPO_CMIS_ELS_LANE_STATE_RAMPING, CPO_CMIS_ELS_LANE_STATE_ON,
                            CPO_CMIS_ELS_LANE_STATE_RAMPING, CPO_CMIS_ELS_LANE_STATE_ON,
                            CPO_CMIS_ELS_LANE_STATE_OFF,     3};
  for (unsigned l = 0; l < 8; l++) {
    assert_int_equal(e.state[l], want[l]);
    assert_int_equal(cpo_cmis_els_state_of(p1a, l), want[l]);
  }
  assert_float_equal(e.freq_thz[0], 228.68, 1e-9);
  assert_true(e.freq_thz[1] == 0.0);
  assert_true(e.bias_setpoint_a[0] == 0.0); /* 0: the product's nominal */
  assert_float_equal(e.bias_setpoint_a[1], 0.4, 1e-12);
  assert_float_equal(e.power_setpoint_w[5], 0.1, 1e-12);
  assert_float_equal(e.bias_a[0], 0.37, 1e-12);
  assert_float_equal(e.power_w[0], 0.65535, 1e-12);
  assert_true(e.temp_degc[0] == -12.5);
  assert_true(e.temp_degc[5] == 35.25);
  /* More than 8 lanes advertised: the 8 the map has room for. */
  p1a[CPO_CMIS_P1A_ELS_LANES_OFFSET] = 9;
  cpo_cmis_els_decode(p1a, p1b, &e);
  assert_int_equal(e.lanes, CPO_CMIS_ELS_MAX_LANES);
}

static void test_els_flags_decode_and_describe(void **state) {
  (void)state;
  uint8_t p1a[256], p1b[256];
  s_els_images(p1a, p1b);
  cpo_cmis_flags_t f;
  memset(&f, 0, sizeof f);
  cpo_cmis_flags_decode_els(p1a, &f);
  assert_int_equal(f.els_state_changed, 0x01);
  assert_int_equal(f.els_lane_fault, 0x20);
  assert_true(cpo_cmis_flags_any(&f));
  char text[256];
  cpo_cmis_flags_describe(&f, text, sizeof text);
  assert_string_equal(text, "ELS lane 1: state changed; ELS lane 6: lane fault");
  f.els_state_changed = 0;
  f.els_lane_fault = 0;
  assert_false(cpo_cmis_flags_any(&f));
}

static void test_els_setpoints_encode_rounded_and_refused_beyond_16_bits(void **state) {
  (void)state;
  uint8_t be[2] = {0xAA, 0xAA};
  assert_int_equal(cpo_cmis_els_setpoint_encode(0.37, 10e-6, be), 0);
  assert_int_equal(be[0] << 8 | be[1], 37000);
  assert_int_equal(cpo_cmis_els_setpoint_encode(0.123456, 10e-6, be), 0); /* 12345.6 */
  assert_int_equal(be[0] << 8 | be[1], 12346);
  assert_int_equal(cpo_cmis_els_setpoint_encode(0.65535, 10e-6, be), 0);
  assert_int_equal(be[0] << 8 | be[1], 0xFFFF);
  assert_int_equal(cpo_cmis_els_setpoint_encode(0.0, 10e-6, be), 0);
  assert_int_equal(be[0] << 8 | be[1], 0);
  be[0] = be[1] = 0xAA; /* refused: left as they were */
  assert_int_equal(cpo_cmis_els_setpoint_encode(0.655355, 10e-6, be), -1);
  assert_int_equal(cpo_cmis_els_setpoint_encode(-1e-3, 10e-6, be), -1);
  assert_int_equal(cpo_cmis_els_setpoint_encode(NAN, 10e-6, be), -1);
  assert_int_equal(cpo_cmis_els_setpoint_encode(INFINITY, 10e-6, be), -1);
  assert_true(be[0] == 0xAA && be[1] == 0xAA);
}

/* ---- A fake module (every CMIS byte, paged; 1Ah/1Bh only with @els) for the driver's ELS calls */

typedef struct {
  bool els;
  uint8_t bank, page;
  uint8_t lower[128], upper[256][128]; /* one bank: what the ELS calls touch */
  char log[4096];                      /* the accesses, as s_log_add writes them */
  size_t at;
  int run_end; /* the last byte of the read run being logged, -1: none */
} module_t;

/* Log an access compactly, as test_cmis_py.py's FakeModule does: reads of consecutive bytes as
 * one run "rFIRST-LAST" (or "rB"; the select bytes too), a write "wB=VV". */
static void s_log_add(module_t *m, bool write, unsigned byte, uint8_t v) {
  size_t room = sizeof m->log - m->at;
  if (!write && m->run_end >= 0 && byte == (unsigned)m->run_end + 1u) {
    /* extend the run: rewrite its end */
    char *dash = strrchr(m->log, '-'), *sp = strrchr(m->log, ' ');
    char *r = sp ? sp + 1 : m->log;
    if (!dash || dash < r)
      m->at = strlen(m->log);
    else
      m->at = (size_t)(dash - m->log);
    room = sizeof m->log - m->at;
    m->at += (size_t)snprintf(m->log + m->at, room, "-%u", byte);
    m->run_end = (int)byte;
    return;
  }
  const char *sep = m->at ? " " : "";
  if (write)
    m->at += (size_t)snprintf(m->log + m->at, room, "%sw%u=%02x", sep, byte, v);
  else
    m->at += (size_t)snprintf(m->log + m->at, room, "%sr%u", sep, byte);
  m->run_end = write ? -1 : (int)byte;
}

static bool s_page_ok(const module_t *m, uint8_t page) {
  return page <= 0x02 || page == 0x10 || page == 0x11 || page == 0x9F ||
         (m->els && (page == CPO_CMIS_PAGE_P1A || page == CPO_CMIS_PAGE_P1B));
}

static cpo_status_t s_mod_read(void *user, uint32_t addr, uint32_t *data) {
  module_t *m = user;
  unsigned byte = addr / 4u;
  s_log_add(m, false, byte, 0);
  if (byte == CPO_CMIS_LOWER_BANK_SELECT_OFFSET)
    *data = m->bank;
  else if (byte == CPO_CMIS_LOWER_PAGE_SELECT_OFFSET)
    *data = m->page;
  else if (byte < 128)
    *data = m->lower[byte];
  else {
    uint8_t *b = &m->upper[m->page][byte - 128];
    *data = *b;
    if (m->page == CPO_CMIS_PAGE_P1A && (byte == CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET ||
                                         byte == CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET))
      *b = 0; /* latched: clear on read */
  }
  return CPO_OK;
}

static cpo_status_t s_mod_write(void *user, uint32_t addr, uint32_t data) {
  module_t *m = user;
  unsigned byte = addr / 4u;
  uint8_t v = (uint8_t)data;
  s_log_add(m, true, byte, v);
  if (byte == CPO_CMIS_LOWER_BANK_SELECT_OFFSET) {
    if (v == 0)
      m->bank = v;
  } else if (byte == CPO_CMIS_LOWER_PAGE_SELECT_OFFSET) {
    if (s_page_ok(m, v))
      m->page = v; /* a refused page leaves the select as it was */
  } else if (byte < 128) {
    m->lower[byte] = v;
  } else {
    m->upper[m->page][byte - 128] = v;
  }
  return CPO_OK;
}

typedef struct {
  module_t mod;
  cpo_hal_t *hal;
  cpo_cmis_t *c;
} els_host_t;

static void s_els_host(els_host_t *h, bool els) {
  memset(h, 0, sizeof *h);
  h->mod.els = els;
  h->mod.run_end = -1;
  h->mod.lower[CPO_CMIS_LOWER_IDENTIFIER_OFFSET] = 0x80;
  h->mod.lower[CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET] = 0xFF;
  if (els) {
    uint8_t p1a[256], p1b[256];
    s_els_images(p1a, p1b);
    memcpy(h->mod.upper[CPO_CMIS_PAGE_P1A], p1a + 128, 128);
    memcpy(h->mod.upper[CPO_CMIS_PAGE_P1B], p1b + 128, 128);
  }
  cpo_config_t cfg = {.lanes = 8, .symbols_per_cycle = 32, .baud_hz = 53125000000ull};
  cpo_hal_mem_t *mem;
  assert_int_equal(cpo_hal_mem_create(&cfg, 1024, &mem, &h->hal), CPO_OK);
  for (unsigned b = 0; b < 256; b++) {
    assert_int_equal(cpo_hal_mem_on_read(mem, CPO_CMIS_WORD_OFFSET(b), s_mod_read, &h->mod),
                     CPO_OK);
    assert_int_equal(cpo_hal_mem_on_write(mem, CPO_CMIS_WORD_OFFSET(b), s_mod_write, &h->mod),
                     CPO_OK);
  }
  assert_int_equal(cpo_cmis_create(h->hal, 0, &h->c), CPO_OK);
}

static void s_els_host_free(els_host_t *h) {
  cpo_cmis_destroy(&h->c);
  cpo_hal_close(&h->hal);
}

static void s_log_reset(module_t *m) {
  m->log[0] = '\0';
  m->at = 0;
  m->run_end = -1;
}

/* The accesses each call makes, access for access: test_cmis_py.py's ELS_TRACE holds the same
 * strings for the Python driver (the two drivers' traces stay equal). */
#define S_TRACE_PROBE "r0-2 r86-117 w127=01 r127-255"
#define S_TRACE_ELS_LANES "w126=00 w127=1a r127-129"
#define S_TRACE_READ "r208-209 r220-223 r232-247 w127=1b r127-160 r184-231"
#define S_TRACE_ENABLE "w127=1a r127 w220=00"
#define S_TRACE_SETPOINT "w127=1b r127 w128=75 w129=30 w144=27 w145=10 r160 w160=ff"
#define S_TRACE_FLAGS "r8-9 w127=11 r127 r134-152 w127=1a r127 r200-201"
#define S_TRACE_ELS_LANES_NO_ELS "w126=00 w127=1a r127"

static void test_els_driver_calls_and_their_accesses(void **state) {
  (void)state;
  els_host_t h;
  s_els_host(&h, true);
  assert_int_equal(cpo_cmis_probe(h.c), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_PROBE); /* the probe leaves page 1Ah alone */
  s_log_reset(&h.mod);
  unsigned lanes = 0;
  assert_int_equal(cpo_cmis_els_lanes(h.c, &lanes), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_ELS_LANES);
  assert_int_equal(lanes, 6);
  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_lanes(h.c, &lanes), CPO_OK); /* answered: no access */
  assert_string_equal(h.mod.log, "");
  assert_int_equal(cpo_cmis_info(h.c)->els_lanes, 6);
  assert_int_equal(cpo_cmis_info(h.c)->els_modes, 0x03);

  s_log_reset(&h.mod);
  cpo_cmis_els_t e;
  assert_int_equal(cpo_cmis_els_read(h.c, &e), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_READ); /* not 200-201: the flags stay latched */
  assert_int_equal(e.lanes, 6);
  assert_int_equal(e.enable, 0x2D);
  assert_int_equal(e.state[5], CPO_CMIS_ELS_LANE_STATE_ON);
  assert_true(e.temp_degc[0] == -12.5);
  assert_float_equal(e.bias_a[0], 0.37, 1e-12);

  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_enable(h.c, 0x00), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_ENABLE);

  /* Lane 1 (in current control) to power control at 100 mW, 300 mA for current control. */
  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 0, 0.3, 0.1, CPO_CMIS_ELS_MODE_POWER), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_SETPOINT);
  /* Already in power control, nothing else to set: the mode byte is only read. */
  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 0, NAN, NAN, CPO_CMIS_ELS_MODE_POWER), CPO_OK);
  assert_string_equal(h.mod.log, "r160");
  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 0, NAN, NAN, CPO_CMIS_ELS_MODE_CURRENT), CPO_OK);
  assert_string_equal(h.mod.log, "r160 w160=fe");

  s_log_reset(&h.mod);
  cpo_cmis_flags_t f;
  assert_int_equal(cpo_cmis_flags(h.c, &f), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_FLAGS);
  assert_int_equal(f.els_state_changed, 0x01);
  assert_int_equal(f.els_lane_fault, 0x20);
  assert_int_equal(cpo_cmis_flags(h.c, &f), CPO_OK); /* cleared by the read */
  assert_false(cpo_cmis_flags_any(&f));

  /* Refusals change nothing: checked before the first write. */
  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 6, 0.3, NAN, CPO_CMIS_ELS_MODE_KEEP),
                   CPO_ERR_RANGE);
  assert_string_equal(cpo_cmis_error(h.c), "ELS lane 7: the source has lanes 1-6");
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 1, 0.3, 0.7, CPO_CMIS_ELS_MODE_POWER),
                   CPO_ERR_RANGE);
  assert_string_equal(cpo_cmis_error(h.c),
                      "ELS lane 2: power setpoint 0.7 W is not within 0-0.65535 W (10 uW steps)");
  assert_int_equal(cpo_cmis_els_set_flag_mask(h.c, 202, 0x01), CPO_ERR_RANGE);
  assert_string_equal(cpo_cmis_error(h.c), "page 1Ah byte 202 is not an ELS flag (200-201)");
  assert_string_equal(h.mod.log, "");
  h.mod.upper[CPO_CMIS_PAGE_P1A][CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET - 128] = 0x01;
  assert_int_equal(cpo_cmis_probe(h.c), CPO_OK); /* current control only */
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 0, NAN, NAN, CPO_CMIS_ELS_MODE_POWER),
                   CPO_ERR_RANGE);
  assert_non_null(strstr(cpo_cmis_error(h.c), "control mode 2 not advertised (modes 0x01)"));

  s_log_reset(&h.mod);
  assert_int_equal(cpo_cmis_els_set_flag_mask(h.c, CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET, 0x21),
                   CPO_OK);
  assert_string_equal(h.mod.log, "w209=21");
  s_els_host_free(&h);
}

/* No external laser source: the select of 1Ah is refused (byte 127 keeps 01h), which is the
 * answer (no failure), and every ELS call then says so without touching the module. */
static void test_els_refused_page_means_no_external_laser_source(void **state) {
  (void)state;
  els_host_t h;
  s_els_host(&h, false);
  assert_int_equal(cpo_cmis_probe(h.c), CPO_OK);
  s_log_reset(&h.mod);
  unsigned lanes = 1;
  assert_int_equal(cpo_cmis_els_lanes(h.c, &lanes), CPO_OK);
  assert_string_equal(h.mod.log, S_TRACE_ELS_LANES_NO_ELS);
  assert_int_equal(h.mod.page, 0x01);
  assert_int_equal(lanes, 0);
  assert_string_equal(cpo_cmis_error(h.c), "");
  s_log_reset(&h.mod);
  cpo_cmis_els_t e;
  const char *no_els = "the engine has no external laser source (pages 1Ah/1Bh not advertised)";
  assert_int_equal(cpo_cmis_els_read(h.c, &e), CPO_ERR_STATE);
  assert_string_equal(cpo_cmis_error(h.c), no_els);
  assert_int_equal(cpo_cmis_els_set_enable(h.c, 0), CPO_ERR_STATE);
  assert_int_equal(cpo_cmis_els_set_setpoint(h.c, 0, 0.3, NAN, CPO_CMIS_ELS_MODE_KEEP),
                   CPO_ERR_STATE);
  assert_int_equal(cpo_cmis_els_set_flag_mask(h.c, 200, 0), CPO_ERR_STATE);
  assert_string_equal(cpo_cmis_error(h.c), no_els);
  assert_string_equal(h.mod.log, "");
  /* The flags leave page 1Ah alone. */
  cpo_cmis_flags_t f;
  assert_int_equal(cpo_cmis_flags(h.c, &f), CPO_OK);
  assert_string_equal(h.mod.log, "r8-9 w127=11 r127 r134-152");
  /* The dump says so in one line. */
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  assert_int_equal(cpo_cmis_dump(h.c, out), CPO_OK);
  fclose(out);
  assert_non_null(strstr(text, "External laser source"));
  assert_non_null(strstr(text, ": none (pages 1Ah/1Bh not advertised)"));
  assert_null(strstr(text, "ELS lane"));
  free(text);
  s_els_host_free(&h);
}

static void test_els_dump_section_per_lane(void **state) {
  (void)state;
  els_host_t h;
  s_els_host(&h, true);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  assert_int_equal(cpo_cmis_dump(h.c, out), CPO_OK);
  fclose(out);
  static const char *const rows[] = {
      "\tExternal laser source lanes                   : 6\n",
      "\tELS control modes supported                   : current yes, power yes\n",
      "\tELS lane state (Lane 1)                       : ON\n",
      "\tELS lane enabled (Lane 1)                     : yes\n",
      "\tELS fibre checked (Lane 1)                    : yes\n",
      "\tELS frequency (Lane 1)                        : 228.68 THz\n",
      "\tELS control mode (Lane 1)                     : current\n",
      "\tELS bias setpoint (Lane 1)                    : nominal\n",
      "\tELS power setpoint (Lane 1)                   : as measured at bring-up\n",
      "\tELS laser bias current (Lane 1)               : 370.00 mA\n",
      "\tELS laser output power (Lane 1)               : 655.3500 mW / 28.16 dBm\n",
      "\tELS laser temperature (Lane 1)                : -12.50 degrees C\n",
      "\tELS lane state (Lane 2)                       : OFF\n",
      "\tELS lane enabled (Lane 2)                     : no\n",
      "\tELS bias setpoint (Lane 2)                    : 400.00 mA\n",
      "\tELS control mode (Lane 2)                     : power\n",
      "\tELS lane state (Lane 5)                       : RAMPING\n",
      "\tELS power setpoint (Lane 6)                   : 100.00 mW / 20.00 dBm\n",
      "\tELS laser temperature (Lane 6)                : 35.25 degrees C\n",
      "ELS lane 1: state changed; ELS lane 6: lane fault",
  };
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
    if (!strstr(text, rows[k]))
      fail_msg("the dump has no row \"%s\":\n%s", rows[k], text);
  assert_null(strstr(text, "ELS lane state (Lane 7)")); /* 6 ELS lanes */
  free(text);
  s_els_host_free(&h);
}

/* ---- Whose failure: the transport's (the run silent, ended) or the module's answer -------- */

/* A HAL over another whose reads or sleeps fail, when told to, as the bridge's do once the rtl
 * is killed (CPO_ERR_TIMEOUT, "peer rtl silent ...") or the run has ended. */
typedef struct {
  cpo_hal_t *inner;
  cpo_status_t read_rc, sleep_rc; /* CPO_OK: the inner HAL's answer */
} flaky_t;

#define S_SILENT "peer rtl silent for 10000 ms at ipc://x; last agreed cycle 7"

static cpo_status_t s_flaky_read(void *self, uint32_t addr, uint32_t *data) {
  flaky_t *f = self;
  return f->read_rc != CPO_OK ? f->read_rc : cpo_hal_read(f->inner, addr, data);
}

static cpo_status_t s_flaky_write(void *self, uint32_t addr, uint32_t data) {
  return cpo_hal_write(((flaky_t *)self)->inner, addr, data);
}

static cpo_status_t s_flaky_sleep(void *self, uint64_t cycles) {
  flaky_t *f = self;
  return f->sleep_rc != CPO_OK ? f->sleep_rc : cpo_hal_sleep_cycles(f->inner, cycles);
}

static uint64_t s_flaky_now(const void *self) {
  return cpo_hal_now_cycles(((const flaky_t *)self)->inner);
}

static const cpo_config_t *s_flaky_config(const void *self) {
  return cpo_hal_config(((const flaky_t *)self)->inner);
}

static const char *s_flaky_error(const void *self) {
  const flaky_t *f = self;
  return f->read_rc != CPO_OK || f->sleep_rc != CPO_OK ? S_SILENT : cpo_hal_error(f->inner);
}

static void s_flaky_close(void *self) {
  (void)self;
}

static const cpo_hal_ops_t s_flaky_ops = {.read32 = s_flaky_read,
                                          .write32 = s_flaky_write,
                                          .sleep_cycles = s_flaky_sleep,
                                          .now_cycles = s_flaky_now,
                                          .config = s_flaky_config,
                                          .error = s_flaky_error,
                                          .close = s_flaky_close};

static void test_a_silent_or_ended_run_is_the_transports_failure_not_the_modules(void **state) {
  (void)state;
  els_host_t h;
  s_els_host(&h, false);
  h.mod.lower[CPO_CMIS_LOWER_MODULE_STATE_OFFSET] =
      CPO_CMIS_MODULE_STATE_LOW_PWR << CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT; /* stays there */
  flaky_t f = {.inner = h.hal};
  cpo_hal_t *hal = NULL;
  cpo_cmis_t *c = NULL;
  assert_int_equal(cpo_hal_create(&s_flaky_ops, &f, &hal), CPO_OK);
  assert_int_equal(cpo_cmis_create(hal, 0, &c), CPO_OK);
  assert_int_equal(cpo_cmis_probe(c), CPO_OK);
  /* The module never reaches ModuleReady within its bound: the module's failure. */
  assert_int_equal(cpo_cmis_set_low_power(c, false), CPO_ERR_TIMEOUT);
  assert_non_null(strstr(cpo_cmis_error(c), "expected ModuleReady within MaxDurationModulePwrUp"));
  assert_false(cpo_cmis_error_is_transport(c));
  /* The rtl silent while the driver sleeps between polls: the same status, the transport's
   * failure, named as the HAL names it (not as a module state not reached in time). */
  f.sleep_rc = CPO_ERR_TIMEOUT;
  assert_int_equal(cpo_cmis_set_low_power(c, false), CPO_ERR_TIMEOUT);
  if (!strstr(cpo_cmis_error(c), "waiting: " S_SILENT))
    fail_msg("a silent rtl reported as \"%s\"", cpo_cmis_error(c));
  assert_true(cpo_cmis_error_is_transport(c));
  f.sleep_rc = CPO_OK;
  /* A read the rtl never answers, or answers after the run's end: the transport's. */
  uint8_t v;
  const cpo_status_t gone[] = {CPO_ERR_TIMEOUT, CPO_ERR_SIM_ENDED, CPO_ERR_PEER_GONE,
                               CPO_ERR_TRANSPORT};
  for (size_t k = 0; k < sizeof gone / sizeof gone[0]; k++) {
    f.read_rc = gone[k];
    assert_int_equal(cpo_cmis_read(c, 0, 0, 3, &v, 1), gone[k]);
    assert_string_equal(cpo_cmis_error(c), "reading CMIS byte 3: " S_SILENT);
    assert_true(cpo_cmis_error_is_transport(c));
  }
  /* A bus error is the design's answer: the module's. */
  f.read_rc = CPO_ERR_BUS;
  assert_int_equal(cpo_cmis_read(c, 0, 0, 3, &v, 1), CPO_ERR_BUS);
  assert_false(cpo_cmis_error_is_transport(c));
  /* And a refusal after a transport failure is the module's again. */
  f.read_rc = CPO_ERR_TIMEOUT;
  assert_int_equal(cpo_cmis_read(c, 0, 0, 3, &v, 1), CPO_ERR_TIMEOUT);
  f.read_rc = CPO_OK;
  assert_int_equal(cpo_cmis_read(c, 0, 0x1A, 130, &v, 1), CPO_ERR_RANGE);
  assert_non_null(strstr(cpo_cmis_error(c), "refused page 0x1a"));
  assert_false(cpo_cmis_error_is_transport(c));
  cpo_cmis_destroy(&c);
  cpo_hal_close(&hal);
  s_els_host_free(&h);
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
      cmocka_unit_test(test_els_pages_decode),
      cmocka_unit_test(test_els_flags_decode_and_describe),
      cmocka_unit_test(test_els_setpoints_encode_rounded_and_refused_beyond_16_bits),
      cmocka_unit_test(test_els_driver_calls_and_their_accesses),
      cmocka_unit_test(test_els_refused_page_means_no_external_laser_source),
      cmocka_unit_test(test_els_dump_section_per_lane),
      cmocka_unit_test(test_a_silent_or_ended_run_is_the_transports_failure_not_the_modules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
