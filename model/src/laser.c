/* Semiconductor laser model; equations in cpo/laser.h. */
#include "cpo/laser.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"
#include "cpo/units.h"

struct cpo_laser {
  cpo_laser_params_t p;
  double current_a;
  double ambient_k;
  double junction_k;
  double step_dt_s, step_factor;          /* the last step's dt and 1 - exp(-dt / tau) */
  double cache_k, cache_ith_a, cache_eta; /* threshold and slope at junction temperature cache_k */
};

cpo_laser_params_t cpo_laser_params_dfb(void) {
  return (cpo_laser_params_t){
      .threshold_a = 10e-3,    /* ~10 mA: 1.3 um DFB class (MODELS.md; IEEE PTL 18(14) 2006) */
      .t0_k = 60.0,            /* T0 ~ 60 K for 1.3 um InGaAsP QW lasers (MODELS.md) */
      .slope_w_per_a = 0.4,    /* ~0.4 W/A (0.42 mW/mA in IEEE PTL 18(14) 2006) */
      .t1_k = 200.0,           /* slope char. temperature, 1.3 um InGaAsP MQW: ~150-250 K
                                  (Coldren, Corzine & Mashanovitch, Diode Lasers and PICs,
                                  2nd ed., sec. 2.7) */
      .ref_temp_k = 298.15,    /* datasheet reference 25 degC */
      .wavelength_m = 1311e-9, /* O-band DR lane, 1311 nm (IEEE 802.3 400GBASE-DR4) */
      .wavelength_drift_m_per_k = 0.1e-9, /* ~0.1 nm/K for a DFB at 1300 nm (MODELS.md) */
      .rin_db_per_hz = -150.0,            /* CW DFB ~ -150 dB/Hz (MODELS.md) */
      .forward_v = 1.0,                   /* InGaAsP diode turn-on ~ bandgap 0.95 eV + contacts */
      .series_ohm = 5.0,                  /* typical DFB chip series resistance, 3-8 ohm */
      .thermal_res_k_per_w = 60.0,        /* DFB on AlN submount: 40-100 K/W typical */
      .thermal_tau_s = 20e-6,             /* chip-level thermal time constant, tens of us */
      .age_h = 0.0,
      .ageing_threshold_per_h = 2e-6, /* +20 % I_th over 100 kh: the end-of-life criterion scale of
                                         Telcordia GR-468 wear-out tests */
      .ageing_slope_per_h = 1e-6,     /* -10 % slope over 100 kh */
      .max_current_a = 0.15,          /* driver compliance of a per-lane DFB driver */
  };
}

cpo_laser_params_t cpo_laser_params_els(void) {
  cpo_laser_params_t p = cpo_laser_params_dfb();
  p.threshold_a = 30e-3;        /* high-power DFB: long cavity (~1 mm), higher threshold */
  p.slope_w_per_a = 0.35;       /* gives ~104 mW (20.2 dBm) at 370 mA in a 35 degC faceplate:
                                   OIF ELSFP power class example 20 +- 1.5 dBm (MODELS.md) */
  p.forward_v = 1.0;            /* turn-on voltage V0 ~ h nu / q (0.95 eV at 1311 nm) plus the
                                   heterojunction offsets (Coldren, Corzine & Mashanovitch,
                                   Diode Lasers and PICs, 2nd ed., Wiley 2012, ch. 2) */
  p.series_ohm = 1.5;           /* long, wide-contact high-power DFB: ~1-2 ohm, not the ~5 ohm
                                   of a short DFB (MODELS.md). At 370 mA: V = 1.56 V,
                                   I V = 0.58 W for ~104 mW out, a wall-plug efficiency
                                   P / (I V) of 18 %: below the > 30 % peak ex-facet
                                   efficiency of the best O-band CW source reported (Buyalo
                                   et al., Sci. Rep. 14, 2024, doi:10.1038/s41598-024-53609-9,
                                   at up to 270 mW), as a packaged DFB at its operating point
                                   is; test_laser checks the closed form */
  p.thermal_res_k_per_w = 20.0; /* TEC-less ELSFP on a large submount: ~9 K self-heating at
                                   0.47 W dissipated */
  p.thermal_tau_s = 200e-6;     /* bigger die and submount: slower */
  p.max_current_a = 0.6;
  return p;
}

double cpo_laser_threshold_a(const cpo_laser_params_t *p, double temp_k) {
  return p->threshold_a * exp((temp_k - p->ref_temp_k) / p->t0_k) *
         (1.0 + p->ageing_threshold_per_h * p->age_h);
}

double cpo_laser_slope_w_per_a(const cpo_laser_params_t *p, double temp_k) {
  const double aged = 1.0 - p->ageing_slope_per_h * p->age_h;
  return p->slope_w_per_a * exp(-(temp_k - p->ref_temp_k) / p->t1_k) * (aged > 0.0 ? aged : 0.0);
}

double cpo_laser_li_power_w(const cpo_laser_params_t *p, double current_a, double temp_k) {
  const double above = current_a - cpo_laser_threshold_a(p, temp_k);
  return above > 0.0 ? cpo_laser_slope_w_per_a(p, temp_k) * above : 0.0;
}

