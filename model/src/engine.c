/* One optical engine's objects and registers; see engine.h. */
#include "engine.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "cpo/monitor.h"
#include "cpo/rng.h"
#include "cpo/units.h"

/* Tolerances below which a slow input counts as unchanged: far below anything the eye can
 * resolve (the ring's linewidth is ~1.7e-10 m; a 1e-9 relative power change moves a level by
 * a billionth of its value). */
#define SAME_POWER_REL 1e-9
#define SAME_LENGTH_M 1e-17
#define SAME_PHASE_RAD 1e-9

struct cpo_engine {
  cpo_engine_cfg_t cfg;
  uint32_t lasers;
  double ambient_k;
  cpo_laser_t *laser[CPO_ENGINE_MAX_LANES];
  cpo_ring_t *ring[CPO_ENGINE_MAX_LANES];
  cpo_mzm_t *mzm[CPO_ENGINE_MAX_LANES];
  uint16_t dac[CPO_DAC_COUNT][CPO_ENGINE_MAX_LANES];
  cpo_tx_lane_t tx[CPO_ENGINE_MAX_LANES];
  cpo_rx_lane_t rx[CPO_ENGINE_MAX_LANES];
  /* slow inputs at the last record (cpo_engine_record_inputs) */
  double sig_laser_w[CPO_ENGINE_MAX_LANES], sig_laser_m[CPO_ENGINE_MAX_LANES];
  double sig_mod[CPO_ENGINE_MAX_LANES];
  double coupling_ratio; /* laser to lane: split excess and coupler, as a power ratio */
  double mod_il_ratio;   /* the modulator's insertion loss, as a power ratio */
  bool laser_failed[CPO_ENGINE_MAX_LANES], heater_failed[CPO_ENGINE_MAX_LANES]; /* faults */
};

/* ---- lifecycle ------------------------------------------------------------------------ */

/* The ring design target: the warm laser line at the nominal current and the profile's laser
 * ambient. */
static cpo_status_t s_warm_lambda_m(const cpo_profile_t *pr, double *lambda_m) {
  cpo_laser_t *probe = NULL;
  const double design_k = cpo_engine_lasers_external(pr) ? pr->els_ambient_k : pr->ambient_k;
  CPO_TRY(cpo_laser_create(&pr->laser, design_k, &probe));
  cpo_laser_set_current(probe, pr->laser_nominal_current_a);
  for (int it = 0; it < 60; it++)
    cpo_laser_step(probe, CPO_ENGINE_SETTLE_S);
  *lambda_m = cpo_laser_wavelength_m(probe);
  cpo_laser_destroy(&probe);
  return CPO_OK;
}

/* Lane @p j's modulator: heater-off resonance at the profile's case temperature a per-ring
 * fabrication offset blue of the warm laser line (ring), or a spread arm phase (MZM). */
static cpo_status_t s_create_modulator(cpo_engine_t *e, uint32_t j, double warm_lambda_m) {
  const cpo_profile_t *pr = e->cfg.prof;
  cpo_rng_t *fab = NULL;
  CPO_TRY(cpo_rng_create(e->cfg.seed, CPO_LANE_STREAM_FAB + e->cfg.first_lane + j, &fab));
  const double u = cpo_rng_uniform(fab);
  cpo_rng_destroy(&fab);
  if (pr->modulator == CPO_MODULATOR_RING) {
    cpo_ring_params_t rp = pr->ring;
    const double offset_m =
        pr->ring_fab_offset_min_m + u * (pr->ring_fab_offset_max_m - pr->ring_fab_offset_min_m);
    rp.cold_resonance_m =
        warm_lambda_m - rp.ambient_shift_m_per_k * (pr->ambient_k - rp.ref_temp_k) - offset_m;
    return cpo_ring_create(&rp, e->ambient_k, &e->ring[j]);
  }
  cpo_mzm_params_t mp = pr->mzm;
  mp.phase_offset_rad += (2.0 * u - 1.0) * pr->mzm_phase_spread_rad;
  return cpo_mzm_create(&mp, e->ambient_k, &e->mzm[j]);
}

