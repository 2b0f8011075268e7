/* cpo_symchan: Monte-Carlo error rates of both fidelity modes against the closed forms
 * computed here (NRZ 0.5 erfc(Q / sqrt 2); Gray PAM4 SER = 1.5 Qf(q), BER = SER / 2 up to
 * non-adjacent errors of order Qf(3q)), agreement of the modes on a channel with ISI, TX FFE
 * memory and crosstalk, the thinning bound, and split independence.
 * Counts are checked against 5-sigma binomial (or Poisson-difference) bounds; seeds are fixed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/ber.h"
#include "cpo/rng.h"
#include "cpo/symchan.h"
#include "symchan_kernel.h" /* private: to compare the instruction-set variants */
#include "test_words.h"

/* Gray code of each PAM4 level, written out (not computed the way the model does) */
static const uint8_t k_level_to_gray[4] = {0, 1, 3, 2};

static double s_qf(double x) {
  return 0.5 * erfc(x / sqrt(2.0));
}

/* Equally spaced levels 0, d, 2d, ..., no ISI, equal noise, thresholds midway. */
static cpo_symchan_eye_t s_ideal_eye(uint32_t levels, double q) {
  cpo_symchan_eye_t e;
  memset(&e, 0, sizeof e);
  e.levels = levels;
  const double d = 1e-4; /* 100 uA between levels */
  for (uint32_t p = 0; p < levels; p++)
    for (uint32_t c = 0; c < levels; c++)
      e.own_a[p * levels + c] = c * d;
  e.taps[0] = 1.0;
  for (uint32_t s = 0; s < levels; s++)
    e.sigma_a[s] = (d / 2) / q;
  for (uint32_t t = 0; t + 1 < levels; t++)
    e.threshold_a[t] = (t + 0.5) * d;
  return e;
}

static cpo_symchan_input_t s_input(const uint64_t *own, const uint64_t *left, const uint64_t *right,
                                   uint32_t bps) {
  cpo_symchan_input_t in;
  memset(&in, 0, sizeof in);
  in.own.words = own;
  in.nb[0].words = left;
  in.nb[1].words = right;
  in.stride = 1;
  in.symbols_per_word = 64 / bps;
  in.bits_per_symbol = bps;
  in.gray = bps == 2;
  return in;
}

/* Run one mode over `words` words in calls of `split` words, from history @p hist0 (NULL:
 * zeros); returns the counts. */
static cpo_symchan_errors_t s_run_from(const cpo_symchan_eye_t *eye, cpo_symchan_input_t in,
                                       size_t words, size_t split, int statistical, uint64_t seed,
                                       const double *hist0, uint64_t *rx) {
  cpo_symchan_errors_t err = {0, 0};
  cpo_symchan_state_t st;
  memset(&st, 0, sizeof st);
  if (hist0)
    memcpy(st.hist_a, hist0, sizeof st.hist_a);
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(seed, 0, &rng), CPO_OK);
  const uint32_t spw = in.symbols_per_word;
  float *noise = malloc(split * spw * sizeof *noise);
  assert_non_null(noise);
  const double p_max = cpo_symchan_error_bound(eye);
  uint64_t gap = UINT64_MAX;
  const uint64_t *own0 = in.own.words, *nb0 = in.nb[0].words, *nb1 = in.nb[1].words;
  for (size_t w = 0; w < words; w += split) {
    const size_t m = words - w < split ? words - w : split;
    in.own.words = own0 + w;
    in.nb[0].words = nb0 ? nb0 + w : NULL;
    in.nb[1].words = nb1 ? nb1 + w : NULL;
    const uint32_t n = (uint32_t)(m * spw);
    if (statistical) {
      memcpy(rx + w, own0 + w, m * sizeof *rx);
      cpo_symchan_statistical(eye, &st, &in, n, p_max, &gap, rng, NULL, rx + w, &err);
    } else {
      cpo_rng_fill_normal_f32(rng, noise, n);
      cpo_symchan_bit_true(eye, &st, &in, n, noise, rx + w, &err);
    }
    in.own.prev = cpo_symchan_level(&in, &in.own, n - 1);
    for (int k = 0; k < 2; k++)
      if (in.nb[k].words)
        in.nb[k].prev = cpo_symchan_level(&in, &in.nb[k], n - 1);
  }
  free(noise);
  cpo_rng_destroy(&rng);
  return err;
}

