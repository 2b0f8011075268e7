/* cpo_rng: the ziggurat's normals and the counter-based ones (cpo_rng_normal_at) against the
 * closed-form normal law (moments, tail mass from erfc, equal-probability histogram), and the
 * stream contract (split-free, seeded; counter-based draws a pure function of key and counter).
 * Statistical checks use 5-sigma bounds: a correct generator fails one with probability
 * < 1e-6, and the seeds are fixed, so the outcome is reproducible. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/rng.h"
#include "zig_block.h" /* private: to compare the instruction-set variants */

#define N_SAMPLES (1u << 24)

/* The normals under test: double precision, or (k_f32) single precision widened, or
 * (k_counter) the counter-based draws of the stream keyed by (seed, stream). */
static int k_f32;
static int k_counter;

static uint64_t s_key(uint64_t seed, uint64_t stream) {
  return cpo_rng_mix64(cpo_rng_mix64(seed) ^ stream);
}

static double *s_draw(uint64_t seed, uint64_t stream, size_t n) {
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(seed, stream, &rng), CPO_OK);
  double *x = malloc(n * sizeof *x);
  assert_non_null(x);
  if (k_counter) {
    for (size_t k = 0; k < n; k++)
      x[k] = cpo_rng_normal_at(s_key(seed, stream), k);
  } else if (k_f32) {
    float *f = malloc(n * sizeof *f);
    assert_non_null(f);
    cpo_rng_fill_normal_f32(rng, f, n);
    for (size_t k = 0; k < n; k++)
      x[k] = f[k];
    free(f);
  } else {
    cpo_rng_fill_normal(rng, x, n);
  }
  cpo_rng_destroy(&rng);
  return x;
}

/* Run the statistical checks on the single-precision stream (group setup). */
static int s_use_f32(void **state) {
  (void)state;
  k_f32 = 1;
  return 0;
}

/* ... and on the counter-based draws (group setup). */
static int s_use_counter(void **state) {
  (void)state;
  k_f32 = 0;
  k_counter = 1;
  return 0;
}

/* Upper-tail probability of the standard normal, independent of the generator. */
static double s_q(double t) {
  return 0.5 * erfc(t / sqrt(2.0));
}

static void test_rng_normal_moments_match_standard_normal(void **state) {
  (void)state;
  double *x = s_draw(1, 0, N_SAMPLES);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (size_t k = 0; k < N_SAMPLES; k++) {
    const double v = x[k], v2 = v * v;
    m1 += v;
    m2 += v2;
    m3 += v2 * v;
    m4 += v2 * v2;
  }
  const double n = N_SAMPLES;
  m1 /= n, m2 /= n, m3 /= n, m4 /= n;
  /* standard errors of the sample moments of N(0,1): 1/n, 2/n, 15/n, 96/n variances */
  assert_true(fabs(m1) < 5 * sqrt(1.0 / n));
  assert_true(fabs(m2 - 1.0) < 5 * sqrt(2.0 / n));
  assert_true(fabs(m3) < 5 * sqrt(15.0 / n));
  assert_true(fabs(m4 - 3.0) < 5 * sqrt(96.0 / n));
  free(x);
}

static void test_rng_tail_mass_matches_erfc(void **state) {
  (void)state;
  double *x = s_draw(2, 5, N_SAMPLES);
  /* 3.65 is the base layer's edge: beyond it every sample comes from the tail algorithm */
  const double t[] = {0.5, 1.0, 2.0, 3.0, 3.6541528853610088, 4.0, 4.5};
  for (size_t j = 0; j < sizeof t / sizeof t[0]; j++) {
    size_t hi = 0, lo = 0;
    for (size_t k = 0; k < N_SAMPLES; k++) {
      hi += x[k] > t[j];
      lo += x[k] < -t[j];
    }
    const double p = s_q(t[j]);
    const double mean = N_SAMPLES * p, sd = sqrt(N_SAMPLES * p * (1 - p));
    assert_true(fabs((double)hi - mean) < 5 * sd + 1);
    assert_true(fabs((double)lo - mean) < 5 * sd + 1);
  }
  free(x);
}

