/* Mach-Zehnder modulator; equations in cpo/mzm.h. */
#include "cpo/mzm.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"

#include "cpo/units.h"

struct cpo_mzm {
  cpo_mzm_params_t p;
  double ambient_k;
  double heater_w;
  double heater_phase_rad;
  double step_dt_s, step_factor; /* the last step's dt and 1 - exp(-dt / tau) */
};

cpo_mzm_params_t cpo_mzm_params_default(void) {
  return (cpo_mzm_params_t){
      .v_pi_v = 5.9,               /* V_pi L 1.76 V cm (MODELS.md) over a 3 mm push-pull arm */
      .insertion_loss_db = 6.5,    /* catalogue travelling-wave MZM: IL 6.5 dB (MODELS.md) */
      .extinction_ratio_db = 25.0, /* static ER of a balanced MZM; the dynamic ER (4.4 dB in the
                                      catalogue part) follows from the drive swing */
      .phase_offset_rad = 0.3,     /* fabrication imbalance: a few tenths of a radian */
      .heater_rad_per_w = CPO_PI / 25e-3, /* P_pi ~ 25 mW for a Si thermo-optic phase shifter */
      .thermal_tau_s = 10e-6,             /* Si TiN heater, ~10 us */
      .ambient_rad_per_k = 0.01,          /* residual arm-length imbalance drift */
      .ref_temp_k = 298.15,
      .bandwidth_hz = 20e9, /* catalogue travelling-wave MZM: 20 GHz (MODELS.md) */
      .heater_max_w = 60e-3,
  };
}

double cpo_mzm_extinction_factor(const cpo_mzm_params_t *p) {
  const double er = pow(10.0, p->extinction_ratio_db / 10.0);
  return (er - 1.0) / (er + 1.0);
}

double cpo_mzm_transfer(const cpo_mzm_params_t *p, double phase_rad) {
  /* the two powers of ten depend on the parameters alone: kept for the last ones seen (a
   * light rebuild asks for every level of every lane with the same) */
  static _Thread_local double s_er_db = NAN, s_il_db = NAN, s_g, s_loss;
  if (p->extinction_ratio_db != s_er_db || p->insertion_loss_db != s_il_db) {
    s_er_db = p->extinction_ratio_db;
    s_il_db = p->insertion_loss_db;
    s_g = cpo_mzm_extinction_factor(p);
    s_loss = cpo_db_to_ratio(-p->insertion_loss_db);
  }
  return s_loss * (1.0 + s_g * cos(phase_rad)) / (1.0 + s_g);
}

/* Physical ranges of the parameters: the rows of profile_keys.def. */
static const cpo_range_t s_ranges[] = {
#define CPO_PROFILE_MZM(key, type, lo, hi, ends, unit, help)                                       \
  CPO_RANGE_ROW_##type(cpo_mzm_params_t, key, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_mzm_create(const cpo_mzm_params_t *p, double ambient_k, cpo_mzm_t **out) {
  if (!p || !out)
    return CPO_ERR_INVALID_ARG;
  if (!cpo_check_table("cpo_mzm", p, s_ranges, sizeof s_ranges / sizeof s_ranges[0]) ||
      !cpo_check_range("cpo_mzm", "ambient_k", ambient_k, CPO_AMBIENT_MIN_K, CPO_AMBIENT_MAX_K,
                       CPO_RANGE_CLOSED, "K"))
    return CPO_ERR_INVALID_ARG;
  cpo_mzm_t *m = calloc(1, sizeof *m);
  if (!m)
    return CPO_ERR_NO_MEMORY;
  m->p = *p;
  m->ambient_k = ambient_k;
  *out = m;
  return CPO_OK;
}

void cpo_mzm_destroy(cpo_mzm_t **mzm) {
  if (!mzm || !*mzm)
    return;
  free(*mzm);
  *mzm = NULL;
}

void cpo_mzm_set_heater(cpo_mzm_t *mzm, double heater_w) {
  assert(mzm);
  if (!(heater_w > 0.0))
    heater_w = 0.0;
  mzm->heater_w = heater_w < mzm->p.heater_max_w ? heater_w : mzm->p.heater_max_w;
}

void cpo_mzm_set_ambient(cpo_mzm_t *mzm, double ambient_k) {
  assert(mzm);
  mzm->ambient_k = ambient_k;
}

void cpo_mzm_step(cpo_mzm_t *mzm, double dt_s) {
  assert(mzm && dt_s >= 0.0);
  const double target = mzm->p.heater_rad_per_w * mzm->heater_w;
  if (dt_s != mzm->step_dt_s) {
    mzm->step_dt_s = dt_s;
    mzm->step_factor = -expm1(-dt_s / mzm->p.thermal_tau_s);
  }
  mzm->heater_phase_rad += (target - mzm->heater_phase_rad) * mzm->step_factor;
}

double cpo_mzm_phase_rad(const cpo_mzm_t *mzm, double v) {
  const cpo_mzm_params_t *p = &mzm->p;
  return CPO_PI * v / p->v_pi_v + p->phase_offset_rad + mzm->heater_phase_rad +
         p->ambient_rad_per_k * (mzm->ambient_k - p->ref_temp_k);
}

double cpo_mzm_transmission(const cpo_mzm_t *mzm, double v) {
  return cpo_mzm_transfer(&mzm->p, cpo_mzm_phase_rad(mzm, v));
}

double cpo_mzm_heater_w(const cpo_mzm_t *mzm) {
  return mzm->heater_w;
}
double cpo_mzm_heater_phase_rad(const cpo_mzm_t *mzm) {
  return mzm->heater_phase_rad;
}
const cpo_mzm_params_t *cpo_mzm_params(const cpo_mzm_t *mzm) {
  return &mzm->p;
}
