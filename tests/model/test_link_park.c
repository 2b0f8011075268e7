/* cpo_link_advance, the parked path: no symbols, the slow physics and the monitors on longer
 * steps. Independent of how cycles are split into calls (parked and streaming interleaved),
 * exact against closed forms (a heater's first-order step, a laser's settled junction), close
 * to the streaming path's physics, stable in the ring's self-heating loop, and refusing calls
 * that do not continue the cycle count. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/link.h"
#include "cpo/snapshot_ber.h"
#include "laser_fixed_point.h"
#include "refusal.h"
#include "test_words.h"

static cpo_link_t *s_link(const cpo_link_cfg_t *cfg) {
  cpo_link_t *l = NULL;
  assert_int_equal(cpo_link_create(cfg, &l), CPO_OK);
  return l;
}

/* A calibrated link with DAC and ambient changes scheduled inside parked and streaming spans. */
static cpo_link_t *s_busy_link(void) {
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 5, .start_calibrated = true};
  cpo_link_t *l = s_link(&cfg);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 3, 4000, 1234), CPO_OK);
  assert_int_equal(cpo_link_set_ambient(l, 0, 320.0, 3001), CPO_OK);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_LASER_CURRENT, 0, 35000, 4500), CPO_OK);
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 6, 9000, 7777), CPO_OK);
  return l;
}

enum { SPAN_CYCLES = 12000, LANES = 8 };

/* Spans [0, 2000) streaming, [2000, 9000) parked, [9000, 12000) streaming, each cut into calls
 * of at most @p piece cycles; the ADC codes of lane 3 and laser 0 at every cycle, the RX words
 * of the streaming spans. */
static void s_run(uint32_t piece, const uint64_t *tx, uint64_t *rx, uint32_t *adc) {
  static const uint64_t edges[] = {0, 2000, 9000, SPAN_CYCLES};
  cpo_link_t *l = s_busy_link();
  for (int span = 0; span < 3; span++) {
    for (uint64_t c = edges[span]; c < edges[span + 1];) {
      uint64_t n = edges[span + 1] - c < piece ? edges[span + 1] - c : piece;
      if (span == 1)
        assert_int_equal(cpo_link_advance(l, c, n), CPO_OK);
      else
        assert_int_equal(cpo_link_process(l, c, (uint32_t)n, tx + c * LANES, rx + c * LANES),
                         CPO_OK);
      for (uint64_t k = c; k < c + n; k++)
        for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
          assert_int_equal(cpo_link_adc(l, k, ch, cpo_adc_info(ch)->per_laser ? 0 : 3,
                                        &adc[k * CPO_ADC_COUNT + ch]),
                           CPO_OK);
      c += n;
    }
  }
  cpo_link_destroy(&l);
}

static void test_park_independent_of_call_split(void **state) {
  (void)state;
  uint64_t *tx = test_words((size_t)SPAN_CYCLES * LANES, 4);
  uint64_t *rx[3];
  uint32_t *adc[3];
  const uint32_t pieces[3] = {SPAN_CYCLES, 997, 13};
  for (int k = 0; k < 3; k++) {
    rx[k] = calloc((size_t)SPAN_CYCLES * LANES, sizeof(uint64_t));
    adc[k] = malloc((size_t)SPAN_CYCLES * CPO_ADC_COUNT * sizeof(uint32_t));
    assert_true(rx[k] && adc[k]);
    s_run(pieces[k], tx, rx[k], adc[k]);
  }
  for (int k = 1; k < 3; k++) {
    assert_memory_equal(rx[0], rx[k], (size_t)SPAN_CYCLES * LANES * sizeof(uint64_t));
    assert_memory_equal(adc[0], adc[k], (size_t)SPAN_CYCLES * CPO_ADC_COUNT * sizeof(uint32_t));
  }
  /* the parked span moved the monitors: the ambient step and the heater write in it */
  const uint32_t t = CPO_ADC_MOD_TEMP;
  assert_true(adc[0][2000 * CPO_ADC_COUNT + t] != adc[0][8999 * CPO_ADC_COUNT + t]);
  for (int k = 0; k < 3; k++)
    free(rx[k]), free(adc[k]);
  free(tx);
}