/* The tail beyond the base edge r comes from a separate algorithm: its conditional mean must be
 * the inverse Mills ratio phi(r) / Q(r), with conditional variance 1 + r lambda - lambda^2. */
static void test_rng_tail_conditional_mean_matches_mills_ratio(void **state) {
  (void)state;
  enum { CHUNK = 1 << 16, CHUNKS = 1 << 10 };
  const double r = 3.6541528853610088;
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(4, 2, &rng), CPO_OK);
  double *x = malloc(CHUNK * sizeof *x);
  assert_non_null(x);
  double sum = 0;
  size_t n = 0;
  float *f = malloc(CHUNK * sizeof *f);
  assert_non_null(f);
  for (int c = 0; c < CHUNKS; c++) {
    if (k_counter) {
      for (size_t k = 0; k < CHUNK; k++)
        x[k] = cpo_rng_normal_at(s_key(4, 2), (uint64_t)c * CHUNK + k);
    } else if (k_f32) {
      cpo_rng_fill_normal_f32(rng, f, CHUNK);
      for (size_t k = 0; k < CHUNK; k++)
        x[k] = f[k];
    } else {
      cpo_rng_fill_normal(rng, x, CHUNK);
    }
    for (size_t k = 0; k < CHUNK; k++) {
      if (fabs(x[k]) > r) {
        sum += fabs(x[k]);
        n++;
      }
    }
  }
  const double lambda = exp(-0.5 * r * r) / sqrt(2 * M_PI) / s_q(r);
  const double var = 1 + r * lambda - lambda * lambda;
  assert_true(n > 10000);
  assert_true(fabs(sum / (double)n - lambda) < 5 * sqrt(var / (double)n));
  free(f);
  free(x);
  cpo_rng_destroy(&rng);
}

/* Chi-square over 256 equal-probability bins: sensitive to a wrong layer, wedge or tail. */
static void test_rng_histogram_passes_chi_square(void **state) {
  (void)state;
  enum { BINS = 256 };
  double *x = s_draw(3, 9, N_SAMPLES);
  static uint64_t count[BINS];
  memset(count, 0, sizeof count);
  for (size_t k = 0; k < N_SAMPLES; k++) {
    const double phi = 0.5 * erfc(-x[k] / sqrt(2.0));
    int b = (int)(phi * BINS);
    count[b < BINS ? b : BINS - 1]++;
  }
  const double expect = (double)N_SAMPLES / BINS;
  double chi2 = 0;
  for (int b = 0; b < BINS; b++)
    chi2 += ((double)count[b] - expect) * ((double)count[b] - expect) / expect;
  const double dof = BINS - 1;
  assert_true(chi2 < dof + 5 * sqrt(2 * dof));
  assert_true(chi2 > dof - 5 * sqrt(2 * dof)); /* too good a fit is a defect too */
  free(x);
}

static void test_rng_sequence_independent_of_call_split(void **state) {
  (void)state;
  enum { N = 5000 };
  double *ref = s_draw(7, 3, N);
  double got[N];
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(7, 3, &rng), CPO_OK);
  const size_t splits[] = {1, 0, 511, 2, 1030, 1, 7, 600};
  size_t at = 0;
  for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
    cpo_rng_fill_normal(rng, got + at, splits[j]);
    at += splits[j];
    (void)cpo_rng_uniform(rng); /* uniforms are a separate sub-stream */
  }
  while (at < 4000)
    got[at++] = cpo_rng_normal(rng);
  cpo_rng_fill_normal(rng, got + at, N - at);
  assert_memory_equal(ref, got, sizeof got);
  cpo_rng_destroy(&rng);
  free(ref);
}

static void test_rng_same_seed_same_stream_different_otherwise(void **state) {
  (void)state;
  enum { N = 1024 };
  double *a = s_draw(42, 0, N), *b = s_draw(42, 0, N);
  double *c = s_draw(43, 0, N), *d = s_draw(42, 1, N);
  assert_memory_equal(a, b, N * sizeof *a);
  size_t same_c = 0, same_d = 0;
  for (size_t k = 0; k < N; k++) {
    same_c += a[k] == c[k];
    same_d += a[k] == d[k];
  }
  assert_true(same_c < 4);
  assert_true(same_d < 4);
  free(a), free(b), free(c), free(d);
}

