/* The built-in host firmware (see cpo/fw_identify.h): what is at address 0 says which design
 * answers (the lanes block's ID, or the engine's ASIC D2D endpoint, identify_engine.c); this
 * file holds the lanes design's report and what both share (identify_internal.h). */
#include "cpo/fw_identify.h"

#include <math.h>
#include <string.h>

#include "cpo/d2d_regs.h"
#include "cpo/lanes_afe.h"
#include "cpo/lanes_regs.h"
#include "cpo/units.h"
#include "identify_internal.h"

/* Register reads needed at the end of the run: per lane status, two 64-bit counters and the
 * per-lane monitors; two monitors per laser (at most a laser per lane) and one more. */
#define LANE_MONITORS 4u
#define READS_PER_LANE (5u + LANE_MONITORS + 2u)
#define CYCLES_PER_READ 3u /* APB setup + access + response cycle */

/* Identification, every lane's counters and monitors, one laser read pair per lane at most; on
 * the engine, also both dies' D2D state and training logs. */
uint64_t cpo_fw_identify_min_cycles(const cpo_config_t *cfg) {
  uint64_t lanes = ((uint64_t)cfg->lanes * READS_PER_LANE + 3 + 1) * CYCLES_PER_READ + 16;
  uint64_t engine = cpo_fw_engine_reserve_cycles(cfg->lanes);
  return lanes > engine ? lanes : engine;
}

cpo_status_t cpo_fw_fail(cpo_hal_t *hal, cpo_status_t rc, const char *what, char *why,
                         size_t why_len) {
  snprintf(why, why_len, "%s: %s", what, cpo_hal_error(hal));
  return rc;
}

cpo_status_t cpo_fw_sleep_until_end(cpo_hal_t *hal, uint64_t reserve_cycles) {
  const cpo_config_t *cfg = cpo_hal_config(hal);
  uint64_t now = cpo_hal_now_cycles(hal);
  if (cfg->total_cycles > now + reserve_cycles)
    return cpo_hal_sleep_cycles(hal, cfg->total_cycles - reserve_cycles - now);
  return CPO_OK;
}

static cpo_status_t s_read64(cpo_hal_t *hal, uint32_t lo_addr, uint32_t hi_addr, uint64_t *v) {
  uint32_t lo, hi;
  CPO_TRY(cpo_hal_read(hal, lo_addr, &lo)); /* reading LO latches HI */
  CPO_TRY(cpo_hal_read(hal, hi_addr, &hi));
  *v = ((uint64_t)hi << 32) | lo;
  return CPO_OK;
}

/* Optical power for display: -inf for none. */
static double s_dbm(double w) {
  return w > 0 ? cpo_w_to_dbm(w) : -INFINITY;
}

/* The address of ADC (channel, index) in the window at @p window: the lanes block's layout, which
 * the engine's OE block shares (cpo_engine_top checks it). */
static uint32_t s_adc_addr(uint32_t window, cpo_adc_channel_t channel, uint32_t index) {
  return window + cpo_lanes_adc_addr(channel, index) - cpo_lanes_adc_addr(0, 0);
}

cpo_status_t cpo_fw_print_monitors(cpo_hal_t *hal, uint32_t lanes, uint32_t window, FILE *out) {
  static const cpo_adc_channel_t per_lane[LANE_MONITORS] = {CPO_ADC_TAP_PD, CPO_ADC_DROP_PD,
                                                            CPO_ADC_MOD_TEMP, CPO_ADC_RX_POWER};
  uint32_t code[LANE_MONITORS];
  fprintf(out, "host: lane  tap PD uA  drop PD uA  mod temp C  rx power dBm   (monitor ADCs)\n");
  for (uint32_t l = 0; l < lanes; l++) {
    for (uint32_t k = 0; k < LANE_MONITORS; k++)
      CPO_TRY(cpo_hal_read(hal, s_adc_addr(window, per_lane[k], l), &code[k]));
    fprintf(out, "host: %4u  %9.2f  %10.2f  %10.2f  %12.2f\n", l,
            cpo_adc_code_to_si(CPO_ADC_TAP_PD, code[0]) * 1e6,
            cpo_adc_code_to_si(CPO_ADC_DROP_PD, code[1]) * 1e6,
            cpo_k_to_c(cpo_adc_code_to_si(CPO_ADC_MOD_TEMP, code[2])),
            s_dbm(cpo_adc_code_to_si(CPO_ADC_RX_POWER, code[3])));
  }
  /* Lasers are numbered from 0 across the engines; the index of a laser the engine does not
   * have reads 0 K, which no laser that exists does. */
  for (uint32_t k = 0; k < lanes; k++) {
    uint32_t power, temp;
    CPO_TRY(cpo_hal_read(hal, s_adc_addr(window, CPO_ADC_LASER_TEMP, k), &temp));
    if (temp == 0)
      break;
    CPO_TRY(cpo_hal_read(hal, s_adc_addr(window, CPO_ADC_LASER_POWER, k), &power));
    fprintf(out, "host: laser %u: %.2f dBm, %.2f C\n", k,
            s_dbm(cpo_adc_code_to_si(CPO_ADC_LASER_POWER, power)),
            cpo_k_to_c(cpo_adc_code_to_si(CPO_ADC_LASER_TEMP, temp)));
  }
  fflush(out);
  return CPO_OK;
}

