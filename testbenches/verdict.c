#include "verdict.h"

#include <string.h>

/* Append "; "-separated @p text to the summary's failure reasons. */
static void s_add_failure(cpo_run_summary_t *s, const char *text) {
  size_t n = strlen(s->expectation_failure);
  snprintf(s->expectation_failure + n, sizeof s->expectation_failure - n, "%s%s", n ? "; " : "",
           text);
  s->expectations_met = false;
}

void cpo_verdict_expect(const cpo_run_opts_t *o, cpo_run_summary_t *s) {
  s->expectations_met = true;
  s->expectation_failure[0] = '\0';
  uint64_t bits = 0, errors = 0;
  uint32_t locked = 0;
  char unlocked[160] = "";
  for (uint32_t l = 0; l < s->lanes; l++) {
    bits += s->bits[l];
    errors += s->errors[l];
    locked += s->locked[l];
    size_t n = strlen(unlocked);
    if (!s->locked[l] && n + 8 < sizeof unlocked)
      snprintf(unlocked + n, sizeof unlocked - n, "%s%u", n ? ", " : "", l);
  }
  uint32_t want =
      o->expect_min_locked == CPO_EXPECT_ALL_LANES ? s->lanes : (uint32_t)o->expect_min_locked;
  char text[300];
  if (locked < want) {
    snprintf(text, sizeof text, "%u of %u lanes locked (never: lane%s %s), expected %s%u", locked,
             s->lanes, s->lanes - locked > 1 ? "s" : "", unlocked,
             o->expect_min_locked == CPO_EXPECT_ALL_LANES ? "all " : "at least ", want);
    s_add_failure(s, text);
  }
  if (bits < o->expect_min_bits) {
    snprintf(text, sizeof text, "%llu PRBS bits checked, expected at least %llu",
             (unsigned long long)bits, (unsigned long long)o->expect_min_bits);
    s_add_failure(s, text);
  }
  double ber = bits ? (double)errors / (double)bits : 0.0;
  if (bits && ber > o->expect_max_ber) {
    snprintf(text, sizeof text, "BER %.3g above the expected %.3g", ber, o->expect_max_ber);
    s_add_failure(s, text);
  }
}

const char *cpo_verdict_word(const cpo_run_summary_t *s) {
  return s->interrupted        ? "interrupted"
         : s->status != 0      ? "error"
         : s->expectations_met ? "pass"
                               : "fail";
}

int cpo_verdict_code(int rtl_code, bool failed_first, bool stopped) {
  int rc = rtl_code >= 0 && rtl_code <= 3 ? rtl_code : 3;
  if (failed_first || stopped)
    rc = rc == 2 ? 2 : 3;
  return rc;
}

void cpo_verdict_print(FILE *f, const cpo_run_summary_t *s, const cpo_config_t *c) {
  uint64_t bits = 0, errors = 0;
  fprintf(f,
          "cpoemu: %llu cycles (%.6f ms simulated) in %.2f s wall: %.2f Mcycles/s, %.3g simulated "
          "s per wall s\n",
          (unsigned long long)s->cycles, s->sim_time_s * 1e3, s->wall_s,
          s->wall_s > 0 ? (double)s->cycles / s->wall_s * 1e-6 : 0.0,
          s->wall_s > 0 ? s->sim_time_s / s->wall_s : 0.0);
  if (s->model_wait_s > 0) /* the lookahead's health: near 0 when the model keeps ahead */
    fprintf(f, "  the design waited %.2f s (%.1f%%) for the model's RX\n", s->model_wait_s,
            100.0 * s->model_wait_s / s->wall_s);
  fprintf(f, "  lane  locked          bits    errors       BER\n");
  for (uint32_t l = 0; l < s->lanes; l++) {
    bits += s->bits[l];
    errors += s->errors[l];
    fprintf(f, "  %4u  %6s  %12llu  %8llu  %8.2e\n", l, s->locked[l] ? "yes" : "NO",
            (unsigned long long)s->bits[l], (unsigned long long)s->errors[l],
            s->bits[l] ? (double)s->errors[l] / (double)s->bits[l] : 0.0);
  }
  fprintf(f, "  all   %6s  %12llu  %8llu  %8.2e\n", "", (unsigned long long)bits,
          (unsigned long long)errors, bits ? (double)errors / (double)bits : 0.0);
  fprintf(f,
          "  event_hash 0x%016llx, %llu register accesses, %llu DAC writes, %llu ADC samples, %llu "
          "quanta,\n"
          "  seed %llu, Q %u, L %u\n",
          (unsigned long long)s->event_hash, (unsigned long long)s->reg_accesses,
          (unsigned long long)s->dac_writes, (unsigned long long)s->adc_samples,
          (unsigned long long)s->quanta, (unsigned long long)c->seed, c->quantum_cycles,
          c->latency_cycles);
  if (s->interrupted)
    fprintf(f, "  RESULT: INTERRUPTED (%s)\n", s->error);
  else if (s->status != 0)
    fprintf(f, "  RESULT: ERROR (%s)\n", s->error);
  else if (!s->expectations_met)
    fprintf(f, "  RESULT: FAIL (%s)\n", s->expectation_failure);
  else
    fprintf(f, "  RESULT: PASS\n");
  fflush(f);
}