static void test_rng_uniform_in_range_with_right_mean(void **state) {
  (void)state;
  enum { N = 1 << 20 };
  cpo_rng_t *rng = NULL;
  assert_int_equal(cpo_rng_create(5, 0, &rng), CPO_OK);
  double *u = malloc(N * sizeof *u);
  assert_non_null(u);
  cpo_rng_fill_uniform(rng, u, N);
  double sum = 0;
  for (size_t k = 0; k < N; k++) {
    assert_true(u[k] >= 0.0 && u[k] < 1.0);
    sum += u[k];
  }
  assert_true(fabs(sum / N - 0.5) < 5 * sqrt(1.0 / 12.0 / N));
  for (int k = 0; k < 1000; k++) {
    const double v = cpo_rng_uniform_open(rng);
    assert_true(v > 0.0 && v < 1.0);
  }
  free(u);
  cpo_rng_destroy(&rng);
  cpo_rng_destroy(&rng); /* safe twice */
  assert_null(rng);
}

/* Every instruction-set variant of the ziggurat block must give the same bits, or results
 * would depend on the machine. */
static void test_rng_block_variants_give_identical_bits(void **state) {
  (void)state;
  cpo_zig_block_fn variants[3] = {cpo_zig_block_generic, NULL, NULL};
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2"))
    variants[1] = cpo_zig_block_avx2;
  if (__builtin_cpu_supports("avx512f"))
    variants[2] = cpo_zig_block_avx512;
#endif
  static double ref[64][CPO_ZIG_BLOCK], got[CPO_ZIG_BLOCK];
  uint64_t zig0[4][CPO_ZIG_WIDTH], slow0[4];
  for (int a = 0; a < 4; a++)
    for (int l = 0; l < CPO_ZIG_WIDTH; l++)
      zig0[a][l] = cpo_rng_mix64((uint64_t)(a * 8 + l + 1));
  for (int a = 0; a < 4; a++)
    slow0[a] = cpo_rng_mix64((uint64_t)(100 + a));
  for (int v = 0; v < 3; v++) {
    if (!variants[v])
      continue;
    uint64_t zig[4][CPO_ZIG_WIDTH], slow[4];
    memcpy(zig, zig0, sizeof zig);
    memcpy(slow, slow0, sizeof slow);
    for (int b = 0; b < 64; b++) {
      variants[v](zig, slow, v == 0 ? ref[b] : got);
      if (v > 0)
        assert_memory_equal(ref[b], got, sizeof got);
    }
  }
}

static void test_rng_f32_sequence_independent_of_call_split(void **state) {
  (void)state;
  enum { N = 5000 };
  float ref[N], got[N];
  cpo_rng_t *a = NULL, *b = NULL;
  assert_int_equal(cpo_rng_create(7, 3, &a), CPO_OK);
  assert_int_equal(cpo_rng_create(7, 3, &b), CPO_OK);
  cpo_rng_fill_normal_f32(a, ref, N);
  const size_t splits[] = {1, 0, 1023, 2, 1030, 1, 7, 1600};
  size_t at = 0;
  for (size_t j = 0; j < sizeof splits / sizeof splits[0]; j++) {
    cpo_rng_fill_normal_f32(b, got + at, splits[j]);
    at += splits[j];
    (void)cpo_rng_normal(b); /* the double stream is separate */
  }
  cpo_rng_fill_normal_f32(b, got + at, N - at);
  assert_memory_equal(ref, got, sizeof got);
  cpo_rng_destroy(&a);
  cpo_rng_destroy(&b);
}