double cpo_laser_wavelength_at_m(const cpo_laser_params_t *p, double temp_k) {
  return p->wavelength_m + p->wavelength_drift_m_per_k * (temp_k - p->ref_temp_k);
}

double cpo_laser_rin_variance_w2(const cpo_laser_params_t *p, double power_w, double bandwidth_hz) {
  return pow(10.0, p->rin_db_per_hz / 10.0) * power_w * power_w * bandwidth_hz;
}

/* Physical ranges of the parameters: the rows of profile_keys.def (the slope's upper end, the
 * quantum limit, is checked apart: it depends on the wavelength). */
static const cpo_range_t s_ranges[] = {
#define CPO_PROFILE_LASER(key, type, lo, hi, ends, unit, help)                                     \
  CPO_RANGE_ROW_##type(cpo_laser_params_t, key, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_laser_create(const cpo_laser_params_t *p, double ambient_k, cpo_laser_t **out) {
  if (!p || !out)
    return CPO_ERR_INVALID_ARG;
  if (!cpo_check_table("cpo_laser", p, s_ranges, sizeof s_ranges / sizeof s_ranges[0]))
    return CPO_ERR_INVALID_ARG;
  /* differential quantum efficiency <= 1: at most one photon h c / lambda per electron */
  const double quantum_w_per_a = CPO_H_J_S * CPO_C_M_PER_S / (CPO_Q_E_C * p->wavelength_m);
  if (!cpo_check_range("cpo_laser", "slope_w_per_a", p->slope_w_per_a, 0.0, quantum_w_per_a,
                       CPO_RANGE_OPEN_LO, "W/A") ||
      !cpo_check_range("cpo_laser", "ambient_k", ambient_k, CPO_AMBIENT_MIN_K, CPO_AMBIENT_MAX_K,
                       CPO_RANGE_CLOSED, "K"))
    return CPO_ERR_INVALID_ARG;
  cpo_laser_t *l = calloc(1, sizeof *l);
  if (!l)
    return CPO_ERR_NO_MEMORY;
  l->p = *p;
  l->ambient_k = ambient_k;
  l->junction_k = ambient_k;
  *out = l;
  return CPO_OK;
}

void cpo_laser_destroy(cpo_laser_t **laser) {
  if (!laser || !*laser)
    return;
  free(*laser);
  *laser = NULL;
}

void cpo_laser_set_current(cpo_laser_t *laser, double current_a) {
  assert(laser);
  if (!(current_a > 0.0))
    current_a = 0.0;
  laser->current_a = current_a < laser->p.max_current_a ? current_a : laser->p.max_current_a;
}

void cpo_laser_set_ambient(cpo_laser_t *laser, double ambient_k) {
  assert(laser);
  laser->ambient_k = ambient_k;
}

void cpo_laser_step(cpo_laser_t *laser, double dt_s) {
  assert(laser && dt_s >= 0.0);
  const cpo_laser_params_t *p = &laser->p;
  const double dissipated_w = cpo_laser_electrical_w(laser) - cpo_laser_power_w(laser);
  const double target_k = laser->ambient_k + p->thermal_res_k_per_w * dissipated_w;
  if (dt_s != laser->step_dt_s) {
    laser->step_dt_s = dt_s;
    laser->step_factor = -expm1(-dt_s / p->thermal_tau_s);
  }
  laser->junction_k += (target_k - laser->junction_k) * laser->step_factor;
}

double cpo_laser_current_a(const cpo_laser_t *laser) {
  return laser->current_a;
}
double cpo_laser_junction_k(const cpo_laser_t *laser) {
  return laser->junction_k;
}
double cpo_laser_power_w(const cpo_laser_t *laser) {
  /* the same numbers as cpo_laser_li_power_w; the exponentials are kept while the junction
   * temperature stands still (a settled laser is asked many times per grid point) */
  cpo_laser_t *l = (cpo_laser_t *)laser;
  if (l->cache_k != l->junction_k) {
    l->cache_k = l->junction_k;
    l->cache_ith_a = cpo_laser_threshold_a(&l->p, l->junction_k);
    l->cache_eta = cpo_laser_slope_w_per_a(&l->p, l->junction_k);
  }
  const double above = l->current_a - l->cache_ith_a;
  return above > 0.0 ? l->cache_eta * above : 0.0;
}
double cpo_laser_electrical_w(const cpo_laser_t *laser) {
  const double i = laser->current_a;
  return i * (laser->p.forward_v + i * laser->p.series_ohm);
}
double cpo_laser_wavelength_m(const cpo_laser_t *laser) {
  return cpo_laser_wavelength_at_m(&laser->p, laser->junction_k);
}
const cpo_laser_params_t *cpo_laser_params(const cpo_laser_t *laser) {
  return &laser->p;
}

void cpo_laser_add_age(cpo_laser_t *laser, double hours) {
  assert(laser && hours >= 0.0);
  laser->p.age_h += hours;
  laser->cache_k = NAN; /* threshold and slope again, aged */
}
