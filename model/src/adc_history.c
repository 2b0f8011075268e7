/* The monitor ADCs' recent conversions; see adc_history.h. */
#include "adc_history.h"

static uint32_t s_slot(const cpo_adc_history_t *h, uint64_t cycle) {
  return (uint32_t)((cycle / h->period_cycles) % CPO_ADC_HISTORY);
}

void cpo_adc_history_convert(cpo_adc_history_t *h, uint64_t cycle, cpo_engine_t *const *engines,
                             uint32_t n_engines, cpo_rng_t *rng) {
  const uint32_t slot = s_slot(h, cycle);
  h->cycle[slot] = cycle;
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    const cpo_analog_channel_info_t *ci = cpo_adc_info(ch);
    uint32_t index = 0;
    for (uint32_t e = 0; e < n_engines; e++) {
      const uint32_t n =
          ci->per_laser ? cpo_engine_lasers(engines[e]) : cpo_engine_lanes(engines[e]);
      for (uint32_t k = 0; k < n; k++, index++) {
        const double noise = cpo_rng_normal(rng);
        h->code[slot][ch][index] = cpo_engine_adc_convert(engines[e], ch, k, noise);
      }
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
