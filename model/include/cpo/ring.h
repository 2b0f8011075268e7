/* Micro-ring modulator, all-pass (through port), after Bogaerts et al., "Silicon microring
 * resonators", Laser Photonics Rev. 6(1), 2012:
 *
 *   T(phi) = (a^2 - 2 r a cos phi + r^2) / (1 - 2 r a cos phi + (r a)^2)
 *   phi    = 2 pi n_g L (1/lambda - 1/lambda_res)   (round-trip phase from resonance; exact for
 *            a ring without dispersion whose resonance sits at lambda_res), L = 2 pi R
 *   T_min  = ((a - r) / (1 - a r))^2, zero at critical coupling a = r
 *   FSR    = lambda^2 / (n_g L),  FWHM = (1 - r a) lambda^2 / (pi n_g L sqrt(r a)),  Q =
 * lambda/FWHM
 *
 * The resonance moves with the junction voltage (electro-optic, depletion mode: reverse bias
 * red-shifts it), the ring temperature (heater, absorbed optical power, ambient) and a per-ring
 * fabrication offset:
 *   lambda_res = lambda_cold + d_eo V + d_amb (T_amb - T_ref) + thermal_shift
 *   d thermal_shift / dt = (d_heat P_heater + d_self P_absorbed - thermal_shift) / tau
 * Power that the ring does not pass on is lost in it; a fraction heats it (self-heating, which
 * red-shifts the resonance: lock from the blue side) and a fraction reaches the drop-port
 * monitor photodiode. */
#ifndef CPO_RING_H
#define CPO_RING_H

#include "cpo/status.h"

typedef struct {
  double radius_m;              /* R */
  double group_index;           /* n_g */
  double round_trip_a;          /* a: round-trip amplitude transmission */
  double self_coupling_r;       /* r: self-coupling of the bus coupler */
  double cold_resonance_m;      /* lambda_cold: resonance at T_ref, 0 V, no heat */
  double ref_temp_k;            /* T_ref */
  double eo_shift_m_per_v;      /* d_eo */
  double heater_shift_m_per_w;  /* d_heat */
  double self_heating_m_per_w;  /* d_self, per watt of absorbed optical power */
  double absorbed_fraction;     /* share of the power lost in the ring that heats it */
  double ambient_shift_m_per_k; /* d_amb */
  double thermal_tau_s;         /* tau of the ring's heater and self-heating */
  double insertion_loss_db;     /* off-resonance loss (grating couplers, waveguides) */
  double drop_monitor_fraction; /* share of the lost power reaching the monitor PD */
  double heater_max_w;          /* heater driver limit */
} cpo_ring_params_t;

typedef struct cpo_ring cpo_ring_t;

/** Defaults: R 5 um, n_g 4.2, a 0.99, r 0.97 at 1311 nm (sources in ring.c). */
cpo_ring_params_t cpo_ring_params_default(void);

/** Round-trip length L = 2 pi R. */
double cpo_ring_length_m(const cpo_ring_params_t *p);
/** Through-port power transmission at wavelength @p lambda_m for a resonance at
 *  @p resonance_m (no insertion loss). */
double cpo_ring_through(const cpo_ring_params_t *p, double lambda_m, double resonance_m);
/** T_min = ((a - r) / (1 - a r))^2. */
double cpo_ring_t_min(const cpo_ring_params_t *p);
double cpo_ring_fsr_m(const cpo_ring_params_t *p, double lambda_m);
double cpo_ring_fwhm_m(const cpo_ring_params_t *p, double lambda_m);
double cpo_ring_q(const cpo_ring_params_t *p, double lambda_m);

/**
 * Create a ring at ambient @p ambient_k, heater off, in thermal equilibrium with no light.
 * @return CPO_OK; CPO_ERR_INVALID_ARG (a parameter or @p ambient_k is outside its physical
 *         range, e.g. a outside (0, 1] or r outside (0, 1): a logged line names it, its value
 *         and the range); CPO_ERR_NO_MEMORY; @p out unchanged on error
 */
CPO_MUST_USE cpo_status_t cpo_ring_create(const cpo_ring_params_t *p, double ambient_k,
                                          cpo_ring_t **out);
void cpo_ring_destroy(cpo_ring_t **ring);

/** Heater power (clamped to [0, heater_max_w]); acts through the thermal time constant. */
void cpo_ring_set_heater(cpo_ring_t *ring, double heater_w);
void cpo_ring_set_ambient(cpo_ring_t *ring, double ambient_k);
/** Advance the thermal state by @p dt_s with @p absorbed_w of optical power heating the ring
 *  over the step (exact exponential step). */
void cpo_ring_step(cpo_ring_t *ring, double dt_s, double absorbed_w);
/** The same step taken implicitly in the self-heating: @p absorbed_w was taken at thermal
 *  shift @p at_shift_m, with slope @p absorbed_slope_w_per_m against it; the self-heating
 *  loop's restoring part, linearised about that point, goes into the step, which then
 *  settles at any dt instead of cycling (the exact exponential for the heater alone). */
void cpo_ring_step_implicit(cpo_ring_t *ring, double dt_s, double absorbed_w,
                            double absorbed_slope_w_per_m, double at_shift_m);

/** Resonance wavelength at junction voltage @p bias_v (reverse bias positive). */
double cpo_ring_resonance_m(const cpo_ring_t *ring, double bias_v);
/** Through-port transmission including insertion loss, at @p lambda_m and @p bias_v. */
double cpo_ring_transmission(const cpo_ring_t *ring, double lambda_m, double bias_v);
/** Ring temperature: ambient plus the thermal shift expressed in kelvin. */
double cpo_ring_temp_k(const cpo_ring_t *ring);
double cpo_ring_heater_w(const cpo_ring_t *ring);
/** The thermal part of the resonance shift (heater and self-heating), now. */
double cpo_ring_thermal_shift_m(const cpo_ring_t *ring);
const cpo_ring_params_t *cpo_ring_params(const cpo_ring_t *ring);

#endif /* CPO_RING_H */