static cpo_status_t s_build_objects(cpo_engine_t *e) {
  const cpo_profile_t *pr = e->cfg.prof;
  for (uint32_t k = 0; k < e->lasers; k++)
    CPO_TRY(cpo_laser_create(&pr->laser, e->cfg.laser_ambient_k, &e->laser[k]));
  double warm_lambda_m = pr->laser.wavelength_m;
  CPO_TRY(s_warm_lambda_m(pr, &warm_lambda_m));
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    const uint32_t lane = e->cfg.first_lane + j;
    CPO_TRY(s_create_modulator(e, j, warm_lambda_m));
    CPO_TRY(cpo_rng_create(e->cfg.seed, lane, &e->rx[j].noise_rng));
    CPO_TRY(cpo_rng_create(e->cfg.seed, CPO_LANE_STREAM_STAT + lane, &e->rx[j].stat_rng));
  }
  return CPO_OK;
}

/* The registers at power-on: nominal driver swing, thresholds evenly spaced in the eye; the
 * rest 0 (lasers off, heaters and bias 0, no FFE). */
static void s_power_on_registers(cpo_engine_t *e) {
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    cpo_engine_set_dac_si(e, CPO_DAC_DRIVER_SWING, j, e->cfg.prof->driver_swing_v);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_LO, j, 1.0 / 6.0);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_MID, j, 0.5);
    cpo_engine_set_dac_si(e, CPO_DAC_RX_THRESHOLD_HI, j, 5.0 / 6.0);
  }
}

cpo_status_t cpo_engine_create(const cpo_engine_cfg_t *cfg, cpo_engine_t **out) {
  assert(cfg && cfg->prof && out && cfg->lanes >= 1 && cfg->lanes <= CPO_ENGINE_MAX_LANES);
  assert(cfg->prof->lanes_per_laser >= 1);
  cpo_engine_t *e = calloc(1, sizeof *e);
  if (!e)
    return CPO_ERR_NO_MEMORY;
  e->cfg = *cfg;
  e->lasers = (cfg->lanes + cfg->prof->lanes_per_laser - 1) / cfg->prof->lanes_per_laser;
  e->ambient_k = cfg->ambient_k;
  const cpo_profile_t *pr = cfg->prof;
  const double split_db = pr->lanes_per_laser > 1 ? pr->laser_split_excess_db : 0.0;
  e->coupling_ratio = cpo_db_to_ratio(-(split_db + pr->laser_coupling_db));
  e->mod_il_ratio =
      cpo_db_to_ratio(-(pr->modulator == CPO_MODULATOR_RING ? pr->ring.insertion_loss_db
                                                            : pr->mzm.insertion_loss_db));
  s_power_on_registers(e);
  const cpo_status_t rc = s_build_objects(e);
  if (rc != CPO_OK) {
    cpo_engine_destroy(&e);
    return rc;
  }
  *out = e;
  return CPO_OK;
}

void cpo_engine_destroy(cpo_engine_t **ep) {
  if (!ep || !*ep)
    return;
  cpo_engine_t *e = *ep;
  for (uint32_t k = 0; k < CPO_ENGINE_MAX_LANES; k++) {
    cpo_laser_destroy(&e->laser[k]);
    cpo_ring_destroy(&e->ring[k]);
    cpo_mzm_destroy(&e->mzm[k]);
    cpo_rng_destroy(&e->rx[k].noise_rng);
    cpo_rng_destroy(&e->rx[k].stat_rng);
  }
  free(e);
  *ep = NULL;
}

/* ---- parts ---------------------------------------------------------------------------- */

const cpo_profile_t *cpo_engine_profile(const cpo_engine_t *e) {
  return e->cfg.prof;
}
uint32_t cpo_engine_levels(const cpo_engine_t *e) {
  return e->cfg.levels;
}
const double *cpo_engine_level_amp(const cpo_engine_t *e) {
  return e->cfg.level_amp;
}
uint32_t cpo_engine_lanes(const cpo_engine_t *e) {
  return e->cfg.lanes;
}
uint32_t cpo_engine_lasers(const cpo_engine_t *e) {
  return e->lasers;
}
uint32_t cpo_engine_laser_of(const cpo_engine_t *e, uint32_t lane) {
  return lane / e->cfg.prof->lanes_per_laser;
}
cpo_laser_t *cpo_engine_laser(const cpo_engine_t *e, uint32_t laser) {
  return e->laser[laser];
}
cpo_ring_t *cpo_engine_ring(const cpo_engine_t *e, uint32_t lane) {
  return e->ring[lane];
}
cpo_mzm_t *cpo_engine_mzm(const cpo_engine_t *e, uint32_t lane) {
  return e->mzm[lane];
}
cpo_tx_lane_t *cpo_engine_tx(cpo_engine_t *e, uint32_t lane) {
  return &e->tx[lane];
}
cpo_rx_lane_t *cpo_engine_rx(cpo_engine_t *e, uint32_t lane) {
  return &e->rx[lane];
}

