/* Optical receiver: photodiode, TIA and the noise and inter-symbol interference they bring.
 *
 *   responsivity R = eta q lambda / (h c)     (at most 1.0566 A/W at 1310 nm, eta = 1)
 *   shot     sigma^2 = 2 q (I + I_dark) B
 *   thermal  sigma^2 = 4 k T B / R_L
 *   TIA      sigma^2 = i_n^2 B                 (input-referred amplifier density)
 *   B = (pi / 2) f_3dB                         (noise bandwidth of a single pole)
 * Bandwidth becomes ISI: a rectangular symbol through a single pole of time constant tau,
 * sampled at the end of each symbol period T, gives the pulse response h[k] = (1 - e) e^k,
 * e = exp(-T / tau); the taps are truncated at CPO_ISI_TAPS with the remainder lumped into the
 * last tap, so the DC gain stays exactly 1. Several bandwidth limits (modulator, TIA) combine
 * as rise times do: tau = sqrt(tau_1^2 + tau_2^2). */
#ifndef CPO_RECEIVER_H
#define CPO_RECEIVER_H

#include "cpo/status.h"

#define CPO_ISI_TAPS 4

typedef struct {
  double quantum_efficiency; /* eta of the photodiode */
  double dark_current_a;
  double bandwidth_hz;         /* 3 dB bandwidth of PD + TIA */
  double tia_noise_a_per_rthz; /* input-referred TIA noise density */
  double load_ohm;             /* front-end resistance, thermal noise source */
  double noise_temp_k;         /* its temperature */
} cpo_receiver_params_t;

/** Defaults for a Ge photodiode and a 200G-class TIA (sources in receiver.c). */
cpo_receiver_params_t cpo_receiver_params_default(void);

/**
 * Check every parameter against its physical range (the link calls this when it is created).
 * @return CPO_OK; CPO_ERR_INVALID_ARG (e.g. quantum efficiency outside (0, 1], which would put
 *         the responsivity above q lambda / (h c): a logged line names the parameter, its
 *         value and the range)
 */
CPO_MUST_USE cpo_status_t cpo_receiver_check(const cpo_receiver_params_t *p);

double cpo_receiver_responsivity_a_per_w(const cpo_receiver_params_t *p, double lambda_m);
/** The physical limit eta = 1: q lambda / (h c). */
double cpo_receiver_responsivity_limit_a_per_w(double lambda_m);
double cpo_receiver_noise_bandwidth_hz(const cpo_receiver_params_t *p);
double cpo_receiver_shot_variance_a2(const cpo_receiver_params_t *p, double current_a,
                                     double bandwidth_hz);
double cpo_receiver_thermal_variance_a2(const cpo_receiver_params_t *p, double bandwidth_hz);
double cpo_receiver_tia_variance_a2(const cpo_receiver_params_t *p, double bandwidth_hz);
/** Shot + thermal + TIA at photocurrent @p current_a over the receiver's noise bandwidth. */
double cpo_receiver_noise_variance_a2(const cpo_receiver_params_t *p, double current_a);
/** Time constant of a single pole with 3 dB bandwidth @p bandwidth_hz. */
double cpo_pole_tau_s(double bandwidth_hz);
/** ISI taps for time constant @p tau_s and symbol period @p symbol_s (see above). */
void cpo_isi_taps(double tau_s, double symbol_s, double taps[CPO_ISI_TAPS]);

#endif