static cpo_symchan_errors_t s_run(const cpo_symchan_eye_t *eye, cpo_symchan_input_t in,
                                  size_t words, size_t split, int statistical, uint64_t seed,
                                  uint64_t *rx) {
  return s_run_from(eye, in, words, split, statistical, seed, NULL, rx);
}

static void s_assert_binomial(uint64_t count, double trials, double p) {
  const double mean = trials * p, sd = sqrt(trials * p * (1 - p));
  if (!(fabs((double)count - mean) < 5 * sd + 1))
    fail_msg("count %llu, expected %.1f +- 5 x %.1f", (unsigned long long)count, mean, sd);
}

static void test_symchan_nrz_ber_matches_erfc_both_modes(void **state) {
  (void)state;
  const double q_values[] = {2.0, 3.0, 4.0};
  const size_t words = 1 << 19; /* 33.5 M bits */
  uint64_t *tx = test_words(words, 1);
  uint64_t *rx = malloc(words * sizeof *rx);
  assert_non_null(rx);
  for (size_t j = 0; j < 3; j++) {
    const cpo_symchan_eye_t eye = s_ideal_eye(2, q_values[j]);
    for (int mode = 0; mode < 2; mode++) {
      const cpo_symchan_errors_t e =
          s_run(&eye, s_input(tx, NULL, NULL, 1), words, 64, mode, 10 + j, rx);
      assert_int_equal(e.bit_errors, e.symbol_errors);
      s_assert_binomial(e.bit_errors, words * 64.0, s_qf(q_values[j]));
      uint64_t counted = 0;
      for (size_t k = 0; k < words; k++)
        counted += (uint64_t)__builtin_popcountll(rx[k] ^ tx[k]);
      assert_int_equal(counted, e.bit_errors);
    }
  }
  free(tx), free(rx);
}

static void test_symchan_pam4_gray_ser_ber_match_formula_both_modes(void **state) {
  (void)state;
  const double q_values[] = {2.0, 3.0, 3.414};
  const size_t words = 1 << 19; /* 16.8 M symbols */
  uint64_t *tx = test_words(words, 2);
  uint64_t *rx = malloc(words * sizeof *rx);
  assert_non_null(rx);
  for (size_t j = 0; j < 3; j++) {
    const double q = q_values[j];
    const double ser = 1.5 * s_qf(q);
    const cpo_symchan_eye_t eye = s_ideal_eye(4, q);
    for (int mode = 0; mode < 2; mode++) {
      const cpo_symchan_errors_t e =
          s_run(&eye, s_input(tx, NULL, NULL, 2), words, 100, mode, 20 + j, rx);
      const double symbols = words * 32.0;
      s_assert_binomial(e.symbol_errors, symbols, ser);
      /* Gray: an error to an adjacent level flips one of two bits; 2-level jumps (prob ~Qf(3q))
       * are below the statistical resolution here */
      s_assert_binomial(e.bit_errors, symbols * 2, ser / 2);
    }
  }
  free(tx), free(rx);
}

/* A channel with everything: TX FFE memory, ISI, negative RX FFE tap, crosstalk from two
 * neighbours, level-dependent noise, uneven levels. Both modes must agree. */
