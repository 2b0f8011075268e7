/* Laser power control: see laser_ctl.h. */
#include "laser_ctl.h"

#include <math.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/lanes_afe.h"
#include "cpo/oe_regs.h"

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

/* ---- The external laser source: OE ELS_CTRL, ELS_SETPOINT, ELS_STATUS ----------------------
 * Only a product with one reads them (e->els.lanes stays 0 otherwise), and with e->els.lanes 0
 * every helper below answers as for the engine's own lasers, so such an engine runs as before,
 * access for access. */

static bool s_els(const cpo_fw_engine_t *e, uint32_t k) {
  return k < e->els.lanes;
}

/* Laser @p k may emit: the CMIS host enabled its ELS lane (an engine's own laser always may). */
static bool s_enabled(const cpo_fw_engine_t *e, uint32_t k) {
  return !s_els(e, k) || (e->els.ctrl >> (CPO_OE_ELS_CTRL_ENABLE_SHIFT + k) & 1u);
}

/* Laser @p k in power control (APC), else in current control. */
static bool s_power_mode(const cpo_fw_engine_t *e, uint32_t k) {
  return !s_els(e, k) || (e->els.ctrl >> (CPO_OE_ELS_CTRL_POWER_MODE_SHIFT + k) & 1u);
}

static uint32_t s_state(const cpo_fw_engine_t *e, uint32_t k) {
  return e->els.status >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2 * k) & 3u;
}

/* @p status with ELS lane @p k in @p state, its fibre-checked bit @p checked. */
static uint32_t s_with(uint32_t status, uint32_t k, cpo_cmis_els_lane_state_t state, bool checked) {
  const uint32_t st = CPO_OE_ELS_STATUS_STATE_SHIFT + 2 * k,
                 fc = CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT + k;
  status &= ~(3u << st) & ~(1u << fc);
  return status | (uint32_t)state << st | (uint32_t)checked << fc;
}

/* Report @p status in ELS_STATUS, written only when it changes (each access costs bus time). */
static cpo_status_t s_report(cpo_fw_engine_t *e, uint32_t status) {
  if (e->els.lanes == 0 || status == e->els.status)
    return CPO_OK;
  e->els.status = status;
  return cpo_hal_write(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_STATUS_OFFSET), status);
}

/* The external source's lanes (OE ELS_CONFIG.LANES) into e->els.lanes, read once, at bring-up
 * or adoption (a product without one: nothing read, no ELS lanes). */
static cpo_status_t s_read_config(cpo_fw_engine_t *e) {
  e->els.lanes = 0;
  if (!e->product->els)
    return CPO_OK;
  uint32_t config;
  CPO_TRY(cpo_hal_read(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_CONFIG_OFFSET), &config));
  uint32_t lanes = (config & CPO_OE_ELS_CONFIG_LANES_MASK) >> CPO_OE_ELS_CONFIG_LANES_SHIFT;
  lanes = lanes < e->lasers ? lanes : e->lasers;
  e->els.lanes = lanes < CPO_FW_MAX_ELS_LANES ? lanes : CPO_FW_MAX_ELS_LANES;
  return CPO_OK;
}

/* ELS_CTRL into e->els.ctrl (no ELS lanes: nothing read). */
static cpo_status_t s_read_ctrl(cpo_fw_engine_t *e) {
  if (e->els.lanes == 0)
    return CPO_OK;
  return cpo_hal_read(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_CTRL_OFFSET), &e->els.ctrl);
}

/* ELS_CTRL's SETPOINT_CHANGED and WAS_DISABLED bits of the ELS lanes (bit k: lane k). */
static uint32_t s_lane_bits(const cpo_fw_engine_t *e, uint32_t mask, uint32_t shift) {
  return (e->els.ctrl & mask) >> shift & ((1u << e->els.lanes) - 1);
}
static uint32_t s_setpoint_changed(const cpo_fw_engine_t *e) {
  return s_lane_bits(e, CPO_OE_ELS_CTRL_SETPOINT_CHANGED_MASK,
                     CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT);
}
static uint32_t s_was_disabled(const cpo_fw_engine_t *e) {
  return s_lane_bits(e, CPO_OE_ELS_CTRL_WAS_DISABLED_MASK, CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT);
}

