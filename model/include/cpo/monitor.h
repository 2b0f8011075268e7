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

/** Photocurrent of a tap photodiode: responsivity times the tapped power plus dark current. */
double cpo_monitor_pd_current_a(double responsivity_a_per_w, double tap_ratio, double power_w,
                                double dark_current_a);

#endif