/* Every lane's lock state and counters. */
static cpo_status_t s_print_lanes(cpo_hal_t *hal, uint32_t lanes, FILE *out) {
  fprintf(out, "host: lane  locked          bits    errors   (read at cycle %llu)\n",
          (unsigned long long)cpo_hal_now_cycles(hal));
  for (uint32_t l = 0; l < lanes && l < CPO_LANES_LANE_STATUS_COUNT; l++) {
    uint32_t status;
    uint64_t bits, errs;
    CPO_TRY(cpo_hal_read(hal, CPO_LANES_LANE_STATUS_OFFSET_N(l), &status));
    CPO_TRY(s_read64(hal, CPO_LANES_LANE_BITS_LO_OFFSET_N(l), CPO_LANES_LANE_BITS_HI_OFFSET_N(l),
                     &bits));
    CPO_TRY(s_read64(hal, CPO_LANES_LANE_ERRS_LO_OFFSET_N(l), CPO_LANES_LANE_ERRS_HI_OFFSET_N(l),
                     &errs));
    fprintf(out, "host: %4u  %6s  %12llu  %8llu\n", l,
            (status & CPO_LANES_LANE_STATUS_LOCKED_MASK) ? "yes" : "NO", (unsigned long long)bits,
            (unsigned long long)errs);
  }
  fflush(out);
  return CPO_OK;
}

/* The lanes design (rtl/lanes): its block at address 0, whose ID reads @p id. */
static cpo_status_t s_run_lanes(cpo_hal_t *hal, uint32_t id, FILE *out, char *why, size_t why_len) {
  uint32_t version, config;
  cpo_status_t rc;
  if ((rc = cpo_hal_read(hal, CPO_LANES_VERSION_OFFSET, &version)) != CPO_OK ||
      (rc = cpo_hal_read(hal, CPO_LANES_CONFIG_OFFSET, &config)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "identification failed", why, why_len);
  char magic[5] = {(char)(id >> 24), (char)(id >> 16), (char)(id >> 8), (char)id, 0}; /* "CPOE" */
  const cpo_config_t *cfg = cpo_hal_config(hal);
  fprintf(out,
          "host: engine id 0x%08x \"%s\", version 0x%08x, config 0x%08x, at cycle %llu (%llu ns)\n",
          id, magic, version, config, (unsigned long long)cpo_hal_now_cycles(hal),
          (unsigned long long)cpo_hal_now_ns(hal));
  fflush(out);

  /* Let the link run until just before the end, leaving time for the counter reads. */
  uint64_t reserve = ((uint64_t)cfg->lanes * READS_PER_LANE + 1) * CYCLES_PER_READ + 16;
  if ((rc = cpo_fw_sleep_until_end(hal, reserve)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "sleep failed", why, why_len);

  if ((rc = s_print_lanes(hal, cfg->lanes, out)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "reading the lane counters failed", why, why_len);
  if (strcmp(cfg->profile, "loopback") == 0)
    fprintf(out, "host: the loopback channel has no monitor ADCs\n");
  else if ((rc = cpo_fw_print_monitors(hal, cfg->lanes, cpo_lanes_adc_addr(0, 0), out)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "reading the monitor ADCs failed", why, why_len);
  return CPO_OK;
}

cpo_status_t cpo_fw_identify_run(cpo_hal_t *hal, FILE *out, char *why, size_t why_len) {
  uint32_t id; /* the lanes block's ID register, or the engine's ASIC D2D endpoint's */
  _Static_assert(CPO_LANES_ID_OFFSET == 0 && CPO_D2D_ID_OFFSET == 0, "IDs at address 0");
  cpo_status_t rc = cpo_hal_read(hal, 0, &id);
  if (rc != CPO_OK)
    return cpo_fw_fail(hal, rc, "identification failed", why, why_len);
  if (id == CPO_LANES_ID_MAGIC_RESET)
    return s_run_lanes(hal, id, out, why, why_len);
  if (id == CPO_D2D_ID_MAGIC_RESET)
    return cpo_fw_identify_engine(hal, out, why, why_len);
  snprintf(why, why_len,
           "identification failed: address 0 reads 0x%08x, neither the lanes block's ID (0x%08x) "
           "nor the engine's ASIC D2D endpoint's (0x%08x)",
           id, CPO_LANES_ID_MAGIC_RESET, CPO_D2D_ID_MAGIC_RESET);
  return CPO_ERR_STATE;
}