static cpo_symchan_eye_t s_rough_eye(void) {
  cpo_symchan_eye_t e;
  memset(&e, 0, sizeof e);
  e.levels = 4;
  const double lv[4] = {0.1e-3, 0.35e-3, 0.55e-3, 0.8e-3};
  for (int p = 0; p < 4; p++)
    for (int c = 0; c < 4; c++)
      e.own_a[p * 4 + c] = lv[c] - 0.1 * (lv[p] - lv[c]); /* pre-emphasis-like memory */
  for (int k = 0; k < 2; k++) {
    e.has_neighbour[k] = 1;
    for (int p = 0; p < 4; p++)
      for (int c = 0; c < 4; c++)
        e.xt_a[k][p * 4 + c] = 0.02 * lv[c];
  }
  const double taps[5] = {0.85, 0.25, 0.06, 0.02, -0.18};
  memcpy(e.taps, taps, sizeof taps);
  const double sig[4] = {22e-6, 25e-6, 27e-6, 30e-6};
  memcpy(e.sigma_a, sig, sizeof sig);
  e.threshold_a[0] = 0.23e-3;
  e.threshold_a[1] = 0.45e-3;
  e.threshold_a[2] = 0.68e-3;
  return e;
}

/* The rough eye's worst pattern sits on a threshold (error bound 1: the statistical mode
 * decides every symbol). A milder one, with its noise scaled: at 1.3 the bound is 4.4e-3 and the
 * statistical mode draws sparse candidates (SER ~1e-3), at 2.0 it is 5.4e-2 (SER ~2e-2: every
 * symbol decided). */
static cpo_symchan_eye_t s_mild_eye(double noise_scale) {
  cpo_symchan_eye_t e = s_rough_eye();
  const double lv[4] = {0.1e-3, 0.35e-3, 0.55e-3, 0.8e-3};
  for (int p = 0; p < 4; p++)
    for (int c = 0; c < 4; c++) {
      e.own_a[p * 4 + c] = lv[c] - 0.005 * (lv[p] - lv[c]);
      e.xt_a[0][p * 4 + c] = e.xt_a[1][p * 4 + c] = 0.002 * lv[c];
    }
  const double taps[5] = {1.0, 0.01, 0.003, 0.0, -0.005};
  memcpy(e.taps, taps, sizeof taps);
  for (int s = 0; s < 4; s++)
    e.sigma_a[s] *= noise_scale;
  return e;
}

static void test_symchan_statistical_agrees_with_bit_true_on_rough_channel(void **state) {
  (void)state;
  const size_t words = 1 << 18;
  uint64_t *tx = test_words(words, 3), *l = test_words(words, 4), *r = test_words(words, 5);
  uint64_t *rx = malloc(words * sizeof *rx);
  assert_non_null(rx);
  /* every symbol decided (rough), sparse candidates (mild) */
  const cpo_symchan_eye_t eyes[2] = {s_rough_eye(), s_mild_eye(1.3)};
  for (int k = 0; k < 2; k++) {
    const cpo_symchan_eye_t *eye = &eyes[k];
    assert_int_equal(cpo_symchan_statistical_dense(cpo_symchan_error_bound(eye)), k == 0);
    const cpo_symchan_errors_t bt = s_run(eye, s_input(tx, l, r, 2), words, 37, 0, 7, rx);
    const cpo_symchan_errors_t st = s_run(eye, s_input(tx, l, r, 2), words, 37, 1, 8, rx);
    assert_true(bt.symbol_errors > 1000); /* the comparison has teeth */
    const double k1 = (double)bt.symbol_errors, k2 = (double)st.symbol_errors;
    assert_true(fabs(k1 - k2) < 5 * sqrt(k1 + k2));
    const double b1 = (double)bt.bit_errors, b2 = (double)st.bit_errors;
    assert_true(fabs(b1 - b2) < 5 * sqrt(2 * (b1 + b2))); /* bits come in up to pairs */
  }
  free(tx), free(l), free(r), free(rx);
}

