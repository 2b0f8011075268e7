/* The monitor ADCs' recent conversions; see adc_history.h. */
#include "adc_history.h"

static uint32_t s_slot(const cpo_adc_history_t *h, uint64_t cycle) {
  return (uint32_t)((cycle / h->period_cycles) % CPO_ADC_HISTORY);
}

void cpo_adc_history_convert(cpo_adc_history_t *h, uint64_t cycle, cpo_engine_t *const *engines,
                             uint32_t n_engines, cpo_rng_t *rng) {
  const uint32_t slot = s_slot(h, cycle);
  h->cycle[slot] = cycle;
  /* every converter's noise sample at once: the stream's numbers in the same order as one
   * draw per converter (cpo_rng_fill_normal), channel by channel */
  uint32_t per_lane = 0, per_laser = 0;
  for (uint32_t e = 0; e < n_engines; e++) {
    per_lane += cpo_engine_lanes(engines[e]);
    per_laser += cpo_engine_lasers(engines[e]);
  }
  double noise[CPO_ADC_COUNT * CPO_ADC_HISTORY_MAX_INDEX];
  size_t n = 0;
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
    n += cpo_adc_info(ch)->per_laser ? per_laser : per_lane;
  cpo_rng_fill_normal(rng, noise, n);
  const double *next = noise;
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    uint32_t index = 0;
    for (uint32_t e = 0; e < n_engines; e++) {
      const uint32_t got =
          cpo_engine_adc_convert_all(engines[e], ch, next, &h->code[slot][ch][index]);
      index += got;
      next += got;
    }
  }
}

const uint16_t (*cpo_adc_history_row(const cpo_adc_history_t *h,
                                     uint64_t cycle))[CPO_ADC_HISTORY_MAX_INDEX] {
  const uint64_t g = cycle / h->period_cycles * h->period_cycles;
  const uint32_t slot = s_slot(h, g);
  return h->cycle[slot] == g ? h->code[slot] : NULL;
}

cpo_status_t cpo_adc_history_get(const cpo_adc_history_t *h, uint64_t cycle, uint32_t ch,
                                 uint32_t index, uint32_t *code) {
  const uint16_t(*row)[CPO_ADC_HISTORY_MAX_INDEX] = cpo_adc_history_row(h, cycle);
  if (!row)
    return CPO_ERR_RANGE;
  *code = row[ch][index];
  return CPO_OK;
}