double cpo_engine_coupling_ratio(const cpo_engine_t *e) {
  return e->coupling_ratio;
}
double cpo_engine_mod_il_ratio(const cpo_engine_t *e) {
  return e->mod_il_ratio;
}

/* ---- registers ------------------------------------------------------------------------ */

uint16_t cpo_engine_dac(const cpo_engine_t *e, uint32_t ch, uint32_t index) {
  return e->dac[ch][index];
}

double cpo_engine_dac_si(const cpo_engine_t *e, uint32_t ch, uint32_t index) {
  return cpo_dac_code_to_si(ch, e->dac[ch][index]);
}

void cpo_engine_set_dac(cpo_engine_t *e, uint32_t ch, uint32_t index, uint16_t code) {
  e->dac[ch][index] = code;
}

void cpo_engine_set_dac_si(cpo_engine_t *e, uint32_t ch, uint32_t index, double value) {
  e->dac[ch][index] = (uint16_t)cpo_dac_si_to_code(ch, value);
}

void cpo_engine_apply_dacs(cpo_engine_t *e) {
  for (uint32_t k = 0; k < e->lasers; k++)
    cpo_laser_set_current(
        e->laser[k], e->laser_failed[k] ? 0.0 : cpo_engine_dac_si(e, CPO_DAC_LASER_CURRENT, k));
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    const double heater_w = e->heater_failed[j] ? 0.0 : cpo_engine_dac_si(e, CPO_DAC_HEATER, j);
    if (e->ring[j])
      cpo_ring_set_heater(e->ring[j], heater_w);
    if (e->mzm[j])
      cpo_mzm_set_heater(e->mzm[j], heater_w);
  }
}

void cpo_engine_fail_laser(cpo_engine_t *e, uint32_t laser) {
  if (laser < e->lasers)
    e->laser_failed[laser] = true;
}

void cpo_engine_fail_heater(cpo_engine_t *e, uint32_t lane) {
  if (lane < e->cfg.lanes)
    e->heater_failed[lane] = true;
}

/* ---- slow state ----------------------------------------------------------------------- */

void cpo_engine_set_laser_ambient(cpo_engine_t *e, double temp_k) {
  for (uint32_t k = 0; k < e->lasers; k++)
    cpo_laser_set_ambient(e->laser[k], temp_k);
}

void cpo_engine_set_ambient(cpo_engine_t *e, double temp_k) {
  e->ambient_k = temp_k;
  if (!cpo_engine_lasers_external(e->cfg.prof))
    cpo_engine_set_laser_ambient(e, temp_k);
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    if (e->ring[j])
      cpo_ring_set_ambient(e->ring[j], temp_k);
    if (e->mzm[j])
      cpo_mzm_set_ambient(e->mzm[j], temp_k);
  }
}

void cpo_engine_step(cpo_engine_t *e, double dt_s) {
  for (uint32_t k = 0; k < e->lasers; k++)
    cpo_laser_step(e->laser[k], dt_s);
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    if (e->ring[j])
      cpo_ring_step(e->ring[j], dt_s, e->tx[j].absorbed_w);
    if (e->mzm[j])
      cpo_mzm_step(e->mzm[j], dt_s);
  }
}

void cpo_engine_step_parked(cpo_engine_t *e, double dt_s) {
  for (uint32_t k = 0; k < e->lasers; k++)
    cpo_laser_step(e->laser[k], dt_s);
  for (uint32_t j = 0; j < e->cfg.lanes; j++) {
    if (e->ring[j])
      cpo_ring_step_implicit(e->ring[j], dt_s, e->tx[j].absorbed_w, e->tx[j].absorbed_slope_w_per_m,
                             e->tx[j].absorbed_at_shift_m);
    if (e->mzm[j])
      cpo_mzm_step(e->mzm[j], dt_s);
  }
}

/* The modulator's slow input: a ring's thermal shift, an MZM's heater phase. */
static double s_mod_input(const cpo_engine_t *e, uint32_t j) {
  return e->ring[j] ? cpo_ring_thermal_shift_m(e->ring[j]) : cpo_mzm_heater_phase_rad(e->mzm[j]);
}