/* The thinning is exact only if the bound holds for every pattern: check it exhaustively. */
static void test_symchan_error_bound_covers_every_pattern(void **state) {
  (void)state;
  const cpo_symchan_eye_t eye = s_rough_eye();
  const double bound = cpo_symchan_error_bound(&eye);
  double worst = 0.0;
  cpo_symchan_state_t st;
  memset(&st, 0, sizeof st);
  /* own symbols -1..4 (6 of them, 4096 patterns) with neighbour patterns at their extremes */
  for (uint32_t pat = 0; pat < 4096; pat++) {
    for (uint32_t xt = 0; xt < 4; xt++) {
      uint64_t own = 0, nb = 0;
      uint8_t prev = (uint8_t)(pat & 3);
      for (int k = 0; k < 5; k++)
        own |= (uint64_t)k_level_to_gray[(pat >> (2 * (k + 1))) & 3] << (2 * k);
      for (int k = 0; k < 5; k++)
        nb |= (uint64_t)k_level_to_gray[xt & 1 ? 3 : 0] << (2 * k);
      cpo_symchan_input_t in = s_input(&own, &nb, &nb, 2);
      in.own.prev = prev;
      in.nb[0].prev = in.nb[1].prev = (uint8_t)(xt & 2 ? 3 : 0);
      cpo_symchan_advance(&eye, &st, &in, 0); /* history = prev-only steady state */
      for (int k = 0; k < 4; k++)
        st.hist_a[k] = eye.own_a[prev * 4 + prev];
      const double y = cpo_symchan_value(&eye, &st, &in, 4);
      const double p = cpo_symchan_error_prob(&eye, y, cpo_symchan_level(&in, &in.own, 4));
      worst = p > worst ? p : worst;
    }
  }
  assert_true(worst > 0.0);
  assert_true(bound >= worst);
  assert_true(bound < 50 * worst); /* and is not uselessly loose */
}

/* The bound written plainly: each level's y interval from the tables' ranges, both tails
 * summed for every level, the largest kept (what cpo_symchan_error_bound must equal bit for
 * bit, whatever erfc calls it skips). */
static double s_plain_bound(const cpo_symchan_eye_t *e) {
  const uint32_t n = e->levels;
  double bound = 0.0;
  for (uint32_t s = 0; s < n; s++) {
    double y_lo = 0.0, y_hi = 0.0;
    for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
      double lo = INFINITY, hi = -INFINITY;
      for (uint32_t p = 0; p < n; p++)
        for (uint32_t c = 0; c < n; c++)
          if (k > 0 || c == s) {
            lo = fmin(lo, e->own_a[p * n + c]);
            hi = fmax(hi, e->own_a[p * n + c]);
          }
      for (int nb = 0; nb < 2; nb++) {
        if (!e->has_neighbour[nb])
          continue;
        double xlo = INFINITY, xhi = -INFINITY;
        for (uint32_t j = 0; j < n * n; j++) {
          xlo = fmin(xlo, e->xt_a[nb][j]);
          xhi = fmax(xhi, e->xt_a[nb][j]);
        }
        lo += xlo;
        hi += xhi;
      }
      y_lo += e->taps[k] >= 0 ? e->taps[k] * lo : e->taps[k] * hi;
      y_hi += e->taps[k] >= 0 ? e->taps[k] * hi : e->taps[k] * lo;
    }
    double p = 0.0;
    if (s > 0)
      p += 0.5 * erfc((y_lo - e->threshold_a[s - 1]) / (e->sigma_a[s] * sqrt(2.0)));
    if (s + 1 < n)
      p += 0.5 * erfc((e->threshold_a[s] - y_hi) / (e->sigma_a[s] * sqrt(2.0)));
    bound = p > bound ? p : bound;
  }
  return bound < 1.0 ? bound : 1.0;
}

/* Random eyes (NRZ and PAM4, with and without neighbours, negative taps, levels' noise equal or
 * not, error rates from ~1 down past 1e-30), and eyes whose levels tie exactly or within a hair:
 * the bound equals the plain sum over every level, bit for bit. */