typedef struct {
  double temp_k[4096];
  double time_s[4096];
  uint64_t cycle[4096];
  double detuning_m[4096];
  int n;
} s_trace_t;

static void s_keep(void *user, const cpo_link_trace_t *t) {
  s_trace_t *tt = user;
  if (tt->n < 4096) {
    tt->temp_k[tt->n] = t->temp_k[1];
    tt->time_s[tt->n] = t->time_s;
    tt->cycle[tt->n] = t->cycle;
    tt->detuning_m[tt->n] = t->detuning_m[1];
    tt->n++;
  }
}

/* Power-on (lasers dark: no self-heating): a heater write heats the ring as
 * dT (1 - exp(-t / tau)), dT = heater shift x P / ambient shift, from the grid point it
 * applies at, exactly at every parked step, whatever the step. */
static void test_park_heater_step_is_the_closed_form(void **state) {
  (void)state;
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  const cpo_link_cfg_t cfg = {.params = &p, .symbols_per_cycle = 32, .seed = 1};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  s_trace_t *tt = calloc(1, sizeof *tt);
  assert_non_null(tt);
  cpo_link_set_trace(l, s_keep, tt);
  const uint64_t g = info.grid_cycles, write = 3 * g - 5; /* applies at the grid point 3g */
  assert_int_equal(cpo_link_set_dac(l, CPO_DAC_HEATER, 1, 5000, write), CPO_OK); /* 5 mW */
  assert_int_equal(cpo_link_advance(l, 0, 40 * info.adc_cycles), CPO_OK);
  const double dt_k = p.ring.heater_shift_m_per_w * 5e-3 / p.ring.ambient_shift_m_per_k;
  const double tau = p.ring.thermal_tau_s, t_on = 3.0 * g * info.cycle_s;
  bool saw_write_point = false;
  assert_true(tt->n >= 40);
  for (int k = 0; k < tt->n; k++) {
    saw_write_point |= tt->cycle[k] == 3 * g;
    const double t = tt->time_s[k] - t_on;
    const double expect = p.ambient_k + (t > 0 ? dt_k * (1 - exp(-t / tau)) : 0.0);
    assert_true(fabs(tt->temp_k[k] - expect) < 1e-9);
  }
  assert_true(saw_write_point); /* a write applies on the fine grid, parked or not */
  /* steps of at most 1 us (exact exponentials), every conversion among them */
  for (int k = 1; k < tt->n; k++)
    assert_true(tt->time_s[k] - tt->time_s[k - 1] <= 1e-6 + 1e-12);
  cpo_link_destroy(&l);
  free(tt);
}

/* From power-on, a laser switched on and 100 ms parked: its junction (ADC) at the settled
 * fixed point, the light at the receiver; the same turn-on streamed for 300 us and parked
 * for 300 us agree within the converter's noise. */
