/* The monitor ADCs' recent conversions; see adc_history.h. */
#include "adc_history.h"

static uint32_t s_slot(const cpo_adc_history_t *h, uint64_t cycle) {
  return (uint32_t)((cycle / h->period_cycles) % CPO_ADC_HISTORY);
}

/* Apart from every stream the link draws from (cpo_rng_create's streams are keyed alike, by
 * (seed, stream id), with ids below 2^32). */
#define ADC_NOISE_SALT UINT64_C(0xADC0000000000000)

void cpo_adc_history_init(cpo_adc_history_t *h, uint64_t period_cycles, uint64_t seed) {
  h->period_cycles = period_cycles;
  for (uint32_t k = 0; k < CPO_ADC_HISTORY; k++)
    h->cycle[k] = UINT64_MAX; /* no conversion yet: not even conversion 0 (a skipped start) */
  const uint64_t base = cpo_rng_mix64(cpo_rng_mix64(seed) ^ ADC_NOISE_SALT);
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
    for (uint32_t i = 0; i < CPO_ADC_HISTORY_MAX_INDEX; i++)
      h->noise_key[ch][i] = cpo_rng_mix64(base ^ ((uint64_t)ch << 32 | i));
}

void cpo_adc_history_convert(cpo_adc_history_t *h, uint64_t cycle, cpo_engine_t *const *engines,
                             uint32_t n_engines) {
  const uint32_t slot = s_slot(h, cycle);
  const uint64_t conversion = cycle / h->period_cycles;
  h->cycle[slot] = cycle;
  uint32_t per_lane = 0, per_laser = 0;
  for (uint32_t e = 0; e < n_engines; e++) {
    per_lane += cpo_engine_lanes(engines[e]);
    per_laser += cpo_engine_lasers(engines[e]);
  }
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    const uint32_t n = cpo_adc_info(ch)->per_laser ? per_laser : per_lane;
    double noise[CPO_ADC_HISTORY_MAX_INDEX];
    cpo_rng_fill_normal_at(h->noise_key[ch], conversion, noise, n);
    uint32_t index = 0;
    for (uint32_t e = 0; e < n_engines; e++)
      index += cpo_engine_adc_convert_all(engines[e], ch, noise + index, &h->code[slot][ch][index]);
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
