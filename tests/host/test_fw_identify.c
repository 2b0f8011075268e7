/* The built-in host firmware (host/fw/identify.c) on the HAL's in-memory backend: no
 * simulation, registers set by the test, time advanced only by the firmware's sleeps. Expected
 * numbers come from the register descriptions and closed-form unit conversions, not from a
 * captured run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/fw_identify.h"
#include "cpo/hal_mem.h"
#include "cpo/lanes_afe.h"
#include "cpo/lanes_regs.h"

#define SPAN_BYTES 0x4000u /* registers and both converter windows */
#define LANES 2u
#define TOTAL_CYCLES 100000u

typedef struct {
  cpo_hal_mem_t *mem;
  cpo_hal_t *hal;
  char *text; /* what the firmware printed */
  size_t text_len;
  FILE *out;
  char why[400];
} bench_t;

static cpo_config_t s_config(const char *profile) {
  cpo_config_t c = {.lanes = LANES,
                    .symbols_per_cycle = 32,
                    .bits_per_symbol = 1,
                    .latency_cycles = 64,
                    .quantum_cycles = 16,
                    .seed = 1,
                    .total_cycles = TOTAL_CYCLES,
                    .baud_hz = 53125000000ull};
  snprintf(c.profile, sizeof c.profile, "%s", profile);
  return c;
}

/* An engine that identifies itself, with lane 0 locked and lane 1 not. */
static void s_bench_open(bench_t *b, const char *profile) {
  memset(b, 0, sizeof *b);
  cpo_config_t cfg = s_config(profile);
  assert_int_equal(cpo_hal_mem_create(&cfg, SPAN_BYTES, &b->mem, &b->hal), CPO_OK);
  cpo_hal_mem_poke(b->mem, CPO_LANES_ID_OFFSET, CPO_LANES_ID_MAGIC_RESET);
  cpo_hal_mem_poke(b->mem, CPO_LANES_VERSION_OFFSET, 0x00010001u);
  cpo_hal_mem_poke(b->mem, CPO_LANES_CONFIG_OFFSET, 0x06092008u);
  cpo_hal_mem_poke(b->mem, CPO_LANES_LANE_STATUS_OFFSET_N(0), CPO_LANES_LANE_STATUS_LOCKED_MASK);
  b->out = open_memstream(&b->text, &b->text_len);
  assert_non_null(b->out);
}

static cpo_status_t s_bench_run(bench_t *b) {
  cpo_status_t rc = cpo_fw_identify_run(b->hal, b->out, b->why, sizeof b->why);
  fflush(b->out);
  return rc;
}

static void s_bench_close(bench_t *b) {
  fclose(b->out);
  free(b->text);
  cpo_hal_close(&b->hal);
  assert_null(b->hal);
}

static void s_expect_line(const bench_t *b, const char *line) {
  if (!strstr(b->text, line))
    fail_msg("missing \"%s\" in:\n%s", line, b->text);
}

/* Reading a counter's LO half latches its HI half (rtl/lanes): the hook models the latch. */
typedef struct {
  cpo_hal_mem_t *mem;
  uint32_t hi_addr;
  uint64_t value;
} counter_t;

static cpo_status_t s_read_lo_latch_hi(void *user, uint32_t addr, uint32_t *data) {
  counter_t *c = user;
  (void)addr;
  cpo_hal_mem_poke(c->mem, c->hi_addr, (uint32_t)(c->value >> 32));
  *data = (uint32_t)c->value;
  return CPO_OK;
}

static cpo_status_t s_read_slverr(void *user, uint32_t addr, uint32_t *data) {
  (void)user, (void)addr, (void)data;
  return CPO_ERR_BUS;
}

static void test_fw_identify_reads_every_lane_at_the_end_of_the_run(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "loopback");
  counter_t bits0 = {b.mem, CPO_LANES_LANE_BITS_HI_OFFSET_N(0), 0x100000002ull}; /* past 32 bits */
  counter_t errs1 = {b.mem, CPO_LANES_LANE_ERRS_HI_OFFSET_N(1), 17};
  assert_int_equal(
      cpo_hal_mem_on_read(b.mem, CPO_LANES_LANE_BITS_LO_OFFSET_N(0), s_read_lo_latch_hi, &bits0),
      CPO_OK);
  assert_int_equal(
      cpo_hal_mem_on_read(b.mem, CPO_LANES_LANE_ERRS_LO_OFFSET_N(1), s_read_lo_latch_hi, &errs1),
      CPO_OK);
  assert_int_equal(s_bench_run(&b), CPO_OK);
  s_expect_line(
      &b, "host: engine id 0x43504f45 \"CPOE\", version 0x00010001, config 0x06092008, at cycle 0 "
          "(0 ns)\n");
  /* It slept until the reads it still had to make fitted before the end, and no longer. */
  uint64_t now = cpo_hal_now_cycles(b.hal);
  assert_true(now < TOTAL_CYCLES);
  assert_true(now + cpo_fw_identify_min_cycles(&(cpo_config_t){.lanes = LANES}) >
              TOTAL_CYCLES - 64);
  s_expect_line(&b, "host:    0     yes    4294967298         0\n");
  s_expect_line(&b, "host:    1      NO             0        17\n");
  s_expect_line(&b, "host: the loopback channel has no monitor ADCs\n");
  s_bench_close(&b);
}

