/* The engine as the bring-up firmware sees it: see fw_engine.h. */
#include "fw_engine.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpo/addrmap.h"
#include "cpo/lanes_afe.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"

#define TRAFFIC(offset) (CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + (offset))

/* A DAC write reaches the models, and an ADC sample the registers, one path latency later (at
 * most the fibre's ~0.5 us and the electronics'); a ring heater settles in a few of its 0.5 us
 * time constants (MODELS.md: 0.4-1 us); the monitors convert every 1 us. */
#define CONVERTER_LATENCY_US 1.0
#define HEATER_SETTLE_US 3.0
#define ADC_PERIOD_US 1.0

uint32_t cpo_fw_dac_addr(cpo_dac_channel_t ch, uint32_t index) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_DAC_BASE + cpo_lanes_dac_addr(ch, index) -
         cpo_lanes_dac_addr(0, 0);
}

uint32_t cpo_fw_adc_addr(cpo_adc_channel_t ch, uint32_t index) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADC_BASE + cpo_lanes_adc_addr(ch, index) -
         cpo_lanes_adc_addr(0, 0);
}

cpo_status_t cpo_fw_engine_fail(cpo_fw_engine_t *e, cpo_status_t rc, const char *fmt, ...) {
  if (e->why[0] == '\0') {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
  }
  return rc;
}

cpo_status_t cpo_fw_engine_probe(cpo_fw_engine_t *e, cpo_hal_t *hal) {
  e->hal = hal;
  uint32_t config, d2d;
  CPO_TRY(cpo_hal_read(hal, CPO_FW_OE_MGMT(CPO_OE_CONFIG_OFFSET), &config));
  CPO_TRY(cpo_hal_read(hal, CPO_FW_OE_MGMT(CPO_OE_D2D_OFFSET), &d2d));
  e->lanes = (config & CPO_OE_CONFIG_MEDIA_LANES_MASK) >> CPO_OE_CONFIG_MEDIA_LANES_SHIFT;
  e->host_lanes = (config & CPO_OE_CONFIG_HOST_LANES_MASK) >> CPO_OE_CONFIG_HOST_LANES_SHIFT;
  e->modules = (d2d & CPO_OE_D2D_MODULES_MASK) >> CPO_OE_D2D_MODULES_SHIFT;
  if (e->lanes < 1 || e->lanes > CPO_FW_MAX_LANES || e->host_lanes % e->lanes != 0 ||
      e->modules < 1 || e->modules > CPO_FW_MAX_MODULES)
    return cpo_fw_engine_fail(e, CPO_ERR_STATE,
                              "the OE reports %u media lanes, %u host lanes, %u D2D modules",
                              e->lanes, e->host_lanes, e->modules);
  return CPO_OK;
}

cpo_status_t cpo_fw_engine_count_lasers(cpo_fw_engine_t *e) {
  /* Lasers are numbered from 0; one the engine does not have reads 0 K. */
  e->lasers = 0;
  for (uint32_t k = 0; k < e->lanes; k++) {
    double temp_k;
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_TEMP, k, &temp_k));
    if (temp_k <= 0.0)
      break;
    e->lasers++;
  }
  if (e->lasers == 0)
    return cpo_fw_engine_fail(e, CPO_ERR_STATE, "no laser answers (every laser_temp reads 0 K)");
  return CPO_OK;
}

cpo_status_t cpo_fw_dac_write(cpo_fw_engine_t *e, cpo_dac_channel_t ch, uint32_t index,
                              double value) {
  return cpo_hal_write(e->hal, cpo_fw_dac_addr(ch, index), cpo_dac_si_to_code(ch, value));
}

cpo_status_t cpo_fw_dac_read(cpo_fw_engine_t *e, cpo_dac_channel_t ch, uint32_t index,
                             double *value) {
  uint32_t code;
  CPO_TRY(cpo_hal_read(e->hal, cpo_fw_dac_addr(ch, index), &code));
  *value = cpo_dac_code_to_si(ch, code);
  return CPO_OK;
}

cpo_status_t cpo_fw_adc_read(cpo_fw_engine_t *e, cpo_adc_channel_t ch, uint32_t index,
                             double *value) {
  uint32_t code;
  CPO_TRY(cpo_hal_read(e->hal, cpo_fw_adc_addr(ch, index), &code));
  *value = cpo_adc_code_to_si(ch, code);
  return CPO_OK;
}

cpo_status_t cpo_fw_wait_us(cpo_fw_engine_t *e, double us) {
  const uint64_t cycles = cpo_hal_ns_to_cycles(e->hal, (uint64_t)(us * 1e3 + 0.5));
  if (cpo_hal_now_cycles(e->hal) + cycles > e->deadline_cycles)
    return cpo_fw_engine_fail(e, CPO_ERR_TIMEOUT,
                              "out of time: the run ends before bring-up could finish");
  return cpo_hal_sleep_cycles(e->hal, cycles);
}

cpo_status_t cpo_fw_wait_monitors(cpo_fw_engine_t *e) {
  return cpo_fw_wait_us(e, 2 * CONVERTER_LATENCY_US + HEATER_SETTLE_US + ADC_PERIOD_US);
}

cpo_status_t cpo_fw_stream(cpo_fw_engine_t *e, uint32_t mask_lo, uint32_t mask_hi) {
  CPO_TRY(cpo_hal_write(e->hal, CPO_FW_OE_MGMT(CPO_OE_STREAM_EN_LO_OFFSET), mask_lo));
  return cpo_hal_write(e->hal, CPO_FW_OE_MGMT(CPO_OE_STREAM_EN_HI_OFFSET), mask_hi);
}

cpo_status_t cpo_fw_stream_all(cpo_fw_engine_t *e) {
  return cpo_fw_stream(e, CPO_OE_STREAM_EN_LO_RESET, CPO_OE_STREAM_EN_HI_RESET);
}

cpo_status_t cpo_fw_counters_clear(cpo_fw_engine_t *e) {
  return cpo_hal_write(e->hal, TRAFFIC(CPO_TRAFFIC_CNT_CLEAR_OFFSET),
                       CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
}

cpo_status_t cpo_fw_counters_read(cpo_fw_engine_t *e, uint32_t lane, uint64_t *bits,
                                  uint64_t *errors) {
  const uint32_t ratio = e->host_lanes / e->lanes;
  *bits = *errors = 0;
  for (uint32_t h = lane * ratio; h < (lane + 1) * ratio; h++) {
    uint32_t b, n;
    CPO_TRY(cpo_hal_read(e->hal, TRAFFIC(CPO_TRAFFIC_LANE_BITS_OFFSET_N(h)), &b));
    CPO_TRY(cpo_hal_read(e->hal, TRAFFIC(CPO_TRAFFIC_LANE_ERRS_OFFSET_N(h)), &n));
    *bits += b;
    *errors += n;
  }
  return CPO_OK;
}
