/* cpo_loopback: error rate against 0.5 erfc(Q / sqrt 2) with Q = 0.5 / sigma (computed here),
 * chunking independence, seeding, the noiseless copy and the consecutive-call contract.
 * Error counts are checked against a 5-sigma binomial bound (a correct channel fails with
 * probability < 1e-6; seeds are fixed, so the outcome is reproducible). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/loopback.h"
#include "refusal.h"
#include "test_words.h"

static uint64_t *s_tx(uint32_t cycles, uint32_t lanes, uint32_t bits, uint64_t seed) {
  uint64_t *tx = malloc((size_t)cycles * lanes * sizeof *tx);
  assert_non_null(tx);
  const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  for (size_t k = 0; k < (size_t)cycles * lanes; k++)
    tx[k] = test_splitmix(&seed) & mask;
  return tx;
}

static cpo_loopback_t *s_make(uint32_t lanes, uint32_t bits, uint64_t seed, double sigma) {
  const cpo_loopback_cfg_t cfg = {
      .lanes = lanes, .bits_per_cycle = bits, .seed = seed, .noise_sigma = sigma};
  cpo_loopback_t *lb = NULL;
  assert_int_equal(cpo_loopback_create(&cfg, &lb), CPO_OK);
  return lb;
}

static void test_loopback_ber_matches_erfc_at_several_q(void **state) {
  (void)state;
  const double q_values[] = {1.5, 2.5, 3.5, 4.0};
  enum { LANES = 8, BITS = 64, CYCLES = 1 << 16 };
  uint64_t *tx = s_tx(CYCLES, LANES, BITS, 11);
  uint64_t *rx = malloc((size_t)CYCLES * LANES * sizeof *rx);
  assert_non_null(rx);
  for (size_t j = 0; j < sizeof q_values / sizeof q_values[0]; j++) {
    const double q = q_values[j];
    cpo_loopback_t *lb = s_make(LANES, BITS, 100 + j, 0.5 / q);
    assert_int_equal(cpo_loopback_process(lb, 0, CYCLES, tx, rx), CPO_OK);
    uint64_t counted = 0, reported = 0;
    for (size_t k = 0; k < (size_t)CYCLES * LANES; k++)
      counted += (uint64_t)__builtin_popcountll(tx[k] ^ rx[k]);
    for (uint32_t lane = 0; lane < LANES; lane++)
      reported += cpo_loopback_errors(lb, lane);
    assert_int_equal(counted, reported);
    const double n = (double)CYCLES * LANES * BITS;
    const double ber = 0.5 * erfc(q / sqrt(2.0));
    const double mean = n * ber, sd = sqrt(n * ber * (1 - ber));
    assert_true(fabs((double)counted - mean) < 5 * sd);
    cpo_loopback_destroy(&lb);
  }
  free(tx);
  free(rx);
}

/* Zeros and ones must both be hit: a channel that only flips ones would pass the total. */
static void test_loopback_errors_symmetric_between_zeros_and_ones(void **state) {
  (void)state;
  enum { LANES = 4, BITS = 32, CYCLES = 1 << 16 };
  uint64_t *zeros = calloc((size_t)CYCLES * LANES, sizeof *zeros);
  uint64_t *ones = malloc((size_t)CYCLES * LANES * sizeof *ones);
  uint64_t *rx = malloc((size_t)CYCLES * LANES * sizeof *rx);
  assert_true(zeros && ones && rx);
  for (size_t k = 0; k < (size_t)CYCLES * LANES; k++)
    ones[k] = 0xFFFFFFFFu;
  const double q = 2.0, ber = 0.5 * erfc(q / sqrt(2.0));
  const double n = (double)CYCLES * LANES * BITS;
  const uint64_t *tx[2] = {zeros, ones};
  for (int v = 0; v < 2; v++) {
    cpo_loopback_t *lb = s_make(LANES, BITS, 9, 0.5 / q);
    assert_int_equal(cpo_loopback_process(lb, 0, CYCLES, tx[v], rx), CPO_OK);
    uint64_t errors = 0;
    for (size_t k = 0; k < (size_t)CYCLES * LANES; k++)
      errors += (uint64_t)__builtin_popcountll(tx[v][k] ^ rx[k]);
    assert_true(fabs((double)errors - n * ber) < 5 * sqrt(n * ber * (1 - ber)));
    cpo_loopback_destroy(&lb);
  }
  free(zeros), free(ones), free(rx);
}

