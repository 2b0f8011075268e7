/* Micro-ring modulator; equations in cpo/ring.h. */
#include "cpo/ring.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"

#include "cpo/units.h"

struct cpo_ring {
  cpo_ring_params_t p;
  double ambient_k;
  double heater_w;
  double thermal_shift_m;
  double step_dt_s, step_factor; /* the last step's dt and 1 - exp(-dt / tau): grids repeat */
};

cpo_ring_params_t cpo_ring_params_default(void) {
  return (cpo_ring_params_t){
      .radius_m = 5e-6,            /* R 5 um (MODELS.md default) */
      .group_index = 4.2,          /* n_g 4.2, Si wire near 1.3 um (MODELS.md) */
      .round_trip_a = 0.99,        /* a 0.99 (MODELS.md) */
      .self_coupling_r = 0.97,     /* r 0.97: over-coupled (MODELS.md) */
      .cold_resonance_m = 1310e-9, /* nominal; engines add a per-ring fabrication offset */
      .ref_temp_k = 298.15,
      .eo_shift_m_per_v = 20e-12,            /* ~20 pm/V depletion mode (de Cea et al., Opt. Express
                                                27(17), 2019) */
      .heater_shift_m_per_w = 0.1e-9 / 1e-3, /* ~0.1 nm/mW (Zhang et al., Photonics Research 10,
                                                2022) */
      .self_heating_m_per_w = 0.1e-9 / 1e-3, /* absorbed light heats the same waveguide as the
                                                heater: same order of efficiency (assumed equal) */
      .absorbed_fraction = 0.5,              /* Si ring loss split between absorption (defect, free
                                                carrier) and scattering: assumed half */
      .ambient_shift_m_per_k = 0.06e-9,      /* ~0.06 nm/K at 1310 nm (MODELS.md) */
      .thermal_tau_s = 0.5e-6,               /* 0.4-1 us (MODELS.md, Zhang et al. 2022) */
      .insertion_loss_db = 1.0,              /* bus waveguide and transitions, off resonance */
      .drop_monitor_fraction = 0.1,          /* in-ring defect-mediated monitor PD picks up ~10 % */
      .heater_max_w = 40e-3,                 /* heater driver limit: 4 nm of tuning */
  };
}

double cpo_ring_length_m(const cpo_ring_params_t *p) {
  return 2.0 * CPO_PI * p->radius_m;
}

double cpo_ring_through(const cpo_ring_params_t *p, double lambda_m, double resonance_m) {
  const double a = p->round_trip_a, r = p->self_coupling_r;
  const double phi =
      2.0 * CPO_PI * p->group_index * cpo_ring_length_m(p) * (1.0 / lambda_m - 1.0 / resonance_m);
  const double c = cos(phi);
  return (a * a - 2.0 * r * a * c + r * r) / (1.0 - 2.0 * r * a * c + (r * a) * (r * a));
}

double cpo_ring_t_min(const cpo_ring_params_t *p) {
  const double a = p->round_trip_a, r = p->self_coupling_r;
  const double t = (a - r) / (1.0 - a * r);
  return t * t;
}

double cpo_ring_fsr_m(const cpo_ring_params_t *p, double lambda_m) {
  return lambda_m * lambda_m / (p->group_index * cpo_ring_length_m(p));
}

double cpo_ring_fwhm_m(const cpo_ring_params_t *p, double lambda_m) {
  const double ra = p->round_trip_a * p->self_coupling_r;
  return (1.0 - ra) * lambda_m * lambda_m /
         (CPO_PI * p->group_index * cpo_ring_length_m(p) * sqrt(ra));
}

double cpo_ring_q(const cpo_ring_params_t *p, double lambda_m) {
  return lambda_m / cpo_ring_fwhm_m(p, lambda_m);
}