/* Clear ELS_CTRL's SETPOINT_CHANGED (@p changed) and WAS_DISABLED (@p disabled) bits of the
 * lanes handled (write 1 to clear): one write, none when there is nothing to clear. Cleared
 * before the firmware acts on them (reads the setpoints, ramps), so that a change the host makes
 * meanwhile sets its bit again and is seen at the next step. */
static cpo_status_t s_clear_ctrl(cpo_fw_engine_t *e, uint32_t changed, uint32_t disabled) {
  const uint32_t w1c =
      (changed << CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT & CPO_OE_ELS_CTRL_SETPOINT_CHANGED_MASK) |
      (disabled << CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT & CPO_OE_ELS_CTRL_WAS_DISABLED_MASK);
  if (w1c == 0)
    return CPO_OK;
  e->els.ctrl &= ~w1c;
  return cpo_hal_write(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_CTRL_OFFSET), w1c);
}

/* The setpoints of the ELS lanes in @p mask (bit k: laser k). */
static cpo_status_t s_read_setpoints(cpo_fw_engine_t *e, uint32_t mask) {
  for (uint32_t k = 0; k < e->els.lanes; k++)
    if (mask >> k & 1u)
      CPO_TRY(cpo_hal_read(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_SETPOINT_OFFSET_N(k)),
                           &e->els.setpoint[k]));
  return CPO_OK;
}

/* Current control's drive code: the host's bias setpoint, else the nominal drive; never above
 * the product's maximum. */
static uint32_t s_drive_code(const cpo_fw_engine_t *e, uint32_t k) {
  const uint32_t max = cpo_dac_si_to_code(CPO_DAC_LASER_CURRENT, e->product->laser_max_a);
  const uint32_t bias =
      (e->els.setpoint[k] & CPO_OE_ELS_SETPOINT_BIAS_MASK) >> CPO_OE_ELS_SETPOINT_BIAS_SHIFT;
  const uint32_t code =
      bias ? bias : cpo_dac_si_to_code(CPO_DAC_LASER_CURRENT, e->product->laser_nominal_a);
  return code < max ? code : max;
}

/* Power control's target: the host's power setpoint, else the warm power at the nominal drive. */
static double s_power_target_w(const cpo_fw_engine_t *e, uint32_t k) {
  const uint32_t power =
      (e->els.setpoint[k] & CPO_OE_ELS_SETPOINT_POWER_MASK) >> CPO_OE_ELS_SETPOINT_POWER_SHIFT;
  return s_els(e, k) && power ? cpo_adc_code_to_si(CPO_ADC_LASER_POWER, power) : e->nominal_w[k];
}

/* Laser @p k, on, in its control mode: power control holds the target by APC; current control
 * drives the code at once (written only if it differs) and runs no APC. */
static cpo_status_t s_apply_mode(cpo_fw_engine_t *e, uint32_t k) {
  if (s_power_mode(e, k)) {
    e->apc_target_w[k] = s_power_target_w(e, k);
    return CPO_OK;
  }
  e->apc_target_w[k] = 0.0;
  const uint32_t code = s_drive_code(e, k);
  if (code == cpo_dac_si_to_code(CPO_DAC_LASER_CURRENT, e->laser_current_a[k]))
    return CPO_OK;
  e->laser_current_a[k] = cpo_dac_code_to_si(CPO_DAC_LASER_CURRENT, code);
  return cpo_hal_write(e->hal, cpo_fw_dac_addr(CPO_DAC_LASER_CURRENT, k), code);
}

/* Mark laser @p k's lanes dark (lock and tracking leave them) or not. */
static void s_set_dark(cpo_fw_engine_t *e, uint32_t k, bool dark) {
  const uint32_t per = s_lanes_per_laser(e);
  for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++)
    e->lane[j].dark = dark;
}

/* Switch laser @p k off: its drive to 0 and its lanes dark (on a lane the host disabled the
 * hardware has darkened the laser already and drops the write; enabled again, the laser stays
 * dark until the ramp drives it). */
static cpo_status_t s_switch_off(cpo_fw_engine_t *e, uint32_t k) {
  e->apc_target_w[k] = 0.0;
  e->laser_current_a[k] = 0.0;
  s_set_dark(e, k, true);
  return cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, 0.0);
}