static void test_loopback_output_independent_of_call_split(void **state) {
  (void)state;
  enum { LANES = 5, BITS = 53, CYCLES = 20000 };
  uint64_t *tx = s_tx(CYCLES, LANES, BITS, 3);
  uint64_t *ref = malloc((size_t)CYCLES * LANES * sizeof *ref);
  uint64_t *got = malloc((size_t)CYCLES * LANES * sizeof *got);
  assert_true(ref && got);
  cpo_loopback_t *a = s_make(LANES, BITS, 77, 0.3);
  assert_int_equal(cpo_loopback_process(a, 0, CYCLES, tx, ref), CPO_OK);
  cpo_loopback_t *b = s_make(LANES, BITS, 77, 0.3);
  const uint32_t splits[] = {1, 0, 7, 77, 4096, 3, 1, 9000, 1234};
  uint32_t at = 0;
  for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
    assert_int_equal(
        cpo_loopback_process(b, at, splits[j], tx + (size_t)at * LANES, got + (size_t)at * LANES),
        CPO_OK);
    at += splits[j];
  }
  assert_int_equal(
      cpo_loopback_process(b, at, CYCLES - at, tx + (size_t)at * LANES, got + (size_t)at * LANES),
      CPO_OK);
  assert_memory_equal(ref, got, (size_t)CYCLES * LANES * sizeof *ref);
  for (uint32_t lane = 0; lane < LANES; lane++)
    assert_int_equal(cpo_loopback_errors(a, lane), cpo_loopback_errors(b, lane));
  cpo_loopback_destroy(&a);
  cpo_loopback_destroy(&b);
  free(tx), free(ref), free(got);
}

static void test_loopback_same_seed_same_bits_different_seed_differs(void **state) {
  (void)state;
  enum { LANES = 2, BITS = 64, CYCLES = 4096 };
  uint64_t *tx = s_tx(CYCLES, LANES, BITS, 5);
  uint64_t *rx[3];
  const uint64_t seeds[3] = {1, 1, 2};
  for (int r = 0; r < 3; r++) {
    rx[r] = malloc((size_t)CYCLES * LANES * sizeof *rx[r]);
    assert_non_null(rx[r]);
    cpo_loopback_t *lb = s_make(LANES, BITS, seeds[r], 0.25); /* Q 2: BER 2.3 % */
    assert_int_equal(cpo_loopback_process(lb, 0, CYCLES, tx, rx[r]), CPO_OK);
    cpo_loopback_destroy(&lb);
  }
  assert_memory_equal(rx[0], rx[1], (size_t)CYCLES * LANES * sizeof *tx);
  assert_memory_not_equal(rx[0], rx[2], (size_t)CYCLES * LANES * sizeof *tx);
  /* lanes carry independent streams: same TX on both lanes, different error patterns */
  for (int r = 0; r < 3; r++)
    free(rx[r]);
  free(tx);
}

static void test_loopback_lanes_have_independent_noise(void **state) {
  (void)state;
  enum { LANES = 2, BITS = 64, CYCLES = 4096 };
  uint64_t *tx = calloc((size_t)CYCLES * LANES, sizeof *tx);
  uint64_t *rx = malloc((size_t)CYCLES * LANES * sizeof *rx);
  assert_true(tx && rx);
  cpo_loopback_t *lb = s_make(LANES, BITS, 8, 0.25);
  assert_int_equal(cpo_loopback_process(lb, 0, CYCLES, tx, rx), CPO_OK);
  size_t same = 0;
  for (size_t c = 0; c < CYCLES; c++)
    same += rx[c * LANES] == rx[c * LANES + 1] && rx[c * LANES] != 0;
  assert_true(same < 10);
  cpo_loopback_destroy(&lb);
  free(tx), free(rx);
}

static void test_loopback_sigma_zero_copies_exactly(void **state) {
  (void)state;
  enum { LANES = 64, BITS = 17, CYCLES = 1000 };
  uint64_t *tx = s_tx(CYCLES, LANES, 64, 1); /* high bits set: must be dropped */
  uint64_t *rx = malloc((size_t)CYCLES * LANES * sizeof *rx);
  assert_non_null(rx);
  cpo_loopback_t *lb = s_make(LANES, BITS, 1, 0.0);
  assert_int_equal(cpo_loopback_process(lb, 0, CYCLES, tx, rx), CPO_OK);
  for (size_t k = 0; k < (size_t)CYCLES * LANES; k++)
    assert_int_equal(rx[k], tx[k] & ((1u << BITS) - 1));
  for (uint32_t lane = 0; lane < LANES; lane++)
    assert_int_equal(cpo_loopback_errors(lb, lane), 0);
  cpo_loopback_destroy(&lb);
  free(tx), free(rx);
}

