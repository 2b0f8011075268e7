/* Where firmware finds the lane design's converters: the DAC and ADC windows of cpo_lanes_top
 * (rtl/lanes/README.md). Channel numbers, units and code scaling: cpo/analog_channels.h.
 * `index` is the lane, or the laser number for per-laser channels. Codes are bits [15:0]. */
#ifndef CPO_LANES_AFE_H
#define CPO_LANES_AFE_H

#include <stdint.h>

#include "cpo/analog_channels.h"

#define CPO_LANES_DAC_BASE 0x1000u   /* read/write */
#define CPO_LANES_ADC_BASE 0x2000u   /* read-only */
#define CPO_LANES_AFE_CH_STRIDE 0x100u
#define CPO_LANES_AFE_INDEX_STRIDE 4u

static inline uint32_t cpo_lanes_dac_addr(cpo_dac_channel_t channel, uint32_t index) {
  return CPO_LANES_DAC_BASE + (uint32_t)channel * CPO_LANES_AFE_CH_STRIDE + index * CPO_LANES_AFE_INDEX_STRIDE;
}

static inline uint32_t cpo_lanes_adc_addr(cpo_adc_channel_t channel, uint32_t index) {
  return CPO_LANES_ADC_BASE + (uint32_t)channel * CPO_LANES_AFE_CH_STRIDE + index * CPO_LANES_AFE_INDEX_STRIDE;
}

/** SI value of an ADC code (all ADC channels are unsigned). */
static inline double cpo_adc_code_to_si(cpo_adc_channel_t channel, uint32_t code) {
  const cpo_analog_channel_info_t *i = cpo_adc_info(channel);
  return i ? i->lsb * (double)(code & 0xFFFFu) : 0.0;
}

#endif