/* ---- Ramp from dark ------------------------------------------------------------------------ */

/* The fibre check of laser @p k at the check drive: which of its lanes see light (@p seen), and
 * how many. */
static cpo_status_t s_check_fibres(cpo_fw_engine_t *e, uint32_t k, bool *seen, uint32_t *lit) {
  const uint32_t per = s_lanes_per_laser(e);
  double tap_a[CPO_FW_MAX_LANES], brightest_a = 0.0;
  for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++) {
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_TAP_PD, j, &tap_a[j]));
    brightest_a = fmax(brightest_a, tap_a[j]);
  }
  *lit = 0;
  for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++) {
    seen[j] = tap_a[j] > DARK_TAP_A && tap_a[j] > LIT_SHARE * brightest_a;
    *lit += seen[j];
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

/* Bring the lasers of @p mask (bit k: laser k) from dark to their setpoints: check drive, fibre
 * check, ramp, warm-up, control mode; their ELS lanes reported (@p status: ELS_STATUS to write,
 * the others' lanes as they are) RAMPING meanwhile, then ON, or OFF for one that failed. @p
 * bringup: the lanes' fibre check sets e->lane[].lit (bring-up); else (a lane enabled again) it
 * only lights again, clearing .dark, the lanes that see light. CPO_OK when at least one laser came
 * up; otherwise CPO_ERR_STATE with e->why naming it. */
static cpo_status_t s_ramp(cpo_fw_engine_t *e, uint64_t mask, bool bringup, uint32_t status) {
  const cpo_fw_product_t *p = e->product;
  const uint32_t per = s_lanes_per_laser(e);
  for (uint32_t k = 0; k < e->els.lanes; k++)
    if (mask >> k & 1u)
      status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_RAMPING, false);
  CPO_TRY(s_report(e, status));
  for (uint32_t k = 0; k < e->lasers; k++)
    if (mask >> k & 1u)
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, p->laser_check_a));
  CPO_TRY(cpo_fw_wait_us(e, CHECK_SETTLE_US));
  uint32_t lit_lasers = 0;
  bool gated[CPO_FW_MAX_LANES], seen[CPO_FW_MAX_LANES] = {false};
  double start_a[CPO_FW_MAX_LANES];
  for (uint32_t k = 0; k < e->lasers; k++) {
    double monitor_w;
    uint32_t lit;
    gated[k] = !(mask >> k & 1u);
    if (gated[k])
      continue;
    CPO_TRY(s_check_output(e, k, &monitor_w, &start_a[k]));
    CPO_TRY(s_check_fibres(e, k, seen, &lit));
    if (monitor_w <= 0.0 || lit == 0) { /* no light out, or none reaching the engine */
      CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_LASER_CURRENT, k, 0.0));
      gated[k] = true;
      for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++)
        seen[j] = false;
      status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_OFF, false);
      (void)cpo_fw_engine_fail(e, CPO_ERR_STATE,
                               monitor_w <= 0.0
                                   ? "laser %u: no output up to a %.0f mA drive"
                                   : "laser %u: no light at any of its lanes' taps at the %.0f mA "
                                     "check drive (fibre open): left off",
                               k, start_a[k] * 1e3);
      continue;
    }
    status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_RAMPING, true);
    lit_lasers++;
  }
  for (uint32_t k = 0; k < e->lasers; k++) /* what the fibre check saw, before any early out */
    for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes && (mask >> k & 1u); j++) {
      e->lane[j].light = seen[j];
      if (bringup)
        e->lane[j].lit = seen[j];
      e->lane[j].dark = s_els(e, k) && !seen[j];
    }
  if (lit_lasers == 0) {
    CPO_TRY(s_report(e, status));
    return CPO_ERR_STATE;
  }
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
  /* the warm power at the nominal drive is power control's own target (setpoint 0) */
  for (uint32_t k = 0; k < e->lasers; k++) {
    if (!(mask >> k & 1u))
      continue;
    e->laser_current_a[k] = gated[k] ? 0.0 : p->laser_nominal_a;
    e->nominal_w[k] = gated[k] ? 0.0 : last_w[k];
    e->apc_target_w[k] = 0.0;
    if (gated[k])
      continue;
    CPO_TRY(s_apply_mode(e, k));
    if (s_els(e, k))
      status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_ON, true);
  }
  return s_report(e, status);
}

