/* Optical receiver physics; see cpo/receiver.h. */
#include "cpo/receiver.h"

#include <math.h>
#include <stddef.h>

#include "check.h"

#include "cpo/units.h"

cpo_receiver_params_t cpo_receiver_params_default(void) {
  return (cpo_receiver_params_t){
      .quantum_efficiency = 0.8,      /* Ge PD ~ 0.8-0.95 A/W at 1310 nm (MODELS.md): eta 0.8
                                         gives 0.845 A/W */
      .dark_current_a = 10e-9,        /* Ge PD dark current ~ nA (MODELS.md) */
      .bandwidth_hz = 50e9,           /* 200G PAM4 (106.25 GBd) receivers: ~0.5 baud */
      .tia_noise_a_per_rthz = 15e-12, /* TIA input-referred 15-20 pA/sqrt(Hz) (MODELS.md) */
      .load_ohm = 500.0,              /* TIA transimpedance feedback resistor */
      .noise_temp_k = 300.0,
  };
}

/* Physical ranges of the parameters: the rows of profile_keys.def. */
static const cpo_range_t s_ranges[] = {
#define CPO_PROFILE_RECEIVER(key, type, lo, hi, ends, unit, help)                                  \
  CPO_RANGE_ROW_##type(cpo_receiver_params_t, key, lo, hi, ends, unit)
#include "profile_keys.def"
};

cpo_status_t cpo_receiver_check(const cpo_receiver_params_t *p) {
  if (!p)
    return CPO_ERR_INVALID_ARG;
  return cpo_check_table("cpo_receiver", p, s_ranges, sizeof s_ranges / sizeof s_ranges[0])
             ? CPO_OK
             : CPO_ERR_INVALID_ARG;
}

double cpo_receiver_responsivity_limit_a_per_w(double lambda_m) {
  return CPO_Q_E_C * lambda_m / (CPO_H_J_S * CPO_C_M_PER_S);
}

double cpo_receiver_responsivity_a_per_w(const cpo_receiver_params_t *p, double lambda_m) {
  return p->quantum_efficiency * cpo_receiver_responsivity_limit_a_per_w(lambda_m);
}

double cpo_receiver_noise_bandwidth_hz(const cpo_receiver_params_t *p) {
  return 0.5 * CPO_PI * p->bandwidth_hz;
}

double cpo_receiver_shot_variance_a2(const cpo_receiver_params_t *p, double current_a,
                                     double bandwidth_hz) {
  return 2.0 * CPO_Q_E_C * (current_a + p->dark_current_a) * bandwidth_hz;
}

double cpo_receiver_thermal_variance_a2(const cpo_receiver_params_t *p, double bandwidth_hz) {
  return 4.0 * CPO_K_B_J_PER_K * p->noise_temp_k * bandwidth_hz / p->load_ohm;
}

double cpo_receiver_tia_variance_a2(const cpo_receiver_params_t *p, double bandwidth_hz) {
  return p->tia_noise_a_per_rthz * p->tia_noise_a_per_rthz * bandwidth_hz;
}

double cpo_receiver_noise_variance_a2(const cpo_receiver_params_t *p, double current_a) {
  const double b = cpo_receiver_noise_bandwidth_hz(p);
  return cpo_receiver_shot_variance_a2(p, current_a, b) + cpo_receiver_thermal_variance_a2(p, b) +
         cpo_receiver_tia_variance_a2(p, b);
}

double cpo_pole_tau_s(double bandwidth_hz) {
  return 1.0 / (2.0 * CPO_PI * bandwidth_hz);
}

void cpo_isi_taps(double tau_s, double symbol_s, double taps[CPO_ISI_TAPS]) {
  const double e = tau_s > 0.0 ? exp(-symbol_s / tau_s) : 0.0;
  double rest = 1.0;
  for (int k = 0; k < CPO_ISI_TAPS - 1; k++) {
    taps[k] = (1.0 - e) * pow(e, k);
    rest -= taps[k];
  }
  taps[CPO_ISI_TAPS - 1] = rest; /* the truncated tail, so that the taps sum to 1 */
}