static void test_symchan_error_bound_equals_every_level_summed(void **state) {
  (void)state;
  uint64_t seed = 21;
  const double lv[4] = {0.1e-3, 0.35e-3, 0.55e-3, 0.8e-3};
  int covered_sparse = 0;
  for (int trial = 0; trial < 20000; trial++) {
    const double u = (double)(test_splitmix(&seed) >> 11) * 0x1.0p-53;
    cpo_symchan_eye_t e = s_rough_eye();
    e.levels = trial % 5 == 0 ? 2 : 4;
    const int mode = trial % 4; /* 0: noise scaled; 1: equal noise; 2: exact tie; 3: a hair */
    for (uint32_t p = 0; p < e.levels; p++)
      for (uint32_t c = 0; c < e.levels; c++) {
        const double r = (double)(test_splitmix(&seed) >> 11) * 0x1.0p-53 - 0.5;
        e.own_a[p * e.levels + c] = lv[e.levels == 2 ? 3 * c : c] * (1.0 + 0.02 * r);
      }
    for (int k = 0; k < 2; k++)
      e.has_neighbour[k] = (test_splitmix(&seed) & 1) != 0;
    e.taps[0] = 0.9 + 0.1 * u;
    e.taps[4] = -0.05 * u;
    for (uint32_t s = 0; s < e.levels; s++) {
      const double scale = 0.2 + 1.5 * u; /* from ~no errors to a bound of ~1 */
      e.sigma_a[s] = mode == 0 ? 20e-6 * scale * (1.0 + 0.1 * s) : 20e-6 * scale;
    }
    if (e.levels == 2)
      e.threshold_a[0] = 0.5 * (lv[0] + lv[3]);
    if (mode >= 2) { /* a symmetric eye: the levels' tails mirror each other */
      for (uint32_t p = 0; p < e.levels; p++)
        for (uint32_t c = 0; c < e.levels; c++)
          e.own_a[p * e.levels + c] = 1e-4 * c;
      for (uint32_t t = 0; t + 1 < e.levels; t++)
        e.threshold_a[t] = 1e-4 * (t + 0.5) * (mode == 3 && t == 1 ? 1.0 + 1e-15 : 1.0);
      memset(e.xt_a, 0, sizeof e.xt_a);
      memset(e.taps, 0, sizeof e.taps);
      e.taps[0] = 1.0;
    }
    const double b = cpo_symchan_error_bound(&e), ref = s_plain_bound(&e);
    assert_memory_equal(&b, &ref, sizeof b);
    covered_sparse |= mode == 0 && b > 0.0 && b < 1e-6;
  }
  assert_true(covered_sparse); /* the comparison covered the sparse eyes */
}

/* The sparse pass written plainly, from the public primitives: candidates at rate p_max, each
 * kept when its thinning draw is below its exact error probability, its wrong level drawn from
 * the slicer's law; one call from a zero history. */
static void s_plain_sparse(const cpo_symchan_eye_t *e, const cpo_symchan_input_t *in, uint32_t n,
                           uint64_t seed, uint64_t *rx) {
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(seed, 0, &rng), CPO_OK);
  cpo_symchan_state_t st;
  memset(&st, 0, sizeof st);
  const double p_max = cpo_symchan_error_bound(e), log_q = log1p(-p_max);
  const uint32_t bps = in->bits_per_symbol, spw = in->symbols_per_word;
  for (double pos = floor(log(cpo_rng_uniform_open(rng)) / log_q); pos < n;
       pos += 1 + floor(log(cpo_rng_uniform_open(rng)) / log_q)) {
    const uint32_t i = (uint32_t)pos, sent = cpo_symchan_level(in, &in->own, i);
    const double y = cpo_symchan_value(e, &st, in, i);
    if (!(cpo_rng_uniform(rng) * p_max < cpo_symchan_error_prob(e, y, sent)))
      continue;
    double prob[CPO_SYMCHAN_MAX_LEVELS], total = 0.0;
    cpo_slicer_probs(y, e->sigma_a[sent], e->threshold_a, e->levels, prob);
    prob[sent] = 0.0;
    for (uint32_t d = 0; d < e->levels; d++)
      total += prob[d];
    double u = cpo_rng_uniform(rng) * total;
    uint32_t d = sent == 0 ? 1 : 0;
    for (uint32_t k = 0; k < e->levels; k++) {
      if (prob[k] <= 0.0)
        continue;
      d = k;
      if (u < prob[k])
        break;
      u -= prob[k];
    }
    const uint64_t field = bps == 2 ? k_level_to_gray[d] : d;
    const uint32_t shift = (i % spw) * bps;
    rx[i / spw] = (rx[i / spw] & ~(((UINT64_C(1) << bps) - 1) << shift)) | field << shift;
  }
  cpo_rng_destroy(&rng);
}

