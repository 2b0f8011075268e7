/* Laser power control: see laser_ctl.h. */
#include "laser_ctl.h"

#include <math.h>

#define CHECK_SETTLE_US 20.0 /* the check drive's light at the monitors (turn-on is ns) */
#define RAMP_STEPS 10u
#define RAMP_STEP_US 10.0
#define WARM_POLL_US 100.0 /* against the junction's ~200 us thermal time constant */
#define WARM_MAX_POLLS 30u
#define WARM_STILL_REL 1e-3   /* warm: the monitor power moves less than this per poll */
#define DARK_TAP_A 1e-6       /* a lane whose tap reads below this sees no light */
#define LIT_SHARE 0.25        /* ... or below this share of its laser's brightest lane */
#define APC_MAX_STEP_A 5e-3   /* per step: APC corrects slowly, never in jumps */
#define APC_DEADBAND_REL 2e-3 /* no correction for less: the monitor's noise */

static uint32_t s_lanes_per_laser(const cpo_fw_engine_t *e) {
  return (e->lanes + e->lasers - 1) / e->lasers;
}

/* The fibre check of laser @p k at the check drive: which of its lanes see light. */
static cpo_status_t s_check_fibres(cpo_fw_engine_t *e, uint32_t k, uint32_t *lit) {
  const uint32_t per = s_lanes_per_laser(e);
  double tap_a[CPO_FW_MAX_LANES], brightest_a = 0.0;
  for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++) {
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_TAP_PD, j, &tap_a[j]));
    brightest_a = fmax(brightest_a, tap_a[j]);
  }
  *lit = 0;
  for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++) {
    e->lane[j].lit = tap_a[j] > DARK_TAP_A && tap_a[j] > LIT_SHARE * brightest_a;
    *lit += e->lane[j].lit;
  }
  return CPO_OK;
}

/* Laser @p k's output at the check drive. A hot laser's threshold is higher (at a 70 degC
 * faceplate, above the check drive): one dark there is tried again at twice the drive, up to its
 * nominal, before it is called dead. The drive it ends at in @p drive_a. */
static cpo_status_t s_check_output(cpo_fw_engine_t *e, uint32_t k, double *monitor_w,
                                   double *drive_a) {
  const cpo_fw_product_t *p = e->product;
  *drive_a = p->laser_check_a;
  CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, monitor_w));
  while (*monitor_w <= 0.0 && *drive_a < p->laser_nominal_a) {
    *drive_a = fmin(2.0 * *drive_a, p->laser_nominal_a);
    CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, *drive_a));
    CPO_TRY(cpo_fw_wait_us(e, CHECK_SETTLE_US));
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, monitor_w));
  }
  return CPO_OK;
}

cpo_status_t cpo_fw_laser_bringup(cpo_fw_engine_t *e) {
  const cpo_fw_product_t *p = e->product;
  for (uint32_t k = 0; k < e->lasers; k++)
    CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, p->laser_check_a));
  CPO_TRY(cpo_fw_wait_us(e, CHECK_SETTLE_US));
  uint32_t lit_lasers = 0;
  bool gated[CPO_FW_MAX_LANES] = {false};
  double start_a[CPO_FW_MAX_LANES];
  for (uint32_t k = 0; k < e->lasers; k++) {
    double monitor_w;
    uint32_t lit;
    CPO_TRY(s_check_output(e, k, &monitor_w, &start_a[k]));
    CPO_TRY(s_check_fibres(e, k, &lit));
    if (monitor_w <= 0.0 || lit == 0) { /* no light out, or none reaching the engine */
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, 0.0));
      gated[k] = true;
      for (uint32_t j = k * s_lanes_per_laser(e); j < (k + 1) * s_lanes_per_laser(e); j++)
        if (j < e->lanes)
          e->lane[j].lit = false;
      (void)cpo_fw_engine_fail(e, CPO_ERR_STATE,
                               monitor_w <= 0.0
                                   ? "laser %u: no output up to a %.0f mA drive"
                                   : "laser %u: no light at any of its lanes' taps at the %.0f mA "
                                     "check drive (fibre open): left off",
                               k, start_a[k] * 1e3);
      continue;
    }
    lit_lasers++;
  }
  if (lit_lasers == 0)
    return CPO_ERR_STATE;
  for (uint32_t s = 1; s <= RAMP_STEPS; s++) { /* each laser from its own check drive */
    for (uint32_t k = 0; k < e->lasers; k++)
      if (!gated[k])
        CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k,
                                 start_a[k] +
                                     (p->laser_nominal_a - start_a[k]) * s / (double)RAMP_STEPS));
    CPO_TRY(cpo_fw_wait_us(e, RAMP_STEP_US));
  }
  /* Warm: the junction heats and the power droops; wait until the monitors stand still. */
  double last_w[CPO_FW_MAX_LANES] = {0};
  for (uint32_t poll = 0; poll < WARM_MAX_POLLS; poll++) {
    CPO_TRY(cpo_fw_wait_us(e, WARM_POLL_US));
    bool still = true;
    for (uint32_t k = 0; k < e->lasers; k++) {
      double w;
      if (gated[k])
        continue;
      CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, &w));
      still = still && fabs(w - last_w[k]) <= WARM_STILL_REL * w;
      last_w[k] = w;
    }
    if (still)
      break;
  }
  for (uint32_t k = 0; k < e->lasers; k++) {
    e->laser_current_a[k] = gated[k] ? 0.0 : p->laser_nominal_a;
    e->apc_target_w[k] = gated[k] ? 0.0 : last_w[k];
  }
  return CPO_OK;
}

cpo_status_t cpo_fw_laser_apc_step(cpo_fw_engine_t *e) {
  const cpo_fw_product_t *p = e->product;
  for (uint32_t k = 0; k < e->lasers; k++) {
    if (e->apc_target_w[k] <= 0.0)
      continue;
    double w;
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, &w));
    /* slope efficiency from the operating point, threshold taken as the check drive's half */
    const double slope_w_per_a = e->apc_target_w[k] / (p->laser_nominal_a - 0.5 * p->laser_check_a);
    if (fabs(e->apc_target_w[k] - w) <= APC_DEADBAND_REL * e->apc_target_w[k])
      continue;
    double step_a = (e->apc_target_w[k] - w) / slope_w_per_a;
    step_a = fmax(-APC_MAX_STEP_A, fmin(APC_MAX_STEP_A, step_a));
    const double i_a = fmin(p->laser_max_a, fmax(0.0, e->laser_current_a[k] + step_a));
    /* only a change of at least one DAC step is written */
    if (fabs(i_a - e->laser_current_a[k]) >= cpo_dac_info(CPO_DAC_LASER_CURRENT)->lsb) {
      e->laser_current_a[k] = i_a;
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, i_a));
    }
  }
  return CPO_OK;
}

cpo_status_t cpo_fw_laser_adopt(cpo_fw_engine_t *e) {
  for (uint32_t k = 0; k < e->lasers; k++) {
    uint32_t lit = 0;
    double w = 0.0;
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_LASER_CURRENT, k, &e->laser_current_a[k]));
    if (e->laser_current_a[k] > 0.0) {
      CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, &w));
      CPO_TRY(s_check_fibres(e, k, &lit));
    }
    e->apc_target_w[k] = lit ? w : 0.0; /* APC holds what it found */
  }
  return CPO_OK;
}