static void test_park_laser_turn_on(void **state) {
  (void)state;
  cpo_profile_t p;
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  const cpo_link_cfg_t cfg = {.params = &p, .symbols_per_cycle = 32, .seed = 2};
  cpo_link_t *parked = s_link(&cfg), *streamed = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(parked, &info);
  const uint32_t code = 37000;
  for (int k = 0; k < 2; k++)
    assert_int_equal(cpo_link_set_dac(k ? streamed : parked, CPO_DAC_LASER_CURRENT, 0, code, 100),
                     CPO_OK);
  const uint64_t span = 300 * info.adc_cycles; /* 300 us */
  uint64_t *tx = test_words(info.adc_cycles * LANES, 8), *rx = malloc(info.adc_cycles * LANES * 8);
  assert_non_null(rx);
  for (uint64_t c = 0; c < span; c += info.adc_cycles)
    assert_int_equal(cpo_link_process(streamed, c, (uint32_t)info.adc_cycles, tx, rx), CPO_OK);
  assert_int_equal(cpo_link_advance(parked, 0, span), CPO_OK);
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    uint32_t a, b;
    assert_int_equal(cpo_link_adc(parked, span - 1, ch, 0, &a), CPO_OK);
    assert_int_equal(cpo_link_adc(streamed, span - 1, ch, 0, &b), CPO_OK);
    assert_true(abs((int)a - (int)b) <= 4); /* 0.5 LSB rms noise each */
  }
  /* 100 ms: settled (the ELS's thermal time constant is 200 us) */
  const uint64_t ms100 = (uint64_t)llround(0.1 / info.cycle_s);
  assert_int_equal(cpo_link_advance(parked, span, ms100 - span), CPO_OK);
  uint32_t t_code, rx_code;
  assert_int_equal(cpo_link_adc(parked, ms100 - 1, CPO_ADC_LASER_TEMP, 0, &t_code), CPO_OK);
  assert_int_equal(cpo_link_adc(parked, ms100 - 1, CPO_ADC_RX_POWER, 0, &rx_code), CPO_OK);
  const double amb = p.els_ambient_k > 0 ? p.els_ambient_k : p.ambient_k;
  const double current_a = code * cpo_dac_info(CPO_DAC_LASER_CURRENT)->lsb;
  const double expect_k = test_laser_fixed_point_k(&p.laser, current_a, amb);
  assert_true(fabs(t_code * 0.01 - expect_k) < 0.035); /* 10 mK LSB, 0.5 LSB noise */
  assert_true(rx_code > 100);
  cpo_link_destroy(&parked);
  cpo_link_destroy(&streamed);
  free(tx), free(rx);
}

/* Calibrated (rings locked, lasers warm): a long parked span keeps each ring where it was, the
 * self-heating loop settled, not cycling. */
static void test_park_ring_self_heating_stays_settled(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 3, .start_calibrated = true};
  cpo_link_t *l = s_link(&cfg);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  s_trace_t *tt = calloc(1, sizeof *tt);
  assert_non_null(tt);
  assert_int_equal(cpo_link_advance(l, 0, 400 * info.adc_cycles), CPO_OK);
  cpo_link_set_trace(l, s_keep, tt);
  assert_int_equal(cpo_link_advance(l, 400 * info.adc_cycles, 100 * info.adc_cycles), CPO_OK);
  assert_true(tt->n >= 100);
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 0; k < tt->n; k++) {
    lo = fmin(lo, tt->detuning_m[k]);
    hi = fmax(hi, tt->detuning_m[k]);
  }
  print_message("detuning %g .. %g m over %d steps\n", lo, hi, tt->n);
  assert_true(hi - lo < 0.1e-12); /* far below a 50 pm limit cycle */
  cpo_link_destroy(&l);
  free(tt);
}

static void test_park_refuses_a_gap_or_overlap(void **state) {
  (void)state;
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 1};
  cpo_link_t *l = s_link(&cfg);
  EXPECT_REFUSED(cpo_link_advance(l, 5, 10), "advance: first_cycle 5");
  assert_int_equal(cpo_link_advance(l, 0, 100), CPO_OK);
  EXPECT_REFUSED(cpo_link_advance(l, 99, 10), "expected cycle 100");
  EXPECT_REFUSED(cpo_link_advance(l, 100, UINT64_MAX), "advance");
  assert_int_equal(cpo_link_advance(l, 100, 0), CPO_OK);
  cpo_link_destroy(&l);
}

/* cpo_link_adc_all: every code of a conversion at once, as cpo_link_adc gives them one by one. */
static void test_adc_all_is_adc_entry_by_entry(void **state) {
  (void)state;
  cpo_link_t *l = s_busy_link();
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  uint32_t codes[1024], n = 0;
  assert_int_equal(cpo_link_adc_all(l, 0, codes, 1024, &n), CPO_ERR_RANGE); /* none yet */
  assert_int_equal(cpo_link_advance(l, 0, 20 * info.adc_cycles), CPO_OK);
  for (uint64_t c = 0; c < 20 * info.adc_cycles; c += info.adc_cycles / 3) {
    assert_int_equal(cpo_link_adc_all(l, c, codes, 1024, &n), CPO_OK);
    uint32_t k = 0;
    for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
      for (uint32_t i = 0; i < (cpo_adc_info(ch)->per_laser ? info.lasers : info.lanes); i++) {
        uint32_t one;
        assert_int_equal(cpo_link_adc(l, c, ch, i, &one), CPO_OK);
        assert_int_equal(codes[k++], one);
      }
    assert_int_equal(n, k);
  }
  assert_int_equal(cpo_link_adc_all(l, 0, codes, n - 1, &n), CPO_ERR_INVALID_ARG);
  cpo_link_destroy(&l);
}