/* The statistical mode's sparse pass decides exactly the symbols, and levels, that the plain
 * thinning does (its shortcuts change no draw and no decision), on a PAM4 eye with ISI and
 * crosstalk and on NRZ near the switch to dense. */
static void test_symchan_sparse_pass_decides_as_plain_thinning(void **state) {
  (void)state;
  const size_t words = 1 << 16;
  uint64_t *tx = test_words(words, 31), *l = test_words(words, 32), *r = test_words(words, 33);
  uint64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
  assert_non_null(a);
  assert_non_null(b);
  const cpo_symchan_eye_t eyes[3] = {s_mild_eye(1.3), s_mild_eye(1.15), s_ideal_eye(2, 2.5)};
  for (int k = 0; k < 3; k++) {
    const cpo_symchan_eye_t *e = &eyes[k];
    const uint32_t bps = e->levels == 4 ? 2 : 1;
    const cpo_symchan_input_t in = bps == 2 ? s_input(tx, l, r, 2) : s_input(tx, NULL, NULL, 1);
    const uint32_t n = (uint32_t)(words * in.symbols_per_word);
    assert_false(cpo_symchan_statistical_dense(cpo_symchan_error_bound(e)));
    const cpo_symchan_errors_t err = s_run(e, in, words, words, 1, 40 + k, a);
    memcpy(b, tx, words * sizeof *b);
    s_plain_sparse(e, &in, n, 40 + k, b);
    assert_true(err.symbol_errors > 100); /* the comparison has teeth */
    assert_memory_equal(a, b, words * sizeof *a);
  }
  free(tx), free(l), free(r), free(a), free(b);
}

static void test_symchan_output_independent_of_call_split(void **state) {
  (void)state;
  const size_t words = 20000;
  uint64_t *tx = test_words(words, 6), *l = test_words(words, 7), *r = test_words(words, 8);
  uint64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
  assert_true(a && b);
  /* bit-true, statistical sparse, statistical dense */
  const int modes[3] = {0, 1, 1};
  const double scales[3] = {1.0, 1.3, 2.0};
  for (int k = 0; k < 3; k++) {
    const cpo_symchan_eye_t eye = k == 0 ? s_rough_eye() : s_mild_eye(scales[k]);
    if (modes[k])
      assert_int_equal(cpo_symchan_statistical_dense(cpo_symchan_error_bound(&eye)), k == 2);
    const cpo_symchan_errors_t ea = s_run(&eye, s_input(tx, l, r, 2), words, words, modes[k], 9, a);
    const cpo_symchan_errors_t eb = s_run(&eye, s_input(tx, l, r, 2), words, 3, modes[k], 9, b);
    assert_memory_equal(a, b, words * sizeof *a);
    assert_int_equal(ea.symbol_errors, eb.symbol_errors);
    assert_true(ea.symbol_errors > 0);
  }
  free(tx), free(l), free(r), free(a), free(b);
}

/* Above the switch the statistical mode decides every symbol exactly as bit-true does with the
 * same noise (its stream's normals), so its law is bit-true's; below it, it does not. */
