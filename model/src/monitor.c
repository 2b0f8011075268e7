/* Monitor photodiodes and ADC quantisation; see cpo/monitor.h. */
#include "cpo/monitor.h"

#include <math.h>

uint32_t cpo_adc_quantise(const cpo_adc_params_t *p, double value, double noise_sample) {
  return cpo_adc_quantise_inline(p, value, noise_sample);
}

double cpo_monitor_pd_current_a(double responsivity_a_per_w, double tap_ratio, double power_w,
                                double dark_current_a) {
  return responsivity_a_per_w * tap_ratio * power_w + dark_current_a;
}
