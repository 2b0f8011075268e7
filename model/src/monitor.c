/* Monitor photodiodes and ADC quantisation; see cpo/monitor.h. */
#include "cpo/monitor.h"

#include <math.h>

uint32_t cpo_adc_quantise(const cpo_adc_params_t *p, double value, double noise_sample) {
  const double max_code = p->bits >= 32 ? 4294967295.0 : (double)((UINT64_C(1) << p->bits) - 1);
  const double x = floor((value + p->offset) / p->lsb + p->noise_lsb * noise_sample + 0.5);
  if (!(x > 0.0))
    return 0;
  return x >= max_code ? (uint32_t)max_code : (uint32_t)x;
}

double cpo_monitor_pd_current_a(double responsivity_a_per_w, double tap_ratio, double power_w,
                                double dark_current_a) {
  return responsivity_a_per_w * tap_ratio * power_w + dark_current_a;
}