static void test_symchan_dense_statistical_is_bit_true_with_its_noise(void **state) {
  (void)state;
  const size_t words = 4096;
  uint64_t *tx = test_words(words, 10), *l = test_words(words, 11), *r = test_words(words, 12);
  uint64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
  assert_true(a && b);
  for (int k = 0; k < 2; k++) {
    const cpo_symchan_eye_t eye = s_mild_eye(k ? 2.0 : 1.3);
    const cpo_symchan_errors_t bt = s_run(&eye, s_input(tx, l, r, 2), words, 37, 0, 13, a);
    const cpo_symchan_errors_t st = s_run(&eye, s_input(tx, l, r, 2), words, 37, 1, 13, b);
    assert_true(bt.symbol_errors > 0);
    if (k) {
      assert_memory_equal(a, b, words * sizeof *a);
      assert_int_equal(bt.symbol_errors, st.symbol_errors);
      assert_int_equal(bt.bit_errors, st.bit_errors);
    } else {
      assert_memory_not_equal(a, b, words * sizeof *a);
    }
  }
  free(tx), free(l), free(r), free(a), free(b);
}

/* A dark lane: no light, so every current is the same (crosstalk included) and so is the
 * noise. The statistical mode then decides each symbol by one draw from the slicer's law at
 * the common value, whatever was sent: each (sent, decided) count against that law, computed
 * here; and the result does not depend on the split, starting from a history a lit eye left. */
static void test_symchan_dark_eye_decides_by_the_slicer_law(void **state) {
  (void)state;
  cpo_symchan_eye_t e = s_rough_eye();
  const double xt = 1e-6, sigma = 10e-6;
  for (int k = 0; k < 16; k++) {
    e.own_a[k] = 0.0;
    e.xt_a[0][k] = e.xt_a[1][k] = xt;
  }
  double y = 0.0;
  for (int k = 0; k < 5; k++)
    y += e.taps[k] * 2 * xt;
  for (int s = 0; s < 4; s++)
    e.sigma_a[s] = sigma;
  e.threshold_a[0] = y - 1.0 * sigma;
  e.threshold_a[1] = y;
  e.threshold_a[2] = y + 1.5 * sigma;
  const double law[4] = {s_qf(1.0), 0.5 - s_qf(1.0), 0.5 - s_qf(1.5), s_qf(1.5)};
  assert_true(cpo_symchan_statistical_dense(cpo_symchan_error_bound(&e)));
  const size_t words = 1 << 15; /* 1 M symbols */
  uint64_t *tx = test_words(words, 14), *l = test_words(words, 15), *r = test_words(words, 16);
  uint64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
  assert_true(a && b);
  const double lit[4] = {3e-4, 1e-4, 5e-4, 2e-4}; /* the last lit symbols' currents */
  const cpo_symchan_errors_t ea = s_run_from(&e, s_input(tx, l, r, 2), words, words, 1, 17, lit, a);
  const cpo_symchan_errors_t eb = s_run_from(&e, s_input(tx, l, r, 2), words, 3, 1, 17, lit, b);
  assert_memory_equal(a, b, words * sizeof *a);
  assert_int_equal(ea.symbol_errors, eb.symbol_errors);
  assert_int_equal(ea.bit_errors, eb.bit_errors);
  uint64_t count[4][4] = {{0}}, sent_count[4] = {0}, wrong = 0;
  const cpo_symchan_input_t in = s_input(tx, NULL, NULL, 2), out = s_input(a, NULL, NULL, 2);
  for (uint32_t i = 8; i < words * 32; i++) { /* past the lit history */
    const uint8_t s = cpo_symchan_level(&in, &in.own, i), d = cpo_symchan_level(&out, &out.own, i);
    count[s][d]++;
    sent_count[s]++;
    wrong += s != d;
  }
  for (int s = 0; s < 4; s++)
    for (int d = 0; d < 4; d++)
      s_assert_binomial(count[s][d], (double)sent_count[s], law[d]);
  assert_true(ea.symbol_errors >= wrong && ea.symbol_errors <= wrong + 8);
  free(tx), free(l), free(r), free(a), free(b);
}

/* The AVX-512 kernel must give the portable kernel's bits, for NRZ and PAM4, Gray and
 * natural, with and without neighbours, over several blocks. */
