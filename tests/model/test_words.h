/* Test-local random words (splitmix64), so the model tests do not lean on cpo_rng. Include after
 * cmocka.h. */
#ifndef CPO_TEST_WORDS_H
#define CPO_TEST_WORDS_H

#include <stdint.h>
#include <stdlib.h>

static inline uint64_t test_splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* @p n words from @p seed, in a malloc'ed array the caller frees. */
static inline uint64_t *test_words(size_t n, uint64_t seed) {
  uint64_t *w = malloc(n * sizeof *w);
  assert_non_null(w);
  for (size_t k = 0; k < n; k++)
    w[k] = test_splitmix(&seed);
  return w;
}

#endif
