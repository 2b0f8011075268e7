/* The monitor ADCs' recent conversions: every adc_cycles the converters of every engine turn
 * their monitors into codes, kept for the last CPO_ADC_HISTORY conversions. The noise of a
 * code is counter-based: the normal cpo_rng_normal_at(key(seed, channel, index), n) of
 * conversion n (cycle n x adc_cycles), with index in the link's numbering, so a code is a pure
 * function of the monitor's input at its conversion and of (seed, channel, index, n): no
 * conversion's noise depends on which others were made. Private to the model library. */
#ifndef CPO_MODEL_ADC_HISTORY_H
#define CPO_MODEL_ADC_HISTORY_H

#include <stdint.h>

#include "cpo/analog_channels.h"
#include "cpo/rng.h"
#include "cpo/status.h"
#include "engine.h"

#define CPO_ADC_HISTORY 64
#define CPO_ADC_HISTORY_MAX_INDEX 128 /* lanes or lasers of all engines */

/* Zero-initialised, then cpo_adc_history_init. */
typedef struct {
  uint64_t period_cycles;                                       /* conversion period */
  uint64_t noise_key[CPO_ADC_COUNT][CPO_ADC_HISTORY_MAX_INDEX]; /* counter-based noise streams */
  uint64_t cycle[CPO_ADC_HISTORY]; /* conversion cycle each slot holds */
  uint16_t code[CPO_ADC_HISTORY][CPO_ADC_COUNT][CPO_ADC_HISTORY_MAX_INDEX];
} cpo_adc_history_t;

/** Set the period and derive every converter's noise key from the run's @p seed. */
void cpo_adc_history_init(cpo_adc_history_t *h, uint64_t period_cycles, uint64_t seed);

/** Convert every channel of @p n_engines engines at cycle @p cycle (a multiple of the period). */
void cpo_adc_history_convert(cpo_adc_history_t *h, uint64_t cycle, cpo_engine_t *const *engines,
                             uint32_t n_engines);

/** The codes of the conversion valid at @p cycle ([channel][index]), or NULL (not kept). */
const uint16_t (*cpo_adc_history_row(const cpo_adc_history_t *h,
                                     uint64_t cycle))[CPO_ADC_HISTORY_MAX_INDEX];

/** The code of channel @p ch, index @p index valid at @p cycle (the conversion at the last
 *  multiple of the period at or before it).
 *  @return CPO_OK or CPO_ERR_RANGE (not kept); @p code unchanged on error */
CPO_MUST_USE cpo_status_t cpo_adc_history_get(const cpo_adc_history_t *h, uint64_t cycle,
                                              uint32_t ch, uint32_t index, uint32_t *code);

#endif /* CPO_MODEL_ADC_HISTORY_H */