static void test_symchan_kernel_variants_give_identical_bits(void **state) {
  (void)state;
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f"))
    skip();
  const size_t words = 512;
  uint64_t *tx = test_words(words, 11), *l = test_words(words, 12), *r = test_words(words, 13);
  uint64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
  float *noise = malloc(words * 64 * sizeof *noise);
  assert_true(a && b && noise);
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(3, 3, &rng), CPO_OK);
  cpo_rng_fill_normal_f32(rng, noise, words * 64);
  for (uint32_t bps = 1; bps <= 2; bps++) {
    for (int variant = 0; variant < 4; variant++) {
      cpo_symchan_eye_t eye = s_rough_eye();
      if (bps == 1) {
        eye.levels = 2;
        for (int k = 0; k < 4; k++) {
          eye.own_a[k] = eye.own_a[(k >> 1) * 4 + (k & 1) * 3];
          eye.xt_a[0][k] = eye.xt_a[1][k] = 0.01 * eye.own_a[k];
        }
        eye.threshold_a[0] = 0.45e-3;
        for (int k = 0; k < 2; k++)
          eye.sigma_a[k] = 0.15e-3; /* errors at a few percent */
      }
      eye.has_neighbour[0] = eye.has_neighbour[1] = (uint32_t)(variant & 1);
      if (variant & 2) /* a threshold register out of order: decisions count exceeded ones */
        eye.threshold_a[bps == 2 ? 2 : 0] = 0.3e-3;
      cpo_symchan_block_t blk[2];
      uint64_t *out[2] = {a, b};
      for (int k = 0; k < 2; k++) {
        memset(&blk[k], 0, sizeof blk[k]);
        blk[k].eye = &eye;
        blk[k].symbols_per_word = 64 / bps;
        blk[k].bits_per_symbol = bps;
        blk[k].gray = (uint32_t)(variant >> 1 ^ 1);
        blk[k].stride = 1;
        blk[k].prev_own = 1;
        blk[k].hist_a[0] = 0.3e-3;
        const size_t per_block = CPO_SYMCHAN_BLOCK / (64 / bps); /* words */
        for (size_t w = 0; w < words; w += per_block) {
          const size_t m = per_block < words - w ? per_block : words - w;
          blk[k].m = (uint32_t)(m * (64 / bps));
          blk[k].own_words = tx + w;
          blk[k].nb_words[0] = eye.has_neighbour[0] ? l + w : NULL;
          blk[k].nb_words[1] = eye.has_neighbour[1] ? r + w : NULL;
          blk[k].noise = noise + w * (64 / bps);
          blk[k].rx = out[k] + w;
          if (k == 0)
            cpo_symchan_kernel_generic(&blk[k]);
          else
            cpo_symchan_kernel_avx512(&blk[k]);
        }
      }
      assert_memory_equal(a, b, words * sizeof *a);
      assert_int_equal(blk[0].symbol_errors, blk[1].symbol_errors);
      assert_int_equal(blk[0].bit_errors, blk[1].bit_errors);
      assert_true(blk[0].symbol_errors > 0);
      assert_memory_equal(blk[0].hist_a, blk[1].hist_a, sizeof blk[0].hist_a);
      assert_int_equal(blk[0].prev_own, blk[1].prev_own);
    }
  }
  cpo_rng_destroy(&rng);
  free(tx), free(l), free(r), free(a), free(b), free(noise);
#else
  skip();
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_symchan_nrz_ber_matches_erfc_both_modes),
      cmocka_unit_test(test_symchan_pam4_gray_ser_ber_match_formula_both_modes),
      cmocka_unit_test(test_symchan_statistical_agrees_with_bit_true_on_rough_channel),
      cmocka_unit_test(test_symchan_error_bound_covers_every_pattern),
      cmocka_unit_test(test_symchan_error_bound_equals_every_level_summed),
      cmocka_unit_test(test_symchan_sparse_pass_decides_as_plain_thinning),
      cmocka_unit_test(test_symchan_output_independent_of_call_split),
      cmocka_unit_test(test_symchan_dense_statistical_is_bit_true_with_its_noise),
      cmocka_unit_test(test_symchan_dark_eye_decides_by_the_slicer_law),
      cmocka_unit_test(test_symchan_kernel_variants_give_identical_bits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
