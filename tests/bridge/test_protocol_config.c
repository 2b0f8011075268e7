/* Configuration: range checks at their boundaries, the hash against an independent FNV-1a over
 * the documented block layout, and compare naming the first differing field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/protocol.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static void s_valid(const cpo_config_t *c) {
  char why[256] = "";
  if (cpo_config_validate(c, why, sizeof why) != CPO_OK)
    fail_msg("valid config rejected: %s", why);
}

static void s_invalid(const cpo_config_t *c, const char *needle) {
  char why[256] = "";
  assert_int_equal(cpo_config_validate(c, why, sizeof why), CPO_ERR_RANGE);
  if (!strstr(why, needle))
    fail_msg("\"%s\" does not name \"%s\"", why, needle);
}

static void test_config_validate_boundaries(void **state) {
  (void)state;
  cpo_config_t base = cpo_test_sample_config(), c;
  s_valid(&base);

#define EDGE(field, ok_value, bad_value, needle)                                                   \
  c = base;                                                                                        \
  c.field = ok_value;                                                                              \
  s_valid(&c);                                                                                     \
  c.field = bad_value;                                                                             \
  s_invalid(&c, needle);

  EDGE(lanes, 1, 0, "lanes 0 out of range 1..64")
  EDGE(lanes, 64, 65, "lanes 65")
  EDGE(symbols_per_cycle, 1, 0, "symbols_per_cycle 0")
  EDGE(bits_per_symbol, 1, 0, "bits_per_symbol 0")
  EDGE(bits_per_symbol, 2, 3, "bits_per_symbol 3")
  EDGE(symbols_per_cycle, 32, 33, "symbols_per_cycle 33 * bits_per_symbol 2 = 66 bits")
  EDGE(latency_cycles, 256, 0, "latency_cycles 0")
  EDGE(quantum_cycles, 1, 0, "quantum_cycles 0")
  EDGE(quantum_cycles, 1024, 1025, "quantum_cycles 1025 out of range 1..latency_cycles 1024")
  EDGE(total_cycles, 1, 0, "total_cycles 0")
  EDGE(baud_hz, 1, 0, "baud_hz 0")
#undef EDGE

  c = base;
  c.bits_per_symbol = 1;
  c.symbols_per_cycle = 64;
  s_valid(&c);
  c.symbols_per_cycle = 65;
  s_invalid(&c, "symbols_per_cycle 65");

  c = base;
  c.latency_cycles = 255; /* now below quantum 256 */
  s_invalid(&c, "quantum_cycles 256");

  c = base;
  memset(c.profile, 0, sizeof c.profile);
  s_valid(&c); /* an empty profile name is allowed */
  memset(c.profile, 'a', 31);
  s_valid(&c);
  c.profile[31] = 'a';
  s_invalid(&c, "profile has no NUL");
  c = base;
  c.profile[3] = '\t';
  s_invalid(&c, "profile byte 3 is 0x09");
  c.profile[3] = (char)0xc3;
  s_invalid(&c, "profile byte 3 is 0xc3");
}

/* The hash is FNV-1a 64 over the 76-byte block at HELLO payload offsets 4..79, built here by
 * hand from the layout table. */