cpo_status_t cpo_fw_laser_bringup(cpo_fw_engine_t *e) {
  CPO_TRY(s_read_config(e));
  CPO_TRY(s_read_ctrl(e));
  uint64_t mask = 0;
  uint32_t status = e->els.status;
  for (uint32_t k = 0; k < e->lasers; k++) {
    if (s_enabled(e, k)) {
      mask |= 1ull << k;
      continue;
    }
    /* disabled by the CMIS host: left dark (its drive DAC reads 0 since power-on) */
    const uint32_t per = s_lanes_per_laser(e);
    for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++)
      e->lane[j].lit = e->lane[j].light = false;
    s_set_dark(e, k, true);
    status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_OFF, false);
  }
  if (mask == 0) {
    CPO_TRY(s_report(e, status));
    return cpo_fw_engine_fail(e, CPO_ERR_STATE,
                              "every laser's ELS lane is disabled by the CMIS host (OE ELS_CTRL "
                              "0x%x): left dark",
                              e->els.ctrl);
  }
  /* the lanes ramped now are handled: their setpoints are read next, they start dark; a
   * disabled lane's WAS_DISABLED stays set, the supervisor's cue to ramp it once enabled */
  CPO_TRY(
      s_clear_ctrl(e, s_setpoint_changed(e) & (uint32_t)mask, s_was_disabled(e) & (uint32_t)mask));
  CPO_TRY(s_read_setpoints(e, (uint32_t)mask));
  return s_ramp(e, mask, true, status);
}

/* The external source's step: ELS_CTRL read once, and nothing more unless the host changed
 * something. A lane disabled (ENABLE 0) is switched off and reported OFF; its WAS_DISABLED bit
 * stays set while it is disabled. A lane enabled with WAS_DISABLED set went dark since the
 * firmware last looked (disabled, perhaps enabled again at once): it is switched off and
 * reported OFF if it is not already, then ramped from dark with a new fibre check; so is one
 * whose ramp ran out of time (RAMPING). A lane whose fibre check failed stays off until the host
 * disables and enables it again. A lane with SETPOINT_CHANGED (its setpoints or control mode
 * written) has its setpoints read again and applied at this step if it is ON (current control:
 * the drive; power control: APC's target); a ramp reads them anyway. The bits handled are cleared
 * in one write before they are acted on. */
static cpo_status_t s_els_step(cpo_fw_engine_t *e) {
  CPO_TRY(s_read_ctrl(e));
  const uint32_t changed = s_setpoint_changed(e), disabled = s_was_disabled(e);
  uint32_t status = e->els.status, ramp = 0, apply = 0, clear_changed = 0, clear_disabled = 0;
  for (uint32_t k = 0; k < e->els.lanes; k++) {
    const uint32_t bit = 1u << k;
    const bool dark = !s_enabled(e, k) || (disabled & bit);
    if (dark && (e->laser_current_a[k] > 0.0 || s_state(e, k) != CPO_CMIS_ELS_LANE_STATE_OFF)) {
      CPO_TRY(s_switch_off(e, k));
      status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_OFF, false);
    }
    if (dark) {
      e->els.dark_cycle[k] = cpo_hal_now_cycles(e->hal);
      e->els.went_dark |= bit;
    }
    if (!s_enabled(e, k))
      continue; /* its bits wait for the enable */
    clear_changed |= changed & bit;
    clear_disabled |= disabled & bit;
    if (dark || s_state(e, k) == CPO_CMIS_ELS_LANE_STATE_RAMPING)
      ramp |= bit;
    else if ((changed & bit) && s_state(e, k) == CPO_CMIS_ELS_LANE_STATE_ON)
      apply |= bit;
  }
  CPO_TRY(s_clear_ctrl(e, clear_changed, clear_disabled));
  CPO_TRY(s_report(e, status));
  if (apply) {
    CPO_TRY(s_read_setpoints(e, apply));
    for (uint32_t k = 0; k < e->els.lanes; k++)
      if (apply >> k & 1u)
        CPO_TRY(s_apply_mode(e, k));
  }
  if (!ramp)
    return CPO_OK;
  CPO_TRY(s_read_setpoints(e, ramp));
  const cpo_status_t rc = s_ramp(e, ramp, false, e->els.status);
  for (uint32_t k = 0; k < e->els.lanes; k++)
    if ((ramp & e->els.went_dark) >> k & 1u && s_state(e, k) == CPO_CMIS_ELS_LANE_STATE_ON) {
      e->els.went_dark &= ~(1u << k);
      e->els.relit[k]++;
      e->els.lit_cycle[k] = cpo_hal_now_cycles(e->hal);
    }
  /* a lane that did not come up is reported OFF, one out of time stays RAMPING (tried again at
   * the next step): neither stops supervision */
  return rc == CPO_ERR_STATE || rc == CPO_ERR_TIMEOUT ? CPO_OK : rc;
}

