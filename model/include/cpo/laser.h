/* Semiconductor laser: L-I with threshold and slope, both temperature dependent; wavelength
 * drift with junction temperature; relative intensity noise; a thermal turn-on transient
 * (the junction heats after switch-on, so power droops and wavelength red-shifts with the
 * chip's thermal time constant); ageing as threshold growth and slope loss.
 *
 *   I_th(T) = I_th0 exp((T - T_ref) / T0) (1 + k_ith age)
 *   eta(T)  = eta0 exp(-(T - T_ref) / T1) (1 - k_eta age)
 *   P       = eta(T) (I - I_th(T)) above threshold, 0 below
 *   lambda  = lambda0 + dlambda/dT (T - T_ref)
 *   dT/dt   = (T_amb + R_th (I V(I) - P) - T) / tau_th,  V(I) = V0 + I R_s
 * The same object stands for a per-lane DFB or for the high-power DFB of an external laser
 * source (ELSFP); the engine splits the latter to several lanes. */
#ifndef CPO_LASER_H
#define CPO_LASER_H

#include "cpo/status.h"

typedef struct {
  double threshold_a;              /* I_th0 at ref_temp_k, fresh */
  double t0_k;                     /* characteristic temperature of the threshold */
  double slope_w_per_a;            /* eta0: differential slope efficiency at ref_temp_k */
  double t1_k;                     /* characteristic temperature of the slope */
  double ref_temp_k;               /* reference temperature of the numbers above */
  double wavelength_m;             /* emission wavelength at ref_temp_k */
  double wavelength_drift_m_per_k; /* dlambda/dT of the DFB grating */
  double rin_db_per_hz;            /* relative intensity noise (one-sided) */
  double forward_v;                /* V0 of the diode's forward voltage */
  double series_ohm;               /* R_s of the diode */
  double thermal_res_k_per_w;      /* R_th junction to ambient */
  double thermal_tau_s;            /* thermal time constant of the chip */
  double age_h;                    /* operating hours already accumulated */
  double ageing_threshold_per_h;   /* relative threshold growth per hour */
  double ageing_slope_per_h;       /* relative slope loss per hour */
  double max_current_a;            /* drive above this is clamped (driver compliance) */
} cpo_laser_params_t;

typedef struct cpo_laser cpo_laser_t;

/** Defaults for a 1311 nm uncooled DFB (sources in laser.c). */
cpo_laser_params_t cpo_laser_params_dfb(void);
/** Defaults for the high-power DFB inside an OIF ELSFP external laser source. */
cpo_laser_params_t cpo_laser_params_els(void);

/** Threshold current at junction temperature @p temp_k, including ageing. */
double cpo_laser_threshold_a(const cpo_laser_params_t *p, double temp_k);
/** Slope efficiency at junction temperature @p temp_k, including ageing. */
double cpo_laser_slope_w_per_a(const cpo_laser_params_t *p, double temp_k);
/** Static L-I curve: output power at @p current_a and junction temperature @p temp_k. */
double cpo_laser_li_power_w(const cpo_laser_params_t *p, double current_a, double temp_k);
/** Emission wavelength at junction temperature @p temp_k. */
double cpo_laser_wavelength_at_m(const cpo_laser_params_t *p, double temp_k);
/** Variance of the optical power from RIN over a (one-sided) @p bandwidth_hz: RIN P^2 B. */
double cpo_laser_rin_variance_w2(const cpo_laser_params_t *p, double power_w, double bandwidth_hz);

/**
 * Create a laser, switched off, its junction at @p ambient_k.
 * @return CPO_OK; CPO_ERR_INVALID_ARG (a parameter or @p ambient_k is outside its physical
 *         range, e.g. a slope above the quantum limit h c / (q lambda): a logged line names
 *         it, its value and the range); CPO_ERR_NO_MEMORY; @p out unchanged on error
 */
CPO_MUST_USE cpo_status_t cpo_laser_create(const cpo_laser_params_t *p, double ambient_k,
                                           cpo_laser_t **out);
void cpo_laser_destroy(cpo_laser_t **laser);

/** Drive current (clamped to [0, max_current_a]); takes effect immediately. */
void cpo_laser_set_current(cpo_laser_t *laser, double current_a);
void cpo_laser_set_ambient(cpo_laser_t *laser, double ambient_k);
/** Advance the junction temperature by @p dt_s (exact exponential step: stable for any dt). */
void cpo_laser_step(cpo_laser_t *laser, double dt_s);
/** Age the laser by @p hours of operation at once (a fault: cpo/link_fault.h). */
void cpo_laser_add_age(cpo_laser_t *laser, double hours);

double cpo_laser_current_a(const cpo_laser_t *laser);
double cpo_laser_junction_k(const cpo_laser_t *laser);
/** Output power now (L-I at the present junction temperature). */
double cpo_laser_power_w(const cpo_laser_t *laser);
/** Electrical power drawn now: I V(I) = I (V0 + I R_s). P / that is the wall-plug efficiency. */
double cpo_laser_electrical_w(const cpo_laser_t *laser);
/** Emission wavelength now. */
double cpo_laser_wavelength_m(const cpo_laser_t *laser);
const cpo_laser_params_t *cpo_laser_params(const cpo_laser_t *laser);

#endif /* CPO_LASER_H */