/* cpo_link_skip_adc: the conversions before its cycle are not made (CPO_ERR_RANGE), and the
 * later ones are code for code those of a link that made them all: each code's noise is keyed
 * on its conversion, not drawn in sequence. */
static void test_skipped_conversions_change_no_other_code(void **state) {
  (void)state;
  cpo_link_t *all = s_busy_link(), *lazy = s_busy_link();
  cpo_link_info_t info;
  cpo_link_get_info(all, &info);
  const uint64_t p = info.adc_cycles, span = 40 * p;
  assert_int_equal(cpo_link_skip_adc(lazy, 30 * p), CPO_OK);
  assert_int_equal(cpo_link_skip_adc(lazy, 10 * p), CPO_OK); /* an earlier cycle: no change */
  assert_int_equal(cpo_link_advance(all, 0, span), CPO_OK);
  assert_int_equal(cpo_link_advance(lazy, 0, span), CPO_OK);
  uint32_t a[1024], b[1024], na = 0, nb = 0;
  assert_int_equal(cpo_link_adc_all(lazy, 29 * p, b, 1024, &nb), CPO_ERR_RANGE);
  for (uint64_t c = 30 * p; c < span; c += p) {
    assert_int_equal(cpo_link_adc_all(all, c, a, 1024, &na), CPO_OK);
    assert_int_equal(cpo_link_adc_all(lazy, c, b, 1024, &nb), CPO_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
  }
  cpo_link_destroy(&all);
  cpo_link_destroy(&lazy);
}

/* Half the lanes parked mid-run (cpo_link_park_lanes) beside an identical link that streams
 * them all, from the same TX words: the streaming lanes' RX words are the same word for word,
 * the parked lanes' are zero while parked and error-free again after, and every monitor code
 * is the same (the slow physics goes on for a parked lane). */
static void test_park_half_the_lanes_mid_run(void **state) {
  (void)state;
  enum { PARK_AT = 3000, UNPARK_AT = 7000, CYCLES = 10000, CALL = 500 };
  const uint64_t parked = 0xF0; /* lanes 4..7 */
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 7, .start_calibrated = true};
  cpo_link_t *all = s_link(&cfg), *half = s_link(&cfg);
  uint64_t *tx = test_words((size_t)CYCLES * LANES, 9);
  uint64_t *rx_all = calloc((size_t)CYCLES * LANES, sizeof(uint64_t));
  uint64_t *rx_half = calloc((size_t)CYCLES * LANES, sizeof(uint64_t));
  assert_true(rx_all && rx_half);
  for (uint64_t c = 0; c < CYCLES; c += CALL) {
    if (c == PARK_AT || c == UNPARK_AT)
      assert_int_equal(cpo_link_park_lanes(half, c == PARK_AT ? parked : 0), CPO_OK);
    const size_t off = (size_t)c * LANES;
    assert_int_equal(cpo_link_process(all, c, CALL, tx + off, rx_all + off), CPO_OK);
    assert_int_equal(cpo_link_process(half, c, CALL, tx + off, rx_half + off), CPO_OK);
    for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
      for (uint32_t i = 0; i < LANES && !(cpo_adc_info(ch)->per_laser && i > 0); i++) {
        uint32_t a, b;
        assert_int_equal(cpo_link_adc(all, c + CALL - 1, ch, i, &a), CPO_OK);
        assert_int_equal(cpo_link_adc(half, c + CALL - 1, ch, i, &b), CPO_OK);
        assert_int_equal(a, b);
      }
  }
  for (uint64_t c = 0; c < CYCLES; c++)
    for (uint32_t r = 0; r < LANES; r++) {
      const size_t k = (size_t)c * LANES + r;
      if (!(parked >> r & 1u) || c < PARK_AT)
        assert_int_equal(rx_half[k], rx_all[k]);
      else if (c < UNPARK_AT)
        assert_int_equal(rx_half[k], 0);
      else
        assert_int_equal(rx_half[k], tx[k]); /* calibrated: error-free */
    }
  for (uint32_t r = 0; r < LANES; r++)
    assert_int_equal(cpo_link_symbol_errors(half, r), 0);
  EXPECT_REFUSED(cpo_link_park_lanes(half, 0x100), "park_lanes: mask 256 has a bit past");
  cpo_link_destroy(&all);
  cpo_link_destroy(&half);
  free(tx), free(rx_all), free(rx_half);
}