static void test_fw_identify_prints_monitors_in_si_units(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "engine");
  /* Codes times the channel's LSB: 124.29 uA, 403.37 uA, 328.15 K = 55 C, 1 mW = 0 dBm. */
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_TAP_PD, 1), 12429);
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_DROP_PD, 1), 40337);
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_MOD_TEMP, 1), 32815);
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_RX_POWER, 1), 10000);
  /* One laser: 0.1 W = 20 dBm at 300 K = 26.85 C; laser 1 reads 0 K, so there is none. */
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_LASER_POWER, 0), 10000);
  cpo_hal_mem_poke(b.mem, cpo_lanes_adc_addr(CPO_ADC_LASER_TEMP, 0), 30000);
  assert_int_equal(s_bench_run(&b), CPO_OK);
  s_expect_line(&b, "host:    1     124.29      403.37       55.00          0.00\n");
  s_expect_line(&b,
                "host:    0       0.00        0.00     -273.15          -inf\n"); /* nothing lit */
  s_expect_line(&b, "host: laser 0: 20.00 dBm, 26.85 C\n");
  assert_null(strstr(b.text, "laser 1"));
  s_bench_close(&b);
}

static void test_fw_identify_refuses_an_unknown_engine(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "loopback");
  cpo_hal_mem_poke(b.mem, CPO_LANES_ID_OFFSET, 0x12345678u);
  assert_int_equal(s_bench_run(&b), CPO_ERR_STATE);
  assert_string_equal(b.why, "identification failed: address 0 reads 0x12345678, neither the lanes "
                             "block's ID (0x43504f45) nor the engine's ASIC D2D endpoint's "
                             "(0x44324445)");
  assert_null(strstr(b.text, "locked")); /* it stopped there */
  s_bench_close(&b);
}

static void test_fw_identify_names_a_bus_error(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "loopback");
  assert_int_equal(
      cpo_hal_mem_on_read(b.mem, CPO_LANES_LANE_STATUS_OFFSET_N(1), s_read_slverr, NULL), CPO_OK);
  assert_int_equal(s_bench_run(&b), CPO_ERR_BUS);
  char want[128];
  snprintf(want, sizeof want, "reading the lane counters failed: bus error reading 0x%04x at cycle",
           CPO_LANES_LANE_STATUS_OFFSET_N(1));
  assert_non_null(strstr(b.why, want));
  s_bench_close(&b);
}

static void test_fw_identify_stops_when_the_run_ends_first(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "loopback");
  cpo_hal_mem_end_at(b.mem, 500);
  assert_int_equal(s_bench_run(&b), CPO_ERR_SIM_ENDED);
  assert_string_equal(b.why, "sleep failed: the run ended at cycle 500");
  assert_int_equal(cpo_hal_now_cycles(b.hal), 500);
  s_bench_close(&b);
}

/* The backend itself: the span is the bus, time moves only by sleeps, ns convert once. */
static void test_hal_mem_is_a_register_array_with_virtual_time(void **state) {
  (void)state;
  bench_t b;
  s_bench_open(&b, "loopback");
  uint32_t v = 7;
  assert_int_equal(cpo_hal_write(b.hal, 0x10, 0xabcd), CPO_OK);
  assert_int_equal(cpo_hal_read(b.hal, 0x10, &v), CPO_OK);
  assert_int_equal(v, 0xabcd);
  assert_int_equal(cpo_hal_mem_peek(b.mem, 0x10), 0xabcd);
  v = 7;
  assert_int_equal(cpo_hal_read(b.hal, SPAN_BYTES, &v), CPO_ERR_BUS);
  assert_int_equal(cpo_hal_read(b.hal, 0x11, &v), CPO_ERR_BUS);
  assert_int_equal(v, 7); /* unchanged on error */
  assert_int_equal(cpo_hal_mem_on_read(b.mem, SPAN_BYTES, s_read_slverr, NULL), CPO_ERR_RANGE);
  assert_int_equal(cpo_hal_mem_accesses(b.mem), 4);
  /* 32 symbols at 53.125 GBd: a cycle is 602.35 ps; 1 us is 1660.2 cycles, rounded up. */
  assert_int_equal(cpo_hal_ns_to_cycles(b.hal, 1000), 1661);
  assert_int_equal(cpo_hal_sleep_ns(b.hal, 1000), CPO_OK);
  assert_int_equal(cpo_hal_now_cycles(b.hal), 1661);
  assert_int_equal(cpo_hal_now_ns(b.hal), 1000); /* 1000.5 ns, rounded down */
  s_bench_close(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fw_identify_reads_every_lane_at_the_end_of_the_run),
      cmocka_unit_test(test_fw_identify_prints_monitors_in_si_units),
      cmocka_unit_test(test_fw_identify_refuses_an_unknown_engine),
      cmocka_unit_test(test_fw_identify_names_a_bus_error),
      cmocka_unit_test(test_fw_identify_stops_when_the_run_ends_first),
      cmocka_unit_test(test_hal_mem_is_a_register_array_with_virtual_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