static void test_loopback_rejects_non_consecutive_cycles_unchanged(void **state) {
  (void)state;
  enum { LANES = 3, BITS = 64, CYCLES = 300 };
  uint64_t *tx = s_tx(CYCLES, LANES, BITS, 2);
  uint64_t ref[CYCLES * LANES], got[CYCLES * LANES];
  cpo_loopback_t *a = s_make(LANES, BITS, 4, 0.2);
  assert_int_equal(cpo_loopback_process(a, 0, CYCLES, tx, ref), CPO_OK);
  cpo_loopback_t *b = s_make(LANES, BITS, 4, 0.2);
  assert_int_equal(cpo_loopback_process(b, 1, 10, tx, got), CPO_ERR_INVALID_ARG); /* not 0 */
  assert_int_equal(cpo_loopback_process(b, 0, 100, tx, got), CPO_OK);
  memset(got + 100 * LANES, 0xAB, 10 * LANES * sizeof *got);
  assert_int_equal(cpo_loopback_process(b, 99, 10, tx + 99 * LANES, got + 99 * LANES),
                   CPO_ERR_INVALID_ARG); /* overlaps */
  assert_int_equal(cpo_loopback_process(b, 101, 10, tx + 101 * LANES, got + 101 * LANES),
                   CPO_ERR_INVALID_ARG);                     /* gap */
  assert_int_equal(got[100 * LANES], 0xABABABABABABABABull); /* rx untouched */
  assert_int_equal(cpo_loopback_process(b, 100, 10, NULL, got), CPO_ERR_INVALID_ARG);
  assert_int_equal(cpo_loopback_process(b, 100, CYCLES - 100, tx + 100 * LANES, got + 100 * LANES),
                   CPO_OK);
  assert_memory_equal(ref, got, sizeof ref); /* the rejected calls consumed no noise */
  cpo_loopback_destroy(&a);
  cpo_loopback_destroy(&b);
  cpo_loopback_destroy(&b); /* safe twice */
  assert_null(b);
  free(tx);
}

/* Each field outside its range is refused, the message naming it, its value and the range. */
static void test_loopback_rejects_bad_config(void **state) {
  (void)state;
  cpo_loopback_t *lb = NULL;
  const struct {
    cpo_loopback_cfg_t cfg;
    const char *expect;
  } bad[] = {
      {{.lanes = 0, .bits_per_cycle = 8, .noise_sigma = 0.1},
       "lanes = 0 is outside its physical "
       "range [1, 64]"},
      {{.lanes = 65, .bits_per_cycle = 8, .noise_sigma = 0.1},
       "lanes = 65 is outside its "
       "physical range [1, 64]"},
      {{.lanes = 1, .bits_per_cycle = 0, .noise_sigma = 0.1}, "bits_per_cycle = 0 is outside"},
      {{.lanes = 1, .bits_per_cycle = 65, .noise_sigma = 0.1}, "bits_per_cycle = 65 is outside"},
      {{.lanes = 1, .bits_per_cycle = 8, .noise_sigma = -0.1}, "noise_sigma = -0.1 (eye units)"},
      {{.lanes = 1, .bits_per_cycle = 8, .noise_sigma = NAN}, "noise_sigma = nan"},
      {{.lanes = 1, .bits_per_cycle = 8, .noise_sigma = INFINITY}, "noise_sigma = inf"},
  };
  for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
    EXPECT_REFUSED(cpo_loopback_create(&bad[j].cfg, &lb), bad[j].expect);
    assert_null(lb);
  }
  assert_int_equal(cpo_loopback_create(NULL, &lb), CPO_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loopback_ber_matches_erfc_at_several_q),
      cmocka_unit_test(test_loopback_errors_symmetric_between_zeros_and_ones),
      cmocka_unit_test(test_loopback_output_independent_of_call_split),
      cmocka_unit_test(test_loopback_same_seed_same_bits_different_seed_differs),
      cmocka_unit_test(test_loopback_lanes_have_independent_noise),
      cmocka_unit_test(test_loopback_sigma_zero_copies_exactly),
      cmocka_unit_test(test_loopback_rejects_non_consecutive_cycles_unchanged),
      cmocka_unit_test(test_loopback_rejects_bad_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
