/* Mach-Zehnder modulator, push-pull, with a thermal phase shifter for bias control:
 *
 *   T(V) = IL (1 + g cos(pi (V + V_bias) / V_pi + phi_0 + phi_heater + phi_ambient)) / (1 + g)
 *   g    = (ER - 1) / (ER + 1)   (finite extinction ER = T_max / T_min from arm imbalance:
 *          arms of field amplitude a1, a2 give ER = ((a1 + a2) / (a1 - a2))^2 and
 *          T = (a1^2 + a2^2 + 2 a1 a2 cos phi) / (a1 + a2)^2: the same curve, peak IL)
 *   phi_heater follows heater power with a first-order thermal time constant.
 * Quadrature (phase pi/2 mod pi) is where the first harmonic of a bias dither is largest and
 * the second vanishes: the bias controller's lock point (MODELS.md). */
#ifndef CPO_MZM_H
#define CPO_MZM_H

#include "cpo/status.h"

typedef struct {
  double v_pi_v;              /* V_pi of the push-pull pair */
  double insertion_loss_db;   /* IL at the transmission peak */
  double extinction_ratio_db; /* static ER = T_max / T_min */
  double phase_offset_rad;    /* phi_0: built-in arm imbalance */
  double heater_rad_per_w;    /* thermal phase shifter efficiency */
  double thermal_tau_s;       /* heater time constant */
  double ambient_rad_per_k;   /* arm-imbalance drift with temperature */
  double ref_temp_k;
  double bandwidth_hz; /* electro-optic 3 dB bandwidth */
  double heater_max_w;
} cpo_mzm_params_t;

typedef struct cpo_mzm cpo_mzm_t;

/** Defaults for a silicon travelling-wave MZM (sources in mzm.c). */
cpo_mzm_params_t cpo_mzm_params_default(void);

/** Extinction factor g = (ER - 1) / (ER + 1). */
double cpo_mzm_extinction_factor(const cpo_mzm_params_t *p);
/** T for a total optical phase difference @p phase_rad between the arms. */
double cpo_mzm_transfer(const cpo_mzm_params_t *p, double phase_rad);

/** @return CPO_OK; CPO_ERR_INVALID_ARG (a parameter or @p ambient_k is outside its physical
 *          range: a logged line names it, its value and the range); CPO_ERR_NO_MEMORY;
 *          @p out unchanged on error */
CPO_MUST_USE cpo_status_t cpo_mzm_create(const cpo_mzm_params_t *p, double ambient_k,
                                         cpo_mzm_t **out);
void cpo_mzm_destroy(cpo_mzm_t **mzm);

void cpo_mzm_set_heater(cpo_mzm_t *mzm, double heater_w);
void cpo_mzm_set_ambient(cpo_mzm_t *mzm, double ambient_k);
/** Advance the heater phase by @p dt_s (exact exponential step). */
void cpo_mzm_step(cpo_mzm_t *mzm, double dt_s);

/** Arm phase difference at drive voltage @p v (bias included by the caller). */
double cpo_mzm_phase_rad(const cpo_mzm_t *mzm, double v);
/** Transmission at total drive @p v (bias plus signal). */
double cpo_mzm_transmission(const cpo_mzm_t *mzm, double v);
double cpo_mzm_heater_w(const cpo_mzm_t *mzm);
/** Phase-shifter temperature rise expressed as its phase, now. */
double cpo_mzm_heater_phase_rad(const cpo_mzm_t *mzm);
const cpo_mzm_params_t *cpo_mzm_params(const cpo_mzm_t *mzm);

#endif /* CPO_MZM_H */