static void test_rng_f32_block_variants_give_identical_bits(void **state) {
  (void)state;
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f"))
    skip();
  static float ref[CPO_ZIGF_BLOCK], got[CPO_ZIGF_BLOCK];
  uint64_t za[4][CPO_ZIG_WIDTH], zb[4][CPO_ZIG_WIDTH], sa[4], sb[4];
  for (int a = 0; a < 4; a++) {
    sa[a] = sb[a] = cpo_rng_mix64((uint64_t)(200 + a));
    for (int l = 0; l < CPO_ZIG_WIDTH; l++)
      za[a][l] = zb[a][l] = cpo_rng_mix64((uint64_t)(a * 8 + l + 50));
  }
  for (int k = 0; k < 64; k++) {
    cpo_zigf_block_generic(za, sa, ref);
    cpo_zigf_block_avx512(zb, sb, got);
    assert_memory_equal(ref, got, sizeof got);
  }
#else
  skip();
#endif
}

/* A counter-based draw depends on its key and counter alone: drawn in any order, the same;
 * neighbouring keys (converters) and counters (conversions) uncorrelated. */
static void test_rng_normal_at_is_pure_and_uncorrelated(void **state) {
  (void)state;
  enum { N = 1 << 20 };
  double *fwd = malloc(N * sizeof *fwd);
  assert_non_null(fwd);
  for (uint64_t k = 0; k < N; k++)
    fwd[k] = cpo_rng_normal_at(s_key(11, 3), k);
  for (uint64_t k = N; k-- > 0;)
    assert_true(cpo_rng_normal_at(s_key(11, 3), k) == fwd[k]);
  uint64_t keys[64];
  double many[64];
  for (uint64_t j = 0; j < 64; j++)
    keys[j] = s_key(11, j);
  cpo_rng_fill_normal_at(keys, 12345, many, 64); /* the batch: the same draws */
  for (uint64_t j = 0; j < 64; j++)
    assert_true(many[j] == cpo_rng_normal_at(keys[j], 12345));
  double lag = 0, cross = 0;
  for (uint64_t k = 0; k + 1 < N; k++) {
    lag += fwd[k] * fwd[k + 1];
    cross += fwd[k] * cpo_rng_normal_at(s_key(11, 4), k);
  }
  /* each sum of N products of independent unit normals: sd sqrt(N) */
  assert_true(fabs(lag) < 5 * sqrt((double)N));
  assert_true(fabs(cross) < 5 * sqrt((double)N));
  free(fwd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rng_normal_moments_match_standard_normal),
      cmocka_unit_test(test_rng_tail_mass_matches_erfc),
      cmocka_unit_test(test_rng_histogram_passes_chi_square),
      cmocka_unit_test(test_rng_tail_conditional_mean_matches_mills_ratio),
      cmocka_unit_test(test_rng_sequence_independent_of_call_split),
      cmocka_unit_test(test_rng_same_seed_same_stream_different_otherwise),
      cmocka_unit_test(test_rng_uniform_in_range_with_right_mean),
      cmocka_unit_test(test_rng_block_variants_give_identical_bits),
  };
  /* the distribution checks again, on the single-precision stream */
  const struct CMUnitTest f32_tests[] = {
      cmocka_unit_test(test_rng_normal_moments_match_standard_normal),
      cmocka_unit_test(test_rng_tail_mass_matches_erfc),
      cmocka_unit_test(test_rng_histogram_passes_chi_square),
      cmocka_unit_test(test_rng_tail_conditional_mean_matches_mills_ratio),
      cmocka_unit_test(test_rng_f32_sequence_independent_of_call_split),
      cmocka_unit_test(test_rng_f32_block_variants_give_identical_bits),
  };
  /* and on the counter-based draws the monitor ADCs use */
  const struct CMUnitTest counter_tests[] = {
      cmocka_unit_test(test_rng_normal_moments_match_standard_normal),
      cmocka_unit_test(test_rng_tail_mass_matches_erfc),
      cmocka_unit_test(test_rng_histogram_passes_chi_square),
      cmocka_unit_test(test_rng_tail_conditional_mean_matches_mills_ratio),
      cmocka_unit_test(test_rng_normal_at_is_pure_and_uncorrelated),
  };
  const int failed = cmocka_run_group_tests(tests, NULL, NULL) +
                     cmocka_run_group_tests_name("f32", f32_tests, s_use_f32, NULL);
  return failed + cmocka_run_group_tests_name("counter", counter_tests, s_use_counter, NULL);
}
