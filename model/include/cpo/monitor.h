/* Monitors feeding the training firmware: tap and drop-port photodiodes, temperature sensors,
 * and the ADC that quantises them (with its own noise and offset). */
#ifndef CPO_MONITOR_H
#define CPO_MONITOR_H

#include <stdint.h>

typedef struct {
  uint32_t bits;    /* resolution: codes 0 .. 2^bits - 1 */
  double lsb;       /* SI units per code */
  double offset;    /* SI offset error added before quantisation */
  double noise_lsb; /* rms input noise, in codes */
} cpo_adc_params_t;

/** Code for @p value with unit-normal @p noise_sample: round(value/lsb + offset/lsb +
 *  noise_lsb n), clamped to the code range (NaN reads as 0). */
uint32_t cpo_adc_quantise(const cpo_adc_params_t *p, double value, double noise_sample);

/** cpo_adc_quantise inline, for converters that quantise many values in a loop (the same
 *  arithmetic, so the same codes). */
static inline uint32_t cpo_adc_quantise_inline(const cpo_adc_params_t *p, double value,
                                               double noise_sample) {
  const double max_code = p->bits >= 32 ? 4294967295.0 : (double)((UINT64_C(1) << p->bits) - 1);
  const double x = (value + p->offset) / p->lsb + p->noise_lsb * noise_sample + 0.5;
  /* floor(x), clamped: floor(x) > 0 exactly when x >= 1, floor(x) >= max_code (an integer)
   * exactly when x >= max_code, and between them floor is truncation (NaN reads as 0) */
  if (!(x >= 1.0))
    return 0;
  return x >= max_code ? (uint32_t)max_code : (uint32_t)x;
}

/** Photocurrent of a tap photodiode: responsivity times the tapped power plus dark current. */
double cpo_monitor_pd_current_a(double responsivity_a_per_w, double tap_ratio, double power_w,
                                double dark_current_a);

#endif