static void test_config_hash_is_fnv1a_over_documented_block(void **state) {
  (void)state;
  /* first, the reference FNV against published test vectors */
  assert_int_equal(ref_fnv1a64((const uint8_t *)"", 0), 0xcbf29ce484222325ull);
  assert_int_equal(ref_fnv1a64((const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cull);
  assert_int_equal(ref_fnv1a64((const uint8_t *)"foobar", 6), 0x85944171f73967e8ull);

  cpo_config_t c = cpo_test_sample_config();
  uint8_t block[76] = {0};
  uint8_t *p = block - 4; /* payload offsets */
  put16(p + 4, c.lanes);
  put16(p + 6, c.symbols_per_cycle);
  p[8] = c.bits_per_symbol;
  put32(p + 12, c.latency_cycles);
  put32(p + 16, c.quantum_cycles);
  put64(p + 24, c.seed);
  put64(p + 32, c.total_cycles);
  put64(p + 40, c.baud_hz);
  memcpy(p + 48, c.profile, strlen(c.profile));
  assert_int_equal(cpo_config_hash(&c), ref_fnv1a64(block, sizeof block));
}

static void test_config_hash_covers_every_field(void **state) {
  (void)state;
  const cpo_config_t base = cpo_test_sample_config();
  const uint64_t h0 = cpo_config_hash(&base);
  assert_int_not_equal(h0, 0);
  cpo_config_t c;
#define CHANGES_HASH(stmt)                                                                         \
  c = base;                                                                                        \
  stmt;                                                                                            \
  if (cpo_config_hash(&c) == h0)                                                                   \
    fail_msg("hash ignores: %s", #stmt);
  CHANGES_HASH(c.lanes++)
  CHANGES_HASH(c.symbols_per_cycle++)
  CHANGES_HASH(c.bits_per_symbol--)
  CHANGES_HASH(c.latency_cycles++)
  CHANGES_HASH(c.quantum_cycles++)
  CHANGES_HASH(c.seed ^= 1ull << 63)
  CHANGES_HASH(c.total_cycles++)
  CHANGES_HASH(c.baud_hz ^= 1ull << 40)
  CHANGES_HASH(c.profile[10] = 'X')
  CHANGES_HASH(c.profile[11] = 'X') /* a longer name */
#undef CHANGES_HASH
  c = base;
  c.profile[30] = 'X'; /* after the NUL: not part of the name */
  assert_int_equal(cpo_config_hash(&c), h0);
}

static void s_mismatch(const cpo_config_t *a, const cpo_config_t *b, const char *want) {
  char why[256] = "";
  assert_int_equal(cpo_config_compare(a, b, why, sizeof why), CPO_ERR_CONFIG_MISMATCH);
  assert_string_equal(why, want);
}

static void test_config_compare_names_first_differing_field(void **state) {
  (void)state;
  cpo_config_t mine = cpo_test_sample_config(), peer = mine;
  char why[256] = "untouched";
  assert_int_equal(cpo_config_compare(&mine, &peer, why, sizeof why), CPO_OK);

  mine.latency_cycles = 4096;
  peer.latency_cycles = 1024;
  s_mismatch(&mine, &peer, "latency_cycles: 4096 here, 1024 at peer");
  peer.quantum_cycles = 64;
  s_mismatch(&mine, &peer, "latency_cycles: 4096 here, 1024 at peer"); /* still the first */
  peer.lanes = 4;
  s_mismatch(&mine, &peer, "lanes: 8 here, 4 at peer");

  cpo_config_t a = cpo_test_sample_config(), b = a;
  b.symbols_per_cycle = 16;
  s_mismatch(&a, &b, "symbols_per_cycle: 32 here, 16 at peer");
  b = a;
  b.bits_per_symbol = 1;
  s_mismatch(&a, &b, "bits_per_symbol: 2 here, 1 at peer");
  b = a;
  b.quantum_cycles = 64;
  s_mismatch(&a, &b, "quantum_cycles: 256 here, 64 at peer");
  b = a;
  b.seed = 42;
  s_mismatch(&a, &b, "seed: 81985529216486895 here, 42 at peer");
  b = a;
  b.total_cycles = 1;
  s_mismatch(&a, &b, "total_cycles: 200000 here, 1 at peer");
  b = a;
  b.baud_hz = 26562500000ull;
  s_mismatch(&a, &b, "baud_hz: 53125000000 here, 26562500000 at peer");
  b = a;
  strcpy(b.profile, "cpo-hot");
  s_mismatch(&a, &b, "profile: \"cpo-default\" here, \"cpo-hot\" at peer");
  b = a;
  b.profile[11] = '2'; /* "cpo-default2": a prefix is not a match */
  s_mismatch(&a, &b, "profile: \"cpo-default\" here, \"cpo-default2\" at peer");
  b = a;
  b.profile[25] = 'q'; /* after the NUL: the same name */
  assert_int_equal(cpo_config_compare(&a, &b, why, sizeof why), CPO_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_validate_boundaries),
      cmocka_unit_test(test_config_hash_is_fnv1a_over_documented_block),
      cmocka_unit_test(test_config_hash_covers_every_field),
      cmocka_unit_test(test_config_compare_names_first_differing_field),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