cpo_status_t cpo_fw_laser_apc_step(cpo_fw_engine_t *e) {
  const cpo_fw_product_t *p = e->product;
  if (e->els.lanes)
    CPO_TRY(s_els_step(e));
  for (uint32_t k = 0; k < e->lasers; k++) {
    if (e->apc_target_w[k] <= 0.0)
      continue;
    double w;
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, &w));
    /* slope efficiency from the operating point at the nominal drive, threshold taken as the
     * check drive's half */
    const double slope_w_per_a = e->nominal_w[k] / (p->laser_nominal_a - 0.5 * p->laser_check_a);
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
  CPO_TRY(s_read_config(e));
  CPO_TRY(s_read_ctrl(e));
  if (e->els.lanes) { /* the engine's preset (every lane ON, fibre-checked) is kept if right */
    CPO_TRY(cpo_hal_read(e->hal, CPO_FW_OE_MGMT(CPO_OE_ELS_STATUS_OFFSET), &e->els.status));
    uint32_t enabled = 0;
    for (uint32_t k = 0; k < e->els.lanes; k++)
      enabled |= s_enabled(e, k) ? 1u << k : 0;
    /* the setpoints read now are handled; WAS_DISABLED is left to the supervisor (a lane that
     * went dark and is enabled again is ramped from dark at its first step) */
    CPO_TRY(s_clear_ctrl(e, s_setpoint_changed(e) & enabled, 0));
    CPO_TRY(s_read_setpoints(e, enabled));
  }
  uint32_t status = e->els.status;
  const uint32_t per = s_lanes_per_laser(e);
  for (uint32_t k = 0; k < e->lasers; k++) {
    uint32_t lit = 0;
    double w = 0.0;
    bool seen[CPO_FW_MAX_LANES] = {false};
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_LASER_CURRENT, k, &e->laser_current_a[k]));
    if (e->laser_current_a[k] > 0.0 && s_enabled(e, k)) {
      CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_LASER_POWER, k, &w));
      CPO_TRY(s_check_fibres(e, k, seen, &lit));
    }
    for (uint32_t j = k * per; j < (k + 1) * per && j < e->lanes; j++)
      e->lane[j].lit = e->lane[j].light = lit && seen[j];
    e->nominal_w[k] = lit ? w : 0.0;
    e->apc_target_w[k] = 0.0;
    if (lit) { /* APC holds what it found (or the host's setpoint) */
      CPO_TRY(s_apply_mode(e, k));
      if (s_els(e, k))
        status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_ON, true);
    } else if (s_els(e, k)) { /* disabled, dark or without light: off, as bring-up leaves it */
      if (e->laser_current_a[k] > 0.0)
        CPO_TRY(s_switch_off(e, k));
      s_set_dark(e, k, true);
      status = s_with(status, k, CPO_CMIS_ELS_LANE_STATE_OFF, false);
    }
  }
  return s_report(e, status);
}

bool cpo_fw_laser_enabled(const cpo_fw_engine_t *e, uint32_t k) {
  return s_enabled(e, k);
}

uint32_t cpo_fw_laser_of(const cpo_fw_engine_t *e, uint32_t lane) {
  return lane / s_lanes_per_laser(e);
}
