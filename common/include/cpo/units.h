/* Physical constants (exact SI values since the 2019 redefinition, CODATA 2018) and the one
 * set of unit conversions (dB, dBm, degC): models work in SI, dB and degC appear only at the
 * edges (host code, reports), and every edge converts through these. */
#ifndef CPO_UNITS_H
#define CPO_UNITS_H

#include <math.h>

#define CPO_Q_E_C 1.602176634e-19    /* elementary charge, exact (SI 2019) */
#define CPO_H_J_S 6.62607015e-34     /* Planck constant, exact (SI 2019) */
#define CPO_C_M_PER_S 299792458.0    /* speed of light, exact */
#define CPO_K_B_J_PER_K 1.380649e-23 /* Boltzmann constant, exact (SI 2019) */
#define CPO_PI 3.14159265358979323846
#define CPO_T_ZERO_C_K 273.15 /* 0 degC in kelvin */

/** 10^(db/10): a power ratio from decibels. */
static inline double cpo_db_to_ratio(double db) {
  return pow(10.0, db / 10.0);
}
/** 10 log10(ratio). */
static inline double cpo_ratio_to_db(double ratio) {
  return 10.0 * log10(ratio);
}
/** Optical power from dBm. */
static inline double cpo_dbm_to_w(double dbm) {
  return 1e-3 * pow(10.0, dbm / 10.0);
}
/** dBm from optical power (-inf for 0 W). */
static inline double cpo_w_to_dbm(double w) {
  return 10.0 * log10(w / 1e-3);
}
/** Kelvin from degrees Celsius. */
static inline double cpo_c_to_k(double c) {
  return c + CPO_T_ZERO_C_K;
}
/** Degrees Celsius from kelvin. */
static inline double cpo_k_to_c(double k) {
  return k - CPO_T_ZERO_C_K;
}
/** Standard normal upper tail Q(x) = 0.5 erfc(x / sqrt 2). */
static inline double cpo_qfunc(double x) {
  return 0.5 * erfc(x / sqrt(2.0));
}

#endif /* CPO_UNITS_H */
