/* The closed form the model tests check laser temperatures against. */
#ifndef CPO_TEST_LASER_FIXED_POINT_H
#define CPO_TEST_LASER_FIXED_POINT_H

#include <math.h>

#include "cpo/laser.h"

/* Junction temperature of a laser settled at @p current_a in @p amb_k: the fixed point
 * T = T_amb + R_th (I (V0 + I R_s) - P(T)), P(T) = eta0 e^{-(T-Tr)/T1} (I - Ith0 e^{(T-Tr)/T0}),
 * by bisection. */
static inline double test_laser_fixed_point_k(const cpo_laser_params_t *p, double current_a,
                                              double amb_k) {
  const double el_w = current_a * (p->forward_v + current_a * p->series_ohm);
  double lo = amb_k, hi = amb_k + 300.0;
  for (int k = 0; k < 200; k++) {
    const double t = 0.5 * (lo + hi);
    const double ith = p->threshold_a * exp((t - p->ref_temp_k) / p->t0_k);
    const double eta = p->slope_w_per_a * exp(-(t - p->ref_temp_k) / p->t1_k);
    const double po = current_a > ith ? eta * (current_a - ith) : 0.0;
    if (amb_k + p->thermal_res_k_per_w * (el_w - po) - t > 0)
      lo = t;
    else
      hi = t;
  }
  return lo;
}

#endif