/* Physical ranges of the parameters: the rows of profile_keys.def. */
static const cpo_range_t s_ranges[] = {
#define CPO_PROFILE_RING(key, type, lo, hi, ends, unit, help)                                      \
  CPO_RANGE_ROW_##type(cpo_ring_params_t, key, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_ring_create(const cpo_ring_params_t *p, double ambient_k, cpo_ring_t **out) {
  if (!p || !out)
    return CPO_ERR_INVALID_ARG;
  if (!cpo_check_table("cpo_ring", p, s_ranges, sizeof s_ranges / sizeof s_ranges[0]) ||
      !cpo_check_range("cpo_ring", "ambient_k", ambient_k, CPO_AMBIENT_MIN_K, CPO_AMBIENT_MAX_K,
                       CPO_RANGE_CLOSED, "K"))
    return CPO_ERR_INVALID_ARG;
  cpo_ring_t *ring = calloc(1, sizeof *ring);
  if (!ring)
    return CPO_ERR_NO_MEMORY;
  ring->p = *p;
  ring->ambient_k = ambient_k;
  *out = ring;
  return CPO_OK;
}

void cpo_ring_destroy(cpo_ring_t **ring) {
  if (!ring || !*ring)
    return;
  free(*ring);
  *ring = NULL;
}

void cpo_ring_set_heater(cpo_ring_t *ring, double heater_w) {
  assert(ring);
  if (!(heater_w > 0.0))
    heater_w = 0.0;
  ring->heater_w = heater_w < ring->p.heater_max_w ? heater_w : ring->p.heater_max_w;
}

void cpo_ring_set_ambient(cpo_ring_t *ring, double ambient_k) {
  assert(ring);
  ring->ambient_k = ambient_k;
}

void cpo_ring_step(cpo_ring_t *ring, double dt_s, double absorbed_w) {
  assert(ring && dt_s >= 0.0);
  const double target_m =
      ring->p.heater_shift_m_per_w * ring->heater_w + ring->p.self_heating_m_per_w * absorbed_w;
  if (dt_s != ring->step_dt_s) {
    ring->step_dt_s = dt_s;
    ring->step_factor = -expm1(-dt_s / ring->p.thermal_tau_s);
  }
  ring->thermal_shift_m += (target_m - ring->thermal_shift_m) * ring->step_factor;
}

void cpo_ring_step_implicit(cpo_ring_t *ring, double dt_s, double absorbed_w,
                            double absorbed_slope_w_per_m, double at_shift_m) {
  assert(ring && dt_s >= 0.0);
  const cpo_ring_params_t *p = &ring->p;
  if (dt_s != ring->step_dt_s) {
    ring->step_dt_s = dt_s;
    ring->step_factor = -expm1(-dt_s / p->thermal_tau_s);
  }
  const double f = ring->step_factor, x = ring->thermal_shift_m;
  const double target_m =
      p->heater_shift_m_per_w * ring->heater_w + p->self_heating_m_per_w * absorbed_w;
  /* x' = x + f (T(x') - x), T linear about the shift the absorbed power was taken at:
   * x' = (x (1 - f) + f (T - g x0)) / (1 - f g), g = dT/dx. Only a restoring loop (g < 0) is
   * taken so: a runaway one moves as the explicit step. */
  const double g = p->self_heating_m_per_w * absorbed_slope_w_per_m;
  if (g < 0.0)
    ring->thermal_shift_m = (x * (1.0 - f) + f * (target_m - g * at_shift_m)) / (1.0 - f * g);
  else
    ring->thermal_shift_m = x + (target_m - x) * f;
}

double cpo_ring_resonance_m(const cpo_ring_t *ring, double bias_v) {
  const cpo_ring_params_t *p = &ring->p;
  return p->cold_resonance_m + p->eo_shift_m_per_v * bias_v +
         p->ambient_shift_m_per_k * (ring->ambient_k - p->ref_temp_k) + ring->thermal_shift_m;
}

double cpo_ring_transmission(const cpo_ring_t *ring, double lambda_m, double bias_v) {
  return cpo_db_to_ratio(-ring->p.insertion_loss_db) *
         cpo_ring_through(&ring->p, lambda_m, cpo_ring_resonance_m(ring, bias_v));
}

double cpo_ring_temp_k(const cpo_ring_t *ring) {
  return ring->ambient_k + ring->thermal_shift_m / ring->p.ambient_shift_m_per_k;
}

double cpo_ring_heater_w(const cpo_ring_t *ring) {
  return ring->heater_w;
}
double cpo_ring_thermal_shift_m(const cpo_ring_t *ring) {
  return ring->thermal_shift_m;
}
const cpo_ring_params_t *cpo_ring_params(const cpo_ring_t *ring) {
  return &ring->p;
}