/* Lanes 4..7 parked through a heater change on lane 5 while the others stream: the model keeps
 * no eye for a parked lane, so lane 5's is from before the change until cpo_link_refresh_eyes
 * builds it; then every lane's expected BER is that of an identical link that streamed them all
 * (same light, same eye), and refreshing that link changes nothing. */
static void test_refresh_eyes_of_parked_lanes(void **state) {
  (void)state;
  enum { PARK_AT = 1000, HEATER_AT = 2000, CYCLES = 4000, CALL = 500 };
  const cpo_link_cfg_t cfg = {.symbols_per_cycle = 32, .seed = 7, .start_calibrated = true};
  cpo_link_t *all = s_link(&cfg), *half = s_link(&cfg);
  cpo_link_t *links[] = {all, half};
  for (int k = 0; k < 2; k++)
    assert_int_equal(cpo_link_set_dac(links[k], CPO_DAC_HEATER, 5, 9000, HEATER_AT), CPO_OK);
  uint64_t *tx = test_words((size_t)CYCLES * LANES, 3);
  uint64_t *rx = calloc((size_t)CALL * LANES, sizeof(uint64_t));
  assert_true(rx);
  for (uint64_t c = 0; c < CYCLES; c += CALL) {
    if (c == PARK_AT)
      assert_int_equal(cpo_link_park_lanes(half, 0xF0), CPO_OK);
    for (int k = 0; k < 2; k++)
      assert_int_equal(cpo_link_process(links[k], c, CALL, tx + (size_t)c * LANES, rx), CPO_OK);
  }
  const double moved = cpo_link_expected_ber(all, 5);
  assert_true(cpo_link_expected_ber(half, 5) != moved); /* stale: the eye from before */
  double before[LANES];
  for (uint32_t r = 0; r < LANES; r++)
    before[r] = cpo_link_expected_ber(all, r);
  assert_int_equal(cpo_link_refresh_eyes(half), CPO_OK);
  assert_int_equal(cpo_link_refresh_eyes(all), CPO_OK);
  for (uint32_t r = 0; r < LANES; r++) {
    assert_true(cpo_link_expected_ber(all, r) == before[r]);
    assert_true(cpo_link_expected_ber(half, r) == before[r]);
  }
  cpo_link_t *fresh = s_link(&cfg);
  assert_int_equal(cpo_link_refresh_eyes(fresh), CPO_ERR_STATE); /* nothing processed */
  cpo_link_destroy(&fresh);
  cpo_link_destroy(&all);
  cpo_link_destroy(&half);
  free(tx), free(rx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_park_independent_of_call_split),
      cmocka_unit_test(test_park_heater_step_is_the_closed_form),
      cmocka_unit_test(test_park_laser_turn_on),
      cmocka_unit_test(test_park_ring_self_heating_stays_settled),
      cmocka_unit_test(test_park_refuses_a_gap_or_overlap),
      cmocka_unit_test(test_adc_all_is_adc_entry_by_entry),
      cmocka_unit_test(test_skipped_conversions_change_no_other_code),
      cmocka_unit_test(test_park_half_the_lanes_mid_run),
      cmocka_unit_test(test_refresh_eyes_of_parked_lanes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
