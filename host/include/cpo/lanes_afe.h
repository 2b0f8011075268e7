/* Where firmware finds the lane design's converters: the DAC and ADC windows of cpo_lanes_top
 * (rtl/lanes/lanes.regs.toml, generated into cpo/lanes_regs.h). Channel numbers, units and code
 * scaling: cpo/analog_channels.h (generated from rtl/lanes/analog_channels.toml).
 * `index` is the lane, or the laser number for per-laser channels. Codes are bits [15:0]. */
#ifndef CPO_LANES_AFE_H
#define CPO_LANES_AFE_H

#include <stdint.h>

#include "cpo/analog_channels.h"
#include "cpo/lanes_regs.h"

#define CPO_LANES_DAC_BASE CPO_LANES_DAC_OFFSET /* read/write */
#define CPO_LANES_ADC_BASE CPO_LANES_ADC_OFFSET /* read-only */
#define CPO_LANES_AFE_CH_STRIDE CPO_LANES_DAC_CH_STRIDE
#define CPO_LANES_AFE_INDEX_STRIDE CPO_LANES_DAC_IDX_STRIDE
#if CPO_LANES_ADC_CH_STRIDE != CPO_LANES_AFE_CH_STRIDE ||                                          \
    CPO_LANES_ADC_IDX_STRIDE != CPO_LANES_AFE_INDEX_STRIDE
#error "lanes.regs.toml: the DAC and ADC windows must share one layout"
#endif

static inline uint32_t cpo_lanes_dac_addr(cpo_dac_channel_t channel, uint32_t index) {
  return CPO_LANES_DAC_OFFSET_N((uint32_t)channel, index);
}

static inline uint32_t cpo_lanes_adc_addr(cpo_adc_channel_t channel, uint32_t index) {
  return CPO_LANES_ADC_OFFSET_N((uint32_t)channel, index);
}

/** SI value of an ADC code (all ADC channels are unsigned). */
static inline double cpo_adc_code_to_si(cpo_adc_channel_t channel, uint32_t code) {
  const cpo_analog_channel_info_t *i = cpo_adc_info(channel);
  return i ? i->lsb * (double)(code & 0xFFFFu) : 0.0;
}

#endif