bool cpo_engine_inputs_moved(const cpo_engine_t *e) {
  bool moved = false;
  for (uint32_t k = 0; k < e->lasers && !moved; k++) {
    const double w = cpo_laser_power_w(e->laser[k]), m = cpo_laser_wavelength_m(e->laser[k]);
    moved = fabs(w - e->sig_laser_w[k]) > SAME_POWER_REL * fabs(e->sig_laser_w[k]) ||
            (w == 0.0) != (e->sig_laser_w[k] == 0.0) || fabs(m - e->sig_laser_m[k]) > SAME_LENGTH_M;
  }
  for (uint32_t j = 0; j < e->cfg.lanes && !moved; j++)
    moved = fabs(s_mod_input(e, j) - e->sig_mod[j]) > (e->ring[j] ? SAME_LENGTH_M : SAME_PHASE_RAD);
  return moved;
}

void cpo_engine_record_inputs(cpo_engine_t *e) {
  for (uint32_t k = 0; k < e->lasers; k++) {
    e->sig_laser_w[k] = cpo_laser_power_w(e->laser[k]);
    e->sig_laser_m[k] = cpo_laser_wavelength_m(e->laser[k]);
  }
  for (uint32_t j = 0; j < e->cfg.lanes; j++)
    e->sig_mod[j] = s_mod_input(e, j);
}

/* ---- monitors and converters ---------------------------------------------------------- */

double cpo_engine_mod_temp_k(const cpo_engine_t *e, uint32_t lane) {
  return e->ring[lane] ? cpo_ring_temp_k(e->ring[lane]) : e->ambient_k;
}

double cpo_engine_heater_w(const cpo_engine_t *e, uint32_t lane) {
  return e->ring[lane] ? cpo_ring_heater_w(e->ring[lane]) : cpo_mzm_heater_w(e->mzm[lane]);
}

/* The analog quantity at ADC channel @p ch's input. */
static double s_monitor_value(const cpo_engine_t *e, uint32_t ch, uint32_t k) {
  switch (ch) {
  case CPO_ADC_TAP_PD:
    return e->tx[k].tap_a;
  case CPO_ADC_DROP_PD:
    return e->tx[k].drop_a;
  case CPO_ADC_MOD_TEMP:
    return cpo_engine_mod_temp_k(e, k);
  case CPO_ADC_RX_POWER:
    return e->rx[k].power_w;
  case CPO_ADC_LASER_POWER:
    return cpo_laser_power_w(e->laser[k]);
  case CPO_ADC_LASER_TEMP:
    return cpo_laser_junction_k(e->laser[k]);
  default:
    return 0.0;
  }
}

static cpo_adc_params_t s_adc_params(const cpo_engine_t *e, uint32_t ch) {
  return (cpo_adc_params_t){CPO_ANALOG_CODE_BITS, cpo_adc_info(ch)->lsb, 0.0,
                            e->cfg.prof->adc_noise_lsb};
}

uint16_t cpo_engine_adc_convert(const cpo_engine_t *e, uint32_t ch, uint32_t index, double noise) {
  const cpo_adc_params_t adc = s_adc_params(e, ch);
  return (uint16_t)cpo_adc_quantise(&adc, s_monitor_value(e, ch, index), noise);
}

/* One loop per channel (the channel chosen once, not per lane), each the same arithmetic as
 * cpo_engine_adc_convert. */
#define ADC_LOOP(n, value)                                                                         \
  for (uint32_t k = 0; k < (n); k++)                                                               \
    codes[k] = (uint16_t)cpo_adc_quantise_inline(&adc, (value), noise[k]);

uint32_t cpo_engine_adc_convert_all(const cpo_engine_t *e, uint32_t ch, const double *noise,
                                    uint16_t *codes) {
  const cpo_adc_params_t adc = s_adc_params(e, ch);
  const uint32_t n = cpo_adc_info(ch)->per_laser ? e->lasers : e->cfg.lanes;
  switch (ch) {
  case CPO_ADC_TAP_PD:
    ADC_LOOP(n, e->tx[k].tap_a)
    break;
  case CPO_ADC_DROP_PD:
    ADC_LOOP(n, e->tx[k].drop_a)
    break;
  case CPO_ADC_RX_POWER:
    ADC_LOOP(n, e->rx[k].power_w)
    break;
  default:
    ADC_LOOP(n, s_monitor_value(e, ch, k))
    break;
  }
  return n;
}
#undef ADC_LOOP
